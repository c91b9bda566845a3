"""Inference from RGB images / video to a 3D keypoint time series.

Importing registers ``InfantPoseInferencer`` in MMPose's ``INFERENCERS``.
"""
from .frame_source import Frame, FrameSourceError, open_frame_source
from .inferencer import InferenceRun, InfantPoseInferencer
from .pose_series import PoseSeries
from .writers import (VisualizationWriter, write_csv, write_json, write_npz)

__all__ = ['Frame', 'FrameSourceError', 'open_frame_source', 'InferenceRun',
           'InfantPoseInferencer', 'PoseSeries', 'VisualizationWriter',
           'write_csv', 'write_json', 'write_npz']
