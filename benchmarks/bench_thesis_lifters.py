#!/usr/bin/env python
"""Do the thesis lifter configs learn? Trained vs mean-pose AJPE.

Trains each thesis lifter config (``configs/lifter/*.py``: MPI-INF-3DHP
pre-training, MINI-RGBD ground-truth 2D, MINI-RGBD predicted 2D, each with
raw-pixel and root-normalised input) from scratch for a short schedule on
generated data, with the config's own optimiser, learning rate and
schedule, and prints its validation AJPE (mm, pelvis-centred) beside the
mean-pose baseline's: the mean pelvis-relative training pose predicted for
every validation frame.

Variants (``--variants``) change only the weight constraint / target units:

* ``none``: no max-norm (the configs' default, as the thesis code);
* ``row``: max-norm <= 1 on every Linear weight row (the configs before);
* ``tensor``: max-norm <= 1 on every whole weight matrix (Martinez's code);
* ``row_dm``: ``row`` with targets learned in decimetres
  (``target_scale=100``, decoded back to mm).

Data: generated MINI-RGBD annotations (12 sequences x ``--frames``), a
generated MPI-INF-3DHP release (S1 train, S7 val, ``--adult-frames`` x 8
cameras) and a 2D-predictions file made from the ground-truth 2D plus
Gaussian noise. Usage::

    python benchmarks/bench_thesis_lifters.py [--frames 40] [--epochs 20]
        [--variants none row tensor row_dm] [--configs NAME ...]

``tests/test_thesis_lifters_learn.py`` runs the same functions on the
default variant.
"""
import argparse
import copy
import os
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, Optional

import numpy as np

PROJECT_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if PROJECT_ROOT not in sys.path:
    sys.path.insert(0, PROJECT_ROOT)

#: The thesis lifter configs, relative to ``configs/``.
THESIS_LIFTERS = (
    'lifter/martinez_mpi-inf-3dhp.py',
    'lifter/martinez_mpi-inf-3dhp_rootnorm.py',
    'lifter/martinez_minirgbd-gt2d.py',
    'lifter/martinez_minirgbd-gt2d_rootnorm.py',
    'lifter/martinez_minirgbd-pred2d.py',
    'lifter/martinez_minirgbd-pred2d_rootnorm.py',
)

#: Variant name -> options merged into the config.
VARIANTS = {
    'none': {'model.head.max_norm': None},
    'row': {'model.head.max_norm': 1.0, 'model.head.max_norm_mode': 'row'},
    'tensor': {'model.head.max_norm': 1.0,
               'model.head.max_norm_mode': 'tensor'},
    'row_dm': {'model.head.max_norm': 1.0, 'model.head.max_norm_mode': 'row',
               'target_scale': 100.0},
}

#: Pixel noise (standard deviation) of the fake 2D predictions.
PRED_NOISE_PX = 2.0


def make_data(root: str, frames: int = 40, adult_frames: int = 40,
              seed: int = 0) -> Dict[str, str]:
    """Generate the data under ``root``; return the paths a config needs:
    ``minirgbd`` (root), ``adult`` (3DHP root) and ``pose2d`` (a
    2D-predictions file in mpii16 covering every MINI-RGBD frame)."""
    from infant_mmpose.structures.keypoint_definitions import get_mapping
    from infant_mmpose.fileio.minirgbd_reader import MiniRGBDReader
    from infant_mmpose.fileio.result_files import save_pose2d_predictions
    from infant_mmpose.synthetic.minirgbd import generate_minirgbd
    from infant_mmpose.synthetic.mpi_inf_3dhp import \
        generate_mpi_inf_3dhp
    paths = dict(minirgbd=osp.join(root, 'minirgbd'),
                 adult=osp.join(root, 'mpi_inf_3dhp'),
                 pose2d=osp.join(root, 'pose2d_predictions.json'))
    generate_minirgbd(paths['minirgbd'], num_sequences=12, num_frames=frames,
                      seed=seed, annotations_only=True, show_progress=False)
    generate_mpi_inf_3dhp(paths['adult'], subjects=(1, 7),
                          num_frames=adult_frames, seed=seed)
    rng = np.random.default_rng(seed)
    mapping = get_mapping('minirgbd25', 'mpii16')
    records = []
    for seq in MiniRGBDReader(paths['minirgbd'], 'all').load():
        for i, frame in enumerate(seq.frames.tolist()):
            kpts = np.zeros((16, 2))
            for src, tgt in mapping:
                kpts[tgt] = seq.joints_2d[i][src]
            kpts += rng.normal(0, PRED_NOISE_PX, kpts.shape)
            records.append(dict(sequence=seq.sequence, frame=frame,
                                keypoints=kpts, scores=np.full(16, 0.9)))
    save_pose2d_predictions(paths['pose2d'], records, 'mpii16')
    return paths


