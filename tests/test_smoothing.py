"""Temporal filters on signals whose smoothed form is known."""
import numpy as np
import pytest

from infant_mmpose.smoothing import (FILTERS, OneEuroFilter,
                                     SavitzkyGolayFilter, build_filter)

FPS = 30.0
ALL_FILTERS = [
    dict(type='OneEuroFilter', min_cutoff=1.0, beta=0.0, fps=FPS),
    dict(type='OneEuroFilter', min_cutoff=0.5, beta=0.05, fps=FPS),
    dict(type='SavitzkyGolayFilter', window_length=9, polyorder=2),
    dict(type='SavitzkyGolayFilter', window_length=9, polyorder=2, mode='causal'),
]


def _series(values: np.ndarray, joints: int = 3, dims: int = 2) -> np.ndarray:
    """(T,) signal copied to every joint and coordinate: (T, K, C)."""
    return np.repeat(np.repeat(values[:, None, None], joints, 1), dims, 2)


def _first_crossing(y: np.ndarray, level: float) -> int:
    return int(np.flatnonzero(y >= level)[0])


def test_registry_builds_both_filters():
    assert {'OneEuroFilter', 'SavitzkyGolayFilter'} <= set(FILTERS.module_dict)
    assert isinstance(build_filter(ALL_FILTERS[0]), OneEuroFilter)
    assert isinstance(build_filter(ALL_FILTERS[2]), SavitzkyGolayFilter)
    assert build_filter(None) is None


@pytest.mark.parametrize('cfg', [
    dict(type='KalmanFilter'), dict(window_length=5), 'OneEuroFilter'])
def test_build_filter_rejects_bad_configs(cfg):
    with pytest.raises((KeyError, TypeError), match='filter'):
        build_filter(cfg)


@pytest.mark.parametrize('cfg,match', [
    (dict(type='SavitzkyGolayFilter', window_length=8), 'odd'),
    (dict(type='SavitzkyGolayFilter', window_length=3, polyorder=3), 'polyorder'),
    (dict(type='SavitzkyGolayFilter', mode='future'), 'mode'),
    (dict(type='OneEuroFilter', min_cutoff=0), 'min_cutoff'),
    (dict(type='OneEuroFilter', beta=-1), 'beta'),
])
def test_bad_parameters_are_named(cfg, match):
    with pytest.raises(ValueError, match=match):
        build_filter(cfg)


@pytest.mark.parametrize('cfg', ALL_FILTERS)
@pytest.mark.parametrize('dims', [2, 3])
def test_constant_signal_is_unchanged(cfg, dims):
    x = np.full((40, 4, dims), 123.25)
    x[:, 1] = -7.5
    y = build_filter(cfg)(x)
    assert y.shape == x.shape
    np.testing.assert_allclose(y, x, atol=1e-9)


@pytest.mark.parametrize('cfg,max_ratio', [
    (ALL_FILTERS[0], 0.2),   # exponential smoothing, a = 0.17: ratio a/(2-a) = 0.09
    (ALL_FILTERS[2], 0.4),   # centred 9-point quadratic: 0.26 in theory
    (ALL_FILTERS[3], 0.8),   # causal end-point fit keeps more noise: 0.62
])
def test_noise_variance_drops(cfg, max_ratio):
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 2.0, size=(600, 5, 2))
    y = build_filter(cfg)(100.0 + noise)
    ratio = np.var(y[20:] - 100.0) / np.var(noise[20:])
    assert ratio < max_ratio


def test_savgol_centred_equals_local_polynomial_fit():
    """Interior output = value at the centre of a least-squares quadratic
    fitted (np.polyfit) to the 9 frames around it."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 2, 2)).cumsum(axis=0)
    y = SavitzkyGolayFilter(9, 2)(x)
    for t in (4, 10, 25):
        for k in range(2):
            coef = np.polyfit(np.arange(9), x[t - 4:t + 5, k, 0], 2)
            assert y[t, k, 0] == pytest.approx(np.polyval(coef, 4), abs=1e-9)


def test_savgol_causal_uses_only_past_frames():
    """Causal output at t = quadratic fit of frames t-8..t evaluated at t;
    changing a future frame leaves it unchanged."""
    rng = np.random.default_rng(2)
    x = rng.normal(size=(25, 1, 3))
    f = SavitzkyGolayFilter(9, 2, mode='causal')
    y = f(x)
    coef = np.polyfit(np.arange(9), x[12:21, 0, 2], 2)
    assert y[20, 0, 2] == pytest.approx(np.polyval(coef, 8), abs=1e-9)
    x2 = x.copy()
    x2[21:] += 50.0
    np.testing.assert_allclose(f(x2)[:21], y[:21])


def test_one_euro_without_beta_is_exponential_smoothing():
    """beta=0: a fixed first-order low-pass y_t = a x_t + (1-a) y_{t-1},
    a = 1 / (1 + fps / (2 pi min_cutoff))."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 2, 2))
    y = OneEuroFilter(min_cutoff=2.0, beta=0.0, fps=25.0)(x)
    a = 1.0 / (1.0 + 25.0 / (2 * np.pi * 2.0))
    ref = np.empty_like(x)
    ref[0] = x[0]
    for t in range(1, 50):
        ref[t] = a * x[t] + (1 - a) * ref[t - 1]
    np.testing.assert_allclose(y, ref, atol=1e-12)


