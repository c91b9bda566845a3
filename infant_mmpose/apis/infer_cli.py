"""Command line: RGB image / folder / video / camera -> 3D keypoint files.

Console entry point ``infant-mmpose-infer`` (proposed) and ``tools/infer.py``::

    python tools/infer.py video.mp4 --out-dir out \\
        --det-checkpoint det.pth --pose2d-checkpoint pose2d.pth \\
        --lifter-checkpoint lifter.pth --smooth-3d type=SavitzkyGolayFilter window_length=9

Configs default to ``configs/quickstart/{detector,pose2d,lifter}.py``.
Published weights: ``--weights-dir DIR`` runs the thesis's release converted
by ``tools/model_converters/thesis_to_mmpose.py`` (``configs/thesis_release/``);
``--zoo`` (or ``--zoo-detector`` / ``--zoo-pose2d``) takes the COCO detector
(person as the infant) and the MPII 2D model from the OpenMMLab zoo. Explicit
``--det-*`` / ``--pose2d-*`` / ``--lifter-*`` flags override both.
Writes ``<name>.json``, ``<name>.csv``, ``<name>.npz`` and the visualisation
into ``--out-dir``; bad input ends with a one-line message and exit status 2.
"""
import argparse
import sys
from typing import List, Optional

from mmengine.config import DictAction


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description='3D infant keypoints from an image, a folder of images, a '
        'video or a camera (detector -> 2D model -> lifter)')
    p.add_argument('inputs', help='image, folder of images, video file, or a '
                   'camera index such as 0')
    p.add_argument('--out-dir', required=True, help='folder for the outputs')
    p.add_argument('--det-config', help='detector config (default: quickstart)')
    p.add_argument('--det-checkpoint', help='detector checkpoint')
    p.add_argument('--pose2d-config', help='2D model config (default: quickstart)')
    p.add_argument('--pose2d-checkpoint', help='2D model checkpoint')
    p.add_argument('--lifter-config', help='lifter config (default: quickstart)')
    p.add_argument('--lifter-checkpoint', help='lifter checkpoint')
    p.add_argument('--weights-dir', help='folder of the converted thesis '
                   'release (pose2d.pth, lifter.pth, detector.pth from '
                   'tools/model_converters/thesis_to_mmpose.py)')
    p.add_argument('--zoo', action='store_true', help='detector and 2D model '
                   'from the OpenMMLab zoo (same as --zoo-detector '
                   '--zoo-pose2d); downloaded once into the torch hub cache')
    p.add_argument('--zoo-detector', action='store_true', help='MMDetection\'s '
                   'COCO Faster R-CNN R50-FPN, class "person" as the infant')
    p.add_argument('--zoo-pose2d', action='store_true', help='MMPose\'s MPII '
                   'SimpleBaseline ResNet-50 (16 MPII joints)')
    p.add_argument('--device', default='cpu', help='e.g. cpu or cuda:0')
    p.add_argument('--batch-size', type=int, default=8,
                   help='frames per batch through each model')
    p.add_argument('--det-interval', type=int, default=1,
                   help='detect every N-th frame, carry the box in between')
    p.add_argument('--tracking', nargs='*', action=DictAction, default=None,
                   help='keypoint-guided box tracking: the detector runs '
                   'only when the track is lost; optional settings, e.g. '
                   'redetect_interval=30 min_score=0.3 min_iou=0.5')
    p.add_argument('--det-batch-size', type=int,
                   help='frames per detector call (default: 1 on CPU, '
                   '--batch-size on a GPU)')
    p.add_argument('--backend', choices=('pytorch', 'onnxruntime'),
                   default='pytorch', help='onnxruntime: export the networks '
                   'and run them with ONNX Runtime (make onnx)')
    p.add_argument('--precision', choices=('fp32', 'int8'), default='fp32',
                   help='int8 (with --backend onnxruntime): the 2D model and '
                   'the detector backbone statically quantised (faster on '
                   'CPUs with VNNI)')
    p.add_argument('--calibration',
                   help='int8: a video or image folder of your own footage '
                   'to calibrate on (default: built-in generated frames)')
    p.add_argument('--resume', action='store_true',
                   help='continue an interrupted run from the partial file '
                   'in --out-dir')
    p.add_argument('--bbox-thr', type=float, default=0.3,
                   help='minimum detector score of an infant box')
    p.add_argument('--det-cat-id', type=int, default=0,
                   help='class index of "infant" in the detector (0 for the '
                   'thesis detector and for COCO person)')
    p.add_argument('--fps', type=float,
                   help='frame rate (default: the video\'s; 30 for images)')
    p.add_argument('--max-frames', type=int,
                   help='stop a camera input after this many frames')
    p.add_argument('--smooth-2d', nargs='+', action=DictAction,
                   help='filter for the 2D keypoints before lifting, e.g. '
                   'type=OneEuroFilter min_cutoff=1.0 beta=0.05')
    p.add_argument('--smooth-3d', nargs='+', action=DictAction,
                   help='filter for the 3D output, e.g. '
                   'type=SavitzkyGolayFilter window_length=9 polyorder=2')
    p.add_argument('--no-vis', action='store_true',
                   help='do not write the visualisation')
    p.add_argument('--kpt-thr', type=float, default=0.3,
                   help='2D score below which a joint is not drawn')
    p.add_argument('--axis-limit', type=float, default=700.0,
                   help='size of the 3D view in mm')
    p.add_argument('--no-progress', action='store_true',
                   help='do not print the progress bar')
    return p.parse_args(argv)


