"""Keypoint-guided box tracking: the detector runs only when the track is lost.

Real-time pose trackers (BlazePose, RTMPose's pipeline) take the next frame's
person box from the current frame's keypoints and call the detector again
only when the keypoints stop being trustworthy. For one infant lying in a
crib this removes most detector calls, the most expensive stage at the
thesis's sizes (ResNet-50 Faster R-CNN at 640x480).

The box a keypoint set gives is calibrated on the last detection: at a frame
the detector ran on, the detector's box is expressed relative to the box
around that frame's confident joints (per-side offsets in units of the joint
box's longer side). Later frames apply the same offsets to their own joint
box, so a tracked box follows the detector's convention (the infant's whole
silhouette, not just its joints) instead of an arbitrary padding.

The track is lost, and the detector runs again on the same frame, when

* fewer than ``min_joints`` joints score at least ``kpt_thr``;
* the mean score of the joints falls below ``min_score``;
* the box the frame's own keypoints give overlaps the box it was estimated
  in by less than ``min_iou`` (the infant moved more than the crop allows,
  or the keypoints jumped);
* ``redetect_interval`` frames have passed since the last detection.
"""
from typing import Optional, Tuple

import numpy as np

#: Offsets used before any calibration (a detection without joints, or a
#: failed detection): 15 % of the joint box's longer side on every side.
DEFAULT_PADDING = 0.15
#: Calibrated margins (how far the box reaches beyond the joints on a side)
#: are clipped to this range, in units of the joint box's longer side: a
#: detector box far larger or smaller than the joints is a detection error,
#: not a convention to copy.
MARGIN_RANGE = (-0.25, 1.0)
#: Margin -> offset of (x1, y1, x2, y2): the left/top sides move outwards
#: in the negative direction.
_OUTWARDS = np.array([-1.0, -1.0, 1.0, 1.0])


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two (4,) xyxy boxes (0 when either is empty)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
             - inter)
    return float(inter / union) if union > 0 else 0.0


