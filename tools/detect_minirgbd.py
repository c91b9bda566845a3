#!/usr/bin/env python
"""Run a trained infant detector over MINI-RGBD sequences; save its boxes.

Writes a detections file: COCO detection results, one record per frame (the
top-scoring box, or ``"detected": false`` with the whole image and score 0)
with its ``sequence`` and ``frame``, which ``MiniRGBDDataset(bbox_file=...)``
reads for top-down 2D evaluation on detector boxes (and MMPose's own
``bbox_file`` reader with the COCO json of
``tools/dataset_converters/minirgbd_to_coco.py``).

Example::

    python tools/detect_minirgbd.py configs/detector/faster-rcnn_r50_fpn_minirgbd.py \\
        work_dirs/detector/best_mIoU_epoch_7.pth --data-root data/MINI-RGBD \\
        --sequences test --out work_dirs/detections/minirgbd_detections.json
"""
import argparse
import os.path as osp
import sys
import tempfile


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='detector config')
    parser.add_argument('checkpoint', help='trained detector checkpoint')
    parser.add_argument('--data-root', required=True, help='MINI-RGBD root')
    parser.add_argument('--sequences', default='all',
                        help="'train', 'val', 'test', 'all' or e.g. 11,12")
    parser.add_argument('--out', required=True, help='detections json')
    parser.add_argument('--score-thr', type=float, default=0.0,
                        help='boxes below this score count as no detection')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    for path, what in ((args.config, 'config'),
                       (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            print(f'error: {what} not found: {path}', file=sys.stderr)
            return 1
    from infant_mmpose.fileio.minirgbd_coco import convert_minirgbd_to_coco
    from infant_mmpose.pipeline.stage_inference import (detect_minirgbd,
                                                        parse_sequences)
    try:
        sequences = parse_sequences(args.sequences)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        # the frame list (COCO json) the detector config's test loader reads
        frames = osp.join(tmp, 'frames.json')
        convert_minirgbd_to_coco(args.data_root,
                                 sequences, frames)
        records = detect_minirgbd(args.config, args.checkpoint,
                                  args.data_root, frames, args.out,
                                  score_thr=args.score_thr,
                                  device=args.device)
    missed = sum(r['bbox'] is None for r in records)
    print(f'{len(records)} frames, {missed} without a detection -> '
          f'{args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
