"""Movement features on motions with known answers (issue 13).

Bodies are built in the body frame (mm; +x the infant's left, +y cranial,
+z anterior) from the rest pose of :mod:`infant_mmpose.synthetic.movement`,
whose trunk (pelvis -> thorax) is 200 mm = 1 TL, and seen by a camera above
the infant, like the lifter's output.
"""
import numpy as np
import pytest
from scipy.special import j0

from infant_mmpose.apis.pose_series import (STATUS_FULL_FRAME,
                                            STATUS_NO_DETECTION,
                                            STATUS_UNREADABLE)
from infant_mmpose.movement import (MissingJointsError, MovementDataError,
                                    analyse, feature_names, prepare)
from infant_mmpose.synthetic.movement import (REST_POSE_MM, mpii16_names,
                                              rest_pose, series_from_body,
                                              synthetic_infant)

TRUNK_MM = 200.0
FPS = 30.0
NAMES = mpii16_names()


def still_body(seconds: float, fps: float = FPS, names=NAMES) -> np.ndarray:
    return np.tile(rest_pose(names), (int(round(seconds * fps)), 1, 1))


def times(body, fps=FPS):
    return np.arange(len(body)) / fps


def move(body, joint, offset, names=NAMES):
    """Add ``offset`` (T, 3) mm to ``joint``'s trajectory."""
    body[:, names.index(joint)] += offset
    return body


def arm_with_elbow_angle(body, side, theta_deg, names=NAMES):
    """Put the wrist so that the elbow angle is ``theta_deg`` (T,): the
    forearm turns in the plane of the upper arm and the x axis."""
    sh = body[:, names.index(f'{side}_shoulder')]
    el = body[:, names.index(f'{side}_elbow')]
    u = (sh - el) / np.linalg.norm(sh - el, axis=-1, keepdims=True)
    n = np.cross(u, [0, 0, 1.0])
    # mirrored on the right, so that equal angles give mirror-image arms
    n *= (1.0 if side == 'left' else -1.0) / np.linalg.norm(
        n, axis=-1, keepdims=True)
    th = np.radians(theta_deg)[:, None]
    body[:, names.index(f'{side}_wrist')] = el + 80.0 * (
        np.cos(th) * u + np.sin(th) * n)
    return body


def features(body, fps=FPS, **prep):
    return analyse(series_from_body(body, fps), prep).features


def test_sinusoid_gives_its_frequency_and_analytic_speeds():
    f, amp_mm = 1.37, 20.0  # amplitude 0.1 TL
    body = still_body(30 / f)  # a whole number of periods (30)
    t = times(body)
    direction = np.array([1.0, 1.0, 1.0]) / np.sqrt(3)
    move(body, 'left_wrist', amp_mm * np.sin(2 * np.pi * f * t)[:, None]
         * direction)
    feats = features(body)
    amp = amp_mm / TRUNK_MM
    peak = amp * 2 * np.pi * f  # TL/s
    # Welch windows of 10 s: 0.1 Hz bins; the refined peak is within half
    assert feats['l_wrist_dominant_freq_hz'] == pytest.approx(f, abs=0.05)
    # median of |cos| over whole periods is cos(pi/4), its mean 2/pi; first
    # differences at 30 Hz scale a sinusoid's speed by sinc(f / 30)
    sampled = peak * np.sinc(f / FPS)
    assert feats['l_wrist_speed_median'] == pytest.approx(
        sampled * np.sqrt(0.5), rel=0.002)
    assert feats['l_wrist_qom'] == pytest.approx(sampled * 2 / np.pi,
                                                 rel=0.002)
    # share of time with |v| > 0.2 TL/s: |cos| > 0.2 / peak
    assert feats['l_wrist_moving_frac'] == pytest.approx(
        1 - 2 / np.pi * np.arcsin(0.2 / peak), abs=0.01)
    # all power sits in the 1-3 Hz band
    assert feats['l_wrist_power_1_3hz_frac'] > 0.99
    # displacement along +-(1, 1, 1): half lateral-cranial-anterior, half
    # medial-caudal-posterior
    assert feats['l_wrist_hojd_lat_cra_ant'] == pytest.approx(0.5, abs=0.01)
    assert feats['l_wrist_hojd_med_cau_pos'] == pytest.approx(0.5, abs=0.01)
    # the other limbs do not move
    assert feats['r_wrist_speed_median'] == pytest.approx(0, abs=1e-9)
    assert np.isnan(feats['r_wrist_dominant_freq_hz'])


