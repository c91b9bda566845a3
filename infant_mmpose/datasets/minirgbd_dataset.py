"""``MiniRGBDDataset``: MINI-RGBD as an MMPose top-down 2D data set.

One instance per usable frame (see :class:`.minirgbd_reader.MiniRGBDReader`
for what is skipped), joints in the common definition named by
``keypoint_definition`` (mapped when loading) or in the native 25-joint order.

Example config::

    dataset = dict(
        type='MiniRGBDDataset', data_root='data/minirgbd', sequences='train',
        keypoint_definition='mpii16', bbox_padding=5,
        pipeline=[dict(type='LoadImage'), dict(type='GetBBoxCenterScale'), ...])

and on detector boxes, as MMPose data sets take them (test mode only)::

    dataset = dict(type='MiniRGBDDataset', data_root='data/minirgbd',
                   sequences='test', bbox_file='minirgbd_detections.json',
                   test_mode=True, ...)
"""
import os.path as osp
import warnings
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS

from ..fileio.minirgbd_reader import (DEPTH_PATTERN, IMAGE_SIZE, MASK_PATTERN, RGB_PATTERN,
                                      MiniRGBDReader, SequenceAnnotations,
                                      frame_image_id)
from ..fileio.result_files import ResultFileError, load_detections
from ..structures.bbox import pad_and_clip, padded_mask_box
from ..structures.visibility import inside_image
from .keypoint_definition_mixin import KeypointDefinitionMixin, NativeMetainfo

__all__ = ['MiniRGBDDataset', 'keypoints_in_image']


def keypoints_in_image(keypoints: np.ndarray, width: int = IMAGE_SIZE[0],
                       height: int = IMAGE_SIZE[1]) -> np.ndarray:
    """Visibility (..., K) float32: 1 for joints inside the image, else 0.

    Inside means ``0 <= u <= width - 1`` and ``0 <= v <= height - 1`` (pixel
    centres at integers); the thesis excludes joints outside the image from
    losses and metrics. The rule is :func:`.visibility.inside_image`, which
    predicted 2D joints get too.
    """
    return inside_image(keypoints, (width, height))


