"""ONNX export + ONNX Runtime backend (infant_mmpose.apis.onnx_backend).

The runtime is an optional install (``make onnx``): without it these tests
skip with that reason. Models: the quickstart configs, untrained (seeded).
"""
import gc
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch

from infant_mmpose.apis.onnx_backend import (INSTALL_HINT, export_onnx,
                                             onnxruntime_available,
                                             use_onnx_runtime)
from infant_mmpose.structures.keypoint_definitions import get_definition
from infant_mmpose.utils import config_path

CFG = {k: config_path(f'quickstart/{k}.py') for k in ('detector', 'pose2d', 'lifter')}
MPII = get_definition('mpii16')

needs_onnx = pytest.mark.skipif(
    not (onnxruntime_available() and importlib.util.find_spec('onnx')),
    reason=f'optional ONNX packages not installed: {INSTALL_HINT}')



@needs_onnx
def test_onnx_runtime_gives_the_pytorch_outputs(make_qs_inferencer, minirgbd_root,
                                                tmp_path, one_torch_thread):
    frames = osp.join(minirgbd_root, '11', 'rgb')
    torch_run = make_qs_inferencer().run(frames, bbox_thr=0.0).series
    inf = make_qs_inferencer(backend='onnxruntime',
                      onnx_dir=str(tmp_path / 'onnx'))
    assert sorted(inf.onnx_files) == ['detector', 'lifter', 'pose2d']
    assert all(osp.getsize(p) > 0 for p in inf.onnx_files.values())
    # the exported parts really run in ONNX Runtime: no torch weights left
    assert not any(True for _ in inf.pose2d.model.backbone.parameters())
    assert not any(True for _ in inf.detector.model.backbone.parameters())
    onnx_run = inf.run(frames, bbox_thr=0.0).series
    assert onnx_run.status == torch_run.status
    np.testing.assert_allclose(onnx_run.bboxes, torch_run.bboxes, atol=1e-2)
    np.testing.assert_allclose(onnx_run.keypoints_2d, torch_run.keypoints_2d,
                               atol=1e-3)      # px
    np.testing.assert_allclose(onnx_run.keypoint_scores,
                               torch_run.keypoint_scores, atol=1e-4)
    np.testing.assert_allclose(onnx_run.keypoints_3d, torch_run.keypoints_3d,
                               atol=1e-2)      # mm


@needs_onnx
def test_default_onnx_folder_is_deleted_with_the_inferencer(make_qs_inferencer):
    """Without ``onnx_dir`` the exports go to a temporary folder that goes
    with the inferencer: a run does not leave them in /tmp."""
    inf = make_qs_inferencer(backend='onnxruntime')
    folder = osp.dirname(inf.onnx_files['pose2d'])
    assert all(osp.dirname(p) == folder and osp.isfile(p)
               for p in inf.onnx_files.values())
    del inf
    gc.collect()
    assert not osp.exists(folder)


@needs_onnx
def test_exported_lifter_matches_its_torch_head_on_random_input(qs_ckpt,
                                                                tmp_path):
    from mmpose.apis import init_model
    model = init_model(CFG['lifter'], qs_ckpt['lifter'], device='cpu')
    x = torch.randn(5, 2 * MPII['num_keypoints'], 1,
                    generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model.head.forward(model.extract_feat(x))
    path = export_onnx(model, 'lifter', str(tmp_path / 'lifter.onnx'))
    use_onnx_runtime(model, 'lifter', path)
    with torch.no_grad():   # batch 5 through a graph exported with batch 1
        got = model.head.forward(model.extract_feat(x))
    np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-5)
    assert got.shape == expected.shape


def test_backend_is_checked_and_missing_runtime_is_named(make_qs_inferencer,
                                                         monkeypatch):
    with pytest.raises(ValueError, match='backend'):
        make_qs_inferencer(backend='tensorrt')
    import builtins
    real_import = builtins.__import__

    def no_onnxruntime(name, *args, **kwargs):
        if name == 'onnxruntime':
            raise ImportError('No module named onnxruntime')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_onnxruntime)
    with pytest.raises(ImportError, match='optional-onnx.txt'):
        make_qs_inferencer(backend='onnxruntime')


@pytest.mark.parametrize('kernel,padding,output_padding,stride',
                         [(4, 1, 0, 2), (3, 1, 1, 2), (2, 0, 0, 2), (6, 1, 0, 4)])
def test_subpixel_convolution_computes_the_transposed_convolution(
        kernel, padding, output_padding, stride):
    from infant_mmpose.apis.onnx_backend import (SubPixelConvTranspose,
                                                 subpixel_convertible)
    torch.manual_seed(0)
    deconv = torch.nn.ConvTranspose2d(6, 5, kernel, stride, padding,
                                      output_padding, bias=True)
    x = torch.randn(2, 6, 7, 9)
    with torch.no_grad():
        expected = deconv(x)
        got = SubPixelConvTranspose(deconv)(x)
    assert got.shape == expected.shape == (2, 5, 7 * stride, 9 * stride)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), atol=1e-5)
    assert subpixel_convertible(deconv)


def test_other_transposed_convolutions_are_left_alone():
    from infant_mmpose.apis.onnx_backend import (subpixel_convertible,
                                                 with_subpixel_deconvolutions)
    odd = torch.nn.ConvTranspose2d(4, 4, 3, 2, 0)      # output 2H + 1
    grouped = torch.nn.ConvTranspose2d(4, 4, 4, 2, 1, groups=2)
    assert not subpixel_convertible(odd) and not subpixel_convertible(grouped)
    head = torch.nn.Sequential(odd, torch.nn.ConvTranspose2d(4, 4, 4, 2, 1))
    converted = with_subpixel_deconvolutions(head)
    assert converted[0] is not odd and type(converted[0]) is type(odd)
    assert type(converted[1]).__name__ == 'SubPixelConvTranspose'
    assert type(head[1]) is torch.nn.ConvTranspose2d       # original kept
