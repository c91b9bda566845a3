#!/usr/bin/env python
"""Training speed on this machine's CPU.

* Martinez lifter: epochs through MMEngine's ``Runner`` built from the
  config (``Runner.from_cfg(cfg).train()``, tools/train.py's path; no
  validation, no checkpoints) against the same MLP trained in plain PyTorch,
  **interleaved in one process**: Runner epoch 1, plain epoch 1, Runner
  epoch 2, ... The plain side is ``MartinezLifterHead``'s network built
  from the same config and started from the Runner model's initial weights
  (copied when the Runner starts training), trained on the same 8,000
  samples (the config's data set and pipeline, encoded once into two
  tensors before timing), shuffled index slices of the config's batch size
  (64), the same weighted MSE and Adam with the config's learning rate, the
  same number of epochs; no data loader, no hooks, no logging. The Runner
  runs three times (``--flows``): as configured (``cache_samples``,
  ``lifting_collate``, ``LiftingDataPreprocessor``, and for the thesis
  configs' persistent workers ``InProcessLoadingHook``, which loads the
  cached samples in the training process); "workers load": the same
  without the hook (the thesis configs before it: their 2 workers run the
  pipeline); and as before issue 16 (no sample cache, ``pseudo_collate``,
  MMEngine's ``BaseDataPreprocessor``, the configured workers loading).
  ``--num-workers N`` makes N workers load in every flow (the hook off). Data: a generated MINI-RGBD root (annotation
  files only), training sequences 1-8 x ``--lifter-frames`` frames (1000:
  the real data set's 8,000 training samples). The thesis: 2.19 s per
  epoch on a GTX TITAN X.
* 2D model: training iterations/s of the thesis SimpleBaseline ResNet-50
  (256x256, batch 16) and of the quickstart 2D config (128x128, batch 16),
  batches from the configs' own pipelines on generated frames; timing covers
  ``model.train_step`` (preprocessing, forward, backward, update).

The machine's load average is printed with every epoch: on a shared CPU
read the ratios within one run, not the absolute seconds.

Usage::

    python benchmarks/bench_training.py [--threads 2] [--lifter-epochs 3]
        [--lifter-frames 1000] [--num-workers N] [--pose2d-iters 3 | 0]
        [--lifter-config lifter/martinez_minirgbd-gt2d.py]
        [--flows configured workers before]
"""
import argparse
import copy
import os
import os.path as osp
import statistics
import tempfile
import time

import torch

LIFTER_CONFIG = 'lifter/martinez_minirgbd-gt2d.py'
#: lifter flows: the config as it is; the config with its workers loading
#: (without InProcessLoadingHook: the thesis configs before it); the path
#: before issue 16
FLOWS = {'configured': 'as configured', 'workers': 'workers load',
         'before': 'before issue 16'}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--lifter-config', default=LIFTER_CONFIG,
                        help='lifter config on MINI-RGBD (under configs/)')
    parser.add_argument('--lifter-epochs', type=int, default=3,
                        help='epochs per flow (the first one fills the sample cache)')
    parser.add_argument('--num-workers', type=int, default=None,
                        help="the lifter loader's num_workers (default: the config's)")
    parser.add_argument('--lifter-frames', type=int, default=1000,
                        help='frames per training sequence (8 sequences)')
    parser.add_argument('--pose2d-iters', type=int, default=3,
                        help='0 skips the 2D models')
    parser.add_argument('--flows', nargs='+', choices=FLOWS, default=list(FLOWS),
                        help='lifter flows to run (default: all)')
    args = parser.parse_args()
    if args.lifter_epochs < 2:
        parser.error(f'--lifter-epochs must be >= 2, got {args.lifter_epochs}')
    if args.lifter_frames < 8:
        parser.error(f'--lifter-frames must be >= 8, got {args.lifter_frames}')
    if args.pose2d_iters < 0:
        parser.error(f'--pose2d-iters must be >= 0, got {args.pose2d_iters}')
    return args


def load_average() -> str:
    return '{:.1f}'.format(os.getloadavg()[0])


