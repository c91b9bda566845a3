"""Lifting codec with a choice of 2D input normalisation.

Extends MMPose's ``ImagePoseLifting`` (root-relative 3D targets, optional
mean/std normalisation, flattening to ``(2K, 1)``) with:

* ``input_norm='pixel'``: the 2D input stays in raw pixels, as in the thesis.
  The lifter then depends on the image size and on where the infant is in
  the frame, the failure the thesis reports on real video.
* ``input_norm='root_extent'``: the 2D pose is centred at the root (pelvis)
  joint and divided by the larger side of the visible joints' bounding box,
  so the input (and hence the 3D output) is the same for the same scene at
  any image resolution, crop or position in the frame.
* ``input_norm='root_median'``: the same, divided by the median joint
  distance from the root instead: as invariant, and robust to a few badly
  predicted joints (which inflate the bounding box).

It also packs ``head_size``, ``keypoints``, ``keypoints_visible`` and
``bbox`` into ``gt_instances`` (``ImagePoseLifting`` packs only the lifting
targets), which the project's 3D metrics (PCKh needs ``head_size``) read.
Decoding returns root-relative coordinates (root joint = 0) in the target
units (mm for this project's data sets).
"""
from typing import List, Optional, Sequence, Tuple, Union

import numpy as np

from mmpose.codecs import ImagePoseLifting
from mmpose.registry import KEYPOINT_CODECS

INPUT_NORMS = ('pixel', 'root_extent', 'root_median')


def normalize_root_relative(keypoints: np.ndarray,
                            keypoints_visible: Optional[np.ndarray],
                            root_index: List[int],
                            scale: str = 'extent') -> np.ndarray:
    """Centre 2D poses at the root joint(s) and divide by a pose scale.

    Args:
        keypoints: (N, K, 2) pixel coordinates.
        keypoints_visible: (N, K) visibilities or None (all visible). The
            scale uses visible joints only (all joints if none is visible).
        root_index: Root joint index(es); their mean is the centre.
        scale: ``'extent'``: the larger side of the joints' bounding box;
            ``'median'``: the median joint distance from the root, which one
            badly predicted joint cannot inflate.

    Returns:
        (N, K, 2) float32, unitless: root at 0, scale 1.
    """
    keypoints = np.asarray(keypoints, dtype=np.float32)
    out = np.empty_like(keypoints)
    for n, pose in enumerate(keypoints):
        vis = (np.ones(len(pose), bool) if keypoints_visible is None else
               np.asarray(keypoints_visible[n]) > 0)
        if not vis.any():
            vis = np.ones(len(pose), bool)
        centred = pose - pose[root_index].mean(axis=0)
        if scale == 'extent':
            size = float(np.max(np.ptp(pose[vis], axis=0)))
        else:
            size = float(np.median(np.linalg.norm(centred[vis], axis=1)))
        # a degenerate pose (all joints on one pixel) keeps its pixel scale
        out[n] = centred / (size if size > 1e-6 else 1.0)
    return out