def resolve_models(args: argparse.Namespace) -> None:
    """Fill ``args.<part>_config`` / ``<part>_checkpoint`` from
    ``--weights-dir`` and the zoo flags, keeping explicitly given ones.

    Raises:
        FileNotFoundError: a missing weights folder / download, or a part
            that neither the weights folder nor another flag provides.
    """
    from infant_mmpose.apis.published_weights import (release_models,
                                                      zoo_models)
    parts = [p for p, flag in (('det', args.zoo or args.zoo_detector),
                               ('pose2d', args.zoo or args.zoo_pose2d)) if flag]
    chosen = {}
    if args.weights_dir:
        chosen.update(release_models(args.weights_dir))
    if parts:
        # an explicit zoo flag wins over the release for its part
        chosen.update(zoo_models(parts))
    for key, value in chosen.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.weights_dir:
        hints = dict(det='--zoo-detector (COCO person) or --det-config/'
                     '--det-checkpoint; the thesis release may not include '
                     'its detector', pose2d='--zoo-pose2d or --pose2d-config/'
                     '--pose2d-checkpoint', lifter='--lifter-config/'
                     '--lifter-checkpoint')
        files = dict(det='detector.pth', pose2d='pose2d.pth',
                     lifter='lifter.pth')
        for part, hint in hints.items():
            if getattr(args, f'{part}_checkpoint') is None:
                raise FileNotFoundError(
                    f'{args.weights_dir} has no {files[part]}: add {hint}')


def main(argv: Optional[List[str]] = None) -> int:
    """Run the inferencer; returns the exit status (0 ok, 2 bad input)."""
    args = parse_args(argv)
    from infant_mmpose.apis import FrameSourceError, InfantPoseInferencer
    try:
        resolve_models(args)
        inferencer = InfantPoseInferencer(
            model=args.lifter_config, weights=args.lifter_checkpoint,
            pose2d_model=args.pose2d_config,
            pose2d_weights=args.pose2d_checkpoint,
            det_model=args.det_config, det_weights=args.det_checkpoint,
            device=args.device, det_cat_id=args.det_cat_id,
            show_progress=not args.no_progress, backend=args.backend,
            precision=args.precision, calibration=args.calibration)
        result = inferencer.run(
            args.inputs, out_dir=args.out_dir, batch_size=args.batch_size,
            det_interval=args.det_interval, bbox_thr=args.bbox_thr,
            tracking=(None if args.tracking is None else
                      dict(args.tracking) or True),
            det_batch_size=args.det_batch_size, resume=args.resume,
            fps=args.fps, max_frames=args.max_frames,
            smooth_2d=args.smooth_2d, smooth_3d=args.smooth_3d,
            save_vis=not args.no_vis, kpt_thr=args.kpt_thr,
            axis_limit=args.axis_limit)
    except (FrameSourceError, FileNotFoundError, KeyError, ValueError,
            ImportError, TypeError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    series = result.series
    counts = {s: series.status.count(s) for s in sorted(set(series.status))}
    print(f'{series.num_frames} frames ({counts}) at {series.fps:g} fps')
    for kind, path in sorted(result.files.items()):
        print(f'{kind}: {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
