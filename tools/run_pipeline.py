#!/usr/bin/env python
"""Train and evaluate the whole detector -> 2D -> lifter pipeline, resumably.

Stages (see ``infant_mmpose/pipeline/thesis_stages.py``): COCO conversion,
detector, detections, [MPII 2D pre-training], 2D fine-tuning, 2D
predictions, [MPI-INF-3DHP lifter pre-training], lifter on ground-truth 2D,
that lifter on predicted 2D, lifter fine-tuned on predicted 2D.

Re-running the same command skips finished stages (``<work-dir>/<stage>/
done.json``) and resumes a killed training stage from its last checkpoint.
Metrics of all stages end up in ``<work-dir>/summary.{json,md}``.

Examples::

    python tools/run_pipeline.py --minirgbd-root data/MINI-RGBD \\
        --mpi-inf-3dhp-root data/mpi_inf_3dhp --mpii-root data/mpii \\
        --work-dir work_dirs/pipeline
    # small CPU configs, two epochs of the detector only:
    python tools/run_pipeline.py --minirgbd-root data/synthetic \\
        --quickstart-configs --cfg-options detector:train_cfg.max_epochs=2
"""
import argparse
import sys


def parse_configs(items) -> dict:
    out = {}
    for item in items or []:
        stage, sep, path = item.partition('=')
        if not (sep and stage and path):
            raise SystemExit(f'--config expects STAGE=PATH, got {item!r}')
        out[stage] = path
    return out


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--minirgbd-root', required=True)
    parser.add_argument('--mpi-inf-3dhp-root',
                        help='raw training release (S1..S8); omit to skip '
                        'the lifter pre-training')
    parser.add_argument('--mpii-root',
                        help='MMPose-style MPII root; omit to skip the 2D '
                        'pre-training')
    parser.add_argument('--work-dir', default='work_dirs/pipeline')
    parser.add_argument('--quickstart-configs', action='store_true',
                        help='use the small CPU configs of configs/quickstart')
    parser.add_argument('--config', nargs='+', metavar='STAGE=PATH',
                        help='replace the config of a stage')
    parser.add_argument('--cfg-options', nargs='+',
                        metavar='STAGE:KEY=VALUE',
                        help='override config settings of one stage')
    parser.add_argument('--threads', type=int,
                        help='torch threads (1 is best on a shared 2-core '
                        'CPU)')
    parser.add_argument('--until', help='stop after this stage')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from infant_mmpose.pipeline.run import run_pipeline
    from infant_mmpose.pipeline.stage_options import parse_stage_options
    from infant_mmpose.pipeline.thesis_stages import (QUICKSTART_CONFIGS,
                                                      PipelineInputs)
    configs = dict(QUICKSTART_CONFIGS) if args.quickstart_configs else {}
    configs.update(parse_configs(args.config))
    try:
        run_pipeline(
            PipelineInputs(args.minirgbd_root, args.mpi_inf_3dhp_root,
                           args.mpii_root),
            args.work_dir, configs, parse_stage_options(args.cfg_options),
            threads=args.threads, until=args.until)
    except FileNotFoundError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
