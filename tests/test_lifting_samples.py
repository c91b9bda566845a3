"""MINI-RGBD lifting samples built directly from the reader, cached packed
samples and ``LiftingDataPreprocessor``: the same samples and the same
training numbers as the uncached path (issue 16 item 5, issue 14 item 2)."""
import os.path as osp
import uuid

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.structures import InstanceData

import infant_mmpose  # noqa: F401  (registers everything)
from infant_mmpose.fileio.minirgbd_reader import INTRINSICS, MiniRGBDReader
from infant_mmpose.fileio.result_files import save_pose2d_predictions
from infant_mmpose.structures.keypoint_definitions import get_mapping

CODEC = dict(type='MartinezPoseLifting', num_keypoints=16, root_index=6,
             input_norm='root_median', target_scale=100.0)
PIPELINE = [dict(type='GenerateTarget', encoder=CODEC),
            dict(type='PackPoseInputs',
                 meta_keys=('id', 'img_path', 'target_img_path', 'target_root',
                            'sequence', 'frame', 'head_size'))]


def _build(**kwargs):
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    return DATASETS.build(dict(type='MiniRGBDLiftingDataset', **kwargs))


def _to_mpii16(array, visibility=False):
    """(K_src, ...) -> (16, ...) written out from the mapping pairs: a
    derived joint is the mean (visibility: the minimum) of its sources."""
    out = np.zeros((16, ) + array.shape[1:])
    for src, tgt in get_mapping('minirgbd25', 'mpii16'):
        src = list(src) if isinstance(src, tuple) else [src]
        out[tgt] = array[src].min(0) if visibility else array[src].mean(0)
    return out


def _inside(uv):
    return ((uv[:, 0] >= 0) & (uv[:, 0] <= 639) & (uv[:, 1] >= 0)
            & (uv[:, 1] <= 479)).astype(float)


def _expected_samples(root, sequences, predictions=None):
    """What every sample must hold, straight from the reader (and the
    predictions), in reader order; frames whose 2D joints are all <= 0 are
    dropped (MMPose's rule)."""
    expected = []
    for seq in MiniRGBDReader(root, sequences).load():
        for i, frame in enumerate(seq.frames.tolist()):
            if predictions is None:
                uv = _to_mpii16(seq.joints_2d[i])
                vis = _to_mpii16(_inside(seq.joints_2d[i]), visibility=True)
            else:
                kpts, scores = predictions[(seq.sequence, frame)]
                uv, vis = kpts, _inside(kpts) * (scores > 0)
            if uv.max() <= 0:
                continue
            expected.append(dict(
                sequence=seq.sequence, frame=frame, keypoints=uv, visible=vis,
                target=_to_mpii16(seq.joints_3d_mm[i]),
                head=seq.head_length_3d_mm,
                img_path=osp.join(root, f'{seq.sequence:02d}', 'rgb', f'syn_{frame:05d}.png')))
    return expected


