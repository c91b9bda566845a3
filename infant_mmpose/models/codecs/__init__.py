"""Registered keypoint codecs; importing this package registers them."""
from .argmax_heatmap import ArgmaxHeatmap
from .martinez_pose_lifting import MartinezPoseLifting
from .raw_pixel_pose_lifting import RawPixelPoseLifting

__all__ = ['ArgmaxHeatmap', 'MartinezPoseLifting', 'RawPixelPoseLifting']
