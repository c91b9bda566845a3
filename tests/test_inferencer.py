"""InfantPoseInferencer end to end with real (untrained) checkpoints.

Models: the quickstart configs (``configs/quickstart/{detector,pose2d,
lifter}.py``), randomly initialised and saved as MMEngine checkpoints.
Inputs: generated MINI-RGBD frames and short videos written with OpenCV.
"""
import csv
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from scipy.signal import savgol_filter
from video_helpers import corrupt_jpeg_frame, write_mjpg_video

from infant_mmpose.apis import FrameSourceError, InfantPoseInferencer
from infant_mmpose.apis.infer_cli import main as infer_main
from infant_mmpose.apis.pose_series import (STATUS_DETECTED, STATUS_FULL_FRAME,
                                            STATUS_PROPAGATED, STATUS_UNREADABLE)
from infant_mmpose.structures.keypoint_definitions import get_definition
from infant_mmpose.utils import config_path

CFG = {k: config_path(f'quickstart/{k}.py') for k in ('detector', 'pose2d', 'lifter')}
MPII = get_definition('mpii16')
K = MPII['num_keypoints']
PELVIS = 6


@pytest.fixture(scope='module')
def inferencer(qs_ckpt):
    return InfantPoseInferencer(
        CFG['lifter'], qs_ckpt['lifter'], CFG['pose2d'], qs_ckpt['pose2d'],
        CFG['detector'], qs_ckpt['detector'], device='cpu',
        show_progress=False)


@pytest.fixture(scope='module')
def frames_dir(minirgbd_root):
    """The 3 generated RGB frames of test sequence 11 (640x480)."""
    return osp.join(minirgbd_root, '11', 'rgb')


def test_registered_and_buildable_from_config(qs_ckpt):
    from mmpose.registry import INFERENCERS
    assert INFERENCERS.get('InfantPoseInferencer') is InfantPoseInferencer
    assert INFERENCERS.get('infant-pose-3d') is InfantPoseInferencer


