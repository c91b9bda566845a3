"""General Movements features of one prepared recording.

Every feature is vectorised over all samples of all segments: a 10-minute
30 fps recording takes well under a second (``benchmarks/bench_movement.py``).
Names, units and formulas: :mod:`infant_mmpose.movement.catalogue` and
``docs/movement_features.md``.
"""
from typing import Dict, List, Tuple

import numpy as np

from .body import ANGLES, LIMB_ENDS, POSITION_JOINTS, SEGMENTS
from .catalogue import (DEFAULT_SETTINGS, OCTANTS, SIDES, FeatureSettings,
                        _band_name, feature_names)
from .preparation import PreparedMovement

_QUIET = dict(divide='ignore', invalid='ignore')
#: Spectral power (TL², summed over the band) below which a limb end counts as
#: still: its frequency features are NaN.
STILL_POWER = 1e-12


def _diffs(segments: List[np.ndarray], rate: float,
           order: int) -> np.ndarray:
    """``order``-th time derivative by finite differences within each
    segment (never across a gap), concatenated."""
    return np.concatenate([np.diff(s, n=order, axis=0) * rate ** order
                           for s in segments])


def _iqr(x: np.ndarray) -> np.ndarray:
    q25, q75 = np.percentile(x, [25, 75], axis=0)
    return q75 - q25


