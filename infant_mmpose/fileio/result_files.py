"""Result files passed between pipeline stages: detections and 2D predictions.

Both are COCO *results* files (a JSON list of records, the layout
MMDetection's and MMPose's ``CocoMetric(format_only=True)`` dump and
pycocotools' ``COCO.loadRes`` reads), one record per frame, with the frame's
``sequence`` and ``frame`` as fields and ``image_id`` =
:func:`.minirgbd_reader.frame_image_id`, the id of the frame in the COCO json
of :func:`.minirgbd_coco.convert_minirgbd_to_coco`. Written atomically.

Detections (detector -> 2D data set), usable as MMPose's ``bbox_file``::

    [{"image_id": 1100000, "category_id": 1, "bbox": [x, y, w, h],
      "score": 0.98, "sequence": 11, "frame": 0, "detected": true}, ...]

``bbox`` is the top-scoring box in pixels, ``w = x2 - x1``. A frame the
detector found no infant in has ``"detected": false``, the whole image as box
(``[0, 0, W - 1, H - 1]``) and score 0, the box the thesis evaluates such a
frame on, so MMPose's own ``bbox_file`` reader crops it the same way; a frame
with no record at all was not processed (an error where it is needed).

2D predictions (2D model -> lifting data set)::

    [{"image_id": 1100000, "category_id": 1,
      "keypoints": [x1, y1, s1, x2, y2, s2, ...], "score": 0.81,
      "sequence": 11, "frame": 0, "keypoint_definition": "mpii16"}, ...]

``keypoints`` in pixels with each joint's score (COCO's flat layout), in the
keypoint definition every record names; ``score`` is the mean joint score.

Loaders validate everything and raise :class:`ResultFileError` naming the
file and the offending record instead of failing later inside a pipeline.
The JSON-object files of earlier versions (``infant_mmpose.detections.v1``,
``infant_mmpose.pose2d.v1``) are refused with an error naming the new layout.
"""
import json
import math
import os.path as osp
from typing import Any, Dict, Iterable, List, Tuple

from .atomic import atomic_write_json
from .minirgbd_reader import IMAGE_SIZE, frame_image_id

#: ``category_id`` of every record (the COCO json's infant / person class).
CATEGORY_ID = 1

FrameKey = Tuple[int, int]  # (sequence, frame)

_LAYOUTS = dict(
    detections='a JSON list of COCO detection results {image_id, category_id, '
               'bbox [x, y, w, h], score, sequence, frame, detected}',
    predictions='a JSON list of COCO keypoint results {image_id, category_id, '
                'keypoints [x, y, score] * K, score, sequence, frame, keypoint_definition}')


class ResultFileError(ValueError):
    """A detections / predictions file that cannot be used, with the reason."""


def _read_records(path: str, kind: str) -> List[Any]:
    if not osp.isfile(path):
        raise ResultFileError(f'{path}: file not found')
    try:
        with open(path) as f:
            payload = json.load(f)
    except json.JSONDecodeError as err:
        raise ResultFileError(f'{path}: not valid JSON ({err})') from None
    if not isinstance(payload, list):
        found = payload.get('format') if isinstance(payload, dict) else None
        found = f'a {found!r} file from an earlier version' if found else \
            f'a JSON {type(payload).__name__}'
        raise ResultFileError(f'{path}: expected {kind} as {_LAYOUTS[kind]}, found {found} '
                              '(re-run the stage that wrote it)')
    return payload


def _frame_key(path: str, index: int, seen: Dict[FrameKey, Any], record: Any) -> FrameKey:
    """The record's (sequence, frame), checked against its image id and
    against the keys already in ``seen``."""
    if not isinstance(record, dict):
        raise ResultFileError(f'{path}: record {index} is not an object')
    try:
        seq, frame, image_id = record['sequence'], record['frame'], record['image_id']
    except KeyError as err:
        raise ResultFileError(f'{path}: record {index} has no {err.args[0]!r}') from None
    if not (isinstance(seq, int) and isinstance(frame, int)) or frame < 0:
        raise ResultFileError(f'{path}: record {index}: sequence/frame must be '
                              f'non-negative integers, got {seq!r}/{frame!r}')
    try:
        expected = frame_image_id(seq, frame)
    except ValueError as err:
        raise ResultFileError(f'{path}: record {index}: {err}') from None
    if image_id != expected:
        raise ResultFileError(f'{path}: record {index}: image_id {image_id!r} is not the id '
                              f'{expected} of sequence {seq} frame {frame}')
    if record.get('category_id') != CATEGORY_ID:
        raise ResultFileError(f'{path}: record {index}: category_id must be {CATEGORY_ID}, '
                              f'got {record.get("category_id")!r}')
    if (seq, frame) in seen:
        raise ResultFileError(f'{path}: two records for sequence {seq} frame {frame}')
    return seq, frame


def _numbers(path: str, index: int, name: str, values: Any, length: int = None) -> List[float]:
    ok = isinstance(values, list) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        for v in values)
    if not ok or (length is not None and len(values) != length):
        want = f'{length} finite numbers' if length else 'a list of finite numbers'
        raise ResultFileError(f'{path}: record {index}: {name!r} must be {want}, got {values!r}')
    return [float(v) for v in values]


