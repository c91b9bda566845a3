"""Int8 ONNX Runtime graphs for the inferencer's convolutional networks.

On a CPU with int8 dot-product instructions (AVX512-VNNI, AVX-VNNI) ONNX
Runtime runs a statically quantised ResNet faster than in fp32: measured on
2 cores, the thesis 2D model (SimpleBaseline ResNet-50, 256x256) 0.080 ->
0.039 s per crop, about 2x (its deconvolutions as convolutions:
:func:`int8_sources`).

Static quantisation fixes every activation's int8 range beforehand from
*calibration* inputs, which should look like the footage the models will
see: pass frames of your own recordings (a video, a folder of images, or
BGR arrays). Without them the project's built-in generated MINI-RGBD frames
are used. The calibration frames go through the inferencer's own detector
and 2D test pipelines, so the graphs are calibrated on exactly the inputs
they get at run time.

What runs in int8 (:data:`INT8_KINDS`): the 2D model and the detector's
backbone + FPN (0.47 -> 0.37 s per 640x480 frame). ONNX Runtime calibrates
with a copy of the graph that also outputs every activation's min and max,
so all of a frame's activations stay alive while it runs: about 1 GB more
peak memory at set-up for the detector (the README's benchmark table), and
seconds per 640x480 frame, so the detector is calibrated on
:data:`DETECTOR_CALIBRATION_INPUTS` of the frames.
The lifter's MLP stays fp32: it costs well under a millisecond per frame,
so int8 would only cost accuracy.
"""
import os
import os.path as osp
import tempfile
from typing import Dict, List, Sequence, Union

import numpy as np
from mmengine.logging import print_log

from .onnx_backend import INSTALL_HINT, require_onnxruntime

#: Networks that run in int8 with ``precision='int8'``.
INT8_KINDS = ('detector', 'pose2d')
#: At most this many of the calibration frames calibrate the detector
#: (evenly spaced; see the module docstring).
DETECTOR_CALIBRATION_INPUTS = 4
#: Frames taken from a calibration source (evenly spaced over it).
DEFAULT_CALIBRATION_FRAMES = 16
#: Generated MINI-RGBD sequences used when no calibration frames are given
#: (the inference benchmark's video is another sequence).
BUILTIN_SEQUENCES = (1, 4, 7, 10)

Calibration = Union[None, str, Sequence[np.ndarray]]


def require_quantization():
    """``onnxruntime.quantization``, or an ImportError naming the install."""
    require_onnxruntime()
    try:
        from onnxruntime import quantization
    except ImportError as exc:   # it needs ml_dtypes, which onnxruntime lacks
        raise ImportError('int8 quantisation needs onnxruntime.quantization '
                          f'and its dependency ml_dtypes ({exc}): '
                          f'{INSTALL_HINT}') from exc
    return quantization


def quantize_int8(onnx_file: str, out_file: str,
                  calibration: Sequence[np.ndarray]) -> str:
    """Write a statically quantised copy of an fp32 graph.

    Weights are int8 per output channel, activations uint8 with ranges from
    the calibration inputs (min / max), as ONNX's int8 operators
    (``QLinearConv`` ...), which ONNX Runtime runs with int8 kernels.

    Args:
        onnx_file: an fp32 graph with one input named ``input``
            (:func:`.onnx_backend.export_onnx`).
        out_file: the int8 graph to write.
        calibration: network inputs as the data preprocessor gives them,
            each (B, C, H, W) float32; at least one.

    Returns:
        ``out_file``.
    """
    q = require_quantization()
    arrays = [np.ascontiguousarray(a, dtype=np.float32) for a in calibration]
    if not arrays:
        raise ValueError(f'quantising {onnx_file} needs at least one '
                         'calibration input')

    class _Inputs(q.CalibrationDataReader):
        def __init__(self):
            self._it = iter(arrays)

        def get_next(self):
            array = next(self._it, None)
            return None if array is None else {'input': array}

    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='infant_mmpose_int8_') as tmp:
        # shape inference and fusions first: per-channel Conv quantisation
        # needs the shapes, and fused Conv+ReLU quantise as one operator
        prepared = osp.join(tmp, 'prepared.onnx')
        q.quant_pre_process(onnx_file, prepared)
        # QOperator (QLinearConv ...) rather than QDQ: 50 against 54 ms
        # per thesis-size crop on 2 cores, the same arithmetic
        q.quantize_static(prepared, out_file, _Inputs(),
                          quant_format=q.QuantFormat.QOperator, per_channel=True,
                          activation_type=q.QuantType.QUInt8,
                          weight_type=q.QuantType.QInt8,
                          calibrate_method=q.CalibrationMethod.MinMax)
    return out_file


