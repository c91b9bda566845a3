#!/usr/bin/env python
"""Evaluate a checkpoint with the config's test data and evaluators.

Same flags as MMPose's ``tools/test.py``. Examples::

    python tools/test.py CONFIG CHECKPOINT
    python tools/test.py CONFIG CHECKPOINT --dump results.pkl --show-dir vis/
"""
import argparse
import os.path as osp
import sys

# Importing the package registers the plugin's modules.
from infant_mmpose.utils.launch import (add_common_args, init_cpu_distributed,
                                        load_config)


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
    add_common_args(parser)
    return parser.parse_args(argv)


def merge_args(cfg, args):
    """Apply the testing-only flags to ``cfg`` (in place) and return it."""
    cfg.load_from = args.checkpoint
    # EarlyStoppingHook.before_run builds the training loop (and with it the
    # training data set), which testing neither needs nor may have.
    cfg.custom_hooks = [
        h for h in cfg.get('custom_hooks', [])
        if h.get('type') != 'EarlyStoppingHook'
    ]
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
    from mmengine.fileio import dump
    from mmengine.runner import Runner
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        sys.exit(f'error: checkpoint file not found: {args.checkpoint}')
    cfg = merge_args(load_config(args), args)
    init_cpu_distributed(cfg)
    metrics = Runner.from_cfg(cfg).test()
    if args.out:
        dump(dict(metrics), args.out, indent=2)
        print(f'metrics written to {args.out}')


if __name__ == '__main__':
    main()
