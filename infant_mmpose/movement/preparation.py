"""Turn a keypoint series into clean, body-normalised movement segments.

Steps, in order (each stated limit is an argument of :func:`prepare`):

1. **Gaps.** A frame counts only if the infant was found on it (status
   ``detected``, ``tracked`` or ``propagated``) and every joint the features
   use has finite 3D coordinates. Unreadable frames, frames without a
   detection (whose keypoints come from a reused box) and NaN joints are
   gaps; their values are never used, whatever they hold (zeros included).
2. **Short gaps** of at most ``max_gap_s`` seconds are bridged; a longer gap
   splits the series into separate segments, and no derivative, spectrum or
   correlation spans it. Segments shorter than ``min_segment_s`` are dropped.
3. **Smoothing** (optional): any registered temporal filter of
   :mod:`infant_mmpose.smoothing`, on each segment in millimetres.
4. **Resampling** to ``rate_hz``: a cubic spline through the kept frames of
   each segment, evaluated on a regular grid (this also bridges the short
   gaps), so recordings at different frame rates give comparable features.
5. **Normalisation:** coordinates relative to the body centre (pelvis, or
   the mid-hip point), divided by the recording's median trunk length
   (body centre to thorax, or to the mid-shoulder point). Features are then
   in *trunk lengths* (TL) and do not depend on the infant's size, the
   image scale or where the infant lies in the image.
6. **Alignment** (``align``): ``'global'`` rotates the whole recording into
   the body frame of its mean trunk pose, ``'per_frame'`` into each frame's
   own trunk frame, ``'none'`` keeps camera axes. Body frame: +x towards the
   infant's left (right hip -> left hip), +y cranial (centre -> trunk top),
   +z = x × y, anterior. With alignment a rotated camera gives the same
   features.
"""
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from infant_mmpose.apis.pose_series import (STATUS_DETECTED,
                                            STATUS_PROPAGATED, STATUS_TRACKED,
                                            PoseSeries)
from .body import BodyJoints

#: Frame statuses whose keypoints come from a detection of the infant (a
#: tracked box follows the previous frame's confident keypoints).
TRUSTED_STATUSES = (STATUS_DETECTED, STATUS_TRACKED, STATUS_PROPAGATED)
ALIGNMENTS = ('global', 'per_frame', 'none')


class MovementDataError(ValueError):
    """A series that cannot be analysed (too short, no valid frames, ...)."""


@dataclass
class PreparedMovement:
    """Normalised movement segments of one recording.

    Attributes:
        segments: list of (N_i, K, 3) float64 arrays, all K joints of the
            series in trunk lengths, body-centred (and aligned), sampled at
            ``rate_hz``.
        segment_start_s: start time (s, input clock) of each segment.
        rate_hz: sampling rate of the segments.
        joints: where the features' joints are among the K.
        joint_names: the K names.
        trunk_length_mm: the median trunk length used as the unit.
        duration_s: time spanned by the input series.
        num_frames: frames in the input series.
        num_gap_frames: input frames that were gaps (see the module doc).
        num_bridged_frames: gap frames inside kept segments (interpolated).
        alignment: the ``align`` mode used.
    """
    segments: List[np.ndarray]
    segment_start_s: List[float]
    rate_hz: float
    joints: BodyJoints
    joint_names: List[str]
    trunk_length_mm: float
    duration_s: float
    num_frames: int
    num_gap_frames: int
    num_bridged_frames: int
    alignment: str
    source: str = ''

    @property
    def analysed_s(self) -> float:
        """Seconds covered by the kept segments."""
        return sum((len(s) - 1) / self.rate_hz for s in self.segments)

    def summary(self) -> dict:
        """Recording-level facts, for the feature table (``recording_*``)."""
        return {
            # rounded: float sums such as 0.30000000000000004 s
            'recording_duration_s': round(self.duration_s, 6),
            'recording_analysed_s': round(self.analysed_s, 6),
            'recording_segments': len(self.segments),
            'recording_gap_frames': self.num_gap_frames,
            'recording_bridged_frames': self.num_bridged_frames,
            'recording_trunk_length_mm': self.trunk_length_mm,
        }


def valid_frames(series: PoseSeries, joints: BodyJoints) -> np.ndarray:
    """(T,) bool: frames whose keypoints the features may use."""
    trusted = np.isin(np.asarray(series.status), TRUSTED_STATUSES)
    kp = series.keypoints_3d[:, joints.used]
    return trusted & np.isfinite(kp).all(axis=(1, 2))


