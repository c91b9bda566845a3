"""A resumable sequence of named stages with a progress display.

Each stage writes ``<work_dir>/<stage>/done.json`` when it finishes (its
outputs: checkpoint paths, result files, metrics, seconds).  A re-run skips
finished stages and reuses their outputs; a stage that was killed has no
``done.json`` and runs again, and training stages resume from the last
checkpoint in their folder (see :func:`mm_runner.train`).  When all stages are
done the collected metrics are written to ``summary.json`` and
``summary.md``.
"""
import datetime
import json
import os
import os.path as osp
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

from infant_mmpose.fileio.atomic import atomic_write_json

DONE_FILE = 'done.json'


@dataclass
class Stage:
    """One pipeline step.

    Attributes:
        name: folder name and key of its outputs (``detector``, ...).
        title: one-line description for the progress display.
        run: ``run(stage_dir, outputs) -> dict`` where ``outputs`` maps the
            names of earlier stages to their outputs; the returned dict must
            be JSON-serialisable and may hold ``metrics`` (name -> float).
    """
    name: str
    title: str
    run: Callable[[str, Dict[str, dict]], dict]


@dataclass
class StagedPipeline:
    """Runs :class:`Stage` s in order, skipping those already done."""
    work_dir: str
    stages: List[Stage]
    log: Callable[[str], None] = print
    outputs: Dict[str, dict] = field(default_factory=dict)

    def stage_dir(self, name: str) -> str:
        return osp.join(self.work_dir, name)

    def is_done(self, name: str) -> bool:
        return osp.isfile(osp.join(self.stage_dir(name), DONE_FILE))

    def run(self, only_until: Optional[str] = None) -> Dict[str, dict]:
        """Run every stage not done yet; return all stages' outputs.

        Args:
            only_until: stop after this stage (for debugging).
        """
        os.makedirs(self.work_dir, exist_ok=True)
        total = len(self.stages)
        start = time.time()
        for index, stage in enumerate(self.stages, 1):
            prefix = f'[stage {index}/{total}] {stage.name}'
            done_path = osp.join(self.stage_dir(stage.name), DONE_FILE)
            if osp.isfile(done_path):
                with open(done_path) as f:
                    self.outputs[stage.name] = json.load(f)['outputs']
                self.log(f'{prefix}: already done, skipped ({done_path})')
                continue
            self.log(f'{prefix}: {stage.title} ...')
            os.makedirs(self.stage_dir(stage.name), exist_ok=True)
            t0 = time.time()
            outputs = stage.run(self.stage_dir(stage.name), self.outputs)
            seconds = time.time() - t0
            self.outputs[stage.name] = outputs
            _write_json(done_path, dict(
                stage=stage.name, seconds=round(seconds, 2),
                finished_at=datetime.datetime.now().isoformat(
                    timespec='seconds'),
                outputs=outputs))
            self.log(f'{prefix}: done in {seconds:.1f} s'
                     f'{_short_metrics(outputs.get("metrics"))} '
                     f'(total {time.time() - start:.0f} s)')
            if stage.name == only_until:
                break
        return self.outputs

    def stage_seconds(self) -> Dict[str, float]:
        """Seconds each finished stage took (from its ``done.json``)."""
        out = {}
        for stage in self.stages:
            path = osp.join(self.stage_dir(stage.name), DONE_FILE)
            if osp.isfile(path):
                with open(path) as f:
                    out[stage.name] = json.load(f)['seconds']
        return out


def _short_metrics(metrics: Optional[dict], keys: int = 4) -> str:
    if not metrics:
        return ''
    shown = [(k, v) for k, v in metrics.items() if '/' not in k][:keys]
    return ' | ' + ', '.join(
        f'{k}={v:.2f}' if isinstance(v, float) else f'{k}={v}'
        for k, v in shown)


def _write_json(path: str, data: dict) -> None:
    """Atomic JSON write (a killed run never leaves a half-written file)."""
    atomic_write_json(path, data, indent=2)
