"""Results report: this run's metrics beside the thesis's, plus charts.

Inputs, per pipeline *stage* (the keys of :data:`STAGES`, e.g. ``pose2d``,
``lifter_gt2d``):

* test results -- the metrics JSON that ``tools/test.py`` (MMEngine's
  ``LoggerHook``) writes to ``<work_dir>/<timestamp>/<timestamp>.json``: one
  JSON object holding the evaluator's keys (``AJPE``, ``PCKh@1.0``,
  ``PCKh@1.0/<joint>``, ``mIoU``, ...). Give the file or the work dir (its
  newest ``<timestamp>/<timestamp>.json`` is used). Keys carrying an
  evaluator prefix (``val/PCKh@1.0``, ``HeadPCK/PCKh@1.0``) are found too.
* training logs -- MMEngine's ``<work_dir>/<timestamp>/vis_data/scalars.json``
  (one JSON object per line). Lines with an ``iter`` key are training
  iterations (``loss``, ``epoch``); the others are validation epochs
  (metrics, and ``val_loss`` when the model reports validation losses).
  Give the file or the work dir (all its runs, oldest first, so a resumed
  run continues the curve).

Outputs in ``out_dir``: ``report.md``; ``table_5_1``, ``table_5_2`` and
``table_stages`` as ``.md`` and ``.csv``; ``per_joint_pckh_2d.png`` and
``per_joint_pckh_3d.png`` (like the thesis's Figures 5.4 / 5.5);
``loss_<stage>.png`` per stage with logs (training and validation loss,
plus the main validation metric on a second axis). Missing values show as
``—`` (empty CSV cells). Thesis numbers: FACTS §5 / thesis Chapter 5.
``report.md`` also states, per stage, which PCKh convention this run's
numbers use (``PCKh_zero_error_correct`` in the results, written by
``HeadPCK``): the thesis's ``0 < error <= f x head`` or zero-error-correct.
"""
import csv
import glob
import json
import math
import os
import os.path as osp
import re
from collections import OrderedDict
from typing import Dict, List, Mapping, NamedTuple, Optional, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator


class Stage(NamedTuple):
    """One evaluated model of the pipeline and the thesis's numbers for it.

    ``kind``: ``'det'`` (BoxIoU keys), ``'2d'`` (px), ``'3d'`` (mm,
    MINI-RGBD) or ``'3dhp'`` (mm, MPI-INF-3DHP, ``PCK@150mm``).
    ``thesis``: metric key -> the thesis's value (percent, px or mm).
    """
    label: str
    kind: str
    thesis: Dict[str, float]


#: Pipeline stages the report knows, with the thesis's numbers (Tables 5.1,
#: 5.2 and Sections 5.1-5.3.1). ``reference_*`` rows are other authors'
#: models the thesis compares against: thesis column only.
STAGES: 'OrderedDict[str, Stage]' = OrderedDict([
    ('detector', Stage('Detector (Faster R-CNN)', 'det', {
        'mIoU': 87.7, 'IoU_below_0.7': 0.0045})),
    ('pose2d', Stage('2D pose (SimpleBaseline)', '2d', {
        'AJPE': 8.17, 'PCKh@1.0': 93.77, 'PCKh@2.0': 96.05})),
    ('reference_openpose', Stage(
        '2D OpenPose, adapted (Hesse et al.)', '2d', {
            'PCKh@1.0': 86.54, 'PCKh@2.0': 91.64})),
    ('lifter_3dhp', Stage('3D lifter on MPI-INF-3DHP (val)', '3dhp', {
        'AJPE': 64.02, 'PCK@150mm': 92.21})),
    ('lifter_gt2d', Stage('MINI-RGBD 2D ground-truth', '3d', {
        'AJPE': 25.44, 'PCKh@1.0': 69.28, 'PCKh@2.0': 91.19})),
    ('lifter_pred2d', Stage(
        '2D Pose Estimation Model (No fine-tuning)', '3d', {
            'AJPE': 28.80, 'PCKh@1.0': 65.68, 'PCKh@2.0': 88.26})),
    ('lifter_pred2d_ft', Stage(
        '2D Pose Estimation Model (fine-tuning)', '3d', {
            'AJPE': 28.47, 'PCKh@1.0': 65.20, 'PCKh@2.0': 88.99})),
    ('reference_ferns', Stage('Hesse et al. (random ferns, RGB-D)', '3d', {
        'AJPE': 44.90, 'PCKh@1.0': 51.09, 'PCKh@2.0': 83.87})),
    ('ablation_2d_no_pretrain', Stage('2D w/o Adult Pre-training', '2d', {
        'AJPE': 10.96, 'PCKh@1.0': 82.98})),
    ('ablation_2d_no_mapping', Stage('2D w/o Mapping', '2d', {
        'AJPE': 13.36, 'PCKh@1.0': 79.57})),
    ('ablation_2d_no_crop', Stage('2D w/o Bounding Box Crop', '2d', {
        'AJPE': 17.41, 'PCKh@1.0': 62.58})),
    ('ablation_3d_no_pretrain', Stage('3D w/o Adult Pre-training', '3d', {
        'AJPE': 34.18, 'PCKh@1.0': 52.18})),
    ('ablation_3d_no_mapping', Stage('3D w/o Mapping', '3d', {
        'AJPE': 67.82, 'PCKh@1.0': 20.19})),
])

