"""Every shipped config of this area builds through the registries and runs a
loss and a predict forward on CPU, on samples made by its own pipelines."""
import copy
import glob
import os.path as osp

import numpy as np
import pytest
import torch

import infant_mmpose  # noqa: F401
from infant_mmpose.utils import PROJECT_ROOT

CONFIG_DIRS = ('detector', 'pose2d', 'lifter', 'ablations', 'quickstart')
# the MPII pre-training config belongs to the mapping area and needs MPII
# images; tests/test_mpii_mapped.py covers it. The COCO-17 2D configs need
# COCO keypoint data; tests/test_coco17.py trains one and runs the other.
NOT_HERE = {'pose2d/td-hm_res50_mpii16-256x256.py',
            'pose2d/td-hm_res50_coco-infant-256x192.py',
            'pose2d/rtmpose-m_coco-zoo-256x192.py'}
CONFIGS = sorted(
    osp.relpath(p, osp.join(PROJECT_ROOT, 'configs'))
    for d in CONFIG_DIRS
    for p in glob.glob(osp.join(PROJECT_ROOT, 'configs', d, '*.py')))
CONFIGS = [c for c in CONFIGS if c not in NOT_HERE]


pytestmark = pytest.mark.usefixtures('one_torch_thread')


@pytest.fixture(scope='module')
def coco_file(minirgbd_root, tmp_path_factory):
    from infant_mmpose.fileio.minirgbd_coco import convert_minirgbd_to_coco
    path = str(tmp_path_factory.mktemp('coco') / 'seq1.json')
    convert_minirgbd_to_coco(minirgbd_root, [1], path)
    return path


@pytest.fixture(scope='module')
def adult_root(tmp_path_factory):
    from infant_mmpose.synthetic.mpi_inf_3dhp import \
        generate_mpi_inf_3dhp
    root = str(tmp_path_factory.mktemp('mpi_inf_3dhp'))
    generate_mpi_inf_3dhp(root, subjects=(1, ), num_frames=1, seed=0)
    return root


def _load(name):
    from mmengine.config import Config
    return Config.fromfile(osp.join(PROJECT_ROOT, 'configs', name))


def _point_data_at(dataset, minirgbd_root, coco_file, adult_root):
    """Replace the config's data paths with the tiny generated ones."""
    kind = dataset['type']
    if kind == 'CocoDataset':
        dataset.update(data_root=minirgbd_root, ann_file=coco_file)
    elif kind == 'MiniRGBDDataset':
        dataset.update(data_root=minirgbd_root, sequences=[1],
                       bbox_file=None)
    elif kind == 'MiniRGBDLiftingDataset':
        dataset.update(data_root=minirgbd_root, sequences=[1],
                       keypoints_2d='gt')
    elif kind == 'MpiInf3dhpDataset':
        dataset.update(data_root=adult_root, cache_file=None, subjects=None)
    else:
        raise AssertionError(f'unexpected data set type {kind}')
    for step in dataset['pipeline']:
        # 256x256 crops -> 64x64 heatmaps (the thesis 2D configs): 128 -> 32
        # keeps the ResNet-50 forward fast and the targets consistent
        if step['type'] == 'TopdownAffine' and step['input_size'][0] > 128:
            step['input_size'] = (128, 128)
        if step['type'] == 'GenerateTarget' and \
                step['encoder'].get('heatmap_size', (0, ))[0] > 32:
            step['encoder'] = dict(step['encoder'], input_size=(128, 128),
                                   heatmap_size=(32, 32))
    if kind == 'CocoDataset':
        # the thesis detector reads 640x480 frames; 160x120 keeps this fast
        for step in dataset['pipeline']:
            if step['type'] == 'Resize' and step['scale'][0] > 160:
                step['scale'] = (160, 120)
    return dataset


def _batch(cfg, split, registry, paths, n=2):
    from mmengine.dataset import pseudo_collate
    dataset_cfg = _point_data_at(
        copy.deepcopy(cfg[f'{split}_dataloader'].dataset), *paths)
    dataset = registry.build(dataset_cfg)
    assert len(dataset) >= n
    return pseudo_collate([dataset[i] for i in range(n)])


@pytest.mark.parametrize('name', CONFIGS)
def test_config_builds_and_runs(name, minirgbd_root, coco_file, adult_root):
    from mmengine.registry import init_default_scope
    cfg = _load(name)
    assert 'infant_mmpose' in cfg.custom_imports['imports']
    assert cfg.custom_imports['allow_failed_imports'] is False
    if cfg.default_scope == 'mmdet':
        from mmdet.registry import DATASETS, MODELS
    else:
        from mmpose.registry import DATASETS, MODELS
    init_default_scope(cfg.default_scope)
    # nothing downloads: no pretrained init when loading is left to load_from
    backbone_init = cfg.model.get('backbone', {}).get('init_cfg')
    if cfg.load_from or name.startswith('quickstart/'):
        assert backbone_init is None
    model = MODELS.build(cfg.model)
    paths = (minirgbd_root, coco_file, adult_root)

    model.train()
    data = model.data_preprocessor(_batch(cfg, 'train', DATASETS, paths),
                                   True)
    losses = model(**data, mode='loss')
    total = sum(v.sum() if isinstance(v, torch.Tensor) else sum(v)
                for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()

    model.eval()
    data = model.data_preprocessor(_batch(cfg, 'test', DATASETS, paths),
                                   False)
    with torch.no_grad():
        preds = model(**data, mode='predict')
    assert len(preds) == 2
    for sample in preds:
        if cfg.default_scope == 'mmdet':
            boxes = sample.pred_instances.bboxes
            assert boxes.ndim == 2 and boxes.shape[1] == 4
        else:
            kpts = np.asarray(sample.pred_instances.keypoints)
            k = cfg.model.head.get('num_joints') or \
                cfg.model.head.get('out_channels')
            dims = 3 if cfg.model.type == 'PoseLifter' else 2
            assert kpts.shape[-2:] == (k, dims)
            assert np.isfinite(kpts).all()


def test_backbone_swap_is_one_line(minirgbd_root, coco_file, adult_root):
    """ResNet-101 instead of ResNet-50 in the 2D config: one override, the
    model builds and trains a step."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS, MODELS
    cfg = _load('pose2d/td-hm_res50_minirgbd-256x256.py')
    cfg.merge_from_dict({'model.backbone.depth': 101})
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    depth = sum(1 for _ in model.backbone.layer3)  # R101: 23 blocks
    assert depth == 23
    batch = _batch(cfg, 'train', DATASETS,
                   (minirgbd_root, coco_file, adult_root), n=1)
    model.train()
    losses = model(**model.data_preprocessor(batch, True), mode='loss')
    assert torch.isfinite(losses['loss_kpt'])


@pytest.mark.parametrize('name', [
    'pose2d/td-hm_res50_mpii16-256x256.py',
    'pose2d/td-hm_res50_minirgbd-256x256.py',
    'ablations/td-hm_res50_minirgbd-256x256_no-crop.py',
    'ablations/td-hm_res50_minirgbd-256x256_no-mapping.py',
    'ablations/td-hm_res50_minirgbd-256x256_no-pretrain.py',
    'thesis_release/pose2d.py'])
def test_thesis_2d_configs_predict_without_flip_test(name):
    # the thesis evaluates one forward pass per crop (THESIS_WEIGHTS.md);
    # MMPose's MPII base config would average with the flipped crop
    assert _load(name).model.test_cfg.flip_test is False