class KeypointBoxTracker:
    """Decides per frame whether the detector runs, and where the box is.

    Args:
        redetect_interval: run the detector at least every N frames
            (1 = every frame, i.e. no tracking).
        kpt_thr: score from which a joint counts as confident.
        min_joints: fewer confident joints than this loses the track.
        min_score: mean keypoint score below which the track is lost.
        min_iou: lowest IoU between the box a frame was estimated in and the
            box its own keypoints give.

    Use per readable frame, in order::

        if tracker.needs_detection():
            box = <detector box>; kpts, scores = <2D in box>
            tracker.observe_detection(box, kpts, scores, w, h)
        else:
            box = tracker.box; kpts, scores = <2D in box>
            if not tracker.observe_tracked(kpts, scores, w, h):
                <detect and estimate this frame again, then observe_detection>
    """

    def __init__(self, redetect_interval: int = 30, kpt_thr: float = 0.3,
                 min_joints: int = 4, min_score: float = 0.3,
                 min_iou: float = 0.5) -> None:
        if int(redetect_interval) < 1:
            raise ValueError('redetect_interval must be >= 1, got '
                             f'{redetect_interval}')
        if int(min_joints) < 2:
            raise ValueError(f'min_joints must be >= 2 (a box needs two '
                             f'points), got {min_joints}')
        for name, value in (('kpt_thr', kpt_thr), ('min_score', min_score),
                            ('min_iou', min_iou)):
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f'{name} must be in [0, 1], got {value}')
        self.redetect_interval = int(redetect_interval)
        self.kpt_thr = float(kpt_thr)
        self.min_joints = int(min_joints)
        self.min_score = float(min_score)
        self.min_iou = float(min_iou)
        self.reset()

    def reset(self) -> None:
        """Forget the track (the next frame is detected)."""
        #: (4,) float32 xyxy px box for the next frame, or None when lost.
        self.box: Optional[np.ndarray] = None
        self._offsets = DEFAULT_PADDING * _OUTWARDS
        self._since_detection = 0
        #: counts for reporting: detector calls and tracked frames
        self.num_detections = 0
        self.num_tracked = 0
        self.num_lost = 0

    def needs_detection(self) -> bool:
        """Whether the next frame must go through the detector."""
        return self.box is None or self._since_detection >= self.redetect_interval

    # --------------------------------------------------------------- boxes
    def joint_box(self, keypoints: np.ndarray, scores: np.ndarray
                  ) -> Optional[np.ndarray]:
        """(4,) xyxy box around the confident joints, or None if too few.

        Args:
            keypoints: (K, 2) px; scores: (K,).
        """
        keypoints = np.asarray(keypoints, dtype=np.float64).reshape(-1, 2)
        scores = np.asarray(scores, dtype=np.float64).reshape(-1)
        ok = (scores >= self.kpt_thr) & np.isfinite(keypoints).all(axis=1)
        if ok.sum() < self.min_joints:
            return None
        pts = keypoints[ok]
        box = np.concatenate([pts.min(axis=0), pts.max(axis=0)])
        if max(box[2] - box[0], box[3] - box[1]) < 1.0:
            return None   # all joints on one pixel: no extent to pad
        return box

    def box_from_keypoints(self, keypoints: np.ndarray, scores: np.ndarray,
                           width: int, height: int) -> Optional[np.ndarray]:
        """The detector-like (4,) float32 xyxy box the keypoints give,
        clipped to the (width, height) image; None when too few joints are
        confident or the box leaves the image."""
        joints = self.joint_box(keypoints, scores)
        if joints is None:
            return None
        side = max(joints[2] - joints[0], joints[3] - joints[1])
        box = joints + self._offsets * side
        box[0::2] = np.clip(box[0::2], 0, width)
        box[1::2] = np.clip(box[1::2], 0, height)
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            return None
        return box.astype(np.float32)

    # ----------------------------------------------------------- updates
    def observe_detection(self, box: Optional[np.ndarray],
                          keypoints: np.ndarray, scores: np.ndarray,
                          width: int, height: int) -> None:
        """Record a frame the detector ran on.

        Args:
            box: the detector's (4,) xyxy box, or None when it found none
                (the track stays lost: the next frame is detected too).
            keypoints, scores: the 2D model's (K, 2) px / (K,) output in it.
        """
        self.num_detections += 1
        self._since_detection = 1
        if box is None:
            self.box = None
            return
        box = np.asarray(box, dtype=np.float64)
        joints = self.joint_box(keypoints, scores)
        if joints is not None and self._trustworthy(scores):
            side = max(joints[2] - joints[0], joints[3] - joints[1])
            margins = np.clip((box - joints) / side * _OUTWARDS, *MARGIN_RANGE)
            self._offsets = margins * _OUTWARDS
        # The next frame: this frame's keypoints in the detector's convention
        # when they can be trusted; the detector's box otherwise.
        tracked = (self.box_from_keypoints(keypoints, scores, width, height)
                   if self._trustworthy(scores) else None)
        self.box = tracked if tracked is not None else box.astype(np.float32)

    def observe_tracked(self, keypoints: np.ndarray, scores: np.ndarray,
                        width: int, height: int) -> bool:
        """Record a frame estimated in :attr:`box`; False when the track is
        lost (this frame should then be detected and estimated again)."""
        used = self.box
        tracked = (self.box_from_keypoints(keypoints, scores, width, height)
                   if self._trustworthy(scores) else None)
        if tracked is None or box_iou(used, tracked) < self.min_iou:
            self.num_lost += 1
            self.box = None
            return False
        self.num_tracked += 1
        self._since_detection += 1
        self.box = tracked
        return True

    def _trustworthy(self, scores: np.ndarray) -> bool:
        scores = np.asarray(scores, dtype=np.float64)
        return bool(np.isfinite(scores).all() and scores.mean() >= self.min_score)

    def summary(self) -> Tuple[int, int, int]:
        """(detector calls, tracked frames, times the track was lost)."""
        return self.num_detections, self.num_tracked, self.num_lost
