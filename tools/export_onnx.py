#!/usr/bin/env python
"""Export the detector, 2D model and lifter to ONNX for ONNX Runtime.

Writes ``detector.onnx`` (backbone + FPN), ``pose2d.onnx`` (crop ->
heatmaps) and ``lifter.onnx`` (the MLP) into ``--out-dir`` and checks each
against PyTorch on a random input. Needs the optional runtime
(``make onnx``); see :mod:`infant_mmpose.apis.onnx_backend`. The inferencer
exports by itself with ``backend='onnxruntime'``; this tool is for keeping
the files, e.g. to deploy them::

    python tools/export_onnx.py --out-dir work_dirs/onnx \\
        --det-checkpoint det.pth --pose2d-checkpoint pose2d.pth \\
        --lifter-checkpoint lifter.pth
"""
import argparse
import sys


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--out-dir', required=True)
    for kind, what in (('det', 'detector'), ('pose2d', '2D model'),
                       ('lifter', 'lifter')):
        p.add_argument(f'--{kind}-config', help=f'{what} config '
                       '(default: quickstart)')
        p.add_argument(f'--{kind}-checkpoint', help=f'{what} checkpoint')
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from infant_mmpose.apis import InfantPoseInferencer
    from infant_mmpose.apis.onnx_backend import (INSTALL_HINT,
                                                 export_inferencer_models,
                                                 onnxruntime_available)
    if not onnxruntime_available():
        print(f'error: onnxruntime is not installed: {INSTALL_HINT}',
              file=sys.stderr)
        return 2
    inferencer = InfantPoseInferencer(
        args.lifter_config, args.lifter_checkpoint, args.pose2d_config,
        args.pose2d_checkpoint, args.det_config, args.det_checkpoint,
        device='cpu', show_progress=False)
    files = export_inferencer_models(inferencer, args.out_dir, check=True)
    for kind, (path, diff) in files.items():
        print(f'{kind}: {path} (max |onnxruntime - torch| on a random input: '
              f'{diff:.3g})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
