#!/usr/bin/env python
"""Training throughput on this machine's CPU.

* Martinez lifter (configs/lifter/martinez_minirgbd-gt2d.py): optimiser
  steps of batch 64 -> samples/s and seconds per epoch of 8,000 samples
  (the thesis: 2.19 s per epoch on a GTX TITAN X).
* 2D model: training iterations/s of the thesis SimpleBaseline ResNet-50
  (256x256, batch 16) and of the quickstart 2D config (128x128, batch 16).

Batches come from the configs' own pipelines on a small generated MINI-RGBD
root (so packing and targets are real); timing covers the optimiser step
(``model.train_step``: preprocessing, forward, backward, update), not data
loading.

Usage::

    python benchmarks/bench_training.py [--threads 2] [--iters 20]
"""
import argparse
import copy
import os.path as osp
import tempfile
import time

import torch


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--lifter-iters', type=int, default=30)
    parser.add_argument('--pose2d-iters', type=int, default=3,
                        help='0 skips the 2D models')
    args = parser.parse_args()
    if args.lifter_iters < 1:
        parser.error(f'--lifter-iters must be >= 1, got {args.lifter_iters}')
    if args.pose2d_iters < 0:
        parser.error(f'--pose2d-iters must be >= 0, got {args.pose2d_iters}')
    return args


def _setup(config: str, root: str, split_overrides: dict):
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


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    from infant_mmpose.synthetic.minirgbd import generate_minirgbd
    with tempfile.TemporaryDirectory() as tmp:
        root = osp.join(tmp, 'minirgbd')
        generate_minirgbd(root, num_sequences=2, num_frames=8, seed=0)
        print(f'CPU threads: {args.threads}')

        model, optim, samples, collate, bs = _setup(
            'lifter/martinez_minirgbd-gt2d.py', root,
            dict(sequences=[1, 2], keypoints_2d='gt'))
        step = time_steps(model, optim, samples, collate, args.lifter_iters)
        per_epoch = 8000 / bs * step
        print(f'lifter (Martinez, 1024 wide, batch {bs}): '
              f'{bs / step:.0f} samples/s, {step * 1000:.1f} ms/step, '
              f'{per_epoch:.2f} s per epoch of 8,000 samples '
              '(thesis: 2.19 s on a GTX TITAN X)')

        if args.pose2d_iters == 0:
            print('2D models: skipped (--pose2d-iters 0)')
            return
        for config, label in (
                ('pose2d/td-hm_res50_minirgbd-256x256.py',
                 'thesis SimpleBaseline R50 256x256'),
                ('quickstart/pose2d.py', 'quickstart 2D 128x128')):
            model, optim, samples, collate, bs = _setup(
                config, root, dict(sequences=[1, 2], bbox_source='mask'))
            step = time_steps(model, optim, samples, collate,
                              args.pose2d_iters)
            print(f'2D {label} (batch {bs}): {1 / step:.3f} iterations/s, '
                  f'{step:.2f} s/iteration, {bs / step:.1f} images/s')


if __name__ == '__main__':
    main()
