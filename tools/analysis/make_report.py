#!/usr/bin/env python
"""Write the results report (tables beside the thesis's numbers, per-joint
PCKh charts, loss curves) from test results and training logs.

Example::

    python tools/analysis/make_report.py \\
        --results pose2d=work_dirs/pose2d_test lifter_gt2d=results/lift.json \\
        --logs pose2d=work_dirs/pose2d \\
        --out work_dirs/report

``--results STAGE=PATH``: the metrics JSON written by ``tools/test.py``
(``<work_dir>/<timestamp>/<timestamp>.json``) or that work dir.
``--logs STAGE=PATH``: MMEngine's ``vis_data/scalars.json`` or the training
work dir. ``--list-stages`` prints the stage names.
"""
import argparse
import sys

from infant_mmpose.visualization.report import (REFERENCE_STAGES, STAGES,
                                             make_report)


def _pairs(items, option):
    pairs = {}
    for item in items or []:
        stage, sep, path = item.partition('=')
        if not sep or not stage or not path:
            raise SystemExit(f'{option} expects STAGE=PATH, got {item!r}')
        pairs[stage] = path
    return pairs


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--results', nargs='+', metavar='STAGE=PATH',
                        help='test results JSON file or work dir per stage')
    parser.add_argument('--logs', nargs='+', metavar='STAGE=PATH',
                        help='scalars.json or training work dir per stage')
    parser.add_argument('--out', help='output folder')
    parser.add_argument('--note',
                        help='what the run was trained and tested on, shown '
                        'under the title (e.g. "synthetic MINI-RGBD")')
    parser.add_argument('--list-stages', action='store_true',
                        help='print the known stage names and exit')
    args = parser.parse_args(argv)
    if not args.list_stages and not args.out:
        parser.error('--out is required')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list_stages:
        for name, stage in STAGES.items():
            if name not in REFERENCE_STAGES:
                print(f'{name:26s} {stage.label}')
        return 0
    try:
        written = make_report(
            _pairs(args.results, '--results'), _pairs(args.logs, '--logs'),
            args.out, data_note=args.note)
    except (FileNotFoundError, ValueError) as err:
        print(f'make_report: {err}', file=sys.stderr)
        return 1
    for name, path in written.items():
        print(f'{name}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