# ---------------------------------------------------------------- lifter
def _lifter_cfg(config: str, root: str, work_dir: str, epochs: int, flow: str,
                num_workers=None):
    """The config as tools/train.py --no-validate would run it, on ``root``,
    changed for ``flow`` (a key of FLOWS)."""
    before = flow == 'before'
    from mmengine.config import Config
    from infant_mmpose.utils import config_path
    cfg = Config.fromfile(config_path(config))
    cfg.work_dir = work_dir
    cfg.load_from = None
    cfg.log_level = 'WARNING'
    cfg.train_dataloader.dataset.data_root = root
    if num_workers is not None or flow != 'configured':
        # the workers (if any) load: no in-process loading
        cfg.custom_hooks = [h for h in cfg.custom_hooks
                            if h['type'] != 'InProcessLoadingHook']
    if num_workers is not None:
        cfg.train_dataloader.num_workers = num_workers
        cfg.train_dataloader.persistent_workers = num_workers > 0
    cfg.train_cfg.max_epochs = epochs
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'EarlyStoppingHook']
    if before:
        cfg.train_dataloader.dataset.cache_samples = False
        cfg.model.data_preprocessor = dict(type='BaseDataPreprocessor')
        cfg.train_dataloader.collate_fn = dict(type='pseudo_collate')
    return cfg


class PlainLifterTraining:
    """The lifter's MLP (``MartinezLifterHead``'s layers) trained in plain
    PyTorch on pre-encoded tensors: what the Runner epoch is compared with
    (with the config's max-norm, which MaxNormConstraintHook applies in the
    Runner)."""

    def __init__(self, cfg, dataset):
        from mmpose.registry import MODELS
        samples = [dataset[i] for i in range(len(dataset))]
        self.inputs = torch.stack([s['inputs'] for s in samples]).flatten(1)
        labels = [s['data_samples'].gt_instance_labels for s in samples]
        self.targets = torch.cat([lab.lifting_target_label for lab in labels])
        self.weights = torch.cat([lab.lifting_target_weight for lab in labels])[..., None]
        self.net = MODELS.build(cfg.model.head)
        self.lr = cfg.optim_wrapper.optimizer.lr
        self.batch_size = cfg.train_dataloader.batch_size
        self.restart(self.net)

    def restart(self, head) -> None:
        """Start again from ``head``'s weights (the Runner's model before
        its first step) with a fresh Adam: both sides train the same
        network from the same start, epoch for epoch."""
        self.net.load_state_dict(head.state_dict())
        self.net.train()
        self.optim = torch.optim.Adam(self.net.parameters(), lr=self.lr)

    def epoch(self) -> tuple:
        """Wall and CPU seconds for one shuffled epoch (a last batch of one
        is skipped, as BatchNormSafeBatchSampler does)."""
        start, cpu = time.perf_counter(), time.process_time()
        order = torch.randperm(len(self.inputs))
        for first in range(0, len(order), self.batch_size):
            idx = order[first:first + self.batch_size]
            if len(idx) < 2:
                break
            pred = self.net(self.inputs[idx])
            loss = ((pred - self.targets[idx])**2 * self.weights[idx]).mean()
            self.optim.zero_grad()
            loss.backward()
            self.optim.step()
            self.net.apply_max_norm()  # a no-op without max_norm, as the hook
        return time.perf_counter() - start, time.process_time() - cpu


def run_lifter_flow(cfg, plain: PlainLifterTraining, label: str) -> dict:
    """Train ``cfg`` through the Runner; after each of its epochs run one
    plain-PyTorch epoch. Returns the per-epoch seconds of both."""
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    times = dict(runner=[], plain=[], runner_cpu=[], plain_cpu=[], load=[])

    class Interleave(Hook):
        priority = 'VERY_HIGH'  # first to start the clock, first to stop it

        def before_train(self, runner):
            plain.restart(runner.model.head)

        def before_train_epoch(self, runner):
            if runner.epoch == 0:
                loader = runner.train_dataloader
                collate = getattr(loader.collate_fn, 'func', loader.collate_fn)
                print(f'  {label}: {type(loader).__name__}, num_workers '
                      f'{loader.num_workers}, {collate.__name__}, '
                      f'{type(runner.model.data_preprocessor).__name__}', flush=True)
            self.start, self.cpu = time.perf_counter(), time.process_time()

        def after_train_epoch(self, runner):
            times['runner'].append(time.perf_counter() - self.start)
            times['runner_cpu'].append(time.process_time() - self.cpu)
            wall, cpu = plain.epoch()
            times['plain'].append(wall)
            times['plain_cpu'].append(cpu)
            times['load'].append(load_average())
            print(f'  {label}: epoch {runner.epoch + 1}: Runner '
                  f'{times["runner"][-1]:.2f} s (CPU {times["runner_cpu"][-1]:.2f} s), '
                  f'plain PyTorch {wall:.2f} s (CPU {cpu:.2f} s) '
                  f'(load {times["load"][-1]})', flush=True)

    runner = Runner.from_cfg(cfg)
    runner.register_hook(Interleave())
    runner.train()
    return times


