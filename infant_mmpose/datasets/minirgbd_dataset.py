"""``MiniRGBDDataset``: MINI-RGBD as an MMPose top-down 2D data set.

One instance per usable frame (see :class:`.minirgbd_reader.MiniRGBDReader`
for what is skipped), joints in the common definition named by
``keypoint_definition`` (mapped when loading) or in the native 25-joint order.

Example config::

    dataset = dict(
        type='MiniRGBDDataset', data_root='data/minirgbd', sequences='train',
        keypoint_definition='mpii16', bbox_source='mask', bbox_padding=5,
        pipeline=[dict(type='LoadImage'), dict(type='GetBBoxCenterScale'), ...])
"""
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpose.datasets.datasets.base import BaseCocoStyleDataset
from mmpose.registry import DATASETS

from ..structures.bbox import keypoint_box, pad_and_clip
from .keypoint_definition_mixin import KeypointDefinitionMixin, NativeMetainfo
from ..fileio.minirgbd_reader import (DEPTH_PATTERN, IMAGE_SIZE, MASK_PATTERN, RGB_PATTERN,
                              MiniRGBDReader, SequenceAnnotations)
from ..fileio.result_files import load_detections
from ..structures.visibility import inside_image


def frame_image_id(sequence: int, frame: int) -> int:
    """Unique integer id of a frame: ``sequence * 100000 + frame``."""
    return sequence * 100000 + frame


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

    Each data info holds ``img_path``, ``bbox`` (1, 4) xyxy float32 px,
    ``bbox_score`` (1,), ``keypoints`` (1, K, 2) px, ``keypoints_visible``
    (1, K) (0 outside the image), ``head_size`` (1, 1) float32 px (the
    sequence's 2D head-segment length, MMPose's MPII layout, for PCKh),
    ``sequence``, ``frame``, ``depth_path`` and ``mask_path``. K = 25 native
    joints, or the joints of ``keypoint_definition`` (then also
    ``keypoints_definition``, its name).

    Args:
        data_root: MINI-RGBD root holding ``01`` .. ``12``.
        sequences: ``'train'`` (1-8), ``'val'`` (9-10), ``'test'`` (11-12),
            ``'all'`` or a list of sequence numbers.
        keypoint_definition: definition the samples are mapped to when
            loading, e.g. ``'mpii16'`` (see
            :mod:`~infant_mmpose.structures.keypoint_definitions`); ``None``
            keeps MINI-RGBD's 25 joints. The metainfo defaults to that
            definition's.
        bbox_source: ``'mask'`` (tightest box around the foreground mask plus
            ``bbox_padding``, the thesis' ground truth) or the path of a
            detections file (:func:`.result_files.save_detections`). Frames
            the detector found nothing in get the whole image as box with
            score 0 (reported), so metrics still cover every frame.
        bbox_padding: pixels added around mask boxes.
        cache_dir: annotation cache folder (see the reader).
        **kwargs: passed to ``BaseCocoStyleDataset`` (pipeline, test_mode,
            indices, filter_cfg, metainfo, ...). ``ann_file`` and
            ``bbox_file`` are not used.
    """

    NATIVE_DEFINITION = 'minirgbd25'
    METAINFO = NativeMetainfo()

    def __init__(self, data_root: str, sequences: Union[str, Sequence[int]] = 'train',
                 bbox_source: str = 'mask', bbox_padding: float = 5.0,
                 cache_dir: Optional[str] = None,
                 keypoint_definition: Optional[str] = None, **kwargs):
        for unused in ('ann_file', 'bbox_file'):
            if kwargs.get(unused):
                raise ValueError(f'MiniRGBDDataset does not use {unused!r}: give '
                                 'data_root/sequences, and bbox_source for detections')
            kwargs.pop(unused, None)
        self.reader = MiniRGBDReader(data_root, sequences, cache_dir=cache_dir)
        self.bbox_source = bbox_source
        self.bbox_padding = float(bbox_padding)
        if bbox_source != 'mask' and not osp.isfile(bbox_source):
            raise FileNotFoundError(
                f"bbox_source must be 'mask' or an existing detections file, got "
                f'{bbox_source!r}')
        kwargs['metainfo'] = self._setup_keypoint_definition(
            self.NATIVE_DEFINITION, keypoint_definition,
            kwargs.get('metainfo'), kwargs.get('pipeline'))
        super().__init__(data_root=data_root, **kwargs)

    @property
    def skipped(self):
        """Frames the reader skipped (path + reason), see ``MiniRGBDReader``."""
        return self.reader.skipped

    def _load_annotations(self) -> Tuple[List[dict], List[dict]]:
        use_mask = self.bbox_source == 'mask'
        sequences = self.reader.load(mask_boxes=use_mask)
        detections = None if use_mask else load_detections(self.bbox_source)
        instances, images, fallbacks = [], [], []
        for seq in sequences:
            for i, frame in enumerate(seq.frames.tolist()):
                if use_mask:
                    bbox, score = self._mask_bbox(seq, i, fallbacks)
                else:
                    bbox, score = self._detected_bbox(detections, seq.sequence, frame,
                                                      fallbacks)
                info = self._instance(seq, i, bbox, score, len(instances))
                instances.append(info)
                images.append(dict(img_id=info['img_id'], img_path=info['img_path'],
                                   width=IMAGE_SIZE[0], height=IMAGE_SIZE[1]))
        if fallbacks:
            what = ('empty foreground mask, box from the 2D joints' if use_mask else
                    f'no detection in {self.bbox_source}, box = whole image, score 0')
            shown = ', '.join(fallbacks[:5]) + (' ...' if len(fallbacks) > 5 else '')
            warnings.warn(f'MiniRGBDDataset: {len(fallbacks)} frame(s) with {what}: {shown}')
        return instances, images

    def _mask_bbox(self, seq: SequenceAnnotations, i: int, fallbacks: List[str]):
        box = seq.mask_boxes[i]
        if np.isnan(box).any():  # empty mask: fall back on the joints
            fallbacks.append(seq.path(MASK_PATTERN, int(seq.frames[i])))
            box = keypoint_box(seq.joints_2d[i])
        box = pad_and_clip(box, self.bbox_padding, *IMAGE_SIZE)
        return box, 1.0

    def _detected_bbox(self, detections: Dict, sequence: int, frame: int,
                       fallbacks: List[str]):
        det = detections.get((sequence, frame))
        if det is None:
            raise ValueError(f'{self.bbox_source}: no detection record for sequence '
                             f'{sequence} frame {frame} (every frame of the data set '
                             'needs one; use bbox null for "nothing found")')
        if det['bbox'] is None:
            fallbacks.append(f'{sequence:02d}/{frame:05d}')
            return np.array([0, 0, IMAGE_SIZE[0] - 1, IMAGE_SIZE[1] - 1], np.float32), 0.0
        return pad_and_clip(np.array(det['bbox'], np.float32), 0, *IMAGE_SIZE), det['score']

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
