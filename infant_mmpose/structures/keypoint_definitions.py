"""Keypoint definitions by name and the mapping tables between them.

A *definition* is an MMPose metainfo file under ``configs/_base_/datasets/``
(names, skeleton, flip pairs); :func:`get_definition` returns it parsed by
MMPose's ``parse_pose_metainfo``.

A *mapping* from ``source`` to ``target`` is a list of ``(src, tgt_idx)``
pairs, the format of MMPose's ``KeypointConverter``:
``out[tgt] = src[src_idx]`` for an index ``src``, and, for a tuple of
indices ``src = (a, b, ...)``, ``out[tgt] = mean(src[a], src[b], ...)`` (a
*derived* joint; MMPose's converter allows pairs ``((a, b), tgt)``, here any
number of 2 or more source joints is allowed). A derived joint is visible
only where all its source joints are.
Target joints that appear in no pair have no source joint; the
``KeypointMapping`` transform marks them invisible.

Derived joints are named per definition in :data:`DERIVED_JOINTS` (e.g.
``shoulder_midpoint`` of MPI-INF-3DHP) and tables refer to them by name.

The tables are the thesis's (FACTS section 2), written once here as "which
source joint feeds each MPII joint", plus the exact 28 -> 17 joint subset of
MPI-INF-3DHP. Every other pair of definitions is derived:

* ``name -> name`` is the identity;
* a table read backwards gives the inverse mapping (tables are one-to-one
  apart from derived joints, which have no inverse: a target joint fed by a
  derived joint has no source in the inverse mapping);
* anything else goes through MPII 16, the hub every table reaches, e.g.
  ``minirgbd25 -> mavhea12`` = ``minirgbd25 -> mpii16 -> mavhea12``.
"""
from copy import deepcopy
from functools import lru_cache
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpose.datasets.datasets.utils import parse_pose_metainfo

from infant_mmpose.utils import config_path

#: Definition name -> metainfo file relative to ``configs/``.
DEFINITION_FILES: Dict[str, str] = {
    'minirgbd25': '_base_/datasets/minirgbd.py',
    'mpii16': '_base_/datasets/mpii16.py',
    'mpi_inf_3dhp28': '_base_/datasets/mpi_inf_3dhp28.py',
    'mpi_inf_3dhp17': '_base_/datasets/mpi_inf_3dhp17.py',
    'mavhea12': '_base_/datasets/mavhea12.py',
    'coco17': '_base_/datasets/coco17.py',
}

#: The hub definition every table maps into (the thesis's common definition).
HUB = 'mpii16'

#: A mapping's source entry: one source joint index, or the indices of the
#: source joints whose mean is the target joint (a derived joint).
Source = Union[int, Tuple[int, ...]]

#: Derived joints per definition: name -> the names of its source joints
#: (2 or more); the derived joint is their mean position, in 2D pixels and
#: in 3D alike, and visible only where all of them are. In 2D the mean of
#: the projections is not exactly the projection of the 3D mean: for
#: shoulders 0.36 m apart turned in depth 4 m from a 1500 px camera they
#: differ by up to about 1.5 px.
DERIVED_JOINTS: Dict[str, Dict[str, Tuple[str, ...]]] = {
    # COCO-17 has no pelvis and no thorax: MPII's pelvis is the hips'
    # midpoint and its thorax the shoulders' midpoint (as MMPose's
    # KeypointConverter derives them for COCO); the hips' midpoint is also
    # the COCO-17 lifter's root (common_definition.ROOT_JOINTS).
    'coco17': {
        'hip_midpoint': ('left_hip', 'right_hip'),
        'shoulder_midpoint': ('left_shoulder', 'right_shoulder')
    },
    # MPII's thorax for both MPI-INF-3DHP tables: the 28-joint release has
    # spine4 (the thesis's thorax) but the 17-joint test set has no joint
    # there, only a mid-torso 'spine'; the shoulders' midpoint exists in
    # both, so training (28) and test (17) data get the same thorax.
    'mpi_inf_3dhp28': {
        'shoulder_midpoint': ('left_shoulder', 'right_shoulder')
    },
    'mpi_inf_3dhp17': {
        'shoulder_midpoint': ('left_shoulder', 'right_shoulder')
    },
}

