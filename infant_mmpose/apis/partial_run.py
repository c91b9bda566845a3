"""Frame rows of a run in progress, kept on disk so that a run can resume.

A long video takes hours on a CPU. While it runs, every finished batch of
frames is appended to ``<out_dir>/<name>.partial.jsonl`` (one JSON line per
frame, flushed to disk per batch) after a header line naming the input and
the settings. When the run ends the final files are written and this file
is removed; when it is interrupted the file stays, and ``run(...,
resume=True)`` reads it back and continues after its last frame.

Rows are the inferencer's raw per-frame results (before any smoothing,
which needs the whole series): frame index and name, status, flags, box and
score, 2D keypoints and scores, image size and, when the lifter already ran
per batch, 3D keypoints.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

PARTIAL_FORMAT = 'infant_mmpose.partial_run.v1'
#: Array fields of a row table and their per-frame shapes (K joints).
ARRAY_FIELDS = ('bboxes', 'bbox_scores', 'keypoints_2d', 'keypoint_scores',
                'image_sizes', 'keypoints_3d')
LIST_FIELDS = ('frame_index', 'names', 'status', 'flags')


def partial_path(out_dir: str, stem: str) -> str:
    return osp.join(out_dir, f'{stem}.partial.jsonl')


def concat_rows(tables: List[dict]) -> Optional[dict]:
    """One row table from several (None when there are none)."""
    if not tables:
        return None
    out = {key: [v for t in tables for v in t[key]] for key in LIST_FIELDS}
    for key in ARRAY_FIELDS:
        parts = [t[key] for t in tables]
        out[key] = (None if any(p is None for p in parts)
                    else np.concatenate(parts, axis=0))
    return out


def _plain(value):
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _array(values, shape_tail) -> np.ndarray:
    arr = np.array([[np.nan if v is None else v for v in np.ravel(
        np.asarray(row, dtype=object))] for row in values], dtype=np.float64)
    return arr.reshape((len(values), ) + tuple(shape_tail))


class PartialRunWriter:
    """Appends finished rows to the partial file (see the module docstring).

    Args:
        path: the ``.partial.jsonl`` file.
        header: input and settings; a resumed run must match it.
        append: continue an existing file (resume) instead of starting one.
    """

    def __init__(self, path: str, header: dict, append: bool = False):
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        self.path = path
        self._file = open(path, 'a' if append else 'w', encoding='utf-8')
        if not append:
            self._file.write(json.dumps(dict(format=PARTIAL_FORMAT,
                                             header=header)) + '\n')
            self._sync()

    def append(self, rows: dict) -> None:
        """Write a row table's frames and flush them to disk."""
        for i in range(len(rows['frame_index'])):
            line = {key: _plain(rows[key][i]) for key in LIST_FIELDS}
            for key in ARRAY_FIELDS:
                line[key] = (None if rows[key] is None else
                             _plain(np.asarray(rows[key][i])))
            self._file.write(json.dumps(line) + '\n')
        self._sync()

    def _sync(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self, remove: bool = False) -> None:
        if not self._file.closed:
            self._file.close()
        if remove and osp.exists(self.path):
            os.remove(self.path)


def read_partial_run(path: str, header: dict, num_keypoints: int
                     ) -> Optional[Dict[str, object]]:
    """The rows of an interrupted run, or None when there is no file.

    A last line cut off by the interruption is ignored.

    Raises:
        ValueError: the file is not a partial run, or it was written for
            another input or with other settings (naming the difference).
    """
    if not osp.isfile(path):
        return None
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    try:
        head = json.loads(lines[0])
    except (json.JSONDecodeError, IndexError):
        head = {}
    if head.get('format') != PARTIAL_FORMAT:
        raise ValueError(f'{path} is not a partial inference run '
                         f'({PARTIAL_FORMAT}); delete it or pass resume=False')
    old = json.loads(json.dumps(head.get('header')))
    new = json.loads(json.dumps(header))
    if old != new:
        diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        raise ValueError(f'{path} was written for another input or other '
                         f'settings (differs in {diff}); delete it or pass '
                         'resume=False')
    frames = []
    for line in lines[1:]:
        if not line.strip():
            continue
        try:
            frames.append(json.loads(line))
        except json.JSONDecodeError:
            break   # the interrupted last line
    if not frames:
        return None
    k = num_keypoints
    rows = {key: [f[key] for f in frames] for key in LIST_FIELDS}
    rows['flags'] = [tuple(f) for f in rows['flags']]
    shapes = dict(bboxes=(4, ), bbox_scores=(), keypoints_2d=(k, 2),
                  keypoint_scores=(k, ), image_sizes=(2, ),
                  keypoints_3d=(k, 3))
    for key in ARRAY_FIELDS:
        values = [f.get(key) for f in frames]
        rows[key] = (None if any(v is None for v in values) and key ==
                     'keypoints_3d' else _array(
                         [v if v is not None else [None] * int(np.prod(
                             shapes[key]) or 1) for v in values], shapes[key]))
    return rows
