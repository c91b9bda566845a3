"""MMPose's own inference routes with this plugin's configs and checkpoints.

The README's "Use from MMPose" snippets are run as written (extracted from
the README) on generated frames with untrained checkpoints of the quickstart
configs, and each route is checked against ``InfantPoseInferencer`` on the
same frames: the same box, 2D keypoints within 1e-4 px, 3D within 1e-3 mm.
The frames are generated MINI-RGBD frames on a black border, so that every
predicted 2D joint lies inside the image (see the README on visibility).
"""
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest

from infant_mmpose.apis import InfantPoseInferencer
from infant_mmpose.testing.untrained_checkpoint import save_untrained_checkpoint
from infant_mmpose.structures.keypoint_definitions import get_definition
from infant_mmpose.utils import PROJECT_ROOT, get_config

PELVIS = 6
BORDER = (240, 320)  # rows, columns added on each side


def readme_snippets():
    """The Python blocks of the README's "Use from MMPose" section."""
    with open(osp.join(PROJECT_ROOT, 'README.md')) as f:
        text = f.read()
    section = text.split('### Use from MMPose\n', 1)[1].split('\n### ', 1)[0]
    return re.findall(r'```python\n(.*?)```', section, re.S)


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    out = tmp_path_factory.mktemp('routes')
    mpii = get_definition('mpii16')
    return dict(
        det_weights=save_untrained_checkpoint(
            get_config('quickstart/detector'), str(out / 'det.pth')),
        pose2d_weights=save_untrained_checkpoint(
            get_config('quickstart/pose2d'), str(out / 'pose2d.pth'),
            dataset_meta=mpii),
        lifter_weights=save_untrained_checkpoint(
            get_config('quickstart/lifter'), str(out / 'lifter.pth'),
            dataset_meta=mpii))


@pytest.fixture(scope='module')
def frames(minirgbd_root, tmp_path_factory):
    folder = tmp_path_factory.mktemp('bordered')
    source = osp.join(minirgbd_root, '11', 'rgb')
    for name in sorted(os.listdir(source))[:2]:
        img = cv2.imread(osp.join(source, name))
        cv2.imwrite(str(folder / name), cv2.copyMakeBorder(
            img, BORDER[0], BORDER[0], BORDER[1], BORDER[1],
            cv2.BORDER_CONSTANT, value=(0, 0, 0)))
    return str(folder)


@pytest.fixture(scope='module')
def reference(checkpoints, frames):
    """InfantPoseInferencer's series on the frames."""
    inferencer = InfantPoseInferencer(
        get_config('quickstart/lifter'), checkpoints['lifter_weights'],
        get_config('quickstart/pose2d'), checkpoints['pose2d_weights'],
        get_config('quickstart/detector'), checkpoints['det_weights'],
        device='cpu', show_progress=False)
    series = inferencer.run(frames, bbox_thr=0.3).series
    assert series.status == ['detected'] * len(series.status)
    h, w = cv2.imread(osp.join(frames, series.frame_names[0])).shape[:2]
    kp = series.keypoints_2d
    # precondition of the 3D comparisons: no joint outside the image
    assert ((kp >= 0) & (kp < [w, h])).all()
    return series


def test_readme_has_a_snippet_per_route():
    snippets = readme_snippets()
    assert len(snippets) == 4
    for snippet, api in zip(snippets, (
            'inference_topdown(', 'inference_pose_lifter_model(',
            'MMPoseInferencer(', 'InfantMMPoseInferencer(')):
        assert api in snippet


def test_every_mmpose_route_matches_infant_pose_inferencer(
        checkpoints, frames, reference):
    snippets = readme_snippets()
    for t, name in enumerate(reference.frame_names):
        ns = dict(checkpoints, image=osp.join(frames, name))
        box, kp2d, kp3d = (reference.bboxes[t], reference.keypoints_2d[t],
                           reference.keypoints_3d[t])
        # 1. init_model + inference_topdown on the detector's top box
        exec(snippets[0], ns)
        np.testing.assert_allclose(
            ns['found'].bboxes[ns['best']].cpu().numpy(), box, atol=1e-4)
        np.testing.assert_allclose(ns['keypoints_2d'], kp2d, atol=1e-4)
        # 2. inference_pose_lifter_model on inference_topdown's results
        exec(snippets[1], ns)
        lifted = ns['keypoints_3d']
        np.testing.assert_array_equal(lifted[PELVIS], 0)
        np.testing.assert_allclose(lifted, kp3d, atol=1e-3)
        # 3. MMPoseInferencer with the detector: one entry per box, the
        # top-scoring one is InfantPoseInferencer's
        exec(snippets[2], ns)
        infant = ns['infant']
        np.testing.assert_allclose(infant['bbox'][0], box, atol=1e-4)
        np.testing.assert_allclose(infant['keypoints'], kp2d, atol=1e-4)
        num_boxes = len(ns['result']['predictions'][0])
        # 4. 3D through the MMPoseInferencer interface: one pose per box,
        # the top box's equals InfantPoseInferencer's
        exec(snippets[3], ns)
        poses = [np.asarray(p) - np.asarray(p)[PELVIS]
                 for p in ns['poses_3d']]
        assert len(poses) == num_boxes
        errors = [np.abs(p - kp3d).max() for p in poses]
        assert min(errors) < 1e-3, errors


def test_mmpose_inferencer_without_detector_uses_the_whole_image(
        checkpoints, frames):
    """What the README warns about: no det_model -> whole-image box."""
    from mmpose.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(
        pose2d=get_config('quickstart/pose2d'),
        pose2d_weights=checkpoints['pose2d_weights'], device='cpu')
    name = sorted(os.listdir(frames))[0]
    h, w = cv2.imread(osp.join(frames, name)).shape[:2]
    result = next(inferencer(osp.join(frames, name)))
    (instance, ) = result['predictions'][0]
    np.testing.assert_allclose(instance['bbox'][0], [0, 0, w, h], atol=1)


def test_mmpose_pose3d_inferencer_refuses_this_plugins_lifter(
        checkpoints, frames):
    """MMPose 1.3.2's own 3D route lifts Human3.6M lifters only (README):
    it fails at the first frame, as the README says."""
    from mmpose.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(
        pose3d=get_config('quickstart/lifter'),
        pose3d_weights=checkpoints['lifter_weights'],
        pose2d=get_config('quickstart/pose2d'),
        pose2d_weights=checkpoints['pose2d_weights'],
        det_model=get_config('quickstart/detector'),
        det_weights=checkpoints['det_weights'], det_cat_ids=[0],
        device='cpu')
    name = sorted(os.listdir(frames))[0]
    with pytest.raises(AssertionError, match='should be `h36m`, but got mpii'):
        next(inferencer(osp.join(frames, name), disable_norm_pose_2d=True))
