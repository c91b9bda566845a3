"""COCO-17 as a common definition, COCO-format infant data and zoo models.

Expected correspondences are written here by joint *name* (COCO's order
from the COCO keypoint task, SMIL/MPII names of the sources), independently
of the index tables in ``keypoint_definitions``.
"""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

import infant_mmpose  # noqa: F401  (registers modules)
from infant_mmpose.structures.common_definition import (apply_common_definition,
                                                      root_indices)
from infant_mmpose.structures.keypoint_definitions import (DERIVED_JOINTS,
                                                         get_definition)
from infant_mmpose.datasets.transforms import KeypointMapping
from infant_mmpose.evaluation.functional import joint_errors
from infant_mmpose.fileio.minirgbd_reader import frame_image_id
from infant_mmpose.pipeline.mm_runner import load_config
from infant_mmpose.utils import PROJECT_ROOT, config_path

COCO_NAMES = [
    'nose', 'left_eye', 'right_eye', 'left_ear', 'right_ear',
    'left_shoulder', 'right_shoulder', 'left_elbow', 'right_elbow',
    'left_wrist', 'right_wrist', 'left_hip', 'right_hip', 'left_knee',
    'right_knee', 'left_ankle', 'right_ankle'
]
LIMBS = COCO_NAMES[5:]
SMIL = {'shoulder': 'UpperArm', 'elbow': 'ForeArm', 'wrist': 'Hand',
        'hip': 'Thigh', 'knee': 'Calf', 'ankle': 'Foot'}
#: COCO joint -> the source joint it is, by name; COCO joints not listed
#: have no source joint.
TO_COCO_BY_NAME = {
    'minirgbd25': {
        'nose': 'noseVertex',
        **{name: name.split('_')[0] + SMIL[name.split('_')[1]]
           for name in LIMBS}
    },
    'mpi_inf_3dhp28': {name: name for name in LIMBS},
    'mpi_inf_3dhp17': {name: name for name in LIMBS},
    'mpii16': {name: name for name in LIMBS},
}


def names(definition):
    meta = get_definition(definition)
    return [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]


def test_coco17_is_mmpose_coco_metainfo():
    import mmpose
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    mmpose_coco = parse_pose_metainfo(dict(from_file=osp.join(
        osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
        'datasets', 'coco.py')))
    coco = get_definition('coco17')
    assert names('coco17') == COCO_NAMES
    for key in ('flip_indices', 'skeleton_links'):
        assert list(coco[key]) == list(mmpose_coco[key])
    np.testing.assert_array_equal(coco['sigmas'], mmpose_coco['sigmas'])
    # inherited, not copied
    text = open(config_path('_base_/datasets/coco17.py')).read()
    assert "'mmpose::_base_/datasets/coco.py'" in text
    assert 'keypoint_info' not in text


@pytest.mark.parametrize('source', sorted(TO_COCO_BY_NAME))
def test_mapping_to_coco17_by_joint_name(source):
    rng = np.random.default_rng(0)
    src_names = names(source)
    k = len(src_names)
    sample = dict(keypoints=rng.uniform(0, 500, (1, k, 2)),
                  keypoints_visible=np.ones((1, k), np.float32),
                  lifting_target=rng.normal(0, 300, (1, k, 3)))
    out = KeypointMapping(source, 'coco17').transform(
        {key: value.copy() for key, value in sample.items()})
    assert out['keypoints'].shape == (1, 17, 2)
    expected = TO_COCO_BY_NAME[source]
    for t, name in enumerate(COCO_NAMES):
        if name in expected:
            s = src_names.index(expected[name])
            for key in ('keypoints', 'lifting_target'):
                np.testing.assert_array_equal(out[key][0, t], sample[key][0, s])
            assert out['keypoints_visible'][0, t] == 1
        else:  # no source joint: invisible, never invented
            assert out['keypoints_visible'][0, t] == 0, name
            assert not out['keypoints'][0, t].any(), name
            assert not out['lifting_target_visible'][0, t], name


