"""Collect the stages' metrics into ``summary.json`` and ``summary.md``."""
import json
import os
import os.path as osp
from typing import Dict, List, Optional

from infant_mmpose.fileio.atomic import atomic_write_text

#: Units of the headline metrics, for the Markdown table.
UNITS = {'AJPE': 'px or mm', 'mIoU': '%', 'PCKh@1.0': '%', 'PCKh@2.0': '%',
         'PCK@150mm': '%', 'AUC': '%', 'IoU_below_0.7': '%',
         'no_detection': '%'}


def headline(metrics: Optional[dict]) -> Dict[str, float]:
    """The overall metrics (per-joint keys ``name/joint`` left out)."""
    return {k: v for k, v in (metrics or {}).items() if '/' not in k}


def build_summary(outputs: Dict[str, dict],
                  seconds: Dict[str, float],
                  extra_rows: Optional[List[dict]] = None) -> dict:
    """Summary dict: one row per stage with metrics, plus ``extra_rows``
    (e.g. baselines: dicts with ``stage``, ``model``, ``metrics``)."""
    rows = []
    for name, out in outputs.items():
        if out.get('metrics'):
            rows.append(dict(stage=name, model=out.get('model', 'trained'),
                             metrics=out['metrics'],
                             seconds=seconds.get(name)))
    rows += list(extra_rows or [])
    return dict(format='infant_mmpose.pipeline_summary.v1', rows=rows,
                stage_seconds=seconds,
                total_seconds=round(sum(seconds.values()), 1))


def to_markdown(summary: dict) -> str:
    """Markdown tables: headline metrics per stage, then stage times."""
    lines = ['# Pipeline summary', '']
    for row in summary['rows']:
        metrics = headline(row['metrics'])
        if not metrics:
            continue
        lines.append(f"## {row['stage']} ({row['model']})")
        lines.append('')
        lines.append('| metric | value |')
        lines.append('|---|---|')
        for key, value in metrics.items():
            shown = f'{value:.2f}' if isinstance(value, float) else value
            lines.append(f'| {key} | {shown} |')
        lines.append('')
    lines += ['## Stage wall times', '', '| stage | seconds |', '|---|---|']
    for name, sec in summary['stage_seconds'].items():
        lines.append(f'| {name} | {sec:.1f} |')
    lines.append(f"| **total** | {summary['total_seconds']:.1f} |")
    return '\n'.join(lines) + '\n'


def write_summary(work_dir: str, summary: dict) -> Dict[str, str]:
    """Write ``summary.json`` and ``summary.md`` in ``work_dir``."""
    os.makedirs(work_dir, exist_ok=True)
    paths = dict(json=osp.join(work_dir, 'summary.json'),
                 markdown=osp.join(work_dir, 'summary.md'))
    for key, text in (('json', json.dumps(summary, indent=2)),
                      ('markdown', to_markdown(summary))):
        atomic_write_text(paths[key], text)
    return paths
