"""Registered modules; importing this package registers them.

MMPose ``METRICS``: ``HeadPCK``, ``AJPE``, ``PCK3D``; MMDetection ``METRICS``:
``BoxIoU``.
"""
from .ajpe import AJPE  # noqa: F401
from .box_iou import BoxIoU  # noqa: F401
from .head_pck import HeadPCK  # noqa: F401
from .pck3d import PCK3D  # noqa: F401

__all__ = ['AJPE', 'BoxIoU', 'HeadPCK', 'PCK3D']
