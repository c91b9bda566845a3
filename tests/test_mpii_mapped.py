"""MPII in the common definition: MpiiHeadSizeDataset and the MPII config,
on MMPose's real MPII sample (``mpii/test_mpii.json`` + its 5 images)."""
import json
import os.path as osp
import shutil
import uuid

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS
from scipy.io import savemat

import infant_mmpose  # noqa: F401
from infant_mmpose.structures.keypoint_definitions import (get_definition,
                                                         mapping_table)
from infant_mmpose.utils import config_path

init_default_scope('mmpose')

CONFIG = config_path('pose2d/td-hm_res50_mpii16-256x256.py')
UPPER_NECK, HEAD_TOP = 8, 9


@pytest.fixture(scope='module')
def mpii_dir(realdata_dir):
    return osp.join(realdata_dir, 'mpii')


@pytest.fixture(scope='module')
def annotations(mpii_dir):
    with open(osp.join(mpii_dir, 'test_mpii.json')) as f:
        return json.load(f)


def build(mpii_dir, **cfg):
    return DATASETS.build(
        dict(type='MpiiHeadSizeDataset', data_root=mpii_dir,
             ann_file='test_mpii.json', **cfg))


def test_neck_head_top_head_size(mpii_dir, annotations):
    ds = build(mpii_dir, head_size_source='neck_head_top', test_mode=True)
    assert len(ds) == len(annotations) == 5
    for i, ann in enumerate(annotations):
        joints = np.array(ann['joints'])
        expected = np.hypot(*(joints[HEAD_TOP] - joints[UPPER_NECK]))
        head_size = ds.get_data_info(i)['head_size']
        assert head_size.shape == (1, 1)
        assert head_size[0, 0] == pytest.approx(expected, rel=1e-5)
        assert head_size[0, 0] > 10  # adults in MPII: tens of pixels


def test_headbox_head_size_is_mmposes_standard(mpii_dir, annotations,
                                               tmp_path):
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 500, size=(2, 2, len(annotations)))
    headbox = str(tmp_path / 'mpii_gt_val.mat')
    savemat(headbox, dict(headboxes_src=corners))
    ds = build(mpii_dir, head_size_source='headbox', headbox_file=headbox,
               test_mode=True)
    for i in range(len(annotations)):
        # 0.6 x the head box diagonal (MPII's PCKh normaliser)
        diagonal = np.linalg.norm(corners[1, :, i] - corners[0, :, i])
        assert ds.get_data_info(i)['head_size'][0, 0] == pytest.approx(
            0.6 * diagonal, rel=1e-5)


def test_missing_head_joints_give_size_zero(mpii_dir, annotations,
                                            tmp_path):
    edited = [dict(a) for a in annotations]
    edited[2]['joints_vis'] = list(edited[2]['joints_vis'])
    edited[2]['joints_vis'][HEAD_TOP] = 0
    for name in ('test_mpii.json', ):
        with open(tmp_path / name, 'w') as f:
            json.dump(edited, f)
    ds = DATASETS.build(
        dict(type='MpiiHeadSizeDataset', data_root=str(tmp_path),
             ann_file='test_mpii.json', head_size_source='neck_head_top'))
    sizes = [ds.get_data_info(i)['head_size'][0, 0] for i in range(5)]
    assert sizes[2] == 0 and all(s > 0 for k, s in enumerate(sizes) if k != 2)


def test_bad_head_size_settings_are_explained(mpii_dir):
    with pytest.raises(ValueError, match='head_size_source'):
        build(mpii_dir, head_size_source='torso')
    with pytest.raises(ValueError, match='headbox_file'):
        build(mpii_dir, head_size_source='headbox', test_mode=True)


def test_config_inherits_mmpose_and_sets_the_thesis_schedule():
    cfg = Config.fromfile(CONFIG)
    assert cfg.model.type == 'TopdownPoseEstimator'
    assert cfg.model.backbone.depth == 50
    assert cfg.model.head.out_channels == 16
    assert cfg.optim_wrapper.optimizer.type == 'Adam'
    assert cfg.optim_wrapper.optimizer.lr == 1e-4
    assert cfg.train_dataloader.batch_size == 16
    assert cfg.param_scheduler == []
    hooks = {h.type: h for h in cfg.custom_hooks}
    assert hooks['EarlyStoppingHook'].patience == 3
    assert cfg.val_dataloader.dataset.type == 'MpiiHeadSizeDataset'
    # the data set maps to the common definition; the pipeline is MMPose's
    assert all(t.type != 'KeypointMapping' for t in cfg.train_pipeline)
    assert cfg.train_dataloader.dataset.keypoint_definition == 'mpii16'
    assert cfg.val_dataloader.dataset.keypoint_definition == 'mpii16'
    assert 'infant_mmpose' in cfg.custom_imports.imports