def test_oscillating_elbow_angle_has_analytic_circular_statistics():
    f, mean_deg, amp_deg = 0.83, 120.0, 20.0
    # whole periods, at a frequency incommensurate with the 30 Hz frames so
    # that the samples cover every phase evenly (the median is then exact)
    body = still_body(20 / f)
    theta = mean_deg + amp_deg * np.sin(2 * np.pi * f * times(body))
    feats = features(arm_with_elbow_angle(body, 'left', theta))
    assert feats['l_elbow_angle_mean'] == pytest.approx(mean_deg, abs=0.1)
    # mean resultant length of exp(i(a sin wt)) is J0(a)
    assert feats['l_elbow_angle_var'] == pytest.approx(
        1 - j0(np.radians(amp_deg)), rel=0.01)
    assert feats['l_elbow_angle_speed_median'] == pytest.approx(
        amp_deg * 2 * np.pi * f * np.sinc(f / FPS) * np.sqrt(0.5), rel=0.003)
    assert feats['r_elbow_angle_speed_median'] == pytest.approx(0, abs=1e-6)


@pytest.mark.parametrize('phase, expected', [(0.0, 1.0), (np.pi, -1.0)])
def test_mirrored_and_opposite_phase_left_right(phase, expected):
    f = 1.1
    body = still_body(15)
    t = times(body)
    for side, ph in (('left', 0.0), ('right', phase)):
        radial = body[:, NAMES.index(f'{side}_ankle')].copy()  # from pelvis
        move(body, f'{side}_ankle',
             0.15 * radial * np.sin(2 * np.pi * f * t + ph)[:, None])
        theta = 120 + 25 * np.sin(2 * np.pi * f * t + ph)
        arm_with_elbow_angle(body, side, theta)
    feats = features(body)
    assert feats['lr_ankle_dist_corr'] == pytest.approx(expected, abs=1e-6)
    assert feats['lr_elbow_angle_corr'] == pytest.approx(expected, abs=1e-6)
    assert feats['lr_ankle_motion_asym'] == pytest.approx(0, abs=1e-6)
    assert feats['lr_elbow_angle_asym'] == pytest.approx(0, abs=1e-6)
    if phase == 0.0:
        # mirror images: every left feature equals its right twin
        for name in feature_names():
            if name.startswith('l_'):
                a, b = feats[name], feats['r_' + name[2:]]
                assert (np.isnan(a) and np.isnan(b)) or a == pytest.approx(
                    b, abs=1e-6), name


def test_still_infant_has_zero_speed_and_zero_quantity_of_motion():
    feats = features(still_body(10))
    for joint in ('l_wrist', 'r_wrist', 'l_ankle', 'r_ankle', 'l_elbow',
                  'r_knee'):
        for suffix in ('speed_median', 'speed_iqr', 'qom', 'moving_frac',
                       'vel_iqr', 'acc_iqr', 'pos_entropy'):
            assert feats[f'{joint}_{suffix}'] == pytest.approx(0, abs=1e-9)
        assert np.isnan(feats.get(f'{joint}_dominant_freq_hz', np.nan))
    for angle in ('l_elbow', 'r_knee', 'l_hip', 'r_shoulder'):
        assert feats[f'{angle}_angle_speed_median'] == pytest.approx(
            0, abs=1e-6)
        assert feats[f'{angle}_angle_var'] == pytest.approx(0, abs=1e-9)
    # no movement, no correlation to speak of
    assert np.isnan(feats['lr_wrist_dist_corr'])
    # the rest pose's wrist distance from the pelvis, in TL
    wrist = np.array(REST_POSE_MM['left_wrist'])
    assert feats['l_wrist_dist_median'] == pytest.approx(
        np.linalg.norm(wrist) / TRUNK_MM, rel=1e-9)


def _random_rotation(seed):
    q = np.random.default_rng(seed).normal(size=4)
    w, x, y, z = q / np.linalg.norm(q)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w),
                      2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z),
                      2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w),
                      1 - 2 * (x * x + y * y)]])


def _assert_same(a: dict, b: dict, atol: float):
    for name in feature_names():
        x, y = a[name], b[name]
        assert np.isnan(x) == np.isnan(y), name
        if not np.isnan(x):
            assert x == pytest.approx(y, abs=atol, rel=atol), name


@pytest.mark.parametrize('align', ['global', 'per_frame'])
def test_size_image_shift_and_camera_rotation_do_not_change_features(align):
    """Tolerance 1e-6 (abs and rel): the transforms are exact, only floating
    point rounding differs."""
    base = analyse(synthetic_infant(20, seed=3), dict(align=align)).features
    bigger = analyse(synthetic_infant(20, seed=3, scale=2.0),
                     dict(align=align)).features
    _assert_same(base, bigger, 1e-6)
    shifted = synthetic_infant(20, seed=3, rotation=_random_rotation(1))
    shifted.keypoints_2d += np.array([150.0, -80.0])
    shifted.keypoints_3d += np.array([40.0, -25.0, 300.0])
    moved = analyse(shifted, dict(align=align)).features
    _assert_same(base, moved, 1e-6)


