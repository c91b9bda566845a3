"""Entry point: run the thesis stages for given data roots, then summarise."""
from typing import Callable, Dict, Optional

from .staged import StagedPipeline
from .summary import build_summary, write_summary
from .thesis_stages import PipelineInputs, build_stages


def run_pipeline(inputs: PipelineInputs,
                 work_dir: str,
                 configs: Optional[Dict[str, str]] = None,
                 cfg_options: Optional[Dict[str, dict]] = None,
                 threads: Optional[int] = None,
                 until: Optional[str] = None,
                 log: Callable[[str], None] = print) -> dict:
    """Run (or resume) every stage in ``work_dir``; write the summary.

    Args:
        threads: ``torch.set_num_threads`` for the whole run. On a small
            shared CPU one thread per process is much faster than letting
            several processes oversubscribe the cores.
        until: stop after this stage (no summary is written then).

    Returns:
        dict: ``outputs`` (stage -> outputs), ``summary`` and ``paths`` of
        ``summary.json`` / ``summary.md`` (None when stopped early).
    """
    if threads:
        import torch
        torch.set_num_threads(threads)
    pipeline = StagedPipeline(
        work_dir, build_stages(inputs, configs, cfg_options, log), log)
    outputs = pipeline.run(only_until=until)
    if until is not None and until != pipeline.stages[-1].name:
        return dict(outputs=outputs, summary=None, paths=None)
    summary = build_summary(outputs, pipeline.stage_seconds())
    paths = write_summary(work_dir, summary)
    log(f'summary: {paths["markdown"]} and {paths["json"]}')
    return dict(outputs=outputs, summary=summary, paths=paths)
