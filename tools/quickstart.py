#!/usr/bin/env python
"""Quickstart: the whole infant pipeline on generated data, on a CPU.

1. generates a synthetic MINI-RGBD root (12 sequences) and a small raw-format
   synthetic MPI-INF-3DHP release (adult lifter pre-training);
2. trains and tests detector -> 2D model -> lifter with the small
   ``configs/quickstart`` configs (``tools/run_pipeline.py``; resumable: run
   the command again after an interruption);
3. scores an untrained model and a mean-box / mean-pose baseline next to
   each trained model;
4. renders held-out test sequence 11 as a video and runs
   ``InfantPoseInferencer`` on it: annotated video and keypoint time series;
   General Movements features of that series and their sheet
   (``infant_mmpose.movement``) in ``<out>/movement``;
5. writes the report (tables, per-joint charts, loss curves) and
   ``summary.md``.

Usage::

    make quickstart              # or: python tools/quickstart.py
    python tools/quickstart.py --out results/quickstart --frames 60
    python tools/quickstart.py --common-definition coco17   # in COCO-17
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

#: Report tool stage names for the pipeline's stages.
REPORT_STAGES = dict(detector='detector', pose2d='pose2d',
                     lifter_pretrain='lifter_3dhp', lifter_gt2d='lifter_gt2d',
                     lifter_gt2d_on_pred2d='lifter_pred2d',
                     lifter_pred2d='lifter_pred2d_ft')
#: Headline metric per model stage: (key, higher is better).
HEADLINE = dict(detector=[('mIoU', True)],
                pose2d=[('PCKh@1.0', True), ('PCKh@2.0', True),
                        ('AJPE', False)],
                lifter_gt2d=[('AJPE', False), ('PCKh@1.0', True),
                             ('PCKh@2.0', True)],
                lifter_gt2d_on_pred2d=[('AJPE', False), ('PCKh@1.0', True),
                                       ('PCKh@2.0', True)],
                lifter_pred2d=[('AJPE', False), ('PCKh@1.0', True),
                               ('PCKh@2.0', True)])


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out',
                        help='results folder (work files go in <out>/work); '
                        'default results/quickstart, or results/'
                        'quickstart_<definition> for another definition')
    parser.add_argument('--data', default='data/quickstart',
                        help='where the generated data sets are written')
    parser.add_argument('--frames', type=int, default=60,
                        help='frames per synthetic MINI-RGBD sequence')
    parser.add_argument('--adult-frames', type=int, default=60,
                        help='frames per synthetic MPI-INF-3DHP sequence')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads (1 avoids oversubscribing a '
                        'small CPU)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the generated data and of training')
    parser.add_argument('--cfg-options', nargs='+',
                        metavar='STAGE:KEY=VALUE',
                        help='override config settings of one stage, as in '
                        'tools/run_pipeline.py (e.g. a shorter schedule)')
    parser.add_argument('--common-definition', default='mpii16',
                        choices=('mpii16', 'coco17'),
                        help='keypoint definition every stage trains and is '
                        'tested in (default mpii16, the thesis\'s)')
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = ('results/quickstart'
                    if args.common_definition == 'mpii16' else
                    f'results/quickstart_{args.common_definition}')
    return args


def log(msg: str) -> None:
    print(f'[quickstart {time.strftime("%H:%M:%S")}] {msg}', flush=True)


def _once(marker: str, make) -> None:
    """Run ``make()`` unless ``marker`` exists, then create it."""
    if osp.isfile(marker):
        return
    make()
    with open(marker, 'w') as f:
        f.write('done\n')


def resolved_configs(configs: dict, definition: str, folder: str) -> dict:
    """The stage configs re-expressed in ``definition`` (the
    ``common_definition`` switch), written to ``folder``, so that every
    later step (training, baselines, inference) reads the same configs."""
    from infant_mmpose.pipeline.mm_runner import load_config
    os.makedirs(folder, exist_ok=True)
    out = {}
    for stage, path in configs.items():
        if stage == 'pose2d_mpii':  # the quickstart has no MPII stage
            continue
        out[stage] = osp.join(folder, f'{stage}.py')
        load_config(path, {'common_definition': definition}).dump(out[stage])
    return out


def generate_data(args) -> tuple:
    from infant_mmpose.synthetic.minirgbd import generate_minirgbd
    from infant_mmpose.synthetic.mpi_inf_3dhp import \
        generate_mpi_inf_3dhp
    mini = osp.join(args.data, 'minirgbd')
    adult = osp.join(args.data, 'mpi_inf_3dhp')
    os.makedirs(args.data, exist_ok=True)
    log(f'generating synthetic MINI-RGBD: 12 sequences x {args.frames} '
        f'frames -> {mini}')
    _once(osp.join(args.data, f'.minirgbd_{args.frames}_{args.seed}.done'),
          lambda: generate_minirgbd(mini, 12, args.frames, seed=args.seed,
                                    show_progress=True))
    log(f'generating synthetic MPI-INF-3DHP (S1-S3 train, S7 val) -> {adult}')
    _once(osp.join(args.data,
                   f'.mpi_inf_3dhp_{args.adult_frames}_{args.seed}.done'),
          lambda: generate_mpi_inf_3dhp(
              adult, subjects=(1, 2, 3, 7), sequences=(1, ),
              num_frames=args.adult_frames, seed=args.seed))
    return mini, adult


def baselines(outputs: dict, configs: dict, mini: str, work: str) -> list:
    """Rows for untrained models and mean-box / mean-pose baselines."""
    from infant_mmpose.pipeline import baselines as base
    from infant_mmpose.pipeline import mm_runner
    path = osp.join(work, 'baselines.json')
    if osp.isfile(path):
        with open(path) as f:
            return json.load(f)
    coco = outputs['coco']['files']
    det_file = outputs['detections']['file']
    preds = outputs['pose2d_predictions']['file']
    rows = []

    def untrained(stage, config, opts):
        metrics = mm_runner.test(config, osp.join(work, f'untrained_{stage}'),
                                 f'untrained_{stage}', None, opts)
        rows.append(dict(stage=stage, model='untrained', metrics=metrics))

    splits = ('train', 'val', 'test')
    det_opts = {f'{s}_dataloader.dataset.data_root': mini for s in splits}
    det_opts.update({f'{s}_dataloader.dataset.ann_file': coco[s]
                     for s in splits})
    log('baseline: untrained detector')
    untrained('detector', configs['detector'], det_opts)
    rows.append(dict(stage='detector', model='mean box',
                     metrics=base.mean_box_baseline(coco['train'],
                                                    coco['test'])))
    pose_opts = {f'{s}_dataloader.dataset.data_root': mini for s in splits}
    pose_opts['test_dataloader.dataset.bbox_file'] = det_file
    log('baseline: untrained 2D model')
    untrained('pose2d', configs['pose2d'], pose_opts)
    rows.append(dict(stage='pose2d', model='mean pose',
                     metrics=base.mean_pose_2d_baseline(
                         configs['pose2d'], mini, det_file)))
    for stage, kp2d in (('lifter_gt2d', 'gt'), ('lifter_pred2d', preds)):
        opts = {f'{s}_dataloader.dataset.data_root': mini for s in splits}
        opts.update({f'{s}_dataloader.dataset.keypoints_2d': kp2d
                     for s in splits})
        log(f'baseline: untrained lifter ({stage})')
        untrained(stage, configs[stage], opts)
    mean3d = base.mean_pose_3d_baseline(configs['lifter_gt2d'], mini)
    rows += [dict(stage=s, model='mean pose', metrics=mean3d)
             for s in ('lifter_gt2d', 'lifter_gt2d_on_pred2d',
                       'lifter_pred2d')]
    # an untrained lifter on predicted 2D is the same for both rows
    rows += [dict(r, stage='lifter_gt2d_on_pred2d') for r in rows
             if r['stage'] == 'lifter_pred2d' and r['model'] == 'untrained']
    with open(path, 'w') as f:
        json.dump(rows, f, indent=2)
    return rows


def comparison_table(outputs: dict, rows: list) -> tuple:
    """Markdown table trained vs untrained vs mean baseline (followed by
    the PCKh convention its PCKh rows use), and whether the trained model
    beats both on every headline metric."""
    lines = ['| stage | metric | trained | untrained | mean box/pose |',
             '|---|---|---|---|---|']
    from infant_mmpose.visualization.report import (PCKH_CONVENTIONS,
                                                 pckh_convention)
    beats, conventions = {}, set()
    for stage, keys in HEADLINE.items():
        trained = outputs.get(stage, {}).get('metrics', {})
        others = {r['model']: r['metrics'] for r in rows
                  if r['stage'] == stage}
        untrained = others.get('untrained', {})
        mean = others.get('mean box', others.get('mean pose', {}))
        for key, higher in keys:
            t, u, m = (trained.get(key), untrained.get(key), mean.get(key))
            ok = None not in (t, u, m) and (
                (t > u and t > m) if higher else (t < u and t < m))
            beats[f'{stage}/{key}'] = ok
            lines.append(f'| {stage} | {key} | {_fmt(t)} | {_fmt(u)} | '
                         f'{_fmt(m)} |')
            if key.startswith('PCKh'):
                conventions.update(
                    pckh_convention(d) for d in (trained, untrained, mean)
                    if d)
    if conventions:
        lines.append('')
        lines += [f'PCKh: {PCKH_CONVENTIONS[c]}' for c in sorted(
            conventions, key=lambda c: (c is None, c))]
    return '\n'.join(lines), beats


def _fmt(v) -> str:
    return '-' if v is None else f'{v:.2f}'


def run_inference(outputs: dict, configs: dict, mini: str, out: str,
                  fps: float = 10.0) -> dict:
    """Render test sequence 11 as a video and run InfantPoseInferencer."""
    import cv2
    from infant_mmpose.apis.inferencer import InfantPoseInferencer
    from infant_mmpose.fileio.minirgbd_constants import RGB_PATTERN
    seq_dir = osp.join(mini, '11')
    frames = sorted(os.listdir(osp.join(seq_dir, 'rgb')))
    video = osp.join(out, 'test_sequence_11.mp4')
    first = cv2.imread(osp.join(seq_dir, 'rgb', frames[0]))
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'mp4v'), fps,
                             (first.shape[1], first.shape[0]))
    for i in range(len(frames)):
        writer.write(cv2.imread(osp.join(seq_dir, RGB_PATTERN.format(i))))
    writer.release()
    inferencer = InfantPoseInferencer(
        configs['lifter_pred2d'], outputs['lifter_pred2d']['checkpoint'],
        configs['pose2d'], outputs['pose2d']['checkpoint'],
        configs['detector'], outputs['detector']['checkpoint'],
        device='cpu', show_progress=False)
    run = inferencer.run(video, out_dir=osp.join(out, 'inference'))
    files = dict(run.files, input_video=video)
    files['time_series_chart'] = plot_time_series(
        run.series, osp.join(out, 'inference', 'keypoints_3d_time_series.png'))
    files.update(movement_analysis(run.series, files.get('npz', video), out))
    return files


def movement_analysis(series, name: str, out: str) -> dict:
    """Movement features (CSV row) and sheet of the test-sequence series."""
    from infant_mmpose.movement.batch import analyse_files
    folder = osp.join(out, 'movement')
    # analyse the whole rendered sequence however few frames it has (--frames)
    result = analyse_files([(name, series)], osp.join(folder, 'features.csv'),
                           plots_dir=folder, progress=False,
                           preparation=dict(min_segment_s=0.0),
                           report=lambda m: log(f'movement analysis: {m}'))
    if not result.rows:
        return {}
    return dict(movement_features=result.table,
                movement_sheet=result.sheets[name])


def plot_time_series(series, path: str) -> str:
    """Plot x/y/z (mm, pelvis-relative) of the wrists and ankles over time."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = list(series.joint_names)
    joints = [n for n in ('left_wrist', 'right_wrist', 'left_ankle',
                          'right_ankle') if n in names]
    fig, axes = plt.subplots(3, 1, figsize=(9, 7), sharex=True)
    for axis, (ax, label) in enumerate(zip(axes, 'xyz')):
        for name in joints:
            ax.plot(series.time_s, series.keypoints_3d[:, names.index(name),
                                                       axis], label=name)
        ax.set_ylabel(f'{label} (mm)')
    axes[0].legend(ncol=4, fontsize=8)
    axes[-1].set_xlabel('time (s)')
    fig.suptitle('Lifted 3D keypoints, test sequence 11 (pelvis-relative)')
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def make_report(outputs: dict, work: str, out: str,
                definition: str = 'mpii16') -> dict:
    from infant_mmpose.visualization.report import make_report as report
    results, logs = {}, {}
    for stage, name in REPORT_STAGES.items():
        if outputs.get(stage, {}).get('metrics'):
            path = osp.join(work, stage, 'metrics.json')
            with open(path, 'w') as f:
                json.dump(outputs[stage]['metrics'], f, indent=2)
            results[name] = path
        train_dir = osp.join(work, stage, 'work')
        if osp.isdir(train_dir) and stage != 'lifter_gt2d_on_pred2d':
            logs[name] = train_dir
    return report(results, logs, osp.join(out, 'report'), data_note=(
        '**This run: the quickstart** -- synthetic MINI-RGBD, small CPU '
        'models trained from scratch (configs/quickstart), keypoints in '
        f'{definition}. Its numbers show that the pipeline learns; they are '
        "not comparable with the thesis's, which come from real MINI-RGBD "
        'and full-size models in mpii16.'))


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.time()
    import torch
    torch.set_num_threads(args.threads)
    from infant_mmpose.pipeline.run import run_pipeline
    from infant_mmpose.pipeline.stage_options import (merge_stage_options,
                                                      parse_stage_options)
    from infant_mmpose.pipeline.summary import write_summary, build_summary
    from infant_mmpose.pipeline.thesis_stages import (QUICKSTART_CONFIGS,
                                                      PipelineInputs,
                                                      _abs_config)
    configs = {k: _abs_config(v) for k, v in QUICKSTART_CONFIGS.items()}
    out = osp.abspath(args.out)
    work = osp.join(out, 'work')
    os.makedirs(out, exist_ok=True)
    if args.common_definition != 'mpii16':
        log(f'every stage in the {args.common_definition} definition')
        configs = resolved_configs(configs, args.common_definition,
                                   osp.join(work, 'configs'))
    mini, adult = generate_data(args)

    log('training and testing the three stages (configs/quickstart)')
    seeded = {stage: {'randomness.seed': args.seed}
              for stage in ('detector', 'pose2d', 'lifter_pretrain',
                            'lifter_gt2d', 'lifter_pred2d')}
    options = merge_stage_options(seeded,
                                  parse_stage_options(args.cfg_options))
    result = run_pipeline(PipelineInputs(mini, adult), work, configs,
                          cfg_options=options, threads=args.threads,
                          log=lambda m: log(m))
    outputs = result['outputs']
    rows = baselines(outputs, configs, mini, work)
    table, beats = comparison_table(outputs, rows)
    summary = build_summary(outputs, result['summary']['stage_seconds'],
                            rows)
    summary['comparison'] = beats

    log('inference on held-out test sequence 11 rendered as a video')
    files = run_inference(outputs, configs, mini, out)
    log('writing the report')
    report = make_report(outputs, work, out, args.common_definition)
    summary['files'] = dict(files, report=report.get('report'))
    summary['wall_seconds'] = round(time.time() - start, 1)
    paths = write_summary(out, summary)
    with open(paths['markdown'], 'a') as f:
        f.write('\n## Trained vs untrained vs mean baseline (test split)\n\n'
                + table + '\n')

    print('\n' + '=' * 72)
    print('QUICKSTART SUMMARY (synthetic MINI-RGBD test sequences 11-12, '
          f'{args.common_definition})')
    print(table)
    failed = [k for k, ok in beats.items() if not ok]
    print('trained models beat untrained and mean baselines on every '
          'headline metric' if not failed else
          f'NOT beaten on: {", ".join(failed)}')
    staged = sum(result['summary']['stage_seconds'].values())
    print(f'wall time: {summary["wall_seconds"]:.0f} s (pipeline stages: '
          f'{staged:.0f} s when they ran; finished stages are not re-run)')
    print(f'results folder: {out}')
    print(f'  {"summary":18s} {paths["markdown"]}')
    print(f'  {"report":18s} {report.get("report")}')
    for key in ('vis', 'csv', 'json', 'time_series_chart',
                'movement_features', 'movement_sheet'):
        if key in files:
            print(f'  {key:18s} {files[key]}')
    print('=' * 72)
    return 0


if __name__ == '__main__':
    sys.exit(main())