def test_coco17_to_mpii16_derives_pelvis_and_thorax():
    rng = np.random.default_rng(1)
    coords = rng.uniform(0, 500, (2, 17, 2))
    visible = np.ones((2, 17), np.float32)
    visible[1, COCO_NAMES.index('left_hip')] = 0
    out = KeypointMapping('coco17', 'mpii16').transform(
        dict(keypoints=coords.copy(), keypoints_visible=visible.copy()))
    mpii = names('mpii16')
    c = {name: coords[:, i] for i, name in enumerate(COCO_NAMES)}
    got = {name: out['keypoints'][:, i] for i, name in enumerate(mpii)}
    vis = {name: out['keypoints_visible'][:, i] for i, name in enumerate(mpii)}
    # the derived joints are the mean of their sources, named in the
    # definitions file
    assert set(DERIVED_JOINTS['coco17']['hip_midpoint']) == {
        'left_hip', 'right_hip'}
    assert set(DERIVED_JOINTS['coco17']['shoulder_midpoint']) == {
        'left_shoulder', 'right_shoulder'}
    np.testing.assert_allclose(got['pelvis'],
                               (c['left_hip'] + c['right_hip']) / 2)
    np.testing.assert_allclose(
        got['thorax'], (c['left_shoulder'] + c['right_shoulder']) / 2)
    # visible only where every source joint is
    assert list(vis['pelvis']) == [1, 0]
    assert list(vis['thorax']) == [1, 1]
    for name in LIMBS:
        np.testing.assert_array_equal(got[name], c[name])
    for name in ('upper_neck', 'head_top'):
        assert not vis[name].any() and not got[name].any()
    # mpii16 -> coco17: the limbs back; a mean has no inverse
    back = KeypointMapping('mpii16', 'coco17').transform(
        dict(keypoints=out['keypoints'].copy(),
             keypoints_visible=np.ones((2, 16), np.float32)))
    for i, name in enumerate(COCO_NAMES):
        if name in LIMBS:
            np.testing.assert_array_equal(back['keypoints'][:, i], c[name])
        else:
            assert not back['keypoints_visible'][:, i].any()


def test_lifter_root_of_coco17_is_the_hips_midpoint():
    assert root_indices('mpii16') == [names('mpii16').index('pelvis')]
    assert root_indices('coco17') == [COCO_NAMES.index('left_hip'),
                                      COCO_NAMES.index('right_hip')]
    rng = np.random.default_rng(2)
    pred, gt = rng.normal(0, 100, (2, 3, 17, 3))
    hips = [11, 12]
    expected = np.linalg.norm(
        (pred - pred[:, hips].mean(1, keepdims=True)) -
        (gt - gt[:, hips].mean(1, keepdims=True)), axis=-1)
    np.testing.assert_allclose(joint_errors(pred, gt, hips), expected)
    # a single root is unchanged
    np.testing.assert_allclose(
        joint_errors(pred, gt, 11),
        np.linalg.norm((pred - pred[:, 11:12]) - (gt - gt[:, 11:12]), axis=-1))


# --------------------------------------------------------------------------
# the one config switch
# --------------------------------------------------------------------------
def _quickstart(stage, definition='coco17'):
    return load_config(config_path(f'quickstart/{stage}.py'),
                       {'common_definition': definition})


def _dataset_definition(dataset):
    """The definition a data set config hands its samples out in."""
    if dataset.get('keypoint_definition'):
        return dataset['keypoint_definition']
    targets = [t['target'] for t in dataset['pipeline']
               if t['type'] == 'KeypointMapping']
    return targets[-1] if targets else None


def test_switch_rewrites_every_stage_config():
    pose2d = _quickstart('pose2d')
    assert pose2d.model.head.out_channels == 17
    for split in ('train', 'val', 'test'):
        dataset = pose2d[f'{split}_dataloader'].dataset
        assert _dataset_definition(dataset) == 'coco17'
        assert dataset.metainfo.from_file == config_path(
            '_base_/datasets/coco17.py')
    for stage in ('lifter_pretrain', 'lifter', 'lifter_pred2d'):
        cfg = _quickstart(stage)
        head = cfg.model.head
        assert (head.in_channels, head.num_joints) == (34, 17)
        assert head.decoder.num_keypoints == 17
        assert list(head.decoder.root_index) == [11, 12]
        assert list(head.decoder.ignore_input_joints) == [1, 2, 3, 4]
        for split in ('train', 'val', 'test'):
            dataset = cfg[f'{split}_dataloader'].dataset
            assert _dataset_definition(dataset) == 'coco17'
            encoders = [t['encoder'] for t in dataset['pipeline']
                        if t['type'] == 'GenerateTarget']
            assert all(e['num_keypoints'] == 17 for e in encoders)
        for metric in cfg.test_evaluator:
            if 'root_index' in metric:
                assert list(metric['root_index']) == [11, 12]
    # the default is untouched
    assert _quickstart('pose2d', 'mpii16').model.head.out_channels == 16


