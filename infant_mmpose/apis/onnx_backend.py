"""ONNX Runtime for the inferencer's networks (optional, CPU-friendly).

MMDeploy does not install with this stack (torch 2.14 / MMCV 2.1.0: its
wheels pin older torch and MMCV builds), so the networks are exported with
``torch.onnx`` and run with ``onnxruntime``; both are optional::

    pip install -r requirements/optional-onnx.txt     # or: make onnx

(``onnxruntime`` to run, ``onnx`` for torch's exporter to write the file).

What is exported, and why only that:

* the 2D model: backbone, neck and head forward (image crop -> heatmaps);
  decoding, flip test and the affine back to the image stay MMPose's own;
* the lifter: the MLP (normalised 2D -> normalised 3D); the codec's
  normalisation and decoding stay in Python;
* the detector: backbone and FPN neck (image -> feature pyramid), which are
  almost all of Faster R-CNN's arithmetic. The RPN proposal stage and RoI
  heads need RoIAlign and NMS, which plain ONNX has not (MMDeploy adds
  custom operators for them), so they stay in PyTorch.

:func:`use_onnx_runtime` swaps the exported part of a built model for an
ONNX Runtime session *in place*; the model's own ``test_step`` / ``predict``
(pre-processing, flip test, decoding, post-processing) then run unchanged
around it, so results stay comparable with the PyTorch model.
"""
import copy
import os
import os.path as osp
import shutil
import tempfile
import weakref
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

#: The command that installs the optional runtime (README, error messages).
INSTALL_HINT = ('pip install -r requirements/optional-onnx.txt '
                '(or: make onnx)')
#: Model kinds this module exports.
KINDS = ('detector', 'pose2d', 'lifter')
#: Numeric precisions of the ONNX Runtime graphs (int8: :mod:`.onnx_int8`).
PRECISIONS = ('fp32', 'int8')
OPSET = 17


def check_precision(precision: str) -> None:
    """ValueError unless ``precision`` is one of :data:`PRECISIONS`."""
    if precision not in PRECISIONS:
        raise ValueError(f'precision must be one of {PRECISIONS}, got '
                         f'{precision!r}')


