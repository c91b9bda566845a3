"""MPII with a selectable head size for PCKh."""
from typing import Optional

import numpy as np
from mmengine.logging import print_log
from mmpose.datasets.datasets.body import MpiiDataset
from mmpose.registry import DATASETS

from .keypoint_definition_mixin import KeypointDefinitionMixin, NativeMetainfo

#: MPII joint indices of the head segment (FACTS section 2).
UPPER_NECK, HEAD_TOP = 8, 9
HEAD_SIZE_SOURCES = ('headbox', 'neck_head_top')


@DATASETS.register_module()
class MpiiHeadSizeDataset(KeypointDefinitionMixin, MpiiDataset):
    """MMPose's :class:`MpiiDataset` with the PCKh head size selectable.

    ``head_size`` (shape (1, 1), pixels) of every instance comes from

    * ``'headbox'``: MMPose's standard, 0.6 x the diagonal of the annotated
      head box in ``headbox_file`` (``mpii_gt_val.mat``; test mode only, as
      in MMPose) - the official PCKh@0.5;
    * ``'neck_head_top'``: the thesis's head-segment length, the distance
      between the annotated ``upper_neck`` and ``head_top`` joints (works in
      any mode, needs no extra file). An instance without both joints gets
      head size 0, which MMPose's PCK metrics leave out of the score; their
      number is logged.

    The head size is measured on the MPII joints; ``keypoint_definition``
    (e.g. ``'mavhea12'``) then maps the joints when loading (``None``: MPII's
    16). ``metainfo`` defaults to that definition's (else to the ``target``
    of a ``KeypointMapping`` in ``pipeline``, else MPII 16).

    Args:
        head_size_source (str): ``'headbox'`` or ``'neck_head_top'``.
        keypoint_definition (str, optional): definition of the samples.
        **kwargs: :class:`MpiiDataset` arguments.

    Raises:
        ValueError: unknown ``head_size_source``, or ``'headbox'`` in test
            mode without a ``headbox_file`` (PCKh would have no normaliser).
    """

    NATIVE_DEFINITION = 'mpii16'
    METAINFO = NativeMetainfo()

    def __init__(self,
                 head_size_source: str = 'headbox',
                 headbox_file: Optional[str] = None,
                 test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 keypoint_definition: Optional[str] = None,
                 **kwargs):
        if head_size_source not in HEAD_SIZE_SOURCES:
            raise ValueError(f'head_size_source={head_size_source!r}; '
                             f'choose one of {HEAD_SIZE_SOURCES}')
        if head_size_source == 'headbox' and test_mode and not headbox_file:
            raise ValueError(
                "head_size_source='headbox' needs headbox_file "
                "(mpii_gt_val.mat) in test mode; use "
                "head_size_source='neck_head_top' when it is not available")
        if head_size_source == 'neck_head_top':
            headbox_file = None  # never mix the two normalisers
        self.head_size_source = head_size_source
        metainfo = self._setup_keypoint_definition(
            self.NATIVE_DEFINITION, keypoint_definition, metainfo,
            kwargs.get('pipeline'))
        super().__init__(
            headbox_file=headbox_file, test_mode=test_mode,
            metainfo=metainfo, **kwargs)

    def _load_annotations(self):
        instance_list, image_list = super()._load_annotations()
        if self.head_size_source == 'neck_head_top':
            missing = 0
            for instance in instance_list:
                size = neck_head_top_size(instance['keypoints'][0],
                                          instance['keypoints_visible'][0])
                missing += size == 0
                instance['head_size'] = np.array([[size]], dtype=np.float32)
            if missing:
                print_log(
                    f'{self.ann_file}: {missing} of {len(instance_list)} '
                    'instances lack upper_neck or head_top; head size 0 '
                    'leaves them out of PCKh', logger='current')
        return instance_list, image_list


def neck_head_top_size(keypoints: np.ndarray, visible: np.ndarray) -> float:
    """Distance ``upper_neck`` - ``head_top`` of one MPII pose (K=16, 2) px;
    0 when either joint is not annotated."""
    if visible[UPPER_NECK] <= 0 or visible[HEAD_TOP] <= 0:
        return 0.0
    return float(np.linalg.norm(keypoints[HEAD_TOP] - keypoints[UPPER_NECK]))
