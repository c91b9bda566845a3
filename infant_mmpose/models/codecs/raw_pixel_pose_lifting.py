"""Lifting codec of the thesis's released lifter: raw pixels in, raw mm out.

The thesis's lifter takes the 2D joints as full-image pixel coordinates of a
640x480 frame (no centring, no scaling) and its 48 outputs are used as they
are: millimetres relative to the pelvis, with the predicted pelvis *not*
forced to 0. ``MartinezPoseLifting(input_norm='pixel')`` already encodes
like that; this variant only decodes without re-centring and records the
image size the pixel inputs assume, so that input of another size can be
flagged (:func:`warn_if_other_image_size`).
"""
from typing import Iterable, Optional, Tuple

import numpy as np
from mmengine.logging import print_log

from mmpose.codecs import ImagePoseLifting
from mmpose.registry import KEYPOINT_CODECS

from .martinez_pose_lifting import MartinezPoseLifting

#: Configs whose lifter input does not depend on the image size.
SIZE_INDEPENDENT_LIFTERS = ('configs/lifter/*_rootnorm.py',
                            'configs/quickstart/lifter.py')


@KEYPOINT_CODECS.register_module()
class RawPixelPoseLifting(MartinezPoseLifting):
    """Raw-pixel input, undecorated output (see module docstring).

    Args:
        num_keypoints (int): K (16 for the thesis, MPII order).
        root_index (int): Root joint of the training targets (pelvis, 6).
        image_size (tuple[int, int]): (width, height) of the frames whose
            pixel coordinates the lifter was trained on. Defaults to
            (640, 480), MINI-RGBD.
        **kwargs: Passed to ``MartinezPoseLifting`` (``input_norm`` is
            always ``'pixel'``).
    """

    #: The inferencer keeps this codec's output as it is (no re-centring).
    recentre_output = False

    def __init__(self,
                 num_keypoints: int,
                 root_index: int = 0,
                 image_size: Tuple[int, int] = (640, 480),
                 **kwargs):
        if kwargs.pop('input_norm', 'pixel') != 'pixel':
            raise ValueError('RawPixelPoseLifting takes raw pixels only; use '
                             'MartinezPoseLifting for other input_norm')
        super().__init__(num_keypoints, root_index=root_index,
                         input_norm='pixel', **kwargs)
        if len(image_size) != 2 or min(image_size) <= 0:
            raise ValueError(f'image_size must be (width, height), got '
                             f'{image_size}')
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self._warned_sizes = set()

    def decode(self,
               encoded: np.ndarray,
               target_root: Optional[np.ndarray] = None
               ) -> Tuple[np.ndarray, np.ndarray]:
        """(N, K, 3) network output -> the same values (mm) and ones.

        Only ``target_scale`` is undone and ``target_root`` (if given and
        non-empty) added; the pose is not re-centred on its predicted root.
        """
        keypoints, scores = ImagePoseLifting.decode(
            self, encoded * self.target_scale, None)
        if target_root is not None and np.size(target_root) > 0:
            keypoints = keypoints + np.reshape(target_root, (1, 1, -1))
        return keypoints.astype(np.float32), scores.astype(np.float32)


def warn_if_other_image_size(decoder, image_sizes: Iterable) -> bool:
    """Warn once per size if a raw-pixel lifter gets frames of another size.

    Args:
        decoder: the lifter head's codec; only ``RawPixelPoseLifting``
            (anything with ``image_size`` and ``recentre_output=False``) is
            checked.
        image_sizes: (width, height) of the frames whose 2D poses are lifted.

    Returns:
        True if a warning was printed by this call.
    """
    expected = getattr(decoder, 'image_size', None)
    if expected is None or getattr(decoder, 'recentre_output', True):
        return False
    warned = False
    for size in image_sizes:
        size = (int(size[0]), int(size[1]))
        if size == (0, 0) or size == tuple(expected) or \
                size in decoder._warned_sizes:
            continue
        decoder._warned_sizes.add(size)
        warned = True
        print_log(
            f'the lifter takes raw pixel coordinates of {expected[0]}x'
            f'{expected[1]} frames but got {size[0]}x{size[1]} frames: its 3D '
            'output is not meaningful for this size. Use an image-size-'
            'independent lifter instead (' +
            ' or '.join(SIZE_INDEPENDENT_LIFTERS) + '), or resize the frames '
            f'to {expected[0]}x{expected[1]}.',
            logger='current', level=30)
    return warned
