"""InfantPoseInferencer as a stream: MMPose's calling protocol, results per
batch, resumable runs, keypoint-guided tracking and chunked detection.

Models: the quickstart configs, untrained (seeded). Input: a short MJPG
video of generated MINI-RGBD frames.
"""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from video_helpers import write_mjpg_video

from infant_mmpose.apis import InfantPoseInferencer
from infant_mmpose.apis.box_tracking import KeypointBoxTracker
from infant_mmpose.apis.frame_source import VideoSource
from infant_mmpose.apis.pose_series import STATUS_DETECTED, STATUS_TRACKED
from infant_mmpose.structures.keypoint_definitions import get_definition
from infant_mmpose.utils import config_path

CFG = {k: config_path(f'quickstart/{k}.py') for k in ('detector', 'pose2d', 'lifter')}
MPII = get_definition('mpii16')
K = MPII['num_keypoints']
NUM_FRAMES = 7


@pytest.fixture(scope='module')
def inferencer(qs_ckpt):
    ckpt = qs_ckpt
    return InfantPoseInferencer(
        CFG['lifter'], ckpt['lifter'], CFG['pose2d'], ckpt['pose2d'],
        CFG['detector'], ckpt['detector'], device='cpu', show_progress=False)


@pytest.fixture(scope='module')
def video(minirgbd_root, tmp_path_factory):
    """7 frames: the 3 of sequence 11, then those of 12, then 11 again."""
    frames = []
    for seq in ('11', '12', '11'):
        rgb = osp.join(minirgbd_root, seq, 'rgb')
        frames += [cv2.imread(osp.join(rgb, f)) for f in sorted(os.listdir(rgb))]
    path = str(tmp_path_factory.mktemp('video') / 'clip.avi')
    write_mjpg_video(path, frames[:NUM_FRAMES])
    return path


class CountingSource(VideoSource):
    """A video source that counts the frames handed out and can raise
    KeyboardInterrupt at a frame (a user pressing Ctrl-C)."""

    def __init__(self, path, interrupt_at=None):
        super().__init__(path)
        self.read, self.interrupt_at = [], interrupt_at

    def frames(self, start=0):
        for frame in super().frames(start):
            if frame.index == self.interrupt_at:
                raise KeyboardInterrupt
            self.read.append(frame.index)
            yield frame


def test_results_stream_batch_by_batch_with_mmpose_keys(inferencer, video):
    whole = inferencer.run(video, bbox_thr=0.0).series
    source = CountingSource(video)
    stream = inferencer(source, batch_size=3, bbox_thr=0.0)
    first = next(stream)
    # the first batch is out before the rest of the video was read
    assert source.read == [0, 1, 2]
    results = [first] + list(stream)
    assert [len(r['predictions']) for r in results] == [3, 3, 1]
    assert all(set(r) == {'predictions', 'visualization'} and
               r['visualization'] == [] for r in results)
    frames = [p for r in results for p in r['predictions']]
    assert [p[0]['frame_id'] for p in frames] == list(range(NUM_FRAMES))
    for t, (inst, ) in enumerate(frames):
        assert set(inst) >= {'bbox', 'bbox_score', 'keypoints',
                             'keypoint_scores', 'keypoints_3d'}
        np.testing.assert_allclose(inst['keypoints'], whole.keypoints_2d[t],
                                   atol=1e-6)
        # mm; other batch sizes through the lifter: float rounding only
        np.testing.assert_allclose(inst['keypoints_3d'], whole.keypoints_3d[t],
                                   atol=1e-3)
        np.testing.assert_allclose(inst['bbox'][0], whole.bboxes[t], atol=1e-6)


def test_mmpose_output_arguments(inferencer, video, minirgbd_root, tmp_path):
    results = list(inferencer(video, batch_size=4, bbox_thr=0.0,
                              return_vis=True, out_dir=str(tmp_path)))
    drawn = [v for r in results for v in r['visualization']]
    assert len(drawn) == NUM_FRAMES and drawn[0].ndim == 3
    # video: one prediction file [{frame_id, instances}], one video
    with open(tmp_path / 'predictions' / 'clip.json') as f:
        doc = json.load(f)
    assert [d['frame_id'] for d in doc] == list(range(NUM_FRAMES))
    assert len(doc[4]['instances'][0]['keypoints']) == K
    cap = cv2.VideoCapture(str(tmp_path / 'visualizations' / 'clip.mp4'))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == NUM_FRAMES
    cap.release()
    # a folder of images: one prediction file per image, MMPose's layout
    rgb = osp.join(minirgbd_root, '12', 'rgb')
    list(inferencer(rgb, bbox_thr=0.0, pred_out_dir=str(tmp_path / 'img')))
    names = sorted(os.listdir(rgb))
    assert sorted(os.listdir(tmp_path / 'img')) == sorted(
        osp.splitext(n)[0] + '.json' for n in names)
    with open(tmp_path / 'img' / (osp.splitext(names[0])[0] + '.json')) as f:
        instances = json.load(f)
    assert isinstance(instances, list) and len(instances[0]['keypoints']) == K


