"""Issue 2: the plugin installs, registers, builds upstream configs, loads
its own checkpoints under torch>=2.6 and launches through the tools."""
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config

from infant_mmpose.utils import PROJECT_ROOT

CONFIG_DIR = osp.join(PROJECT_ROOT, 'tests', 'data', 'configs')
PY = sys.executable


def _build(cfg_file, registry_scope):
    cfg = Config.fromfile(osp.join(CONFIG_DIR, cfg_file))
    # `custom_imports` in the config must be what registers the plugin.
    assert cfg.custom_imports == dict(
        imports=['infant_mmpose'], allow_failed_imports=False)
    from mmengine.registry import DefaultScope
    if registry_scope == 'mmdet':
        from mmdet.registry import MODELS
    else:
        from mmpose.registry import MODELS
    with DefaultScope.overwrite_default_scope(registry_scope):
        model = MODELS.build(cfg.model)
    return cfg, model


def test_import_needs_no_network_and_downloads_nothing(tmp_path):
    """`import infant_mmpose` with every socket connection refused and an
    empty HOME / torch cache: it imports and fetches nothing into them."""
    home = tmp_path / 'home'
    home.mkdir()
    code = (
        'import socket\n'
        'def refuse(*a, **k):\n'
        '    raise OSError("network access attempted")\n'
        'socket.socket.connect = refuse\n'
        'socket.create_connection = refuse\n'
        'import infant_mmpose, mmpose.registry as r\n'
        'assert r.MODELS.get("PoseLifter") is not None\n'
        'print("imported", infant_mmpose.__version__)\n')
    env = dict(os.environ, HOME=str(home), TORCH_HOME=str(home / 'torch'),
               XDG_CACHE_HOME=str(home / 'cache'))
    out = subprocess.run([PY, '-c', code], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert 'imported 0.' in out.stdout
    # Local caches (matplotlib's font list, yapf's grammar) are fine;
    # weights or data would be a download.
    downloaded = [p for p in home.rglob('*') if p.is_file() and p.suffix in
                  ('.pth', '.pt', '.ckpt', '.bin', '.safetensors', '.onnx',
                   '.zip', '.tar', '.gz', '.npz', '.json') and
                  'matplotlib' not in p.parts]
    assert downloaded == [], f'import downloaded files: {downloaded}'
    assert not (home / 'torch').exists()


def test_import_registers_plugin_modules():
    import infant_mmpose  # noqa: F401
    from mmdet.registry import METRICS as DET_METRICS
    from mmpose.registry import DATASETS, METRICS, MODELS, TRANSFORMS
    for registry, name in [(DATASETS, 'MiniRGBDDataset'),
                           (DATASETS, 'MiniRGBDLiftingDataset'),
                           (DATASETS, 'MpiInf3dhpDataset'),
                           (TRANSFORMS, 'KeypointMapping'),
                           (MODELS, 'MartinezLifterHead'),
                           (METRICS, 'HeadPCK'), (METRICS, 'AJPE'),
                           (METRICS, 'PCK3D'), (DET_METRICS, 'BoxIoU')]:
        assert name in registry.module_dict, f'{name} not in {registry.name}'


def test_simplebaseline_r50_upstream_config_loss_and_predict():
    from mmpose.testing import get_packed_inputs
    cfg, model = _build('simplebaseline_r50_upstream.py', 'mmpose')
    assert cfg.model.backbone.depth == 50
    assert type(model).__name__ == 'TopdownPoseEstimator'
    model.train()
    batch = get_packed_inputs(batch_size=2, num_keypoints=16,
                              img_shape=(256, 256), input_size=(256, 256),
                              heatmap_size=(64, 64), with_simcc_label=False)
    data = model.data_preprocessor(batch, training=True)
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_kpt']) and losses['loss_kpt'] > 0
    losses['loss_kpt'].backward()
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batch, training=False)
        preds = model(**data, mode='predict')
    assert len(preds) == 2
    assert preds[0].pred_instances.keypoints.shape == (1, 16, 2)


def test_faster_rcnn_one_class_upstream_config_loss_and_predict():
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    cfg, model = _build('faster_rcnn_r50_one_class.py', 'mmdet')
    assert model.roi_head.bbox_head.num_classes == 1
    # One class: the classifier scores infant + background.
    assert model.roi_head.bbox_head.fc_cls.out_features == 2
    samples = []
    for box in ([40., 50., 180., 200.], [10., 20., 120., 90.]):
        sample = DetDataSample(metainfo=dict(
            img_shape=(224, 256), ori_shape=(224, 256), pad_shape=(224, 256),
            scale_factor=(1., 1.), batch_input_shape=(224, 256)))
        sample.gt_instances = InstanceData(
            bboxes=torch.tensor([box]), labels=torch.tensor([0]))
        samples.append(sample)
    inputs = [torch.randint(0, 255, (3, 224, 256), dtype=torch.uint8)
              for _ in samples]
    model.train()
    data = model.data_preprocessor(dict(inputs=inputs, data_samples=samples),
                                   training=True)
    losses = model(**data, mode='loss')
    total = sum(v.sum() for k, v in losses.items() if 'loss' in k
                for v in (v if isinstance(v, list) else [v]))
    assert torch.isfinite(total)
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(
            dict(inputs=inputs, data_samples=samples), training=False)
        preds = model(**data, mode='predict')
    assert len(preds) == 2
    labels = preds[0].pred_instances.labels
    assert labels.numel() == 0 or int(labels.max()) == 0


