"""Run a trained model over MINI-RGBD sequences and save its results.

* :func:`detect_minirgbd`: detector -> detections file (top box per frame,
  COCO detection results, usable as MMPose's ``bbox_file``).
* :func:`predict_pose2d_minirgbd`: 2D model on detector boxes -> 2D
  predictions file (COCO keypoint results) in the common definition.

Each frame's sequence and frame number travel as data: the detector's
samples carry the COCO image id, looked up in the COCO json's images; the 2D
samples carry ``sequence`` / ``frame`` in their metainfo.

Both build the model and the data loader from the stage's own config (its
``test_dataloader``, with the data root / sequences replaced), so the
preprocessing is exactly the one used for evaluation.  The files are written
through :mod:`infant_mmpose.fileio.result_files` (atomic writes).
"""
import copy
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch

from .mm_runner import load_config


def parse_sequences(text: str) -> Union[str, List[int]]:
    """``'test'`` stays a split name; ``'11,12'`` becomes ``[11, 12]``.

    Raises:
        ValueError: neither a split name nor comma-separated numbers.
    """
    if text in ('train', 'val', 'test', 'all'):
        return text
    try:
        return [int(s) for s in text.split(',')]
    except ValueError:
        raise ValueError(f'sequences: expected train/val/test/all or numbers '
                         f'like 11,12, got {text!r}') from None


def _loader(cfg_dataloader, dataset_overrides: dict, batch_size: int):
    from mmengine.runner import Runner
    dl = copy.deepcopy(cfg_dataloader)
    if 'bbox_file' in dataset_overrides:  # a config's deprecated spelling
        dl.dataset.pop('bbox_source', None)
    dl.dataset.update(dataset_overrides)
    dl.batch_size = batch_size
    dl.num_workers = 0
    dl.persistent_workers = False
    return Runner.build_dataloader(dl)


@torch.no_grad()
def detect_minirgbd(config: str, checkpoint: Optional[str], data_root: str,
                    coco_ann_file: str, out_file: str,
                    score_thr: float = 0.0, batch_size: int = 2,
                    device: str = 'cpu') -> List[Dict]:
    """Detect the infant in every image of ``coco_ann_file``.

    Args:
        config: detector config (MMDetection).
        checkpoint: trained weights (None = as initialised).
        data_root: MINI-RGBD root the COCO ``file_name`` s are relative to.
        coco_ann_file: COCO json listing the frames (from
            ``convert_minirgbd_to_coco`` for the wanted sequences: its
            images' ``sequence`` / ``frame`` fields name the frames).
        out_file: detections file (:func:`.result_files.save_detections`).
        score_thr: boxes scoring lower count as "no detection".

    Returns:
        The records written (before the COCO layout): ``sequence``,
        ``frame``, ``bbox`` xyxy px in the original image (None: no
        detection) and ``score``.
    """
    import infant_mmpose  # noqa: F401
    from mmdet.apis import init_detector
    from mmengine.registry import init_default_scope

    from infant_mmpose.fileio.minirgbd_coco import image_frames
    from infant_mmpose.fileio.result_files import save_detections
    frames = image_frames(coco_ann_file)
    cfg = load_config(config)
    init_default_scope('mmdet')
    model = init_detector(cfg, checkpoint, device=device)
    loader = _loader(
        cfg.test_dataloader,
        dict(data_root=data_root, ann_file=osp.abspath(coco_ann_file),
             data_prefix=dict(img='')), batch_size)
    records = []
    for batch in loader:
        for sample in model.test_step(batch):
            seq, frame = frames[sample.img_id]
            pred = sample.pred_instances
            keep = pred.scores >= score_thr
            if keep.any():
                best = int(torch.argmax(pred.scores * keep))
                bbox = [float(v) for v in pred.bboxes[best].tolist()]
                score = float(pred.scores[best])
            else:
                bbox, score = None, 0.0
            records.append(
                dict(sequence=seq, frame=frame, bbox=bbox, score=score))
    records.sort(key=lambda r: (r['sequence'], r['frame']))
    save_detections(out_file, records)
    return records


@torch.no_grad()
def predict_pose2d_minirgbd(config: str, checkpoint: Optional[str],
                            data_root: str,
                            sequences: Union[str, Sequence[int]],
                            detections_file: Optional[str], out_file: str,
                            keypoint_definition: Optional[str] = None,
                            batch_size: int = 8,
                            device: str = 'cpu') -> List[Dict]:
    """Predict 2D keypoints for every frame of ``sequences``.

    Args:
        config: 2D model config; its ``test_dataloader`` (MiniRGBDDataset)
            gives the crops.
        detections_file: boxes to crop with (the data set's ``bbox_file``;
            None = its default, boxes from the masks).
        keypoint_definition: definition of the model's heatmaps; default:
            the config's ``common_definition`` (``'mpii16'`` if unset).

    Returns:
        The records written: ``sequence``, ``frame``, ``keypoints`` (K, 2)
        px and ``scores`` (K,).
    """
    import infant_mmpose  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmpose.apis import init_model

    from infant_mmpose.fileio.result_files import save_pose2d_predictions
    cfg = load_config(config)
    init_default_scope('mmpose')
    model = init_model(cfg, checkpoint, device=device)
    overrides = dict(data_root=data_root, sequences=sequences,
                     bbox_file=detections_file or None)
    loader = _loader(cfg.test_dataloader, overrides, batch_size)
    records = []
    for batch in loader:
        for sample in model.test_step(batch):
            keypoints = np.asarray(sample.pred_instances.keypoints)[0]
            scores = np.asarray(sample.pred_instances.keypoint_scores)[0]
            records.append(
                dict(sequence=int(sample.metainfo['sequence']),
                     frame=int(sample.metainfo['frame']),
                     keypoints=keypoints.tolist(),
                     scores=scores.tolist()))
    records.sort(key=lambda r: (r['sequence'], r['frame']))
    save_pose2d_predictions(
        out_file, records,
        keypoint_definition or cfg.get('common_definition', 'mpii16'))
    return records
