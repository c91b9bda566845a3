"""The thesis's crop box: a detection made square without padding.

The thesis turns its detector's top box into a crop as follows: round each
corner to an integer (ties to even), take the integer centre
``floor((x1 + x2) / 2), floor((y1 + y2) / 2)`` and the side
``S = max(x2 - x1, y2 - y1)`` of the rounded box. The crop is the S x S
square around that centre -- no 1.25 padding. Placed before
``GetBBoxCenterScale(padding=1.0)`` this gives MMPose exactly that centre
and scale.
"""
import numpy as np
from mmcv.transforms import BaseTransform

from mmpose.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RoundedSquareBox(BaseTransform):
    """Replace ``results['bbox']`` (N, 4) xyxy px by the thesis's square.

    Required keys: ``bbox``. Modified keys: ``bbox``.

    Args:
        min_side (float): Side used when the rounded box is empty (the thesis
            would fail there). Defaults to 1 px.
    """

    def __init__(self, min_side: float = 1.0):
        super().__init__()
        self.min_side = float(min_side)

    def transform(self, results: dict) -> dict:
        box = np.round(np.asarray(results['bbox'], dtype=np.float64))
        box = box.reshape(-1, 4)
        cx = np.floor((box[:, 0] + box[:, 2]) / 2)
        cy = np.floor((box[:, 1] + box[:, 3]) / 2)
        side = np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1])
        side = np.maximum(side, self.min_side)
        half = side / 2
        results['bbox'] = np.stack(
            [cx - half, cy - half, cx + half, cy + half],
            axis=1).astype(np.float32)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(min_side={self.min_side})'
