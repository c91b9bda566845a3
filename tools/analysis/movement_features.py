#!/usr/bin/env python
"""General Movements features from 3D keypoint series: one CSV row per input.

Example::

    python tools/analysis/movement_features.py out/video.npz out2/*.npz \\
        --out features.csv --reference typical.csv --plots sheets/

Inputs are the inferencer's NPZ, JSON or CSV files. The table's first column
is ``input``, then recording facts (``recording_*``), then the features
(``docs/movement_features.md``); with ``--reference`` (a table written by
this command for reference recordings) also ``<feature>_z``, ``surprise``,
``surprise_z``. ``--plots DIR`` writes a sheet per recording. A file that
cannot be analysed is reported (``SKIPPED <path>: <reason>``) and the others
still produce rows; the exit status is 1 when any input was skipped, 2 when
none could be analysed.
"""
import argparse
import json
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('\n\n', 1)[1])
    parser.add_argument('inputs', nargs='*', metavar='INPUT',
                        help='inferencer .npz / .json / .csv files')
    parser.add_argument('--out', help='feature table to write (CSV)')
    parser.add_argument('--reference', metavar='REF_CSV',
                        help='reference feature table: adds z-scores and '
                        'the surprise score')
    parser.add_argument('--plots', metavar='DIR',
                        help='write a movement sheet (PNG) per recording')
    parser.add_argument('--rate', type=float, default=30.0,
                        help='resampling rate in Hz (default 30)')
    parser.add_argument('--max-gap', type=float, default=0.5,
                        help='longest gap in s bridged by interpolation; '
                        'longer gaps split the series (default 0.5)')
    parser.add_argument('--min-segment', type=float, default=1.0,
                        help='shortest segment in s that is analysed '
                        '(default 1.0)')
    parser.add_argument('--align', default='global',
                        choices=('global', 'per_frame', 'none'),
                        help='rotate into the trunk frame of the whole '
                        'recording (default), of each frame, or not at all')
    parser.add_argument('--smoothing', metavar='JSON',
                        help='temporal filter config, e.g. \'{"type": '
                        '"SavitzkyGolayFilter", "window_length": 9}\'')
    parser.add_argument('--quiet', action='store_true',
                        help='no progress bar')
    parser.add_argument('--feature-table', action='store_true',
                        help='print the feature catalogue (Markdown: name, '
                        'unit, formula) and exit')
    args = parser.parse_args(argv)
    if not args.feature_table and (not args.inputs or not args.out):
        parser.error('INPUT and --out are required')
    if not args.rate > 0 or args.max_gap < 0 or args.min_segment < 0:
        parser.error('need --rate > 0, --max-gap >= 0, --min-segment >= 0')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from infant_mmpose.movement import (NormativeReference, ReferenceError,
                                        catalogue_markdown)
    from infant_mmpose.movement.batch import analyse_files
    if args.feature_table:
        sys.stdout.write(catalogue_markdown())
        return 0
    smoothing = None
    if args.smoothing:
        from infant_mmpose.smoothing import build_filter
        try:
            smoothing = json.loads(args.smoothing)
            build_filter(smoothing)  # a bad config fails here, not per file
        except (ValueError, TypeError, KeyError) as err:
            raise SystemExit(f'--smoothing {args.smoothing}: {err}')
    reference = None
    if args.reference:
        try:
            reference = NormativeReference.from_csv(args.reference)
        except ReferenceError as err:
            raise SystemExit(f'--reference: {err}')
    preparation = dict(rate_hz=args.rate, max_gap_s=args.max_gap,
                       min_segment_s=args.min_segment, align=args.align,
                       smoothing=smoothing)

    def report(line):
        print(line, file=sys.stderr, flush=True)

    result = analyse_files(args.inputs, args.out, reference=reference,
                           plots_dir=args.plots, preparation=preparation,
                           progress=not args.quiet, report=report)
    print(f'{len(result.rows)} of {len(args.inputs)} inputs analysed'
          + (f' -> {result.table}' if result.table else '')
          + (f'; sheets in {args.plots}' if args.plots and result.sheets
             else ''))
    if result.failures:
        print(f'{len(result.failures)} skipped:', file=sys.stderr)
        for path, reason in result.failures:
            print(f'  {path}: {reason}', file=sys.stderr)
    if not result.rows:
        return 2
    return 1 if result.failures else 0


if __name__ == '__main__':
    sys.exit(main())
