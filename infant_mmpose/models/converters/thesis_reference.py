"""The thesis's three architectures and inference steps, for checking
conversions.

Built as the thesis's code defines them (written from the description in
``shared/reference/THESIS_WEIGHTS.md``; the thesis repository is reference
only): the attribute names reproduce its state-dict keys, the inference
functions its pre- and post-processing (square crop from the rounded box,
RGB / 255, plain argmax, raw-pixel lifter; torchvision's detector as is).
They are the independent side of ``tests/test_thesis_release.py`` and
``benchmarks/bench_thesis_release_parity.py``: random weights (``build_*``)
or a real thesis file (``load_thesis_reference``) on one side, the converted
checkpoint through MMPose / MMDetection on the other.
"""
import os
import os.path as osp
from typing import Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

MPII_JOINTS = 16


# ------------------------------------------------------------------- models
class ThesisUpsampling(nn.Module):
    """Three biased 4x4 stride-2 transposed convs with ReLU, then a 1x1
    transposed conv to the heatmaps (the thesis's ``Upsampling``)."""

    def __init__(self, joints: int = MPII_JOINTS):
        super().__init__()
        self.convTrans1 = nn.ConvTranspose2d(2048, 256, 4, 2, padding=1)
        self.convTrans2 = nn.ConvTranspose2d(256, 256, 4, 2, padding=1)
        self.convTrans3 = nn.ConvTranspose2d(256, 256, 4, 2, padding=1)
        self.convTrans4 = nn.ConvTranspose2d(256, joints, 1, 1)

    def forward(self, x):
        x = F.relu(self.convTrans1(x))
        x = F.relu(self.convTrans2(x))
        x = F.relu(self.convTrans3(x))
        return self.convTrans4(x)


class ThesisResidualStage(nn.Module):
    """x + dropout(relu(bn2(w2(dropout(relu(bn1(w1(x))))))))."""

    def __init__(self, width: int = 1024, p: float = 0.5):
        super().__init__()
        self.w1 = nn.Linear(width, width)
        self.batch_norm1 = nn.BatchNorm1d(width)
        self.w2 = nn.Linear(width, width)
        self.batch_norm2 = nn.BatchNorm1d(width)
        self.dropout = nn.Dropout(p)

    def forward(self, x):
        y = self.dropout(F.relu(self.batch_norm1(self.w1(x))))
        y = self.dropout(F.relu(self.batch_norm2(self.w2(y))))
        return x + y


class ThesisLifter(nn.Module):
    """The Martinez MLP of the thesis (``LiftingNetwork3D(16)``)."""

    def __init__(self, joints: int = MPII_JOINTS, width: int = 1024,
                 stages: int = 2):
        super().__init__()
        self.w1 = nn.Linear(2 * joints, width)
        self.batch_norm1 = nn.BatchNorm1d(width)
        self.linear_stages = nn.ModuleList(
            [ThesisResidualStage(width) for _ in range(stages)])
        self.w2 = nn.Linear(width, 3 * joints)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        y = self.dropout(F.relu(self.batch_norm1(self.w1(x))))
        for stage in self.linear_stages:
            y = stage(y)
        return self.w2(y)


