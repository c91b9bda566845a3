"""MINI-RGBD -> COCO detection json, so MMDetection's own CocoDataset/CocoMetric work.

One category ``{"id": 1, "name": "infant"}``; one image per usable frame with
``file_name`` relative to the MINI-RGBD root (``01/rgb/syn_00000.png``), and
one box per image: the padded foreground-mask box (thesis ground truth), from
the 2D joints when the mask is empty (reported).
"""
import json
import os
import os.path as osp
import warnings
from typing import Optional, Sequence, Union

import numpy as np

from ..structures.bbox import keypoint_box, pad_and_clip
from .atomic import atomic_write_json
from .minirgbd_reader import IMAGE_SIZE, MASK_PATTERN, RGB_PATTERN, MiniRGBDReader

INFANT_CATEGORY = dict(id=1, name='infant')


def convert_minirgbd_to_coco(data_root: str, sequences: Union[str, Sequence[int]],
                             out_file: str, padding: float = 5.0,
                             cache_dir: Optional[str] = None) -> dict:
    """Write a COCO json for the selected sequences and return it as a dict.

    Image ids are ``sequence * 100000 + frame``; annotation ids count from 1;
    boxes are COCO ``[x, y, w, h]`` with ``w = x2 - x1`` of the padded,
    clipped xyxy mask box. The file is written atomically.
    """
    reader = MiniRGBDReader(data_root, sequences, cache_dir=cache_dir)
    images, annotations, fallbacks = [], [], []
    for seq in reader.load(mask_boxes=True):
        for i, frame in enumerate(seq.frames.tolist()):
            box = seq.mask_boxes[i]
            if np.isnan(box).any():
                fallbacks.append(seq.path(MASK_PATTERN, frame))
                box = keypoint_box(seq.joints_2d[i])
            x1, y1, x2, y2 = pad_and_clip(box, padding, *IMAGE_SIZE).tolist()
            image_id = seq.sequence * 100000 + frame
            images.append(dict(id=image_id, width=IMAGE_SIZE[0], height=IMAGE_SIZE[1],
                               file_name=osp.relpath(seq.path(RGB_PATTERN, frame),
                                                     reader.data_root)))
            annotations.append(dict(id=len(annotations) + 1, image_id=image_id,
                                    category_id=INFANT_CATEGORY['id'],
                                    bbox=[x1, y1, x2 - x1, y2 - y1],
                                    area=(x2 - x1) * (y2 - y1), iscrowd=0))
    if fallbacks:
        warnings.warn(f'{len(fallbacks)} empty foreground mask(s), box from the 2D joints: '
                      + ', '.join(fallbacks[:5]))
    coco = dict(images=images, annotations=annotations, categories=[dict(INFANT_CATEGORY)],
                info=dict(description=f'MINI-RGBD {reader.data_root} sequences '
                          f'{reader.sequences}, mask boxes padded by {padding} px'))
    atomic_write_json(out_file, coco)
    return coco
