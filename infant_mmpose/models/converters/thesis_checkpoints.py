"""Read the thesis's released checkpoints and map them to this project's models.

The thesis (``simonEllershaw/3DInfantPoseEstimation``) saved every model with
``torch.save({'epoch', 'model_state_dict', 'optimizer_state_dict', 'loss'})``
under ``SavedModels/<name>/model.tar`` (an ordinary torch file despite the
extension, CUDA tensors). Three architectures:

* 2D: ``Sequential(Sequential(ResNet-50 children[:-2]), Upsampling)`` with
  keys ``0.<i>.*`` and ``1.convTrans{1..4}.*`` (biased transposed convs, no
  BatchNorm) -> MMPose ``TopdownPoseEstimator(ResNet, HeatmapHead)``: each
  transposed-conv bias goes into the following BatchNorm (weight 1, bias b,
  mean 0, var 1 - eps, so the BN is the identity plus b), the last 1x1
  transposed conv becomes a 1x1 conv (weight ``[in, out]`` -> ``[out, in]``);
* lifter: Martinez MLP (``w1``, ``batch_norm1``, ``linear_stages.s.*``,
  ``w2``) -> this project's ``MartinezLifterHead`` (same layers, renamed);
* detector: torchvision ``fasterrcnn_resnet50_fpn`` with a two-class box
  predictor (background 0, infant 1) -> MMDetection ``FasterRCNN`` with one
  class: background moves from row 0 to the last row of ``fc_cls``, and only
  the infant rows (4..7) of the class-specific ``bbox_pred`` are kept.

Every file is read with ``torch.load(weights_only=True)``; a file that needs
any other type is refused (:class:`ThesisCheckpointError`), never re-read
unsafely. Key names and shapes: ``shared/reference/THESIS_WEIGHTS.md``.
"""
import hashlib
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch
from torch import Tensor

#: BatchNorm eps of the MMPose head's deconv BNs (MMCV's default).
HEAD_BN_EPS = 1e-5


class ThesisCheckpointError(ValueError):
    """A file that is not a readable thesis checkpoint of the expected kind."""


# ------------------------------------------------------------------ reading
def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def load_thesis_checkpoint(path: str) -> dict:
    """Read a thesis ``model.tar`` with ``weights_only=True`` on the CPU.

    Returns:
        dict: ``model_state_dict`` (name -> CPU tensor) and, when present,
        ``epoch`` and ``loss`` (a float).

    Raises:
        ThesisCheckpointError: missing file, not a torch file, a file that
            needs types outside torch's weights-only allow-list, or a dict
            without ``model_state_dict``.
    """
    if not osp.isfile(path):
        raise ThesisCheckpointError(f'{path}: no such file')
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        # torch names the offending global in its message.
        raise ThesisCheckpointError(
            f'{path}: refused: it needs types outside the weights-only '
            f'allow-list, so it is not a plain thesis checkpoint (tensors, '
            f'numbers, strings); it was NOT loaded with weights_only=False. '
            f'torch said: {str(err).splitlines()[0]}') from None
    except (RuntimeError, EOFError, OSError) as err:
        raise ThesisCheckpointError(
            f'{path}: not a readable torch checkpoint ({type(err).__name__}: '
            f'{str(err).splitlines()[0] if str(err) else ""})') from None
    if isinstance(ckpt, dict) and 'model_state_dict' in ckpt:
        state = ckpt['model_state_dict']
    elif isinstance(ckpt, dict) and ckpt and all(
            isinstance(v, Tensor) for v in ckpt.values()):
        state = ckpt  # a bare state dict (e.g. a re-saved detector)
    else:
        keys = sorted(ckpt)[:6] if isinstance(ckpt, dict) else type(ckpt)
        raise ThesisCheckpointError(
            f'{path}: no model_state_dict in the file (found {keys})')
    out = dict(model_state_dict=OrderedDict(
        (k, v.detach().cpu()) for k, v in state.items()))
    if isinstance(ckpt, dict):
        if isinstance(ckpt.get('epoch'), int):
            out['epoch'] = ckpt['epoch']
        loss = ckpt.get('loss')
        if isinstance(loss, Tensor) and loss.numel() == 1:
            out['loss'] = float(loss)
        elif isinstance(loss, (int, float)):
            out['loss'] = float(loss)
    return out


def classify_state_dict(state: Dict[str, Tensor]) -> Optional[str]:
    """``'pose2d'``, ``'lifter'``, ``'detector'`` or None from the key names."""
    if '1.convTrans4.weight' in state and '0.0.weight' in state:
        return 'pose2d'
    if 'w1.weight' in state and 'linear_stages.0.w1.weight' in state:
        return 'lifter'
    if ('backbone.body.conv1.weight' in state
            and 'roi_heads.box_predictor.cls_score.weight' in state):
        return 'detector'
    return None


def _expect(kind: str, state: Dict[str, Tensor]) -> None:
    found = classify_state_dict(state)
    if found != kind:
        raise ThesisCheckpointError(
            f'expected a thesis {kind} state dict, found '
            f'{found or "an unknown layout"} (first keys: {list(state)[:4]})')