def test_minirgbd_folder_outputs(inferencer, frames_dir, tmp_path):
    run = inferencer.run(frames_dir, out_dir=str(tmp_path), batch_size=2,
                         bbox_thr=0.0)
    s = run.series
    names = sorted(os.listdir(frames_dir))
    assert s.num_frames == len(names) == 3
    assert s.frame_names == names and s.status == [STATUS_DETECTED] * 3
    assert s.keypoint_definition == 'mpii16'
    assert s.joint_names == [MPII['keypoint_id2name'][i] for i in range(K)]
    # 2D keypoints are pixels of the 640x480 frame, inside the model's crop:
    # the box squared (square input) and padded by 1.25 (GetBBoxCenterScale)
    assert s.keypoints_2d.shape == (3, K, 2)
    centre = (s.bboxes[:, None, :2] + s.bboxes[:, None, 2:]) / 2
    half = 1.25 * np.max(s.bboxes[:, 2:] - s.bboxes[:, :2], axis=1) / 2
    assert np.all(np.abs(s.keypoints_2d - centre) <= half[:, None, None] + 1)
    assert np.all((s.bboxes >= 0) & (s.bboxes <= [640, 480, 640, 480]))
    # 3D is relative to the lifter codec's root joint, the pelvis
    assert np.isfinite(s.keypoints_3d).all()
    np.testing.assert_allclose(s.keypoints_3d[:, PELVIS], 0, atol=1e-6)
    assert np.abs(s.keypoints_3d).max() > 0
    np.testing.assert_array_equal(s.image_sizes, [[640, 480]] * 3)

    files = run.files
    assert set(files) == {'json', 'csv', 'npz', 'vis'}
    doc = json.load(open(files['json']))
    assert doc['meta']['units']['keypoints_3d'].startswith('mm')
    assert doc['meta']['fps'] == 30.0 and doc['meta']['input_kind'] == 'folder'
    assert [f['status'] for f in doc['frames']] == [STATUS_DETECTED] * 3
    np.testing.assert_allclose(doc['frames'][1]['instances'][0]['keypoints_3d'],
                               s.keypoints_3d[1], rtol=1e-6)
    with open(files['csv'], newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3 * K
    assert {(r['frame'], r['joint']) for r in rows} == {
        (str(t), n) for t in range(3) for n in s.joint_names}
    assert float(rows[K + 2]['X']) == pytest.approx(s.keypoints_3d[1, 2, 0], abs=1e-3)
    with np.load(files['npz']) as z:
        np.testing.assert_allclose(z['keypoints_3d'], s.keypoints_3d, rtol=1e-6)
    pngs = sorted(os.listdir(files['vis']))
    assert pngs == [osp.splitext(n)[0] + '.png' for n in names]
    vis = cv2.imread(osp.join(files['vis'], pngs[0]))
    assert vis.shape[1] > 640   # frame + 3D view side by side


def test_batched_run_equals_per_frame_mmpose_flow(inferencer, frames_dir):
    """Batching changes nothing: batch 3 == batch 1 == MMDetection's
    inference_detector + MMPose's inference_topdown + the lifter config's
    own pipeline, one frame at a time."""
    import torch
    from mmdet.apis import inference_detector
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import init_default_scope
    from mmpose.apis import inference_topdown

    batched = inferencer.run(frames_dir, batch_size=3, bbox_thr=0.0).series
    single = inferencer.run(frames_dir, batch_size=1, bbox_thr=0.0).series
    np.testing.assert_allclose(batched.bboxes, single.bboxes, atol=1e-3)
    np.testing.assert_allclose(batched.keypoints_2d, single.keypoints_2d, atol=1e-3)
    np.testing.assert_allclose(batched.keypoints_3d, single.keypoints_3d, atol=1e-2)

    img = cv2.imread(osp.join(frames_dir, sorted(os.listdir(frames_dir))[0]))
    init_default_scope('mmdet')   # inference_detector builds its pipeline here
    det = inference_detector(inferencer.detector.model, img).pred_instances
    best = int(det.scores.argmax())
    np.testing.assert_allclose(batched.bboxes[0], det.bboxes[best].numpy(), atol=1e-2)
    pose = inference_topdown(inferencer.pose2d.model, img,
                             det.bboxes[best:best + 1].numpy())[0].pred_instances
    np.testing.assert_allclose(batched.keypoints_2d[0], pose.keypoints[0], atol=1e-2)
    lifter_pipeline = Compose(inferencer.cfg.test_dataloader.dataset.pipeline)
    sample = dict(inferencer.model.dataset_meta, keypoints=pose.keypoints[:1],
                  keypoints_visible=((pose.keypoints[:1, :, 0] >= 0)
                                     & (pose.keypoints[:1, :, 0] < 640)
                                     & (pose.keypoints[:1, :, 1] >= 0)
                                     & (pose.keypoints[:1, :, 1] < 480)
                                     ).astype(np.float32),
                  lifting_target=np.zeros((1, K, 3), np.float32),
                  lifting_target_visible=np.ones((1, K), np.float32))
    with torch.no_grad():
        out = inferencer.model.test_step(pseudo_collate([lifter_pipeline(sample)]))
    ref = out[0].pred_instances.keypoints.reshape(K, 3)
    np.testing.assert_allclose(batched.keypoints_3d[0], ref - ref[PELVIS], atol=1e-2)


def test_video_with_corrupt_frame_and_detection_interval(inferencer, frames_dir, tmp_path):
    imgs = [cv2.resize(cv2.imread(osp.join(frames_dir, n)), (320, 240))
            for n in sorted(os.listdir(frames_dir))]
    path = write_mjpg_video(tmp_path / 'clip.avi', imgs + imgs, fps=12.0)
    corrupt_jpeg_frame(path, 3)
    out = tmp_path / 'out'
    run = inferencer.run(path, out_dir=str(out), det_interval=2, bbox_thr=0.0,
                         batch_size=4)
    s = run.series
    assert s.fps == 12.0 and s.num_frames == 6
    np.testing.assert_allclose(s.time_s, np.arange(6) / 12.0)
    # readable frames 0 1 2 4 5 -> detector on the 1st, 3rd and 5th of them
    assert s.status == [STATUS_DETECTED, STATUS_PROPAGATED, STATUS_DETECTED,
                        STATUS_UNREADABLE, STATUS_PROPAGATED, STATUS_DETECTED]
    np.testing.assert_array_equal(s.bboxes[1], s.bboxes[0])
    np.testing.assert_array_equal(s.bboxes[4], s.bboxes[2])
    assert np.isnan(s.keypoints_2d[3]).all() and np.isnan(s.keypoints_3d[3]).all()
    assert np.isfinite(np.delete(s.keypoints_3d, 3, axis=0)).all()
    with open(run.files['csv'], newline='') as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6 * K                     # the lost frame keeps its rows
    assert {r['status'] for r in rows if r['frame'] == '3'} == {STATUS_UNREADABLE}
    assert all(r['X'] == '' for r in rows if r['frame'] == '3')
    cap = cv2.VideoCapture(run.files['vis'])
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 6
    cap.release()
    assert sorted(os.listdir(out)) == ['clip.csv', 'clip.json', 'clip.npz',
                                       'clip_vis.mp4']


def test_no_detection_uses_full_frame_then_flags(inferencer, frames_dir):
    s = inferencer.run(frames_dir, bbox_thr=1.01).series   # no box can pass
    assert s.status == [STATUS_FULL_FRAME] * 3
    np.testing.assert_array_equal(s.bboxes, [[0, 0, 640, 480]] * 3)
    assert np.isnan(s.bbox_scores).all()
    assert np.isfinite(s.keypoints_3d).all()


def test_smoothing_is_applied_to_2d_and_3d(inferencer, frames_dir):
    raw = inferencer.run(frames_dir, bbox_thr=0.0).series
    sg = dict(type='SavitzkyGolayFilter', window_length=3, polyorder=1)
    s3 = inferencer.run(frames_dir, bbox_thr=0.0, smooth_3d=sg).series
    np.testing.assert_allclose(s3.keypoints_2d, raw.keypoints_2d)
    np.testing.assert_allclose(
        s3.keypoints_3d, savgol_filter(raw.keypoints_3d, 3, 1, axis=0, mode='interp'),
        atol=1e-4)
    s2 = inferencer.run(frames_dir, bbox_thr=0.0, smooth_2d=sg).series
    np.testing.assert_allclose(
        s2.keypoints_2d, savgol_filter(raw.keypoints_2d, 3, 1, axis=0, mode='interp'),
        atol=1e-4)
    # the lifter saw the smoothed 2D poses
    assert not np.allclose(s2.keypoints_3d, raw.keypoints_3d, atol=1e-3)


def test_bad_images_in_a_folder_still_get_rows(inferencer, frames_dir, tmp_path):
    src = osp.join(frames_dir, sorted(os.listdir(frames_dir))[0])
    img = cv2.imread(src)
    cv2.imwrite(str(tmp_path / 'a_gray.png'), cv2.cvtColor(img, cv2.COLOR_BGR2GRAY))
    (tmp_path / 'b_broken.png').write_bytes(b'\x89PNG\r\n truncated')
    cv2.imwrite(str(tmp_path / 'c_odd.png'), cv2.resize(img, (97, 61)))
    jpeg = cv2.imencode('.jpg', img)[1].tobytes()
    (tmp_path / 'd_cut.jpg').write_bytes(jpeg[:len(jpeg) * 2 // 3])
    run = inferencer.run(str(tmp_path), out_dir=str(tmp_path / 'out'),
                         bbox_thr=0.0, save_vis=False)
    s = run.series
    assert s.frame_names == ['a_gray.png', 'b_broken.png', 'c_odd.png',
                             'd_cut.jpg']
    # a truncated JPEG is processed, and flagged in the series
    assert s.status[3] != STATUS_UNREADABLE and s.flags[3] == ('truncated',)
    assert np.isfinite(s.keypoints_3d[3]).all()
    assert s.status[1] == STATUS_UNREADABLE
    assert s.status[0] != STATUS_UNREADABLE and s.status[2] != STATUS_UNREADABLE
    assert s.flags[0] == ('grayscale',) and s.flags[1] == ('unreadable',)
    np.testing.assert_array_equal(s.image_sizes[:3],
                                  [[640, 480], [0, 0], [97, 61]])
    assert np.isfinite(s.keypoints_3d[[0, 2]]).all()
    assert np.all(s.keypoints_2d[2] >= -1) and np.all(s.keypoints_2d[2] <= [98, 62])
    doc = json.load(open(run.files['json']))
    assert doc['frames'][1]['status'] == STATUS_UNREADABLE
    assert doc['frames'][0]['flags'] == ['grayscale']


def test_folder_without_any_readable_image(inferencer, tmp_path):
    for name in ('a.png', 'b.jpg'):
        (tmp_path / name).write_bytes(b'garbage')
    run = inferencer.run(str(tmp_path), out_dir=str(tmp_path / 'out'))
    assert run.series.status == [STATUS_UNREADABLE] * 2
    assert np.isnan(run.series.keypoints_3d).all()
    assert set(run.files) == {'json', 'csv', 'npz'}   # no empty visualisation
    with open(run.files['csv'], newline='') as f:
        assert len(list(csv.DictReader(f))) == 2 * K


def test_bad_inputs_give_clear_errors(inferencer, qs_ckpt, tmp_path):
    with pytest.raises(FrameSourceError, match='no such file'):
        inferencer.run(str(tmp_path / 'missing.mp4'))
    (tmp_path / 'empty.mp4').write_bytes(b'')
    with pytest.raises(FrameSourceError, match='empty.mp4'):
        inferencer.run(str(tmp_path / 'empty.mp4'))
    with pytest.raises(ValueError, match='unknown argument'):
        next(inferencer(str(tmp_path), det_every=3))
    with pytest.raises(KeyError, match='unknown smoothing filter'):
        inferencer.run(str(tmp_path / 'missing.png'), smooth_3d=dict(type='Kalman'))
    with pytest.raises(ValueError, match='2D model checkpoint .* does not fit'):
        InfantPoseInferencer(CFG['lifter'], qs_ckpt['lifter'],
                             CFG['pose2d'], qs_ckpt['lifter'],
                             CFG['detector'], qs_ckpt['detector'])
    with pytest.raises(FileNotFoundError, match='lifter checkpoint'):
        InfantPoseInferencer(CFG['lifter'], str(tmp_path / 'nope.pth'),
                             CFG['pose2d'], qs_ckpt['pose2d'],
                             CFG['detector'], qs_ckpt['detector'])


def test_call_yields_mmpose_style_records(inferencer, frames_dir):
    results = list(inferencer(frames_dir, bbox_thr=0.0, batch_size=3))
    assert len(results) == 1 and set(results[0]) == {'predictions',
                                                      'visualization'}
    assert [p[0]['frame_id'] for p in results[0]['predictions']] == [0, 1, 2]
    inst = results[0]['predictions'][0][0]
    assert len(inst['keypoints']) == K and len(inst['keypoints_3d']) == K
    assert len(inst['bbox'][0]) == 4 and 0 <= inst['bbox_score'] <= 1


def test_command_line(qs_ckpt, frames_dir, tmp_path, capsys):
    image = osp.join(frames_dir, sorted(os.listdir(frames_dir))[0])
    common = ['--det-config', CFG['detector'], '--det-checkpoint', qs_ckpt['detector'],
              '--pose2d-config', CFG['pose2d'], '--pose2d-checkpoint', qs_ckpt['pose2d'],
              '--lifter-config', CFG['lifter'], '--lifter-checkpoint', qs_ckpt['lifter'],
              '--no-progress', '--bbox-thr', '0']
    assert infer_main([image, '--out-dir', str(tmp_path)] + common) == 0
    stem = osp.splitext(osp.basename(image))[0]
    assert sorted(os.listdir(tmp_path)) == sorted(
        [f'{stem}.json', f'{stem}.csv', f'{stem}.npz', f'{stem}_vis'])
    assert os.listdir(tmp_path / f'{stem}_vis') == [f'{stem}.png']
    capsys.readouterr()
    bad = tmp_path / 'notes.txt'
    bad.write_text('x')
    assert infer_main([str(bad), '--out-dir', str(tmp_path / 'o2')] + common) == 2
    assert 'unknown input type' in capsys.readouterr().err


def test_box_selection_top_box_and_fallbacks():
    """Top-scoring infant box; none -> full frame at the start, then the last
    good box (flagged); an interval carries the detected box over."""
    from infant_mmpose.apis.box_selection import BoxSelector, top_box
    boxes = np.array([[0, 0, 10, 10], [5, 5, 50, 40], [1, 1, 2, 2]], float)
    scores = np.array([0.6, 0.9, 0.95])
    labels = np.array([0, 0, 1])          # the 0.95 box is another class
    box, score = top_box(boxes, scores, labels, cat_id=0, score_thr=0.3)
    np.testing.assert_array_equal(box, [5, 5, 50, 40])
    assert score == pytest.approx(0.9)
    assert top_box(boxes, scores, labels, cat_id=0, score_thr=0.95) is None
    assert top_box(np.zeros((0, 4)), np.zeros(0), np.zeros(0)) is None

    sel = BoxSelector(det_interval=1)
    first = sel.update(None, True, 64, 48)
    np.testing.assert_array_equal(first[0], [0, 0, 64, 48])
    assert first[2] == STATUS_FULL_FRAME
    det = sel.update((np.array([5, 5, 50, 40], np.float32), 0.9), True, 64, 48)
    assert det[2] == STATUS_DETECTED
    lost = sel.update(None, True, 64, 48)
    np.testing.assert_array_equal(lost[0], [5, 5, 50, 40])
    assert lost[1] == pytest.approx(0.9) and lost[2] == 'no_detection_reused_box'
    # a smaller frame: the reused box is clipped to it
    np.testing.assert_array_equal(sel.update(None, True, 30, 20)[0], [5, 5, 30, 20])

    sel = BoxSelector(det_interval=3)
    assert sel.plan(7) == [True, False, False, True, False, False, True]
    sel.update((np.array([1, 2, 3, 4], np.float32), 0.5), True, 64, 48)
    assert sel.plan(3) == [False, False, True]
    carried = sel.update(None, False, 64, 48)
    assert carried[2] == STATUS_PROPAGATED
    np.testing.assert_array_equal(carried[0], [1, 2, 3, 4])
    with pytest.raises(ValueError, match='det_interval'):
        BoxSelector(0)


def test_progress_counts_frames_and_fps():
    from infant_mmpose.apis.progress import FrameProgress
    progress = FrameProgress(total=None, enabled=True)   # camera: no total
    progress.update(3)
    progress.update(2)
    assert progress._done == 5 and progress.fps > 0
    progress.close()
    silent = FrameProgress(total=10, enabled=False)
    silent.update(4)
    assert silent.fps > 0
    silent.close()
