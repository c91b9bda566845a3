"""One infant box per frame from the detector's output, with fallbacks.

The thesis pipeline assumes one infant per video: the top-scoring box of the
infant class is used. When a frame has no such box the last good box is
reused (or, before any detection, the whole frame) and the frame is flagged.
With a detection interval N > 1 the detector runs on every N-th readable
frame and its box is carried over to the frames in between.
"""
from typing import List, Optional, Tuple

import numpy as np

from .pose_series import (STATUS_DETECTED, STATUS_FULL_FRAME,
                          STATUS_NO_DETECTION, STATUS_PROPAGATED)


def top_box(bboxes: np.ndarray, scores: np.ndarray, labels: np.ndarray,
            cat_id: int = 0, score_thr: float = 0.3
            ) -> Optional[Tuple[np.ndarray, float]]:
    """The highest-scoring box of class ``cat_id`` with score >= ``score_thr``.

    Args:
        bboxes: (N, 4) xyxy px; scores: (N,); labels: (N,) class indices.

    Returns:
        ((4,) float32 box, score) or None when no box qualifies.
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    keep = (np.asarray(labels).reshape(-1) == cat_id) & (scores >= score_thr)
    if not keep.any():
        return None
    best = np.flatnonzero(keep)[np.argmax(scores[keep])]
    return np.asarray(bboxes, dtype=np.float32).reshape(-1, 4)[best], float(scores[best])


class BoxSelector:
    """Keeps the last good box and decides the box and status of each frame.

    Args:
        det_interval: run the detector on every ``det_interval``-th readable
            frame (1 = every frame).
    """

    def __init__(self, det_interval: int = 1):
        if int(det_interval) < 1:
            raise ValueError(f'det_interval must be >= 1, got {det_interval}')
        self.det_interval = int(det_interval)
        self.last_box: Optional[np.ndarray] = None
        self.last_score = float('nan')
        self._readable_seen = 0

    def plan(self, num: int) -> List[bool]:
        """Whether each of the next ``num`` readable frames goes through the
        detector (every ``det_interval``-th readable frame, starting with the
        first), so that a batch can be detected at once."""
        return [(self._readable_seen + i) % self.det_interval == 0
                for i in range(num)]

    def update(self, detection: Optional[Tuple[np.ndarray, float]],
               detected: bool, width: int, height: int
               ) -> Tuple[np.ndarray, float, str]:
        """Box (4,) xyxy px, its score and the status for the next readable frame.

        Args:
            detection: the :func:`top_box` result if the detector ran on this
                frame (``detected=True``), else ignored.
            width, height: frame size, for the full-frame fallback and to clip
                a carried-over box to a frame of another size.
        """
        self._readable_seen += 1
        if detected and detection is not None:
            self.last_box, self.last_score = detection
            return self.last_box.copy(), self.last_score, STATUS_DETECTED
        if self.last_box is None:
            full = np.array([0, 0, width, height], dtype=np.float32)
            return full, float('nan'), STATUS_FULL_FRAME
        box = self.last_box.copy()
        box[0::2] = np.clip(box[0::2], 0, width)
        box[1::2] = np.clip(box[1::2], 0, height)
        if box[2] - box[0] < 1 or box[3] - box[1] < 1:
            # The old box lies outside this (smaller) frame: use all of it.
            box = np.array([0, 0, width, height], dtype=np.float32)
        status = STATUS_NO_DETECTION if detected else STATUS_PROPAGATED
        return box, self.last_score, status