@KEYPOINT_CODECS.register_module()
class MartinezPoseLifting(ImagePoseLifting):
    """``ImagePoseLifting`` plus a 2D input normalisation choice.

    Args:
        num_keypoints (int): K, joints of the (common) definition.
        root_index (int | list[int]): Root (pelvis) index; 6 in ``mpii16``.
        input_norm (str): ``'pixel'`` (thesis), ``'root_extent'`` or
            ``'root_median'``.
        ignore_input_joints (list[int]): joints whose 2D input is always 0
            (and left out of the ``root_*`` scale): joints no training data
            set labels, e.g. COCO-17's eyes and ears for a lifter trained on
            MINI-RGBD and MPI-INF-3DHP, so that a 2D model that does predict
            them (any COCO model) gives the lifter no input it never saw.
            Default: none.
        target_scale (float): the network learns ``target / target_scale``
            (e.g. 100: decimetres instead of millimetres, which Adam reaches
            in far fewer steps from a zero-initialised output); decoding
            multiplies back, so predictions are always in target units (mm).
            Defaults to 1 (the thesis: raw millimetres).
        **kwargs: Passed to ``ImagePoseLifting`` (``remove_root``,
            ``keypoints_mean/std``, ``target_mean/std``, ...).
    """

    instance_mapping_table = dict(
        lifting_target='lifting_target',
        lifting_target_visible='lifting_target_visible',
        keypoints='keypoints',
        keypoints_visible='keypoints_visible',
        bbox='bboxes',
        head_size='head_size',
    )

    def __init__(self,
                 num_keypoints: int,
                 root_index: Union[int, List[int]] = 0,
                 input_norm: str = 'pixel',
                 target_scale: float = 1.0,
                 ignore_input_joints: Sequence[int] = (),
                 **kwargs):
        if input_norm not in INPUT_NORMS:
            raise ValueError(f'input_norm must be one of {INPUT_NORMS}, '
                             f'got {input_norm!r}')
        if not target_scale > 0:
            raise ValueError(f'target_scale must be positive, got '
                             f'{target_scale}')
        ignored = [int(i) for i in ignore_input_joints]
        if any(not 0 <= i < num_keypoints for i in ignored):
            raise ValueError(f'ignore_input_joints {ignored} must be joint '
                             f'indices in 0..{num_keypoints - 1}')
        super().__init__(num_keypoints, root_index=root_index, **kwargs)
        if set(ignored) & set(self.root_index):
            raise ValueError(f'ignore_input_joints {ignored} contains the '
                             f'root {self.root_index}')
        self.input_norm = input_norm
        self.target_scale = float(target_scale)
        self.ignore_input_joints = ignored

    def encode(self,
               keypoints: np.ndarray,
               keypoints_visible: Optional[np.ndarray] = None,
               lifting_target: Optional[np.ndarray] = None,
               lifting_target_visible: Optional[np.ndarray] = None) -> dict:
        """Encode (N, K, 2) pixel keypoints and (N, K, 3) targets.

        See ``ImagePoseLifting.encode``; ``keypoint_labels`` holds the
        normalised 2D input when ``input_norm='root_extent'``.
        """
        if keypoints.shape[-2] != self.num_keypoints:
            raise ValueError(
                f'MartinezPoseLifting(num_keypoints={self.num_keypoints}) got '
                f'2D keypoints with {keypoints.shape[-2]} joints: map the data '
                'to the common definition first (the data set\'s '
                'keypoint_definition, or KeypointMapping)')
        used_visible = keypoints_visible
        if self.ignore_input_joints:
            used_visible = (np.ones(keypoints.shape[:-1], np.float32)
                            if keypoints_visible is None else
                            np.array(keypoints_visible, dtype=np.float32))
            used_visible[..., self.ignore_input_joints] = 0
        if self.input_norm != 'pixel':
            keypoints = normalize_root_relative(
                keypoints, used_visible, self.root_index,
                scale=self.input_norm[len('root_'):])
        if self.ignore_input_joints:
            keypoints = np.array(keypoints, dtype=np.float32)
            keypoints[..., self.ignore_input_joints, :] = 0
        encoded = super().encode(keypoints, keypoints_visible,
                                 lifting_target, lifting_target_visible)
        if self.target_scale != 1.0:
            encoded['lifting_target_label'] = (
                encoded['lifting_target_label'] / self.target_scale)
        return encoded

    def decode(self,
               encoded: np.ndarray,
               target_root: Optional[np.ndarray] = None
               ) -> Tuple[np.ndarray, np.ndarray]:
        """Decode (N, K', 3) outputs to root-relative (N, K, 3) coordinates.

        Undoes target normalisation and ``target_scale``; the root joint is
        0 (re-inserted as zeros when the codec removed it, otherwise the pose
        is re-centred on its predicted root).  ``target_root`` (if given and non-empty) is added to
        return absolute coordinates instead.
        """
        keypoints, _ = super().decode(encoded * self.target_scale, None)
        if self.remove_root and len(self.root_index) == 1:
            keypoints = np.insert(
                keypoints, self.root_index[0], 0.0, axis=-2)
        else:
            # the network's root output is only trained towards 0: re-centre
            # so the pose is exactly relative to its own root
            keypoints = keypoints - keypoints[..., self.root_index, :].mean(
                axis=-2, keepdims=True)
        if target_root is not None and np.size(target_root) > 0:
            keypoints = keypoints + np.reshape(target_root, (1, 1, -1))
        scores = np.ones(keypoints.shape[:-1], dtype=np.float32)
        return keypoints.astype(np.float32), scores