@pytest.mark.parametrize('source', ['gt', 'predictions'])
def test_lifting_samples_match_the_reader(minirgbd_root, tmp_path, source):
    predictions, keypoints_2d = None, 'gt'
    if source == 'predictions':
        rng = np.random.default_rng(0)
        predictions, records = {}, []
        for seq in MiniRGBDReader(minirgbd_root, 'test').load():
            for frame in seq.frames.tolist():
                kpts = rng.uniform(-40, 700, (16, 2))
                if (seq.sequence, frame) == (12, 1):
                    kpts = -np.abs(kpts) - 1  # all <= 0: the frame is dropped
                scores = rng.uniform(-0.3, 1, 16)
                predictions[(seq.sequence, frame)] = (kpts, scores)
                records.append(dict(sequence=seq.sequence, frame=frame,
                                    keypoints=kpts, scores=scores))
        keypoints_2d = str(tmp_path / 'pose2d.json')
        save_pose2d_predictions(keypoints_2d, records, 'mpii16')
    ds = _build(data_root=minirgbd_root, sequences='test', keypoints_2d=keypoints_2d,
                keypoint_definition='mpii16', pipeline=PIPELINE)
    expected = _expected_samples(minirgbd_root, 'test', predictions)
    assert len(ds) == len(expected) == (5 if predictions else 6)
    for i, exp in enumerate(expected):
        info = ds.get_data_info(i)
        assert (info['sequence'], info['frame']) == (exp['sequence'], exp['frame'])
        assert info['img_id'] == exp['sequence'] * 100000 + exp['frame']
        assert info['img_path'] == exp['img_path']
        assert list(info['target_img_path']) == [exp['img_path']]
        assert info['keypoints_definition'] == 'mpii16' and info['num_keypoints'] == 16
        np.testing.assert_allclose(info['keypoints'][0], exp['keypoints'], atol=1e-3)
        np.testing.assert_array_equal(info['keypoints_visible'][0], exp['visible'])
        for key in ('lifting_target', 'keypoints_3d'):
            np.testing.assert_allclose(info[key][0], exp['target'], atol=1e-3)
        # mpii16 joints without a MINI-RGBD source do not count
        has_source = _to_mpii16(np.ones(25), visibility=True)
        np.testing.assert_array_equal(info['lifting_target_visible'][0], has_source)
        assert info['head_size'].shape == (1, 1)
        assert info['head_size'][0, 0] == pytest.approx(exp['head'], rel=1e-6)
        cam = info['camera_param']
        np.testing.assert_allclose(cam['f'][:, 0], [INTRINSICS['fx'], INTRINSICS['fy']])
        np.testing.assert_allclose(cam['c'][:, 0], [INTRINSICS['cx'], INTRINSICS['cy']])
        assert (cam['w'], cam['h']) == (640, 480)
        # the packed sample: pelvis-relative target in decimetres
        # (target_scale=100), the pelvis as target_root
        packed = ds[i]['data_samples']
        label = packed.gt_instance_labels.lifting_target_label.numpy()[0]
        pelvis = exp['target'][6]
        np.testing.assert_allclose(label, (exp['target'] - pelvis) / 100, atol=1e-4)
        np.testing.assert_allclose(packed.metainfo['target_root'][0], pelvis, atol=1e-3)


def test_cached_samples_are_the_pipeline_output(minirgbd_root):
    args = dict(data_root=minirgbd_root, sequences='val', keypoint_definition='mpii16',
                pipeline=PIPELINE)
    plain, cached = _build(**args), _build(cache_samples=True, **args)
    assert len(plain) == len(cached) == 6
    for i in range(len(plain)):
        first, again, fresh = cached[i], cached[i], plain[i]
        assert again is first  # packed once, handed out again
        assert fresh is not plain[i]  # without the cache: a new sample each time
        assert torch.equal(first['inputs'], fresh['inputs'])
        for field in ('lifting_target_label', 'lifting_target_weight'):
            assert torch.equal(first['data_samples'].gt_instance_labels[field],
                               fresh['data_samples'].gt_instance_labels[field])
        assert first['data_samples'].metainfo.keys() == fresh['data_samples'].metainfo.keys()
    # a subset has other indices, hence its own cache
    subset = cached.get_subset([5, 0])
    assert subset[0] is not cached[5]
    assert torch.equal(subset[0]['inputs'], cached[5]['inputs'])
    assert subset[1]['data_samples'].metainfo['frame'] == cached[0]['data_samples'].metainfo['frame']
    # in a DataLoader worker the cache is off (a worker would keep one
    # shared-memory file descriptor open per cached tensor)
    from infant_mmpose.datasets import sample_cache
    real = sample_cache.get_worker_info
    sample_cache.get_worker_info = lambda: object()
    try:
        assert cached[1] is not cached[1]
    finally:
        sample_cache.get_worker_info = real
    # a random transform would give every epoch the first epoch's draw
    with pytest.raises(ValueError, match='RandomFlipAroundRoot'):
        _build(cache_samples=True, data_root=minirgbd_root, sequences='val',
               keypoint_definition='mpii16',
               pipeline=[dict(type='RandomFlipAroundRoot', keypoints_flip_cfg=dict(),
                              target_flip_cfg=dict())] + PIPELINE)


