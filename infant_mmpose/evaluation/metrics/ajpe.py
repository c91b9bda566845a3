"""AJPE: average joint position error, in pixels (2D) or millimetres (3D)."""
from typing import Dict

from mmengine.logging import MMLogger
from mmpose.registry import METRICS

from ..functional import mean_error, mean_error_per_joint
from .joint_error_metric import JointErrorMetric


@METRICS.register_module()
class AJPE(JointErrorMetric):
    """Mean Euclidean joint error over all visible joint instances.

    ``AJPE`` pools every visible joint of every sample, the same average as
    MMPose's ``EPE`` (2D) and ``MPJPE``/``SimpleMPJPE`` with
    ``mode='mpjpe'`` (3D); with ``root_index`` the 3D poses are
    pelvis-centred first, as the thesis evaluates. ``AJPE/<joint>`` is the
    mean of one joint. Units: px in 2D, mm in 3D (the unit of the input).

    Args: see :class:`JointErrorMetric` (``mode``, ``root_index``,
    ``per_joint``, ``collect_device``, ``prefix``).
    """

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``AJPE`` and ``AJPE/<joint>`` in the input unit."""
        errors = self.stacked(results, 'errors')
        visible = self.stacked(results, 'visible')
        if not visible.any():
            MMLogger.get_current_instance().warning(
                'AJPE: no visible ground-truth joint in the evaluation set; '
                'reporting NaN')
        metrics = {'AJPE': mean_error(errors, visible)}
        metrics.update(
            self.per_joint_items('AJPE', mean_error_per_joint(errors,
                                                             visible)))
        return metrics
