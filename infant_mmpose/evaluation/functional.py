"""Plain NumPy computations behind the registered metrics.

Shapes: ``N`` instances (one per sample for top-down / lifting models), ``K``
joints, ``D`` coordinate dimensions (2: pixels, 3: millimetres). Visibility
masks are boolean ``(N, K)``; an invisible joint (outside the image, or a
target joint without a source in the keypoint mapping) never counts.

Percentages are returned in percent (0-100) as the thesis reports them, and a
joint that is never visible gets ``NaN`` so that it drops out of the mean over
joints instead of counting as 0 % or 100 %.
"""
from typing import Optional, Sequence, Union

import numpy as np

#: MPI-INF-3DHP 3D-PCK convention (Mehta et al. 2017): 150 mm, AUC over
#: thresholds 0, 5, ..., 150 mm (31 values).
PCK3D_THRESHOLD_MM = 150.0
PCK3D_AUC_THRESHOLDS_MM = tuple(float(t) for t in range(0, 151, 5))


def joint_errors(pred: np.ndarray,
                 gt: np.ndarray,
                 root_index: Optional[Union[int, Sequence[int]]] = None
                 ) -> np.ndarray:
    """Euclidean distance per joint.

    Args:
        pred: ``(N, K, D)`` predicted coordinates.
        gt: ``(N, K, D)`` ground-truth coordinates, same unit.
        root_index: if given, both poses are first expressed relative to
            this joint (e.g. the pelvis for pelvis-centred 3D errors), or to
            the mean of these joints (e.g. the hips' midpoint in COCO-17).

    Returns:
        ``(N, K)`` float64 distances in the input unit.
    """
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    if pred.shape != gt.shape or pred.ndim != 3:
        raise ValueError(f'pred {pred.shape} and gt {gt.shape} must both be '
                         '(N, K, D) arrays of the same shape')
    if root_index is not None:
        roots = np.atleast_1d(np.asarray(root_index))
        if roots.size == 0 or not np.all((-gt.shape[1] <= roots)
                                         & (roots < gt.shape[1])):
            raise ValueError(f'root_index {root_index} is out of range for '
                             f'{gt.shape[1]} joints')
        pred = pred - pred[:, roots].mean(axis=1, keepdims=True)
        gt = gt - gt[:, roots].mean(axis=1, keepdims=True)
    return np.linalg.norm(pred - gt, axis=-1)


def pck_per_joint(errors: np.ndarray,
                  visible: np.ndarray,
                  thresholds: Union[float, np.ndarray],
                  inclusive: bool = True,
                  zero_error_correct: bool = True) -> np.ndarray:
    """Percentage of correct keypoints for each joint.

    Args:
        errors: ``(N, K)`` distances.
        visible: ``(N, K)`` boolean mask of joints that count.
        thresholds: a scalar or ``(N,)`` per-instance threshold in the unit
            of ``errors`` (e.g. factor x the sequence's head length).
        inclusive: ``True`` counts ``error <= threshold`` as correct (the
            thesis); ``False`` uses ``error < threshold`` (MMPose's
            ``keypoint_pck_accuracy``).
        zero_error_correct: ``True`` counts an error of exactly 0 as correct
            (MMPose, MPI-INF-3DHP); ``False`` counts it wrong, the thesis's
            rule ``0 < error <= threshold`` (THESIS_WEIGHTS section 5): a
            joint the errors were centred on (the pelvis after root
            centring) then never scores, though it stays in the count.

    Returns:
        ``(K,)`` percentages; ``NaN`` for a joint with no visible instance.
    """
    errors = np.asarray(errors, dtype=np.float64)
    visible = np.asarray(visible, dtype=bool)
    thr = np.broadcast_to(
        np.asarray(thresholds, dtype=np.float64).reshape(-1, 1)
        if np.ndim(thresholds) else np.float64(thresholds), errors.shape)
    correct = errors <= thr if inclusive else errors < thr
    if not zero_error_correct:
        correct &= errors > 0
    counts = visible.sum(axis=0)
    hits = (correct & visible).sum(axis=0)
    with np.errstate(invalid='ignore', divide='ignore'):
        pck = 100.0 * hits / counts
    return np.where(counts > 0, pck, np.nan)


def mean_error_per_joint(errors: np.ndarray,
                         visible: np.ndarray) -> np.ndarray:
    """``(K,)`` mean distance of each joint over its visible instances
    (``NaN`` for a joint that is never visible)."""
    errors = np.asarray(errors, dtype=np.float64)
    visible = np.asarray(visible, dtype=bool)
    counts = visible.sum(axis=0)
    sums = np.where(visible, errors, 0.0).sum(axis=0)
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(counts > 0, sums / counts, np.nan)


def mean_error(errors: np.ndarray, visible: np.ndarray) -> float:
    """Mean distance over every visible joint instance (pooled, as MMPose's
    ``EPE`` / ``MPJPE`` average); ``NaN`` when nothing is visible."""
    visible = np.asarray(visible, dtype=bool)
    if not visible.any():
        return float('nan')
    return float(np.asarray(errors, dtype=np.float64)[visible].mean())


def mean_over_joints(per_joint: np.ndarray) -> float:
    """Mean of per-joint values, ignoring ``NaN`` joints (never visible);
    ``NaN`` when no joint is visible at all."""
    per_joint = np.asarray(per_joint, dtype=np.float64)
    finite = per_joint[~np.isnan(per_joint)]
    return float(finite.mean()) if finite.size else float('nan')


def pck_auc(errors: np.ndarray,
            visible: np.ndarray,
            thresholds: Sequence[float] = PCK3D_AUC_THRESHOLDS_MM,
            inclusive: bool = True) -> float:
    """Area under the PCK-versus-threshold curve, in percent.

    The MPI-INF-3DHP convention: the mean, over the thresholds
    ``0, 5, ..., 150`` mm, of the PCK (itself the mean over joints).
    """
    curve = [
        mean_over_joints(pck_per_joint(errors, visible, t, inclusive))
        for t in thresholds
    ]
    return float(np.mean(curve))
