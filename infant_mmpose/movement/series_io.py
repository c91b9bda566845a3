"""Read the inferencer's result files (NPZ, JSON, CSV) back as a PoseSeries.

The three formats are those written by :mod:`infant_mmpose.apis.writers`;
any of them gives the same :class:`~infant_mmpose.apis.pose_series.PoseSeries`
(the CSV lacks the boxes, the skeleton and the frame names, which the
movement features do not use).
"""
import json
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np

from infant_mmpose.apis.pose_series import STATUSES, PoseSeries

READABLE_EXTENSIONS = ('.npz', '.json', '.csv')


class SeriesFileError(ValueError):
    """A result file that cannot be read as a keypoint series; the message
    names the file and the reason."""

    def __init__(self, path: str, reason: str):
        super().__init__(f'{path}: {reason}')
        self.path = path
        self.reason = reason


def load_pose_series(path: str) -> PoseSeries:
    """Read an inferencer result file (``.npz``, ``.json`` or ``.csv``).

    Raises:
        SeriesFileError: missing file, unknown extension, a file that is not
            an inferencer result, or one without 3D keypoints.
    """
    if not osp.isfile(path):
        raise SeriesFileError(path, 'no such file')
    ext = osp.splitext(path)[1].lower()
    readers = {'.npz': _read_npz, '.json': _read_json, '.csv': _read_csv}
    if ext not in readers:
        raise SeriesFileError(path, f'unknown extension {ext!r}; expected one '
                              f'of {READABLE_EXTENSIONS} (inferencer outputs)')
    try:
        series = readers[ext](path)
    except SeriesFileError:
        raise
    except (KeyError, ValueError, TypeError, IndexError, OSError,
            json.JSONDecodeError) as err:
        raise SeriesFileError(path, f'not a readable inferencer {ext} file '
                              f'({type(err).__name__}: {err})') from err
    if series.keypoints_3d is None or not np.isfinite(
            series.keypoints_3d).any():
        raise SeriesFileError(path, 'has no 3D keypoints (was the inferencer '
                              'run without a lifter?)')
    return series


def _read_npz(path: str) -> PoseSeries:
    with np.load(path, allow_pickle=False) as z:
        if 'joint_names' not in z or 'status' not in z:
            raise SeriesFileError(path, 'an NPZ without joint_names/status '
                                  'arrays is not an inferencer result')
        a = {k: z[k] for k in z.files}
    num = len(a['frame_index'])
    return PoseSeries(
        frame_index=a['frame_index'], time_s=a['time_s'].astype(np.float64),
        frame_names=[str(n) for n in a.get('frame_names', [''] * num)],
        status=[str(s) for s in a['status']], flags=[()] * num,
        bboxes=a.get('bboxes', np.full((num, 4), np.nan)),
        bbox_scores=a.get('bbox_scores', np.full(num, np.nan)),
        keypoints_2d=a['keypoints_2d'], keypoint_scores=a['keypoint_scores'],
        keypoints_3d=a.get('keypoints_3d'),
        joint_names=[str(n) for n in a['joint_names']],
        keypoint_definition=str(a.get('keypoint_definition', '')),
        skeleton=[tuple(p) for p in a.get('skeleton', np.zeros((0, 2), int))],
        fps=float(a.get('fps', 30.0)), source=path,
        image_sizes=a.get('image_sizes'))


def _array(rows: Sequence, shape) -> np.ndarray:
    """Nested lists, None for a missing value -> float array of ``shape``."""
    out = np.array([[np.nan if v is None else v for v in _flat(r)]
                    for r in rows], dtype=np.float64)
    return out.reshape(shape)


def _flat(value) -> List:
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in _flat(v)]
    return [value]


