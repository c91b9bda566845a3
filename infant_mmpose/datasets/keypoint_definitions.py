"""Keypoint definitions by name and the mapping tables between them.

A *definition* is an MMPose metainfo file under ``configs/_base_/datasets/``
(names, skeleton, flip pairs); :func:`get_definition` returns it parsed by
MMPose's ``parse_pose_metainfo``.

A *mapping* from ``source`` to ``target`` is a list of ``(src_idx, tgt_idx)``
pairs, the format of MMPose's ``KeypointConverter``:
``out[tgt] = src[src_idx]``.
Target joints that appear in no pair have no source joint; the
``KeypointMapping`` transform marks them invisible.

The tables are the thesis's (FACTS section 2), written once here as "which
source joint feeds each MPII joint", plus the exact 28 -> 17 joint subset of
MPI-INF-3DHP. Every other pair of definitions is derived:

* ``name -> name`` is the identity;
* a table read backwards gives the inverse mapping (tables are one-to-one);
* anything else goes through MPII 16, the hub every table reaches, e.g.
  ``minirgbd25 -> mavhea12`` = ``minirgbd25 -> mpii16 -> mavhea12``.
"""
from copy import deepcopy
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple

from mmpose.datasets.datasets.utils import parse_pose_metainfo

from infant_mmpose.utils import config_path

#: Definition name -> metainfo file relative to ``configs/``.
DEFINITION_FILES: Dict[str, str] = {
    'minirgbd25': '_base_/datasets/minirgbd.py',
    'mpii16': '_base_/datasets/mpii16.py',
    'mpi_inf_3dhp28': '_base_/datasets/mpi_inf_3dhp28.py',
    'mpi_inf_3dhp17': '_base_/datasets/mpi_inf_3dhp17.py',
    'mavhea12': '_base_/datasets/mavhea12.py',
}

#: The hub definition every table maps into (the thesis's common definition).
HUB = 'mpii16'

_ = None  # a target joint with no source joint
#: (source, target) -> per target joint, the source index feeding it.
#: ``table[i]`` is the source index of target joint ``i`` (``out[i] =
#: src[table[i]]``), as in FACTS section 2.
_TABLES: Dict[Tuple[str, str], List[Optional[int]]] = {
    # thorax = spine2, upper_neck = neck, head_top = noseVertex
    ('minirgbd25', 'mpii16'):
    [8, 5, 2, 1, 4, 7, 0, 9, 12, 24, 21, 19, 17, 16, 18, 20],
    # thorax = spine4, upper_neck = neck, head_top = head (the thesis's choice;
    # the 28 set also has a head_top joint, index 7, which it did not use)
    ('mpi_inf_3dhp28', 'mpii16'):
    [25, 24, 23, 18, 19, 20, 4, 1, 5, 6, 16, 15, 14, 9, 10, 11],
    # thorax ~ spine: the 17-joint set has no spine4
    ('mpi_inf_3dhp17', 'mpii16'):
    [10, 9, 8, 11, 12, 13, 14, 15, 1, 16, 4, 3, 2, 5, 6, 7],
    # limbs only: pelvis, thorax, upper_neck and head_top are not labelled
    ('mavhea12', 'mpii16'): [6, 7, 8, 3, 4, 5, _, _, _, _, 11, 10, 9, 2, 1, 0],
    # the official 17-joint subset of the 28 (mpii_get_joint_set('relavant'),
    # 0-based): head_top, neck, arms, legs, pelvis, spine, head
    ('mpi_inf_3dhp28', 'mpi_inf_3dhp17'):
    [7, 5, 14, 15, 16, 9, 10, 11, 23, 24, 25, 18, 19, 20, 4, 3, 6],
}
del _


def available_definitions() -> List[str]:
    """Names accepted by :func:`get_definition` and :func:`get_mapping`."""
    return sorted(DEFINITION_FILES)


def _check_name(name: str, role: str = 'keypoint definition') -> None:
    if name not in DEFINITION_FILES:
        raise KeyError(f'unknown {role} {name!r}; known definitions: '
                       f'{", ".join(available_definitions())}')


def definition_file(name: str) -> str:
    """Absolute path of the metainfo config of definition ``name``.

    Raises:
        KeyError: unknown name.
        FileNotFoundError: the metainfo file is missing from ``configs/``.
    """
    _check_name(name)
    return config_path(DEFINITION_FILES[name])


@lru_cache(maxsize=None)
def _parsed_definition(name: str) -> dict:
    return parse_pose_metainfo(dict(from_file=definition_file(name)))


def get_definition(name: str) -> dict:
    """Parsed MMPose metainfo of definition ``name`` (a fresh copy).

    Keys include ``dataset_name``, ``num_keypoints``, ``keypoint_id2name``,
    ``keypoint_name2id``, ``flip_indices``, ``flip_pairs``,
    ``upper_body_ids``, ``lower_body_ids``, ``skeleton_links`` and
    ``dataset_keypoint_weights``.
    """
    return deepcopy(_parsed_definition(name))


def num_keypoints(name: str) -> int:
    """Number of joints of definition ``name``."""
    return _parsed_definition(name)['num_keypoints']


def _pairs_from_table(table: Sequence[Optional[int]]) -> List[Tuple[int, int]]:
    return [(src, tgt) for tgt, src in enumerate(table) if src is not None]


def _invert(pairs: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    return sorted(((tgt, src) for src, tgt in pairs), key=lambda p: p[1])


def _compose(first: List[Tuple[int, int]],
             second: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """``source -> hub`` followed by ``hub -> target``."""
    hub_to_source = {hub: src for src, hub in first}
    return [(hub_to_source[hub], tgt) for hub, tgt in second
            if hub in hub_to_source]


def _direct_mapping(source: str,
                    target: str) -> Optional[List[Tuple[int, int]]]:
    if source == target:
        return [(i, i) for i in range(num_keypoints(source))]
    if (source, target) in _TABLES:
        return _pairs_from_table(_TABLES[(source, target)])
    if (target, source) in _TABLES:
        return _invert(_pairs_from_table(_TABLES[(target, source)]))
    return None


def get_mapping(source: str, target: str) -> List[Tuple[int, int]]:
    """Mapping ``source -> target`` as ``(src_idx, tgt_idx)`` pairs.

    Pairs are sorted by target index; each target and each source index
    appears at most once. Target joints absent from the pairs have no source
    joint.

    Raises:
        KeyError: either name is not a known definition.
    """
    _check_name(source, 'source keypoint definition')
    _check_name(target, 'target keypoint definition')
    direct = _direct_mapping(source, target)
    if direct is not None:
        return direct
    return _compose(_direct_mapping(source, HUB), _direct_mapping(HUB, target))


def mapping_table(source: str, target: str) -> List[Optional[int]]:
    """The mapping as a per-target list: source index or ``None``.

    The same information as :func:`get_mapping`, in the FACTS table layout
    (``out[i] = src[table[i]]``).
    """
    table: List[Optional[int]] = [None] * num_keypoints(target)
    for src, tgt in get_mapping(source, target):
        table[tgt] = src
    return table
