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

# Importing the package registers the plugin's modules.
from infant_mmpose.utils.launch import (add_common_args, init_cpu_distributed,
                                        load_config)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint; with no value, resume '
        'from the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp', action='store_true', help='enable automatic mixed precision')
    parser.add_argument(
        '--no-validate', action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the learning rate by the real batch size')
    add_common_args(parser)
    return parser.parse_args(argv)


def merge_args(cfg, args):
    """Apply the training-only flags to ``cfg`` (in place) and return it."""
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
    return cfg


def main(argv=None):
    from mmengine.runner import Runner
    args = parse_args(argv)
    cfg = merge_args(load_config(args), args)
    init_cpu_distributed(cfg)
    Runner.from_cfg(cfg).train()


if __name__ == '__main__':
    main()
