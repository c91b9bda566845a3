"""A one-page movement sheet per recording (PNG)."""
from typing import Dict, Optional

import numpy as np

from .catalogue import DEFAULT_SETTINGS, FeatureSettings
from .features import joint_angles, limb_positions, limb_spectra
from .preparation import PreparedMovement

#: How many of the core features (largest |z| first) the sheet shows.
SHEET_REFERENCE_COUNT = 24
_COLOURS = {'wrist': 'tab:blue', 'ankle': 'tab:orange', 'elbow': 'tab:green',
            'knee': 'tab:red'}


def _times(prep: PreparedMovement):
    return [start + np.arange(len(s)) / prep.rate_hz
            for start, s in zip(prep.segment_start_s, prep.segments)]


def _window(times, segments, end_s):
    """Traces up to ``end_s`` (a long recording is unreadable at once)."""
    keep = [(t[t <= end_s], s[:int((t <= end_s).sum())])
            for t, s in zip(times, segments) if t[0] <= end_s]
    return [t for t, _ in keep], [s for _, s in keep]


def _traces(ax, times, segments, names, wanted, ylabel, end_s):
    times, segments = _window(times, segments, end_s)
    for k, name in enumerate(names):
        side, joint = name.split('_', 1)
        if joint not in wanted:
            continue
        for i, (t, s) in enumerate(zip(times, segments)):
            y = s[:, k]
            ax.plot(t[:len(y)], y, color=_COLOURS.get(joint, 'k'),
                    ls='-' if side == 'l' else '--', lw=0.9,
                    label=name if i == 0 else None)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7, ncol=4, loc='upper right')


