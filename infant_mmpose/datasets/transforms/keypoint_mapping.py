"""``KeypointMapping``: re-express a sample in another keypoint definition."""
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmpose.datasets.transforms import KeypointConverter
from mmpose.registry import TRANSFORMS

from ...structures.keypoint_definitions import (Source, get_definition, get_mapping,
                                   map_joints)

#: Per-joint coordinate arrays, joint axis -2: ``(..., K, D)``.
COORD_KEYS_2D = ('keypoints', )
COORD_KEYS_3D = ('keypoints_3d', 'lifting_target')
#: Per-joint visibility arrays: ``(..., K)`` or ``(..., K, 1|2)``.
VISIBLE_KEYS_2D = ('keypoints_visible', 'keypoints_visible_weights')
VISIBLE_KEYS_3D = ('keypoints_3d_visible', 'lifting_target_visible')
#: Coordinates -> their visibility; a missing visibility is taken as all
#: visible before mapping, so joints without a source still end up 0.
VISIBILITY_OF = {
    'keypoints': 'keypoints_visible',
    'keypoints_3d': 'keypoints_3d_visible',
    'lifting_target': 'lifting_target_visible',
}
#: Definition-dependent metainfo that data sets copy into every sample.
METAINFO_KEYS = ('flip_indices', 'flip_pairs', 'upper_body_ids',
                 'lower_body_ids', 'skeleton_links',
                 'dataset_keypoint_weights')