def short_config(config: str, data: Dict[str, str], work_dir: str,
                 epochs: int, variant: str = 'none',
                 lr: Optional[float] = None):
    """The config with the generated data, ``epochs`` epochs of its own
    optimiser and schedule (``lr`` replaces its learning rate when given),
    no pre-trained weights, no early stopping or checkpoints, one process,
    and the ``variant`` applied."""
    from mmengine.config import Config
    from infant_mmpose.utils import config_path
    cfg = Config.fromfile(config_path(config))
    options = dict(VARIANTS[variant])
    target_scale = options.pop('target_scale', None)
    cfg.merge_from_dict(options)
    if target_scale is not None:
        for codec in (cfg.lifter_codec, cfg.codec, cfg.model.head.decoder):
            codec['target_scale'] = target_scale
        for split in ('train', 'val', 'test'):
            for step in cfg[f'{split}_dataloader'].dataset.pipeline:
                if step['type'] == 'GenerateTarget':
                    step['encoder'] = dict(step['encoder'],
                                           target_scale=target_scale)
    cfg.work_dir = work_dir
    cfg.load_from = None
    if lr is not None:
        cfg.optim_wrapper.optimizer.lr = lr
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs,
                         val_interval=epochs + 1)
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        interval=epochs + 1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1000)
    cfg.custom_hooks = [h for h in cfg.custom_hooks
                        if h['type'] != 'EarlyStoppingHook']
    cfg.visualizer.name = f'vis_{osp.basename(work_dir)}_{time.time_ns()}'
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    is_adult = cfg.train_dataloader.dataset.type == 'MpiInf3dhpDataset'
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        loader.update(num_workers=0, persistent_workers=False)
        if is_adult:
            loader.dataset.data_root = data['adult']
            loader.dataset.cache_file = None
        else:
            loader.dataset.data_root = data['minirgbd']
            if loader.dataset.get('keypoints_2d', 'gt') != 'gt':
                loader.dataset.keypoints_2d = data['pose2d']
    return cfg


def mean_pose_ajpe(cfg) -> float:
    """AJPE (mm) of the mean pelvis-relative training pose on the
    validation split, both in the config's common definition."""
    from mmpose.registry import DATASETS
    root = cfg.lifter_codec['root_index']

    def targets(loader_cfg):
        ds_cfg = copy.deepcopy(loader_cfg.dataset)
        ds_cfg.pipeline = [t for t in ds_cfg.pipeline
                           if t['type'] == 'KeypointMapping']
        dataset = DATASETS.build(ds_cfg)
        poses = np.stack([dataset[i]['lifting_target'][0]
                          for i in range(len(dataset))])
        return poses - poses[:, root:root + 1]

    mean_pose = targets(cfg.train_dataloader).mean(axis=0)
    val = targets(cfg.val_dataloader)
    return float(np.linalg.norm(val - mean_pose, axis=-1).mean())


def train_and_score(config: str, data: Dict[str, str], work_dir: str,
                    epochs: int, variant: str = 'none',
                    lr: Optional[float] = None) -> Dict[str, float]:
    """Train briefly; return ``trained`` and ``mean_pose`` validation AJPE
    (mm) and the training ``seconds``."""
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner
    init_default_scope('mmpose')
    cfg = short_config(config, data, work_dir, epochs, variant, lr)
    baseline = mean_pose_ajpe(cfg)
    start = time.time()
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.val_loop.run()
    return dict(trained=float(metrics['AJPE']), mean_pose=baseline,
                seconds=time.time() - start)


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=40,
                        help='frames per generated MINI-RGBD sequence')
    parser.add_argument('--adult-frames', type=int, default=40,
                        help='frames per generated MPI-INF-3DHP sequence')
    parser.add_argument('--epochs', type=int, default=20)
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument('--configs', nargs='+', default=list(THESIS_LIFTERS))
    parser.add_argument('--lr', type=float, default=None,
                        help="replaces the configs' learning rates")
    parser.add_argument('--threads', type=int, default=1)
    args = parser.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    import infant_mmpose  # noqa: F401
    with tempfile.TemporaryDirectory() as tmp:
        data = make_data(tmp, args.frames, args.adult_frames)
        print(f'| config | variant | trained AJPE mm | mean-pose AJPE mm '
              f'| trained / mean | train s |')
        print('|---|---|---|---|---|---|')
        for config in args.configs:
            for variant in args.variants:
                work = osp.join(tmp, f'{osp.basename(config)}_{variant}')
                r = train_and_score(config, data, work, args.epochs, variant,
                                    args.lr)
                print(f'| {config} | {variant} | {r["trained"]:.1f} | '
                      f'{r["mean_pose"]:.1f} | '
                      f'{r["trained"] / r["mean_pose"]:.2f} | '
                      f'{r["seconds"]:.1f} |', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
