"""Checkpoints of randomly initialised models, for tests, demos and benchmarks.

No weights can be downloaded on the project's machines, yet the inferencer
and the benchmark need real checkpoint files to load. These are written in
MMEngine's checkpoint format (``state_dict`` + ``meta``), with
``meta['dataset_meta']`` as MMPose / MMDetection expect it.

They are built offline: a ``Pretrained`` initialisation in the config (the
thesis configs start their ResNet-50 from ImageNet, a download) is dropped,
so every weight is the layer's own random initialisation.
"""
import os
import os.path as osp
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope


def without_pretrained_init(cfg):
    """``cfg`` with every ``init_cfg`` of type ``Pretrained`` removed
    (dicts and lists walked recursively; other initialisations kept)."""
    if isinstance(cfg, dict):
        out = type(cfg)()
        for key, value in cfg.items():
            if key == 'init_cfg' and _is_pretrained(value):
                out[key] = None
            else:
                out[key] = without_pretrained_init(value)
        return out
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(without_pretrained_init(v) for v in cfg)
    return cfg


def _is_pretrained(init_cfg) -> bool:
    items = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]
    return any(isinstance(i, dict) and i.get('type') == 'Pretrained'
               for i in items)


def save_untrained_checkpoint(config: str, out_file: str, seed: int = 0,
                              dataset_meta: Optional[dict] = None) -> str:
    """Build the model of ``config`` with random weights and save it.

    Args:
        config: an MMDetection or MMPose config file (its ``default_scope``
            picks the registry).
        out_file: the ``.pth`` file to write (folders are created).
        seed: torch seed, so the same seed gives the same weights.
        dataset_meta: stored as ``meta['dataset_meta']``; by default the
            model's data set metainfo from the config (MMPose) or its
            ``metainfo.classes`` (MMDetection).

    Returns:
        ``out_file``.
    """
    cfg = Config.fromfile(config)
    scope = cfg.get('default_scope', 'mmpose')
    init_default_scope(scope)
    torch.manual_seed(seed)
    model_cfg = without_pretrained_init(cfg.model)
    if scope == 'mmdet':
        from mmdet.registry import MODELS
        model = MODELS.build(model_cfg)
        if dataset_meta is None:
            classes = cfg.get('metainfo', {}).get('classes', ('infant', ))
            dataset_meta = dict(classes=tuple(classes))
    else:
        from mmpose.apis.inference import dataset_meta_from_config
        from mmpose.registry import MODELS
        model = MODELS.build(model_cfg)
        if dataset_meta is None:
            dataset_meta = dataset_meta_from_config(cfg, dataset_mode='train')
    model.init_weights()
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    meta = dict(dataset_meta=dataset_meta, config=osp.abspath(config),
                note='randomly initialised, untrained', seed=seed)
    torch.save(dict(state_dict=model.state_dict(), meta=meta), out_file)
    return out_file
