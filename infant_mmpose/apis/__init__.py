"""Inference from RGB images / video to a 3D keypoint time series.

Importing registers ``InfantPoseInferencer``, ``InfantPose3DInferencer`` and
``InfantMMPoseInferencer`` in MMPose's ``INFERENCERS``.
"""
from .frame_source import Frame, FrameSourceError, open_frame_source
from .inferencer import InferenceRun, InfantPoseInferencer
from .mmpose_3d import (InfantMMPoseInferencer, InfantPose3DInferencer,
                        camera_from_display)
from .pose_series import PoseSeries
from .writers import (VisualizationWriter, write_csv, write_json, write_npz)

__all__ = ['Frame', 'FrameSourceError', 'open_frame_source', 'InferenceRun',
           'InfantPoseInferencer', 'InfantMMPoseInferencer',
           'InfantPose3DInferencer', 'camera_from_display', 'PoseSeries', 'VisualizationWriter',
           'write_csv', 'write_json', 'write_npz']
