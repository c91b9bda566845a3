"""Int8 ONNX Runtime graphs (infant_mmpose.apis.onnx_int8).

Needs the optional runtime with its quantisation tools (``make onnx``):
without them these tests skip with that reason. Models: the quickstart
configs, untrained (seeded); their heatmaps carry no pose, so the checks
compare the int8 graph with its fp32 original rather than with ground truth.
"""
import copy
import importlib.util
import os.path as osp

import numpy as np
import pytest
import torch
from torch import nn

from infant_mmpose.apis.frame_source import FrameSourceError
from infant_mmpose.apis.onnx_backend import INSTALL_HINT, export_onnx



def _quantisation_available() -> bool:
    if not importlib.util.find_spec('onnx'):
        return False
    try:
        from infant_mmpose.apis.onnx_int8 import require_quantization
        require_quantization()
    except ImportError:
        return False
    return True


needs_int8 = pytest.mark.skipif(
    not _quantisation_available(),
    reason=f'optional ONNX packages (with ml_dtypes) not installed: {INSTALL_HINT}')



@pytest.fixture(scope='module')
def crops(make_qs_inferencer, minirgbd_root):
    """The 2D model's inputs on generated frames of 4 sequences, as the
    inferencer builds them (the calibration path), and the inferencer."""
    from infant_mmpose.apis.onnx_int8 import calibration_frames, calibration_inputs
    if not _quantisation_available():
        pytest.skip('optional ONNX packages not installed')
    inf = make_qs_inferencer()
    images = []
    for seq in ('01', '04', '07', '11'):
        images += calibration_frames(osp.join(minirgbd_root, seq, 'rgb'), 3)
    return inf, calibration_inputs(inf, images, ('pose2d', ))['pose2d']


def _onnx_nodes(path):
    import onnx
    graph = onnx.load(path).graph
    int8_weights = {i.name for i in graph.initializer
                    if i.data_type == onnx.TensorProto.INT8}
    return graph.node, int8_weights


@needs_int8
def test_calibration_inputs_are_the_2d_models_normalised_crops(crops):
    inf, inputs = crops
    w, h = inf.pose2d.model.head.decoder.input_size
    assert len(inputs) == 12 and all(a.shape == (1, 3, h, w) for a in inputs)
    # normalised with the preprocessor's mean / std: roughly zero-centred,
    # not raw 0..255 pixels
    values = np.concatenate([a.ravel() for a in inputs])
    assert -3 < values.mean() < 3 and values.max() < 10


@needs_int8
def test_int8_graph_is_quantised_and_its_calibration_matters(crops, tmp_path):
    from infant_mmpose.apis.onnx_int8 import compare_heatmap_graphs, quantize_int8
    inf, inputs = crops
    # the seeded untrained head gives heatmaps of ~1e-9: He-initialised
    # convolutions give activations of the size a trained network has
    model = copy.deepcopy(inf.pose2d.model)
    generator = torch.Generator().manual_seed(0)
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.kaiming_normal_(module.weight, generator=generator)
    size = model.head.decoder.input_size
    fp32 = export_onnx(model, 'pose2d', str(tmp_path / 'p.onnx'), size)
    # the int8 source: deconvolutions as convolutions, else the same graph
    source = export_onnx(model, 'pose2d', str(tmp_path / 'sp.onnx'), size,
                         subpixel=True)
    int8 = quantize_int8(source, str(tmp_path / 'p_int8.onnx'), inputs[:8])
    fp32_nodes, _ = _onnx_nodes(fp32)
    nodes, int8_weights = _onnx_nodes(int8)
    convs = [n for n in fp32_nodes if n.op_type in ('Conv', 'ConvTranspose')]
    assert sum(n.op_type == 'ConvTranspose' for n in fp32_nodes) == 3
    # every convolution, the deconvolutions included, runs in int8 with
    # int8 weights
    int8_convs = [n for n in nodes if n.op_type == 'QLinearConv']
    assert len(int8_convs) == len(convs)
    assert not any(n.op_type in ('Conv', 'ConvTranspose') for n in nodes)
    assert len(int8_weights) >= len(int8_convs)
    assert osp.getsize(int8) < 0.5 * osp.getsize(fp32)   # 1 byte per weight

    held_out = inputs[8:]   # crops not calibrated on
    good = compare_heatmap_graphs(fp32, int8, held_out)
    # ranges calibrated on inputs 100x too small clip every activation
    bad_file = quantize_int8(source, str(tmp_path / 'bad.onnx'),
                             [a * 0.01 for a in inputs[:8]])
    bad = compare_heatmap_graphs(fp32, bad_file, held_out)
    from infant_mmpose.apis.onnx_backend import OnnxGraph
    scale = max(float(np.abs(OnnxGraph(fp32, as_tuple=False)(
        torch.from_numpy(a)).numpy()).max()) for a in held_out)
    print(f"int8 max |diff| {good['max_abs']:.3g}, badly calibrated "
          f"{bad['max_abs']:.3g}, heatmap scale {scale:.3g}")
    assert good['max_abs'] < 0.1 * scale
    assert bad['max_abs'] > 5 * good['max_abs']


