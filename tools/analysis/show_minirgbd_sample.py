"""Draw a MINI-RGBD frame (image + box + 2D skeleton, depth, 3D skeleton) to a PNG.

Usage:
    python tools/analysis/show_minirgbd_sample.py DATA_ROOT --sequence 1 --frame 0 \
        --out sample.png
"""
import argparse

from infant_mmpose.visualization.sample import draw_minirgbd_sample


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', help='MINI-RGBD root holding 01 .. 12')
    parser.add_argument('--sequence', type=int, default=1)
    parser.add_argument('--frame', type=int, default=0)
    parser.add_argument('--padding', type=float, default=5.0, help='mask box padding (px)')
    parser.add_argument('--out', default='minirgbd_sample.png')
    args = parser.parse_args(argv)
    print(draw_minirgbd_sample(args.data_root, args.sequence, args.frame, args.out,
                               bbox_padding=args.padding))


if __name__ == '__main__':
    main()