@pytest.mark.parametrize('cfg,max_lag', [
    (ALL_FILTERS[0], 4),   # (1-a)^n < 0.5 for n >= 3.7
    (ALL_FILTERS[1], 4),
    (ALL_FILTERS[2], 0),   # centred: no lag
    (ALL_FILTERS[3], 4),
])
def test_step_lags_a_bounded_number_of_frames(cfg, max_lag):
    step_at = 30
    x = _series(np.where(np.arange(80) >= step_at, 10.0, 0.0))
    y = build_filter(cfg)(x)[:, 0, 0]
    lag = _first_crossing(y, 5.0) - step_at
    assert 0 <= lag <= max_lag
    assert abs(y[-1] - 10.0) < 1e-3   # settles on the new level
    assert np.all(np.abs(y[:step_at - 5]) < 1e-9)  # nothing before the step


def test_one_euro_follows_fast_movement():
    """A joint sweeping at 1500 px/s: a speed-adaptive cutoff (beta > 0)
    keeps the lag to a few pixels, a fixed low cutoff trails far behind."""
    t = np.arange(60) / FPS
    x = _series(1500.0 * t, joints=1)
    fixed = OneEuroFilter(min_cutoff=1.0, beta=0.0, fps=FPS)(x)[:, 0, 0]
    adaptive = OneEuroFilter(min_cutoff=1.0, beta=0.05, fps=FPS)(x)[:, 0, 0]
    truth = x[:, 0, 0]
    lag_fixed = np.mean(truth[30:] - fixed[30:])
    lag_adaptive = np.mean(truth[30:] - adaptive[30:])
    assert lag_fixed > 100.0
    assert 0 <= lag_adaptive < 10.0
    # but at rest the same adaptive filter still removes jitter
    rng = np.random.default_rng(4)
    still = 50 + rng.normal(0, 1.0, size=(300, 1, 2))
    y = OneEuroFilter(min_cutoff=1.0, beta=0.05, fps=FPS)(still)
    assert np.var(y[30:]) < 0.3 * np.var(still[30:])


@pytest.mark.parametrize('cfg', ALL_FILTERS)
def test_invalid_frames_do_not_leak_into_neighbours(cfg):
    """A wild value on an invalid frame changes nothing around it and is
    returned as given; the result equals filtering the series with that frame
    bridged by linear interpolation."""
    x = _series(np.linspace(0, 20, 40), joints=2)
    bad = x.copy()
    bad[17] = 1e6
    valid = np.ones(40, bool)
    valid[17] = False
    f = build_filter(cfg)
    y_bad = f(bad, valid)
    y_clean = f(x)   # x[17] is exactly the interpolation of its neighbours
    keep = np.arange(40) != 17
    np.testing.assert_allclose(y_bad[keep], y_clean[keep], atol=1e-9)
    np.testing.assert_array_equal(y_bad[17], bad[17])


def test_nan_samples_and_per_joint_validity():
    x = _series(np.linspace(0, 10, 20), joints=2)
    x[5, 0] = np.nan
    valid = np.ones((20, 2), bool)
    valid[8, 1] = False
    x[8, 1] = -999.0
    y = SavitzkyGolayFilter(5, 2)(x, valid)
    assert np.isnan(y[5, 0]).all()          # NaN stays NaN, not smoothed
    assert np.isfinite(np.delete(y, 5, axis=0)).all()
    assert (y[8, 1] == -999.0).all()
    np.testing.assert_allclose(y[8, 0], x[8, 0], atol=1e-9)  # a line is kept


@pytest.mark.parametrize('length', [0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize('mode', ['centred', 'causal'])
def test_savgol_handles_sequences_shorter_than_window(length, mode):
    rng = np.random.default_rng(5)
    x = rng.normal(size=(length, 3, 2))
    y = SavitzkyGolayFilter(9, 2, mode=mode)(x)
    assert y.shape == x.shape
    assert np.isfinite(y).all()
    if length <= 3:
        # at most polyorder + 1 frames: any quadratic fits them exactly
        np.testing.assert_allclose(y, x, atol=1e-9)


def test_shape_and_mask_errors_are_clear():
    f = OneEuroFilter()
    with pytest.raises(ValueError, match=r'\(T, K, C\)'):
        f(np.zeros((10, 2)))
    with pytest.raises(ValueError, match='validity mask'):
        f(np.zeros((10, 2, 2)), np.ones(9))
