"""The per-run result of the inferencer: one infant, one row per input frame."""
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

#: Frame status values, most to least trustworthy.
STATUS_DETECTED = 'detected'              # box from the detector on this frame
STATUS_PROPAGATED = 'propagated'          # box carried over: detection interval > 1
STATUS_TRACKED = 'tracked'                # box from the previous frame's keypoints
STATUS_NO_DETECTION = 'no_detection_reused_box'  # detector found none: last good box
STATUS_FULL_FRAME = 'no_detection_full_frame'    # none yet: the whole frame is the box
STATUS_UNREADABLE = 'unreadable'          # frame could not be decoded: no keypoints
STATUSES = (STATUS_DETECTED, STATUS_TRACKED, STATUS_PROPAGATED, STATUS_NO_DETECTION,
            STATUS_FULL_FRAME, STATUS_UNREADABLE)


@dataclass
class PoseSeries:
    """Keypoint time series of one run (T frames, K joints).

    Attributes:
        frame_index: (T,) int, frame number in the input.
        time_s: (T,) float seconds, ``frame_index / fps``.
        frame_names: T file names (image inputs) or ``'<video>:<index>'``.
        status: T strings from :data:`STATUSES`.
        flags: T tuples of input flags (``'grayscale'``, ...).
        bboxes: (T, 4) float px, xyxy; NaN for unreadable frames.
        bbox_scores: (T,) detector score of the box used (NaN when none).
        keypoints_2d: (T, K, 2) float px in the input image; NaN if unreadable.
        keypoint_scores: (T, K) 2D confidence (heatmap maxima).
        keypoints_3d: (T, K, 3) float mm, camera axes, relative to the root
            (pelvis) joint; None when no lifter ran.
        joint_names: K names in the keypoint definition's order.
        keypoint_definition: its name (e.g. ``'mpii16'``).
        skeleton: pairs of joint indices to draw as links.
        fps: frame rate used for ``time_s``.
        source: input description (path or camera).
        image_sizes: (T, 2) int (width, height); 0 for unreadable frames.
    """
    frame_index: np.ndarray
    time_s: np.ndarray
    frame_names: List[str]
    status: List[str]
    flags: List[Tuple[str, ...]]
    bboxes: np.ndarray
    bbox_scores: np.ndarray
    keypoints_2d: np.ndarray
    keypoint_scores: np.ndarray
    keypoints_3d: Optional[np.ndarray]
    joint_names: List[str]
    keypoint_definition: str
    skeleton: List[Tuple[int, int]] = field(default_factory=list)
    fps: float = 30.0
    source: str = ''
    image_sizes: Optional[np.ndarray] = None

    def __post_init__(self):
        num = len(self.frame_index)
        k = len(self.joint_names)
        checks = [('time_s', self.time_s, (num,)),
                  ('bboxes', self.bboxes, (num, 4)),
                  ('bbox_scores', self.bbox_scores, (num,)),
                  ('keypoints_2d', self.keypoints_2d, (num, k, 2)),
                  ('keypoint_scores', self.keypoint_scores, (num, k))]
        if self.keypoints_3d is not None:
            checks.append(('keypoints_3d', self.keypoints_3d, (num, k, 3)))
        for name, value, shape in checks:
            if np.shape(value) != shape:
                raise ValueError(f'PoseSeries.{name} has shape '
                                 f'{np.shape(value)}, expected {shape}')
        for name, value in (('frame_names', self.frame_names),
                            ('status', self.status), ('flags', self.flags)):
            if len(value) != num:
                raise ValueError(f'PoseSeries.{name} has {len(value)} entries '
                                 f'for {num} frames')
        bad = sorted(set(self.status) - set(STATUSES))
        if bad:
            raise ValueError(f'PoseSeries: unknown status {bad}; '
                             f'expected one of {STATUSES}')

    @property
    def num_frames(self) -> int:
        return len(self.frame_index)

    @property
    def units(self) -> dict:
        return dict(time='s', bbox='px (x1, y1, x2, y2)', keypoints='px',
                    keypoints_3d='mm, camera axes (x right, y down, z forward),'
                    ' relative to the root joint',
                    keypoint_scores='heatmap confidence, unitless')


def frame_record(series: PoseSeries, t: int) -> dict:
    """Frame ``t`` of ``series`` as one MMPose-style prediction record.

    Same keys as MMPose's inferencer output (``frame_id``, ``instances`` with
    ``keypoints``, ``keypoint_scores``, ``bbox``, ``bbox_score``), plus
    ``keypoints_3d`` (mm), ``time``, ``status`` and ``flags``; NaN becomes None.
    """
    def _list(a):
        return [_list(v) for v in a] if np.ndim(a) else _num(a)

    instance = dict(
        bbox=[_list(series.bboxes[t])],
        bbox_score=_num(series.bbox_scores[t]),
        keypoints=_list(series.keypoints_2d[t]),
        keypoint_scores=_list(series.keypoint_scores[t]))
    if series.keypoints_3d is not None:
        instance['keypoints_3d'] = _list(series.keypoints_3d[t])
    return dict(frame_id=int(series.frame_index[t]),
                time=round(float(series.time_s[t]), 6),
                frame_name=series.frame_names[t],
                status=series.status[t], flags=list(series.flags[t]),
                instances=[instance])


def _num(value) -> Optional[float]:
    value = float(value)
    return None if not np.isfinite(value) else value


def as_pose_series_arrays(series: PoseSeries) -> dict:
    """All arrays of ``series`` by name, for NPZ export and tests."""
    arrays = dict(
        frame_index=np.asarray(series.frame_index, dtype=np.int64),
        time_s=np.asarray(series.time_s, dtype=np.float64),
        frame_names=np.asarray(series.frame_names, dtype=str),
        status=np.asarray(series.status, dtype=str),
        bboxes=np.asarray(series.bboxes, dtype=np.float32),
        bbox_scores=np.asarray(series.bbox_scores, dtype=np.float32),
        keypoints_2d=np.asarray(series.keypoints_2d, dtype=np.float32),
        keypoint_scores=np.asarray(series.keypoint_scores, dtype=np.float32),
        joint_names=np.asarray(series.joint_names, dtype=str),
        skeleton=np.asarray(series.skeleton, dtype=np.int64).reshape(-1, 2),
        fps=np.float64(series.fps),
        keypoint_definition=np.asarray(series.keypoint_definition))
    if series.keypoints_3d is not None:
        arrays['keypoints_3d'] = np.asarray(series.keypoints_3d, dtype=np.float32)
    if series.image_sizes is not None:
        arrays['image_sizes'] = np.asarray(series.image_sizes, dtype=np.int64)
    return arrays


def joint_links(skeleton_info: Sequence) -> List[Tuple[int, int]]:
    """Pairs of joint indices from MMPose's parsed ``skeleton_links``."""
    return [(int(a), int(b)) for a, b in skeleton_info]
