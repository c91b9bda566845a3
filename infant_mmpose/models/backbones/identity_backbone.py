"""A backbone that hands its input through unchanged.

MMPose's ``PoseLifter`` always builds a backbone; the Martinez lifter keeps
the whole MLP in :class:`MartinezLifterHead` (the thesis's "lifter head"), so
its backbone is this pass-through.
"""
from typing import Tuple

from mmengine.model import BaseModule
from torch import Tensor

from mmpose.registry import MODELS


@MODELS.register_module()
class IdentityBackbone(BaseModule):
    """Return the input as a one-element feature tuple.

    ``causal`` is False: the lifter looks at a single frame.
    """

    causal = False

    def forward(self, x: Tensor) -> Tuple[Tensor]:
        """x: any shape, e.g. lifter input (B, 2K, 1) -> ``(x,)``."""
        return (x, )