def bench_lifter(args, tmp: str) -> None:
    import infant_mmpose  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    from infant_mmpose.synthetic.minirgbd import generate_minirgbd
    root = osp.join(tmp, 'minirgbd_lifter')
    print(f'generating MINI-RGBD annotations: 8 sequences x {args.lifter_frames} frames ...',
          flush=True)
    generate_minirgbd(root, num_sequences=8, num_frames=args.lifter_frames, seed=0,
                      annotations_only=True, show_progress=False)
    cfg = _lifter_cfg(args.lifter_config, root, osp.join(tmp, 'work'), args.lifter_epochs,
                      'configured', num_workers=args.num_workers)
    init_default_scope('mmpose')
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.cache_samples = False
    plain = PlainLifterTraining(cfg, DATASETS.build(ds_cfg))
    n, bs = len(plain.inputs), plain.batch_size
    loader = cfg.train_dataloader
    print(f'lifter {args.lifter_config}: {n} training samples, batch {bs}, '
          f'{torch.get_num_threads()} torch threads, num_workers '
          f'{loader.get("num_workers", 0)}, load average {load_average()} at the start')
    flows = {}
    for flow in args.flows:
        flows[FLOWS[flow]] = run_lifter_flow(
            _lifter_cfg(args.lifter_config, root, osp.join(tmp, f'work_{flow}'),
                        args.lifter_epochs, flow, args.num_workers), plain, FLOWS[flow])
    print(f'lifter training, seconds per epoch of {n} samples: epoch 1 apart (it packs '
          'the samples into the cache), later epochs: median; ratio: median over the later '
          'epochs of Runner epoch / the plain epoch right after it; CPU: this process\'s '
          'CPU time (without DataLoader workers)')
    print('| flow | Runner epoch 1 | Runner later | plain PyTorch | Runner / plain '
          '| CPU: Runner / plain |')
    print('|---|---|---|---|---|---|')
    for label, t in flows.items():
        later, plain_s = (statistics.median(t[k][1:]) for k in ('runner', 'plain'))
        ratio = statistics.median(r / p for r, p in zip(t['runner'][1:], t['plain'][1:]))
        cpu_ratio = statistics.median(
            r / p for r, p in zip(t['runner_cpu'][1:], t['plain_cpu'][1:]))
        print(f'| {label} | {t["runner"][0]:.2f} | {later:.2f} | {plain_s:.2f} | '
              f'x{ratio:.2f} | x{cpu_ratio:.2f} |')
    print(f'load average at the end {load_average()}; thesis: 2.19 s per epoch of 8,000 '
          'samples on a GTX TITAN X')


# -------------------------------------------------------------------- 2D
def _setup_2d(config: str, root: str, split_overrides: dict):
    import infant_mmpose  # noqa: F401
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS, MODELS
    from infant_mmpose.utils import config_path
    cfg = Config.fromfile(config_path(config))
    init_default_scope('mmpose')
    model = MODELS.build(cfg.model)
    model.train()
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.update(data_root=root, **split_overrides)
    dataset = DATASETS.build(ds_cfg)
    batch_size = cfg.train_dataloader.batch_size
    samples = [dataset[i % len(dataset)] for i in range(batch_size)]
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    return model, optim, samples, pseudo_collate, batch_size


def time_steps(model, optim, samples, collate, iters: int) -> float:
    """Seconds per ``train_step`` (after 2 warm-up steps)."""
    for _ in range(2):
        model.train_step(collate(copy.deepcopy(samples)), optim)
    start = time.perf_counter()
    for _ in range(iters):
        model.train_step(collate(copy.deepcopy(samples)), optim)
    return (time.perf_counter() - start) / iters


def bench_pose2d(args, tmp: str) -> None:
    from infant_mmpose.synthetic.minirgbd import generate_minirgbd
    root = osp.join(tmp, 'minirgbd')
    generate_minirgbd(root, num_sequences=2, num_frames=8, seed=0)
    for config, label in (
            ('pose2d/td-hm_res50_minirgbd-256x256.py',
             'thesis SimpleBaseline R50 256x256'),
            ('quickstart/pose2d.py', 'quickstart 2D 128x128')):
        model, optim, samples, collate, bs = _setup_2d(
            config, root, dict(sequences=[1, 2]))
        step = time_steps(model, optim, samples, collate, args.pose2d_iters)
        print(f'2D {label} (batch {bs}): {1 / step:.3f} iterations/s, '
              f'{step:.2f} s/iteration, {bs / step:.1f} images/s (load {load_average()})')


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    print(f'CPU threads: {args.threads}')
    with tempfile.TemporaryDirectory() as tmp:
        bench_lifter(args, tmp)
        if args.pose2d_iters == 0:
            print('2D models: skipped (--pose2d-iters 0)')
            return
        bench_pose2d(args, tmp)


if __name__ == '__main__':
    main()
