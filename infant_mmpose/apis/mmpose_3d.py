"""3D through MMPose's own inferencer classes, for this project's lifters.

MMPose 1.3.2's ``Pose3DInferencer`` (what ``MMPoseInferencer(pose3d=...)``
builds) lifts only Human3.6M-style models: at the first frame it converts
the 2D keypoints with ``convert_keypoint_definition``, which asserts that the
lifter's ``dataset_meta['dataset_name']`` is ``'h36m'`` or ``'h3wb'`` and
knows a fixed set of 2D data set names; and unless called with
``disable_norm_pose_2d=True`` it rescales the 2D pose with the lifter's
``stats_info`` (Human3.6M's box statistics). This project's lifters take the
common definition (MPII 16) in pixels and normalise inside their codec.

The two classes here are MMPose's own, extended at exactly those two
points; everything else (detection, 2D estimation, tracking, the lifter's
test pipeline, visualisation, ``pred_out_dir``/``vis_out_dir``, result
keys, MMPose's 3D output axes) is MMPose's code:

* :class:`InfantPose3DInferencer`, a ``Pose3DInferencer`` whose 2D -> lifter
  conversion is the project's definition mapping (the registered tables of
  :mod:`~infant_mmpose.structures.keypoint_definitions`; the identity when
  both models use the common definition) and whose 2D input is not
  re-normalised by default (the codec does it);
* :class:`InfantMMPoseInferencer`, an ``MMPoseInferencer`` that builds the
  former for ``pose3d=...``: called exactly as ``MMPoseInferencer``.

3D keypoints come out as ``Pose3DInferencer`` gives them: mm, root-relative
for a lifter given no ground-truth root, in MMPose's display axes
``(-x, z, -y)`` of the camera's ``(x, y, z)``, and with the lowest joint
moved to height 0 unless called with ``disable_rebase_keypoint=True``.
"""
from typing import Optional, Union

import numpy as np
from mmpose.apis.inferencers import MMPoseInferencer, Pose3DInferencer
from mmpose.registry import INFERENCERS

from infant_mmpose.datasets.transforms.keypoint_mapping import KeypointMapping
from .inferencer import match_definition


def camera_from_display(keypoints: np.ndarray) -> np.ndarray:
    """Invert ``Pose3DInferencer``'s display axes: ``(..., K, 3)`` given as
    ``(-x, z, -y)`` (before any rebasing) back to camera ``(x, y, z)``."""
    keypoints = np.asarray(keypoints)
    return np.stack(
        [-keypoints[..., 0], -keypoints[..., 2], keypoints[..., 1]], axis=-1)


def _definition(meta: dict, what: str) -> str:
    name = match_definition(meta)
    if name is None:
        raise ValueError(
            f'the {what}\'s joints match no keypoint definition of '
            'infant_mmpose; InfantPose3DInferencer maps between the '
            'project\'s definitions only (MMPose\'s own Pose3DInferencer '
            'handles Human3.6M lifters)')
    return name


@INFERENCERS.register_module()
class InfantPose3DInferencer(Pose3DInferencer):
    """MMPose's ``Pose3DInferencer`` for this project's lifters.

    Same arguments as ``Pose3DInferencer``; ``pose2d_model`` is required (a
    2D config of this project, or any 2D model whose joints match one of
    its definitions). The 2D keypoints are mapped from the 2D model's
    definition to the lifter's with the project's tables, and
    ``disable_norm_pose_2d`` defaults to True.

    Raises:
        ValueError: no 2D model, or a model whose joints match no project
            definition.
    """

    def __init__(self,
                 model: Union[str, dict],
                 weights: Optional[str] = None,
                 pose2d_model: Union[str, dict, None] = None,
                 pose2d_weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: Optional[str] = 'mmpose',
                 det_model=None,
                 det_weights: Optional[str] = None,
                 det_cat_ids=None,
                 show_progress: bool = False) -> None:
        if pose2d_model is None:
            raise ValueError('InfantPose3DInferencer needs pose2d_model (the '
                             '2D config): MMPose\'s default 2D model is '
                             'a Human3.6M-oriented human model')
        super().__init__(model, weights, pose2d_model, pose2d_weights,
                         device, scope, det_model, det_weights, det_cat_ids,
                         show_progress)
        self.definition_2d = _definition(self.pose2d_model.model.dataset_meta,
                                         '2D model')
        self.definition_3d = _definition(self.model.dataset_meta, 'lifter')
        mapping = KeypointMapping(self.definition_2d, self.definition_3d)
        # replaces MMPose's Human3.6M-only convert_keypoint_definition
        self._keypoint_converter = lambda keypoints: mapping.map_joints(
            keypoints, -2, 'keypoints')

    def preprocess_single(self, input, index: int, **kwargs):
        """MMPose's, with ``disable_norm_pose_2d=True`` unless given: the
        lifter's codec normalises the pixel coordinates itself."""
        kwargs.setdefault('disable_norm_pose_2d', True)
        return super().preprocess_single(input, index, **kwargs)


@INFERENCERS.register_module()
class InfantMMPoseInferencer(MMPoseInferencer):
    """``MMPoseInferencer`` whose ``pose3d`` route is
    :class:`InfantPose3DInferencer`; same arguments, calls and results.
    Without ``pose3d`` it is exactly ``MMPoseInferencer``."""

    def __init__(self,
                 pose2d: Optional[str] = None,
                 pose2d_weights: Optional[str] = None,
                 pose3d: Optional[str] = None,
                 pose3d_weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'mmpose',
                 det_model=None,
                 det_weights: Optional[str] = None,
                 det_cat_ids=None,
                 show_progress: bool = False) -> None:
        if pose3d is None:
            super().__init__(pose2d, pose2d_weights, None, None, device,
                             scope, det_model, det_weights, det_cat_ids,
                             show_progress)
            return
        # what MMPoseInferencer.__init__ sets, with the project's 3D class
        self.visualizer = None
        self.show_progress = show_progress
        self.inferencer = InfantPose3DInferencer(
            pose3d, pose3d_weights, pose2d, pose2d_weights, device, scope,
            det_model, det_weights, det_cat_ids, show_progress)
