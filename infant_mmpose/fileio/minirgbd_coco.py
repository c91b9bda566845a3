"""MINI-RGBD -> COCO detection json, so MMDetection's own CocoDataset/CocoMetric work.

One category ``{"id": 1, "name": "infant"}``; one image per usable frame with
``file_name`` relative to the MINI-RGBD root (``01/rgb/syn_00000.png``), its
``sequence`` and ``frame`` as fields (extra image fields COCO tools keep), and
one box per image: the padded foreground-mask box (thesis ground truth), from
the 2D joints when the mask is empty (reported).
"""
import json
import os.path as osp
import warnings
from typing import Dict, Optional, Sequence, Tuple, Union

from ..structures.bbox import padded_mask_box
from .atomic import atomic_write_json
from .minirgbd_reader import (IMAGE_SIZE, MASK_PATTERN, RGB_PATTERN, MiniRGBDReader,
                              frame_image_id)

INFANT_CATEGORY = dict(id=1, name='infant')


def convert_minirgbd_to_coco(data_root: str, sequences: Union[str, Sequence[int]],
                             out_file: str, padding: float = 5.0,
                             cache_dir: Optional[str] = None) -> dict:
    """Write a COCO json for the selected sequences and return it as a dict.

    Image ids are :func:`.minirgbd_reader.frame_image_id`; annotation ids
    count from 1; boxes are COCO ``[x, y, w, h]`` with ``w = x2 - x1`` of the
    padded, clipped xyxy mask box. The file is written atomically.
    """
    reader = MiniRGBDReader(data_root, sequences, cache_dir=cache_dir)
    images, annotations, fallbacks = [], [], []
    for seq in reader.load(mask_boxes=True):
        for i, frame in enumerate(seq.frames.tolist()):
            box, source = padded_mask_box(seq.mask_boxes[i], seq.joints_2d[i], padding,
                                          IMAGE_SIZE, seq.path(MASK_PATTERN, frame))
            if source != 'mask':
                fallbacks.append(seq.path(MASK_PATTERN, frame))
            x1, y1, x2, y2 = box.tolist()
            image_id = frame_image_id(seq.sequence, frame)
            images.append(dict(id=image_id, width=IMAGE_SIZE[0], height=IMAGE_SIZE[1],
                               file_name=osp.relpath(seq.path(RGB_PATTERN, frame),
                                                     reader.data_root),
                               sequence=seq.sequence, frame=frame))
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


def image_frames(coco_ann_file: str) -> Dict[int, Tuple[int, int]]:
    """``{image_id: (sequence, frame)}`` from the ``sequence`` / ``frame``
    fields of a COCO json's images (as :func:`convert_minirgbd_to_coco`
    writes them).

    Raises:
        ValueError: an image without integer ``sequence`` and ``frame``
            (e.g. a json from an older version: convert again).
    """
    with open(coco_ann_file) as f:
        images = json.load(f)['images']
    out = {}
    for image in images:
        seq, frame = image.get('sequence'), image.get('frame')
        if not (isinstance(seq, int) and isinstance(frame, int)):
            raise ValueError(
                f'{coco_ann_file}: image {image.get("id")} ({image.get("file_name")}) has '
                'no integer sequence/frame fields; write the file with '
                'convert_minirgbd_to_coco (tools/dataset_converters/minirgbd_to_coco.py)')
        out[image['id']] = (seq, frame)
    return out