@TRANSFORMS.register_module()
class KeypointMapping(KeypointConverter):
    """Map every per-joint array of a sample from ``source`` to ``target``.

    Registered as MMPose's :class:`KeypointConverter` is, with its mapping
    format: ``(src, tgt_idx)`` pairs looked up by name with
    :func:`~infant_mmpose.structures.keypoint_definitions.get_mapping`, where
    ``src`` is a source index or a tuple of 2+ source indices whose mean is
    the target joint (a derived joint; MMPose's converter takes pairs of 2
    only, hence the parent's index bookkeeping is not used). ``transform``
    is replaced because the parent maps a single array (with
    ``keypoints_3d`` present it overwrites the 2D pixel keypoints with the
    3D x, y and needs a ``target_idx`` key), keeps the source's
    ``flip_indices`` and returns visibility as ``(N, K, 2)``; here each key
    is mapped on its own and keeps its shape apart from the joint axis. A
    derived joint is visible only where all its source joints are (the
    minimum of their visibilities/weights).

    Keys mapped when present (``K_src`` joints in, ``K_tgt`` out):
    ``keypoints`` (N, K, 2) px, ``keypoints_visible`` (N, K) [or (N, K, 1|2)],
    ``keypoints_visible_weights``, ``keypoints_3d`` (N, K, 3),
    ``keypoints_3d_visible`` (N, K), ``lifting_target`` (N, K, 3),
    ``lifting_target_visible`` (N, K). A target joint with no source joint
    gets coordinates 0 and visibility 0, so MMPose's losses (target weights)
    and metrics (visibility masks) leave it out; a coordinate key without
    its visibility key gets one (source joints visible) for that reason.

    ``num_keypoints``, ``flip_indices``, ``flip_pairs``, ``upper_body_ids``,
    ``lower_body_ids``, ``skeleton_links`` and ``dataset_keypoint_weights``
    are replaced by the target definition's, and ``keypoints_definition`` is
    set to ``target``.

    If a sample carries ``results['keypoints_definition']`` (a definition
    name), its 2D keys (``keypoints``, ``keypoints_visible``,
    ``keypoints_visible_weights``) are taken to be in that definition
    instead of ``source`` (identity when it equals ``target``); 3D keys are
    always in ``source``.

    Args:
        source (str): definition of the incoming sample, e.g. ``'minirgbd25'``.
        target (str): the common definition, e.g. ``'mpii16'``.

    Raises:
        KeyError: unknown definition name (at construction or in a sample's
            ``keypoints_definition``).
        ValueError: a mapped array whose joint axis does not have the
            source definition's joint count.
    """

    def __init__(self, source: str, target: str = 'mpii16'):
        self.source = source
        self.target = target
        self._target_meta = get_definition(target)
        # KeypointConverter.__init__ is skipped: it accepts derived joints
        # of exactly two sources only (see the class docstring)
        self.num_keypoints = self._target_meta['num_keypoints']
        self.mapping = get_mapping(source, target)
        self._source_sizes: Dict[str, int] = {
            source: get_definition(source)['num_keypoints']
        }
        # mappings for samples whose 2D keys come in another definition
        self._mappings: Dict[str, List[Tuple[Source, int]]] = {
            source: self.mapping
        }

    def _mapping_for(self, definition: str) -> List[Tuple[Source, int]]:
        if definition not in self._mappings:
            self._source_sizes[definition] = get_definition(
                definition)['num_keypoints']
            self._mappings[definition] = get_mapping(definition, self.target)
        return self._mappings[definition]

    def _map_array(self, key: str, array: np.ndarray, joint_axis: int,
                   definition: str, visibility: bool) -> np.ndarray:
        """Re-index ``array`` along ``joint_axis`` with ``definition``'s
        mapping; target joints without a source are 0."""
        mapping = self._mapping_for(definition)
        num_source = self._source_sizes[definition]
        array = np.asarray(array)
        if array.ndim < -joint_axis or array.shape[joint_axis] != num_source:
            raise ValueError(
                f'KeypointMapping({definition!r} -> {self.target!r}): '
                f'results[{key!r}] has shape {array.shape}, expected '
                f'{num_source} joints on axis {joint_axis}; the sample is '
                f'not in the {definition!r} definition')
        return map_joints(array, mapping, self.num_keypoints, joint_axis,
                          visibility=visibility)

    def map_joints(self, array: np.ndarray, joint_axis: int = -2,
                   name: str = 'array',
                   visibility: bool = False) -> np.ndarray:
        """One per-joint array from ``source`` to ``target``.

        Args:
            array: any shape with ``K_src`` joints on ``joint_axis``, e.g.
                (N, K, 2) px, (N, K, 3) mm or (N, K) visibility.
            joint_axis: the joint axis (negative, counted from the end).
            name: what the array is, for the error message.
            visibility: the array holds visibilities (a derived joint takes
                the minimum of its sources', not the mean).

        Returns:
            The same shape with ``K_tgt`` joints; joints without a source 0.
        """
        return self._map_array(name, array, joint_axis, self.source,
                               visibility=visibility)

    @staticmethod
    def _visible_joint_axis(array: np.ndarray, num_source: int) -> int:
        # (N, K) or, MMPose's visibility with weights, (N, K, 1|2)
        array = np.asarray(array)
        if (array.ndim >= 3 and array.shape[-1] in (1, 2)
                and array.shape[-2] == num_source):
            return -2
        return -1

    def _map_keys(self, results: dict, coord_keys: Tuple[str, ...],
                  visible_keys: Tuple[str, ...], definition: str) -> None:
        self._mapping_for(definition)  # validates the name, fills sizes
        num_source = self._source_sizes[definition]
        for key in coord_keys:
            if results.get(key) is not None:
                if results.get(VISIBILITY_OF[key]) is None:
                    results[VISIBILITY_OF[key]] = np.ones(
                        np.shape(results[key])[:-1], dtype=np.float32)
                results[key] = self._map_array(key, results[key], -2,
                                               definition, visibility=False)
        for key in visible_keys:
            if results.get(key) is not None:
                axis = self._visible_joint_axis(results[key], num_source)
                results[key] = self._map_array(key, results[key], axis,
                                               definition, visibility=True)

    def transform(self, results: dict) -> dict:
        """Map the sample in place; see the class docstring for the keys."""
        definition_2d = results.get('keypoints_definition') or self.source
        self._map_keys(results, COORD_KEYS_2D, VISIBLE_KEYS_2D, definition_2d)
        self._map_keys(results, COORD_KEYS_3D, VISIBLE_KEYS_3D, self.source)
        for key in METAINFO_KEYS:
            if key in results:
                value = self._target_meta[key]
                results[key] = value.copy() if isinstance(
                    value, np.ndarray) else list(value)
        results['num_keypoints'] = self.num_keypoints
        results['keypoints_definition'] = self.target
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(source={self.source!r}, '
                f'target={self.target!r})')


def pipeline_target_definition(pipeline: Optional[Sequence]) -> Optional[str]:
    """``target`` of the last ``KeypointMapping`` in a data pipeline (given
    as configs or built transforms), or ``None`` when it has none.

    Data sets use it to default their metainfo to the definition their
    samples leave the pipeline in, which evaluators and visualisers see.
    """
    target = None
    for transform in pipeline or []:
        if isinstance(transform, dict):
            if transform.get('type') in ('KeypointMapping',
                                         'mmpose.KeypointMapping'):
                target = transform.get('target', 'mpii16')
        elif isinstance(transform, KeypointMapping):
            target = transform.target
    return target
