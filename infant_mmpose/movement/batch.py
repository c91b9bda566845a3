"""Features of many recordings into one table, sheets beside it.

Shared by ``tools/analysis/movement_features.py`` and the quickstart. A file
that cannot be analysed is reported with its path and reason and the others
still produce rows.
"""
import os.path as osp
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .catalogue import DEFAULT_SETTINGS, FeatureSettings
from .reference import NormativeReference


@dataclass
class BatchResult:
    """Rows written, failures (path, reason), sheets (input -> PNG path)."""
    rows: List[dict] = field(default_factory=list)
    failures: List[Tuple[str, str]] = field(default_factory=list)
    sheets: Dict[str, str] = field(default_factory=dict)
    table: Optional[str] = None


def sheet_name(path: str, taken: set) -> str:
    """``<stem>_movement.png``, numbered when two inputs share a stem."""
    stem = osp.splitext(osp.basename(path))[0] or 'recording'
    name, i = f'{stem}_movement.png', 1
    while name in taken:
        i += 1
        name = f'{stem}_{i}_movement.png'
    taken.add(name)
    return name


def analyse_files(inputs: Sequence, out_csv: str,
                  reference: Optional[NormativeReference] = None,
                  plots_dir: Optional[str] = None,
                  preparation: Optional[dict] = None,
                  settings: FeatureSettings = DEFAULT_SETTINGS,
                  progress: bool = True,
                  report: Callable[[str], None] = print) -> BatchResult:
    """Analyse every input and write the feature table.

    Args:
        inputs: paths of inferencer NPZ/JSON/CSV files, or ``(name,
            PoseSeries)`` pairs (the name goes in the ``input`` column).
        out_csv: the table (one row per analysed input; first column
            ``input``); not written when no input could be analysed.
        reference: adds z-scores and the surprise score to each row.
        plots_dir: write a sheet per recording there.
        preparation: keyword arguments of :func:`.preparation.prepare`.
        progress: show a progress bar for more than one input.
        report: where failure lines go (``SKIPPED <path>: <reason>``).
    """
    from . import analyse
    result = BatchResult()
    taken: set = set()
    bar = _Bar(len(inputs), enabled=progress and len(inputs) > 1)
    try:
        for item in inputs:
            name, source = (item if isinstance(item, tuple) else
                            (str(item), str(item)))
            try:
                analysed = analyse(source, preparation, settings)
                comparison = (reference.compare(analysed.features)
                              if reference is not None else None)
                if plots_dir:
                    path = osp.join(plots_dir, sheet_name(name, taken))
                    from .sheet import write_sheet
                    result.sheets[name] = write_sheet(
                        path, analysed.prepared, analysed.features,
                        comparison, title=name, settings=settings)
                result.rows.append(dict(input=name,
                                        **analysed.row(comparison)))
            except Exception as err:  # noqa: BLE001  one bad file, not all
                reason = (str(err) if isinstance(err, (ValueError, OSError))
                          else f'{type(err).__name__}: {err}')
                # file errors already start with the path
                reason = reason[len(name) + 2:] if reason.startswith(
                    f'{name}: ') else reason
                result.failures.append((name, reason))
                report(f'SKIPPED {name}: {reason}')
            bar.advance()
    finally:
        bar.close()
    if result.rows:
        result.table = write_table(out_csv, result.rows)
    return result


def write_table(path: str, rows: List[dict]) -> str:
    """Write rows (same keys, ``input`` first) as CSV; NaN as empty cells."""
    import pandas as pd
    from infant_mmpose.fileio.atomic import atomic_open
    columns = list(rows[0])
    for row in rows[1:]:
        columns += [k for k in row if k not in columns]
    with atomic_open(path, 'w', encoding='utf-8', newline='') as f:
        pd.DataFrame(rows, columns=columns).to_csv(f, index=False)
    return path


class _Bar:
    """A rich progress bar over files (silent when disabled)."""

    def __init__(self, total: int, enabled: bool):
        self.enabled = enabled
        if enabled:
            from rich.progress import (BarColumn, MofNCompleteColumn,
                                       Progress, TextColumn,
                                       TimeRemainingColumn)
            self._progress = Progress(
                TextColumn('Movement features'), BarColumn(),
                MofNCompleteColumn(), TextColumn('files'),
                TimeRemainingColumn())
            self._task = self._progress.add_task('files', total=total)
            self._progress.start()

    def advance(self) -> None:
        if self.enabled:
            self._progress.advance(self._task)

    def close(self) -> None:
        if self.enabled:
            self._progress.stop()

