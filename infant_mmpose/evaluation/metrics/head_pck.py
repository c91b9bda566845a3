"""PCKh with the per-sequence head length (the thesis's MINI-RGBD metric)."""
from typing import Dict, Optional, Sequence, Union

import numpy as np
from mmengine.logging import MMLogger
from mmpose.registry import METRICS

from ..functional import mean_over_joints, pck_per_joint
from .joint_error_metric import JointErrorMetric, describe_sample, to_numpy

#: Results key stating the PCKh convention: 1.0 when an exactly-zero error
#: counted as correct, 0.0 under the thesis's ``0 < error`` rule.
CONVENTION_KEY = 'PCKh_zero_error_correct'


@METRICS.register_module()
class HeadPCK(JointErrorMetric):
    """PCKh@f: share of joints whose error is at most f x head length.

    The thesis definition (FACTS §5, THESIS_WEIGHTS §5), which differs from
    MMPose's ``PCKAccuracy(norm_item='head')`` in three ways:

    * a joint is correct when ``0 < error <= f * head_size`` (MMPose:
      ``error < f * head_size``): an error of exactly 0 counts as wrong, so
      with ``root_index`` set the root (the pelvis, error 0 by construction)
      never scores but stays in its joint's count; 1/16 of the joint
      instances. ``zero_error_correct=True`` counts it correct instead (the
      behaviour before this option, MMPose's, and PCK3D's);
    * the result is the mean over the per-joint values (MMPose pools all
      joint instances); both agree when every joint has the same number of
      visible instances.

    ``head_size`` is the per-sample head-segment length -- constant per
    MINI-RGBD sequence: pixels in 2D, millimetres in 3D -- read from
    ``gt_instances.head_size`` or, for lifting pipelines whose codec replaces
    the packed instance fields, from the sample's metainfo (add
    ``'head_size'`` to ``PackPoseInputs(meta_keys=...)``).

    Joints whose ground truth is invisible (2D: outside the image; either:
    no source joint in the keypoint mapping) are left out of both the count
    and the hits, as the thesis leaves them out of its metrics (thesis
    Section 3.2.1).

    Besides the ``PCKh@<f>`` keys the metric reports
    ``PCKh_zero_error_correct`` (1.0 or 0.0), so results files and the
    report say which convention their PCKh numbers use.

    Args:
        factors: head-length factors; one key ``PCKh@<factor>`` each
            (``PCKh@1.0``, ``PCKh@2.0``), in percent.
        zero_error_correct: ``False`` (default, the thesis): an exactly-zero
            error is wrong; ``True``: it is correct.
        mode, root_index, per_joint, collect_device, prefix: see
            :class:`JointErrorMetric`. Per-joint keys are
            ``PCKh@1.0/<joint name>``.
    """

    def __init__(self,
                 factors: Sequence[float] = (1.0, 2.0),
                 mode: str = '2d',
                 root_index: Optional[Union[int, Sequence[int]]] = None,
                 per_joint: bool = True,
                 zero_error_correct: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(mode, root_index, per_joint, collect_device, prefix)
        self.zero_error_correct = bool(zero_error_correct)
        factors = [float(f) for f in factors]
        if not factors or any(not f > 0 for f in factors):
            raise ValueError(f'HeadPCK: factors must be positive numbers, '
                             f'got {factors}')
        self.factors = factors

    def sample_extras(self, data_sample: dict, num_instances: int) -> dict:
        """The head length of each instance, shape ``(n,)``."""
        where = describe_sample(data_sample)
        gt_instances = data_sample.get('gt_instances', {})
        if 'head_size' in gt_instances:
            head_size = gt_instances['head_size']
        elif 'head_size' in data_sample:
            head_size = data_sample['head_size']
        else:
            raise KeyError(
                f'HeadPCK needs the head length head_size of sample {where} '
                'in gt_instances or the metainfo; for a lifting pipeline add '
                "'head_size' to PackPoseInputs(meta_keys=...)")
        head_size = to_numpy(head_size).astype(np.float64).reshape(-1)
        if head_size.size == 1:
            head_size = np.repeat(head_size, num_instances)
        if head_size.size != num_instances or not (
                np.isfinite(head_size).all() and (head_size > 0).all()):
            raise ValueError(f'HeadPCK: head_size {head_size.tolist()} of '
                             f'sample {where} must be {num_instances} '
                             'positive finite length(s)')
        return dict(head_size=head_size)

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``PCKh@<f>`` (percent, mean over joints) and per-joint values."""
        errors = self.stacked(results, 'errors')
        visible = self.stacked(results, 'visible')
        head_size = self.stacked(results, 'head_size')
        if not visible.any():
            MMLogger.get_current_instance().warning(
                'HeadPCK: no visible ground-truth joint in the evaluation '
                'set; reporting NaN')
        metrics = {CONVENTION_KEY: float(self.zero_error_correct)}
        for factor in self.factors:
            name = f'PCKh@{factor!r}'
            per_joint = pck_per_joint(
                errors, visible, factor * head_size,
                zero_error_correct=self.zero_error_correct)
            metrics[name] = mean_over_joints(per_joint)
            metrics.update(self.per_joint_items(name, per_joint))
        return metrics