def _val_dataset_cfg(mpii_dir, head_size_source):
    cfg = Config.fromfile(CONFIG)
    ds = cfg.val_dataloader.dataset
    ds.update(data_root=mpii_dir, ann_file='test_mpii.json',
              data_prefix=dict(img=''), head_size_source=head_size_source)
    return cfg, ds


def test_config_val_pipeline_on_real_images(mpii_dir, annotations):
    cfg, ds_cfg = _val_dataset_cfg(mpii_dir, 'neck_head_top')
    ds = DATASETS.build(ds_cfg)
    packed = ds[0]
    assert tuple(packed['inputs'].shape) == (3, 256, 256)
    gt = packed['data_samples'].gt_instances
    joints = np.array(annotations[0]['joints'])
    np.testing.assert_allclose(gt.keypoints[0], joints, rtol=1e-5)
    assert gt.head_size[0, 0] == pytest.approx(
        np.hypot(*(joints[HEAD_TOP] - joints[UPPER_NECK])), rel=1e-5)


def test_common_definition_is_a_config_choice(mpii_dir, annotations):
    """The same MPII pipeline with the MAVHEA 12 limb joints as target."""
    cfg = Config.fromfile(CONFIG)
    # deterministic crop for the check below
    pipeline = [t for t in cfg.train_pipeline
                if t['type'] != 'RandomBBoxTransform']
    ds = DATASETS.build(
        dict(type='MpiiHeadSizeDataset', data_root=mpii_dir,
             ann_file='test_mpii.json', data_prefix=dict(img=''),
             keypoint_definition='mavhea12', pipeline=pipeline))
    packed = ds[1]
    heatmaps = packed['data_samples'].gt_fields.heatmaps
    assert tuple(heatmaps.shape) == (12, 64, 64)
    table = mapping_table('mpii16', 'mavhea12')
    joints = np.array(annotations[1]['joints'])
    gt = packed['data_samples'].gt_instances
    np.testing.assert_allclose(gt.keypoints[0], joints[table], rtol=1e-5)
    assert packed['data_samples'].metainfo['flip_indices'] == get_definition(
        'mavhea12')['flip_indices']
    # the data set's metainfo follows its keypoint definition
    assert ds.metainfo['num_keypoints'] == 12
    assert ds.metainfo['keypoint_id2name'][0] == 'left_wrist'


def test_config_trains_and_validates_one_epoch(mpii_dir, tmp_path):
    """MMEngine Runner on the 5 real images: train, validate, PCKh."""
    from mmengine.runner import Runner
    cfg, _ = _val_dataset_cfg(mpii_dir, 'neck_head_top')
    cfg.model.backbone.init_cfg = None  # no ImageNet download in tests
    cfg.model.backbone.depth = 18  # keep the CPU test short
    cfg.model.head.in_channels = 512
    cfg.model.test_cfg.flip_test = False
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.update(batch_size=5, num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=mpii_dir, ann_file='test_mpii.json',
                              data_prefix=dict(img=''))
    cfg.val_dataloader.dataset.head_size_source = 'neck_head_top'
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=1)
    cfg.codec = dict(cfg.codec, input_size=(64, 64), heatmap_size=(16, 16))
    for pipeline in (cfg.train_dataloader.dataset.pipeline,
                     cfg.val_dataloader.dataset.pipeline):
        for t in pipeline:
            if t.type == 'TopdownAffine':
                t.input_size = (64, 64)
            if t.type == 'GenerateTarget':
                t.encoder = cfg.codec
    cfg.model.head.decoder = cfg.codec
    cfg.work_dir = str(tmp_path)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.visualizer.vis_backends = [dict(type='LocalVisBackend')]
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex}'  # not an earlier test's
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    assert 0 <= metrics['PCK'] <= 100
    assert osp.isfile(osp.join(str(tmp_path), 'epoch_1.pth'))
    shutil.rmtree(str(tmp_path), ignore_errors=True)
