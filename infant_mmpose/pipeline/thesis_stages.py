"""The thesis's stages as :class:`~.staged.Stage` s, for given data roots.

Order (a stage whose data root is not given is left out)::

    coco                  MINI-RGBD -> COCO json (train / val / test / all)
    detector              train + test the infant detector (BoxIoU)
    detections            detector boxes for every frame -> detections file
    pose2d_mpii           [--mpii-root] 2D pre-training on MPII
    pose2d                2D fine-tuning on MINI-RGBD (mask boxes), tested
                          on detector boxes (HeadPCK, AJPE px)
    pose2d_predictions    2D predictions for every frame -> predictions file
    lifter_pretrain       [--mpi-inf-3dhp-root] lifter pre-training
    lifter_gt2d           lifter on MINI-RGBD ground-truth 2D (AJPE mm, ...)
    lifter_gt2d_on_pred2d the stage-above lifter tested on predicted 2D
                          (the thesis's "no fine-tune" row)
    lifter_pred2d         lifter fine-tuned on predicted 2D

Every stage trains the config named for it in ``configs`` with the data
paths and the previous stage's checkpoint (``load_from``) filled in.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional

from infant_mmpose.utils import PROJECT_ROOT, config_path
from . import mm_runner
from .staged import Stage

SPLITS = ('train', 'val', 'test')

THESIS_CONFIGS = dict(
    detector='configs/detector/faster-rcnn_r50_fpn_minirgbd.py',
    pose2d_mpii='configs/pose2d/td-hm_res50_mpii16-256x256.py',
    pose2d='configs/pose2d/td-hm_res50_minirgbd-256x256.py',
    lifter_pretrain='configs/lifter/martinez_mpi-inf-3dhp.py',
    lifter_gt2d='configs/lifter/martinez_minirgbd-gt2d.py',
    lifter_pred2d='configs/lifter/martinez_minirgbd-pred2d.py')

QUICKSTART_CONFIGS = dict(
    detector='configs/quickstart/detector.py',
    pose2d_mpii='configs/pose2d/td-hm_res50_mpii16-256x256.py',
    pose2d='configs/quickstart/pose2d.py',
    lifter_pretrain='configs/quickstart/lifter_pretrain.py',
    lifter_gt2d='configs/quickstart/lifter.py',
    lifter_pred2d='configs/quickstart/lifter_pred2d.py')


@dataclass
class PipelineInputs:
    """Data roots: MINI-RGBD is required, the adult data sets optional."""
    minirgbd_root: str
    mpi_inf_3dhp_root: Optional[str] = None
    mpii_root: Optional[str] = None


def _abs_config(path: str) -> str:
    """``configs/...`` names the package's configs (checkout or wheel);
    other relative paths are relative to the project root."""
    if osp.isabs(path):
        return path
    if path.startswith('configs/'):
        return config_path(path[len('configs/'):])
    return osp.join(PROJECT_ROOT, path)


def _per_split(key: str, values: Dict[str, object]) -> dict:
    """``{'train_dataloader.dataset.<key>': v_train, ...}``."""
    return {f'{split}_dataloader.dataset.{key}': value
            for split, value in values.items()}


def _same_for_splits(key: str, value) -> dict:
    return _per_split(key, {split: value for split in SPLITS})


def build_stages(inputs: PipelineInputs,
                 configs: Optional[Dict[str, str]] = None,
                 cfg_options: Optional[Dict[str, dict]] = None,
                 log=print) -> List[Stage]:
    """The stage list for ``inputs``.

    Args:
        configs: stage name -> config path (relative to the project root or
            absolute); defaults to :data:`THESIS_CONFIGS`.
        cfg_options: stage name -> extra ``--cfg-options`` style overrides
            (e.g. ``{'detector': {'train_cfg.max_epochs': 1}}``).
    """
    configs = {k: _abs_config(v)
               for k, v in dict(THESIS_CONFIGS, **(configs or {})).items()}
    extra = cfg_options or {}
    root = osp.abspath(inputs.minirgbd_root)
    if not osp.isdir(root):
        raise FileNotFoundError(f'MINI-RGBD root not found: {root}')

    def options(stage: str, base: dict) -> dict:
        return dict(base, **extra.get(stage, {}))

    def checkpoint_of(outputs: dict, stage: str) -> Optional[str]:
        return outputs.get(stage, {}).get('checkpoint')

    # ---------------------------------------------------------------- stages
    def coco(stage_dir, outputs):
        from infant_mmpose.fileio.minirgbd_coco import \
            convert_minirgbd_to_coco
        files = {}
        for split in SPLITS + ('all', ):
            files[split] = osp.join(stage_dir, f'minirgbd_{split}.json')
            convert_minirgbd_to_coco(root, split, files[split])
        return dict(files=files)

    def detector(stage_dir, outputs):
        files = outputs['coco']['files']
        opts = _same_for_splits('data_root', root)
        opts.update(_per_split('ann_file',
                               {s: files[s] for s in SPLITS}))
        return mm_runner.train(configs['detector'],
                               osp.join(stage_dir, 'work'), 'detector',
                               options('detector', opts))

    def detections(stage_dir, outputs):
        from .stage_inference import detect_minirgbd
        out_file = osp.join(stage_dir, 'minirgbd_detections.json')
        records = detect_minirgbd(configs['detector'],
                                  checkpoint_of(outputs, 'detector'), root,
                                  outputs['coco']['files']['all'], out_file)
        missed = sum(r['bbox'] is None for r in records)
        return dict(file=out_file, frames=len(records), no_detection=missed)

    def pose2d_mpii(stage_dir, outputs):
        mpii = osp.abspath(inputs.mpii_root)
        opts = _same_for_splits('data_root', mpii)
        opts['val_dataloader.dataset.headbox_file'] = osp.join(
            mpii, 'annotations', 'mpii_gt_val.mat')
        opts['test_dataloader.dataset.headbox_file'] = opts[
            'val_dataloader.dataset.headbox_file']
        return mm_runner.train(configs['pose2d_mpii'],
                               osp.join(stage_dir, 'work'), 'pose2d_mpii',
                               options('pose2d_mpii', opts))

    def pose2d(stage_dir, outputs):
        opts = _same_for_splits('data_root', root)
        opts['test_dataloader.dataset.bbox_file'] = outputs['detections'][
            'file']
        load_from = checkpoint_of(outputs, 'pose2d_mpii')
        if load_from is None:
            log('  (no MPII stage: the 2D model starts from its config\'s '
                'initialisation)')
        return mm_runner.train(configs['pose2d'],
                               osp.join(stage_dir, 'work'), 'pose2d',
                               options('pose2d', opts), load_from=load_from)

    def pose2d_predictions(stage_dir, outputs):
        from .stage_inference import predict_pose2d_minirgbd
        out_file = osp.join(stage_dir, 'minirgbd_pose2d.json')
        records = predict_pose2d_minirgbd(
            configs['pose2d'], checkpoint_of(outputs, 'pose2d'), root, 'all',
            outputs['detections']['file'], out_file)
        return dict(file=out_file, frames=len(records))

    def lifter_pretrain(stage_dir, outputs):
        opts = _same_for_splits('data_root',
                                osp.abspath(inputs.mpi_inf_3dhp_root))
        return mm_runner.train(configs['lifter_pretrain'],
                               osp.join(stage_dir, 'work'),
                               'lifter_pretrain',
                               options('lifter_pretrain', opts))

    def lifter_gt2d(stage_dir, outputs):
        opts = _same_for_splits('data_root', root)
        opts.update(_same_for_splits('keypoints_2d', 'gt'))
        return mm_runner.train(
            configs['lifter_gt2d'], osp.join(stage_dir, 'work'),
            'lifter_gt2d', options('lifter_gt2d', opts),
            load_from=checkpoint_of(outputs, 'lifter_pretrain'))

    def lifter_gt2d_on_pred2d(stage_dir, outputs):
        opts = _same_for_splits('data_root', root)
        opts.update(_same_for_splits(
            'keypoints_2d', outputs['pose2d_predictions']['file']))
        metrics = mm_runner.test(
            configs['lifter_pred2d'], osp.join(stage_dir, 'work'),
            'lifter_gt2d_on_pred2d', checkpoint_of(outputs, 'lifter_gt2d'),
            options('lifter_gt2d_on_pred2d', opts))
        return dict(metrics=metrics, model='ground-truth-2D lifter, '
                    'no fine-tuning on predictions')

    def lifter_pred2d(stage_dir, outputs):
        opts = _same_for_splits('data_root', root)
        opts.update(_same_for_splits(
            'keypoints_2d', outputs['pose2d_predictions']['file']))
        return mm_runner.train(
            configs['lifter_pred2d'], osp.join(stage_dir, 'work'),
            'lifter_pred2d', options('lifter_pred2d', opts),
            load_from=checkpoint_of(outputs, 'lifter_gt2d'))

    stages = [
        Stage('coco', 'MINI-RGBD boxes -> COCO json', coco),
        Stage('detector', 'train + test the infant detector', detector),
        Stage('detections', 'detect the infant in every frame', detections),
    ]
    if inputs.mpii_root:
        stages.append(Stage('pose2d_mpii', '2D pre-training on MPII',
                            pose2d_mpii))
    stages += [
        Stage('pose2d', 'train + test the 2D model', pose2d),
        Stage('pose2d_predictions', '2D predictions for every frame',
              pose2d_predictions),
    ]
    if inputs.mpi_inf_3dhp_root:
        stages.append(Stage('lifter_pretrain',
                            'lifter pre-training on MPI-INF-3DHP',
                            lifter_pretrain))
    stages += [
        Stage('lifter_gt2d', 'lifter on ground-truth 2D', lifter_gt2d),
        Stage('lifter_gt2d_on_pred2d',
              'ground-truth-2D lifter tested on predicted 2D',
              lifter_gt2d_on_pred2d),
        Stage('lifter_pred2d', 'lifter fine-tuned on predicted 2D',
              lifter_pred2d),
    ]
    return stages
