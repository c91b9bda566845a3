"""Keypoint-guided box tracking (infant_mmpose.apis.box_tracking).

Unit behaviour of the tracker, and its accuracy on generated infant motion
against detection on every frame, with a 2D "model" whose error depends on
the crop as a heatmap model's does (the real models are compared by
benchmarks/bench_inference.py, which needs trained checkpoints).
"""
import numpy as np
import pytest

from infant_mmpose.apis.box_selection import BoxSelector
from infant_mmpose.apis.box_tracking import (DEFAULT_PADDING, KeypointBoxTracker,
                                             box_iou)
from infant_mmpose.structures.keypoint_definitions import mapping_table
from infant_mmpose.synthetic.minirgbd import (pose_at, project,
                                                       sample_style)
from infant_mmpose.evaluation.functional import (joint_errors, mean_error,
                                                 mean_over_joints, pck_per_joint)

W, H = 640, 480


def _pose(dx=0.0, dy=0.0):
    """A 5-joint star around (300, 200), 100 px wide and 80 px tall."""
    kp = np.array([[250, 160], [350, 160], [300, 200], [250, 240],
                   [350, 240]], dtype=np.float64)
    return kp + [dx, dy], np.full(5, 0.9)


def test_box_iou_against_hand_computed_values():
    a = np.array([0, 0, 10, 10.])
    assert box_iou(a, a) == pytest.approx(1.0)
    assert box_iou(a, np.array([5, 0, 15, 10.])) == pytest.approx(50 / 150)
    assert box_iou(a, np.array([20, 20, 30, 30.])) == 0.0
    assert box_iou(a, np.array([3, 3, 3, 3.])) == 0.0


def test_calibrated_box_reproduces_the_detection_and_follows_motion():
    tracker = KeypointBoxTracker(redetect_interval=100)
    assert tracker.needs_detection()
    det = np.array([230, 130, 380, 280], dtype=np.float32)
    kp, sc = _pose()
    tracker.observe_detection(det, kp, sc, W, H)
    # same keypoints -> exactly the detector's box (offsets calibrated on it)
    np.testing.assert_allclose(tracker.box, det, atol=1e-4)
    assert not tracker.needs_detection()
    # the joints move by (12, -7) px: the box moves with them, same size
    kp2, sc2 = _pose(12, -7)
    assert tracker.observe_tracked(kp2, sc2, W, H)
    np.testing.assert_allclose(tracker.box, det + [12, -7, 12, -7], atol=1e-4)
    # the joints spread by 1.2x about their box centre: the box scales
    # with the joint box's longer side (100 px -> 120 px)
    centre = np.array([300, 200.])
    kp3 = centre + (kp2 - kp2.mean(0)) * 1.2
    assert tracker.observe_tracked(kp3, sc2, W, H)
    jb = np.concatenate([kp3.min(0), kp3.max(0)])
    offsets = (det - np.array([250, 160, 350, 240])) / 100.0
    np.testing.assert_allclose(tracker.box, jb + offsets * 120, atol=1e-3)
    assert tracker.summary() == (1, 2, 0)


def test_track_is_lost_on_low_confidence_jump_few_joints_and_interval():
    det = np.array([230, 130, 380, 280], dtype=np.float32)

    def started(**kw):
        t = KeypointBoxTracker(**kw)
        t.observe_detection(det, *_pose(), W, H)
        return t

    t = started(min_score=0.5)
    kp, _ = _pose(3, 3)
    assert not t.observe_tracked(kp, np.full(5, 0.4), W, H)   # mean 0.4 < 0.5
    assert t.needs_detection() and t.box is None

    t = started(min_iou=0.5)
    assert not t.observe_tracked(*_pose(120, 0), W, H)        # jumped away
    assert t.needs_detection()

    t = started(min_joints=4, kpt_thr=0.3)
    kp, sc = _pose(2, 2)
    sc[:2] = 0.1                                              # 3 confident
    assert not t.observe_tracked(kp, sc, W, H)

    t = started(redetect_interval=3)
    assert t.observe_tracked(*_pose(1, 0), W, H)
    assert not t.needs_detection()
    assert t.observe_tracked(*_pose(2, 0), W, H)
    assert t.needs_detection()        # 3 frames since the detection
    assert t.summary() == (1, 2, 0)


def test_failed_detection_keeps_the_track_lost_and_default_padding():
    t = KeypointBoxTracker()
    t.observe_detection(None, *_pose(), W, H)
    assert t.needs_detection() and t.box is None
    # uncalibrated: the joint box padded by DEFAULT_PADDING of its longer side
    box = t.box_from_keypoints(*_pose(), W, H)
    pad = DEFAULT_PADDING * 100
    np.testing.assert_allclose(box, [250 - pad, 160 - pad, 350 + pad,
                                     240 + pad], atol=1e-4)
    # a box is clipped to the image; none when it leaves it
    kp, sc = _pose(-400, 0)
    assert t.box_from_keypoints(kp, sc, W, H) is None