@DATASETS.register_module()
class MiniRGBDDataset(KeypointDefinitionMixin, BaseCocoStyleDataset):
    """MINI-RGBD for top-down 2D pose (MMPose ``BaseCocoStyleDataset``).

    Each data info holds ``img_id`` (:func:`.minirgbd_reader.frame_image_id`),
    ``img_path``, ``bbox`` (1, 4) xyxy float32 px, ``bbox_score`` (1,),
    ``keypoints`` (1, K, 2) px, ``keypoints_visible`` (1, K) (0 outside the
    image), ``head_size`` (1, 1) float32 px (the sequence's 2D head-segment
    length, MMPose's MPII layout, for PCKh), ``sequence``, ``frame``,
    ``depth_path`` and ``mask_path``. K = 25 native joints, or the joints of
    ``keypoint_definition`` (then also ``keypoints_definition``, its name).
    The ground-truth keypoints come from the reader with either box source,
    so metrics cover every frame on detector boxes too.

    Args:
        data_root: MINI-RGBD root holding ``01`` .. ``12``.
        sequences: ``'train'`` (1-8), ``'val'`` (9-10), ``'test'`` (11-12),
            ``'all'`` or a list of sequence numbers.
        keypoint_definition: definition the samples are mapped to when
            loading, e.g. ``'mpii16'`` (see
            :mod:`~infant_mmpose.structures.keypoint_definitions`); ``None``
            keeps MINI-RGBD's 25 joints. The metainfo defaults to that
            definition's.
        bbox_file: ``None`` for the thesis's ground-truth boxes (tightest box
            around the foreground mask plus ``bbox_padding``; the joints'
            box when a mask is empty, reported), or, as in MMPose's data
            sets and only with ``test_mode=True``, a COCO-style detections
            file (:func:`.result_files.save_detections`) with one record per
            frame. Frames the detector found nothing in have the whole image
            as box with score 0 there (reported).
        bbox_padding: pixels added around mask boxes.
        cache_dir: annotation cache folder (see the reader).
        bbox_source: deprecated spelling, overrides ``bbox_file``:
            ``'mask'`` = ``bbox_file=None``, a path = ``bbox_file=<path>``.
        **kwargs: passed to ``BaseCocoStyleDataset`` (pipeline, test_mode,
            indices, filter_cfg, metainfo, ...). ``ann_file`` is not used.

    Raises:
        FileNotFoundError: ``bbox_file`` does not exist.
        ResultFileError: ``bbox_file`` is malformed or lacks a frame.
    """

    NATIVE_DEFINITION = 'minirgbd25'
    METAINFO = NativeMetainfo()

    def __init__(self, data_root: str, sequences: Union[str, Sequence[int]] = 'train',
                 bbox_file: Optional[str] = None, bbox_padding: float = 5.0,
                 cache_dir: Optional[str] = None,
                 keypoint_definition: Optional[str] = None,
                 bbox_source: Optional[str] = None, **kwargs):
        if kwargs.get('ann_file'):
            raise ValueError("MiniRGBDDataset does not use 'ann_file': give "
                             'data_root/sequences, and bbox_file for detections')
        kwargs.pop('ann_file', None)
        if bbox_source is not None:
            # only a config of an earlier version sets it: it wins over a
            # base config's bbox_file, as it did over its bbox_source
            warnings.warn(f"MiniRGBDDataset: bbox_source={bbox_source!r} is deprecated; "
                          "use bbox_file (None for mask boxes)", DeprecationWarning)
            bbox_file = None if bbox_source == 'mask' else bbox_source
        if bbox_file and not osp.isfile(bbox_file):
            raise FileNotFoundError(f'bbox_file: detections file not found: {bbox_file!r}')
        self.reader = MiniRGBDReader(data_root, sequences, cache_dir=cache_dir)
        self.bbox_padding = float(bbox_padding)
        kwargs['metainfo'] = self._setup_keypoint_definition(
            self.NATIVE_DEFINITION, keypoint_definition,
            kwargs.get('metainfo'), kwargs.get('pipeline'))
        super().__init__(data_root=data_root, bbox_file=bbox_file or None, **kwargs)

    @property
    def skipped(self):
        """Frames the reader skipped (path + reason), see ``MiniRGBDReader``."""
        return self.reader.skipped

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        """Every frame with its padded mask box, score 1 (MMPose's path
        without ``bbox_file``)."""
        fallbacks = []

        def mask_box(seq: SequenceAnnotations, i: int):
            box, source = padded_mask_box(seq.mask_boxes[i], seq.joints_2d[i],
                                          self.bbox_padding, IMAGE_SIZE,
                                          seq.path(MASK_PATTERN, int(seq.frames[i])))
            if source != 'mask':
                fallbacks.append(seq.path(MASK_PATTERN, int(seq.frames[i])))
            return box, 1.0

        out = self._frames(self.reader.load(mask_boxes=True), mask_box)
        self._report(fallbacks, 'empty foreground mask, box from the 2D joints')
        return out

    def _load_detection_results(self) -> List[dict]:
        """Every frame with its box from ``bbox_file`` (MMPose's path with
        ``bbox_file``; here with the ground-truth keypoints, not dummies)."""
        detections = load_detections(self.bbox_file)
        missed = []

        def detected_box(seq: SequenceAnnotations, i: int):
            frame = int(seq.frames[i])
            det = detections.get((seq.sequence, frame))
            if det is None:
                raise ResultFileError(
                    f'{self.bbox_file}: no detection record for sequence {seq.sequence} '
                    f'frame {frame} (every frame of the data set needs one; frames '
                    'without a detection have "detected": false)')
            if not det['detected']:
                missed.append(f'{seq.sequence:02d}/{frame:05d}')
            return pad_and_clip(np.array(det['bbox'], np.float32), 0, *IMAGE_SIZE), det['score']

        instances, _ = self._frames(self.reader.load(mask_boxes=False), detected_box)
        self._report(missed, f'no detection in {self.bbox_file}, box = whole image, score 0')
        return self._get_topdown_data_infos(instances)

    def _frames(self, sequences: List[SequenceAnnotations],
                box_of: Callable) -> Tuple[List[dict], List[dict]]:
        instances, images = [], []
        for seq in sequences:
            for i in range(len(seq.frames)):
                bbox, score = box_of(seq, i)
                info = self._instance(seq, i, bbox, score, len(instances))
                instances.append(info)
                images.append(dict(img_id=info['img_id'], img_path=info['img_path'],
                                   width=IMAGE_SIZE[0], height=IMAGE_SIZE[1]))
        return instances, images

    @staticmethod
    def _report(frames: List[str], what: str) -> None:
        if frames:
            shown = ', '.join(frames[:5]) + (' ...' if len(frames) > 5 else '')
            warnings.warn(f'MiniRGBDDataset: {len(frames)} frame(s) with {what}: {shown}')

    @staticmethod
    def _instance(seq: SequenceAnnotations, i: int, bbox: np.ndarray, score: float,
                  index: int) -> dict:
        frame = int(seq.frames[i])
        keypoints = seq.joints_2d[i].astype(np.float32)[None]
        visible = keypoints_in_image(keypoints)
        return dict(
            img_id=frame_image_id(seq.sequence, frame),
            img_path=seq.path(RGB_PATTERN, frame),
            depth_path=seq.path(DEPTH_PATTERN, frame),
            mask_path=seq.path(MASK_PATTERN, frame),
            bbox=bbox.reshape(1, 4).astype(np.float32),
            bbox_score=np.array([score], dtype=np.float32),
            num_keypoints=int(visible.sum()),
            keypoints=keypoints,
            keypoints_visible=visible,
            head_size=np.array([[seq.head_length_2d_px]], dtype=np.float32),
            sequence=seq.sequence,
            frame=frame,
            iscrowd=0,
            id=index,
            category_id=1,
        )
