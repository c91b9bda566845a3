"""Reference scores a trained model must beat: mean box and mean pose.

* mean box: the average training box (mask boxes, pixels) for every test
  frame, scored with the detector's own ``BoxIoU`` metric;
* mean 2D pose: the average training pose in box-normalised coordinates
  (``(u - x1) / w``, ``(v - y1) / h``), placed into each test frame's
  detector box, scored with the 2D config's evaluators (PCKh, AJPE px);
* mean 3D pose: the average pelvis-relative training pose (mm), scored with
  the lifter config's evaluators.

Ground truth and boxes come from the configs' own data sets (which map to
the common definition when loading) without the image pipeline, so the
baselines see the same joints, visibilities and head lengths as the models'
evaluation.
"""
import json
from typing import Dict

import numpy as np

from .mm_runner import load_config


def _evaluators(cfg_evaluator, dataset_meta: dict, registry) -> list:
    items = cfg_evaluator if isinstance(cfg_evaluator, list) else [
        cfg_evaluator
    ]
    metrics = [registry.build(dict(item)) for item in items]
    for metric in metrics:
        metric.dataset_meta = dataset_meta
    return metrics


def _score(metrics: list, samples: list) -> Dict[str, float]:
    out = {}
    for metric in metrics:
        metric.process(None, samples)
        out.update(metric.evaluate(len(samples)))
    return {k: float(v) for k, v in out.items()}


def mean_box_baseline(coco_train: str, coco_test: str) -> Dict[str, float]:
    """BoxIoU metrics of the mean training box on the test images."""
    import infant_mmpose  # noqa: F401
    from mmdet.registry import METRICS

    def boxes(path):
        with open(path) as f:
            anns = json.load(f)['annotations']
        xywh = np.array([a['bbox'] for a in anns], dtype=np.float64)
        return np.concatenate([xywh[:, :2], xywh[:, :2] + xywh[:, 2:]], 1)

    mean_box = boxes(coco_train).mean(0, keepdims=True)
    samples = [
        dict(gt_instances=dict(bboxes=gt[None]),
             pred_instances=dict(bboxes=mean_box, scores=np.ones(1)),
             img_id=i) for i, gt in enumerate(boxes(coco_test))
    ]
    (metric, ) = _evaluators(dict(type='BoxIoU'), {}, METRICS)
    return _score([metric], samples)


def _mapped_dataset(dataset_cfg, data_root: str, **overrides):
    """The config's data set, its pipeline reduced to any KeypointMapping
    (configs' data sets map when loading; a user's config may map in the
    pipeline instead)."""
    from mmpose.registry import DATASETS
    cfg = dict(dataset_cfg)
    mapping = [t for t in cfg['pipeline'] if t['type'] == 'KeypointMapping']
    cfg.update(data_root=data_root, pipeline=mapping, **overrides)
    return DATASETS.build(cfg)


def mean_pose_2d_baseline(pose2d_config: str, data_root: str,
                          detections_file: str) -> Dict[str, float]:
    """The 2D config's test metrics for the mean box-normalised pose."""
    import infant_mmpose  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmpose.registry import METRICS
    init_default_scope('mmpose')
    cfg = load_config(pose2d_config)
    train = _mapped_dataset(cfg.train_dataloader.dataset, data_root,
                            sequences='train', bbox_file=None)
    norm = []
    for i in range(len(train)):
        item = train[i]
        x1, y1, x2, y2 = item['bbox'][0]
        norm.append((item['keypoints'][0] - [x1, y1]) / [x2 - x1, y2 - y1])
    mean_norm = np.mean(norm, axis=0)
    test = _mapped_dataset(cfg.test_dataloader.dataset, data_root,
                           sequences='test', bbox_file=detections_file,
                           test_mode=True)
    samples = []
    for i in range(len(test)):
        item = test[i]
        x1, y1, x2, y2 = item['bbox'][0]
        pred = mean_norm * [x2 - x1, y2 - y1] + [x1, y1]
        samples.append(dict(
            img_path=item['img_path'],
            gt_instances=dict(keypoints=item['keypoints'],
                              keypoints_visible=item['keypoints_visible'],
                              head_size=item['head_size']),
            pred_instances=dict(keypoints=pred[None])))
    return _score(
        _evaluators(cfg.test_evaluator, test.metainfo, METRICS), samples)


def mean_pose_3d_baseline(lifter_config: str,
                          data_root: str) -> Dict[str, float]:
    """The lifter config's test metrics for the mean pelvis-relative pose."""
    import infant_mmpose  # noqa: F401
    from mmengine.registry import init_default_scope
    from mmpose.registry import METRICS
    init_default_scope('mmpose')
    cfg = load_config(lifter_config)
    # the pelvis, or the joints whose mean is the root (COCO-17: the hips)
    root = np.atleast_1d(cfg.lifter_codec['root_index'])
    train = _mapped_dataset(cfg.train_dataloader.dataset, data_root,
                            sequences='train', keypoints_2d='gt')
    poses = []
    for i in range(len(train)):
        target = train[i]['lifting_target'][0]
        poses.append(target - target[root].mean(axis=0))
    mean_pose = np.mean(poses, axis=0)
    test = _mapped_dataset(cfg.test_dataloader.dataset, data_root,
                           sequences='test', keypoints_2d='gt',
                           test_mode=True)
    samples = []
    for i in range(len(test)):
        item = test[i]
        samples.append(dict(
            img_path=item['img_path'],
            gt_instances=dict(
                lifting_target=item['lifting_target'],
                lifting_target_visible=item['lifting_target_visible'],
                head_size=item['head_size']),
            pred_instances=dict(keypoints=mean_pose[None])))
    return _score(
        _evaluators(cfg.test_evaluator, test.metainfo, METRICS), samples)
