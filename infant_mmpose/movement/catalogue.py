"""The movement feature catalogue: every feature's name, unit and formula.

Names are ``<subject>_<feature>``: the subject is a joint (``l_wrist``,
``r_knee``: MPII / MMPose joint names with ``left``/``right`` shortened),
a left-right pair (``lr_wrist``) or a limb segment (``l_forearm``).
:func:`feature_names` is the exact column order of
:func:`~infant_mmpose.movement.features.compute_features`, and
:func:`catalogue_markdown` renders ``docs/movement_features.md`` from the
same table, so the documentation cannot drift from the code.
"""
from dataclasses import dataclass
from typing import List, Tuple

from .body import ANGLES, LIMB_ENDS, POSITION_JOINTS, SEGMENTS


@dataclass(frozen=True)
class FeatureSettings:
    """Thresholds and bins of the features (defaults are the documented ones).

    Attributes:
        moving_speed: speed (TL/s) above which a joint counts as moving.
        position_bin: histogram bin width (TL) of the position entropy.
        angle_bin_deg: histogram bin width (deg) of the angle entropy.
        spectrum_window_s: Welch window length (s); shorter segments use
            their own length.
        bands_hz: band edges (Hz) of the band power fractions; the first and
            last edges bound the dominant-frequency search.
    """
    moving_speed: float = 0.2
    position_bin: float = 0.05
    angle_bin_deg: float = 1.0
    spectrum_window_s: float = 10.0
    bands_hz: Tuple[float, ...] = (0.2, 1.0, 3.0, 8.0)


DEFAULT_SETTINGS = FeatureSettings()
SIDES = ('l', 'r')
#: Octant bins of the orientation / displacement histograms, by bit:
#: x (4: lateral, else medial), y (2: cranial, else caudal), z (1: anterior,
#: else posterior); right-side vectors are mirrored (x -> -x) first.
OCTANTS = tuple(f'{"lat" if k & 4 else "med"}_{"cra" if k & 2 else "cau"}_'
                f'{"ant" if k & 1 else "pos"}' for k in range(8))


def _band_name(lo: float, hi: float) -> str:
    def fmt(v):
        return f'{v:g}'.replace('.', 'p')
    return f'power_{fmt(lo)}_{fmt(hi)}hz_frac'


@dataclass(frozen=True)
class FeatureSpec:
    """One feature family: computed for every subject of its group."""
    group: str
    suffix: str
    unit: str
    formula: str


