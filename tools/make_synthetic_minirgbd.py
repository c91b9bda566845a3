"""Generate a synthetic MINI-RGBD data set in the real release's layout.

Usage:
    python tools/make_synthetic_minirgbd.py OUT_DIR --sequences 12 --frames 30 --seed 0

Writes OUT_DIR/01 .. OUT_DIR/NN (rgb, depth, fg_mask, joints_2Ddep, joints_3D,
head_length.txt). The same seed always gives the same files.
"""
import argparse
import time

from infant_mmpose.datasets.synthetic_minirgbd import generate_minirgbd


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir')
    parser.add_argument('--sequences', type=int, default=12,
                        help='number of sequences, 1..12 (default 12)')
    parser.add_argument('--frames', type=int, default=30,
                        help='frames per sequence (the real data set has 1000)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--annotations-only', action='store_true',
                        help='joint files only, 1x1 placeholder images (for timing)')
    args = parser.parse_args(argv)
    start = time.perf_counter()
    lengths = generate_minirgbd(args.out_dir, num_sequences=args.sequences,
                                num_frames=args.frames, seed=args.seed,
                                annotations_only=args.annotations_only)
    elapsed = time.perf_counter() - start
    total = args.sequences * args.frames
    print(f'wrote {total} frames to {args.out_dir} in {elapsed:.1f} s '
          f'({total / elapsed:.1f} frames/s)')
    for seq, value in lengths.items():
        print(f'  sequence {seq:02d}: head length {value["head_length_2d_px"]:.2f} px, '
              f'{value["head_length_3d_mm"]:.2f} mm')


if __name__ == '__main__':
    main()
