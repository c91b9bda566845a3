"""Readers for the MPI-INF-3DHP annotation files (formats in FACTS section 3).

* raw training release: ``S*/Seq*/annot.mat`` (MATLAB v5, cell arrays with one
  entry per camera, 14 cameras) and ``S*/Seq*/camera.calibration`` (text);
* raw test release: ``TS*/annot_data.mat`` (MATLAB v7.3 = HDF5);
* MMPose's preprocessed ``.npz`` (17 joints, 3D in metres).

Every reader returns plain NumPy arrays in one convention: 2D in pixels,
3D in **millimetres** in camera coordinates, joints in the file's own order
(28 for ``annot.mat``, 17 otherwise). A file that cannot be parsed, or whose
contents do not have the documented shape, raises
:class:`MpiInf3dhpFormatError` naming the file.
"""
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

import numpy as np

#: Joint counts of the two MPI-INF-3DHP definitions.
NUM_JOINTS_RAW = 28
NUM_JOINTS_TEST = 17
#: Cameras in the raw training release (cell array length).
NUM_TRAIN_CAMERAS = 14
CALIBRATION_HEADER = 'Skeletool Camera Calibration File V1.0'
_CALIBRATION_KEYS = ('sensor', 'size', 'animated', 'intrinsic', 'extrinsic',
                     'radial')


class MpiInf3dhpFormatError(ValueError):
    """An MPI-INF-3DHP file is unreadable, truncated or malformed."""

    def __init__(self, path: str, reason: str):
        super().__init__(f'{path}: {reason}')
        self.path = path


def _require_file(path: str) -> None:
    if not osp.isfile(path):
        raise FileNotFoundError(f'MPI-INF-3DHP file not found: {path}')


# --------------------------------------------------------------------------
# camera.calibration
# --------------------------------------------------------------------------
def read_camera_calibration(path: str) -> List[dict]:
    """Parse a Skeletool ``camera.calibration`` file.

    Returns:
        One dict per camera, in file order: ``name`` (str), ``w``, ``h``
        (image size, px), ``K`` (3, 3) intrinsics, ``R`` (3, 3) and ``T``
        (3,) mm, world -> camera (``X_cam = R @ X_world + T``), ``f`` (2,)
        and ``c`` (2,) px.
    """
    _require_file(path)
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = [line.strip() for line in f if line.strip()]
    if not lines or lines[0] != CALIBRATION_HEADER:
        raise MpiInf3dhpFormatError(
            path, f'first line must be {CALIBRATION_HEADER!r}')
    cameras: List[dict] = []
    fields: Optional[Dict[str, List[str]]] = None
    for number, line in enumerate(lines[1:], start=2):
        key, *values = line.split()
        if key == 'name':
            fields = {'name': values}
            cameras.append(fields)
        elif fields is None:
            raise MpiInf3dhpFormatError(
                path, f'line {number}: {key!r} before the first "name" line')
        else:
            fields[key] = values
    if not cameras:
        raise MpiInf3dhpFormatError(path, 'no camera blocks')
    return [_camera_from_fields(path, i, c) for i, c in enumerate(cameras)]


def _camera_from_fields(path: str, index: int, fields: dict) -> dict:
    missing = [k for k in _CALIBRATION_KEYS if k not in fields]
    if missing:
        raise MpiInf3dhpFormatError(
            path, f'camera {index} lacks {", ".join(missing)}')
    try:
        size = [float(v) for v in fields['size']]
        intrinsic = np.array(fields['intrinsic'], dtype=np.float64)
        extrinsic = np.array(fields['extrinsic'], dtype=np.float64)
    except ValueError as err:
        raise MpiInf3dhpFormatError(
            path, f'camera {index}: non-numeric value ({err})') from err
    if len(size) != 2 or intrinsic.size != 16 or extrinsic.size != 16:
        raise MpiInf3dhpFormatError(
            path, f'camera {index}: expected "size w h" and 16 numbers for '
            f'intrinsic and extrinsic, got {len(size)}, {intrinsic.size}, '
            f'{extrinsic.size}')
    intrinsic = intrinsic.reshape(4, 4)
    extrinsic = extrinsic.reshape(4, 4)
    return dict(
        name=' '.join(fields['name']),
        w=size[0],
        h=size[1],
        K=intrinsic[:3, :3],
        R=extrinsic[:3, :3],
        T=extrinsic[:3, 3],
        f=np.array([intrinsic[0, 0], intrinsic[1, 1]]),
        c=np.array([intrinsic[0, 2], intrinsic[1, 2]]))