def test_lifting_data_preprocessor_copies_only_for_prediction():
    from mmpose.registry import MODELS
    from mmpose.structures import PoseDataSample
    from infant_mmpose.models.data_preprocessors.lifting_data_preprocessor import _tensors_on
    pre = MODELS.build(dict(type='LiftingDataPreprocessor'))
    inputs = [torch.randn(32, 1) for _ in range(3)]
    samples = []
    for i in range(3):
        sample = PoseDataSample(metainfo=dict(frame=i))
        sample.gt_instance_labels = InstanceData(lifting_target_label=torch.randn(1, 16, 3))
        samples.append(sample)
    batch = dict(inputs=inputs, data_samples=samples)
    train = pre(batch, training=True)
    assert all(a is b for a, b in zip(train['inputs'], inputs))
    # a training step only reads the samples: no copies on the same device
    assert all(a is b for a, b in zip(train['data_samples'], samples))
    test = pre(batch, training=False)
    assert all(torch.equal(a, b) for a, b in zip(test['inputs'], inputs))
    # prediction writes into the samples: copies, as BaseDataPreprocessor
    for copy, sample in zip(test['data_samples'], samples):
        assert copy is not sample and copy.metainfo['frame'] == sample.metainfo['frame']
        assert torch.equal(copy.gt_instance_labels.lifting_target_label,
                           sample.gt_instance_labels.lifting_target_label)
    assert _tensors_on(samples[0], torch.device('cpu'))
    samples[0].gt_instance_labels.elsewhere = torch.empty(1, device='meta')
    assert not _tensors_on(samples[0], torch.device('cpu'))


class _RecordMetrics(Hook):
    def __init__(self):
        self.metrics = []

    def after_val_epoch(self, runner, metrics=None):
        self.metrics.append(dict(metrics))