@pytest.mark.parametrize('kwargs, match', [
    (dict(redetect_interval=0), 'redetect_interval'),
    (dict(min_joints=1), 'min_joints'),
    (dict(min_iou=1.5), 'min_iou'),
    (dict(kpt_thr=-0.1), 'kpt_thr'),
])
def test_bad_settings_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        KeypointBoxTracker(**kwargs)


# ------------------------------------------------ accuracy on generated motion
def _sequence(seed, frames, stride):
    """2D joints (T, J, 2) px of a generated infant (the MPII-16 joints
    MINI-RGBD has), every ``stride``-th frame at 25 fps (stride 3: 8 fps,
    brisk motion)."""
    style = sample_style(np.random.default_rng(seed))
    src = [s for s in mapping_table('minirgbd25', 'mpii16') if s is not None]
    kp = []
    for f in range(0, frames * stride, stride):
        uv = project(pose_at(style, f).joints)
        kp.append(uv[src])
    return np.stack(kp)


class _CropModel:
    """A 2D "model" whose output depends on its crop as a heatmap model's:
    the box is squared and padded by 1.25 (GetBBoxCenterScale), joints
    inside the crop are found to a quarter of a heatmap cell (64 cells) plus
    noise, joints outside it are clamped to its border with a low score."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def __call__(self, gt, box):
        centre = (box[:2] + box[2:]) / 2
        side = 1.25 * max(box[2] - box[0], box[3] - box[1])
        lo, hi = centre - side / 2, centre + side / 2
        cell = side / 64
        inside = np.all((gt >= lo) & (gt <= hi), axis=1)
        kp = np.clip(gt, lo, hi) + self.rng.normal(0, cell / 4, gt.shape)
        scores = np.where(inside, 0.85, 0.05) + self.rng.uniform(0, 0.1, len(gt))
        return kp, scores


def _detector_box(gt, rng):
    """The infant's silhouette box: joints plus body width, a few px noise."""
    margin = 0.12 * np.ptp(gt, axis=0).max()
    box = np.concatenate([gt.min(0) - margin, gt.max(0) + margin])
    return (box + rng.normal(0, 2.0, 4)).astype(np.float32)


def _run(gts, tracked, seed):
    model, rng = _CropModel(seed), np.random.default_rng(seed + 1)
    tracker = KeypointBoxTracker(redetect_interval=30)
    selector = BoxSelector()
    out = []
    for gt in gts:
        if not tracked or tracker.needs_detection():
            box = selector.update((_detector_box(gt, rng), 0.99), True, W, H)[0]
            kp, sc = model(gt, box)
            tracker.observe_detection(box, kp, sc, W, H)
        else:
            kp, sc = model(gt, tracker.box)
            if not tracker.observe_tracked(kp, sc, W, H):
                box = selector.update((_detector_box(gt, rng), 0.99), True, W, H)[0]
                kp, sc = model(gt, box)
                tracker.observe_detection(box, kp, sc, W, H)
        out.append(kp)
    return np.stack(out), tracker


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_tracking_matches_per_frame_detection_on_generated_motion(seed):
    gts = _sequence(seed, frames=90, stride=3)
    moved = np.linalg.norm(gts[-1] - gts[0], axis=1).max()
    assert moved > 20     # the sequence really moves
    per_frame, _ = _run(gts, tracked=False, seed=seed)
    tracked, tracker = _run(gts, tracked=True, seed=seed)
    detections, num_tracked, _ = tracker.summary()
    assert detections <= len(gts) // 3 and num_tracked >= len(gts) * 2 // 3

    visible = np.ones(gts.shape[:2], dtype=bool)
    # PCKh threshold: a head-sized 1/8 of the body's extent per frame
    head = np.ptp(gts, axis=1).max(axis=1) / 8
    results = {}
    for name, pred in (('per_frame', per_frame), ('tracked', tracked)):
        err = joint_errors(pred, gts)
        results[name] = (mean_over_joints(pck_per_joint(err, visible, head)),
                         mean_error(err, visible))
    (pck_d, ajpe_d), (pck_t, ajpe_t) = results['per_frame'], results['tracked']
    assert pck_d > 90            # the crop model is good in detector boxes
    assert abs(pck_t - pck_d) <= 1.0, results
    assert abs(ajpe_t - ajpe_d) <= 1.0, results
