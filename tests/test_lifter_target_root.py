"""``MartinezLifterHead.predict`` honours ``target_root`` as MMPose's lifting
heads do: MMPose's ``MPJPE`` / ``SimpleMPJPE`` (absolute coordinates) and
this project's ``AJPE`` (pelvis-centred) then agree on the same predictions,
and the project's metrics give the same numbers with or without the root.
"""
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmpose.registry import DATASETS, METRICS, MODELS

import infant_mmpose  # noqa: F401
from infant_mmpose.utils import config_path

PELVIS = 6


@pytest.fixture(scope='module')
def lifted(minirgbd_root):
    """The quickstart lifter (random weights, eval mode) on the test split
    through its own test pipeline: (data samples with predictions, the
    data set's metainfo)."""
    init_default_scope('mmpose')
    cfg = Config.fromfile(config_path('quickstart/lifter.py'))
    dataset = DATASETS.build(
        dict(cfg.test_dataloader.dataset, data_root=minirgbd_root))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    batch = pseudo_collate([dataset[i] for i in range(len(dataset))])
    with torch.no_grad():
        samples = model.test_step(batch)
    return samples, dataset.metainfo


def _score(metric_cfg, samples, metainfo):
    metric = METRICS.build(metric_cfg)
    metric.dataset_meta = metainfo
    metric.process(None, [s.to_dict() for s in samples])
    return metric.evaluate(len(samples))


def test_predictions_are_absolute_with_the_ground_truth_root(lifted):
    samples, _ = lifted
    for sample in samples:
        pred = sample.pred_instances.keypoints.reshape(-1, 3)
        root = np.asarray(sample.metainfo['target_root']).reshape(3)
        gt = sample.gt_instances.lifting_target.reshape(-1, 3)
        # the root joint sits exactly on the ground-truth root (mm, camera
        # coordinates: an infant about a metre in front of the camera)
        np.testing.assert_array_equal(pred[PELVIS], root)
        np.testing.assert_allclose(gt[PELVIS], root, atol=1e-3)
        assert root[2] > 300


def test_mmpose_mpjpe_and_ajpe_agree(lifted):
    samples, metainfo = lifted
    ajpe = _score(dict(type='AJPE', mode='3d', root_index=PELVIS), samples,
                  metainfo)['AJPE']
    mpjpe = _score(dict(type='MPJPE', mode='mpjpe'), samples,
                   metainfo)['MPJPE']
    simple = _score(dict(type='SimpleMPJPE', mode='mpjpe'), samples,
                    metainfo)['MPJPE']
    # independent reference: mean distance to the absolute ground truth
    pred = np.concatenate([s.pred_instances.keypoints for s in samples])
    gt = np.concatenate([s.gt_instances.lifting_target for s in samples])
    reference = np.linalg.norm(pred - gt, axis=-1).mean()
    assert ajpe > 10  # an untrained lifter: errors of centimetres
    assert mpjpe == pytest.approx(reference, abs=1e-3)
    assert simple == pytest.approx(reference, abs=1e-3)
    assert ajpe == pytest.approx(mpjpe, abs=1e-3)


def test_without_target_root_poses_stay_root_relative_and_scores_unchanged(
        lifted):
    """The project's metrics re-centre on the pelvis: the same numbers
    whether or not the pipeline packs ``target_root``."""
    samples, metainfo = lifted
    relative = []
    for sample in samples:
        sample = sample.clone()
        pred = sample.pred_instances.keypoints
        sample.pred_instances.keypoints = pred - pred[:, PELVIS:PELVIS + 1]
        relative.append(sample)
    for metric in (dict(type='AJPE', mode='3d', root_index=PELVIS),
                   dict(type='PCK3D', root_index=PELVIS),
                   dict(type='HeadPCK', factors=(1.0, 2.0), mode='3d',
                        root_index=PELVIS)):
        absolute = _score(metric, samples, metainfo)
        centred = _score(metric, relative, metainfo)
        assert absolute.keys() == centred.keys()
        for key in absolute:
            assert absolute[key] == pytest.approx(centred[key], abs=1e-3), key
    # and MMPose's MPJPE is far off for root-relative poses (the reason
    # MMPose's heads add target_root back)
    assert _score(dict(type='SimpleMPJPE'), relative, metainfo)['MPJPE'] > (
        _score(dict(type='AJPE', mode='3d', root_index=PELVIS), samples,
               metainfo)['AJPE'] + 300)


def test_head_without_target_root_in_metainfo_is_root_relative(lifted):
    from mmpose.structures import PoseDataSample
    init_default_scope('mmpose')
    cfg = Config.fromfile(config_path('quickstart/lifter.py'))
    head = MODELS.build(cfg.model.head).eval()
    feats = torch.randn(2, 32, 1)
    with torch.no_grad():
        bare = head.predict((feats, ), [PoseDataSample(), PoseDataSample()])
        rooted = head.predict((feats, ), [
            PoseDataSample(metainfo=dict(target_root=np.array(
                [[10., 20., 900.]], np.float32))),
            PoseDataSample()])
    for out in bare:
        np.testing.assert_array_equal(out.keypoints[0, PELVIS], 0)
    np.testing.assert_allclose(rooted[0].keypoints - bare[0].keypoints,
                               np.broadcast_to([10., 20., 900.], (1, 16, 3)),
                               atol=1e-3)
    np.testing.assert_array_equal(rooted[1].keypoints, bare[1].keypoints)
