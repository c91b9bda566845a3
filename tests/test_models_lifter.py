"""Martinez lifter: architecture, max-norm, units, resolution (in)variance."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch

import infant_mmpose  # noqa: F401
from infant_mmpose.utils import config_path

# MINI-RGBD -> MPII-16 (FACTS section 2), written out independently of the
# project's mapping tables: out[i] = src[MAP[i]].
MINIRGBD_TO_MPII = [8, 5, 2, 1, 4, 7, 0, 9, 12, 24, 21, 19, 17, 16, 18, 20]
PELVIS = 6  # in mpii16
# MINI-RGBD camera (FACTS section 1)
FX, FY = 588.67905803875317, 590.25690113005601
CX, CY = 322.22048191353628, 237.46785983766890


pytestmark = pytest.mark.usefixtures('one_torch_thread')


def _cfg(name, **options):
    from mmengine.config import Config
    cfg = Config.fromfile(config_path(name))
    cfg.merge_from_dict(options)
    return cfg


def _build_model(cfg):
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    return MODELS.build(cfg.model)


def _read_joints_3d_mm(root, seq, frame):
    """(16, 3) mm camera coordinates of MPII joints, read from the txt."""
    path = osp.join(root, f'{seq:02d}', 'joints_3D',
                    f'syn_joints_3D_{frame:05d}.txt')
    xyz_m = np.loadtxt(path)[:, :3]
    return xyz_m[MINIRGBD_TO_MPII] * 1000.0


def _project(xyz_mm, scale=1.0):
    """Pinhole projection with the MINI-RGBD intrinsics scaled by ``scale``
    (the same scene rendered at ``scale`` x the resolution)."""
    u = scale * FX * xyz_mm[:, 0] / xyz_mm[:, 2] + scale * CX
    v = scale * FY * xyz_mm[:, 1] / xyz_mm[:, 2] + scale * CY
    return np.stack([u, v], 1)


def test_head_is_the_martinez_mlp():
    from mmpose.registry import MODELS
    head = MODELS.build(dict(type='MartinezLifterHead', in_channels=32,
                             num_joints=16))
    linears = [m for m in head.modules() if isinstance(m, torch.nn.Linear)]
    assert [tuple(m.weight.shape) for m in linears] == \
        [(1024, 32)] + [(1024, 1024)] * 4 + [(48, 1024)]
    assert sum(isinstance(m, torch.nn.BatchNorm1d)
               for m in head.modules()) == 5
    drops = [m for m in head.modules() if isinstance(m, torch.nn.Dropout)]
    assert len(drops) == 5 and all(d.p == 0.5 for d in drops)
    # residual: each block adds its input to its layers' output
    head.eval()
    x = torch.randn(4, 1024)
    block = head.blocks[0]
    assert torch.allclose(block(x), x + block.layers(x))
    out = head(torch.randn(4, 32, 1))
    assert out.shape == (4, 16, 3)
    with pytest.raises(ValueError, match='expects 32 input values'):
        head(torch.randn(4, 50, 1))


def _train_lifter_on_3dhp(tmp_path, hooks, **head):
    """A few Adam steps (lr 0.05) of the MPI-INF-3DHP lifter config
    (``head``: options of its MartinezLifterHead)."""
    from mmengine.runner import Runner
    from infant_mmpose.synthetic.mpi_inf_3dhp import \
        generate_mpi_inf_3dhp
    data = str(tmp_path / 'mpi')
    if not osp.isdir(data):
        generate_mpi_inf_3dhp(data, subjects=(1, 7), num_frames=3, seed=1)
    cfg = _cfg('lifter/martinez_mpi-inf-3dhp.py')
    cfg.model.head.update(head)
    cfg.work_dir = str(tmp_path / f'work_{len(hooks)}_{len(head)}')
    cfg.custom_hooks = hooks
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=100)
    cfg.optim_wrapper.optimizer.lr = 0.05
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=100)
    cfg.visualizer.name = f'vis_maxnorm_{len(hooks)}_{sorted(head.items())}'
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(batch_size=8, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = data
        loader.dataset.cache_file = None
    runner = Runner.from_cfg(cfg)
    before = copy.deepcopy(runner.model.state_dict())
    runner.train()
    return before, runner.model


def _row_norms(model):
    return torch.cat([
        m.weight.detach().norm(dim=1) for m in model.modules()
        if isinstance(m, torch.nn.Linear)
    ])


def _tensor_norms(model):
    return torch.stack([
        m.weight.detach().norm() for m in model.modules()
        if isinstance(m, torch.nn.Linear)
    ])


def test_max_norm_holds_after_optimiser_steps(tmp_path):
    hook = dict(type='MaxNormConstraintHook')
    before, model = _train_lifter_on_3dhp(tmp_path, [hook], max_norm=1.0)
    changed = any(not torch.equal(before[k], v)
                  for k, v in model.state_dict().items())
    assert changed, 'the optimiser did not update the model'
    assert _row_norms(model).max() <= 1.0 + 1e-5
    # the same training without the hook breaks the bound: the hook (not
    # the initialisation) is what keeps it
    _, free = _train_lifter_on_3dhp(tmp_path, [], max_norm=1.0)
    assert _row_norms(free).max() > 1.05
    # the thesis config has no max-norm: its hook leaves the weights alone
    cfg = _cfg('lifter/martinez_mpi-inf-3dhp.py')
    assert cfg.model.head.max_norm is None
    assert 'MaxNormConstraintHook' in [h['type'] for h in cfg.custom_hooks]
    _, thesis = _train_lifter_on_3dhp(tmp_path, [hook], max_norm=None)
    assert _row_norms(thesis).max() > 1.05


def test_whole_tensor_max_norm_is_martinez_clip_by_norm(tmp_path):
    """``max_norm_mode='tensor'`` bounds each whole weight matrix (what
    ``tf.clip_by_norm`` without axes does in Martinez's code): matrices
    above the bound are scaled down as a whole, rows keep their ratios."""
    from mmpose.registry import MODELS
    head = MODELS.build(dict(type='MartinezLifterHead', in_channels=32,
                             num_joints=16, max_norm=1.0,
                             max_norm_mode='tensor'))
    linears = [m for m in head.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        linears[-1].weight.mul_(1e-3)  # one matrix below the bound
    before = [m.weight.detach().clone() for m in linears]
    head.apply_max_norm()
    for old, m in zip(before, linears):
        norm = old.norm()
        expected = old if norm <= 1.0 else old / norm  # clip_by_norm
        torch.testing.assert_close(m.weight, expected)
    assert before[-1].norm() < 1.0 and before[0].norm() > 1.0
    # after training with the hook every matrix (not row) is bounded
    hook = dict(type='MaxNormConstraintHook')
    _, model = _train_lifter_on_3dhp(tmp_path, [hook], max_norm=1.0,
                                     max_norm_mode='tensor')
    # float32 norms of 1024 x 1024 matrices: rounding ~1e-5
    assert _tensor_norms(model).max() <= 1.0 + 1e-4
    with pytest.raises(ValueError, match='max_norm_mode'):
        MODELS.build(dict(type='MartinezLifterHead', in_channels=32,
                          num_joints=16, max_norm_mode='column'))


@pytest.mark.parametrize('safe', [True, False])
def test_training_with_a_last_batch_of_one_sample(tmp_path, safe):
    """16 training samples in batches of 5 leave a last batch of one
    (16 = 3 x 5 + 1), which BatchNorm1d cannot normalise in training mode:
    the lifter configs' BatchNormSafeBatchSampler skips it; with PyTorch's
    plain batching training fails."""
    from mmengine.runner import Runner
    from infant_mmpose.synthetic.mpi_inf_3dhp import \
        generate_mpi_inf_3dhp
    data = str(tmp_path / 'mpi')
    generate_mpi_inf_3dhp(data, subjects=(1, ), num_frames=2, seed=2)
    cfg = _cfg('lifter/martinez_mpi-inf-3dhp.py')
    safe_sampler = dict(type='BatchNormSafeBatchSampler')
    for name in ('lifter/martinez_mpi-inf-3dhp.py',
                 'lifter/martinez_minirgbd-gt2d.py',
                 'lifter/martinez_minirgbd-pred2d_rootnorm.py',
                 'quickstart/lifter.py', 'quickstart/lifter_pretrain.py'):
        assert _cfg(name).train_dataloader.batch_sampler == safe_sampler
    if not safe:
        cfg.train_dataloader.pop('batch_sampler')
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_cfg = dict(by_epoch=True, max_epochs=1, val_interval=100)
    cfg.visualizer.name = f'vis_batch_of_one_{safe}'
    cfg.log_level = 'WARNING'
    cfg.train_dataloader.update(batch_size=5, num_workers=0,
                                persistent_workers=False)
    cfg.train_dataloader.dataset.update(data_root=data, cache_file=None)
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    cfg.custom_hooks = [h for h in cfg.custom_hooks
                        if h['type'] != 'EarlyStoppingHook']
    cfg.default_hooks.checkpoint = None
    runner = Runner.from_cfg(cfg)
    assert len(runner.train_dataloader.dataset) == 16  # 8 cameras x 2
    if safe:
        runner.train()
        assert runner.iter == 3  # 3 full batches, the single sample skipped
    else:
        with pytest.raises(ValueError, match='more than 1 value'):
            runner.train()


def _lifter_batch(cfg, root, sequences):
    from mmengine.dataset import pseudo_collate
    from mmpose.registry import DATASETS
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.update(data_root=root, sequences=sequences)
    dataset = DATASETS.build(ds_cfg)
    return pseudo_collate([dataset[i] for i in range(len(dataset))])


def test_lifter_predicts_pelvis_relative_millimetres(minirgbd_root):
    """Overfit the quickstart lifter (learns decimetres) on 36 frames: its
    decoded predictions, less the ground-truth root the pipeline packs
    (``target_root``, added back as MMPose's lifting heads do), match the
    txt files' joints in mm minus the pelvis, with the pelvis exactly 0."""
    cfg = _cfg('quickstart/lifter.py')
    assert cfg.lifter_codec.target_scale == 100.0
    # the initial weights decide how far 100 steps get: seed them so the
    # result does not depend on which tests consumed the RNG before
    torch.manual_seed(0)
    model = _build_model(cfg)
    # all 36 frames: BatchNorm's running variance (n-1) matches the batch's
    batch = _lifter_batch(cfg, minirgbd_root, 'all')
    data = model.data_preprocessor(batch, True)
    for module in model.modules():  # overfitting: no dropout
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    optim = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(100):
        losses = model(**data, mode='loss')
        optim.zero_grad()
        losses['loss_pose3d'].backward()
        optim.step()
        model.head.apply_max_norm()
    model.eval()
    data = model.data_preprocessor(batch, False)
    with torch.no_grad():
        preds = model(**data, mode='predict')
        raw = model.head(model.extract_feat(torch.stack(data['inputs'])))
    for sample, out in zip(preds, raw):
        kpts = np.asarray(sample.pred_instances.keypoints)
        assert kpts.shape == (1, 16, 3)
        # absolute: the pelvis sits on the packed ground-truth root
        root = np.asarray(sample.metainfo['target_root']).reshape(3)
        np.testing.assert_array_equal(kpts[0, PELVIS], root)
        kpts = kpts - root
        # decoding = network output x target_scale (dm -> mm), re-centred
        # on the predicted pelvis
        out = out.numpy() * 100.0
        np.testing.assert_allclose(kpts[0], out - out[PELVIS], atol=1e-3)
        assert np.abs(kpts[0, PELVIS]).max() < 1e-4
        gt = _read_joints_3d_mm(minirgbd_root, sample.metainfo['sequence'],
                                sample.metainfo['frame'])
        gt = gt - gt[PELVIS]
        error = np.linalg.norm(kpts[0] - gt, axis=1)
        assert error.mean() < 15.0, error.mean()
        # the pose spans ~10 cm and more: a unit slip would be visible
        assert np.linalg.norm(gt, axis=1).max() > 80.0


@pytest.mark.parametrize('config,invariant', [
    ('lifter/martinez_minirgbd-gt2d_rootnorm.py', True),  # root_extent
    ('quickstart/lifter.py', True),  # root_median
    ('lifter/martinez_minirgbd-gt2d.py', False),  # pixel (thesis)
])
def test_same_scene_at_two_resolutions(minirgbd_root, config, invariant):
    """One 3D scene projected with the MINI-RGBD camera at 640x480 and with
    the intrinsics doubled (1280x960): the root-normalised lifter gives the
    same 3D pose, the raw-pixel (thesis) lifter does not."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import KEYPOINT_CODECS
    from mmpose.structures import PoseDataSample
    init_default_scope('mmpose')
    cfg = _cfg(config)
    torch.manual_seed(0)
    model = _build_model(cfg).eval()
    codec = KEYPOINT_CODECS.build(cfg.lifter_codec)
    xyz = _read_joints_3d_mm(minirgbd_root, 11, 1)
    poses = []
    for scale in (1.0, 2.0):
        uv = _project(xyz, scale)
        encoded = codec.encode(uv[None], np.ones((1, 16)), xyz[None],
                               np.ones((1, 16)))
        inputs = torch.from_numpy(
            encoded['keypoint_labels'].astype(np.float32))[None]
        with torch.no_grad():
            (pred, ) = model.predict(inputs, [PoseDataSample()])
        poses.append(np.asarray(pred.pred_instances.keypoints)[0])
    gap = np.linalg.norm(poses[0] - poses[1], axis=1).mean()
    if invariant:
        assert gap < 1e-3
    else:
        assert gap > 1.0


def test_codec_root_extent_normalisation_against_numpy():
    from mmpose.registry import KEYPOINT_CODECS
    codec = KEYPOINT_CODECS.build(dict(
        type='MartinezPoseLifting', num_keypoints=16, root_index=6,
        input_norm='root_extent'))
    rng = np.random.default_rng(0)
    uv = rng.uniform(100, 400, size=(1, 16, 2))
    visible = np.ones((1, 16))
    visible[0, 3] = 0  # an invisible joint does not set the extent
    uv[0, 3] = [5000.0, 5000.0]
    target = rng.normal(0, 100, size=(1, 16, 3)) + [0, 0, 1000]
    enc = codec.encode(uv, visible, target, np.ones((1, 16)))
    vis = visible[0] > 0
    extent = max(np.ptp(uv[0, vis, 0]), np.ptp(uv[0, vis, 1]))
    expected = (uv[0] - uv[0, 6]) / extent
    # flattened (x0, y0, x1, y1, ...) as a (2K, 1) column
    np.testing.assert_allclose(enc['keypoint_labels'][:, 0],
                               expected.reshape(-1), atol=1e-6)
    np.testing.assert_allclose(enc['lifting_target_label'][0],
                               target[0] - target[0, 6], atol=1e-3)
    with pytest.raises(ValueError, match='num_keypoints=16'):
        codec.encode(np.zeros((1, 25, 2)), np.ones((1, 25)),
                     np.zeros((1, 25, 3)), np.ones((1, 25)))
    with pytest.raises(ValueError, match='input_norm'):
        KEYPOINT_CODECS.build(dict(type='MartinezPoseLifting',
                                   num_keypoints=16, input_norm='bbox'))


def test_root_median_scale_resists_one_bad_joint():
    """One joint predicted 500 px off rescales every other joint's input
    under 'root_extent' but leaves 'root_median' inputs nearly unchanged."""
    from infant_mmpose.models.codecs.martinez_pose_lifting import \
        normalize_root_relative
    rng = np.random.default_rng(1)
    pose = rng.uniform(200, 400, size=(1, 16, 2))
    bad = pose.copy()
    bad[0, 9] += 500.0  # head top far off
    others = [i for i in range(16) if i != 9]
    shift = {}
    for scale in ('extent', 'median'):
        a = normalize_root_relative(pose, None, [6], scale)[0, others]
        b = normalize_root_relative(bad, None, [6], scale)[0, others]
        shift[scale] = np.abs(a - b).max()
    assert shift['extent'] > 0.3
    assert shift['median'] < 0.1 * shift['extent']
    # median of distances from the pelvis, computed independently
    centred = pose[0] - pose[0, 6]
    expected = centred / np.median(np.linalg.norm(centred, axis=1))
    np.testing.assert_allclose(
        normalize_root_relative(pose, None, [6], 'median')[0], expected,
        atol=1e-5)


@pytest.mark.parametrize('n,batch_size,expected', [
    (16, 5, [5, 5, 5]),          # a last batch of one is skipped
    (17, 5, [5, 5, 5, 2]),       # a last batch of two is kept
    (15, 5, [5, 5, 5]),
    (3, 64, [3]),                # fewer samples than a batch still train
    (1, 64, []),
    (4, 1, [1, 1, 1, 1]),        # batch size 1: nothing to skip
])
def test_batchnorm_safe_batch_sampler(n, batch_size, expected):
    from mmpose.registry import DATA_SAMPLERS
    from torch.utils.data import BatchSampler, SequentialSampler
    sampler = DATA_SAMPLERS.build(dict(
        type='BatchNormSafeBatchSampler', sampler=SequentialSampler(range(n)),
        batch_size=batch_size))
    batches = list(sampler)
    assert [len(b) for b in batches] == expected
    assert len(sampler) == len(expected)
    # the same indices, in the same order, as PyTorch's own batching
    plain = list(BatchSampler(SequentialSampler(range(n)), batch_size, False))
    assert batches == plain[:len(expected)]
