"""Shared handling of shapes and per-frame validity for the temporal filters."""
from typing import Optional

import numpy as np


class BaseFilter:
    """A temporal filter over keypoint time series of shape (T, K, C).

    T frames, K joints, C coordinates (2 for pixels, 3 for millimetres). Filters
    are stateless between calls: each call smooths one whole sequence, so the
    same filter object can be applied to 2D keypoints and to 3D output.

    Invalid samples (``valid`` False: an unreadable frame, a joint whose 2D score
    was too low) must not leak into their neighbours. They are bridged by linear
    interpolation over time from the nearest valid samples of the same joint
    before filtering, and their original values are put back afterwards.
    """

    def smooth(self, x: np.ndarray) -> np.ndarray:
        """Smooth a gap-free float64 array of shape (T, K, C) along axis 0."""
        raise NotImplementedError

    def __call__(self, keypoints: np.ndarray,
                 valid: Optional[np.ndarray] = None) -> np.ndarray:
        """Return the smoothed copy of ``keypoints``.

        Args:
            keypoints: (T, K, C) array; NaN entries count as invalid.
            valid: optional (T,) per-frame or (T, K) per-joint validity
                (bool or 0/1).

        Returns:
            (T, K, C) array of the input dtype; invalid samples keep their input
            values.

        Raises:
            ValueError: on a wrongly shaped input or validity mask.
        """
        x = np.asarray(keypoints)
        if x.ndim != 3:
            raise ValueError(f'{type(self).__name__} expects keypoints of shape '
                             f'(T, K, C), got shape {x.shape}')
        mask = self._validity(x, valid)
        work = x.astype(np.float64, copy=True)
        if x.shape[0] == 0:
            return x.copy()
        work = _bridge_gaps(work, mask)
        out = self.smooth(work)
        # Joints with no valid sample at all stay as they came in.
        out = np.where(mask[..., None], out, x)
        return out.astype(x.dtype if np.issubdtype(x.dtype, np.floating)
                          else np.float64)

    @staticmethod
    def _validity(x: np.ndarray, valid: Optional[np.ndarray]) -> np.ndarray:
        """(T, K) bool mask: given validity AND all coordinates finite."""
        finite = np.isfinite(x).all(axis=-1)
        if valid is None:
            return finite
        v = np.asarray(valid).astype(bool)
        if v.shape == x.shape[:1]:
            v = np.repeat(v[:, None], x.shape[1], axis=1)
        if v.shape != x.shape[:2]:
            raise ValueError(f'validity mask of shape {v.shape} does not match '
                             f'keypoints of shape {x.shape}: expected '
                             f'{x.shape[:1]} or {x.shape[:2]}')
        return v & finite


def _bridge_gaps(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Fill invalid samples of each joint by linear interpolation in time.

    Leading/trailing gaps take the nearest valid value (``np.interp`` clamps);
    joints without any valid sample are left untouched (zeros where NaN).
    """
    t = np.arange(x.shape[0])
    for k in range(x.shape[1]):
        ok = mask[:, k]
        if ok.all():
            continue
        if not ok.any():
            x[:, k] = np.nan_to_num(x[:, k])
            continue
        for c in range(x.shape[2]):
            x[~ok, k, c] = np.interp(t[~ok], t[ok], x[ok, k, c])
    return x
