#!/usr/bin/env python
"""Parse a raw MPI-INF-3DHP release once into a compact cache ``.npz``.

The cache holds the selected frames' 2D (px) and 3D (mm, camera) joints
and the camera intrinsics, and records a fingerprint of its sources;
``MpiInf3dhpDataset(ann_file=<cache>)`` reads it directly, and
``MpiInf3dhpDataset(ann_file=<raw root>, cache_file=<cache>)`` rebuilds it
whenever the sources or the selection change.

Examples::

    # thesis training split: S1-S6, sequences 1-2, cameras 1-8
    python tools/dataset_converters/mpi_inf_3dhp_to_cache.py \\
        data/mpi_inf_3dhp data/mpi_inf_3dhp/cache_train.npz --subjects train
    # test release (TS1-TS6, valid frames only)
    python tools/dataset_converters/mpi_inf_3dhp_to_cache.py \\
        data/mpi_inf_3dhp_test_set data/mpi_inf_3dhp_test_set/cache.npz
"""
import argparse
import sys
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('raw_root', help='folder holding S*/ or TS*/')
    parser.add_argument('out_file', help='cache .npz to write')
    parser.add_argument(
        '--subjects',
        nargs='+',
        default=None,
        help="'train' (S1-S6), 'val' (S7-S8) or subject numbers; "
        'default: all present')
    parser.add_argument(
        '--sequences', nargs='+', type=int, default=None,
        help='training-release sequences (default: all Seq* folders)')
    parser.add_argument(
        '--cameras', nargs='+', type=int, default=list(range(1, 9)),
        help='training-release 0-based cameras (default: 1..8, the thesis)')
    parser.add_argument(
        '--frame-step', type=int, default=1,
        help='keep every n-th frame (default: 1)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from infant_mmpose.fileio.mpi_inf_3dhp_cache import (
        convert_mpi_inf_3dhp_to_cache, load_cache)
    from infant_mmpose.fileio.mpi_inf_3dhp_readers import \
        MpiInf3dhpFormatError
    subjects = args.subjects
    if subjects and len(subjects) == 1 and not subjects[0].isdigit():
        subjects = subjects[0]  # a split name
    elif subjects is not None:
        subjects = [int(s) for s in subjects]
    start = time.perf_counter()
    try:
        convert_mpi_inf_3dhp_to_cache(args.raw_root, args.out_file, subjects,
                                      args.sequences, args.cameras,
                                      args.frame_step)
    except (FileNotFoundError, ValueError) as err:  # incl. format errors
        kind = ('malformed file' if isinstance(err, MpiInf3dhpFormatError)
                else 'error')
        print(f'{kind}: {err}', file=sys.stderr)
        return 1
    table = load_cache(args.out_file)
    print(f'wrote {args.out_file}: {len(table["frame"])} frames, '
          f'{table["keypoints_3d"].shape[1]} joints ({table["definition"]}), '
          f'{len(table["cam_key"])} camera views, '
          f'{time.perf_counter() - start:.1f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