# --------------------------------------------------------------------------
# annot.mat (raw training release)
# --------------------------------------------------------------------------
def _cells(path: str, mat: dict, name: str, columns: int,
           cameras: Sequence[int]) -> List[np.ndarray]:
    if name not in mat:
        raise MpiInf3dhpFormatError(path, f'no variable {name!r}')
    cells = np.asarray(mat[name])
    if cells.dtype != object:
        raise MpiInf3dhpFormatError(
            path, f'{name!r} must be a cell array (one entry per camera), '
            f'got a {cells.dtype} array of shape {cells.shape}')
    cells = cells.ravel()
    out = []
    for cam in cameras:
        if not 0 <= cam < len(cells):
            raise MpiInf3dhpFormatError(
                path, f'{name!r} has {len(cells)} cameras, camera {cam} '
                'was requested')
        data = np.asarray(cells[cam], dtype=np.float64)
        if data.ndim != 2 or data.shape[1] != columns:
            raise MpiInf3dhpFormatError(
                path, f'{name!r} camera {cam} has shape {data.shape}, '
                f'expected (N, {columns})')
        out.append(data)
    return out


def read_annot_mat(path: str, cameras: Sequence[int]) -> dict:
    """Read the given cameras of a raw training ``annot.mat``.

    Args:
        path: ``S*/Seq*/annot.mat``.
        cameras: 0-based camera indices into the cell arrays (0..13).

    Returns:
        dict with ``keypoints_2d``: list (one per camera) of (N, 28, 2) px,
        ``keypoints_3d``: list of (N, 28, 3) mm camera coordinates, and
        ``frames`` (N,) int frame numbers (0-based when the file has none).
    """
    from scipy.io import loadmat
    _require_file(path)
    try:
        mat = loadmat(path, variable_names=['annot2', 'annot3', 'frames'])
    except Exception as err:  # scipy raises many types for broken files
        raise MpiInf3dhpFormatError(
            path, f'cannot be read as a MATLAB v5 file '
            f'({type(err).__name__}: {err})') from err
    cameras = list(cameras)
    annot2 = _cells(path, mat, 'annot2', 2 * NUM_JOINTS_RAW, cameras)
    annot3 = _cells(path, mat, 'annot3', 3 * NUM_JOINTS_RAW, cameras)
    lengths = {a.shape[0] for a in annot2 + annot3}
    if len(lengths) != 1:
        raise MpiInf3dhpFormatError(
            path, f'cameras disagree on the frame count: {sorted(lengths)}')
    num_frames = lengths.pop()
    frames = np.asarray(mat.get('frames', np.arange(num_frames))).ravel()
    if frames.size != num_frames:
        raise MpiInf3dhpFormatError(
            path, f'"frames" has {frames.size} entries for {num_frames} '
            'annotated frames')
    return dict(
        keypoints_2d=[a.reshape(num_frames, -1, 2) for a in annot2],
        keypoints_3d=[a.reshape(num_frames, -1, 3) for a in annot3],
        frames=frames.astype(np.int64))


# --------------------------------------------------------------------------
# annot_data.mat (raw test release, HDF5)
# --------------------------------------------------------------------------
def _hdf5_joints(path: str, h5, name: str, dims: int) -> np.ndarray:
    if name not in h5:
        raise MpiInf3dhpFormatError(path, f'no dataset {name!r}')
    data = np.asarray(h5[name], dtype=np.float64)
    # documented layout (N, 1, 17, D); tolerate the squeezed (N, 17, D)
    if data.ndim == 4 and data.shape[1] == 1:
        data = data[:, 0]
    if data.ndim != 3 or data.shape[1:] != (NUM_JOINTS_TEST, dims):
        raise MpiInf3dhpFormatError(
            path, f'{name!r} has shape {np.shape(h5[name])}, expected '
            f'(N, 1, {NUM_JOINTS_TEST}, {dims})')
    return data


def read_test_annot(path: str) -> dict:
    """Read a raw test-release ``TS*/annot_data.mat`` (HDF5).

    Returns:
        dict with ``keypoints_2d`` (N, 17, 2) px, ``keypoints_3d``
        (N, 17, 3) mm camera coordinates and ``valid`` (N,) bool
        (``valid_frame``; invalid frames have no trustworthy annotation).
    """
    import h5py
    _require_file(path)
    try:
        with h5py.File(path, 'r') as h5:
            kpts_2d = _hdf5_joints(path, h5, 'annot2', 2)
            kpts_3d = _hdf5_joints(path, h5, 'annot3', 3)
            if 'valid_frame' not in h5:
                raise MpiInf3dhpFormatError(path, 'no dataset "valid_frame"')
            valid = np.asarray(h5['valid_frame']).ravel() > 0
    except MpiInf3dhpFormatError:
        raise
    except Exception as err:  # h5py raises OSError/KeyError for bad files
        raise MpiInf3dhpFormatError(
            path, f'cannot be read as a MATLAB v7.3 (HDF5) file '
            f'({type(err).__name__}: {err})') from err
    if not (len(kpts_2d) == len(kpts_3d) == len(valid)):
        raise MpiInf3dhpFormatError(
            path, f'frame counts differ: annot2 {len(kpts_2d)}, annot3 '
            f'{len(kpts_3d)}, valid_frame {len(valid)}')
    return dict(keypoints_2d=kpts_2d, keypoints_3d=kpts_3d, valid=valid)