def test_every_config_is_already_in_its_own_definition():
    """Loading a config through the project's loaders applies its own
    ``common_definition``; for every shipped config that changes nothing."""
    import glob
    from mmengine.config import Config
    for path in sorted(glob.glob(osp.join(PROJECT_ROOT, 'configs', '**', '*.py'),
                                 recursive=True)):
        if '_base_' in path:
            continue
        raw = Config.fromfile(path).to_dict()
        applied = load_config(path).to_dict()
        applied.pop('common_definition', None)
        raw.pop('common_definition', None)
        assert applied == raw, path


def test_switch_rejects_a_metric_bound_to_mpii():
    cfg = load_config(config_path('pose2d/td-hm_res50_mpii16-256x256.py'))
    with pytest.raises(ValueError, match='MpiiPCKAccuracy.*HeadPCK'):
        apply_common_definition(cfg, 'coco17')
    with pytest.raises(KeyError, match='h36m'):
        apply_common_definition(_quickstart('lifter', 'mpii16'), 'h36m')


def test_coco17_lifter_samples_are_relative_to_the_hips(minirgbd_root):
    """A COCO-17 lifter sample: 17 joints, targets relative to the hips'
    midpoint (the derived root), the hips' own targets symmetric about 0."""
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    cfg = _quickstart('lifter')
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                  data_root=minirgbd_root))
    sample = dataset[0]['data_samples']
    assert sample.gt_instances.keypoints.shape == (1, 17, 2)
    target = np.asarray(sample.gt_instances.lifting_target[0])
    label = sample.gt_instance_labels.lifting_target_label
    label = np.asarray(label).reshape(17, 3) * cfg.lifter_codec.target_scale
    np.testing.assert_allclose(label[11] + label[12], 0, atol=1e-3)
    np.testing.assert_allclose(
        label, target - target[[11, 12]].mean(0), atol=1e-3)


def test_coco17_lifter_takes_no_input_from_eyes_and_ears():
    """No lifter training set labels eyes or ears: whatever a COCO 2D model
    predicts there does not reach the lifter (nor its input scale)."""
    from mmpose.registry import KEYPOINT_CODECS
    codec = KEYPOINT_CODECS.build(dict(_quickstart('lifter').lifter_codec))
    rng = np.random.default_rng(3)
    pose = rng.uniform(100, 400, (1, 17, 2))
    target = rng.normal(0, 100, (1, 17, 3))

    def encoded(keypoints):
        return codec.encode(keypoints, np.ones((1, 17)), target,
                            np.ones((1, 17)))['keypoint_labels']

    reference = encoded(pose)
    moved = pose.copy()
    moved[0, 1:5] += rng.uniform(-200, 200, (4, 2))  # eyes and ears
    np.testing.assert_array_equal(encoded(moved), reference)
    moved[0, 0] += 50  # the nose is an input
    assert not np.allclose(encoded(moved), reference)


# --------------------------------------------------------------------------
# COCO-format infant data: the generator's output, the 2D config, AP
# --------------------------------------------------------------------------
@pytest.fixture(scope='module')
def coco_infant_root(minirgbd_root, tmp_path_factory):
    from infant_mmpose.fileio.coco_infant_export import (export_coco_infant,
                                                           syrip_splits)
    root = str(tmp_path_factory.mktemp('coco_infant'))
    export_coco_infant(minirgbd_root, root, syrip_splits(range(1, 13)))
    return root


def test_generator_writes_syrip_layout(tmp_path, capsys):
    from test_minirgbd_generator import load_tool
    tool = load_tool('make_synthetic_minirgbd.py')
    tool.main([str(tmp_path / 'mini'), '--sequences', '12', '--frames', '1',
               '--coco17', str(tmp_path / 'syrip')])
    out = capsys.readouterr().out
    assert 'COCO-17 train: 8 images' in out
    assert 'COCO-17 validate: 2 images' in out
    for split, count in (('train', 8), ('validate', 2)):
        ann = json.load(open(tmp_path / 'syrip' / 'annotations' /
                             f'person_keypoints_{split}_infant.json'))
        assert len(ann['images']) == len(ann['annotations']) == count
        for image in ann['images']:
            path = tmp_path / 'syrip' / 'images' / f'{split}_infant' / \
                image['file_name']
            assert cv2.imread(str(path)).shape == (480, 640, 3)
    # too few sequences for both splits: refused before generating
    with pytest.raises(SystemExit):
        tool.main([str(tmp_path / 'few'), '--sequences', '3', '--coco17',
                   str(tmp_path / 'x')])
    assert 'validate' in capsys.readouterr().err
    assert not osp.exists(tmp_path / 'few')