_ = None  # a target joint with no source joint
#: (source, target) -> per target joint, what feeds it: a source index, the
#: name of a derived joint of the source (:data:`DERIVED_JOINTS`) or ``_``.
#: ``table[i]`` is the source of target joint ``i`` (``out[i] =
#: src[table[i]]``), as in FACTS section 2.
_TABLES: Dict[Tuple[str, str], List[Union[int, str, None]]] = {
    # thorax = spine2, upper_neck = neck, head_top = noseVertex
    ('minirgbd25', 'mpii16'):
    [8, 5, 2, 1, 4, 7, 0, 9, 12, 24, 21, 19, 17, 16, 18, 20],
    # The two MPI-INF-3DHP tables agree joint for joint (the 17 set is a
    # subset of the 28): thorax = the shoulders' midpoint (FACTS has spine4
    # here and spine in the 17 table, which put training and test thorax
    # apart); upper_neck = neck and head_top = head in both, as in the
    # thesis (the 28 set's head_top, index 7, is the 17 set's index 0;
    # neither table uses it).
    ('mpi_inf_3dhp28', 'mpii16'):
    [25, 24, 23, 18, 19, 20, 4, 'shoulder_midpoint', 5, 6, 16, 15, 14, 9, 10,
     11],
    ('mpi_inf_3dhp17', 'mpii16'):
    [10, 9, 8, 11, 12, 13, 14, 'shoulder_midpoint', 1, 16, 4, 3, 2, 5, 6, 7],
    # limbs only: pelvis, thorax, upper_neck and head_top are not labelled
    ('mavhea12', 'mpii16'): [6, 7, 8, 3, 4, 5, _, _, _, _, 11, 10, 9, 2, 1, 0],
    # MINI-RGBD -> COCO-17 directly (through MPII 16 the nose would be
    # lost): nose = noseVertex, the limbs by their SMIL names (upperArm =
    # shoulder, foreArm = elbow, hand = wrist, thigh = hip, calf = knee,
    # foot = ankle); eyes and ears have no source joint
    ('minirgbd25', 'coco17'):
    [24, _, _, _, _, 16, 17, 18, 19, 20, 21, 1, 2, 4, 5, 7, 8],
    # COCO-17 -> MPII 16: the limbs by name, pelvis and thorax derived;
    # nothing in COCO-17 is an upper neck or a head top. Read backwards
    # (mpii16 -> coco17) it gives the limbs; MPI-INF-3DHP reaches COCO-17
    # through MPII 16 (limbs only: it has no nose, eyes or ears)
    ('coco17', 'mpii16'):
    [16, 14, 12, 11, 13, 15, 'hip_midpoint', 'shoulder_midpoint', _, _, 10, 8,
     6, 5, 7, 9],
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


def derived_joint(definition: str, name: str) -> Tuple[int, ...]:
    """Source indices of the derived joint ``name`` of ``definition``
    (:data:`DERIVED_JOINTS`); the joint is their mean.

    Raises:
        KeyError: unknown definition, unknown derived joint, or a source
            joint name the definition does not have.
        ValueError: a derivation from fewer than 2 joints.
    """
    _check_name(definition)
    derived = DERIVED_JOINTS.get(definition, {})
    if name not in derived:
        raise KeyError(f'{definition!r} has no derived joint {name!r}; it '
                       f'has: {", ".join(sorted(derived)) or "none"}')
    sources = derived[name]
    if len(sources) < 2:
        raise ValueError(f'derived joint {definition}:{name} needs 2 or more '
                         f'source joints, got {sources!r}')
    name2id = _parsed_definition(definition)['keypoint_name2id']
    unknown = [joint for joint in sources if joint not in name2id]
    if unknown:
        raise KeyError(f'derived joint {definition}:{name}: {definition!r} '
                       f'has no joint {", ".join(map(repr, unknown))}')
    return tuple(name2id[joint] for joint in sources)


def _pairs_from_table(source: str, table: Sequence[Union[int, str, None]]
                      ) -> List[Tuple[Source, int]]:
    return [(derived_joint(source, src) if isinstance(src, str) else src, tgt)
            for tgt, src in enumerate(table) if src is not None]


def _invert(pairs: List[Tuple[Source, int]]) -> List[Tuple[int, int]]:
    # a derived joint (a mean) has no inverse
    return sorted(((tgt, src) for src, tgt in pairs if isinstance(src, int)),
                  key=lambda p: p[1])


def _compose(first: List[Tuple[Source, int]],
             second: List[Tuple[int, int]]) -> List[Tuple[Source, int]]:
    """``source -> hub`` followed by ``hub -> target``."""
    hub_to_source = {hub: src for src, hub in first}
    return [(hub_to_source[hub], tgt) for hub, tgt in second
            if hub in hub_to_source]


def _direct_mapping(source: str,
                    target: str) -> Optional[List[Tuple[Source, int]]]:
    if source == target:
        return [(i, i) for i in range(num_keypoints(source))]
    if (source, target) in _TABLES:
        return _pairs_from_table(source, _TABLES[(source, target)])
    if (target, source) in _TABLES:
        return _invert(_pairs_from_table(target, _TABLES[(target, source)]))
    return None


def get_mapping(source: str, target: str) -> List[Tuple[Source, int]]:
    """Mapping ``source -> target`` as ``(src, tgt_idx)`` pairs.

    ``src`` is a source index, or a tuple of 2+ source indices for a derived
    joint (their mean). Pairs are sorted by target index; each target index
    appears at most once, and each plain source index at most once (a
    source joint may also feed derived joints). Target joints absent from
    the pairs have no source joint.

    Raises:
        KeyError: either name is not a known definition.
    """
    _check_name(source, 'source keypoint definition')
    _check_name(target, 'target keypoint definition')
    direct = _direct_mapping(source, target)
    if direct is not None:
        return direct
    return _compose(_direct_mapping(source, HUB), _direct_mapping(HUB, target))


def map_joints(array: np.ndarray, mapping: Sequence[Tuple[Source, int]],
               num_target: int, joint_axis: int = -2,
               visibility: bool = False) -> np.ndarray:
    """Apply ``mapping`` (as from :func:`get_mapping`) along ``joint_axis``.

    Args:
        array: numpy array with the source joints on ``joint_axis``, e.g.
            coordinates (N, K_src, D) or visibility (N, K_src).
        mapping: ``(src, tgt)`` pairs; ``src`` an index or a tuple of
            indices (a derived joint).
        num_target: number of target joints.
        joint_axis: the joint axis of ``array``.
        visibility: ``False``: a derived joint is the mean of its sources
            (coordinates); ``True``: their minimum, so it is visible only
            where all of them are (visibility flags and weights).

    Returns:
        Array like ``array`` with ``num_target`` joints on ``joint_axis``;
        target joints without a source are 0.
    """
    moved = np.moveaxis(np.asarray(array), joint_axis, 0)
    out = np.zeros((num_target, ) + moved.shape[1:], dtype=moved.dtype)
    reduce = np.min if visibility else np.mean
    for src, tgt in mapping:
        if isinstance(src, tuple):
            out[tgt] = reduce(moved[list(src)], axis=0)
        else:
            out[tgt] = moved[src]
    return np.moveaxis(out, 0, joint_axis)


def mapping_table(source: str, target: str) -> List[Optional[Source]]:
    """The mapping as a per-target list: source index, tuple of source
    indices (a derived joint, their mean) or ``None``.

    The same information as :func:`get_mapping`, in the FACTS table layout
    (``out[i] = src[table[i]]``).
    """
    table: List[Optional[Source]] = [None] * num_keypoints(target)
    for src, tgt in get_mapping(source, target):
        table[tgt] = src
    return table
