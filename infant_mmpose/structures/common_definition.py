"""One config switch for the common keypoint definition: ``common_definition``.

Every stage of the project trains and evaluates in one *common* definition
(MPII 16 by default, the thesis's choice). A config selects another with
one top-level key, in the file or on the command line::

    common_definition = 'coco17'
    --cfg-options common_definition=coco17

and :func:`apply_common_definition` (run by every config loader of the
project: ``tools/train.py``, ``tools/test.py``, ``tools/run_pipeline.py``,
``tools/quickstart.py``) re-expresses the config in it. MMEngine configs
compute derived values (joint counts, root indices) when they are read, so
overriding one variable cannot change them; this function changes each
place that depends on the definition:

* data sets that map their native joints: ``keypoint_definition`` (the data
  set maps when loading), the ``target`` of a ``KeypointMapping`` transform,
  and a ``metainfo`` that names a definition file (a data set with neither
  keeps its native joints and metainfo);
* the lifter codec (``num_keypoints``, ``root_index``,
  ``ignore_input_joints``: :data:`LIFTER_IGNORED_INPUTS`) wherever it appears
  (``codec``, ``lifter_codec``, the head's ``decoder``, ``GenerateTarget``
  encoders), the ``MartinezLifterHead`` sizes (``in_channels = 2K``,
  ``num_joints = K``) and a 2D head's ``out_channels = K``;
* evaluators' ``root_index`` (the lifter's root).

The lifter's root is the pelvis; a definition without a pelvis joint uses
the derived joint named in :data:`ROOT_JOINTS` (COCO-17: the hips'
midpoint), given to codecs and metrics as the indices whose mean it is.
Data sets already in the requested definition (MMPose's ``CocoDataset`` in
COCO-17) are left alone.
"""
from typing import Any, Iterator, List, Optional

from .keypoint_definitions import (DEFINITION_FILES, definition_file,
                                   derived_joint, get_definition,
                                   num_keypoints)

#: The lifter's root joint per definition: a joint name, or the name of a
#: derived joint (``keypoint_definitions.DERIVED_JOINTS``) whose source
#: joints' mean is the root.
ROOT_JOINTS = {
    'mpii16': 'pelvis',
    'minirgbd25': 'pelvis',
    'mpi_inf_3dhp28': 'pelvis',
    'mpi_inf_3dhp17': 'root',
    'coco17': 'hip_midpoint',
}

#: Joints a lifter in the definition takes no input from
#: (``MartinezPoseLifting(ignore_input_joints=...)``): no data set the
#: lifters train on (MPI-INF-3DHP, MINI-RGBD) labels COCO's eyes and ears,
#: while any COCO 2D model predicts them; fed to the lifter they would be
#: inputs it never saw in training.
LIFTER_IGNORED_INPUTS = {
    'coco17': ('left_eye', 'right_eye', 'left_ear', 'right_ear'),
}

#: Metrics tied to one definition: metric type -> the definition.
_DEFINITION_BOUND_METRICS = {'MpiiPCKAccuracy': 'mpii16'}
_MAPPING_TYPES = ('KeypointMapping', 'mmpose.KeypointMapping')
_LIFTER_HEADS = ('MartinezLifterHead', )


def root_indices(definition: str) -> List[int]:
    """Indices of the lifter's root in ``definition``: ``[pelvis]``, or the
    source joints of a derived root (their mean is the root).

    Raises:
        KeyError: a definition without a root entry.
    """
    if definition not in ROOT_JOINTS:
        raise KeyError(f'no lifter root joint is defined for {definition!r}; '
                       f'known: {", ".join(sorted(ROOT_JOINTS))}')
    name = ROOT_JOINTS[definition]
    name2id = get_definition(definition)['keypoint_name2id']
    if name in name2id:
        return [name2id[name]]
    return list(derived_joint(definition, name))


def ignored_input_indices(definition: str) -> List[int]:
    """Indices of :data:`LIFTER_IGNORED_INPUTS` in ``definition``."""
    name2id = get_definition(definition)['keypoint_name2id']
    return [name2id[n] for n in LIFTER_IGNORED_INPUTS.get(definition, ())]