def _calibrate_batchnorm(model: nn.Module, inputs) -> None:
    """Random BatchNorm affine parameters, then running statistics of real
    activations, so that a random 50-layer network stays in a sane numeric
    range (the running statistics are measured with the random affine
    parameters in place)."""
    bns = [m for m in model.modules()
           if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for bn in bns:
        bn.weight.data.uniform_(0.5, 1.5)
        bn.bias.data.uniform_(-0.2, 0.2)
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average
    model.train()
    with torch.no_grad():
        for x in inputs:
            model(x)
    model.eval()
    for bn in bns:
        bn.momentum = 0.1


def build_thesis_pose2d(seed: int = 0) -> nn.Module:
    """``Sequential(Sequential(resnet50 children[:-2]), Upsampling(16))``."""
    from torchvision.models import resnet50
    torch.manual_seed(seed)
    body = nn.Sequential(*list(resnet50(weights=None).children())[:-2])
    model = nn.Sequential(body, ThesisUpsampling())
    for i in range(1, 5):
        getattr(model[1], f'convTrans{i}').bias.data.normal_(0, 0.1)
    _calibrate_batchnorm(model, [torch.rand(2, 3, 128, 128) for _ in range(2)])
    return model


def build_thesis_lifter(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    model = ThesisLifter()
    _calibrate_batchnorm(model, [torch.rand(64, 32) * 600 for _ in range(2)])
    return model


def build_thesis_detector(seed: int = 0) -> nn.Module:
    """torchvision ``fasterrcnn_resnet50_fpn(weights=None,
    weights_backbone=None)`` with a two-class ``FastRCNNPredictor``, its
    backbone BatchNorms frozen with eps 0 as in the thesis's COCO-pretrained
    model (``pretrained=True`` built FrozenBatchNorm2d, eps 0)."""
    from torchvision.models.detection import fasterrcnn_resnet50_fpn
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor
    from torchvision.ops import FrozenBatchNorm2d
    torch.manual_seed(seed)
    model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None)
    model.roi_heads.box_predictor = FastRCNNPredictor(1024, num_classes=2)
    body = model.backbone.body
    _calibrate_batchnorm(body, [torch.randn(1, 3, 160, 224) for _ in range(2)])

    def freeze(module):
        for name, child in module.named_children():
            if isinstance(child, nn.BatchNorm2d):
                frozen = FrozenBatchNorm2d(child.num_features, eps=0.0)
                frozen.weight.copy_(child.weight.data)
                frozen.bias.copy_(child.bias.data)
                frozen.running_mean.copy_(child.running_mean)
                frozen.running_var.copy_(child.running_var)
                setattr(module, name, frozen)
            else:
                freeze(child)
    freeze(body)
    # a box predictor with spread-out scores and visible regression
    predictor = model.roi_heads.box_predictor
    predictor.cls_score.weight.data.normal_(0, 0.003)
    predictor.bbox_pred.weight.data.normal_(0, 0.01)
    model.eval()
    return model


def old_torchvision_keys(state: dict) -> dict:
    """Rename current torchvision keys to the 2020 (<= 0.12) spelling."""
    import re
    out = {}
    for key, value in state.items():
        key = re.sub(r'^(backbone\.fpn\.(?:inner|layer)_blocks\.\d+)\.0\.',
                     r'\1.', key)
        key = key.replace('rpn.head.conv.0.0.', 'rpn.head.conv.')
        out[key] = value
    return out


def save_thesis_checkpoint(model_or_state, path: str, epoch: int = 7,
                           loss=None, legacy: bool = False) -> str:
    """``torch.save`` in the thesis's layout (epoch, model / optimiser
    state, loss)."""
    state = (model_or_state.state_dict() if isinstance(model_or_state, nn.Module)
             else model_or_state)
    params = [v for v in state.values() if v.is_floating_point()][:2]
    optimiser = torch.optim.Adam([nn.Parameter(p.clone()) for p in params],
                                 lr=1e-4)
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(dict(epoch=epoch, model_state_dict=state,
                    optimizer_state_dict=optimiser.state_dict(),
                    loss=torch.tensor(0.0123) if loss is None else loss),
               path, _use_new_zipfile_serialization=not legacy)
    return path


# -------------------------------------------------------------- inference
def thesis_crop_box(box_xyxy) -> Tuple[np.ndarray, float]:
    """Detector box -> (integer centre [cx, cy], side S) as the thesis."""
    b = torch.round(torch.as_tensor(box_xyxy, dtype=torch.float32))
    centre = torch.stack([(b[0] + b[2]) // 2, (b[1] + b[3]) // 2])
    side = float(max(b[2] - b[0], b[3] - b[1]))
    return centre.numpy().astype(np.float64), side


def _third_point(a, b):
    d = a - b
    return b + np.array([-d[1], d[0]], dtype=np.float32)


def thesis_affine(centre, side: float, out: int) -> np.ndarray:
    """The HRNet-style 3-point affine of the thesis (rotation 0)."""
    src = np.zeros((3, 2), np.float32)
    dst = np.zeros((3, 2), np.float32)
    src[0] = centre
    src[1] = centre + np.array([0, -0.5 * side])
    dst[0] = [out * 0.5, out * 0.5]
    dst[1] = dst[0] + np.array([0, -0.5 * out])
    src[2] = _third_point(src[0], src[1])
    dst[2] = _third_point(dst[0], dst[1])
    return cv2.getAffineTransform(src, dst)


def thesis_pose2d_inference(model: nn.Module, rgb: np.ndarray, box_xyxy):
    """RGB uint8 frame + box -> (heatmaps (16, 64, 64), cells (16, 2) int,
    keypoints (16, 2) image px, maxima (16,)) as the thesis computes them."""
    centre, side = thesis_crop_box(box_xyxy)
    crop = cv2.warpAffine(rgb, thesis_affine(centre, side, 256), (256, 256),
                          flags=cv2.INTER_LINEAR)
    x = torch.from_numpy(crop).permute(2, 0, 1).float().div(255)[None]
    with torch.no_grad():
        heatmaps = model(x)[0]
    k, h, w = heatmaps.shape
    flat = heatmaps.reshape(k, -1).numpy()
    idx = np.argmax(flat, axis=1)
    maxima = flat[np.arange(k), idx]
    cells = np.stack([idx % w, idx // w], axis=1).astype(np.int64)
    cells[maxima <= 0] = 0
    # inverse of the heatmap-resolution affine: cell -> image px
    keypoints = centre[None] + (cells - w / 2) * side / w
    return heatmaps.numpy(), cells, keypoints, maxima


def thesis_detect(model: nn.Module, rgb: np.ndarray):
    """torchvision detections of one RGB uint8 frame: (boxes, scores)."""
    x = torch.from_numpy(rgb).permute(2, 0, 1).float().div(255)
    with torch.no_grad():
        out = model([x])[0]
    return out['boxes'].numpy(), out['scores'].numpy()


def load_thesis_reference(kind: str, path: str) -> nn.Module:
    """A real thesis file in its own architecture (``kind``: ``'pose2d'``,
    ``'lifter'`` or ``'detector'``), eval mode, read with weights_only."""
    from .thesis_checkpoints import load_thesis_checkpoint
    state = load_thesis_checkpoint(path)['model_state_dict']
    if kind == 'detector':
        from functools import partial

        from torchvision.models import resnet50
        from torchvision.models.detection.backbone_utils import \
            _resnet_fpn_extractor
        from torchvision.models.detection.faster_rcnn import (
            FasterRCNN, FastRCNNPredictor)
        from torchvision.ops import FrozenBatchNorm2d

        # what fasterrcnn_resnet50_fpn(pretrained=True) built: frozen BNs
        # with eps 0, three trainable stages (irrelevant at inference)
        classes = state['roi_heads.box_predictor.cls_score.weight'].shape[0]
        body = resnet50(weights=None,
                        norm_layer=partial(FrozenBatchNorm2d, eps=0.0))
        model = FasterRCNN(_resnet_fpn_extractor(body, 3), num_classes=91)
        model.roi_heads.box_predictor = FastRCNNPredictor(1024, classes)
    elif kind == 'pose2d':
        from torchvision.models import resnet50
        joints = state['1.convTrans4.weight'].shape[1]
        model = nn.Sequential(
            nn.Sequential(*list(resnet50(weights=None).children())[:-2]),
            ThesisUpsampling(joints))
    elif kind == 'lifter':
        model = ThesisLifter(state['w1.weight'].shape[1] // 2)
    else:
        raise ValueError(f'unknown kind {kind!r}')
    # torchvision renames 2020 FPN / RPN keys itself when loading
    model.load_state_dict(state, strict=True)
    return model.eval()
