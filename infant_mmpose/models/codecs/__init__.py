"""Registered keypoint codecs; importing this package registers them."""
from .martinez_pose_lifting import MartinezPoseLifting

__all__ = ['MartinezPoseLifting']
