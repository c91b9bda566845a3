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

``--precision int8`` also writes ``pose2d_int8.onnx`` and
``detector_int8.onnx``, statically quantised
(:mod:`infant_mmpose.apis.onnx_int8`), calibrated on ``--calibration`` (a
video or image folder of your footage; default: built-in generated frames),
and prints how far the 2D heatmaps are from fp32 on the calibration crops.
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
    p.add_argument('--precision', choices=('fp32', 'int8'), default='fp32')
    p.add_argument('--calibration', help='int8: video or image folder to '
                   'calibrate on (default: built-in generated frames)')
    p.add_argument('--calibration-frames', type=int, default=16,
                   help='int8: frames taken from --calibration')
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
    if args.precision == 'int8':
        return export_int8(inferencer, {k: p for k, (p, _) in files.items()},
                           args)
    return 0


def export_int8(inferencer, fp32_files: dict, args) -> int:
    from infant_mmpose.apis.frame_source import FrameSourceError
    from infant_mmpose.apis.onnx_int8 import (INT8_KINDS, calibration_frames,
                                              calibration_inputs,
                                              compare_heatmap_graphs, int8_sources,
                                              quantize_graphs, require_quantization)
    try:
        require_quantization()
        images = calibration_frames(args.calibration, args.calibration_frames)
        inputs = calibration_inputs(inferencer, images, INT8_KINDS)
    except (ImportError, ValueError, FrameSourceError) as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    int8_files = quantize_graphs(
        int8_sources(inferencer, fp32_files, args.out_dir), inputs)
    for kind, int8 in int8_files.items():
        line = f'{kind} int8: {int8} (calibrated on {len(inputs[kind])} inputs'
        if kind == 'pose2d':
            diff = compare_heatmap_graphs(fp32_files[kind], int8, inputs[kind])
            line += (f'; on them, heatmap maxima moved {diff["peak_shift"]:.2f} '
                     f'heatmap px on average, at most '
                     f'{diff["peak_shift_max"]:.1f}; max |int8 - fp32| '
                     f'{diff["max_abs"]:.3g}')
        print(line + ')')
    return 0


if __name__ == '__main__':
    sys.exit(main())
