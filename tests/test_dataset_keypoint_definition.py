"""Data sets mapping to the common definition when they load
(``keypoint_definition=...``) give exactly the samples of the former way:
native joints plus ``KeypointMapping`` as the pipeline's first step.

Each pair of data sets is built on generated data (MPII: MMPose's real
sample) and compared sample by sample: every key (keypoints, visibility, 3D
targets, head sizes, boxes, metainfo), and the packed model inputs and
labels through the quickstart configs' own pipelines.
"""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import BaseDataset
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS

import infant_mmpose  # noqa: F401
from infant_mmpose.structures.keypoint_definitions import (definition_file,
                                                         mapping_table)
from infant_mmpose.fileio.result_files import save_pose2d_predictions
from infant_mmpose.utils import config_path

def _build(cfg):
    init_default_scope('mmpose')
    return DATASETS.build(cfg)


def _assert_same(old, new, path='sample'):
    """Recursive equality: arrays exactly, data samples field by field."""
    if isinstance(old, dict):
        assert set(old) == set(new), (path, set(old) ^ set(new))
        for key in old:
            _assert_same(old[key], new[key], f'{path}[{key!r}]')
    elif isinstance(old, (list, tuple)):
        assert len(old) == len(new), path
        for i, (a, b) in enumerate(zip(old, new)):
            _assert_same(a, b, f'{path}[{i}]')
    elif isinstance(old, torch.Tensor):
        assert torch.equal(old, new), path
    elif isinstance(old, np.ndarray):
        assert old.dtype == new.dtype and old.shape == new.shape, path
        np.testing.assert_array_equal(old, new, err_msg=path)
    elif hasattr(old, 'to_dict'):  # PoseDataSample / InstanceData
        _assert_same(old.to_dict(), new.to_dict(), path)
    elif isinstance(old, BaseDataset):  # MMPose's back-reference
        assert type(old) is type(new), path
    else:
        assert old == new, (path, old, new)


def _compare(old_cfg, new_cfg, source, target='mpii16', steps=()):
    """Build both ways and compare every sample, bare and through
    ``steps`` (a config pipeline without a mapping step)."""
    mapping = dict(type='KeypointMapping', source=source, target=target)
    for rest in ([], list(steps)):
        old = _build(dict(old_cfg, pipeline=[mapping] + rest))
        new = _build(dict(new_cfg, keypoint_definition=target, pipeline=rest))
        assert len(old) == len(new) > 0
        _assert_same(old.metainfo, new.metainfo, "metainfo")
        assert new.metainfo['num_keypoints'] == len(
            mapping_table(source, target))
        for i in range(len(old)):
            a, b = old[i], new[i]
            _assert_same(a, b, f'{type(new).__name__}[{i}]')
    return new


def _steps(config, which='val_dataloader'):
    cfg = Config.fromfile(config_path(config))
    return [t for t in cfg[which].dataset.pipeline
            if t['type'] != 'RandomBBoxTransform']


def test_minirgbd_2d_same_samples(minirgbd_root):
    cfg = dict(type='MiniRGBDDataset', data_root=minirgbd_root,
               sequences=[2, 11], test_mode=True,
               metainfo=dict(from_file=definition_file('mpii16')))
    new = _compare(cfg, cfg, 'minirgbd25',
                   steps=_steps('quickstart/pose2d.py'))
    info = new.get_data_info(0)
    assert info['keypoints'].shape == (1, 16, 2)
    assert info['keypoints_definition'] == 'mpii16'
    assert info['head_size'].shape == (1, 1) and info['head_size'][0, 0] > 0


def test_minirgbd_lifting_same_samples(minirgbd_root, tmp_path):
    cfg = dict(type='MiniRGBDLiftingDataset', data_root=minirgbd_root,
               sequences='test', test_mode=True,
               metainfo=dict(from_file=definition_file('mpii16')))
    steps = _steps('quickstart/lifter.py')
    new = _compare(cfg, cfg, 'minirgbd25', steps=steps)
    info = new.get_data_info(0)
    assert info['lifting_target'].shape == (1, 16, 3)
    # predicted 2D input in mpii16: kept as it is, the 3D targets mapped
    preds = str(tmp_path / 'pose2d.json')
    rng = np.random.default_rng(0)
    records = [dict(sequence=s, frame=f,
                    keypoints=rng.uniform(0, 400, (16, 2)).tolist(),
                    scores=[0.9] * 15 + [0.0])
               for s in (11, 12) for f in range(3)]
    save_pose2d_predictions(preds, records, 'mpii16')
    cfg = dict(cfg, keypoints_2d=preds)
    new = _compare(cfg, cfg, 'minirgbd25', steps=steps)
    info = new.get_data_info(0)
    np.testing.assert_allclose(info['keypoints'][0], records[0]['keypoints'],
                               rtol=1e-6)
    assert info['keypoints_visible'][0, 15] == 0


