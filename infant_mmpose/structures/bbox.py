"""Bounding boxes of the infant from MINI-RGBD foreground masks.

Ground-truth box (FACTS.md §1, thesis §3.1.2): the tightest axis-aligned box
around the non-zero mask pixels, padded (5 px in the original code) and
clipped to the image. Boxes are ``[x1, y1, x2, y2]`` in pixel coordinates
(pixel centres at integers), so a one-pixel mask at column 7 gives x1 = x2 = 7
before padding.
"""
import warnings
from typing import Optional, Tuple

import numpy as np


def tight_mask_box(mask: np.ndarray) -> Optional[np.ndarray]:
    """Tightest box (4,) float32 around non-zero pixels of an (H, W) mask, or None if empty."""
    if mask.ndim == 3:  # a mask saved as colour: any non-zero colour channel
        mask = mask[..., :3].any(axis=2)  # (an alpha channel says nothing)
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(mask.any(axis=0))
    return np.array([cols[0], rows[0], cols[-1], rows[-1]], dtype=np.float32)


def pad_and_clip(box: np.ndarray, padding: float, width: int, height: int) -> np.ndarray:
    """Grow a box (4,) by ``padding`` px on every side and clip it to the image."""
    out = np.asarray(box, dtype=np.float32) + np.float32(padding) * np.array(
        [-1, -1, 1, 1], dtype=np.float32)
    out[[0, 2]] = np.clip(out[[0, 2]], 0, width - 1)
    out[[1, 3]] = np.clip(out[[1, 3]], 0, height - 1)
    return out


def keypoint_box(keypoints: np.ndarray) -> Optional[np.ndarray]:
    """Tightest box (4,) around the finite 2D joints (K, 2) px, or None if there are none."""
    pts = np.asarray(keypoints, dtype=np.float32).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(1)]
    if len(pts) == 0:
        return None
    return np.concatenate([pts.min(0), pts.max(0)]).astype(np.float32)


def padded_mask_box(mask_box: Optional[np.ndarray], keypoints: Optional[np.ndarray],
                    padding: float, image_size: Tuple[int, int],
                    source_name: str = 'mask') -> Tuple[np.ndarray, str]:
    """The thesis's ground-truth box: the tight mask box, or the 2D joints'
    box when the mask is empty, padded and clipped to the image.

    The one rule behind the data set's mask boxes, the COCO conversion and
    the COCO-infant export (no warning here: callers report fallbacks).

    Args:
        mask_box: tight box (4,) xyxy px of the mask (:func:`tight_mask_box`
            or the reader's cached one); ``None`` or NaN when it is empty.
        keypoints: (K, 2) 2D joints in pixels, the fallback.
        padding: pixels added on every side before clipping.
        image_size: ``(width, height)`` px.
        source_name: how to name the mask in the error.

    Returns:
        ``(box, source)``: box (4,) float32 xyxy and ``'mask'`` or
        ``'keypoints'`` (the fallback was used).

    Raises:
        ValueError: the mask is empty and no finite keypoints were given.
    """
    source = 'mask'
    if mask_box is None or np.isnan(mask_box).any():
        mask_box = None if keypoints is None else keypoint_box(keypoints)
        if mask_box is None:
            raise ValueError(f'{source_name}: the foreground mask is empty and no '
                             '2D joints were given to fall back on')
        source = 'keypoints'
    return pad_and_clip(mask_box, padding, *image_size), source


def bbox_from_mask(mask: np.ndarray, padding: float = 5.0,
                   keypoints: Optional[np.ndarray] = None,
                   source_name: str = 'mask') -> Tuple[np.ndarray, str]:
    """Padded, clipped box of the infant from its foreground mask
    (:func:`padded_mask_box` of its :func:`tight_mask_box`).

    Args:
        mask: (H, W) (or (H, W, C)) array, non-zero = infant.
        padding: pixels added on every side before clipping.
        keypoints: (K, 2) 2D joints in pixels, used when the mask is empty.
        source_name: how to name the mask in the warning (e.g. its path).

    Returns:
        ``(box, source)``: box (4,) float32 xyxy and ``'mask'`` or
        ``'keypoints'`` (the fallback, which is also reported with a warning).

    Raises:
        ValueError: the mask is empty and no usable keypoints were given.
    """
    height, width = mask.shape[:2]
    box, source = padded_mask_box(tight_mask_box(mask), keypoints, padding,
                                  (width, height), source_name)
    if source == 'keypoints':
        warnings.warn(f'{source_name}: empty foreground mask, box taken from the 2D joints')
    return box, source
