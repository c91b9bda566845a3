#!/usr/bin/env python
"""Evaluate a checkpoint with the config's test data and evaluators.

Same flags as MMPose's ``tools/test.py``. Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --dump results.pkl --show-dir vis/
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction

from infant_mmpose.utils.launch import (enable_visualization,
                                        init_cpu_distributed)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the directory to save evaluation results')
    parser.add_argument(
        '--out', help='file to save the metric results (json)')
    parser.add_argument(
        '--dump', type=str,
        help='dump the raw predictions to a pickle file (.pkl/.pickle)')
    parser.add_argument(
        '--show-dir',
        help='directory where visualised predictions are saved')
    parser.add_argument(
        '--show', action='store_true', help='display the predictions')
    parser.add_argument(
        '--interval', type=int, default=1,
        help='visualise every n-th sample')
    parser.add_argument(
        '--wait-time', type=float, default=1,
        help='display time of every window (seconds)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    """Apply the command-line flags to ``cfg`` (in place) and return it."""
    cfg.launcher = args.launcher
    cfg.load_from = args.checkpoint
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])

    # EarlyStoppingHook.before_run builds the training loop (and with it the
    # training data set), which testing neither needs nor may have.
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', [])
        if h.get('type') != 'EarlyStoppingHook'
    ]

    if args.show or args.show_dir:
        enable_visualization(cfg, args.show, args.show_dir, args.wait_time,
                             args.interval)

    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ValueError('--dump must name a .pkl or .pickle file')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluators = cfg.test_evaluator
        if isinstance(evaluators, (list, tuple)):
            cfg.test_evaluator = [*evaluators, dump]
        else:
            cfg.test_evaluator = [evaluators, dump]
    return cfg


def main(argv=None):
    args = parse_args(argv)
    from mmengine.fileio import dump
    from mmengine.runner import Runner

    for path, what in ((args.config, 'config'), (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            sys.exit(f'error: {what} file not found: {path}')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg = merge_args(cfg, args)
    init_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if args.out:
        dump({k: v for k, v in metrics.items()}, args.out, indent=2)
        print(f'metrics written to {args.out}')


if __name__ == '__main__':
    main()