def builtin_calibration_frames(num_frames: int = DEFAULT_CALIBRATION_FRAMES
                               ) -> List[np.ndarray]:
    """Generated MINI-RGBD frames (640x480 BGR) of :data:`BUILTIN_SEQUENCES`."""
    import cv2
    from ..synthetic.minirgbd import generate_minirgbd
    per_sequence = max(1, -(-num_frames // len(BUILTIN_SEQUENCES)))
    with tempfile.TemporaryDirectory(prefix='infant_mmpose_calib_') as root:
        generate_minirgbd(root, sequences=BUILTIN_SEQUENCES,
                          num_frames=per_sequence, seed=0, show_progress=False)
        frames = []
        for seq in BUILTIN_SEQUENCES:
            rgb = osp.join(root, f'{seq:02d}', 'rgb')
            frames += [cv2.imread(osp.join(rgb, f))
                       for f in sorted(os.listdir(rgb))]
    return frames[:num_frames]


def calibration_frames(calibration: Calibration = None,
                       num_frames: int = DEFAULT_CALIBRATION_FRAMES
                       ) -> List[np.ndarray]:
    """The BGR frames to calibrate on.

    Args:
        calibration: None (built-in generated frames), a path that
            :func:`.frame_source.open_frame_source` opens (video, image
            folder, image), or a sequence of (H, W, 3) uint8 BGR arrays.
        num_frames: how many frames, evenly spaced over the source.

    Raises:
        ValueError: ``num_frames`` < 1, or no readable frame.
        FrameSourceError: a path that is no video or image source.
    """
    if num_frames < 1:
        raise ValueError(f'num_frames must be >= 1, got {num_frames}')
    if calibration is None:
        return builtin_calibration_frames(num_frames)
    if isinstance(calibration, str):
        from .frame_source import open_frame_source
        source = open_frame_source(calibration)
        images = [f.image for f in source if f.readable]
        what = calibration
    else:
        images = [np.asarray(a) for a in calibration]
        what = 'the calibration arrays'
        bad = [i for i, a in enumerate(images)
               if a.ndim != 3 or a.shape[2] != 3 or a.dtype != np.uint8]
        if bad:
            raise ValueError(f'calibration images must be (H, W, 3) uint8 BGR; '
                             f'{len(bad)} are not (first: #{bad[0]}, shape '
                             f'{images[bad[0]].shape}, {images[bad[0]].dtype})')
    if not images:
        raise ValueError(f'{what}: no readable frame to calibrate int8 on')
    picks = np.linspace(0, len(images) - 1, min(num_frames, len(images)))
    return [images[int(round(i))] for i in picks]


def calibration_inputs(inferencer, images: Sequence[np.ndarray],
                       kinds: Sequence[str] = INT8_KINDS
                       ) -> Dict[str, List[np.ndarray]]:
    """The networks' inputs on ``images``, as the inferencer feeds them.

    Runs the inferencer's own detector and, on each image's top box, its
    2D test pipeline, and records what reaches each network (the input of
    the module in ``model.backbone``: a torch backbone or the exported
    graph that replaced it).

    Returns:
        ``{kind: [(1, 3, H, W) float32 array, ...]}``: a crop per image with
        a detection for the 2D model; for the detector at most
        :data:`DETECTOR_CALIBRATION_INPUTS` frames, evenly spaced.

    Raises:
        ValueError: the detector finds no box in any image (the 2D model
            would have nothing to calibrate on).
    """
    import torch
    from .frame_source import Frame
    models = dict(detector=inferencer.detector.model,
                  pose2d=inferencer.pose2d.model)
    recorded = {kind: [] for kind in kinds}
    hooks = []
    for kind in kinds:
        def record(module, args, store=recorded[kind]):
            store += [a[None] for a in args[0].detach().cpu().numpy()]
        hooks.append(models[kind].backbone.register_forward_pre_hook(record))
    try:
        with torch.no_grad():
            # bbox_thr 0: the best box of each frame, however unsure
            found = inferencer._detect(list(images), 0.0)
            if 'pose2d' in kinds:
                frames = [Frame(i, img, f'calibration:{i}')
                          for i, (img, box) in enumerate(zip(images, found))
                          if box is not None]
                if not frames:
                    raise ValueError(
                        f'the detector found no infant in any of the '
                        f'{len(images)} calibration frames: the 2D model has '
                        'no crop to calibrate on; pass frames that show the '
                        'infant')
                inferencer._estimate_2d(frames, {f.index: found[f.index]
                                                 for f in frames})
    finally:
        for hook in hooks:
            hook.remove()
    detector = recorded.get('detector')
    if detector and len(detector) > DETECTOR_CALIBRATION_INPUTS:
        picks = np.linspace(0, len(detector) - 1, DETECTOR_CALIBRATION_INPUTS)
        recorded['detector'] = [detector[int(round(i))] for i in picks]
    return recorded


def int8_sources(inferencer, fp32_files: Dict[str, str],
                 out_dir: str) -> Dict[str, str]:
    """The fp32 graphs to quantise, ``{kind: file}`` for the kinds of
    :data:`INT8_KINDS` in ``fp32_files``: the detector's as exported; the 2D
    model re-exported to ``out_dir/pose2d_subpixel.onnx`` with its
    deconvolutions as convolutions, which int8 covers too (ONNX Runtime has
    no int8 transposed convolution: the thesis 2D model spent 29 of its
    52 ms per crop in fp32 ``ConvTranspose``, and runs in 39 ms this way).
    Call while the inferencer's 2D model is still the torch one.
    """
    from .onnx_backend import export_onnx, pose2d_input_size
    sources = {k: fp32_files[k] for k in INT8_KINDS if k in fp32_files}
    if 'pose2d' in sources:
        model = inferencer.pose2d.model
        sources['pose2d'] = export_onnx(
            model, 'pose2d', osp.join(out_dir, 'pose2d_subpixel.onnx'),
            pose2d_input_size(model), subpixel=True)
    return sources


def quantize_graphs(fp32_files: Dict[str, str],
                    inputs: Dict[str, Sequence[np.ndarray]]) -> Dict[str, str]:
    """``{kind: <kind>_int8.onnx}``, each written beside its fp32 graph
    ``fp32_files[kind]`` and calibrated on ``inputs[kind]``
    (:func:`calibration_inputs`)."""
    out = {}
    for kind, fp32 in fp32_files.items():
        print_log(f'int8: quantising the {kind}, calibrated on '
                  f'{len(inputs[kind])} inputs', logger='current')
        out[kind] = quantize_int8(
            fp32, osp.join(osp.dirname(fp32), f'{kind}_int8.onnx'), inputs[kind])
    return out


def quantize_inferencer_models(inferencer, fp32_files: Dict[str, str],
                               calibration: Calibration = None,
                               num_frames: int = DEFAULT_CALIBRATION_FRAMES
                               ) -> Dict[str, str]:
    """Int8 copies (``<kind>_int8.onnx`` beside each) of the fp32 graphs
    ``fp32_files`` (see :func:`int8_sources`), calibrated on ``calibration`` (see
    :func:`calibration_frames`). Calibration runs the inferencer's
    networks as they are (PyTorch, or the fp32 graphs: faster).

    Returns:
        ``{kind: int8 file}`` for the kinds in ``fp32_files`` that are
        quantised.
    """
    require_quantization()
    kinds = [k for k in INT8_KINDS if k in fp32_files]
    if not kinds:
        return {}
    images = calibration_frames(calibration, num_frames)
    print_log(f'int8: running the networks on {len(images)} calibration '
              'frames', logger='current')
    inputs = calibration_inputs(inferencer, images, kinds)
    return quantize_graphs({k: fp32_files[k] for k in kinds}, inputs)


def compare_heatmap_graphs(fp32_file: str, int8_file: str,
                           inputs: Sequence[np.ndarray]) -> Dict[str, float]:
    """How far an int8 2D graph's heatmaps are from its fp32 original.

    Args:
        inputs: crops, each (B, 3, H, W) float32 (e.g. the calibration
            inputs).

    Returns:
        ``max_abs``: largest |int8 - fp32| heatmap value;
        ``peak_shift``: mean distance between the two heatmaps' maxima, in
        heatmap pixels, over every joint of every input;
        ``peak_shift_max``: the largest such distance.
    """
    from .onnx_backend import OnnxGraph
    import torch
    graphs = [OnnxGraph(f, as_tuple=False) for f in (fp32_file, int8_file)]
    max_abs, shifts = 0.0, []
    for array in inputs:
        ref, got = (g(torch.from_numpy(np.asarray(array, np.float32))).numpy()
                    for g in graphs)
        max_abs = max(max_abs, float(np.abs(ref - got).max()))
        b, k, h, w = ref.shape
        peaks = [np.stack(np.unravel_index(
            m.reshape(b * k, h * w).argmax(1), (h, w)), -1) for m in (ref, got)]
        shifts.append(np.linalg.norm(peaks[0] - peaks[1], axis=-1))
    shifts = np.concatenate(shifts) if shifts else np.zeros(0)
    return dict(max_abs=max_abs,
                peak_shift=float(shifts.mean()) if shifts.size else float('nan'),
                peak_shift_max=float(shifts.max()) if shifts.size else float('nan'))