# --------------------------------------------------------------------------
# MMPose preprocessed npz
# --------------------------------------------------------------------------
_IMGNAME_RE = re.compile(
    r'^(?:S(?P<subject>\d+)_Seq(?P<sequence>\d+)_Cam(?P<camera>\d+)'
    r'|TS(?P<test_subject>\d+))_(?P<frame>\d+)\.\w+$')


def parse_image_name(name: str) -> dict:
    """Split an MMPose MPI-INF-3DHP image name into its parts.

    ``'S4_Seq2_Cam0_001033.jpg'`` -> subject 4, sequence 2, camera 0,
    frame 1033, camera_key ``'S4_Seq2_Cam0'``; ``'TS1_002001.jpg'`` ->
    subject 1, sequence 0, camera 0, frame 2001, camera_key ``'TS1'``.

    Raises:
        ValueError: the name follows neither pattern.
    """
    match = _IMGNAME_RE.match(osp.basename(str(name)))
    if match is None:
        raise ValueError(f'not an MPI-INF-3DHP image name: {name!r}')
    frame = int(match['frame'])
    if match['test_subject'] is not None:
        subject = int(match['test_subject'])
        return dict(subject=subject, sequence=0, camera=0, frame=frame,
                    camera_key=f'TS{subject}', test=True)
    subject, sequence, camera = (int(match['subject']),
                                 int(match['sequence']), int(match['camera']))
    return dict(subject=subject, sequence=sequence, camera=camera,
                frame=frame, test=False,
                camera_key=f'S{subject}_Seq{sequence}_Cam{camera}')


def read_mmpose_npz(path: str) -> dict:
    """Read MMPose's preprocessed MPI-INF-3DHP ``.npz``.

    Returns:
        dict with ``imgname`` (N,) str, ``keypoints_2d`` (N, 17, 2) px,
        ``keypoints_2d_visible`` (N, 17), ``keypoints_3d`` (N, 17, 3) **mm**
        (the file's ``S`` is in metres), ``keypoints_3d_visible`` (N, 17),
        ``center`` (N, 2) px and ``scale`` (N,) (box size / 200).
    """
    _require_file(path)
    try:
        with np.load(path, allow_pickle=False) as npz:
            data = {k: npz[k] for k in npz.files}
    except Exception as err:  # zipfile/pickle/ValueError for bad files
        raise MpiInf3dhpFormatError(
            path, f'cannot be read as an npz file '
            f'({type(err).__name__}: {err})') from err
    missing = [k for k in ('imgname', 'part', 'S') if k not in data]
    if missing:
        raise MpiInf3dhpFormatError(
            path, f'missing arrays {missing}; an MMPose MPI-INF-3DHP npz has '
            'imgname, center, scale, part and S')
    num = len(data['imgname'])
    if (data['part'].shape != (num, NUM_JOINTS_TEST, 3)
            or data['S'].shape != (num, NUM_JOINTS_TEST, 4)):
        raise MpiInf3dhpFormatError(
            path, f'expected part ({num}, 17, 3) and S ({num}, 17, 4), got '
            f'{data["part"].shape} and {data["S"].shape}')
    return dict(
        imgname=data['imgname'].astype(str),
        keypoints_2d=data['part'][..., :2].astype(np.float32),
        keypoints_2d_visible=data['part'][..., 2].astype(np.float32),
        keypoints_3d=(data['S'][..., :3] * 1000.0).astype(np.float32),
        keypoints_3d_visible=data['S'][..., 3].astype(np.float32),
        center=data.get('center', np.zeros((num, 2))).astype(np.float32),
        scale=data.get('scale', np.zeros(num)).astype(np.float32))


def fit_intrinsics(keypoints_2d: np.ndarray,
                   keypoints_3d: np.ndarray) -> Dict[str, np.ndarray]:
    """Pinhole ``f`` (2,) and ``c`` (2,) in px that best project 3D to 2D.

    Least squares of ``u = fx * x / z + cx`` and ``v = fy * y / z + cy`` over
    all joints; used for the raw test release, which ships no calibration.
    """
    xyz = keypoints_3d.reshape(-1, 3)
    uv = keypoints_2d.reshape(-1, 2)
    keep = np.isfinite(xyz).all(1) & np.isfinite(uv).all(1) & (xyz[:, 2] > 0)
    if keep.sum() < 2:
        raise ValueError('need at least two joints in front of the camera')
    f, c = np.zeros(2), np.zeros(2)
    for axis in range(2):
        ratio = xyz[keep, axis] / xyz[keep, 2]
        design = np.stack([ratio, np.ones_like(ratio)], axis=1)
        (f[axis], c[axis]), *_ = np.linalg.lstsq(
            design, uv[keep, axis], rcond=None)
    return dict(f=f, c=c)
