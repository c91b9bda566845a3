"""3D PCK at a fixed distance and its AUC (the MPI-INF-3DHP metric)."""
from typing import Dict, Optional, Sequence, Union

from mmengine.logging import MMLogger
from mmpose.registry import METRICS

from ..functional import (PCK3D_AUC_THRESHOLDS_MM, PCK3D_THRESHOLD_MM,
                          mean_over_joints, pck_auc, pck_per_joint)
from .joint_error_metric import JointErrorMetric


@METRICS.register_module()
class PCK3D(JointErrorMetric):
    """3D PCK at ``threshold`` mm and AUC over ``auc_thresholds`` mm.

    MPI-INF-3DHP convention (Mehta et al. 2017): PCK at 150 mm, AUC = mean
    PCK over the thresholds 0, 5, ..., 150 mm. Errors are measured on the
    pelvis-centred poses when ``root_index`` is given (recommended). The
    overall PCK is the mean over per-joint values, like :class:`HeadPCK`.

    Args:
        threshold: distance in mm for ``PCK@<threshold>mm``.
        auc_thresholds: distances in mm the AUC averages over.
        inclusive: ``True`` (default, the thesis's convention) counts
            ``error <= threshold`` as correct, ``False`` uses ``<``. It only
            matters for errors exactly on a threshold, e.g. the root joint
            (error 0) at the AUC's 0 mm step.
        root_index, per_joint, collect_device, prefix: see
            :class:`JointErrorMetric` (the mode is always ``'3d'``).

    Keys: ``PCK@150mm``, ``AUC`` (percent) and ``PCK@150mm/<joint>``.
    """

    def __init__(self,
                 threshold: float = PCK3D_THRESHOLD_MM,
                 auc_thresholds: Sequence[float] = PCK3D_AUC_THRESHOLDS_MM,
                 inclusive: bool = True,
                 root_index: Optional[Union[int, Sequence[int]]] = None,
                 per_joint: bool = True,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__('3d', root_index, per_joint, collect_device, prefix)
        if not threshold > 0 or not len(auc_thresholds):
            raise ValueError('PCK3D: threshold must be positive and '
                             'auc_thresholds non-empty')
        self.threshold = float(threshold)
        self.auc_thresholds = [float(t) for t in auc_thresholds]
        self.inclusive = inclusive

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``PCK@<thr>mm``, ``AUC`` and per-joint PCK, in percent."""
        errors = self.stacked(results, 'errors')
        visible = self.stacked(results, 'visible')
        if not visible.any():
            MMLogger.get_current_instance().warning(
                'PCK3D: no visible ground-truth joint in the evaluation set; '
                'reporting NaN')
        name = f'PCK@{self.threshold:g}mm'
        per_joint = pck_per_joint(errors, visible, self.threshold,
                                  self.inclusive)
        metrics = {
            name: mean_over_joints(per_joint),
            'AUC': pck_auc(errors, visible, self.auc_thresholds,
                           self.inclusive),
        }
        metrics.update(self.per_joint_items(name, per_joint))
        return metrics
