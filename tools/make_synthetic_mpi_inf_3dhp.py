#!/usr/bin/env python
"""Write a small generated MPI-INF-3DHP release in the raw file formats.

Training folders ``S{s}/Seq{q}/annot.mat`` + ``camera.calibration`` (28
joints, 14 cameras) and, optionally, test folders ``TS{t}/annot_data.mat``
(HDF5, 17 joints); 2D is the exact projection of 3D (mm). See
``infant_mmpose.synthetic.mpi_inf_3dhp``.

Example (thesis split: S1 trains, S7 validates)::

    python tools/make_synthetic_mpi_inf_3dhp.py data/mpi_inf_3dhp \\
        --subjects 1 7 --sequences 1 --frames 20
"""
import argparse
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='release root to write')
    parser.add_argument('--subjects', nargs='*', type=int, default=[1, 7],
                        help='training subjects S<n> (default: 1 7)')
    parser.add_argument('--sequences', nargs='+', type=int, default=[1],
                        help='sequences Seq<n> per subject (default: 1)')
    parser.add_argument('--test-subjects', nargs='*', type=int, default=[],
                        help='test sequences TS<n> (default: none)')
    parser.add_argument('--frames', type=int, default=20,
                        help='frames per sequence (default: 20)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from infant_mmpose.synthetic.mpi_inf_3dhp import \
        generate_mpi_inf_3dhp
    if args.frames < 1:
        print('error: --frames must be at least 1', file=sys.stderr)
        return 1
    written = generate_mpi_inf_3dhp(
        args.out_dir, subjects=args.subjects, sequences=args.sequences,
        num_frames=args.frames, test_subjects=args.test_subjects,
        seed=args.seed)
    print(f'wrote {len(written["annot"])} training sequences and '
          f'{len(written["test_annot"])} test sequences under {args.out_dir}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
