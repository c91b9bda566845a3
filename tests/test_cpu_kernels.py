"""The inferencer's CPU kernel switch computes the same numbers."""
import numpy as np
import pytest
import torch
from mmcv.ops import RoIAlign, roi_align
from torchvision.ops import roi_align as tv_roi_align

from infant_mmpose.apis.cpu_kernels import prefer_torchvision_roi_align, torch_threads


def _rois(n, gen):
    xy = torch.rand(n, 2, generator=gen) * 500
    wh = torch.rand(n, 2, generator=gen) * 250 + 1
    return torch.cat([torch.zeros(n, 1), xy, xy + wh], 1)


def test_torchvision_roi_align_equals_mmcv_for_faster_rcnn_settings():
    gen = torch.Generator().manual_seed(0)
    feats = torch.randn(1, 64, 120, 160, generator=gen)
    rois = _rois(300, gen)
    for scale in (0.25, 0.125):
        a = roi_align(feats, rois, (7, 7), scale, 0, 'avg', True)
        b = tv_roi_align(feats, rois, (7, 7), scale, 0, True)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6)


def test_switch_turns_on_only_average_pooling_layers():
    model = torch.nn.ModuleDict(dict(
        a=RoIAlign(7, 0.25), b=RoIAlign(7, 0.125),
        m=RoIAlign(7, 0.25, pool_mode='max'), c=torch.nn.Conv2d(1, 1, 1)))
    assert prefer_torchvision_roi_align(model) == 2
    assert model['a'].use_torchvision and model['b'].use_torchvision
    assert not model['m'].use_torchvision      # torchvision has no max mode
    assert prefer_torchvision_roi_align(model) == 0   # already switched


def test_detector_gives_the_same_boxes_with_the_switch(qs_ckpt):
    from mmdet.apis import inference_detector, init_detector
    from infant_mmpose.utils import config_path
    det = init_detector(config_path('quickstart/detector.py'),
                        qs_ckpt['detector'], device='cpu')
    det.test_cfg.rcnn.score_thr = 0.0   # untrained: keep every box
    rng = np.random.default_rng(0)
    img = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)
    before = inference_detector(det, img).pred_instances
    assert prefer_torchvision_roi_align(det) > 0
    after = inference_detector(det, img).pred_instances
    assert len(before.bboxes) > 0
    np.testing.assert_allclose(after.bboxes.numpy(), before.bboxes.numpy(),
                               atol=1e-4)
    np.testing.assert_allclose(after.scores.numpy(), before.scores.numpy(),
                               atol=1e-6)


def test_torch_threads_sets_and_restores_the_thread_count():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match='inside'):
        with torch_threads(1):
            raise RuntimeError('inside')
    assert torch.get_num_threads() == before      # restored on errors too
    with torch_threads(None):
        assert torch.get_num_threads() == before