def _runner_style_checkpoint(path):
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('checkpoint_trust_test')
    hub.update_scalar('train/loss', 0.5)
    ckpt = dict(
        meta=dict(epoch=1, iter=7, seed=np.int64(3),
                  dataset_meta=dict(sigmas=np.ones(16, np.float32))),
        state_dict={'w': torch.arange(3.)},
        message_hub=hub.state_dict())
    torch.save(ckpt, path)


def test_runner_checkpoint_loads_with_weights_only(tmp_path):
    """What MMEngine saves (NumPy in meta, HistoryBuffers in the message hub)
    loads through torch.load's default weights_only=True."""
    from mmengine.logging import HistoryBuffer
    from mmengine.runner.checkpoint import _load_checkpoint
    path = tmp_path / 'epoch_1.pth'
    _runner_style_checkpoint(path)
    ckpt = _load_checkpoint(str(path), map_location='cpu')
    assert ckpt['meta']['iter'] == 7
    np.testing.assert_array_equal(ckpt['meta']['dataset_meta']['sigmas'],
                                  np.ones(16, np.float32))
    buffer = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.current() == pytest.approx(0.5)


class _RunsCode:
    """A pickle payload that would run a shell command when unpickled."""

    def __reduce__(self):
        return (os.system, ('echo pwned',))


def test_untrusted_pickle_is_still_rejected(tmp_path):
    path = tmp_path / 'evil.pth'
    with open(path, 'wb') as f:
        pickle.dump({'state_dict': _RunsCode()}, f, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match='system'):
        torch.load(path)


def test_restricted_getattr_refuses_other_attributes(tmp_path):
    """The allow-listed `getattr` only returns HistoryBuffer statistics."""
    import builtins

    from mmengine.logging import HistoryBuffer
    path = tmp_path / 'getattr.pth'

    class _Fetch:
        def __reduce__(self):
            return (builtins.getattr, (HistoryBuffer, '__init__'))

    with open(path, 'wb') as f:
        pickle.dump(_Fetch(), f, protocol=2)
    with pytest.raises(pickle.UnpicklingError, match='getattr'):
        torch.load(path)


LIFTER_CFG = osp.join(PROJECT_ROOT, 'configs', 'lifter',
                      'martinez_minirgbd-gt2d.py')


def _lifter_options(data_root, batch_size, max_epochs):
    opts = [f'load_from=None', f'train_cfg.max_epochs={max_epochs}',
            f'train_dataloader.batch_size={batch_size}']
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        opts += [f'{loader}.dataset.data_root={data_root}',
                 f'{loader}.num_workers=0',
                 f'{loader}.persistent_workers=False']
    return opts


def _run(cmd, cwd=PROJECT_ROOT):
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                         timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    return log


def _checkpoint_meta(path):
    return torch.load(path, map_location='cpu')['meta']


def test_train_then_resume_continues_from_saved_iteration(minirgbd_root,
                                                          tmp_path):
    """tools/train.py trains 2 epochs (8 train sequences x 3 frames, batch 8
    = 3 iterations each), then `--resume` continues at epoch 2 / iter 6 and
    stops after epoch 3 / iter 9, with the weights it had saved."""
    work = str(tmp_path / 'work')
    train = [PY, 'tools/train.py', LIFTER_CFG, '--work-dir', work]
    _run(train + ['--cfg-options', *_lifter_options(minirgbd_root, 8, 2)])
    meta = _checkpoint_meta(osp.join(work, 'epoch_2.pth'))
    assert (meta['epoch'], meta['iter']) == (2, 6)
    assert not osp.exists(osp.join(work, 'epoch_3.pth'))

    log = _run(train + ['--resume', '--cfg-options',
                        *_lifter_options(minirgbd_root, 8, 3)])
    assert 'resumed epoch: 2, iter: 6' in log
    assert 'Epoch(train) [1]' not in log  # no epoch was re-run
    meta = _checkpoint_meta(osp.join(work, 'epoch_3.pth'))
    assert (meta['epoch'], meta['iter']) == (3, 9)


def test_dist_train_two_cpu_processes(minirgbd_root, tmp_path):
    """tools/dist_train.sh starts 2 processes (gloo on CPU); each sees half of
    the 24 training samples, so one epoch at batch 4 is 3 iterations."""
    work = str(tmp_path / 'work')
    env = dict(os.environ, PYTHON=PY, PORT='29517')
    out = subprocess.run(
        ['bash', 'tools/dist_train.sh', LIFTER_CFG, '2', '--work-dir', work,
         '--cfg-options', *_lifter_options(minirgbd_root, 4, 1)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
        timeout=600)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log[-3000:]
    assert 'Distributed training: True' in log
    assert 'Epoch(train) [1][3/3]' in log
    meta = _checkpoint_meta(osp.join(work, 'epoch_1.pth'))
    assert meta['iter'] == 3


def test_checkpoint_with_empty_numpy_array_loads(tmp_path):
    """An empty array (e.g. the empty `sigmas` of a metainfo) pickles its
    buffer as `bytes()`; it must load under weights_only=True too."""
    path = tmp_path / 'empty.pth'
    torch.save({'meta': {'sigmas': np.array([], dtype=np.float32)}}, path)
    loaded = torch.load(path)
    assert loaded['meta']['sigmas'].shape == (0, )