def test_exported_keypoints_are_the_minirgbd_joints(minirgbd_root,
                                                    coco_infant_root):
    ann = json.load(open(osp.join(
        coco_infant_root, 'annotations',
        'person_keypoints_validate_infant.json')))
    assert ann['categories'][0]['keypoints'] == COCO_NAMES
    mini = names('minirgbd25')
    expected = TO_COCO_BY_NAME['minirgbd25']
    by_image = {a['image_id']: a for a in ann['annotations']}
    for image in ann['images']:
        seq, frame = (int(v) for v in
                      osp.splitext(image['file_name'])[0].split('_'))
        assert image['id'] == frame_image_id(seq, frame)
        assert seq in (11, 12)
        joints = np.loadtxt(osp.join(minirgbd_root, f'{seq:02d}',
                                     'joints_2Ddep',
                                     f'syn_joints_2Ddep_{frame:05d}.txt'))
        kpts = np.reshape(by_image[image['id']]['keypoints'], (17, 3))
        for i, name in enumerate(COCO_NAMES):
            if name in expected:
                u, v = joints[mini.index(expected[name]), :2]
                inside = 0 <= u <= 639 and 0 <= v <= 479
                assert kpts[i, 2] == (2 if inside else 0)
                if inside:
                    np.testing.assert_allclose(kpts[i, :2], (u, v), atol=1e-3)
            else:
                assert list(kpts[i]) == [0, 0, 0], name
        # the area is the mask's pixel count, inside the box
        mask = cv2.imread(osp.join(minirgbd_root, f'{seq:02d}', 'fg_mask',
                                   f'mask_{frame:05d}.png'), 0)
        ann_i = by_image[image['id']]
        assert ann_i['area'] == np.count_nonzero(mask)
        assert ann_i['area'] <= ann_i['bbox'][2] * ann_i['bbox'][3]


def _coco_ap(ann_file, shift_px=0.0):
    """CocoMetric results for the ground truth itself, optionally shifted."""
    from mmpose.evaluation import CocoMetric
    ann = json.load(open(ann_file))
    metric = CocoMetric(ann_file=ann_file)
    metric.dataset_meta = get_definition('coco17')
    samples = []
    for a in ann['annotations']:
        kpts = np.reshape(a['keypoints'], (1, 17, 3))
        samples.append(dict(
            id=a['id'], img_id=a['image_id'], category_id=1,
            pred_instances=dict(
                keypoints=kpts[..., :2] + shift_px,
                keypoint_scores=np.ones((1, 17)),
                bbox_scores=np.ones(1)),
            gt_instances=dict(bbox_scales=np.ones((1, 2)),
                              bbox_scores=np.ones(1))))
    metric.process([], samples)
    return metric.evaluate(len(samples))


def _oks(annotation, shift_px):
    """COCO's object keypoint similarity of the ground truth shifted by
    (shift, shift) px, written out from its definition: mean over labelled
    joints of exp(-d^2 / (2 area (2 sigma)^2))."""
    sigmas = np.asarray(get_definition('coco17')['sigmas'])
    labelled = np.reshape(annotation['keypoints'], (17, 3))[:, 2] > 0
    d2 = 2 * shift_px**2
    e = np.exp(-d2 / (2 * annotation['area'] * (2 * sigmas)**2))
    return e[labelled].mean()


def test_coco_metric_scores_the_exported_ground_truth(coco_infant_root):
    ann_file = osp.join(coco_infant_root, 'annotations',
                        'person_keypoints_validate_infant.json')
    anns = json.load(open(ann_file))['annotations']
    assert _coco_ap(ann_file)['coco/AP'] == pytest.approx(1.0)
    # a shift whose OKS lies between 0.5 and 0.75 for every annotation
    # (from the areas and COCO's sigmas) is a hit at OKS 0.5 only
    shift = next(d for d in np.arange(1.0, 60.0, 0.5)
                 if max(_oks(a, d) for a in anns) < 0.75)
    assert min(_oks(a, shift) for a in anns) > 0.5
    result = _coco_ap(ann_file, shift)
    assert result['coco/AP .5'] == pytest.approx(1.0)
    assert result['coco/AP .75'] == pytest.approx(0.0)
    assert 0.0 < result['coco/AP'] < 1.0
    assert _coco_ap(ann_file, 200.0)['coco/AP'] == pytest.approx(0.0)


