"""The thesis's released models through the converter and configs/thesis_release.

No real SavedModels.zip exists here, so the thesis's three architectures are
built as its code defines them (``tests/thesis_models.py``), given random
weights, saved in its checkpoint layout, converted with
``tools/model_converters/thesis_to_mmpose.py`` and run through MMPose /
MMDetection with the release configs. Each output is compared with the
thesis's own inference steps on the same input:

* 2D: heatmaps within 1e-4, identical argmax cells, keypoints within 1e-3 px;
* lifter: 3D within 1e-3 mm;
* detector: top box within 1 px, its score within 1e-3, on generated 640x480
  frames (``test_thesis_release_detector.py``).
"""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from video_helpers import write_mjpg_video

from infant_mmpose.apis.infer_cli import main as infer_main
from infant_mmpose.models.converters.thesis_checkpoints import (
    ThesisCheckpointError, convert_detector, convert_lifter, convert_pose2d,
    load_thesis_checkpoint)
from infant_mmpose.models.converters.thesis_reference import (
    build_thesis_detector, build_thesis_lifter, build_thesis_pose2d,
    load_thesis_reference, old_torchvision_keys, save_thesis_checkpoint,
    thesis_crop_box, thesis_detect, thesis_pose2d_inference)
from infant_mmpose.models.converters.thesis_release import \
    convert_saved_models
from infant_mmpose.utils import PROJECT_ROOT, config_path


def generated_frames(root: str, count: int):
    """``count`` RGB 640x480 frames of the generated MINI-RGBD root."""
    import glob

    import cv2
    files = sorted(glob.glob(osp.join(root, '*', 'rgb', '*.png')))
    step = max(1, len(files) // count)
    frames = [cv2.imread(f)[..., ::-1].copy() for f in files[::step][:count]]
    assert len(frames) == count
    assert all(f.shape == (480, 640, 3) for f in frames)
    return frames


CONVERTER = osp.join(PROJECT_ROOT, 'tools', 'model_converters',
                     'thesis_to_mmpose.py')


def run_converter(args):
    """``python tools/model_converters/thesis_to_mmpose.py ARGS`` in this
    process (its ``main``): (exit status, stdout, stderr)."""
    import contextlib
    import importlib.util
    import io
    spec = importlib.util.spec_from_file_location('thesis_to_mmpose',
                                                  CONVERTER)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = tool.main([str(a) for a in args])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope='module')
def thesis_models():
    return dict(pose2d=build_thesis_pose2d(seed=1),
                lifter=build_thesis_lifter(seed=2),
                detector=build_thesis_detector(seed=3))


@pytest.fixture(scope='module')
def release(tmp_path_factory, thesis_models):
    """A SavedModels tree converted by the command line tool: the two final
    models, the lifter also in torch's legacy format as MINI_RGBD_Lift, and
    the detector in 2020 torchvision key spelling in a timestamped folder
    (where the thesis's detector trainer wrote it; found by its keys)."""
    root = tmp_path_factory.mktemp('thesis')
    saved = root / 'unzipped' / 'SavedModels'
    save_thesis_checkpoint(thesis_models['pose2d'],
                           str(saved / 'MINI_RGBD_2D' / 'model.tar'), epoch=12)
    save_thesis_checkpoint(thesis_models['lifter'],
                           str(saved / 'MINI_RGBD_FineTune' / 'model.tar'))
    save_thesis_checkpoint(thesis_models['lifter'],
                           str(saved / 'MINI_RGBD_Lift' / 'model.tar'),
                           legacy=True)
    save_thesis_checkpoint(
        old_torchvision_keys(thesis_models['detector'].state_dict()),
        str(saved / '27_08_14_02' / 'model.tar'), epoch=4, loss=0.877)
    out = root / 'converted'
    # the zip unpacks to SavedModels/: the parent folder is accepted too
    status, stdout, stderr = run_converter([root / 'unzipped', out])
    return dict(saved=str(saved), out=str(out), status=status,
                stdout=stdout, stderr=stderr)


