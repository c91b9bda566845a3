"""Resize a frame exactly as torchvision's detection models do.

torchvision's ``GeneralizedRCNNTransform`` scales each image by
``min(min_size / short side, max_size / long side)`` with
``F.interpolate(mode='bilinear', align_corners=False,
recompute_scale_factor=True)`` on float pixels. MMDetection's ``Resize``
rounds the output size differently (1067x800 against torchvision's 1066x800
for a 640x480 frame) and interpolates the uint8 image with OpenCV, which
moves a torchvision-trained detector's boxes by up to a few pixels.
"""
import numpy as np
import torch
import torch.nn.functional as F
from mmcv.transforms import BaseTransform

from mmdet.registry import TRANSFORMS


@TRANSFORMS.register_module()
class TorchvisionResize(BaseTransform):
    """Keep-ratio bilinear resize of ``img`` as torchvision detection does.

    Required keys: ``img``. Modified keys: ``img`` (float32, same channel
    order), ``img_shape``, ``gt_bboxes`` (if present). Added keys:
    ``scale_factor`` (w_new / w, h_new / h), ``keep_ratio``.

    Args:
        min_size (int): Target length of the short side. Defaults to 800.
        max_size (int): Upper bound of the long side. Defaults to 1333.
    """

    def __init__(self, min_size: int = 800, max_size: int = 1333):
        super().__init__()
        if min_size <= 0 or max_size < min_size:
            raise ValueError(f'need 0 < min_size <= max_size, got {min_size}, '
                             f'{max_size}')
        self.min_size = int(min_size)
        self.max_size = int(max_size)

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        scale = min(self.min_size / min(h, w), self.max_size / max(h, w))
        tensor = torch.from_numpy(
            np.ascontiguousarray(img, dtype=np.float32))
        tensor = tensor.reshape(h, w, -1).permute(2, 0, 1)[None]
        resized = F.interpolate(
            tensor, scale_factor=scale, mode='bilinear',
            recompute_scale_factor=True, align_corners=False)[0]
        out = resized.permute(1, 2, 0).numpy()
        if img.ndim == 2:
            out = out[..., 0]
        new_h, new_w = out.shape[:2]
        results['img'] = out
        results['img_shape'] = (new_h, new_w)
        results['scale_factor'] = (new_w / w, new_h / h)
        results['keep_ratio'] = True
        if results.get('gt_bboxes', None) is not None:
            results['gt_bboxes'].rescale_(results['scale_factor'])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(min_size={self.min_size}, '
                f'max_size={self.max_size})')