#: Stages whose numbers come from other papers; nothing of this run maps
#: onto them.
REFERENCE_STAGES = ('reference_openpose', 'reference_ferns')

#: Size of every chart in pixels (width, height): figure inches x DPI.
PER_JOINT_CHART_PX = (1200, 500)
LOSS_CHART_PX = (1000, 400)
_DPI = 100

_MISSING = '—'
#: Results key the project's ``HeadPCK`` writes beside its PCKh values.
PCKH_CONVENTION_KEY = 'PCKh_zero_error_correct'
#: How each PCKh convention is described in the report.
PCKH_CONVENTIONS = {
    False: ('thesis: correct when 0 < error <= f x head length (an error of '
            'exactly 0, the pelvis after root centring, counts wrong)'),
    True: ('zero error correct: error <= f x head length (the pelvis after '
           'root centring always counts; up to 100/16 = 6.25 points above '
           'the thesis rule in 3D)'),
    None: 'not stated in the results file (written before the convention '
          'was recorded; 3D values then counted the pelvis as correct)',
}
_TIMESTAMP_DIR = re.compile(r'^\d{8}_\d{6}$')


# ----------------------------------------------------------------- inputs
def _check_stage(stage: str) -> Stage:
    if stage not in STAGES or stage in REFERENCE_STAGES:
        known = [s for s in STAGES if s not in REFERENCE_STAGES]
        raise ValueError(f'unknown stage {stage!r}; known stages: {known}')
    return STAGES[stage]


def _timestamp_dirs(work_dir: str) -> List[str]:
    """``<work_dir>/<YYYYmmdd_HHMMSS>`` folders, oldest first."""
    return sorted(
        d for d in glob.glob(osp.join(work_dir, '*'))
        if osp.isdir(d) and _TIMESTAMP_DIR.match(osp.basename(d)))


def load_metrics(path: str) -> Dict[str, float]:
    """Metrics dict from a test-results JSON file or an MMEngine work dir.

    Raises:
        FileNotFoundError: no such file, or no ``<ts>/<ts>.json`` in the dir.
        ValueError: the file is not one JSON object.
    """
    if osp.isdir(path):
        candidates = [
            osp.join(d, osp.basename(d) + '.json')
            for d in _timestamp_dirs(path)
        ]
        candidates = [c for c in candidates if osp.isfile(c)]
        if not candidates:
            raise FileNotFoundError(
                f'{path}: no <timestamp>/<timestamp>.json test results '
                'found (run tools/test.py with --work-dir there)')
        path = candidates[-1]
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: results file not found')
    with open(path) as f:
        try:
            metrics = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(
                f'{path}: not a single JSON object of metrics ({err}); '
                'training logs (vis_data/scalars.json) go to --logs') from err
    if not isinstance(metrics, dict):
        raise ValueError(f'{path}: expected a JSON object of metrics, got '
                         f'{type(metrics).__name__}')
    return metrics


