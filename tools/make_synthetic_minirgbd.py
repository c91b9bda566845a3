"""Generate a synthetic MINI-RGBD data set in the real release's layout.

Usage:
    python tools/make_synthetic_minirgbd.py OUT_DIR --sequences 12 --frames 30 --seed 0
    python tools/make_synthetic_minirgbd.py OUT_DIR --coco17 COCO_DIR

Writes OUT_DIR/01 .. OUT_DIR/NN (rgb, depth, fg_mask, joints_2Ddep, joints_3D,
head_length.txt). The same seed always gives the same files. ``--coco17``
also writes the same frames as a COCO-17 keypoint data set in SyRIP's layout
(COCO_DIR/images/{train,validate}_infant/, COCO_DIR/annotations/
person_keypoints_{train,validate}_infant.json): the training sequences
(1-8) as ``train``, the test sequences (11-12) as ``validate``.
"""
import argparse
import time

from infant_mmpose.fileio.coco_infant_export import (export_coco_infant,
                                                       syrip_splits)
from infant_mmpose.synthetic.minirgbd import generate_minirgbd


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
    parser.add_argument('--coco17', metavar='COCO_DIR',
                        help='also write the frames as a COCO-17 infant set '
                        "in SyRIP's layout")
    args = parser.parse_args(argv)
    if args.coco17:
        try:  # fail before generating anything
            splits = syrip_splits(range(1, args.sequences + 1))
        except ValueError as err:
            parser.error(f'--coco17: {err}')
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
    if args.coco17:
        for split, info in export_coco_infant(args.out_dir, args.coco17,
                                              splits).items():
            print(f'  COCO-17 {split}: {info["images"]} images, '
                  f'{info["labelled_joints"]} labelled joints -> '
                  f'{info["ann_file"]}')


if __name__ == '__main__':
    main()