def test_without_alignment_a_rotated_camera_changes_the_orientation_bins():
    base = analyse(synthetic_infant(10, seed=3), dict(align='none'))
    turned = analyse(synthetic_infant(10, seed=3,
                                      rotation=_random_rotation(2)),
                     dict(align='none'))
    hojo = [n for n in feature_names() if '_hojo_' in n]
    assert max(abs(base.features[n] - turned.features[n])
               for n in hojo) > 0.05
    # distances, speeds and angles need no alignment
    for name in ('l_wrist_speed_median', 'l_knee_angle_mean'):
        assert base.features[name] == pytest.approx(turned.features[name],
                                                    rel=1e-9)


def _sinusoid_infant(seconds, fps=FPS):
    body = still_body(seconds, fps)
    t = times(body, fps)
    move(body, 'left_wrist', 30 * np.sin(2 * np.pi * 0.9 * t)[:, None]
         * np.array([0.6, 0.8, 0.0]))
    move(body, 'right_ankle', 25 * np.sin(2 * np.pi * 1.6 * t + 1)[:, None]
         * np.array([0.0, 0.6, 0.8]))
    return body


def test_gap_values_are_never_used_zeros_or_nan():
    body = _sinusoid_infant(20)
    status = ['detected'] * len(body)
    gaps = [50, 51, 52, 200, 333, 334, 480]
    for i, t in enumerate(gaps):
        status[t] = (STATUS_UNREADABLE, STATUS_NO_DETECTION,
                     STATUS_FULL_FRAME)[i % 3]
    zeros = series_from_body(body, FPS, status=status)
    zeros.keypoints_3d[gaps] = 0.0
    nans = series_from_body(body, FPS, status=status)
    nans.keypoints_3d[gaps] = np.nan
    a, b = analyse(zeros), analyse(nans)
    np.testing.assert_equal(list(a.features.values()),
                            list(b.features.values()))
    assert a.prepared.num_gap_frames == len(gaps)
    assert a.prepared.num_bridged_frames == len(gaps)
    # bridged short gaps leave the features of the complete recording
    full = analyse(series_from_body(body, FPS)).features
    for name in ('l_wrist_speed_median', 'l_wrist_dist_iqr', 'l_wrist_qom',
                 'r_ankle_speed_median', 'l_wrist_dominant_freq_hz',
                 'r_ankle_dominant_freq_hz', 'l_elbow_angle_mean'):
        assert a.features[name] == pytest.approx(full[name], rel=0.005), name


