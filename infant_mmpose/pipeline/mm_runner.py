"""Train / test one config with an MMEngine ``Runner``, resumably.

Several runners live in one process during a pipeline run, so each gets its
own visualizer instance name (MMEngine's ``Visualizer.get_instance`` would
otherwise hand a later runner the first runner's visualizer).
"""
import glob
import os
import os.path as osp
from typing import Dict, Optional

from mmengine.config import Config


def load_config(config: str, cfg_options: Optional[dict] = None) -> Config:
    """Read ``config``, apply ``cfg_options`` (dotted keys, as
    ``--cfg-options``) and its ``common_definition`` (see
    :func:`~infant_mmpose.structures.common_definition.apply_common_definition`).

    Raises:
        FileNotFoundError: the config file does not exist.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file not found: {config}')
    from infant_mmpose.structures.common_definition import \
        apply_common_definition
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return apply_common_definition(cfg)


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint MMEngine's ``last_checkpoint`` file names, if any."""
    marker = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(marker):
        return None
    with open(marker) as f:
        path = f.read().strip()
    return path if path and osp.isfile(path) else None


def best_checkpoint(work_dir: str) -> Optional[str]:
    """The newest ``best_*.pth`` the CheckpointHook kept, else the latest."""
    best = sorted(glob.glob(osp.join(work_dir, 'best_*.pth')),
                  key=osp.getmtime)
    return best[-1] if best else latest_checkpoint(work_dir)


def _prepare(cfg: Config, work_dir: str, name: str) -> Config:
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    if cfg.get('visualizer') is not None:
        cfg.visualizer.name = f'visualizer_{name}_{os.getpid()}'
    return cfg


def _runner(cfg: Config):
    import infant_mmpose  # noqa: F401  (registers modules, checkpoint trust)
    from mmengine.runner import Runner
    return Runner.from_cfg(cfg)


def train(config: str,
          work_dir: str,
          name: str,
          cfg_options: Optional[dict] = None,
          load_from: Optional[str] = None,
          run_test: bool = True) -> Dict:
    """Train ``config`` in ``work_dir``; resume if a checkpoint is there.

    A stage killed mid-training leaves ``work_dir/last_checkpoint``; the next
    call resumes from it (optimizer, scheduler, epoch) instead of starting
    again from ``load_from``.

    Returns:
        dict: ``checkpoint`` (best or last), ``resumed_from`` (or None) and,
        when ``run_test``, ``metrics`` from ``runner.test()`` on that
        checkpoint.
    """
    cfg = _prepare(load_config(config, cfg_options), work_dir, name)
    resume_from = latest_checkpoint(work_dir)
    if resume_from:
        cfg.resume = True
        cfg.load_from = resume_from
    else:
        cfg.resume = False
        cfg.load_from = load_from
    runner = _runner(cfg)
    runner.train()
    checkpoint = best_checkpoint(work_dir)
    result = dict(checkpoint=checkpoint, resumed_from=resume_from)
    if run_test:
        if checkpoint:
            runner.load_checkpoint(checkpoint)
        result['metrics'] = _plain(runner.test())
    return result


def test(config: str,
         work_dir: str,
         name: str,
         checkpoint: Optional[str],
         cfg_options: Optional[dict] = None) -> Dict[str, float]:
    """Evaluate ``checkpoint`` (None = the config's initial weights) with the
    config's test dataloader and evaluator; returns the metrics."""
    cfg = _prepare(load_config(config, cfg_options), work_dir, name)
    cfg.resume = False
    cfg.load_from = checkpoint
    return _plain(_runner(cfg).test())


def _plain(metrics: dict) -> Dict[str, float]:
    """Metrics as JSON-ready floats."""
    out = {}
    for key, value in (metrics or {}).items():
        try:
            out[key] = float(value)
        except (TypeError, ValueError):
            out[key] = str(value)
    return out