def write_sheet(path: str, prep: PreparedMovement, features: Dict[str, float],
                comparison: Optional[Dict[str, float]] = None,
                title: str = '',
                settings: FeatureSettings = DEFAULT_SETTINGS,
                trace_s: float = 30.0) -> str:
    """Write the sheet of one recording to ``path`` (PNG).

    Panels: joint-angle traces (elbows, knees; left solid, right dashed),
    limb-end speeds, left/right overlay of the limb ends' distance from the
    body centre, position spectra, and the recording against the reference
    (z-scores of the core features, when ``comparison`` is given). Traces
    show the first ``trace_s`` seconds; spectra and numbers use everything.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    times = _times(prep)
    fig, axes = plt.subplots(3, 2, figsize=(14, 11))
    (ax_ang, ax_spd), (ax_lr, ax_spec), (ax_ref, ax_txt) = axes
    end_s = prep.segment_start_s[0] + trace_s
    shown = ('' if times[-1][-1] <= end_s else
             f' (first {trace_s:g} s of {prep.duration_s:.0f} s)')

    names, angles = joint_angles(prep)
    _traces(ax_ang, times, angles, names, ('elbow', 'knee'),
            'joint angle (deg)', end_s)
    ax_ang.set_title('3D joint angles (180° = straight)' + shown)

    pos_names, pos = limb_positions(prep)
    speeds = [np.linalg.norm(np.diff(p, axis=0), axis=-1) * prep.rate_hz
              for p in pos]
    _traces(ax_spd, times, speeds, pos_names, ('wrist', 'ankle'),
            'speed (TL/s)', end_s)
    ax_spd.set_title('Limb-end speed' + shown)

    dists = [np.linalg.norm(p, axis=-1) for p in pos]
    _traces(ax_lr, times, dists, pos_names, ('wrist', 'ankle'),
            'distance from pelvis (TL)', end_s)
    ax_lr.set_title('Left (solid) / right (dashed) overlay: r = '
                    f'{features["lr_wrist_dist_corr"]:.2f} (wrists), '
                    f'{features["lr_ankle_dist_corr"]:.2f} (ankles)' + shown,
                    fontsize=10)
    for ax in (ax_ang, ax_spd, ax_lr):
        ax.set_xlabel('time (s)')

    spec_names, freqs, psd = limb_spectra(prep, settings)
    for k, name in enumerate(spec_names):
        side, joint = name.split('_', 1)
        ax_spec.semilogy(freqs[1:], np.maximum(psd[1:, k], 1e-12),
                         color=_COLOURS[joint],
                         ls='-' if side == 'l' else '--', lw=0.9,
                         label=f'{name} (peak '
                         f'{features[f"{name}_dominant_freq_hz"]:.2f} Hz)')
    for edge in settings.bands_hz:
        ax_spec.axvline(edge, color='0.8', lw=0.8)
    ax_spec.set_xlim(0, min(settings.bands_hz[-1] * 1.5, prep.rate_hz / 2))
    ax_spec.set_xlabel('frequency (Hz)')
    ax_spec.set_ylabel('position PSD (TL²/Hz)')
    ax_spec.set_title('Limb-end spectra (grey lines: band edges)')
    ax_spec.legend(fontsize=7)

    if comparison:
        from .reference import CORE_FEATURES
        core = [f for f in CORE_FEATURES
                if np.isfinite(comparison.get(f'{f}_z', np.nan))]
        shown = sorted(core, key=lambda f: -abs(comparison[f'{f}_z']))[
            :SHEET_REFERENCE_COUNT]
        z = np.array([comparison[f'{f}_z'] for f in shown])
        y = np.arange(len(shown))
        ax_ref.axvspan(-2, 2, color='0.9')
        ax_ref.barh(y, np.clip(np.nan_to_num(z), -6, 6),
                    color=np.where(np.abs(z) > 2, 'tab:red', 'tab:blue'))
        ax_ref.set_yticks(y, shown, fontsize=7)
        ax_ref.invert_yaxis()
        ax_ref.set_xlim(-6, 6)
        ax_ref.set_xlabel('z-score vs reference (grey: |z| < 2; clipped at '
                          '±6)')
        ax_ref.set_title(f'Against the reference: surprise '
                         f'{comparison["surprise"]:.1f} nats, surprise z = '
                         f'{comparison["surprise_z"]:.2f}\n(core features '
                         'with the largest |z|)', fontsize=10)
    else:
        ax_ref.axis('off')
        ax_ref.text(0.5, 0.5, 'no reference given\n(--reference ref.csv)',
                    ha='center', va='center', color='0.5')

    ax_txt.axis('off')
    s = prep.summary()
    lines = [
        f'duration {s["recording_duration_s"]:.1f} s, analysed '
        f'{s["recording_analysed_s"]:.1f} s in {s["recording_segments"]} '
        'segment(s)',
        f'gap frames {s["recording_gap_frames"]} (bridged '
        f'{s["recording_bridged_frames"]}); resampled to '
        f'{prep.rate_hz:g} Hz; alignment {prep.alignment}',
        f'trunk length (unit TL) {s["recording_trunk_length_mm"]:.0f} mm', '']
    for side in ('l', 'r'):
        for joint in ('wrist', 'ankle'):
            n = f'{side}_{joint}'
            lines.append(
                f'{n:8s} speed {features[n + "_speed_median"]:.2f} TL/s, '
                f'QoM {features[n + "_qom"]:.2f} TL/s, moving '
                f'{100 * features[n + "_moving_frac"]:.0f}%, '
                f'f {features[n + "_dominant_freq_hz"]:.2f} Hz')
    for pair in ('elbow', 'knee', 'shoulder', 'hip'):
        corr = features[f'lr_{pair}_angle_corr']
        asym = features[f'lr_{pair}_angle_asym']
        lines.append(f'lr_{pair:9s} angle r {corr:.2f}, asymmetry '
                     f'{asym:+.2f}')
    ax_txt.text(0, 1, '\n'.join(lines), va='top', family='monospace',
                fontsize=8.5)
    fig.suptitle(f'Movement sheet: {title or prep.source}', fontsize=12)
    fig.tight_layout()
    from infant_mmpose.fileio.atomic import atomic_open
    with atomic_open(path, 'wb') as f:
        fig.savefig(f, format='png', dpi=80)
    plt.close(fig)
    return path
