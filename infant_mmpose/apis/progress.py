"""Progress display for inference: frames done, frames per second, time."""
import time
from typing import Optional

from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)


class FrameProgress:
    """A rich progress bar counting frames, with the running frame rate.

    Shows ``frames done / total`` (just frames done for a camera, whose
    length is unknown), frames per second since the start, elapsed and
    remaining time. A disabled one does nothing.

    Args:
        total: number of frames if known.
        enabled: False for a silent run.
        description: label in front of the bar.
    """

    def __init__(self, total: Optional[int], enabled: bool = True,
                 description: str = 'Inference'):
        self.enabled = enabled
        self._start = time.perf_counter()
        self._done = 0
        if not enabled:
            return
        self._progress = Progress(
            TextColumn('[progress.description]{task.description}'),
            BarColumn(), MofNCompleteColumn(),
            TextColumn('frames, {task.fields[fps]:.2f} fps'),
            TimeElapsedColumn(), TimeRemainingColumn())
        self._task = self._progress.add_task(description, total=total, fps=0.0)
        self._progress.start()

    def update(self, frames: int) -> None:
        """Count ``frames`` more frames as done."""
        self._done += frames
        if self.enabled:
            elapsed = max(time.perf_counter() - self._start, 1e-9)
            self._progress.update(self._task, advance=frames,
                                  fps=self._done / elapsed)

    @property
    def fps(self) -> float:
        """Frames per second since the start."""
        return self._done / max(time.perf_counter() - self._start, 1e-9)

    def close(self) -> None:
        if self.enabled:
            self._progress.stop()