def test_mpi_inf_3dhp_same_samples(adult_root, tmp_path):
    from infant_mmpose.fileio.mpi_inf_3dhp_cache import \
        convert_mpi_inf_3dhp_to_cache
    from infant_mmpose.synthetic.mpi_inf_3dhp import \
        generate_mpi_inf_3dhp
    steps = _steps('quickstart/lifter_pretrain.py')
    raw = dict(type='MpiInf3dhpDataset', ann_file=adult_root, subjects=[7],
               cameras=[0, 3],
               metainfo=dict(from_file=definition_file('mpii16')))
    new = _compare(raw, raw, 'mpi_inf_3dhp28', steps=steps)
    assert new.native_definition == 'mpi_inf_3dhp28'
    assert new.get_data_info(0)['keypoints_3d'].shape == (1, 16, 3)
    # a cache of the same views
    cache = str(tmp_path / 'cache.npz')
    convert_mpi_inf_3dhp_to_cache(adult_root, cache, subjects=[7],
                                  cameras=[0, 3])
    _compare(dict(raw, ann_file=cache), dict(raw, ann_file=cache),
             'mpi_inf_3dhp28', steps=steps)
    # the 17-joint test release
    test_root = str(tmp_path / 'test_release')
    generate_mpi_inf_3dhp(test_root, subjects=(), test_subjects=(2, ),
                          num_frames=3, seed=2)
    test = dict(raw, ann_file=test_root, subjects=None, cameras=None)
    _compare(test, test, 'mpi_inf_3dhp17', steps=steps)


def test_mpii_same_samples(realdata_dir, tmp_path):
    mpii = osp.join(realdata_dir, 'mpii')
    steps = _steps('pose2d/td-hm_res50_mpii16-256x256.py')
    for target in ('mpii16', 'mavhea12'):
        cfg = dict(type='MpiiHeadSizeDataset', data_root=mpii,
                   ann_file='test_mpii.json', data_prefix=dict(img=''),
                   head_size_source='neck_head_top', test_mode=True,
                   metainfo=dict(from_file=definition_file(target)))
        new = _compare(cfg, cfg, 'mpii16', target=target, steps=steps)
        # the head size is measured on the MPII joints before mapping
        assert new.get_data_info(0)['head_size'][0, 0] > 10


def test_metainfo_defaults_to_the_definition_and_mistakes_are_named(
        minirgbd_root):
    ds = _build(dict(type='MiniRGBDDataset', data_root=minirgbd_root,
                     sequences=[11], keypoint_definition='mavhea12'))
    assert ds.metainfo['num_keypoints'] == 12
    assert ds.get_data_info(0)['keypoints'].shape == (1, 12, 2)
    native = _build(dict(type='MiniRGBDDataset', data_root=minirgbd_root,
                         sequences=[11]))
    assert native.metainfo['num_keypoints'] == 25
    assert native.keypoint_mapping is None
    assert 'keypoints_definition' not in native.get_data_info(0)
    with pytest.raises(ValueError, match='remove KeypointMapping'):
        _build(dict(type='MiniRGBDLiftingDataset', data_root=minirgbd_root,
                    sequences=[11], keypoint_definition='mpii16',
                    pipeline=[dict(type='KeypointMapping',
                                   source='minirgbd25', target='mpii16')]))
    with pytest.raises(ValueError, match='metainfo describes 25 joints'):
        _build(dict(type='MiniRGBDDataset', data_root=minirgbd_root,
                    sequences=[11], keypoint_definition='mpii16',
                    metainfo=dict(from_file=definition_file('minirgbd25'))))
    with pytest.raises(KeyError, match="unknown keypoint definition 'mpii17'"):
        _build(dict(type='MiniRGBDDataset', data_root=minirgbd_root,
                    sequences=[11], keypoint_definition='mpii17'))


def test_no_config_pipeline_maps_keypoints():
    """Every config's pipelines are MMPose's own: the data sets map."""
    import glob
    configs = sorted(glob.glob(osp.join(osp.dirname(config_path(
        'pose2d/td-hm_res50_mpii16-256x256.py')), '..', '*', '*.py')))
    configs = [c for c in configs if '_base_' not in c]
    assert len(configs) >= 15
    for path in configs:
        cfg = Config.fromfile(path)
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            dataset = cfg[loader].dataset
            types = [t['type'] for t in dataset.get('pipeline', [])]
            assert 'KeypointMapping' not in types, (path, loader)
            if dataset.type in ('MiniRGBDDataset', 'MiniRGBDLiftingDataset',
                                'MpiInf3dhpDataset', 'MpiiHeadSizeDataset'):
                expected = None if 'no-mapping' in path else 'mpii16'
                assert dataset.get('keypoint_definition') == expected, (
                    path, loader)
