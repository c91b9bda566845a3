"""Convert MINI-RGBD sequences to a COCO detection json (category ``infant``).

Usage:
    python tools/dataset_converters/minirgbd_to_coco.py DATA_ROOT OUT.json \
        --sequences train [--padding 5]

``--sequences`` takes ``train`` / ``val`` / ``test`` / ``all`` or numbers
(``--sequences 1 2 3``). ``file_name`` entries are relative to DATA_ROOT, so
set MMDetection's ``data_prefix=dict(img='')`` with ``data_root=DATA_ROOT``.
Images carry their ``sequence`` and ``frame``; image ids are
``sequence * 100000 + frame``, the ids of the detections and 2D-prediction
files, so the json is also the ``ann_file`` MMPose's ``bbox_file`` reader
needs with a detections file.
"""
import argparse

from infant_mmpose.fileio.minirgbd_coco import convert_minirgbd_to_coco


def parse_sequences(values):
    if len(values) == 1 and not values[0].isdigit():
        return values[0]
    return [int(v) for v in values]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', help='MINI-RGBD root holding 01 .. 12')
    parser.add_argument('out_file', help='output COCO json')
    parser.add_argument('--sequences', nargs='+', default=['train'],
                        help='train / val / test / all, or sequence numbers')
    parser.add_argument('--padding', type=float, default=5.0,
                        help='pixels added around the mask box (default 5)')
    args = parser.parse_args(argv)
    coco = convert_minirgbd_to_coco(args.data_root, parse_sequences(args.sequences),
                                    args.out_file, padding=args.padding)
    print(f'wrote {args.out_file}: {len(coco["images"])} images, '
          f'{len(coco["annotations"])} boxes')


if __name__ == '__main__':
    main()