def test_coco_infant_config_trains_one_epoch_and_reports_ap(
        coco_infant_root, tmp_path, one_torch_thread):
    from infant_mmpose.pipeline import mm_runner
    config = config_path('pose2d/td-hm_res50_coco-infant-256x192.py')
    assert load_config(config).load_from.startswith('https://download.')
    opts = {'train_cfg.max_epochs': 1, 'train_dataloader.dataset.indices': 8}
    for split in ('train', 'val', 'test'):
        opts.update({f'{split}_dataloader.dataset.data_root': coco_infant_root,
                     f'{split}_dataloader.batch_size': 4,
                     f'{split}_dataloader.num_workers': 0,
                     f'{split}_dataloader.persistent_workers': False})
    # load_from=None: tests must not download the COCO checkpoint
    result = mm_runner.train(config, str(tmp_path / 'work'), 'coco_infant',
                             opts, load_from=None)
    metrics = result['metrics']
    assert 0.0 <= metrics['coco/AP'] <= 1.0
    assert {'coco/AP .5', 'coco/AR'} <= set(metrics)
    assert osp.isfile(result['checkpoint'])


# --------------------------------------------------------------------------
# a zoo COCO model as the 2D stage
# --------------------------------------------------------------------------
def _save_zoo_layout_checkpoint(config, out_file):
    """A randomly initialised model saved as MMPose's zoo files are: only
    ``state_dict`` and a ``meta`` without ``dataset_meta`` (MMPose then
    takes the joints from the config's data set)."""
    import torch
    from mmengine.config import Config
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(config).model)
    model.init_weights()
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(epoch=420, mmpose_version='1.0.0rc0')),
               out_file)
    return out_file


def test_zoo_coco_model_feeds_a_coco17_lifter(minirgbd_root, tmp_path,
                                              one_torch_thread):
    from infant_mmpose.apis import InfantPoseInferencer
    from infant_mmpose.testing.untrained_checkpoint import \
        save_untrained_checkpoint
    zoo_config = config_path('pose2d/rtmpose-m_coco-zoo-256x192.py')
    assert load_config(zoo_config).load_from.startswith('https://download.')
    zoo_ckpt = _save_zoo_layout_checkpoint(zoo_config,
                                           str(tmp_path / 'rtmpose-m.pth'))
    det_config = config_path('quickstart/detector.py')
    det_ckpt = save_untrained_checkpoint(det_config, str(tmp_path / 'det.pth'))
    lifter_config = str(tmp_path / 'lifter_coco17.py')
    _quickstart('lifter').dump(lifter_config)
    lifter_ckpt = save_untrained_checkpoint(
        lifter_config, str(tmp_path / 'lifter.pth'),
        dataset_meta=get_definition('coco17'))
    inferencer = InfantPoseInferencer(
        lifter_config, lifter_ckpt, zoo_config, zoo_ckpt, det_config,
        det_ckpt, device='cpu', show_progress=False)
    series = inferencer.run(osp.join(minirgbd_root, '11', 'rgb'),
                            out_dir=str(tmp_path / 'out')).series
    assert series.keypoint_definition == 'coco17'
    assert list(series.joint_names) == COCO_NAMES
    assert series.keypoints_2d.shape == (3, 17, 2)
    assert series.keypoints_3d.shape == (3, 17, 3)
    # 3D relative to the lifter's root, the hips' midpoint
    np.testing.assert_allclose(series.keypoints_3d[:, [11, 12]].mean(1), 0,
                               atol=1e-3)
    # an MPII-16 lifter cannot take a COCO model's joints
    mpii_lifter = save_untrained_checkpoint(
        config_path('quickstart/lifter.py'), str(tmp_path / 'mpii.pth'),
        dataset_meta=get_definition('mpii16'))
    with pytest.raises(ValueError, match='coco17'):
        InfantPoseInferencer(config_path('quickstart/lifter.py'), mpii_lifter,
                             zoo_config, zoo_ckpt, det_config, det_ckpt,
                             device='cpu', show_progress=False)
