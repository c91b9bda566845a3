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


def add_common_args(parser) -> None:
    """Flags ``tools/train.py`` and ``tools/test.py`` share with MMPose's."""
    from mmengine.config import DictAction
    parser.add_argument(
        '--show-dir', help='directory where visualised results are saved')
    parser.add_argument(
        '--show', action='store_true', help='display the results')
    parser.add_argument(
        '--interval', type=int, default=1,
        help='visualise every n-th sample')
    parser.add_argument(
        '--wait-time', type=float, default=1,
        help='display time of every window (seconds)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings in the config, key=value pairs '
        '(e.g. train_cfg.max_epochs=3)')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none', help='job launcher')
    # torchrun passes --local-rank (torch>=2.0); older launchers --local_rank.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args):
    """Read ``args.config``, apply ``--cfg-options`` (and the config's
    ``common_definition``, see
    :func:`~infant_mmpose.structures.common_definition.apply_common_definition`),
    ``--launcher``,
    ``--work-dir`` (default ``work_dirs/<config name>``) and ``--show*``.

    Raises:
        SystemExit: when the config file does not exist.
    """
    import os
    import os.path as osp
    import sys

    from mmengine.config import Config
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if not osp.isfile(args.config):
        sys.exit(f'error: config file not found: {args.config}')
    from infant_mmpose.structures.common_definition import \
        apply_common_definition
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    apply_common_definition(cfg)
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.show or args.show_dir:
        enable_visualization(cfg, args.show, args.show_dir, args.wait_time,
                             args.interval)
    return cfg