def onnxruntime_available() -> bool:
    """Whether ``onnxruntime`` can be imported."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def require_onnxruntime():
    try:
        import onnxruntime
    except ImportError as exc:
        raise ImportError('the ONNX Runtime backend needs the optional '
                          f'package onnxruntime: {INSTALL_HINT}') from exc
    return onnxruntime


class SubPixelConvTranspose(nn.Module):
    """A stride-s transposed convolution computed as a convolution whose
    s*s output phases are interleaved by ``pixel_shuffle``: the same
    numbers (up to float rounding), but a ``Conv`` in ONNX, which ONNX
    Runtime runs much faster than ``ConvTranspose`` and can quantise to
    int8. Measured on the thesis 2D model's three 4x4 deconvolutions, 2 CPU
    cores: 29 of the 52 ms per crop went to fp32 ``ConvTranspose``.

    Only for square ``nn.ConvTranspose2d`` layers (groups 1, dilation 1)
    whose output is exactly s times the input (kernel + output_padding -
    2 * padding == stride, as MMPose's deconvolution heads are): see
    :func:`subpixel_convertible`.
    """

    def __init__(self, deconv: nn.ConvTranspose2d):
        super().__init__()
        if not subpixel_convertible(deconv):
            raise ValueError(f'{deconv} has no sub-pixel convolution form')
        s, k = deconv.stride[0], deconv.kernel_size[0]
        p = deconv.padding[0]
        weight = deconv.weight.detach()            # (in, out, k, k)
        c_in, c_out = weight.shape[:2]
        # output row s*i + r takes input row i + d through kernel row
        # r + p - s*d: every (phase, tap) pair gives one offset d
        taps = [(r, t, (r + p - t) // s) for r in range(s) for t in range(k)
                if (r + p - t) % s == 0]
        low = min(d for _, _, d in taps)
        size = max(d for _, _, d in taps) - low + 1
        kernel = weight.new_zeros(c_out, s, s, c_in, size, size)
        for ry, ty, dy in taps:
            for rx, tx, dx in taps:
                kernel[:, ry, rx, :, dy - low, dx - low] = weight[:, :, ty, tx].t()
        self.conv = nn.Conv2d(c_in, c_out * s * s, size,
                              bias=deconv.bias is not None)
        self.conv.weight.data = kernel.reshape(c_out * s * s, c_in, size, size)
        if deconv.bias is not None:
            self.conv.bias.data = deconv.bias.detach().repeat_interleave(s * s)
        self.padding = (-low, size - 1 + low) * 2    # left, right, top, bottom
        self.stride = s

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C_in, H, W) -> (B, C_out, s*H, s*W)."""
        return F.pixel_shuffle(self.conv(F.pad(x, self.padding)), self.stride)


def subpixel_convertible(module: nn.Module) -> bool:
    """Whether ``module`` is a transposed convolution that
    :class:`SubPixelConvTranspose` computes exactly."""
    # MMCV's registered 'deconv' subclasses it only to accept empty inputs
    if not isinstance(module, nn.ConvTranspose2d):
        return False
    (s, s2), (k, k2) = module.stride, module.kernel_size
    (p, p2), (op, op2) = module.padding, module.output_padding
    return (s == s2 and k == k2 and p == p2 and op == op2 and s > 1
            and module.groups == 1 and module.dilation == (1, 1)
            and module.padding_mode == 'zeros' and k + op - 2 * p == s)


def with_subpixel_deconvolutions(module: nn.Module) -> nn.Module:
    """A copy of ``module`` with every convertible transposed convolution
    replaced by its :class:`SubPixelConvTranspose` (``module`` unchanged)."""
    module = copy.deepcopy(module)
    for child in list(module.modules()):
        for attr, sub in list(child.named_children()):
            if subpixel_convertible(sub):
                setattr(child, attr, SubPixelConvTranspose(sub))
    return module


class _ExportedPart(nn.Module):
    """The part of a model that is exported (see the module docstring);
    with ``subpixel``, the 2D model's head with its deconvolutions as
    sub-pixel convolutions (:class:`SubPixelConvTranspose`).
    """

    def __init__(self, model: nn.Module, kind: str, subpixel: bool = False):
        super().__init__()
        self.model = model
        self.kind = kind
        self.head = (with_subpixel_deconvolutions(model.head)
                     if subpixel and kind != 'detector' else None)

    def forward(self, inputs: torch.Tensor):
        feats = self.model.extract_feat(inputs)
        if self.kind == 'detector':
            return tuple(feats)
        head = self.head if self.head is not None else self.model.head
        return head.forward(feats)


def _example_input(model: nn.Module, kind: str,
                   image_size: Optional[Tuple[int, int]]) -> torch.Tensor:
    """A zero batch of one in the shape the data preprocessor gives."""
    if kind == 'lifter':
        in_channels = getattr(model.head, 'in_channels', None)
        if in_channels is None:
            raise ValueError('the lifter head has no in_channels: cannot '
                             'infer its input size for export')
        # PackPoseInputs packs a (K, 2) single-frame pose as (2K, 1)
        return torch.zeros(1, int(in_channels), 1)
    if image_size is None:
        raise ValueError(f'exporting the {kind} needs image_size=(w, h)')
    w, h = image_size
    return torch.zeros(1, 3, int(h), int(w))


def export_onnx(model: nn.Module, kind: str, out_file: str,
                image_size: Optional[Tuple[int, int]] = None,
                subpixel: bool = False) -> str:
    """Export the ``kind`` part of a built, loaded model to ``out_file``.

    Args:
        model: an MMPose ``TopdownPoseEstimator`` (``'pose2d'``), an MMPose
            ``PoseLifter`` (``'lifter'``) or an MMDetection two-stage
            detector (``'detector'``), in eval mode, on any device.
        kind: one of :data:`KINDS`.
        out_file: the ``.onnx`` file to write (folders are created).
        image_size: (width, height) of the network input: the 2D model's
            crop size (its codec's ``input_size``) or the detector's resized
            frame (any multiple of 32: height and width stay dynamic).
        subpixel: export the head's transposed convolutions as sub-pixel
            convolutions (:class:`SubPixelConvTranspose`): slower in fp32
            (2.25x the multiply-adds of a 4x4 deconvolution), but int8
            quantisable (the graph that :mod:`.onnx_int8` quantises).

    Returns:
        ``out_file``. The graph has one input ``input`` (batch axis dynamic;
        the detector's height and width too) and outputs ``output`` (2D:
        (B, K, H, W) heatmaps; lifter: the head's raw output) or
        ``feat0`` ... (detector: the FPN levels).
    """
    if kind not in KINDS:
        raise ValueError(f'kind must be one of {KINDS}, got {kind!r}')
    part = _ExportedPart(model, kind, subpixel).eval()
    device = next(model.parameters()).device
    example = _example_input(model, kind, image_size).to(device)
    with torch.no_grad():
        out = part(example)
    names = ([f'feat{i}' for i in range(len(out))] if kind == 'detector'
             else ['output'])
    axes = {0: 'batch'}
    if kind == 'detector':
        axes = {0: 'batch', 2: 'height', 3: 'width'}
    dynamic = {'input': axes}
    for name in names:
        dynamic[name] = dict(axes) if kind == 'detector' else {0: 'batch'}
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    # The TorchScript exporter: the graph is a fixed sequence of standard
    # layers, and unlike the dynamo exporter it needs no onnxscript.
    with torch.no_grad():
        torch.onnx.export(part, (example, ), out_file, input_names=['input'],
                          output_names=names, dynamic_axes=dynamic,
                          opset_version=OPSET, dynamo=False)
    return out_file


class OnnxGraph(nn.Module):
    """An ONNX Runtime session in place of a torch sub-network.

    Args:
        onnx_file: an :func:`export_onnx` graph.
        num_threads: intra-op threads (default: torch's thread count, so
            both runtimes use the same cores).
        as_tuple: return the outputs as a tuple (a backbone's feature
            levels) rather than the single output tensor.
    """

    def __init__(self, onnx_file: str, num_threads: Optional[int] = None,
                 as_tuple: bool = True):
        super().__init__()
        ort = require_onnxruntime()
        if not osp.isfile(onnx_file):
            raise FileNotFoundError(f'ONNX file {onnx_file!r} does not exist')
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(num_threads or torch.get_num_threads())
        options.inter_op_num_threads = 1
        # ONNX Runtime's threads spin-wait after each run by default; between
        # runs PyTorch computes (the detector's RPN / RoI heads, the lifter)
        # and would lose a core to the spinning.
        options.add_session_config_entry('session.intra_op.allow_spinning', '0')
        options.graph_optimization_level = (
            ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
        self.session = ort.InferenceSession(
            onnx_file, options, providers=['CPUExecutionProvider'])
        self.onnx_file = onnx_file
        self.as_tuple = as_tuple

    def forward(self, inputs: torch.Tensor):
        device = inputs.device
        outs = self.session.run(
            None, {'input': np.ascontiguousarray(
                inputs.detach().cpu().numpy(), dtype=np.float32)})
        tensors = tuple(torch.from_numpy(o).to(device) for o in outs)
        return tensors if self.as_tuple else tensors[0]


def _last_feature(feats):
    """Identity "head forward": the ONNX graph already ran the head."""
    return feats[-1] if isinstance(feats, (tuple, list)) else feats


def use_onnx_runtime(model: nn.Module, kind: str, onnx_file: str,
                     num_threads: Optional[int] = None) -> nn.Module:
    """Run the exported part of ``model`` with ONNX Runtime (in place).

    The torch sub-networks that the graph replaces are dropped from the
    model (their memory is freed); everything else is the model's own code.

    Returns:
        ``model``.
    """
    if kind not in KINDS:
        raise ValueError(f'kind must be one of {KINDS}, got {kind!r}')
    graph = OnnxGraph(onnx_file, num_threads, as_tuple=True)
    model.backbone = graph
    if getattr(model, 'neck', None) is not None:
        model.neck = None
    if kind != 'detector':
        # The graph ends with the head's forward: MMPose's head.predict
        # (flip test, decoding) calls self.forward on the "features", which
        # are now the graph's output.
        model.head.forward = _last_feature
    return model


def pose2d_input_size(model: nn.Module) -> Tuple[int, int]:
    """(w, h) crop size of a top-down 2D model (its codec's input size)."""
    decoder = getattr(model.head, 'decoder', None)
    size = getattr(decoder, 'input_size', None)
    if size is None:
        raise ValueError('the 2D model\'s head has no decoder with an '
                         'input_size: cannot export it')
    return int(size[0]), int(size[1])


def detector_input_size(cfg) -> Tuple[int, int]:
    """(w, h) of the detector's resized frame, from its test pipeline's
    ``Resize`` scale, rounded up to its preprocessor's pad divisor."""
    scale = None
    for step in cfg.test_dataloader.dataset.pipeline:
        if step.get('type') == 'Resize':
            scale = step.get('scale')
    if scale is None:
        raise ValueError('the detector config\'s test pipeline has no Resize '
                         'with a scale')
    div = int(cfg.model.data_preprocessor.get('pad_size_divisor', 1) or 1)
    return tuple(int(-(-int(v) // div) * div) for v in scale)


@torch.no_grad()
def _check(model: nn.Module, kind: str, onnx_file: str,
           example: torch.Tensor) -> float:
    """Largest |onnxruntime - torch| of the exported part on ``example``."""
    ref = _ExportedPart(model, kind).eval()(example)
    ref = ref if isinstance(ref, (tuple, list)) else (ref, )
    got = OnnxGraph(onnx_file, as_tuple=True)(example.cpu())
    return max(float((r.cpu() - g).abs().max()) for r, g in zip(ref, got))


def export_inferencer_models(inferencer, out_dir: str, check: bool = True,
                             kinds: Sequence[str] = KINDS) -> dict:
    """Export an ``InfantPoseInferencer``'s networks to ``out_dir``.

    Returns:
        ``{kind: (onnx file, max |onnxruntime - torch| on a random input, or
        NaN when check is False)}``.
    """
    require_onnxruntime()
    models = dict(detector=inferencer.detector.model,
                  pose2d=inferencer.pose2d.model, lifter=inferencer.model)
    sizes = dict(detector=detector_input_size(inferencer.detector.cfg),
                 pose2d=pose2d_input_size(inferencer.pose2d.model),
                 lifter=None)
    out = {}
    generator = torch.Generator().manual_seed(0)
    for kind in kinds:
        model = models[kind]
        path = export_onnx(model, kind, osp.join(out_dir, f'{kind}.onnx'),
                           sizes[kind])
        diff = float('nan')
        if check:
            shape = _example_input(model, kind, sizes[kind]).shape
            example = torch.randn(shape, generator=generator)
            diff = _check(model, kind, path, example.to(
                next(model.parameters()).device))
        out[kind] = (path, diff)
    return out


def _temporary_dir_of(owner) -> str:
    """A new temporary folder, deleted with ``owner`` (or at exit)."""
    path = tempfile.mkdtemp(prefix='infant_mmpose_onnx_')
    weakref.finalize(owner, shutil.rmtree, path, ignore_errors=True)
    return path


def use_onnx_runtime_for_inferencer(inferencer, onnx_dir: Optional[str] = None,
                                    kinds: Sequence[str] = KINDS,
                                    precision: str = 'fp32',
                                    calibration=None,
                                    calibration_frames: Optional[int] = None
                                    ) -> dict:
    """Export an ``InfantPoseInferencer``'s networks and run them with ONNX
    Runtime from now on (in place).

    Args:
        onnx_dir: where the ``.onnx`` files go and stay. Default: a new
            temporary folder, deleted when the inferencer is garbage
            collected or the process exits (a thesis-size int8 export is
            about 0.5 GB).
        kinds: which networks to switch.
        precision: ``'fp32'``, or ``'int8'``: the 2D model and the
            detector's backbone + FPN run statically quantised
            (:mod:`.onnx_int8`).
        calibration: int8 only: the frames to calibrate on (a video, an
            image folder, BGR arrays; None: built-in generated frames).
        calibration_frames: int8 only: how many of them (default
            :data:`.onnx_int8.DEFAULT_CALIBRATION_FRAMES`).

    Returns:
        ``{kind: onnx file}`` (the int8 file where one is used).
    """
    check_precision(precision)
    require_onnxruntime()
    if onnx_dir is None:
        onnx_dir = _temporary_dir_of(inferencer)
    files = {kind: path for kind, (path, _) in export_inferencer_models(
        inferencer, onnx_dir, check=False, kinds=kinds).items()}
    if precision == 'int8':   # exported while the torch networks are there
        from .onnx_int8 import (DEFAULT_CALIBRATION_FRAMES, int8_sources,
                                quantize_inferencer_models)
        sources = int8_sources(inferencer, files, onnx_dir)
    models = dict(detector=inferencer.detector.model,
                  pose2d=inferencer.pose2d.model, lifter=inferencer.model)
    for kind, path in files.items():
        use_onnx_runtime(models[kind], kind, path)
    if precision == 'int8':
        # calibrated through the fp32 graphs (faster than PyTorch), which
        # the int8 ones then replace
        int8 = quantize_inferencer_models(
            inferencer, sources, calibration,
            calibration_frames or DEFAULT_CALIBRATION_FRAMES)
        for kind, path in int8.items():
            use_onnx_runtime(models[kind], kind, path)
        files.update(int8)
    return files
