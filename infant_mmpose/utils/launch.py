"""Helpers shared by ``tools/train.py`` and ``tools/test.py``."""
import torch
import torch.distributed as dist


def init_cpu_distributed(cfg) -> bool:
    """Start a ``gloo`` process group when launched by torchrun without CUDA.

    MMEngine's ``pytorch`` launcher calls ``torch.cuda.set_device`` and
    defaults to NCCL, and its default DDP wrapper passes the local rank as a
    CUDA ``device_ids``; all three fail on a CPU-only machine. The runner skips
    its own initialisation when a process group already exists, so starting
    one here (and wrapping the model for CPU) leaves everything else to
    MMEngine.

    Returns:
        bool: whether a gloo group was started.
    """
    if cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available():
        return False
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
    if cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            device_ids=None,
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo')
    return True


def enable_visualization(cfg, show: bool, show_dir, wait_time: float,
                         interval: int) -> None:
    """Switch on the config's visualization hook for ``--show/--show-dir``."""
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise ValueError('--show/--show-dir need a `visualization` hook in '
                         'default_hooks of the config')
    vis = hooks.visualization
    vis.enable = True
    vis.show = show
    vis.wait_time = wait_time
    vis.interval = interval
    if show_dir:
        vis.out_dir = show_dir
