"""Anchors exactly as torchvision's ``AnchorGenerator`` makes them.

Two differences from MMDetection's ``AnchorGenerator`` (same sizes, ratios
and ordering otherwise) move a torchvision-trained RPN's proposals:

* torchvision rounds the base anchors to integers ([-23, -11, 23, 11] where
  MMDetection keeps [-22.63, -11.31, 22.63, 11.31]);
* torchvision's stride per level is ``padded image size // feature map
  size`` per axis, not the nominal stride: a 1088x800 input gives a 17x13
  P6 map and a y-stride of 800 // 13 = 61 instead of 64.
"""
from typing import List, Tuple

import torch
from torch import Tensor

from mmdet.models.task_modules.prior_generators import AnchorGenerator
from mmdet.registry import TASK_UTILS


@TASK_UTILS.register_module()
class TorchvisionAnchorGenerator(AnchorGenerator):
    """``AnchorGenerator`` with torchvision's rounding and strides.

    Arguments are those of MMDetection's ``AnchorGenerator`` (use
    ``center_offset=0``). The padded input size is taken as the first
    level's feature size times its stride, which is exact when inputs are
    padded to a multiple of that stride (``pad_size_divisor=32``).
    """

    def gen_single_level_base_anchors(self, base_size, scales: Tensor,
                                      ratios: Tensor, center=None) -> Tensor:
        return super().gen_single_level_base_anchors(
            base_size, scales, ratios, center=center).round()

    def grid_priors(self, featmap_sizes: List[Tuple[int, int]],
                    dtype: torch.dtype = torch.float32,
                    device='cuda') -> List[Tensor]:
        """Anchors per level, (H * W * A, 4) xyxy, location-major."""
        if len(featmap_sizes) != self.num_levels:
            raise ValueError(f'{len(featmap_sizes)} feature maps for '
                             f'{self.num_levels} anchor levels')
        first_h, first_w = featmap_sizes[0]
        pad_h = int(first_h) * int(self.strides[0][1])
        pad_w = int(first_w) * int(self.strides[0][0])
        anchors = []
        for level, (feat_h, feat_w) in enumerate(featmap_sizes):
            stride_w, stride_h = pad_w // int(feat_w), pad_h // int(feat_h)
            base = self.base_anchors[level].to(device=device, dtype=dtype)
            shift_x = torch.arange(0, feat_w, device=device).to(dtype) * stride_w
            shift_y = torch.arange(0, feat_h, device=device).to(dtype) * stride_h
            shift_xx, shift_yy = self._meshgrid(shift_x, shift_y)
            shifts = torch.stack([shift_xx, shift_yy, shift_xx, shift_yy],
                                 dim=-1)
            anchors.append((shifts[:, None, :] + base[None, :, :]).view(-1, 4))
        return anchors
