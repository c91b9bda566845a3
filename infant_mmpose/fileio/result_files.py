"""Result files passed between pipeline stages: detections and 2D predictions.

Both are JSON with a ``format`` tag, written atomically (temp file +
``os.replace``) so a crashed writer never leaves half a file behind.

Detections (detector -> 2D data set)::

    {"format": "infant_mmpose.detections.v1",
     "detections": [{"sequence": 11, "frame": 0,
                     "bbox": [x1, y1, x2, y2] or null, "score": 0.98}, ...]}

``bbox`` is in pixels; null means the detector found no infant in that frame.

2D predictions (2D model -> lifting data set)::

    {"format": "infant_mmpose.pose2d.v1", "keypoint_definition": "mpii16",
     "predictions": [{"sequence": 11, "frame": 0,
                      "keypoints": [[x, y], ...], "scores": [...]}, ...]}

Loaders validate everything and raise :class:`ResultFileError` naming the
file and the offending record instead of failing later inside a pipeline.
"""
import json
import math
import os
import os.path as osp
from typing import Any, Dict, Iterable, List, Tuple

from .atomic import atomic_write_json

DETECTIONS_FORMAT = 'infant_mmpose.detections.v1'
POSE2D_FORMAT = 'infant_mmpose.pose2d.v1'

FrameKey = Tuple[int, int]  # (sequence, frame)


class ResultFileError(ValueError):
    """A detections / predictions file that cannot be used, with the reason."""


def _read_json(path: str, expected_format: str, list_key: str) -> Dict[str, Any]:
    if not osp.isfile(path):
        raise ResultFileError(f'{path}: file not found')
    try:
        with open(path) as f:
            payload = json.load(f)
    except json.JSONDecodeError as err:
        raise ResultFileError(f'{path}: not valid JSON ({err})') from None
    if not isinstance(payload, dict) or payload.get('format') != expected_format:
        found = payload.get('format') if isinstance(payload, dict) else type(payload).__name__
        raise ResultFileError(f'{path}: expected format {expected_format!r}, found {found!r}')
    if not isinstance(payload.get(list_key), list):
        raise ResultFileError(f'{path}: missing the {list_key!r} list')
    return payload


def _frame_key(path: str, index: int, record: Any) -> FrameKey:
    if not isinstance(record, dict):
        raise ResultFileError(f'{path}: record {index} is not an object')
    try:
        seq, frame = record['sequence'], record['frame']
    except KeyError as err:
        raise ResultFileError(f'{path}: record {index} has no {err.args[0]!r}') from None
    if not (isinstance(seq, int) and isinstance(frame, int)) or frame < 0:
        raise ResultFileError(f'{path}: record {index}: sequence/frame must be '
                              f'non-negative integers, got {seq!r}/{frame!r}')
    return seq, frame


def _numbers(path: str, index: int, name: str, values: Any, length: int = None) -> List[float]:
    ok = isinstance(values, list) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        for v in values)
    if not ok or (length is not None and len(values) != length):
        want = f'{length} finite numbers' if length else 'a list of finite numbers'
        raise ResultFileError(f'{path}: record {index}: {name!r} must be {want}, got {values!r}')
    return [float(v) for v in values]


def _check_unique(path: str, keys: Iterable[FrameKey]) -> None:
    seen = set()
    for key in keys:
        if key in seen:
            raise ResultFileError(f'{path}: two records for sequence {key[0]} frame {key[1]}')
        seen.add(key)


# ------------------------------------------------------------------ detections
def save_detections(path: str, records: Iterable[Dict[str, Any]]) -> None:
    """Write detections; each record ``{sequence, frame, bbox (xyxy px or None), score}``."""
    out = []
    for r in records:
        bbox = r.get('bbox')
        out.append(dict(sequence=int(r['sequence']), frame=int(r['frame']),
                        bbox=None if bbox is None else [float(v) for v in bbox],
                        score=float(r.get('score', 0.0))))
    atomic_write_json(path, dict(format=DETECTIONS_FORMAT, detections=out))


def load_detections(path: str) -> Dict[FrameKey, Dict[str, Any]]:
    """Read and validate a detections file.

    Returns:
        ``{(sequence, frame): {'bbox': [x1, y1, x2, y2] or None, 'score': float}}``.

    Raises:
        ResultFileError: missing file, bad JSON, wrong format tag, malformed
            or duplicate records, boxes with x2 < x1 or y2 < y1.
    """
    payload = _read_json(path, DETECTIONS_FORMAT, 'detections')
    out = {}
    keys = []
    for i, rec in enumerate(payload['detections']):
        key = _frame_key(path, i, rec)
        keys.append(key)
        bbox = rec.get('bbox')
        if bbox is not None:
            bbox = _numbers(path, i, 'bbox', bbox, 4)
            if bbox[2] < bbox[0] or bbox[3] < bbox[1]:
                raise ResultFileError(f'{path}: record {i}: bbox {bbox} has x2 < x1 or y2 < y1')
        score = rec.get('score', 0.0)
        _numbers(path, i, 'score', [score])
        out[key] = dict(bbox=bbox, score=float(score))
    _check_unique(path, keys)
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
        out.append(dict(sequence=int(r['sequence']), frame=int(r['frame']),
                        keypoints=kpts, scores=scores))
    atomic_write_json(path, dict(format=POSE2D_FORMAT,
                                  keypoint_definition=str(keypoint_definition),
                                  predictions=out))


def load_pose2d_predictions(path: str) -> Tuple[str, Dict[FrameKey, Dict[str, List]]]:
    """Read and validate a 2D-predictions file.

    Returns:
        ``(keypoint_definition, {(sequence, frame): {'keypoints': [[x, y]] * K,
        'scores': [s] * K}})``; every record has the same K.

    Raises:
        ResultFileError: missing file, bad JSON, wrong format tag, no
            definition name, malformed, inconsistent or duplicate records.
    """
    payload = _read_json(path, POSE2D_FORMAT, 'predictions')
    definition = payload.get('keypoint_definition')
    if not isinstance(definition, str) or not definition:
        raise ResultFileError(f'{path}: missing the keypoint_definition name')
    out, keys, num = {}, [], None
    for i, rec in enumerate(payload['predictions']):
        key = _frame_key(path, i, rec)
        keys.append(key)
        kpts = rec.get('keypoints')
        if not isinstance(kpts, list) or not kpts:
            raise ResultFileError(f'{path}: record {i}: keypoints must be a non-empty list')
        kpts = [_numbers(path, i, 'keypoints', p, 2) for p in kpts]
        scores = _numbers(path, i, 'scores', rec.get('scores'), len(kpts))
        num = len(kpts) if num is None else num
        if len(kpts) != num:
            raise ResultFileError(f'{path}: record {i} has {len(kpts)} keypoints, '
                                  f'earlier records {num}')
        out[key] = dict(keypoints=kpts, scores=scores)
    _check_unique(path, keys)
    return definition, out
