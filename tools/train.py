#!/usr/bin/env python
"""Train a detector, 2D pose model or lifter from a config file.

Same flags as MMPose's ``tools/train.py``; works for MMDetection configs too,
because both build their runner from the config through MMEngine.

Examples::

    python tools/train.py configs/lifter/martinez_minirgbd-gt2d.py
    python tools/train.py CONFIG --work-dir work_dirs/x --resume
    bash tools/dist_train.sh CONFIG 2           # 2 processes via torchrun
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from infant_mmpose.utils.launch import (enable_visualization,
                                        init_cpu_distributed)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint; with no value, resume '
        'from the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the real batch size')
    parser.add_argument(
        '--show-dir',
        help='directory where visualised validation results are saved')
    parser.add_argument(
        '--show', action='store_true', help='display validation results')
    parser.add_argument(
        '--interval', type=int, default=1,
        help='visualise every n-th validation sample')
    parser.add_argument(
        '--wait-time', type=float, default=1,
        help='display time of every window (seconds)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs '
        '(e.g. train_cfg.max_epochs=3)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torchrun passes --local-rank (torch>=2.0) or --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    """Apply the command-line flags to ``cfg`` (in place) and return it."""
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    if args.auto_scale_lr:
        if cfg.get('auto_scale_lr') is None:
            raise ValueError('--auto-scale-lr needs `auto_scale_lr` '
                             '(with base_batch_size) in the config')
        cfg.auto_scale_lr.enable = True

    if args.show or args.show_dir:
        enable_visualization(cfg, args.show, args.show_dir, args.wait_time,
                             args.interval)
    return cfg


def main(argv=None):
    args = parse_args(argv)
    from mmengine.runner import Runner

    if not osp.isfile(args.config):
        sys.exit(f'error: config file not found: {args.config}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg = merge_args(cfg, args)
    init_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()


if __name__ == '__main__':
    main()