def _read_json(path: str) -> PoseSeries:
    with open(path, encoding='utf-8') as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or 'frames' not in doc or 'meta' not in doc:
        raise SeriesFileError(path, 'a JSON without "meta" and "frames" is '
                              'not an inferencer result')
    meta, frames = doc['meta'], doc['frames']
    names = list(meta['joint_names'])
    num, k = len(frames), len(names)
    inst = [f['instances'][0] if f.get('instances') else {} for f in frames]
    missing_kp = [None] * k
    has_3d = any('keypoints_3d' in i for i in inst)
    return PoseSeries(
        frame_index=np.array([f['frame_id'] for f in frames], dtype=np.int64),
        time_s=np.array([f['time'] for f in frames], dtype=np.float64),
        frame_names=[f.get('frame_name', '') for f in frames],
        status=[f['status'] for f in frames],
        flags=[tuple(f.get('flags', ())) for f in frames],
        bboxes=_array([i.get('bbox', [[None] * 4]) for i in inst], (num, 4)),
        bbox_scores=_array([[i.get('bbox_score')] for i in inst], (num, )),
        keypoints_2d=_array([i.get('keypoints', [[None] * 2] * k)
                             for i in inst], (num, k, 2)),
        keypoint_scores=_array([i.get('keypoint_scores', missing_kp)
                                for i in inst], (num, k)),
        keypoints_3d=_array([i.get('keypoints_3d', [[None] * 3] * k)
                             for i in inst], (num, k, 3)) if has_3d else None,
        joint_names=names,
        keypoint_definition=meta.get('keypoint_definition', ''),
        skeleton=[tuple(p) for p in meta.get('skeleton', [])],
        fps=float(meta.get('fps', 30.0)), source=path)


def _read_csv(path: str) -> PoseSeries:
    import pandas as pd
    table = pd.read_csv(path, keep_default_na=True)
    needed = ['frame', 'time', 'joint', 'x', 'y', 'score', 'X', 'Y', 'Z',
              'status']
    absent = [c for c in needed if c not in table.columns]
    if absent:
        raise SeriesFileError(path, f'CSV lacks the columns {absent} of an '
                              'inferencer time series')
    if table.empty:
        raise SeriesFileError(path, 'CSV has no rows')
    frames = table['frame'].to_numpy()
    starts = np.flatnonzero(np.r_[True, frames[1:] != frames[:-1]])
    names = [str(n) for n in table['joint'].to_numpy()[
        starts[0]:(starts[1] if len(starts) > 1 else len(table))]]
    k, num = len(names), len(starts)
    if len(table) != k * num or not all(
            list(table['joint'].to_numpy()[s:s + k]) == names for s in starts):
        raise SeriesFileError(path, f'CSV rows are not {k} joints per frame '
                              'in a fixed order')

    def grid(cols) -> np.ndarray:
        return table[cols].to_numpy(dtype=np.float64).reshape(
            num, k, len(cols))

    time_s = table['time'].to_numpy(dtype=np.float64)[starts]
    index = frames[starts].astype(np.int64)
    status = [str(s) for s in table['status'].to_numpy()[starts]]
    bad = sorted(set(status) - set(STATUSES))
    if bad:
        raise SeriesFileError(path, f'unknown status values {bad}')
    return PoseSeries(
        frame_index=index, time_s=time_s, frame_names=[''] * num,
        status=status, flags=[()] * num, bboxes=np.full((num, 4), np.nan),
        bbox_scores=np.full(num, np.nan), keypoints_2d=grid(['x', 'y']),
        keypoint_scores=grid(['score'])[..., 0], keypoints_3d=grid(
            ['X', 'Y', 'Z']), joint_names=names,
        keypoint_definition=_definition_of(names) or '',
        fps=_fps_of(index, time_s) or 30.0, source=path)


def _fps_of(index: np.ndarray, time_s: np.ndarray) -> Optional[float]:
    """Frame rate from frame numbers and times (the CSV does not store it);
    over the whole span, so the times' 1 µs rounding hardly matters."""
    if len(index) < 2 or not time_s[-1] > time_s[0]:
        return None
    return float((index[-1] - index[0]) / (time_s[-1] - time_s[0]))


def _definition_of(names: List[str]) -> Optional[str]:
    """The known keypoint definition whose joint names are ``names``."""
    from infant_mmpose.structures.keypoint_definitions import (
        available_definitions, get_definition)
    for name in available_definitions():
        id2name = get_definition(name)['keypoint_id2name']
        if [id2name[i] for i in range(len(id2name))] == names:
            return name
    return None