def find_metric(metrics: Mapping[str, float],
                name: str) -> Tuple[Optional[float], Dict[str, float]]:
    """The overall value of ``name`` and its per-joint values.

    Looks for ``name`` and ``name/<joint>``, or, if absent, the same under
    an evaluator prefix (``<prefix>/name``). Returns ``(None, {})`` when the
    metric is not there.
    """
    prefix = ''
    if name not in metrics:
        prefixed = [k for k in metrics if k.endswith('/' + name)]
        if not prefixed:
            return None, {}
        prefix = prefixed[0][:-len(name)]
    head = prefix + name + '/'
    per_joint = {
        k[len(head):]: float(v)
        for k, v in metrics.items() if k.startswith(head) and v is not None
    }
    value = metrics[prefix + name]
    return (None if value is None else float(value)), per_joint


def pckh_convention(metrics: Mapping[str, float]) -> Optional[bool]:
    """Whether the PCKh values of one results dict counted an exactly-zero
    error as correct (``True``), used the thesis's ``0 < error`` rule
    (``False``), or do not say (``None``)."""
    value = find_metric(metrics, PCKH_CONVENTION_KEY)[0]
    return None if value is None else bool(value)


def pckh_convention_lines(results: Mapping[str, Mapping[str, float]]
                          ) -> List[str]:
    """One Markdown bullet per stage with PCKh values: which convention
    its numbers use. The thesis's own numbers use the thesis rule."""
    lines = []
    for stage, metrics in results.items():
        if find_metric(metrics, 'PCKh@1.0')[0] is None and find_metric(
                metrics, 'PCKh@2.0')[0] is None:
            continue
        lines.append(f'- `{stage}`: '
                     f'{PCKH_CONVENTIONS[pckh_convention(metrics)]}')
    return lines


def load_training_log(path: str) -> Tuple[List[dict], List[dict]]:
    """Training-iteration and validation records of MMEngine scalar logs.

    Args:
        path: a ``scalars.json`` file or a work dir (every
            ``<ts>/vis_data/scalars.json`` in it, oldest run first).

    Returns:
        ``(train, val)`` lists of dicts, in file order.
    """
    if osp.isdir(path):
        files = [
            osp.join(d, 'vis_data', 'scalars.json')
            for d in _timestamp_dirs(path)
        ]
        files = [f for f in files if osp.isfile(f)]
        if not files:
            raise FileNotFoundError(
                f'{path}: no <timestamp>/vis_data/scalars.json training log')
    elif osp.isfile(path):
        files = [path]
    else:
        raise FileNotFoundError(f'{path}: training log not found')
    train, val = [], []
    for file in files:
        with open(file) as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as err:
                    raise ValueError(f'{file}:{line_no}: not a JSON line '
                                     f'({err})') from err
                (train if 'iter' in record else val).append(record)
    return train, val


# ----------------------------------------------------------------- tables
def _fmt(value: Optional[float]) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _MISSING
    return f'{value:.4f}' if 0 < abs(value) < 0.01 else f'{value:.2f}'


def _pair(stage: str, key: str,
          results: Mapping[str, Mapping[str, float]]) -> List[str]:
    """``[thesis value, this run's value]`` for one stage and metric."""
    thesis = STAGES[stage].thesis.get(key)
    run = find_metric(results[stage], key)[0] if stage in results else None
    return [_fmt(thesis), _fmt(run)]


def table_5_1(results) -> Tuple[List[str], List[List[str]]]:
    """Thesis Table 5.1: the 3D lifter on MINI-RGBD test sequences 11-12."""
    header = ['Input Data', 'AJPE/mm (thesis)', 'AJPE/mm (this run)',
              'PCKh 1.0/% (thesis)', 'PCKh 1.0/% (this run)',
              'PCKh 2.0/% (thesis)', 'PCKh 2.0/% (this run)']
    rows = []
    for stage in ('lifter_gt2d', 'lifter_pred2d', 'lifter_pred2d_ft',
                  'reference_ferns'):
        row = [STAGES[stage].label]
        for key in ('AJPE', 'PCKh@1.0', 'PCKh@2.0'):
            row += _pair(stage, key, results)
        rows.append(row)
    return header, rows