def test_interrupted_run_keeps_its_frames_and_resumes(inferencer, video,
                                                      tmp_path):
    whole = inferencer.run(video, bbox_thr=0.0).series
    out = str(tmp_path / 'out')
    with pytest.raises(KeyboardInterrupt):
        inferencer.run(CountingSource(video, interrupt_at=5), out_dir=out,
                       batch_size=2, bbox_thr=0.0, save_vis=False)
    partial = osp.join(out, 'clip.partial.jsonl')
    with open(partial) as f:
        lines = f.read().splitlines()
    assert len(lines) == 1 + 4          # header + the two finished batches
    assert not osp.exists(osp.join(out, 'clip.csv'))
    # other settings: refused, the partial file is kept
    with pytest.raises(ValueError, match='other settings'):
        inferencer.run(video, out_dir=out, batch_size=2, bbox_thr=0.5,
                       resume=True)
    source = CountingSource(video)
    run = inferencer.run(source, out_dir=out, batch_size=2, bbox_thr=0.0,
                         save_vis=False, resume=True)
    assert source.read == [4, 5, 6]     # only the frames not done before
    s = run.series
    assert list(s.frame_index) == list(range(NUM_FRAMES))
    np.testing.assert_allclose(s.keypoints_2d, whole.keypoints_2d, atol=1e-6)
    np.testing.assert_allclose(s.keypoints_3d, whole.keypoints_3d, atol=1e-3)
    assert s.status == whole.status
    assert not osp.exists(partial) and osp.exists(osp.join(out, 'clip.csv'))


def test_tracking_statuses_and_boxes_follow_the_keypoints(inferencer, video):
    settings = dict(redetect_interval=3, kpt_thr=0.0, min_score=0.0,
                    min_iou=0.0)
    s = inferencer.run(video, bbox_thr=0.0, tracking=settings).series
    assert s.status == [STATUS_DETECTED, STATUS_TRACKED, STATUS_TRACKED] * 2 + [
        STATUS_DETECTED]
    # replay the run's own keypoints through a fresh tracker: every tracked
    # frame's box is the one the previous frame's keypoints give
    tracker = KeypointBoxTracker(**settings)
    for t in range(s.num_frames):
        w, h = s.image_sizes[t]
        if s.status[t] == STATUS_TRACKED:
            np.testing.assert_allclose(s.bboxes[t], tracker.box, atol=1e-3)
            assert tracker.observe_tracked(s.keypoints_2d[t],
                                           s.keypoint_scores[t], w, h)
        else:
            tracker.observe_detection(s.bboxes[t], s.keypoints_2d[t],
                                      s.keypoint_scores[t], w, h)
    # detected frames are identical to detection on every frame
    every = inferencer.run(video, bbox_thr=0.0).series
    for t in (0, 3, 6):
        np.testing.assert_allclose(s.bboxes[t], every.bboxes[t], atol=1e-4)
        np.testing.assert_allclose(s.keypoints_2d[t], every.keypoints_2d[t],
                                   atol=1e-4)
    with pytest.raises(ValueError, match='redetect_interval'):
        inferencer.run(video, tracking=True, det_interval=5)


def test_detector_chunks_give_the_same_boxes(inferencer, video):
    one = inferencer.run(video, bbox_thr=0.0, batch_size=4,
                         det_batch_size=1).series
    four = inferencer.run(video, bbox_thr=0.0, batch_size=4,
                          det_batch_size=4).series
    np.testing.assert_allclose(one.bboxes, four.bboxes, atol=1e-3)
    np.testing.assert_allclose(one.keypoints_3d, four.keypoints_3d, atol=1e-2)
    with pytest.raises(ValueError, match='det_batch_size'):
        inferencer.run(video, det_batch_size=0)