# ------------------------------------------------------------------ detections
def save_detections(path: str, records: Iterable[Dict[str, Any]],
                    image_size: Tuple[int, int] = IMAGE_SIZE) -> None:
    """Write detections; each record ``{sequence, frame, bbox, score}`` with
    ``bbox`` xyxy px, or None when nothing was detected (written as the
    whole ``image_size = (width, height)`` image with score 0)."""
    out = []
    for r in records:
        seq, frame = int(r['sequence']), int(r['frame'])
        bbox = r.get('bbox')
        detected = bbox is not None
        if detected:
            x1, y1, x2, y2 = (float(v) for v in bbox)
            score = float(r.get('score', 0.0))
        else:
            x1, y1, x2, y2 = 0.0, 0.0, float(image_size[0] - 1), float(image_size[1] - 1)
            score = 0.0
        # w = x2 - x1 in float64 of float32 corners: x + w gives x2 back exactly
        out.append(dict(image_id=frame_image_id(seq, frame), category_id=CATEGORY_ID,
                        bbox=[x1, y1, x2 - x1, y2 - y1], score=score,
                        sequence=seq, frame=frame, detected=detected))
    atomic_write_json(path, out)


def load_detections(path: str) -> Dict[FrameKey, Dict[str, Any]]:
    """Read and validate a detections file.

    Returns:
        ``{(sequence, frame): {'bbox': [x1, y1, x2, y2], 'score': float,
        'detected': bool}}``, boxes in px (xyxy, computed in float64 so that
        float32 corners come back exactly); frames without a detection have
        ``detected`` False (box = the whole image, score 0, as written).

    Raises:
        ResultFileError: missing file, bad JSON, not a list (e.g. a file of
            an earlier version), malformed or duplicate records, image ids
            that are not the frame's, boxes with negative width or height.
    """
    out = {}
    for i, rec in enumerate(_read_records(path, 'detections')):
        key = _frame_key(path, i, out, rec)
        x, y, w, h = _numbers(path, i, 'bbox', rec.get('bbox'), 4)
        if w < 0 or h < 0:
            raise ResultFileError(f'{path}: record {i}: bbox {rec["bbox"]} has a negative '
                                  'width or height')
        score = rec.get('score', 0.0)
        _numbers(path, i, 'score', [score])
        detected = rec.get('detected', True)
        if not isinstance(detected, bool):
            raise ResultFileError(f'{path}: record {i}: detected must be true or false, '
                                  f'got {detected!r}')
        out[key] = dict(bbox=[x, y, x + w, y + h], score=float(score), detected=detected)
    return out


# -------------------------------------------------------------- 2D predictions
def save_pose2d_predictions(path: str, records: Iterable[Dict[str, Any]],
                            keypoint_definition: str) -> None:
    """Write 2D predictions; records ``{sequence, frame, keypoints (K,2) px, scores (K,)}``."""
    out = []
    for r in records:
        kpts = [[float(x), float(y)] for x, y in r['keypoints']]
        scores = [float(s) for s in r['scores']]
        if len(scores) != len(kpts):
            raise ValueError(f'sequence {r["sequence"]} frame {r["frame"]}: '
                             f'{len(kpts)} keypoints but {len(scores)} scores')
        seq, frame = int(r['sequence']), int(r['frame'])
        out.append(dict(image_id=frame_image_id(seq, frame), category_id=CATEGORY_ID,
                        keypoints=[v for (x, y), s in zip(kpts, scores) for v in (x, y, s)],
                        score=sum(scores) / len(scores) if scores else 0.0,
                        sequence=seq, frame=frame,
                        keypoint_definition=str(keypoint_definition)))
    atomic_write_json(path, out)


def load_pose2d_predictions(path: str) -> Tuple[str, Dict[FrameKey, Dict[str, List]]]:
    """Read and validate a 2D-predictions file.

    Returns:
        ``(keypoint_definition, {(sequence, frame): {'keypoints': [[x, y]] * K,
        'scores': [s] * K}})``; every record has the same K and definition.

    Raises:
        ResultFileError: missing file, bad JSON, not a list (e.g. a file of
            an earlier version), no records, no or differing definition
            names, malformed, inconsistent or duplicate records.
    """
    records = _read_records(path, 'predictions')
    if not records:
        raise ResultFileError(f'{path}: no predictions (so no keypoint definition either)')
    out, num, definition = {}, None, None
    for i, rec in enumerate(records):
        key = _frame_key(path, i, out, rec)
        name = rec.get('keypoint_definition')
        if not isinstance(name, str) or not name:
            raise ResultFileError(f'{path}: record {i}: missing the keypoint_definition name')
        definition = name if definition is None else definition
        if name != definition:
            raise ResultFileError(f'{path}: record {i} is in keypoint definition {name!r}, '
                                  f'earlier records in {definition!r}')
        flat = rec.get('keypoints')
        if not isinstance(flat, list) or not flat:
            raise ResultFileError(f'{path}: record {i}: keypoints must be a non-empty list')
        if len(flat) % 3:
            raise ResultFileError(f'{path}: record {i}: keypoints must be [x, y, score] * K, '
                                  f'got {len(flat)} numbers')
        flat = _numbers(path, i, 'keypoints', flat)
        kpts = [flat[j:j + 2] for j in range(0, len(flat), 3)]
        scores = flat[2::3]
        num = len(kpts) if num is None else num
        if len(kpts) != num:
            raise ResultFileError(f'{path}: record {i} has {len(kpts)} keypoints, '
                                  f'earlier records {num}')
        out[key] = dict(keypoints=kpts, scores=scores)
    return definition, out