def test_tracked_and_propagated_frames_are_not_gaps():
    body = _sinusoid_infant(5)
    status = ['detected', 'propagated', 'tracked'] * (len(body) // 3)
    prep = prepare(series_from_body(body, FPS, status=status))
    assert prep.num_gap_frames == 0 and len(prep.segments) == 1


def test_long_gap_splits_and_nothing_spans_it():
    """A still infant that changes posture during a 2 s gap: a derivative
    across the gap would see a jump; none must."""
    body = still_body(10)
    move(body, 'left_wrist', np.where(times(body)[:, None] > 5,
                                      [40.0, 0, 0], 0.0))
    status = ['detected'] * len(body)
    for t in range(135, 195):  # 4.5-6.5 s
        status[t] = STATUS_UNREADABLE
    result = analyse(series_from_body(body, FPS, status=status))
    assert result.prepared.summary()['recording_segments'] == 2
    assert result.features['l_wrist_speed_median'] == 0
    assert result.features['l_wrist_qom'] == pytest.approx(0, abs=1e-12)
    # both postures are seen: the distance from the pelvis varies
    assert result.features['l_wrist_dist_iqr'] > 0.05


@pytest.mark.parametrize('missing, segments', [(12, 1), (18, 2)])
def test_gap_limit_bridges_or_splits(missing, segments):
    body = _sinusoid_infant(10)
    status = ['detected'] * len(body)
    for t in range(100, 100 + missing):  # 0.4 s or 0.6 s
        status[t] = STATUS_UNREADABLE
    prep = prepare(series_from_body(body, FPS, status=status), max_gap_s=0.5)
    assert len(prep.segments) == segments
    # a split series still gives the frequency of its motion
    feats = analyse(series_from_body(body, FPS, status=status)).features
    assert feats['l_wrist_dominant_freq_hz'] == pytest.approx(0.9, abs=0.08)


def test_frames_missing_from_the_series_are_gaps_too():
    """Rows absent altogether (a dropped stretch of video) are found from
    the frame times, like flagged frames."""
    body = _sinusoid_infant(10)
    series = series_from_body(body, FPS)
    keep = np.r_[0:100, 130:len(body)]  # 1 s missing
    for name in ('frame_index', 'time_s', 'bboxes', 'bbox_scores',
                 'keypoints_2d', 'keypoint_scores', 'keypoints_3d',
                 'image_sizes'):
        setattr(series, name, getattr(series, name)[keep])
    for name in ('frame_names', 'status', 'flags'):
        setattr(series, name, [getattr(series, name)[i] for i in keep])
    prep = prepare(series)
    assert len(prep.segments) == 2
    assert prep.segment_start_s == pytest.approx([0.0, 130 / FPS])
    # the second segment keeps its own clock: samples on its frames' times
    second = series.keypoints_3d[100:]
    np.testing.assert_allclose(
        np.linalg.norm(prep.segments[1][:, NAMES.index('left_wrist')]
                       - prep.segments[1][:, NAMES.index('pelvis')], axis=-1),
        np.linalg.norm(second[:, NAMES.index('left_wrist')]
                       - second[:, NAMES.index('pelvis')], axis=-1)
        / TRUNK_MM, rtol=1e-9)


def test_other_frame_rates_are_resampled_to_the_same_features():
    at30 = features(_sinusoid_infant(20, 30), 30)
    at60 = features(_sinusoid_infant(20, 60), 60)
    at25 = features(_sinusoid_infant(20, 25), 25)
    for other in (at60, at25):
        for name in ('l_wrist_speed_median', 'l_wrist_qom',
                     'l_wrist_dominant_freq_hz', 'r_ankle_speed_median'):
            assert other[name] == pytest.approx(at30[name], rel=0.01), name


def test_smoothing_with_the_project_filters_reduces_jerk():
    noisy = synthetic_infant(20, seed=5, noise_mm=3.0)
    raw = analyse(noisy).features
    smooth = analyse(noisy, dict(smoothing=dict(
        type='SavitzkyGolayFilter', window_length=9, polyorder=2))).features
    assert smooth['l_wrist_jerk_median'] < 0.5 * raw['l_wrist_jerk_median']
    with pytest.raises(KeyError, match='unknown smoothing filter'):
        analyse(noisy, dict(smoothing=dict(type='NoSuchFilter')))


def test_joints_are_found_by_name_not_by_mpii_index():
    """A COCO-17-style definition (no pelvis, no thorax) works: the centre is
    the mid-hip point, the trunk top the mid-shoulder point; motions give
    the same speeds and angles as with MPII 16."""
    coco = ['nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
            'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
            'left_wrist', 'right_wrist', 'left_hip', 'right_hip',
            'left_knee', 'right_knee', 'left_ankle', 'right_ankle']
    f = 1.2
    mpii_body, coco_body = still_body(15), still_body(15, names=coco)
    t = times(mpii_body)
    for body, names in ((mpii_body, NAMES), (coco_body, coco)):
        move(body, 'left_wrist', 20 * np.sin(2 * np.pi * f * t)[:, None]
             * np.array([0, 0, 1.0]), names)
        arm_with_elbow_angle(body, 'right', 110 + 15 * np.sin(t), names)
    a = analyse(series_from_body(mpii_body, FPS)).features
    b = analyse(series_from_body(coco_body, FPS, joint_names=coco,
                                 definition='coco17')).features
    for name in ('l_wrist_speed_median', 'l_wrist_dominant_freq_hz',
                 'r_elbow_angle_mean', 'r_elbow_angle_speed_median'):
        assert b[name] == pytest.approx(a[name], rel=1e-6), name
    no_wrists = [n for n in coco if 'wrist' not in n]
    with pytest.raises(MissingJointsError, match='left_wrist'):
        analyse(series_from_body(still_body(2, names=no_wrists), FPS,
                                 joint_names=no_wrists, definition='x'))


def test_unusable_series_give_specific_errors():
    body = still_body(2)
    short = series_from_body(body[:10], FPS)
    with pytest.raises(MovementDataError, match='no stretch of at least 1 s'):
        analyse(short)
    lost = series_from_body(body, FPS, status=[STATUS_UNREADABLE] * len(body))
    with pytest.raises(MovementDataError, match='none of the 60 frames'):
        analyse(lost)
    no3d = series_from_body(body, FPS)
    no3d.keypoints_3d = None
    with pytest.raises(MovementDataError, match='no 3D keypoints'):
        analyse(no3d)
    with pytest.raises(MovementDataError, match='align must be'):
        analyse(series_from_body(body, FPS), dict(align='sideways'))