def _specs(s: FeatureSettings = DEFAULT_SETTINGS) -> List[FeatureSpec]:
    lo, hi = s.bands_hz[0], s.bands_hz[-1]
    specs = [
        FeatureSpec('position', 'dist_median', 'TL',
                    'median over samples of d = |p|, p the joint position '
                    'relative to the body centre'),
        FeatureSpec('position', 'dist_iqr', 'TL', 'IQR of d (75th - 25th '
                    'percentile)'),
        FeatureSpec('position', 'speed_median', 'TL/s',
                    'median of |v|, v = Δp·rate (first difference)'),
        FeatureSpec('position', 'speed_iqr', 'TL/s', 'IQR of |v|'),
        FeatureSpec('position', 'vel_iqr', 'TL/s',
                    'mean over the x, y, z axes of IQR(v_axis)'),
        FeatureSpec('position', 'acc_iqr', 'TL/s²',
                    'mean over axes of IQR(a_axis), a = Δv·rate'),
        FeatureSpec('position', 'jerk_median', 'TL/s³',
                    'median of |j|, j = Δa·rate'),
        FeatureSpec('position', 'pos_entropy', 'nats',
                    'mean over axes of the Shannon entropy −Σ p_b ln p_b of '
                    f'the coordinate histogram, bins of {s.position_bin:g} TL '
                    'centred on multiples of the width'),
        FeatureSpec('position', 'qom', 'TL/s',
                    'quantity of motion: path length Σ|Δp| / analysed time '
                    '(= mean speed)'),
        FeatureSpec('position', 'moving_frac', '1',
                    f'share of samples with |v| > {s.moving_speed:g} TL/s'),
        FeatureSpec('angle', 'angle_mean', 'deg',
                    'circular mean atan2(mean sin θ, mean cos θ) of the 3D '
                    'angle θ at the joint'),
        FeatureSpec('angle', 'angle_var', '1',
                    'circular variance 1 − |mean e^{iθ}| (0 = constant)'),
        FeatureSpec('angle', 'angle_entropy', 'nats',
                    f'Shannon entropy of the θ histogram, bins of '
                    f'{s.angle_bin_deg:g}° centred on multiples of the width'),
        FeatureSpec('angle', 'angle_speed_median', 'deg/s',
                    'median of |ω|, ω = Δθ·rate'),
        FeatureSpec('angle', 'angle_speed_iqr', 'deg/s', 'IQR of |ω|'),
        FeatureSpec('angle', 'angle_acc_iqr', 'deg/s²',
                    'IQR of α = Δω·rate'),
        FeatureSpec('position_pair', 'dist_corr', '1',
                    'Pearson correlation of the left and right d series '
                    '(NaN when a side does not move)'),
        FeatureSpec('position_pair', 'motion_asym', '1',
                    'asymmetry index (P_l − P_r) / (P_l + P_r), P the path '
                    'length Σ|Δp| (0 = symmetric, > 0: left moves more)'),
        FeatureSpec('angle_pair', 'angle_corr', '1',
                    'Pearson correlation of the left and right θ series'),
        FeatureSpec('angle_pair', 'angle_asym', '1',
                    '(Θ_l − Θ_r) / (Θ_l + Θ_r), Θ the angular path Σ|Δθ|'),
        FeatureSpec('limb_end', 'dominant_freq_hz', 'Hz',
                    'frequency of the largest peak in [{:g}, {:g}) Hz of the '
                    'position power spectrum S(f) = Σ_axes Welch PSD '
                    '(Hann, {:g} s windows), refined by a parabola through '
                    'the peak bin and its neighbours'.format(
                        lo, hi, s.spectrum_window_s)),
    ]
    for a, b in zip(s.bands_hz[:-1], s.bands_hz[1:]):
        specs.append(FeatureSpec(
            'limb_end', _band_name(a, b), '1',
            f'Σ S(f) over [{a:g}, {b:g}) Hz / Σ S(f) over [{lo:g}, {hi:g}) '
            'Hz'))
    for k, octant in enumerate(OCTANTS):
        specs.append(FeatureSpec(
            'segment', f'hojo_{octant}', '1',
            f'HOJO-3D: share of samples whose segment direction (proximal '
            f'-> distal joint, body frame, right side mirrored) lies in the '
            f'{octant.replace("_", "-")} octant'))
    for k, octant in enumerate(OCTANTS):
        specs.append(FeatureSpec(
            'limb_end', f'hojd_{octant}', '1',
            f'HOJD-3D: share of the path length Σ|Δp| whose displacement '
            f'direction lies in the {octant.replace("_", "-")} octant'))
    return specs


#: Subjects of each group, in column order.
GROUP_SUBJECTS = {
    'position': [f'{s}_{j}' for j in POSITION_JOINTS for s in SIDES],
    'angle': [f'{s}_{a}' for a in ANGLES for s in SIDES],
    'position_pair': [f'lr_{j}' for j in POSITION_JOINTS],
    'angle_pair': [f'lr_{a}' for a in ANGLES],
    'limb_end': [f'{s}_{j}' for j in LIMB_ENDS for s in SIDES],
    'segment': [f'{s}_{g}' for g in SEGMENTS for s in SIDES],
}
GROUP_TITLES = {
    'position': 'Per limb end and joint (wrists, ankles, elbows, knees)',
    'angle': '3D joint angles (elbows, knees, shoulders, hips)',
    'position_pair': 'Symmetry of positions (left-right pairs)',
    'angle_pair': 'Symmetry of joint angles (left-right pairs)',
    'limb_end': 'Frequency and displacement histograms per limb end',
    'segment': 'Orientation histograms per limb segment',
}