def table_5_2(results) -> Tuple[List[str], List[List[str]]]:
    """Thesis Table 5.2: ablations (full models are ``pose2d`` and
    ``lifter_gt2d``)."""
    header = ['Model', 'PCKh 1.0/% (thesis)', 'PCKh 1.0/% (this run)',
              'AJPE/mm or pixels (thesis)', 'AJPE/mm or pixels (this run)']
    rows = []
    for stage, label in (
            ('pose2d', 'Full 2D Model'),
            ('ablation_2d_no_pretrain', 'w/o Adult Pre-training'),
            ('ablation_2d_no_mapping', 'w/o Mapping'),
            ('ablation_2d_no_crop', 'w/o Bounding Box Crop'),
            ('lifter_gt2d', 'Full 3D Model'),
            ('ablation_3d_no_pretrain', 'w/o Adult Pre-training'),
            ('ablation_3d_no_mapping', 'w/o Mapping')):
        rows.append([label] + _pair(stage, 'PCKh@1.0', results) +
                    _pair(stage, 'AJPE', results))
    return header, rows


def table_stages(results) -> Tuple[List[str], List[List[str]]]:
    """Sections 5.1-5.3.1: detector, 2D model and MPI-INF-3DHP lifter, one
    row per metric."""
    header = ['Model', 'Metric', 'Thesis', 'This run']
    metrics = {
        'detector': [('mIoU', 'mean IoU/%'),
                     ('IoU_below_0.7', 'images with IoU < 0.7/%')],
        'pose2d': [('AJPE', 'AJPE/px'), ('PCKh@1.0', 'PCKh 1.0/%'),
                   ('PCKh@2.0', 'PCKh 2.0/%')],
        'reference_openpose': [('PCKh@1.0', 'PCKh 1.0/%'),
                               ('PCKh@2.0', 'PCKh 2.0/%')],
        'lifter_3dhp': [('AJPE', 'AJPE/mm'), ('PCK@150mm', 'PCK 150 mm/%'),
                        ('AUC', 'AUC 0-150 mm/%')],
    }
    rows = []
    for stage, items in metrics.items():
        for key, label in items:
            rows.append([STAGES[stage].label, label] +
                        _pair(stage, key, results))
    return header, rows


