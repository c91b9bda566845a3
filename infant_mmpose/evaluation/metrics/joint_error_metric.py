"""Shared base of the keypoint metrics: read one sample's prediction and
ground truth, keep its per-joint errors, name the joints.

Where the values come from (MMPose conventions):

* ``mode='2d'`` (top-down heatmap models, pixels): prediction
  ``pred_instances.keypoints`` ``(1, K, 2)``; ground truth
  ``gt_instances.keypoints`` ``(1, K, 2)`` and ``keypoints_visible``
  ``(1, K)`` or ``(1, K, 1)``. Joints outside the image carry visibility 0
  (set by the data set) and are excluded, as are target joints the keypoint
  mapping could not fill.
* ``mode='3d'`` (``PoseLifter``, millimetres): prediction
  ``pred_instances.keypoints`` ``(1, K, 3)`` or ``(1, 1, K, 3)``; ground
  truth ``gt_instances.lifting_target`` ``(1, K, 3)`` and
  ``lifting_target_visible`` -- the same fields MMPose's ``MPJPE`` reads.
  PoseLifter adds ``target_root`` back when the pipeline packs it in
  ``meta_keys``, so prediction and target are then both absolute camera
  coordinates; ``root_index`` (the pelvis) re-centres both so the errors are
  pelvis-relative whether or not the root was added back.
"""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from ..functional import joint_errors

_FIELDS = {
    '2d': ('keypoints', 'keypoints_visible'),
    '3d': ('lifting_target', 'lifting_target_visible'),
}


def to_numpy(value) -> np.ndarray:
    """A tensor, array, list or number as a NumPy array."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def describe_sample(data_sample: dict) -> str:
    """A short identification of a data sample for error messages."""
    for key in ('img_path', 'target_img_path', 'id', 'img_id'):
        if key in data_sample:
            return f'{key}={data_sample[key]!r}'
    return '(no img_path / id in the data sample)'


class JointErrorMetric(BaseMetric):
    """Collects per-joint Euclidean errors; subclasses turn them into numbers.

    Args:
        mode: ``'2d'`` (pixels) or ``'3d'`` (millimetres), see module doc.
        root_index: 3D only: joint the poses are re-centred on before
            measuring (the pelvis: 6 in ``mpii16``), or joints whose mean
            they are re-centred on (the hips, ``[11, 12]`` in ``coco17``).
            ``None`` compares the
            coordinates as given, like MMPose's ``MPJPE``.
        per_joint: also report one value per joint, keyed
            ``<metric>/<joint name>`` with names from the data set's
            ``keypoint_id2name`` metainfo.
        collect_device, prefix: as in :class:`mmengine.evaluator.BaseMetric`.
            Without a prefix the keys are bare (``'AJPE'``,
            ``'PCKh@1.0/l_wrist'``), which is what the report tool reads.

    Each ``self.results`` entry holds ``errors`` ``(n, K)`` and ``visible``
    ``(n, K)`` bool for one sample, plus what :meth:`sample_extras` adds.
    """

    default_prefix: Optional[str] = ''

    def __init__(self,
                 mode: str = '2d',
                 root_index: Optional[Union[int, Sequence[int]]] = None,
                 per_joint: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if mode not in _FIELDS:
            raise ValueError(f"{type(self).__name__}: mode must be '2d' or "
                             f"'3d', got {mode!r}")
        if root_index is not None and mode != '3d':
            raise ValueError(f'{type(self).__name__}: root_index re-centres '
                             "3D poses; it is only valid with mode='3d'")
        self.mode = mode
        self.root_index = root_index
        self.per_joint = per_joint

    @property
    def unit(self) -> str:
        """Unit of the errors: ``'px'`` in 2D, ``'mm'`` in 3D."""
        return 'px' if self.mode == '2d' else 'mm'

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store the per-joint errors of each sample of a batch."""
        for data_sample in data_samples:
            pred, gt, visible = self.read_keypoints(data_sample)
            entry = dict(
                errors=joint_errors(pred, gt, self.root_index),
                visible=visible)
            entry.update(self.sample_extras(data_sample, len(gt)))
            self.results.append(entry)

    def sample_extras(self, data_sample: dict, num_instances: int) -> dict:
        """Extra per-sample values a subclass needs (e.g. head sizes)."""
        return {}

    def read_keypoints(self, data_sample: dict):
        """Prediction ``(n, K, D)``, ground truth ``(n, K, D)`` and
        visibility ``(n, K)`` bool of one data sample.

        Raises:
            KeyError: a required field is missing.
            ValueError: shapes disagree or visible ground truth is not finite.
        """
        where = describe_sample(data_sample)
        coord_key, vis_key = _FIELDS[self.mode]
        gt_instances = data_sample.get('gt_instances', {})
        missing = [k for k in (coord_key, vis_key) if k not in gt_instances]
        if missing or 'keypoints' not in data_sample.get(
                'pred_instances', {}):
            raise KeyError(
                f"{type(self).__name__}(mode='{self.mode}') needs "
                f'gt_instances.{coord_key}, gt_instances.{vis_key} and '
                f'pred_instances.keypoints; sample {where} lacks '
                f"{missing or ['pred_instances.keypoints']}")
        gt = to_numpy(gt_instances[coord_key]).astype(np.float64)
        if gt.ndim == 2:
            gt = gt[None]
        num_joints, dims = gt.shape[-2:]
        gt = gt.reshape(-1, num_joints, dims)
        visible = to_numpy(gt_instances[vis_key])
        if visible.size != gt.shape[0] * num_joints:
            raise ValueError(f'{type(self).__name__}: {vis_key} has shape '
                             f'{visible.shape}, expected one value per '
                             f'joint of {gt.shape[:2]} in sample {where}')
        visible = visible.reshape(gt.shape[:2]) > 0
        pred = to_numpy(data_sample['pred_instances']['keypoints'])
        if pred.size != gt.size or pred.shape[-1] != dims:
            hint = (' A lifter whose codec removes the root joint must add '
                    "it back: pack 'target_root' in "
                    'PackPoseInputs(meta_keys=...).'
                    if self.mode == '3d' else '')
            raise ValueError(
                f'{type(self).__name__}: prediction shape {pred.shape} does '
                f'not match ground truth {gt.shape} for sample {where}.'
                f'{hint}')
        if not np.isfinite(gt[visible]).all():
            raise ValueError(f'{type(self).__name__}: ground truth '
                             f'{coord_key} has non-finite coordinates for '
                             f'visible joints in sample {where}')
        return pred.reshape(gt.shape).astype(np.float64), gt, visible

    def joint_names(self, num_joints: int) -> List[str]:
        """Joint names from the data set metainfo, else ``joint_<i>``."""
        id2name = (self.dataset_meta or {}).get('keypoint_id2name') or {}
        return [str(id2name.get(i, f'joint_{i}')) for i in range(num_joints)]

    def stacked(self, results: list, key: str) -> np.ndarray:
        """Concatenate one per-sample field over all processed samples."""
        if not results:
            raise ValueError(f'{type(self).__name__}: no samples were '
                             'processed (is the evaluation set empty?)')
        return np.concatenate([r[key] for r in results], axis=0)

    def per_joint_items(self, name: str,
                        values: np.ndarray) -> Dict[str, float]:
        """``{'<name>/<joint>': value}`` for joints that were ever visible
        (empty when ``per_joint`` is off)."""
        if not self.per_joint:
            return {}
        return {
            f'{name}/{joint}': float(v)
            for joint, v in zip(self.joint_names(len(values)), values)
            if not np.isnan(v)
        }