def prepare(series: PoseSeries, rate_hz: float = 30.0,
            max_gap_s: float = 0.5, min_segment_s: float = 1.0,
            smoothing: Optional[dict] = None,
            align: str = 'global') -> PreparedMovement:
    """Gap handling, smoothing, resampling, normalisation and alignment.

    Args:
        series: the inferencer's series; ``keypoints_3d`` (T, K, 3) in mm.
        rate_hz: output sampling rate (Hz).
        max_gap_s: longest gap (s of missing time) bridged by interpolation;
            a longer one splits the series.
        min_segment_s: shortest segment kept (s); at least 4 samples are
            always required (jerk needs three differences).
        smoothing: optional filter config, e.g.
            ``dict(type='SavitzkyGolayFilter', window_length=9, polyorder=2)``
            (see :mod:`infant_mmpose.smoothing`).
        align: one of :data:`ALIGNMENTS`.

    Raises:
        MovementDataError: no 3D keypoints, too few valid frames, a zero
            trunk length or a bad argument, with the reason.
        MissingJointsError: the definition lacks joints the features need.
    """
    if align not in ALIGNMENTS:
        raise MovementDataError(f'align must be one of {ALIGNMENTS}, got '
                                f'{align!r}')
    if not rate_hz > 0 or max_gap_s < 0 or min_segment_s < 0:
        raise MovementDataError(
            f'need rate_hz > 0, max_gap_s >= 0, min_segment_s >= 0; got '
            f'{rate_hz}, {max_gap_s}, {min_segment_s}')
    if series.keypoints_3d is None:
        raise MovementDataError('the series has no 3D keypoints (was the '
                                'inferencer run without a lifter?)')
    joints = BodyJoints.from_names(series.joint_names,
                                   series.keypoint_definition)
    time_s = np.asarray(series.time_s, dtype=np.float64)
    if series.num_frames > 1 and not (np.diff(time_s) > 0).all():
        raise MovementDataError('frame times are not strictly increasing')
    ok = valid_frames(series, joints)
    if not ok.any():
        raise MovementDataError(f'none of the {series.num_frames} frames has '
                                'a detection and finite 3D keypoints')
    kp = np.asarray(series.keypoints_3d, dtype=np.float64)
    step = float(np.median(np.diff(time_s))) if series.num_frames > 1 else (
        1.0 / series.fps)

    segments, starts, bridged = [], [], 0
    for first, last in _runs(time_s, ok, step, max_gap_s):
        span = time_s[last] - time_s[first]
        num_out = int(np.floor(span * rate_hz + 1e-6)) + 1
        if span + 1e-9 < min_segment_s or num_out < 4:
            continue
        part = kp[first:last + 1]
        keep = ok[first:last + 1]
        if smoothing is not None:
            from infant_mmpose.smoothing import build_filter
            part = build_filter(smoothing)(part, keep)
        grid = time_s[first] + np.arange(num_out) / rate_hz
        segments.append(_resample(time_s[first:last + 1][keep], part[keep],
                                  grid))
        starts.append(float(time_s[first]))
        bridged += int((~keep).sum())
    if not segments:
        raise MovementDataError(
            f'no stretch of at least {min_segment_s:g} s (and 4 samples at '
            f'{rate_hz:g} Hz) without a gap longer than {max_gap_s:g} s: '
            f'{int(ok.sum())} of {series.num_frames} frames are valid, '
            f'spanning {time_s[-1] - time_s[0] + step:.2f} s')

    trunk = np.concatenate([np.linalg.norm(
        joints.top_of(s) - joints.centre_of(s), axis=-1) for s in segments])
    trunk_mm = float(np.median(trunk))
    if not trunk_mm > 0:
        raise MovementDataError('median trunk length is zero: the trunk '
                                'joints coincide')
    segments = [(s - joints.centre_of(s)[:, None]) / trunk_mm
                for s in segments]
    if align != 'none':
        segments = _align(segments, joints, align)
    return PreparedMovement(
        segments=segments, segment_start_s=starts, rate_hz=float(rate_hz),
        joints=joints, joint_names=list(series.joint_names),
        trunk_length_mm=trunk_mm,
        duration_s=float(time_s[-1] - time_s[0] + step),
        num_frames=series.num_frames, num_gap_frames=int((~ok).sum()),
        num_bridged_frames=bridged, alignment=align, source=series.source)


def _runs(time_s: np.ndarray, ok: np.ndarray, step: float,
          max_gap_s: float) -> List[tuple]:
    """(first, last) input indices of the valid stretches whose gaps (time
    missing between consecutive valid frames) are at most ``max_gap_s``."""
    idx = np.flatnonzero(ok)
    missing = np.diff(time_s[idx]) - step
    cuts = np.flatnonzero(missing > max_gap_s + 1e-6 * step)
    firsts = np.r_[idx[0], idx[cuts + 1]]
    lasts = np.r_[idx[cuts], idx[-1]]
    return list(zip(firsts.tolist(), lasts.tolist()))


def _resample(t: np.ndarray, x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Cubic spline through samples ``x`` (n, K, 3) at times ``t``, evaluated
    at ``grid`` (linear when fewer than 4 samples)."""
    if len(t) == len(grid) and np.allclose(t, grid, rtol=0, atol=1e-9):
        return x.copy()
    if len(t) < 4:
        flat = x.reshape(len(t), -1)
        out = np.stack([np.interp(grid, t, c) for c in flat.T], axis=1)
        return out.reshape((len(grid), ) + x.shape[1:])
    from scipy.interpolate import make_interp_spline
    spline = make_interp_spline(t, x.reshape(len(t), -1), k=3, axis=0)
    return spline(np.clip(grid, t[0], t[-1])).reshape(
        (len(grid), ) + x.shape[1:])


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def _frames(up: np.ndarray, lateral: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotations whose rows are the body axes x, y, z."""
    y = _unit(up)
    x = _unit(lateral - (lateral * y).sum(-1, keepdims=True) * y)
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=-2)


def _align(segments: List[np.ndarray], joints: BodyJoints,
           mode: str) -> List[np.ndarray]:
    ups = [_unit(joints.top_of(s)) for s in segments]
    lats = [_unit(joints.lateral_of(s)) for s in segments]
    if mode == 'global':
        rot = _frames(np.concatenate(ups).mean(0),
                      np.concatenate(lats).mean(0))
        return [s @ rot.T for s in segments]
    return [np.einsum('tij,tkj->tki', _frames(u, l), s)
            for s, u, l in zip(segments, ups, lats)]