def test_converter_writes_mmengine_checkpoints_and_report(release):
    assert release['status'] == 0, release['stdout'] + release['stderr']
    out = release['out']
    for name in ('pose2d.pth', 'lifter.pth', 'lifter_gt2d.pth',
                 'detector.pth', 'conversion_report.txt'):
        assert osp.isfile(osp.join(out, name)), name
    report = open(osp.join(out, 'conversion_report.txt')).read()
    assert 'MINI_RGBD_2D/model.tar -> pose2d.pth' in report
    assert 'optional MPII2D/model.tar' in report  # listed as missing
    assert 'REFUSED: 0' in report
    assert 'detector found at' in report
    assert report in release['stdout']
    ckpt = torch.load(osp.join(out, 'pose2d.pth'), weights_only=True)
    assert set(ckpt) == {'state_dict', 'meta'}
    meta = ckpt['meta']
    assert meta['dataset_meta']['num_keypoints'] == 16
    assert meta['dataset_meta']['keypoint_id2name'][6] == 'pelvis'
    assert meta['thesis_release']['epoch'] == 12
    assert len(meta['thesis_release']['sha256']) == 64
    # the legacy-format copy converts to the same tensors
    a = torch.load(osp.join(out, 'lifter.pth'), weights_only=True)['state_dict']
    b = torch.load(osp.join(out, 'lifter_gt2d.pth'),
                   weights_only=True)['state_dict']
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_reference_architectures_load_the_thesis_files(release,
                                                       thesis_models):
    """The thesis files (2020 detector key spelling included) load strictly
    into the thesis's own architectures (for checking real files)."""
    files = dict(pose2d='MINI_RGBD_2D/model.tar',
                 lifter='MINI_RGBD_FineTune/model.tar',
                 detector='27_08_14_02/model.tar')
    for kind, name in files.items():
        loaded = load_thesis_reference(
            kind, osp.join(release['saved'], name)).state_dict()
        built = thesis_models[kind].state_dict()
        assert loaded.keys() == built.keys(), kind
        assert all(torch.equal(loaded[k], built[k]) for k in built), kind


def test_pose2d_bias_fold_and_layout(thesis_models):
    state = thesis_models['pose2d'].state_dict()
    assert len(state) == 326
    converted = convert_pose2d(state)
    bias = state['1.convTrans2.bias']
    assert torch.equal(converted['head.deconv_layers.4.bias'], bias)
    assert torch.all(converted['head.deconv_layers.4.running_var'] +
                     1e-5 == 1.0)
    # 1x1 transposed conv [in, out] -> conv [out, in]
    assert torch.equal(converted['head.final_layer.weight'][3, :, 0, 0],
                       state['1.convTrans4.weight'][:, 3, 0, 0])
    assert torch.equal(converted['backbone.layer3.5.conv2.weight'],
                       state['0.6.5.conv2.weight'])


def _pose2d_model(release):
    from mmpose.apis import init_model
    model = init_model(config_path('thesis_release/pose2d.py'),
                       osp.join(release['out'], 'pose2d.pth'), device='cpu')
    model.test_cfg['output_heatmaps'] = True
    return model


def test_pose2d_matches_thesis(release, thesis_models, minirgbd_root):
    """Heatmaps within 1e-4 and the same argmax cells through the full
    MMPose path (crop, RGB 0-1 input, network, decoding, back to pixels)."""
    from mmpose.apis import inference_topdown
    model = _pose2d_model(release)
    rgb = generated_frames(minirgbd_root, 1)[0]
    # non-integer corners and an odd-width box exercise rounding and the
    # integer centre
    for box in ([201.4, 97.5, 388.6, 342.2], [150.5, 120.5, 433.5, 301.7]):
        heat_t, cells_t, kpts_t, max_t = thesis_pose2d_inference(
            thesis_models['pose2d'], rgb, box)
        sample = inference_topdown(model, rgb[..., ::-1].copy(),
                                   np.array([box]), bbox_format='xyxy')[0]
        heat_m = sample.pred_fields.heatmaps.numpy()
        assert heat_m.shape == heat_t.shape == (16, 64, 64)
        assert np.abs(heat_m - heat_t).max() < 1e-4
        kpts_m = sample.pred_instances.keypoints[0]
        centre, side = thesis_crop_box(box)
        cells_m = np.round((kpts_m - (centre - side / 2)) * 64 / side)
        np.testing.assert_array_equal(cells_m, cells_t)
        np.testing.assert_allclose(kpts_m, kpts_t, atol=1e-3)
        np.testing.assert_allclose(
            sample.pred_instances.keypoint_scores[0], max_t, atol=1e-4)


