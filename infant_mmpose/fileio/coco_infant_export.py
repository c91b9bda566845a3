"""MINI-RGBD frames -> a COCO-keypoint infant data set in SyRIP's layout.

Public real-infant 2D data (SyRIP, the FiDIP benchmark) is distributed as a
COCO person-keypoints set::

    <out>/images/train_infant/*.jpg
    <out>/images/validate_infant/*.jpg
    <out>/annotations/person_keypoints_train_infant.json
    <out>/annotations/person_keypoints_validate_infant.json

:func:`export_coco_infant` writes the same layout from a MINI-RGBD root
(real or generated), so MMPose's own ``CocoDataset`` and ``CocoMetric`` run
on it exactly as on SyRIP (``configs/pose2d/td-hm_res50_coco-infant-256x192.py``).

Keypoints are the MINI-RGBD joints mapped to COCO-17 by the project's
mapping table (``minirgbd25 -> coco17``, :mod:`.keypoint_definitions`):
COCO joints MINI-RGBD has no joint for (eyes, ears) are unlabelled
(``v = 0``), never invented; a mapped joint is ``v = 2`` inside the image and
unlabelled outside it (MINI-RGBD has no occlusion labels). Boxes are the
padded foreground-mask boxes (the joints' box when a mask is empty), areas
the mask's pixel count (COCO's segment area, which OKS scales with).
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import cv2
import numpy as np

from ..structures.bbox import padded_mask_box
from ..structures.keypoint_definitions import get_definition
from ..structures.visibility import inside_image
from .atomic import atomic_write_json
from .minirgbd_reader import (IMAGE_SIZE, MASK_PATTERN, RGB_PATTERN,
                              MiniRGBDReader, frame_image_id, resolve_sequences)

#: SyRIP's split names -> the MINI-RGBD sequences exported into them by
#: default: training sequences, and the held-out test sequences (SyRIP's
#: ``validate`` set is FiDIP's test set).
DEFAULT_SPLITS: Dict[str, Union[str, Sequence[int]]] = dict(
    train='train', validate='test')
IMAGE_DIR = 'images/{split}_infant'
ANN_FILE = 'annotations/person_keypoints_{split}_infant.json'


def syrip_splits(sequences: Sequence[int]) -> Dict[str, List[int]]:
    """:data:`DEFAULT_SPLITS` restricted to ``sequences`` (those a root
    has): training sequences 1-8 -> ``train``, test sequences 11-12 ->
    ``validate``.

    Raises:
        ValueError: a split would get no sequence.
    """
    sequences = set(sequences)
    splits = {name: [s for s in resolve_sequences(seqs) if s in sequences]
              for name, seqs in DEFAULT_SPLITS.items()}
    empty = [name for name, seqs in splits.items() if not seqs]
    if empty:
        raise ValueError(
            f'a COCO-format infant set needs sequences for {empty}: '
            f'{", ".join(f"{n} <- {DEFAULT_SPLITS[n]!r}" for n in empty)} '
            f'(MINI-RGBD split), got sequences {sorted(sequences)}')
    return splits


def _person_category(definition: str) -> dict:
    """COCO's person category with the definition's names and skeleton
    (1-based joint ids, COCO's convention)."""
    meta = get_definition(definition)
    names = [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]
    skeleton = [[int(a) + 1, int(b) + 1] for a, b in meta['skeleton_links']]
    return dict(id=1, name='person', supercategory='person', keypoints=names,
                skeleton=skeleton)


def _mask_area(mask_path: str) -> Optional[float]:
    mask = cv2.imread(mask_path, cv2.IMREAD_GRAYSCALE)
    if mask is None:
        return None
    return float(np.count_nonzero(mask))


def export_coco_infant(data_root: str, out_dir: str,
                       splits: Optional[Dict[str, Union[str,
                                                        Sequence[int]]]] = None,
                       padding: float = 5.0, jpeg_quality: int = 95,
                       cache_dir: Optional[str] = None) -> Dict[str, dict]:
    """Write ``out_dir`` in SyRIP's layout from the frames of ``data_root``.

    Args:
        data_root: MINI-RGBD root (``01`` .. ``12``).
        out_dir: the COCO-format infant root (created).
        splits: SyRIP split name -> MINI-RGBD sequences (a split name such
            as ``'train'`` or a list of numbers); default
            :data:`DEFAULT_SPLITS`.
        padding: pixels around the mask box.
        jpeg_quality: JPEG quality of the copied frames (SyRIP ships JPEG).
        cache_dir: the MINI-RGBD reader's annotation cache folder.

    Returns:
        split -> ``dict(ann_file=..., img_dir=..., images=N,
        labelled_joints=M)`` (``M`` summed over the split's annotations).
    """
    from ..datasets.transforms.keypoint_mapping import KeypointMapping
    mapping = KeypointMapping('minirgbd25', 'coco17')
    category = _person_category('coco17')
    result = {}
    for split, sequences in (splits or DEFAULT_SPLITS).items():
        reader = MiniRGBDReader(data_root, sequences, cache_dir=cache_dir)
        img_dir = osp.join(out_dir, IMAGE_DIR.format(split=split))
        os.makedirs(img_dir, exist_ok=True)
        images, annotations = [], []
        for seq in reader.load(mask_boxes=True):
            for i, frame in enumerate(seq.frames.tolist()):
                uv = seq.joints_2d[i]
                mapped = mapping.transform(dict(
                    keypoints=uv[None].astype(np.float64),
                    keypoints_visible=inside_image(uv, IMAGE_SIZE)[None]))
                kpts = mapped['keypoints'][0]
                vis = mapped['keypoints_visible'][0] > 0
                box, _ = padded_mask_box(seq.mask_boxes[i], uv, padding, IMAGE_SIZE,
                                         seq.path(MASK_PATTERN, frame))
                x1, y1, x2, y2 = box.tolist()
                area = _mask_area(seq.path(MASK_PATTERN, frame))
                if not area:
                    area = (x2 - x1) * (y2 - y1)
                file_name = f'{seq.sequence:02d}_{frame:05d}.jpg'
                rgb = cv2.imread(seq.path(RGB_PATTERN, frame))
                if rgb is None or not cv2.imwrite(
                        osp.join(img_dir, file_name), rgb,
                        [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality]):
                    raise OSError(f'could not copy {seq.path(RGB_PATTERN, frame)}'
                                  f' to {img_dir}/{file_name}')
                image_id = frame_image_id(seq.sequence, frame)
                images.append(dict(id=image_id, file_name=file_name,
                                   width=IMAGE_SIZE[0], height=IMAGE_SIZE[1]))
                flat = np.zeros((len(kpts), 3))
                flat[vis, :2] = kpts[vis]
                flat[vis, 2] = 2
                annotations.append(dict(
                    id=len(annotations) + 1, image_id=image_id,
                    category_id=category['id'], iscrowd=0,
                    bbox=[x1, y1, x2 - x1, y2 - y1], area=area,
                    num_keypoints=int(vis.sum()),
                    keypoints=[round(float(v), 3) for v in flat.ravel()]))
        ann_file = osp.join(out_dir, ANN_FILE.format(split=split))
        atomic_write_json(ann_file, dict(
            info=dict(description=(
                f'MINI-RGBD {reader.data_root} sequences {reader.sequences} '
                'in COCO-17 (minirgbd25 -> coco17 mapping; eyes and ears '
                'unlabelled)')),
            images=images, annotations=annotations, categories=[category]))
        result[split] = dict(ann_file=ann_file, img_dir=img_dir,
                             images=len(images), labelled_joints=int(sum(
                                 a['num_keypoints'] for a in annotations)))
    return result