def write_table(header: List[str], rows: List[List[str]], stem: str,
                title: str) -> List[str]:
    """Write ``<stem>.md`` (with a title line) and ``<stem>.csv``
    (missing values as empty cells); return both paths."""
    lines = [f'**{title}**', '', '| ' + ' | '.join(header) + ' |',
             '|' + '|'.join(['---'] * len(header)) + '|']
    lines += ['| ' + ' | '.join(row) + ' |' for row in rows]
    with open(stem + '.md', 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with open(stem + '.csv', 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([['' if c == _MISSING else c for c in row]
                          for row in rows])
    return [stem + '.md', stem + '.csv']


# ----------------------------------------------------------------- charts
def _figure(size_px: Tuple[int, int]) -> Figure:
    return Figure(figsize=(size_px[0] / _DPI, size_px[1] / _DPI), dpi=_DPI)


def _save(fig: Figure, path: str) -> str:
    # no bbox_inches='tight': the PNG keeps exactly the figure's pixel size
    FigureCanvasAgg(fig).print_png(path)
    return path


def per_joint_series(results, kind: str) -> 'OrderedDict[str, Dict]':
    """``{'<stage>: <metric>': {joint: PCK %}}`` for the chart of one
    dimension.

    2D: PCKh@1.0 of every 2D stage. 3D: PCKh@1.0 of every MINI-RGBD lifter
    stage and PCK@150mm of the MPI-INF-3DHP lifter (Figure 5.5's pairing).
    """
    wanted = {'2d': (('2d', 'PCKh@1.0'), ),
              '3d': (('3dhp', 'PCK@150mm'), ('3d', 'PCKh@1.0'))}[kind]
    series = OrderedDict()
    for stage_kind, key in wanted:
        for stage, info in STAGES.items():
            if info.kind == stage_kind and stage in results:
                per_joint = find_metric(results[stage], key)[1]
                if per_joint:
                    series[f'{stage}: {key}'] = per_joint
    return series


def plot_per_joint(series: Mapping[str, Mapping[str, float]], title: str,
                   path: str) -> str:
    """Grouped bar chart, one group per joint, one bar per series."""
    joints = list(OrderedDict.fromkeys(j for s in series.values() for j in s))
    fig = _figure(PER_JOINT_CHART_PX)
    ax = fig.add_subplot(1, 1, 1)
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(joints))
    for i, (label, values) in enumerate(series.items()):
        heights = [values.get(j, np.nan) for j in joints]
        ax.bar(x + (i - (len(series) - 1) / 2) * width, heights, width,
               label=label)
    ax.set_xticks(x)
    ax.set_xticklabels(joints, rotation=45, ha='right', fontsize=8)
    ax.set_ylim(0, 125)  # headroom above 100 % for the legend
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel('correct keypoints / %')
    ax.set_title(title)
    ax.legend(fontsize=8, loc='upper center', ncol=2)
    fig.subplots_adjust(bottom=0.25, left=0.06, right=0.99)
    return _save(fig, path)


#: Validation metrics drawn beside the loss, the first one logged wins.
VAL_CURVE_METRICS = ('mIoU', 'PCKh@1.0', 'PCK@150mm', 'AJPE', 'PCKh', 'PCK')


def _epoch_means(records: List[dict], key: str) -> Tuple[list, list]:
    """Mean of ``key`` per epoch (by ``epoch``; by ``step`` without it)."""
    by_x = OrderedDict()
    for r in records:
        if key in r:
            by_x.setdefault(r.get('epoch', r.get('step')), []).append(r[key])
    return list(by_x), [float(np.mean(v)) for v in by_x.values()]


def _val_series(val: List[dict], key: str) -> Tuple[list, list]:
    """``key`` of every validation record, against its ``step`` (the epoch
    for epoch-based training, else the iteration)."""
    rows = [r for r in val if key in r]
    return [r.get('step') for r in rows], [float(r[key]) for r in rows]


def training_curves(train: List[dict], val: List[dict]) -> Dict[str, Tuple]:
    """The series of a loss chart: ``{label: (xs, ys)}``.

    * ``'training loss'``: MMEngine's total ``loss``, mean per epoch;
    * ``'validation loss (<key>)'``: ``val_loss`` (MMEngine's sum of the
      validation losses, logged when the model returns them) or else the
      first validation key containing ``loss``;
    * ``'validation <metric>'``: the first of :data:`VAL_CURVE_METRICS`
      that was logged (drawn on a second axis).
    """
    curves = OrderedDict()
    if any('loss' in r for r in train):
        curves['training loss'] = _epoch_means(train, 'loss')
    val_losses = sorted({k for r in val for k in r if 'loss' in k},
                        key=lambda k: (k != 'val_loss', k))
    if val_losses:
        curves[f'validation loss ({val_losses[0]})'] = _val_series(
            val, val_losses[0])
    metric = next((m for m in VAL_CURVE_METRICS if any(m in r for r in val)),
                  None)
    if metric is not None:
        curves[f'validation {metric}'] = _val_series(val, metric)
    return curves


def plot_losses(curves: Mapping[str, Tuple], x_label: str, title: str,
                path: str) -> str:
    """Draw :func:`training_curves`: losses on the left axis, the
    validation metric dashed on the right one."""
    fig = _figure(LOSS_CHART_PX)
    ax = fig.add_subplot(1, 1, 1)
    metric_ax = None
    for label, (xs, ys) in curves.items():
        if 'loss' in label:
            ax.plot(xs, ys, marker='o', label=label)
        else:
            metric_ax = metric_ax or ax.twinx()
            metric_ax.plot(xs, ys, linestyle='--', marker='^',
                           color='tab:green', label=label)
            metric_ax.set_ylabel(label)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(x_label)
    ax.set_ylabel('loss')
    ax.set_title(title)
    handles, labels = ax.get_legend_handles_labels()
    if metric_ax is not None:
        more = metric_ax.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    ax.legend(handles, labels, fontsize=8)
    fig.subplots_adjust(bottom=0.15, left=0.08, right=0.9)
    return _save(fig, path)


# ----------------------------------------------------------------- report
def make_report(results: Mapping[str, str],
                logs: Mapping[str, str],
                out_dir: str,
                data_note: Optional[str] = None) -> Dict[str, str]:
    """Write the whole report.

    Args:
        results: stage -> test-results JSON file or work dir.
        logs: stage -> ``scalars.json`` or training work dir.
        out_dir: created if needed.
        data_note: what "this run" was trained and tested on, printed
            under the title (e.g. that the data are synthetic, so the
            thesis's numbers are a reference, not a target).

    Returns:
        Output name (``'report'``, ``'table_5_1.csv'``, ``'loss_pose2d'``,
        ...) -> path of every file written.
    """
    for stage in list(results) + list(logs):
        _check_stage(stage)
    os.makedirs(out_dir, exist_ok=True)
    metrics = {stage: load_metrics(p) for stage, p in results.items()}
    written, sections = OrderedDict(), []

    for stem, build, title in (
            ('table_5_1', table_5_1, 'Table 5.1: 3D lifter on MINI-RGBD '
             'test sequences 11-12'),
            ('table_5_2', table_5_2, 'Table 5.2: ablative analysis'),
            ('table_stages', table_stages, 'Detector, 2D model and '
             'MPI-INF-3DHP lifter (thesis Sections 5.1-5.3.1)')):
        md, csv_path = write_table(*build(metrics), osp.join(out_dir, stem),
                                   title)
        written[stem + '.md'], written[stem + '.csv'] = md, csv_path
        with open(md) as f:
            sections.append(f.read())

    for kind, title in (('2d', 'Per-joint PCKh 1.0, 2D (cf. thesis Fig. 5.4)'),
                        ('3d', 'Per-joint PCK, 3D (cf. thesis Fig. 5.5)')):
        name = f'per_joint_pckh_{kind}'
        series = per_joint_series(metrics, kind)
        if series:
            written[name] = plot_per_joint(series, title,
                                           osp.join(out_dir, name + '.png'))
            sections.append(f'![{title}]({name}.png)\n')
        else:
            sections.append(f'_{title}: no per-joint values in the given '
                            'results._\n')

    for stage, path in logs.items():
        train, val = load_training_log(path)
        curves = training_curves(train, val)
        if not any('loss' in label for label in curves):
            raise ValueError(f'{path}: the training log of stage {stage!r} '
                             'has no loss values')
        name = f'loss_{stage}'
        title = f'{stage}: loss curves'
        # iteration-based training logs have no 'epoch': x is the iteration
        x_label = 'epoch' if any('epoch' in r for r in train) else 'iteration'
        written[name] = plot_losses(curves, x_label, title,
                                    osp.join(out_dir, name + '.png'))
        sections.append(f'![{title}]({name}.png)\n')

    convention = pckh_convention_lines(metrics)
    if convention:
        sections.insert(3, '**PCKh convention of this run\'s numbers** '
                        '(the thesis columns use the thesis rule)\n\n' +
                        '\n'.join(convention) + '\n')
    sources = [f'- `{s}`: {p}' for s, p in results.items()]
    report = osp.join(out_dir, 'report.md')
    with open(report, 'w') as f:
        f.write('# infant_mmpose results beside the thesis\n\n'
                + (f'{data_note}\n\n' if data_note else '') +
                'Thesis numbers: MINI-RGBD test sequences 11-12 (FACTS §5). '
                f'"{_MISSING}": not evaluated in this run.\n\n'
                'Results used:\n' + ('\n'.join(sources) or '- none') +
                '\n\n' + '\n'.join(sections))
    written['report'] = report
    return dict(written)