def test_argmax_codec_differs_from_msra_shift():
    """The release decoder gives exact cells where MMPose's MSRAHeatmap
    shifts by a quarter cell; maxima <= 0 go to cell (0, 0)."""
    from mmpose.registry import KEYPOINT_CODECS
    import infant_mmpose  # noqa: F401
    heat = np.zeros((2, 64, 64), np.float32)
    heat[0, 10, 20], heat[0, 10, 21] = 1.0, 0.5  # neighbour on the right
    heat[1] -= 1.0  # all negative
    cfg = dict(input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
    argmax = KEYPOINT_CODECS.build(dict(type='ArgmaxHeatmap', **cfg))
    msra = KEYPOINT_CODECS.build(dict(type='MSRAHeatmap', **cfg))
    kp, score = argmax.decode(heat)
    np.testing.assert_array_equal(kp[0], [[80.0, 40.0], [0.0, 0.0]])
    np.testing.assert_array_equal(score[0], [1.0, -1.0])
    kp_msra, _ = msra.decode(heat)
    assert kp_msra[0, 0, 0] == pytest.approx(81.0)  # (20 + 0.25) * 4


def _lift(model, keypoints_px):
    """Lift (N, 16, 2) pixel poses through the lifter config's test
    pipeline, as the inferencer does."""
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import init_default_scope
    from infant_mmpose.structures.keypoint_definitions import num_keypoints
    init_default_scope('mmpose')
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    # placeholder 3D targets come in a keypoint mapping's source definition
    mapping = [t for t in pipeline.transforms if hasattr(t, 'source')]
    k3d = num_keypoints(mapping[0].source) if mapping else 16
    data = []
    for pose in keypoints_px:
        info = dict(model.dataset_meta)
        info.update(keypoints=pose[None].astype(np.float32),
                    keypoints_visible=np.ones((1, 16), np.float32),
                    keypoints_definition='mpii16',
                    lifting_target=np.zeros((1, k3d, 3), np.float32),
                    lifting_target_visible=np.ones((1, k3d), np.float32))
        data.append(pipeline(info))
    with torch.no_grad():
        samples = model.test_step(pseudo_collate(data))
    return np.stack([s.pred_instances.keypoints.reshape(16, 3)
                     for s in samples])


def test_lifter_matches_thesis(release, thesis_models):
    from mmpose.apis import init_model
    model = init_model(config_path('thesis_release/lifter.py'),
                       osp.join(release['out'], 'lifter.pth'), device='cpu')
    rng = np.random.RandomState(0)
    poses = rng.uniform([100, 60], [560, 420], size=(6, 16, 2))
    with torch.no_grad():
        expected = thesis_models['lifter'](
            torch.from_numpy(poses.reshape(6, 32)).float()).numpy()
    got = _lift(model, poses)
    expected = expected.reshape(6, 16, 3)
    assert np.abs(got - expected).max() < 1e-3
    # raw output: the predicted pelvis is not forced to 0 (as the thesis)
    assert np.abs(got[:, 6]).max() > 1e-2


def test_lifter_key_map_is_complete(thesis_models):
    state = thesis_models['lifter'].state_dict()
    assert len(state) == 37
    converted = convert_lifter(state)
    assert len(converted) == 37
    assert torch.equal(converted['head.blocks.1.layers.5.running_var'],
                       state['linear_stages.1.batch_norm2.running_var'])


class _NotAllowed:
    """A type outside torch's weights-only allow-list."""


def test_refuses_unsafe_and_misplaced_files(tmp_path, thesis_models):
    bad = tmp_path / 'SavedModels' / 'MINI_RGBD_2D' / 'model.tar'
    bad.parent.mkdir(parents=True)
    torch.save(dict(model_state_dict={}, extra=_NotAllowed()), str(bad))
    with pytest.raises(ThesisCheckpointError, match='allow-list'):
        load_thesis_checkpoint(str(bad))
    # a lifter where the 2D model belongs
    save_thesis_checkpoint(
        thesis_models['lifter'],
        str(tmp_path / 'SavedModels' / 'MINI_RGBD_FineTune' / 'model.tar'))
    wrong = tmp_path / 'wrong' / 'SavedModels' / 'MINI_RGBD_2D' / 'model.tar'
    save_thesis_checkpoint(thesis_models['lifter'], str(wrong))
    report = convert_saved_models(str(tmp_path / 'SavedModels'),
                                  str(tmp_path / 'out'))
    assert not report.ok
    assert any('allow-list' in r for r in report.refused)
    assert 'lifter.pth' in report.outputs  # the good file is still converted
    report = convert_saved_models(str(wrong.parent.parent),
                                  str(tmp_path / 'out2'))
    assert any('expected a pose2d checkpoint, found lifter' in r
               for r in report.refused)
    assert not osp.exists(tmp_path / 'out2' / 'pose2d.pth')


def test_zip_and_missing_folder_are_clear_errors(tmp_path):
    import zipfile
    archive = tmp_path / 'SavedModels.zip'
    with zipfile.ZipFile(archive, 'w') as z:
        z.writestr('SavedModels/readme.txt', 'x')
    status, _, stderr = run_converter([archive, tmp_path / 'o'])
    assert status == 2
    assert 'unzip it first' in stderr
    with pytest.raises(ThesisCheckpointError, match='no such folder'):
        convert_saved_models(str(tmp_path / 'nope'), str(tmp_path / 'o'))


# ---------------------------------------------------------------- detector
def test_detector_key_spellings_convert_alike(thesis_models):
    new = thesis_models['detector'].state_dict()
    assert len(new) == 295 and 'rpn.head.conv.0.0.weight' in new
    old = old_torchvision_keys(new)
    assert 'rpn.head.conv.weight' in old
    a, b = convert_detector(new), convert_detector(old)
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    # background row 0 -> last; only the infant's regression rows
    assert torch.equal(a['roi_head.bbox_head.fc_cls.weight'][1],
                       new['roi_heads.box_predictor.cls_score.weight'][0])
    assert torch.equal(a['roi_head.bbox_head.fc_reg.bias'],
                       new['roi_heads.box_predictor.bbox_pred.bias'][4:])


@pytest.fixture(scope='module')
def clip(minirgbd_root, tmp_path_factory):
    """Two generated 640x480 frames as an MJPG video, and the RGB frames a
    reader decodes from it (the input both sides of a comparison see)."""
    import cv2
    frames = [f[..., ::-1].copy() for f in generated_frames(minirgbd_root, 2)]
    video = write_mjpg_video(tmp_path_factory.mktemp('clip') / 'clip.avi',
                             frames)
    capture = cv2.VideoCapture(video)
    decoded = []
    for _ in frames:
        ok, bgr = capture.read()
        assert ok
        decoded.append(bgr[..., ::-1].copy())
    capture.release()
    return dict(video=video, rgb=decoded)


@pytest.fixture(scope='module')
def thesis_detections(thesis_models, clip):
    """torchvision's (boxes, scores) for each frame of the clip."""
    return [thesis_detect(thesis_models['detector'], rgb)
            for rgb in clip['rgb']]


@pytest.fixture(scope='module')
def cli_run(release, clip, tmp_path_factory):
    """``infant-mmpose-infer CLIP --weights-dir CONVERTED`` -> its NPZ."""
    out = tmp_path_factory.mktemp('infer')
    # --bbox-thr 0: the thesis takes the top box whatever its score
    rc = infer_main([clip['video'], '--out-dir', str(out), '--weights-dir',
                     release['out'], '--bbox-thr', '0', '--no-vis',
                     '--no-progress', '--batch-size', '2'])
    assert rc == 0
    return dict(np.load(out / 'clip.npz'))


def test_detector_matches_torchvision(cli_run, thesis_detections):
    """The converted detector (MMDetection, release config, run by the
    inferencer's DetInferencer): top box within 1 px and its score within
    1e-3 of torchvision's on generated 640x480 frames (measured: 2.9e-3 px,
    1.5e-6)."""
    assert list(cli_run['status']) == ['detected', 'detected']
    boxes_m, scores_m = cli_run['bboxes'], cli_run['bbox_scores']
    worst_box = worst_score = 0.0
    for t, (boxes_t, scores_t) in enumerate(thesis_detections):
        assert len(scores_t) > 0, 'the random detector found nothing'
        worst_box = max(worst_box,
                        float(np.abs(boxes_m[t] - boxes_t[0]).max()))
        worst_score = max(worst_score, abs(float(scores_m[t]) - scores_t[0]))
    print(f'detector: top box max |diff| {worst_box:.2e} px, '
          f'score |diff| {worst_score:.2e}')
    assert worst_box < 1.0
    assert worst_score < 1e-3


def test_detector_flag_names_the_file(release, tmp_path):
    path = osp.join(release['saved'], '27_08_14_02', 'model.tar')
    empty = tmp_path / 'SavedModels'
    empty.mkdir()
    report = convert_saved_models(str(empty), str(tmp_path / 'out'),
                                  detector=path)
    assert 'detector.pth' in report.outputs
    assert not report.ok  # the two required models are missing
    assert any(m.startswith('required MINI_RGBD_2D') for m in report.missing)


# -------------------------------------------------------------- end to end
def test_infer_cli_runs_the_converted_release(cli_run, thesis_models, clip,
                                              thesis_detections):
    """``infant-mmpose-infer VIDEO --weights-dir`` gives the thesis's 2D and
    3D output for each frame (the thesis chain rerun here on the decoded
    frames: top box -> square crop -> argmax -> raw-pixel lifter)."""
    kp2d, kp3d = cli_run['keypoints_2d'], cli_run['keypoints_3d']
    assert kp2d.shape == (2, 16, 2) and kp3d.shape == (2, 16, 3)
    for t, (rgb, (boxes, _)) in enumerate(zip(clip['rgb'],
                                              thesis_detections)):
        _, _, kpts, _ = thesis_pose2d_inference(thesis_models['pose2d'], rgb,
                                                boxes[0])
        np.testing.assert_allclose(kp2d[t], kpts, atol=1e-3)
        with torch.no_grad():
            pose3d = thesis_models['lifter'](
                torch.from_numpy(kpts.reshape(1, 32)).float()).numpy()
        # raw millimetres, the pelvis not re-centred (as the thesis)
        np.testing.assert_allclose(kp3d[t], pose3d.reshape(16, 3), atol=1e-2)


def test_release_lifter_warns_once_on_other_image_sizes(release, tmp_path):
    """The raw-pixel release lifter behind small quickstart detector / 2D
    models (fast): a 320x240 input warns once."""
    import cv2

    from infant_mmpose.apis import InfantPoseInferencer
    from infant_mmpose.testing.untrained_checkpoint import \
        save_untrained_checkpoint
    from infant_mmpose.structures.keypoint_definitions import get_definition
    from infant_mmpose.models.codecs.raw_pixel_pose_lifting import \
        warn_if_other_image_size
    det = save_untrained_checkpoint(config_path('quickstart/detector.py'),
                                    str(tmp_path / 'det.pth'))
    pose2d = save_untrained_checkpoint(
        config_path('quickstart/pose2d.py'), str(tmp_path / 'pose2d.pth'),
        dataset_meta=get_definition('mpii16'))
    inferencer = InfantPoseInferencer(
        config_path('thesis_release/lifter.py'),
        osp.join(release['out'], 'lifter.pth'),
        config_path('quickstart/pose2d.py'), pose2d,
        config_path('quickstart/detector.py'), det, device='cpu',
        show_progress=False)
    decoder = inferencer.model.head.decoder
    assert decoder.image_size == (640, 480)
    image = tmp_path / 'small.png'
    cv2.imwrite(str(image), np.full((240, 320, 3), 90, np.uint8))
    inferencer.run(str(image), save_vis=False)
    assert decoder._warned_sizes == {(320, 240)}
    # once per size: the same size again does not warn, 640x480 never does
    assert not warn_if_other_image_size(decoder, [(320, 240), (640, 480)])
    assert warn_if_other_image_size(decoder, [(1920, 1080)])


def test_weights_dir_without_detector_is_a_clear_error(release, tmp_path,
                                                       capsys):
    import shutil
    partial = tmp_path / 'partial'
    partial.mkdir()
    for name in ('pose2d.pth', 'lifter.pth'):
        shutil.copy(osp.join(release['out'], name), partial / name)
    rc = infer_main(['x.mp4', '--out-dir', str(tmp_path / 'o'),
                     '--weights-dir', str(partial)])
    assert rc == 2
    assert 'no detector.pth' in capsys.readouterr().err


# ------------------------------------------------------------------ zoo
ZOO_COCO_CLASSES = ('person', 'bicycle', 'car')  # the first of COCO's 80


def _zoo_files(torch_home):
    """Random models saved where MMEngine caches the zoo URLs, in the zoo's
    layout: MMDetection 2.x (``state_dict`` + ``meta`` with ``CLASSES``) and
    MMPose 0.x (``keypoint_head.*`` keys, old module version)."""
    from collections import OrderedDict

    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from infant_mmpose.apis.published_weights import ZOO
    from infant_mmpose.utils.url_checkpoints import checkpoint_cache_path
    files = {}
    torch.manual_seed(5)
    cfg = Config.fromfile(config_path(ZOO['det'][0]))
    init_default_scope('mmdet')
    from mmdet.registry import MODELS as DET_MODELS
    det = DET_MODELS.build(cfg.model)
    state = OrderedDict(det.state_dict())
    path = checkpoint_cache_path(ZOO['det'][1])
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(dict(state_dict=state, meta=dict(
        mmdet_version='2.0.0', epoch=12, iter=87960,
        CLASSES=ZOO_COCO_CLASSES + tuple(f'c{i}' for i in range(77)))), path)
    files['det'] = (path, state)
    cfg = Config.fromfile(config_path(ZOO['pose2d'][0]))
    init_default_scope('mmpose')
    from mmpose.registry import MODELS as POSE_MODELS
    pose = POSE_MODELS.build(cfg.model)
    old = OrderedDict((k.replace('head.', 'keypoint_head.', 1)
                       if k.startswith('head.') else k, v)
                      for k, v in pose.state_dict().items())
    old._metadata = OrderedDict({'': dict(version=1)})
    path = checkpoint_cache_path(ZOO['pose2d'][1])
    torch.save(dict(state_dict=old, meta=dict(epoch=210, iter=0)), path)
    files['pose2d'] = (path, pose.state_dict())
    return files


@pytest.fixture
def zoo_cache(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch'))

    def no_network(url, *args, **kwargs):
        raise AssertionError(f'tried to download {url}')
    monkeypatch.setattr(torch.hub, 'download_url_to_file', no_network)
    return _zoo_files(str(tmp_path / 'torch'))


def test_stage_configs_load_zoo_checkpoints_by_url(zoo_cache):
    """The stage configs' load_from = the zoo URL goes through MMEngine's
    CheckpointLoader (as Runner.load_checkpoint does) from the cache."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    from infant_mmpose.apis.published_weights import ZOO
    init_default_scope('mmdet')
    from mmdet.registry import MODELS as DET_MODELS
    # the one-class thesis-size detector starting from the COCO model
    cfg = Config.fromfile(config_path('detector/faster-rcnn_r50_fpn_minirgbd.py'))
    cfg.model.backbone.init_cfg = None
    det = DET_MODELS.build(cfg.model)
    load_checkpoint(det, ZOO['det'][1], map_location='cpu', strict=False)
    _, saved = zoo_cache['det']
    for key in ('backbone.layer4.2.conv3.weight', 'neck.fpn_convs.3.conv.weight',
                'rpn_head.rpn_reg.weight', 'roi_head.bbox_head.shared_fcs.1.weight'):
        assert torch.equal(det.state_dict()[key], saved[key]), key
    # the 81-class head does not fit one class and stays as initialised
    assert det.roi_head.bbox_head.fc_cls.weight.shape[0] == 2
    init_default_scope('mmpose')
    from mmpose.registry import MODELS as POSE_MODELS
    cfg = Config.fromfile(config_path('pose2d/td-hm_res50_minirgbd-256x256.py'))
    pose = POSE_MODELS.build(cfg.model)
    load_checkpoint(pose, ZOO['pose2d'][1], map_location='cpu', strict=True)
    _, saved = zoo_cache['pose2d']
    assert torch.equal(pose.state_dict()['head.final_layer.weight'],
                       saved['head.final_layer.weight'])


def test_url_loader_keeps_weights_only(tmp_path, monkeypatch):
    from mmengine.runner import CheckpointLoader

    from infant_mmpose.utils.url_checkpoints import checkpoint_cache_path
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    url = 'https://example.org/zoo/model-0123abcd.pth'
    path = checkpoint_cache_path(url)
    os.makedirs(osp.dirname(path))
    torch.save(dict(state_dict={}, meta=_NotAllowed()), path)
    import pickle
    with pytest.raises(pickle.UnpicklingError):
        CheckpointLoader.load_checkpoint(url, map_location='cpu')
    # torchvision:// names resolve to the same weights-only cache loader
    from mmengine.runner.checkpoint import get_torchvision_models
    url = get_torchvision_models()['resnet18']
    path = checkpoint_cache_path(url)
    torch.save(dict(fc=torch.ones(2), extra=_NotAllowed()), path)
    with pytest.raises(pickle.UnpicklingError):
        CheckpointLoader.load_checkpoint('torchvision://resnet18')
    torch.save(dict(fc=torch.ones(2)), path)
    loaded = CheckpointLoader.load_checkpoint('torchvision://resnet18')
    assert torch.equal(loaded['fc'], torch.ones(2))


def test_zoo_preset_runs_with_the_project_lifter(zoo_cache, minirgbd_root,
                                                 tmp_path):
    """--zoo: COCO detector (person as infant) + MPII 2D from the cache, and
    a lifter of this project."""
    from infant_mmpose.testing.untrained_checkpoint import \
        save_untrained_checkpoint
    from infant_mmpose.structures.keypoint_definitions import get_definition
    lifter = save_untrained_checkpoint(
        config_path('quickstart/lifter.py'), str(tmp_path / 'lifter.pth'),
        dataset_meta=get_definition('mpii16'))
    frames = [f[..., ::-1].copy() for f in generated_frames(minirgbd_root, 1)]
    image = tmp_path / 'frame.png'
    import cv2
    cv2.imwrite(str(image), frames[0])
    out = tmp_path / 'out'
    rc = infer_main([str(image), '--out-dir', str(out), '--zoo',
                     '--lifter-checkpoint', lifter, '--no-vis',
                     '--no-progress'])
    assert rc == 0
    import json
    record = json.load(open(out / 'frame.json'))
    assert record['meta']['keypoint_definition_2d'] == 'mpii16'
    assert len(record['frames']) == 1