@needs_int8
def test_inferencer_runs_the_cnns_in_int8_and_the_lifter_in_fp32(
        make_qs_inferencer, minirgbd_root, tmp_path, one_torch_thread):
    frames = osp.join(minirgbd_root, '11', 'rgb')
    fp32 = make_qs_inferencer(backend='onnxruntime',
                       onnx_dir=str(tmp_path / 'fp32'))
    int8 = make_qs_inferencer(backend='onnxruntime', precision='int8',
                       calibration=osp.join(minirgbd_root, '01', 'rgb'),
                       calibration_frames=3, onnx_dir=str(tmp_path / 'int8'))
    assert int8.precision == 'int8'
    files = int8.onnx_files
    assert files['pose2d'] == str(tmp_path / 'int8' / 'pose2d_int8.onnx')
    assert files['detector'] == str(tmp_path / 'int8' / 'detector_int8.onnx')
    assert files['lifter'] == str(tmp_path / 'int8' / 'lifter.onnx')
    assert int8.pose2d.model.backbone.onnx_file == files['pose2d']
    assert int8.detector.model.backbone.onnx_file == files['detector']
    for kind in ('pose2d', 'detector'):
        nodes, _ = _onnx_nodes(files[kind])
        assert sum(n.op_type == 'QLinearConv' for n in nodes) > 10
    a = fp32.run(frames, bbox_thr=0.0).series
    b = int8.run(frames, bbox_thr=0.0).series
    assert a.status == b.status
    assert np.isfinite(b.bboxes).all()
    assert np.isfinite(b.keypoints_2d).all() and np.isfinite(b.keypoints_3d).all()


def test_precision_is_checked_before_anything_is_built(make_qs_inferencer):
    with pytest.raises(ValueError, match="backend='onnxruntime'"):
        make_qs_inferencer(precision='int8')          # PyTorch backend
    with pytest.raises(ValueError, match='precision'):
        make_qs_inferencer(backend='onnxruntime', precision='fp16')


@needs_int8
def test_bad_calibration_input_is_named(tmp_path, crops):
    from infant_mmpose.apis.onnx_int8 import (calibration_frames,
                                              calibration_inputs, quantize_int8)
    empty = tmp_path / 'empty'
    empty.mkdir()
    with pytest.raises(FrameSourceError, match='no image files'):
        calibration_frames(str(empty))
    with pytest.raises(ValueError, match=r'\(H, W, 3\) uint8'):
        calibration_frames([np.zeros((4, 4), np.uint8)])
    with pytest.raises(ValueError, match='num_frames'):
        calibration_frames(None, 0)
    with pytest.raises(ValueError, match='at least one'):
        quantize_int8('unused.onnx', str(tmp_path / 'x.onnx'), [])
    inf, _ = crops
    inf._detect = lambda images, thr: [None] * len(images)   # nothing found
    with pytest.raises(ValueError, match='no infant in any of the 2'):
        calibration_inputs(inf, [np.zeros((48, 64, 3), np.uint8)] * 2)


def test_missing_quantisation_tools_are_named(monkeypatch):
    import builtins
    from infant_mmpose.apis import onnx_int8
    real_import = builtins.__import__

    def no_quantization(name, globals=None, locals=None, fromlist=(), level=0):
        if name == 'onnxruntime' and fromlist and 'quantization' in fromlist:
            raise ImportError("No module named 'ml_dtypes'")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, '__import__', no_quantization)
    monkeypatch.setattr(onnx_int8, 'require_onnxruntime', lambda: None)
    with pytest.raises(ImportError, match='optional-onnx.txt'):
        onnx_int8.require_quantization()
