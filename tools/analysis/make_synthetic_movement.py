#!/usr/bin/env python
"""Write synthetic infant keypoint series as inferencer NPZ files.

A kicking, waving infant (every limb angle a sum of two random sinusoids,
0.3-1.5 Hz, plus keypoint noise; MPII 16 joints, lifter-style 3D in mm), one
file ``synthetic_infant_<seed>.npz`` per seed: input for
``tools/analysis/movement_features.py`` without running the models.
Example::

    python tools/analysis/make_synthetic_movement.py data/movement \\
        --seeds 0 1 2 3 4 5 --seconds 60
"""
import argparse
import os.path as osp
import sys


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out_dir', help='folder for the NPZ files')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0],
                        help='one recording per seed (motion and noise)')
    parser.add_argument('--seconds', type=float, default=60.0)
    parser.add_argument('--fps', type=float, default=30.0)
    parser.add_argument('--activity', type=float, default=1.0,
                        help='scale of the limb-angle oscillations (1 = '
                        'the default infant, 2 = twice as much movement)')
    parser.add_argument('--noise-mm', type=float, default=1.0,
                        help='keypoint noise (standard deviation, mm)')
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.fps <= 0:
        parser.error('--seconds and --fps must be > 0')
    from infant_mmpose.apis.writers import write_npz
    from infant_mmpose.synthetic.movement import synthetic_infant
    for seed in args.seeds:
        series = synthetic_infant(args.seconds, args.fps, seed=seed,
                                  noise_mm=args.noise_mm,
                                  activity=args.activity)
        print(write_npz(osp.join(args.out_dir,
                                 f'synthetic_infant_{seed}.npz'), series))
    return 0


if __name__ == '__main__':
    sys.exit(main())
