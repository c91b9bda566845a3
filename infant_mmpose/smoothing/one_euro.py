"""The One-Euro filter (Casiez, Roussel and Vogel, CHI 2012) for keypoint series."""
import numpy as np

from .base_filter import BaseFilter
from .builder import FILTERS


def _smoothing_factor(cutoff: np.ndarray, dt: float) -> np.ndarray:
    """Exponential smoothing factor of a first-order low-pass at ``cutoff`` Hz."""
    tau = 1.0 / (2.0 * np.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


@FILTERS.register_module()
class OneEuroFilter(BaseFilter):
    """Speed-adaptive low-pass filter; causal (uses past frames only).

    The cutoff frequency grows with the (smoothed) speed of each coordinate:
    ``cutoff = min_cutoff + beta * |speed|``, so slow jitter is removed strongly
    while fast movements pass with little lag.

    Args:
        min_cutoff: cutoff frequency in Hz at zero speed; lower = smoother.
        beta: speed coefficient in 1/(unit); higher = less lag on fast motion.
            Its scale depends on the coordinate unit (pixels or millimetres).
        d_cutoff: cutoff frequency in Hz for the speed estimate.
        fps: frame rate of the series in frames per second (sets dt = 1/fps).
    """

    def __init__(self, min_cutoff: float = 1.0, beta: float = 0.0,
                 d_cutoff: float = 1.0, fps: float = 30.0):
        for name, value in (('min_cutoff', min_cutoff), ('d_cutoff', d_cutoff),
                            ('fps', fps)):
            if not value > 0:
                raise ValueError(f'OneEuroFilter: {name} must be > 0, got {value}')
        if beta < 0:
            raise ValueError(f'OneEuroFilter: beta must be >= 0, got {beta}')
        self.min_cutoff = float(min_cutoff)
        self.beta = float(beta)
        self.d_cutoff = float(d_cutoff)
        self.fps = float(fps)

    def smooth(self, x: np.ndarray) -> np.ndarray:
        dt = 1.0 / self.fps
        out = np.empty_like(x)
        out[0] = x[0]
        speed = np.zeros_like(x[0])
        a_d = _smoothing_factor(np.full_like(x[0], self.d_cutoff), dt)
        for t in range(1, x.shape[0]):
            raw_speed = (x[t] - out[t - 1]) / dt
            speed = a_d * raw_speed + (1.0 - a_d) * speed
            cutoff = self.min_cutoff + self.beta * np.abs(speed)
            a = _smoothing_factor(cutoff, dt)
            out[t] = a * x[t] + (1.0 - a) * out[t - 1]
        return out
