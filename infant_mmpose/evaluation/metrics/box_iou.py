"""Detector box IoU for single-infant images (thesis Section 5.1)."""
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.structures.bbox import bbox_overlaps
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger

from .joint_error_metric import describe_sample, to_numpy


def _boxes_tensor(boxes) -> torch.Tensor:
    """``(n, 4)`` float tensor from a tensor, array or mmdet ``BaseBoxes``."""
    boxes = getattr(boxes, 'tensor', boxes)  # HorizontalBoxes keep .tensor
    return torch.from_numpy(
        to_numpy(boxes).astype(np.float32).reshape(-1, 4))


@MMDET_METRICS.register_module()
class BoxIoU(BaseMetric):
    """IoU of the top-scoring detection per image with the ground-truth box.

    Reads MMDetection data samples: ``pred_instances.bboxes`` ``(n, 4)`` xyxy
    in original-image pixels with ``pred_instances.scores`` ``(n,)``, and
    ``gt_instances.bboxes`` (load annotations after ``Resize`` in the test
    pipeline, as MMDetection's COCO configs do, so the ground truth stays in
    original-image pixels too). An image with no detection (after
    ``score_thr``) counts as IoU 0; with several ground-truth boxes the top
    detection is scored against the one it overlaps most. Images without a
    ground-truth box are left out, with a warning.

    Args:
        iou_thr: the failure threshold (0.7 in the thesis).
        score_thr: detections scoring below it are ignored.
        collect_device, prefix: as in :class:`mmengine.evaluator.BaseMetric`
            (no default prefix: keys are bare).

    Keys (percent): ``mIoU``; ``IoU_below_<iou_thr>`` -- share of images
    whose IoU is below ``iou_thr``; ``no_detection`` -- share of images
    without any detection.
    """

    default_prefix: Optional[str] = ''

    def __init__(self,
                 iou_thr: float = 0.7,
                 score_thr: float = 0.0,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not 0 < iou_thr <= 1:
            raise ValueError(f'BoxIoU: iou_thr must be in (0, 1], got '
                             f'{iou_thr}')
        self.iou_thr = float(iou_thr)
        self.score_thr = float(score_thr)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Store, per image, the IoU of its top box (``NaN`` without GT)."""
        for data_sample in data_samples:
            where = describe_sample(data_sample)
            if 'bboxes' not in data_sample.get('gt_instances', {}):
                raise KeyError(
                    f'BoxIoU needs gt_instances.bboxes; sample {where} has '
                    'none: add LoadAnnotations(with_bbox=True) to the test '
                    'pipeline')
            gt = _boxes_tensor(data_sample['gt_instances']['bboxes'])
            pred = data_sample['pred_instances']
            boxes = _boxes_tensor(pred['bboxes'])
            scores = torch.from_numpy(
                to_numpy(pred['scores']).astype(np.float32).reshape(-1))
            keep = scores >= self.score_thr
            boxes, scores = boxes[keep], scores[keep]
            detected = len(boxes) > 0
            if len(gt) == 0:
                iou = float('nan')
            elif not detected:
                iou = 0.0
            else:
                top = boxes[scores.argmax()].reshape(1, 4)
                iou = float(bbox_overlaps(top, gt).max())
            self.results.append(dict(iou=iou, detected=detected))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``mIoU``, ``IoU_below_<thr>`` and ``no_detection`` in percent."""
        ious = np.array([r['iou'] for r in results], dtype=np.float64)
        detected = np.array([r['detected'] for r in results], dtype=bool)
        with_gt = ~np.isnan(ious)
        if (~with_gt).any():
            MMLogger.get_current_instance().warning(
                f'BoxIoU: {int((~with_gt).sum())} image(s) without a '
                'ground-truth box were left out')
        if not with_gt.any():
            raise ValueError('BoxIoU: no evaluated image has a ground-truth '
                             'box')
        ious, detected = ious[with_gt], detected[with_gt]
        return {
            'mIoU': 100.0 * float(ious.mean()),
            f'IoU_below_{self.iou_thr:g}': 100.0 *
            float((ious < self.iou_thr).mean()),
            'no_detection': 100.0 * float((~detected).mean()),
        }