def _train(config, root, work_dir, fast, workers=None):
    """3 epochs of 3 iterations of ``config`` through the Runner (as
    tools/train.py builds it), validating after each: (losses, metrics).
    ``fast=False``: the path before issue 16 (no sample cache, MMEngine's
    collate and data preprocessor, the configured workers doing the
    loading); ``workers=0``: no workers and no InProcessLoadingHook (a new
    loader iterator every epoch)."""
    from mmengine.config import Config
    from mmengine.runner import Runner
    from infant_mmpose.utils import config_path
    cfg = Config.fromfile(config_path(config))
    cfg.load_from = None
    cfg.work_dir = work_dir
    # MMEngine hands a later runner an existing visualizer of the same name,
    # still writing into the first runner's (possibly deleted) work_dir; and
    # pytest reuses a passed test's tmp_path name.
    cfg.visualizer.name = f'visualizer_{uuid.uuid4().hex}'
    cfg.log_level = 'WARNING'
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].dataset.data_root = root
    cfg.train_dataloader.batch_size = 8  # 24 training samples: 3 iterations
    # validation's loader is not what changed: no worker start-ups there
    cfg.val_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.train_cfg.update(max_epochs=3, val_interval=1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.randomness = dict(seed=0)  # the thesis configs leave the seed random
    if not fast:  # the path before the sample cache and the preprocessor
        cfg.train_dataloader.dataset.cache_samples = False
        cfg.model.data_preprocessor = dict(type='BaseDataPreprocessor')
        cfg.train_dataloader.collate_fn = dict(type='pseudo_collate')
    if not fast or workers == 0:
        cfg.custom_hooks = [h for h in cfg.custom_hooks
                            if h['type'] != 'InProcessLoadingHook']
    if workers == 0:
        cfg.train_dataloader.update(num_workers=0, persistent_workers=False)
    runner = Runner.from_cfg(cfg)
    recorder = _RecordMetrics()
    runner.register_hook(recorder)
    runner.train()
    loader = runner.train_dataloader
    recorder.loader = (type(loader).__name__, loader.num_workers)
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    return np.asarray(losses), recorder.metrics, recorder.loader


@pytest.mark.parametrize('config', ['quickstart/lifter.py', 'lifter/martinez_minirgbd-gt2d.py',
                                    'lifter/martinez_minirgbd-gt2d_rootnorm.py'])
def test_runner_training_numbers_unchanged(minirgbd_root, tmp_path, one_torch_thread, config):
    """The quickstart lifter (no workers: the sample cache) and the thesis
    MINI-RGBD lifters (2 persistent workers before; now the sample cache,
    loaded in the training process by InProcessLoadingHook) give the same
    losses and validation metrics as the path before issue 16."""
    fast = _train(config, minirgbd_root, str(tmp_path / 'fast'), True)
    slow = _train(config, minirgbd_root, str(tmp_path / 'slow'), False)
    thesis = config.startswith('lifter/')
    assert slow[2] == ('DataLoader', 2 if thesis else 0)
    assert fast[2] == ('OneIteratorDataLoader', 0) if thesis else ('DataLoader', 0)
    assert len(fast[0]) == len(slow[0]) == 9
    # same seed, same samples, same order, same dropout: bit-identical
    np.testing.assert_array_equal(fast[0], slow[0])
    assert len(fast[1]) == len(slow[1]) == 3
    assert fast[1] == slow[1]
    assert fast[1][-1]['AJPE'] < fast[1][0]['AJPE']  # it did learn
    if config == 'lifter/martinez_minirgbd-gt2d.py':
        # what the hook avoids: without workers and without one iterator
        # for the run, dropout's random stream (and so the losses) differs
        # from the second epoch on
        plain = _train(config, minirgbd_root, str(tmp_path / 'plain'), True, workers=0)
        assert plain[2] == ('DataLoader', 0)
        np.testing.assert_array_equal(plain[0][:3], slow[0][:3])
        assert not np.array_equal(plain[0][3:], slow[0][3:])


def _cached_loader(root, **loader_args):
    from torch.utils.data import DataLoader
    from infant_mmpose.datasets.lifting_collate import lifting_collate
    from infant_mmpose.datasets.samplers import BatchNormSafeBatchSampler
    from mmengine.dataset import DefaultSampler
    dataset = _build(data_root=root, sequences='train', keypoint_definition='mpii16',
                     pipeline=PIPELINE, cache_samples=loader_args.pop('cache', True))
    sampler = BatchNormSafeBatchSampler(DefaultSampler(dataset, shuffle=True, seed=3),
                                        batch_size=5)
    return DataLoader(dataset, batch_sampler=sampler, collate_fn=lifting_collate,
                      **loader_args)


def _epochs(loader, epochs=3):
    """Every epoch's sample frames, and the global torch random state after."""
    frames = []
    for epoch in range(epochs):
        loader.batch_sampler.sampler.set_epoch(epoch)
        frames.append([[s.metainfo['frame'] + 1000 * s.metainfo['sequence']
                        for s in batch['data_samples']] for batch in loader])
    return frames, torch.get_rng_state()


def test_in_process_loading_hook_keeps_batches_and_random_stream(minirgbd_root):
    from types import SimpleNamespace
    from mmpose.registry import HOOKS
    from infant_mmpose.models.hooks.in_process_loading_hook import OneIteratorDataLoader
    hook = HOOKS.build(dict(type='InProcessLoadingHook'))

    def hooked(loader):
        runner = SimpleNamespace(train_loop=SimpleNamespace(dataloader=loader))
        hook.before_train(runner)
        return runner.train_loop.dataloader

    persistent = dict(num_workers=1, persistent_workers=True)
    torch.manual_seed(7)
    with_workers = _epochs(_cached_loader(minirgbd_root, **persistent))
    original = _cached_loader(minirgbd_root, **persistent)
    loader = hooked(original)
    assert type(loader) is OneIteratorDataLoader and loader.num_workers == 0
    assert loader.dataset is original.dataset and loader.batch_sampler is original.batch_sampler
    torch.manual_seed(7)
    in_process = _epochs(loader)
    # the same batches, epoch by epoch (24 samples, batches of 5: the last
    # batch of 4 is kept), and the same draws from the global generator
    assert [len(b) for b in in_process[0][0]] == [5, 5, 5, 5, 4]
    assert in_process[0] == with_workers[0]
    assert in_process[0][0] != in_process[0][1]  # reshuffled every epoch
    assert torch.equal(in_process[1], with_workers[1])
    assert iter(loader) is iter(loader)
    # a new iterator every epoch draws again: another random stream
    torch.manual_seed(7)
    assert not torch.equal(_epochs(_cached_loader(minirgbd_root))[1], with_workers[1])
    # left alone: no persistent workers (the quickstart configs), no sample
    # cache (the workers run the pipeline)
    for loader in (_cached_loader(minirgbd_root),
                   _cached_loader(minirgbd_root, cache=False, **persistent)):
        assert hooked(loader) is loader
