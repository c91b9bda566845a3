#!/usr/bin/env python
"""Convert the thesis's released models (SavedModels.zip) for this project.

    python tools/model_converters/thesis_to_mmpose.py SAVED_MODELS_DIR OUT_DIR \
        [--detector FILE]

Reads ``SAVED_MODELS_DIR/{MINI_RGBD_2D,MINI_RGBD_FineTune,...}/model.tar``
with ``torch.load(weights_only=True)`` and writes ``OUT_DIR/pose2d.pth``,
``OUT_DIR/lifter.pth`` (+ the optional models and ``detector.pth``) as MMEngine
checkpoints for ``configs/thesis_release/``, and
``OUT_DIR/conversion_report.txt``. Exit status 0 when every required file
was converted and nothing refused, 1 otherwise, 2 on bad arguments.
Then: ``infant-mmpose-infer VIDEO --out-dir OUT --weights-dir OUT_DIR``.
"""
import argparse
import sys


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='thesis SavedModels -> MMEngine checkpoints for '
        'configs/thesis_release/')
    p.add_argument('saved_models_dir',
                   help='the unzipped SavedModels folder (or its parent)')
    p.add_argument('out_dir', help='folder for the converted checkpoints')
    p.add_argument('--detector', help='the thesis detector file (torchvision '
                   'Faster R-CNN state, any name)')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import infant_mmpose  # noqa: F401  (registers the release components)
    from infant_mmpose.models.converters.thesis_checkpoints import \
        ThesisCheckpointError
    from infant_mmpose.models.converters.thesis_release import \
        convert_saved_models
    try:
        report = convert_saved_models(args.saved_models_dir, args.out_dir,
                                      detector=args.detector)
    except ThesisCheckpointError as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    print(report.text(), end='')
    return 0 if report.ok else 1


if __name__ == '__main__':
    sys.exit(main())