def _entropy(values: np.ndarray, width: float) -> float:
    """Shannon entropy (nats) of the histogram of ``values`` in bins of
    ``width`` centred on its multiples (a value at 0, e.g. a joint in the
    midline, then sits mid-bin, safe from rounding)."""
    _, counts = np.unique(np.floor(values / width + 0.5), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log(p)).sum())


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation; NaN when either series is constant (standard
    deviation below 1e-9: nanometres in TL, or 1e-9 degrees)."""
    if not (a.std() > 1e-9 and b.std() > 1e-9):
        return float('nan')
    return float(np.corrcoef(a, b)[0, 1])


def _asym(left: float, right: float) -> float:
    total = left + right
    return float((left - right) / total) if total > 0 else float('nan')


def joint_angles(prep: PreparedMovement) -> Tuple[List[str], List[np.ndarray]]:
    """3D joint angles (deg) per segment.

    Returns:
        names: subjects ``l_elbow``, ``r_elbow``, ... (catalogue order);
        per segment an (N_i, 8) array of angles in [0, 180] deg.
    """
    j = prep.joints
    triples = [(j.sided[(s, a)], j.sided[(s, v)], j.sided[(s, b)])
               for v, (a, _, b) in ANGLES.items() for s in SIDES]
    ia, iv, ib = (list(t) for t in zip(*triples))
    names = [f'{s}_{v}' for v in ANGLES for s in SIDES]
    out = []
    for seg in prep.segments:
        u = seg[:, ia] - seg[:, iv]
        w = seg[:, ib] - seg[:, iv]
        cross = np.linalg.norm(np.cross(u, w), axis=-1)
        out.append(np.degrees(np.arctan2(cross, (u * w).sum(-1))))
    return names, out


def limb_positions(prep: PreparedMovement, joints=POSITION_JOINTS
                   ) -> Tuple[List[str], List[np.ndarray]]:
    """Body-centred positions (TL) of ``joints`` (both sides) per segment:
    subject names and (N_i, J, 3) arrays."""
    ids = [prep.joints.sided[(s, j)] for j in joints for s in SIDES]
    names = [f'{s}_{j}' for j in joints for s in SIDES]
    return names, [seg[:, ids] for seg in prep.segments]


def limb_spectra(prep: PreparedMovement,
                 settings: FeatureSettings = DEFAULT_SETTINGS
                 ) -> Tuple[List[str], np.ndarray, np.ndarray]:
    """Position power spectra of the limb ends.

    Welch PSD (Hann window of ``settings.spectrum_window_s``, or the longest
    segment if shorter; mean removed) of each coordinate, summed over x, y, z,
    averaged over the segments at least one window long, weighted by length.

    Returns:
        names (``l_wrist``, ``r_wrist``, ``l_ankle``, ``r_ankle``),
        freqs (F,) Hz, psd (F, 4) TL²/Hz.
    """
    from scipy.signal import welch
    names, pos = limb_positions(prep, LIMB_ENDS)
    rate = prep.rate_hz
    nper = min(int(round(settings.spectrum_window_s * rate)),
               max(len(p) for p in pos))
    total, weight = 0.0, 0
    freqs = None
    for p in pos:
        if len(p) < nper:
            continue
        freqs, psd = welch(p, fs=rate, window='hann', nperseg=nper,
                           detrend='constant', axis=0)
        total = total + psd.sum(axis=-1) * len(p)
        weight += len(p)
    return names, freqs, total / weight


def _frequency_features(prep, settings) -> Dict[str, float]:
    names, freqs, psd = limb_spectra(prep, settings)
    edges = settings.bands_hz
    lo, hi = edges[0], edges[-1]
    in_range = (freqs >= lo) & (freqs < hi)
    df = freqs[1] - freqs[0]
    out = {}
    for k, subject in enumerate(names):
        s = psd[:, k]
        band_total = s[in_range].sum()
        # a still limb, or segments too short to resolve the band
        still = not (in_range.any() and band_total * df > STILL_POWER)
        f_peak = float('nan')
        if not still:
            peak = np.flatnonzero(in_range)[np.argmax(s[in_range])]
            f_peak = freqs[peak]
            if 0 < peak < len(s) - 1:
                a, b, c = s[peak - 1], s[peak], s[peak + 1]
                den = a - 2 * b + c
                if den < 0:
                    f_peak += 0.5 * (a - c) / den * df
        out[f'{subject}_dominant_freq_hz'] = float(f_peak)
        for a, b in zip(edges[:-1], edges[1:]):
            band = (freqs >= a) & (freqs < b)
            out[f'{subject}_{_band_name(a, b)}'] = (
                float('nan') if still else float(s[band].sum() / band_total))
    return out


def _octant_shares(vectors: np.ndarray, weights=None) -> np.ndarray:
    """(..., 8) share of ``vectors`` (N, J, 3) per octant (see OCTANTS)."""
    code = ((vectors[..., 0] > 0) * 4 + (vectors[..., 1] > 0) * 2
            + (vectors[..., 2] > 0))
    num_j = vectors.shape[1]
    flat = (code + 8 * np.arange(num_j)).ravel()
    w = None if weights is None else weights.ravel()
    counts = np.bincount(flat, weights=w, minlength=8 * num_j).reshape(
        num_j, 8)
    with np.errstate(**_QUIET):
        return counts / counts.sum(axis=1, keepdims=True)


def _mirror_right(vectors: np.ndarray) -> np.ndarray:
    """Flip x of the right-side columns (odd columns: l, r, l, r, ...) so
    that left and right share lateral/medial bins."""
    out = vectors.copy()
    out[:, 1::2, 0] *= -1
    return out


def compute_features(prep: PreparedMovement,
                     settings: FeatureSettings = DEFAULT_SETTINGS
                     ) -> Dict[str, float]:
    """All features of one prepared recording, in catalogue order.

    Returns:
        ``{name: value}`` (floats; NaN where a feature is undefined, e.g.
        the dominant frequency of a still limb).
    """
    rate = prep.rate_hz
    out: Dict[str, float] = {}

    # positions, speeds and their statistics for the 8 limb ends / joints
    subjects, pos_segments = limb_positions(prep)
    pos = np.concatenate(pos_segments)
    vel = _diffs(pos_segments, rate, 1)
    acc = _diffs(pos_segments, rate, 2)
    jerk = np.linalg.norm(_diffs(pos_segments, rate, 3), axis=-1)
    dist = np.linalg.norm(pos, axis=-1)
    speed = np.linalg.norm(vel, axis=-1)
    dist_q = np.percentile(dist, [25, 50, 75], axis=0)
    speed_q = np.percentile(speed, [25, 50, 75], axis=0)
    vel_iqr = _iqr(vel).mean(axis=-1)
    acc_iqr = _iqr(acc).mean(axis=-1)
    jerk_med = np.median(jerk, axis=0)
    path = speed.sum(axis=0) / rate
    duration = len(speed) / rate
    moving = (speed > settings.moving_speed).mean(axis=0)
    for k, subject in enumerate(subjects):
        out.update({
            f'{subject}_dist_median': dist_q[1, k],
            f'{subject}_dist_iqr': dist_q[2, k] - dist_q[0, k],
            f'{subject}_speed_median': speed_q[1, k],
            f'{subject}_speed_iqr': speed_q[2, k] - speed_q[0, k],
            f'{subject}_vel_iqr': vel_iqr[k],
            f'{subject}_acc_iqr': acc_iqr[k],
            f'{subject}_jerk_median': jerk_med[k],
            f'{subject}_pos_entropy': float(np.mean([
                _entropy(pos[:, k, c], settings.position_bin)
                for c in range(3)])),
            f'{subject}_qom': path[k] / duration,
            f'{subject}_moving_frac': moving[k],
        })

    # joint angles
    angle_subjects, angle_segments = joint_angles(prep)
    theta = np.concatenate(angle_segments)
    omega = _diffs(angle_segments, rate, 1)
    alpha = _diffs(angle_segments, rate, 2)
    rad = np.radians(theta)
    c, s = np.cos(rad).mean(axis=0), np.sin(rad).mean(axis=0)
    ang_speed = np.abs(omega)
    ang_speed_q = np.percentile(ang_speed, [25, 50, 75], axis=0)
    alpha_iqr = _iqr(alpha)
    ang_path = ang_speed.sum(axis=0) / rate
    for k, subject in enumerate(angle_subjects):
        out.update({
            f'{subject}_angle_mean': float(np.degrees(np.arctan2(s[k],
                                                                 c[k]))),
            f'{subject}_angle_var': float(1.0 - np.hypot(s[k], c[k])),
            f'{subject}_angle_entropy': _entropy(theta[:, k],
                                                 settings.angle_bin_deg),
            f'{subject}_angle_speed_median': ang_speed_q[1, k],
            f'{subject}_angle_speed_iqr': ang_speed_q[2, k] - ang_speed_q[0,
                                                                         k],
            f'{subject}_angle_acc_iqr': alpha_iqr[k],
        })

    # left-right symmetry (columns alternate l, r)
    for i, joint in enumerate(POSITION_JOINTS):
        out[f'lr_{joint}_dist_corr'] = _corr(dist[:, 2 * i],
                                             dist[:, 2 * i + 1])
        out[f'lr_{joint}_motion_asym'] = _asym(path[2 * i], path[2 * i + 1])
    for i, joint in enumerate(ANGLES):
        out[f'lr_{joint}_angle_corr'] = _corr(theta[:, 2 * i],
                                              theta[:, 2 * i + 1])
        out[f'lr_{joint}_angle_asym'] = _asym(ang_path[2 * i],
                                              ang_path[2 * i + 1])

    # frequency content and displacement histograms of the limb ends
    out.update(_frequency_features(prep, settings))
    end_cols = [subjects.index(f'{s}_{j}') for j in LIMB_ENDS for s in SIDES]
    end_vel = _mirror_right(vel[:, end_cols])
    hojd = _octant_shares(end_vel, np.linalg.norm(end_vel, axis=-1))
    for k, j in enumerate(f'{s}_{j}' for j in LIMB_ENDS for s in SIDES):
        for b, octant in enumerate(OCTANTS):
            out[f'{j}_hojd_{octant}'] = float(hojd[k, b])

    # segment orientation histograms
    jt = prep.joints
    prox = [jt.sided[(s, a)] for a, _ in SEGMENTS.values() for s in SIDES]
    dist_ids = [jt.sided[(s, b)] for _, b in SEGMENTS.values() for s in SIDES]
    all_frames = np.concatenate(prep.segments)
    hojo = _octant_shares(_mirror_right(all_frames[:, dist_ids]
                                        - all_frames[:, prox]))
    for k, seg in enumerate(f'{s}_{g}' for g in SEGMENTS for s in SIDES):
        for b, octant in enumerate(OCTANTS):
            out[f'{seg}_hojo_{octant}'] = float(hojo[k, b])

    names = feature_names(settings)
    return {name: float(out[name]) for name in names}