def feature_specs(settings: FeatureSettings = DEFAULT_SETTINGS
                  ) -> List[FeatureSpec]:
    """Every feature family, in column order within each group."""
    return _specs(settings)


def feature_names(settings: FeatureSettings = DEFAULT_SETTINGS) -> List[str]:
    """All feature names, in the column order of the feature table."""
    specs = _specs(settings)
    return [f'{subject}_{spec.suffix}' for group in GROUP_SUBJECTS
            for subject in GROUP_SUBJECTS[group]
            for spec in specs if spec.group == group]


def feature_units(settings: FeatureSettings = DEFAULT_SETTINGS) -> dict:
    """Feature name -> unit."""
    specs = _specs(settings)
    return {f'{subject}_{spec.suffix}': spec.unit
            for group in GROUP_SUBJECTS for subject in GROUP_SUBJECTS[group]
            for spec in specs if spec.group == group}


def catalogue_markdown(settings: FeatureSettings = DEFAULT_SETTINGS) -> str:
    """``docs/movement_features.md``: every feature family, unit, formula."""
    from .body import ANGLES as angle_defs
    from .body import SEGMENTS as segment_defs
    lines = [
        '# Movement features',
        '',
        'Generated by `python tools/analysis/movement_features.py '
        '--feature-table > docs/movement_features.md` from '
        '`infant_mmpose/movement/catalogue.py` (a test checks that this '
        'file is current).',
        '',
        f'{len(feature_names(settings))} features per recording. A feature '
        'is named `<subject>_<feature>`: subjects are joints (`l_wrist`, '
        '`r_knee`; MPII joint names, `left`/`right` shortened to `l`/`r`), '
        'left-right pairs (`lr_wrist`) or limb segments (`l_forearm`). '
        'Positions are relative to the body centre (pelvis) and in **trunk '
        'lengths (TL)**: the recording\'s median pelvis-thorax distance. '
        'Samples are at the resampled rate (30 Hz by default); differences '
        '(Δ) never span a gap longer than the bridging limit. Body frame '
        '(default global alignment): +x towards the infant\'s left, +y '
        'cranial (pelvis to thorax), +z anterior.',
        '',
        'Joint angles θ (deg, 0-180, 180 = straight) are taken at the middle '
        'joint of: ' + ', '.join(
            f'{k} = {a}-{v}-{b}' for k, (a, v, b) in angle_defs.items())
        + '. Limb segments: ' + ', '.join(
            f'{k} = {a}->{b}' for k, (a, b) in segment_defs.items()) + '.',
        '',
        'Recording-level columns (not features, not used in the normative '
        'comparison): `recording_duration_s`, `recording_analysed_s`, '
        '`recording_segments`, `recording_gap_frames`, '
        '`recording_bridged_frames`, `recording_trunk_length_mm`.',
        '',
        'With `--reference ref.csv` every feature also gets `<name>_z` = '
        '(x − μ) / σ (μ, σ: mean and sample standard deviation of the '
        'reference rows), and the row gets `surprise` = Σ −ln N(x; μ, σ²) '
        '(Chambers et al. 2020) over the 60 core features with σ > 0 '
        '(`CORE_FEATURES` in `infant_mmpose/movement/reference.py`: limb-end '
        'position, speed, variability, entropy and dominant frequency, '
        'elbow/knee angle statistics, left-right correlations), '
        '`surprise_z` (standardised against the reference rows\' own '
        'surprise), `surprise_features` (how many features entered it).',
    ]
    specs = _specs(settings)
    for group, subjects in GROUP_SUBJECTS.items():
        lines += ['', f'## {GROUP_TITLES[group]}', '',
                  'Subjects: ' + ', '.join(f'`{s}`' for s in subjects), '',
                  '| feature | unit | formula |', '|---|---|---|']
        for spec in specs:
            if spec.group == group:
                # a bare | (as in |v|) would end the table cell
                formula = spec.formula.replace('|', '\\|')
                lines.append(f'| `<subject>_{spec.suffix}` | {spec.unit} | '
                             f'{formula} |')
    return '\n'.join(lines) + '\n'
