#!/usr/bin/env python
"""Run a trained 2D model over MINI-RGBD sequences; save its predictions.

Crops come from a detections file (``tools/detect_minirgbd.py``) or, without
``--detections``, from the foreground masks. The 2D-predictions file (COCO
keypoint results, one record per frame with its ``sequence``, ``frame`` and
keypoint definition, ``mpii16``) is what the predicted-2D lifter configs read
(``keypoints_2d=<file>``).

Example::

    python tools/predict_pose2d_minirgbd.py configs/pose2d/td-hm_res50_minirgbd-256x256.py \\
        work_dirs/pose2d/best_AJPE_epoch_9.pth --data-root data/MINI-RGBD \\
        --detections work_dirs/detections/minirgbd_detections.json \\
        --out work_dirs/pose2d_predictions/minirgbd_pose2d.json
"""
import argparse
import os.path as osp
import sys


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='2D model config')
    parser.add_argument('checkpoint', help='trained 2D model checkpoint')
    parser.add_argument('--data-root', required=True, help='MINI-RGBD root')
    parser.add_argument('--sequences', default='all',
                        help="'train', 'val', 'test', 'all' or e.g. 11,12")
    parser.add_argument('--detections',
                        help='detections file (default: mask boxes)')
    parser.add_argument('--out', required=True, help='2D predictions json')
    parser.add_argument('--keypoint-definition', default='mpii16',
                        help="the model's output definition")
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    for path, what in ((args.config, 'config'),
                       (args.checkpoint, 'checkpoint'),
                       (args.detections, 'detections file')):
        if path is not None and not osp.isfile(path):
            print(f'error: {what} not found: {path}', file=sys.stderr)
            return 1
    from infant_mmpose.pipeline.stage_inference import (
        parse_sequences, predict_pose2d_minirgbd)
    try:
        sequences = parse_sequences(args.sequences)
    except ValueError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    records = predict_pose2d_minirgbd(
        args.config, args.checkpoint, args.data_root,
        sequences, args.detections, args.out,
        keypoint_definition=args.keypoint_definition, device=args.device)
    print(f'{len(records)} frames -> {args.out} ({args.keypoint_definition})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
