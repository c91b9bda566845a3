"""Which 2D joints count as visible: one rule for ground truth, for the
predicted 2D the lifter is trained on, and for the 2D it lifts at inference.

The thesis excludes joints outside the image from losses and metrics
(thesis Section 3.2.1; THESIS_WEIGHTS section 5). Ground-truth 2D joints are
visible when inside the image; a predicted 2D joint is visible by the same
rule applied to its predicted position, and only if the 2D model gave it a
positive score (MMPose's heatmap decoding marks a joint without a
positive heatmap maximum with score <= 0 and position -1).

Both :class:`~infant_mmpose.datasets.MiniRGBDLiftingDataset` (lifter training
and testing on a 2D-predictions file) and the inferencer call
:func:`predicted_keypoints_visible`, so the lifter sees the same visibility
from training to inference.
"""
from typing import Optional, Sequence

import numpy as np


def inside_image(keypoints: np.ndarray, image_size: Sequence) -> np.ndarray:
    """Visibility (..., K) float32: 1 for joints inside the image, else 0.

    Args:
        keypoints: (..., K, 2) pixel coordinates ``u, v``.
        image_size: ``(width, height)`` in pixels.

    Inside means ``0 <= u <= width - 1`` and ``0 <= v <= height - 1`` (pixel
    centres at integers). NaN coordinates are outside.
    """
    width, height = float(image_size[0]), float(image_size[1])
    keypoints = np.asarray(keypoints, dtype=np.float64)
    u, v = keypoints[..., 0], keypoints[..., 1]
    inside = (u >= 0) & (u <= width - 1) & (v >= 0) & (v <= height - 1)
    return inside.astype(np.float32)


def predicted_keypoints_visible(keypoints: np.ndarray,
                                image_size: Sequence,
                                scores: Optional[np.ndarray] = None
                                ) -> np.ndarray:
    """Visibility (..., K) float32 of predicted 2D joints: inside the image
    (:func:`inside_image`) and, when ``scores`` (..., K) are given, a
    positive score."""
    visible = inside_image(keypoints, image_size)
    if scores is not None:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.shape != visible.shape:
            raise ValueError(f'scores of shape {scores.shape} do not match '
                             f'keypoints of shape {np.shape(keypoints)}')
        visible = visible * (scores > 0)
    return visible.astype(np.float32)