def _root_value(definition: str):
    """``root_index`` as configs write it: an int for a single joint."""
    root = root_indices(definition)
    return root[0] if len(root) == 1 else root


def _datasets(dataset: Any) -> Iterator[dict]:
    """A data set config and those it wraps (``dataset`` / ``datasets``)."""
    if not isinstance(dataset, dict):
        return
    yield dataset
    yield from _datasets(dataset.get('dataset'))
    for inner in dataset.get('datasets', None) or []:
        yield from _datasets(inner)


def _is_definition_metainfo(metainfo: Any) -> bool:
    if not isinstance(metainfo, dict) or set(metainfo) != {'from_file'}:
        return False
    known = {definition_file(name) for name in DEFINITION_FILES}
    return metainfo['from_file'] in known


def _update_codec(codec: Any, name: str) -> None:
    """A lifting codec (it has ``num_keypoints`` and ``root_index``)."""
    if isinstance(codec, dict) and 'num_keypoints' in codec \
            and 'root_index' in codec:
        codec['num_keypoints'] = num_keypoints(name)
        codec['root_index'] = _root_value(name)
        ignored = ignored_input_indices(name)
        if ignored or codec.get('ignore_input_joints'):
            codec['ignore_input_joints'] = ignored


def apply_common_definition(cfg, definition: Optional[str] = None):
    """Re-express ``cfg`` (an MMEngine ``Config``, changed in place) in
    ``definition`` (default: ``cfg.common_definition``; nothing to do when
    neither is set).

    Returns:
        ``cfg``, with ``cfg.common_definition`` set.

    Raises:
        KeyError: unknown definition name, or a lifter config in a
            definition without a root joint (:data:`ROOT_JOINTS`).
        ValueError: an evaluator that only works in another definition
            (``MpiiPCKAccuracy``: MPII 16 only; use ``HeadPCK``).
    """
    name = definition or cfg.get('common_definition')
    if name is None:
        return cfg
    k = num_keypoints(name)  # validates the name
    meta_file = definition_file(name)
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not isinstance(loader, dict):
            continue
        for dataset in _datasets(loader.get('dataset')):
            # a data set handing out native joints stays native
            mapped = dataset.get('keypoint_definition') is not None
            if mapped:
                dataset['keypoint_definition'] = name
            for transform in dataset.get('pipeline', None) or []:
                if transform.get('type') in _MAPPING_TYPES:
                    transform['target'] = name
                    mapped = True
                if transform.get('type') == 'GenerateTarget':
                    _update_codec(transform.get('encoder'), name)
            if mapped and _is_definition_metainfo(dataset.get('metainfo')):
                dataset['metainfo'] = dict(from_file=meta_file)
    for key in ('codec', 'lifter_codec'):
        _update_codec(cfg.get(key), name)
    if _is_definition_metainfo(cfg.get('common_metainfo')):
        cfg['common_metainfo'] = dict(from_file=meta_file)
    head = (cfg.get('model') or {}).get('head')
    if isinstance(head, dict):
        _update_codec(head.get('decoder'), name)
        if head.get('type') in _LIFTER_HEADS:
            head['in_channels'] = 2 * k
            head['num_joints'] = k
        elif 'out_channels' in head:
            head['out_channels'] = k
    for key in ('val_evaluator', 'test_evaluator'):
        evaluators = cfg.get(key)
        items = evaluators if isinstance(evaluators, list) else [evaluators]
        for metric in items:
            if not isinstance(metric, dict):
                continue
            bound = _DEFINITION_BOUND_METRICS.get(metric.get('type'))
            if bound is not None and bound != name:
                raise ValueError(
                    f'{key}: {metric["type"]} only scores {bound} joints; '
                    f'with common_definition={name!r} use HeadPCK')
            if metric.get('root_index') is not None:
                metric['root_index'] = _root_value(name)
    if isinstance(cfg.get('keypoint_definition'), str):
        cfg['keypoint_definition'] = name
    if isinstance(cfg.get('num_keypoints'), int):
        cfg['num_keypoints'] = k
    if isinstance(cfg.get('root_index'), (int, list)):
        cfg['root_index'] = _root_value(name)
    cfg['common_definition'] = name
    return cfg