def _leftovers(kind: str, state: Dict[str, Tensor], used: set) -> None:
    rest = [k for k in state if k not in used]
    if rest:
        raise ThesisCheckpointError(
            f'{len(rest)} {kind} tensors have no counterpart in the MMPose / '
            f'MMDetection model, e.g. {rest[:4]}: not the thesis architecture')


# ----------------------------------------------------------------- 2D model
_RESNET_STAGE = {'4': 'layer1', '5': 'layer2', '6': 'layer3', '7': 'layer4'}


def convert_pose2d(state: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Thesis SimpleBaseline keys -> MMPose ``TopdownPoseEstimator`` keys.

    Returns the state dict of ``ResNet(depth=50)`` + ``HeatmapHead(
    in_channels=2048, out_channels=K, deconv_out_channels=(256,)*3,
    deconv_kernel_sizes=(4,)*3)``; K comes from the last layer's shape.
    """
    _expect('pose2d', state)
    out = OrderedDict()
    used = set()
    for key, value in state.items():
        m = re.fullmatch(r'0\.(\d+)\.(.+)', key)
        if not m:
            continue
        child, rest = m.groups()
        if child == '0':
            out[f'backbone.conv1.{rest}'] = value
        elif child == '1':
            out[f'backbone.bn1.{rest}'] = value
        elif child in _RESNET_STAGE:
            out[f'backbone.{_RESNET_STAGE[child]}.{rest}'] = value
        else:
            continue
        used.add(key)
    if 'backbone.bn1.num_batches_tracked' not in out:
        raise ThesisCheckpointError('2D state dict has no ResNet stem '
                                    '(0.1.num_batches_tracked missing)')
    for i, idx in enumerate((0, 3, 6), start=1):
        weight = state[f'1.convTrans{i}.weight']
        bias = state[f'1.convTrans{i}.bias']
        out[f'head.deconv_layers.{idx}.weight'] = weight
        # bias -> the following BN, made the identity plus the bias:
        # (x - 0) / sqrt(1 - eps + eps) * 1 + b = x + b
        channels = bias.numel()
        out[f'head.deconv_layers.{idx + 1}.weight'] = torch.ones(channels)
        out[f'head.deconv_layers.{idx + 1}.bias'] = bias.clone()
        out[f'head.deconv_layers.{idx + 1}.running_mean'] = torch.zeros(channels)
        out[f'head.deconv_layers.{idx + 1}.running_var'] = torch.full(
            (channels, ), 1.0 - HEAD_BN_EPS)
        out[f'head.deconv_layers.{idx + 1}.num_batches_tracked'] = \
            torch.tensor(0)
        used.update({f'1.convTrans{i}.weight', f'1.convTrans{i}.bias'})
    final = state['1.convTrans4.weight']
    if final.shape[2:] != (1, 1):
        raise ThesisCheckpointError(
            f'1.convTrans4.weight has shape {tuple(final.shape)}; the thesis '
            'head ends with a 1x1 transposed conv')
    # a 1x1 stride-1 transposed conv is a 1x1 conv with in/out swapped
    out['head.final_layer.weight'] = final.transpose(0, 1).contiguous()
    out['head.final_layer.bias'] = state['1.convTrans4.bias']
    used.update({'1.convTrans4.weight', '1.convTrans4.bias'})
    _leftovers('2D', state, used)
    return out


def pose2d_num_keypoints(state: Dict[str, Tensor]) -> int:
    return int(state['1.convTrans4.weight'].shape[1])


# ------------------------------------------------------------------ lifter
def convert_lifter(state: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """Thesis ``LiftingNetwork3D`` keys -> ``PoseLifter(IdentityBackbone,
    MartinezLifterHead)`` keys (same layers and order; no folding needed)."""
    _expect('lifter', state)
    out = OrderedDict()
    used = set()
    stage_layer = {'w1': 0, 'batch_norm1': 1, 'w2': 4, 'batch_norm2': 5}
    for key, value in state.items():
        m = re.fullmatch(r'(w1|batch_norm1|w2)\.(.+)', key)
        if m:
            layer, rest = m.groups()
            name = {'w1': 'head.stem.0', 'batch_norm1': 'head.stem.1',
                    'w2': 'head.out'}[layer]
            out[f'{name}.{rest}'] = value
            used.add(key)
            continue
        m = re.fullmatch(r'linear_stages\.(\d+)\.(w1|batch_norm1|w2|'
                         r'batch_norm2)\.(.+)', key)
        if m:
            stage, layer, rest = m.groups()
            out[f'head.blocks.{stage}.layers.{stage_layer[layer]}.{rest}'] = value
            used.add(key)
    _leftovers('lifter', state, used)
    return out


def lifter_shape(state: Dict[str, Tensor]) -> Tuple[int, int, int, int]:
    """(input joints, output joints, hidden width, residual blocks)."""
    hidden, inputs = state['w1.weight'].shape
    outputs = state['w2.weight'].shape[0]
    blocks = len({k.split('.')[1] for k in state
                  if k.startswith('linear_stages.')})
    if inputs % 2 or outputs % 3:
        raise ThesisCheckpointError(
            f'lifter maps {inputs} inputs to {outputs} outputs: not 2K -> 3K')
    return inputs // 2, outputs // 3, int(hidden), blocks


# ---------------------------------------------------------------- detector
def _canonical_torchvision_keys(state: Dict[str, Tensor]) -> Dict[str, Tensor]:
    """Current torchvision spellings (>= 0.13: ``inner_blocks.i.0.*``,
    ``layer_blocks.i.0.*``, ``rpn.head.conv.0.0.*``) -> the 2020 ones."""
    out = OrderedDict()
    for key, value in state.items():
        key = re.sub(r'^(backbone\.fpn\.(?:inner|layer)_blocks\.\d+)\.0\.',
                     r'\1.', key)
        key = re.sub(r'^rpn\.head\.conv\.0\.0\.', 'rpn.head.conv.', key)
        out[key] = value
    return out


def convert_detector(state: Dict[str, Tensor]) -> 'OrderedDict[str, Tensor]':
    """torchvision ``fasterrcnn_resnet50_fpn`` -> MMDetection ``FasterRCNN``.

    Accepts both key spellings. With C+1 torchvision classes (background
    first) the MMDetection head has C classes, background last. BatchNorm
    layers get ``num_batches_tracked`` = 0 (torchvision's frozen BNs have
    none).
    """
    _expect('detector', state)
    state = _canonical_torchvision_keys(state)
    out = OrderedDict()
    used = set()
    fixed = {
        'rpn.head.conv.': 'rpn_head.rpn_conv.',
        'rpn.head.cls_logits.': 'rpn_head.rpn_cls.',
        'rpn.head.bbox_pred.': 'rpn_head.rpn_reg.',
        'roi_heads.box_head.fc6.': 'roi_head.bbox_head.shared_fcs.0.',
        'roi_heads.box_head.fc7.': 'roi_head.bbox_head.shared_fcs.1.',
    }
    for key, value in state.items():
        new = None
        if key.startswith('backbone.body.'):
            new = 'backbone.' + key[len('backbone.body.'):]
            if new.endswith('.running_var'):
                out[new[:-len('running_var')] + 'num_batches_tracked'] = \
                    torch.tensor(0)
        m = re.fullmatch(r'backbone\.fpn\.(inner|layer)_blocks\.(\d+)\.(\w+)',
                         key)
        if m:
            kind, i, rest = m.groups()
            module = 'lateral_convs' if kind == 'inner' else 'fpn_convs'
            new = f'neck.{module}.{i}.conv.{rest}'
        for src, dst in fixed.items():
            if key.startswith(src):
                new = dst + key[len(src):]
        if new is not None:
            out[new] = value
            used.add(key)
    cls_w = state['roi_heads.box_predictor.cls_score.weight']
    num_tv = cls_w.shape[0]
    if num_tv < 2:
        raise ThesisCheckpointError('box predictor with fewer than 2 classes')
    # torchvision: row 0 background; MMDetection: background last
    order = list(range(1, num_tv)) + [0]
    for p in ('weight', 'bias'):
        out[f'roi_head.bbox_head.fc_cls.{p}'] = \
            state[f'roi_heads.box_predictor.cls_score.{p}'][order].clone()
        # class-specific regression: drop the background's 4 rows
        out[f'roi_head.bbox_head.fc_reg.{p}'] = \
            state[f'roi_heads.box_predictor.bbox_pred.{p}'][4:].clone()
        used.update({f'roi_heads.box_predictor.cls_score.{p}',
                     f'roi_heads.box_predictor.bbox_pred.{p}'})
    _leftovers('detector', state, used)
    return out


def detector_num_classes(state: Dict[str, Tensor]) -> int:
    """Foreground classes (torchvision's count minus the background)."""
    return int(state['roi_heads.box_predictor.cls_score.weight'].shape[0]) - 1


# ---------------------------------------------------------------- checking
def check_fits(model: torch.nn.Module, state: Dict[str, Tensor],
               what: str) -> None:
    """Raise unless ``state`` has exactly ``model``'s tensors and shapes."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    extra = [k for k in state if k not in own]
    wrong = [f'{k} {tuple(state[k].shape)} vs {tuple(v.shape)}'
             for k, v in own.items()
             if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or extra or wrong:
        raise ThesisCheckpointError(
            f'converted {what} does not fit its config: missing {missing[:3]}, '
            f'unexpected {extra[:3]}, shape (converted vs model) {wrong[:3]}')


def thesis_state_summary(state: Dict[str, Tensor]) -> str:
    """'N tensors, M parameters' for reports."""
    params = sum(v.numel() for v in state.values())
    return f'{len(state)} tensors, {params / 1e6:.2f} M values'


__all__: List[str] = [
    'ThesisCheckpointError', 'load_thesis_checkpoint', 'classify_state_dict',
    'convert_pose2d', 'convert_lifter', 'convert_detector', 'check_fits',
    'pose2d_num_keypoints', 'lifter_shape', 'detector_num_classes',
    'sha256_of', 'thesis_state_summary'
]
