"""Configs and checkpoints of published models for the inferencer.

Two sources:

* the thesis's release, converted by
  ``tools/model_converters/thesis_to_mmpose.py`` into a folder holding
  ``pose2d.pth``, ``lifter.pth`` and (if the zip had one) ``detector.pth``,
  run with ``configs/thesis_release/{pose2d,lifter,detector}.py``;
* the OpenMMLab model zoo: MMDetection's COCO Faster R-CNN R50-FPN (class 0,
  ``person``, stands in for the infant) and MMPose's MPII SimpleBaseline
  ResNet-50, downloaded once into torch's hub cache
  (:func:`infant_mmpose.utils.cached_checkpoint`).
"""
import os.path as osp
from typing import Dict, Optional

from infant_mmpose.utils import cached_checkpoint, config_path

#: converted thesis files in a weights folder -> configs/thesis_release/
RELEASE = dict(det=('thesis_release/detector.py', 'detector.pth'),
               pose2d=('thesis_release/pose2d.py', 'pose2d.pth'),
               lifter=('thesis_release/lifter.py', 'lifter.pth'))

#: model zoo presets: (config, checkpoint URL)
ZOO = dict(
    det=('thesis_release/zoo_faster-rcnn_r50_fpn_coco.py',
         'https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/'
         'faster_rcnn_r50_fpn_1x_coco/'
         'faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth'),
    pose2d=('thesis_release/zoo_td-hm_res50_mpii-256x256.py',
            'https://download.openmmlab.com/mmpose/top_down/resnet/'
            'res50_mpii_256x256-418ffc88_20200812.pth'))

#: class index of the infant: the thesis detector's only class; COCO person
DET_CAT_ID = 0


def release_models(weights_dir: str) -> Dict[str, Optional[str]]:
    """``{'<part>_config': path, '<part>_checkpoint': path}`` for the parts
    (``det``, ``pose2d``, ``lifter``) whose converted file is in
    ``weights_dir``.

    Raises:
        FileNotFoundError: ``weights_dir`` is not a folder, or it has
            neither ``pose2d.pth`` nor ``lifter.pth`` (not converted yet).
    """
    if not osp.isdir(weights_dir):
        raise FileNotFoundError(f'weights folder {weights_dir!r} does not '
                                'exist')
    out = {}
    for part, (config, name) in RELEASE.items():
        path = osp.join(weights_dir, name)
        if osp.isfile(path):
            out[f'{part}_config'] = config_path(config)
            out[f'{part}_checkpoint'] = path
    if 'pose2d_checkpoint' not in out and 'lifter_checkpoint' not in out:
        raise FileNotFoundError(
            f'{weights_dir} has no pose2d.pth or lifter.pth: convert the '
            'thesis release first (python tools/model_converters/'
            f'thesis_to_mmpose.py SAVED_MODELS_DIR {weights_dir})')
    return out


def zoo_models(parts=('det', 'pose2d')) -> Dict[str, str]:
    """Configs and cached local checkpoints of the zoo presets in ``parts``
    (downloaded on first use)."""
    out = {}
    for part in parts:
        config, url = ZOO[part]
        out[f'{part}_config'] = config_path(config)
        out[f'{part}_checkpoint'] = cached_checkpoint(url)
    return out
