"""Savitzky-Golay polynomial smoothing for keypoint series, centred or causal."""
import numpy as np
from scipy.signal import savgol_coeffs, savgol_filter

from .base_filter import BaseFilter
from .builder import FILTERS


@FILTERS.register_module()
class SavitzkyGolayFilter(BaseFilter):
    """Least-squares polynomial fit over a sliding window of frames.

    Args:
        window_length: frames per window (odd for ``mode='centred'``).
        polyorder: polynomial degree, < window_length.
        mode: ``'centred'`` fits a window centred on each frame (no lag, needs
            future frames: offline use); ``'causal'`` fits the last
            ``window_length`` frames and evaluates the fit at the newest one
            (usable online, lags on fast changes).

    Sequences shorter than the window use the longest window that fits (odd
    for centred mode); a sequence with no more frames than ``polyorder`` is
    returned unchanged, since no polynomial fit smooths it.
    """

    def __init__(self, window_length: int = 9, polyorder: int = 2,
                 mode: str = 'centred'):
        if mode not in ('centred', 'causal'):
            raise ValueError(f"SavitzkyGolayFilter: mode must be 'centred' or "
                             f"'causal', got {mode!r}")
        if polyorder < 0 or window_length <= polyorder:
            raise ValueError(f'SavitzkyGolayFilter: need 0 <= polyorder < '
                             f'window_length, got polyorder={polyorder}, '
                             f'window_length={window_length}')
        if mode == 'centred' and window_length % 2 == 0:
            raise ValueError(f'SavitzkyGolayFilter: a centred window must be '
                             f'odd, got window_length={window_length}')
        self.window_length = int(window_length)
        self.polyorder = int(polyorder)
        self.mode = mode

    def smooth(self, x: np.ndarray) -> np.ndarray:
        if self.mode == 'centred':
            return self._centred(x)
        return self._causal(x)

    def _centred(self, x: np.ndarray) -> np.ndarray:
        num = x.shape[0]
        window = min(self.window_length, num if num % 2 else num - 1)
        if window <= self.polyorder:
            return x.copy()
        # mode='interp' fits the first/last window for the edge frames instead
        # of padding, so edges are not pulled towards invented values.
        return savgol_filter(x, window, self.polyorder, axis=0, mode='interp')

    def _causal(self, x: np.ndarray) -> np.ndarray:
        num = x.shape[0]
        out = x.copy()
        full = self.window_length
        flat = x.reshape(num, -1)
        res = out.reshape(num, -1)
        # Start-up frames: the window grows with the frames seen so far.
        for t in range(min(full - 1, num)):
            window = t + 1
            if window <= self.polyorder:
                continue
            coeffs = savgol_coeffs(window, self.polyorder, pos=window - 1,
                                   use='dot')
            res[t] = coeffs @ flat[:window]
        if num >= full:
            coeffs = savgol_coeffs(full, self.polyorder, pos=full - 1, use='dot')
            # Row t of the sliding view holds frames t .. t+full-1; its fit at
            # the newest frame is the causal estimate for frame t+full-1.
            windows = np.lib.stride_tricks.sliding_window_view(flat, full, axis=0)
            res[full - 1:] = windows @ coeffs
        return out
