"""Generate small MPI-INF-3DHP releases in the raw file formats.

For tests and the quickstart (no real data can be downloaded): random but
geometrically consistent 28-joint skeletons (a standing adult, randomly
turned, moved and with jittered joints) seen by 14 pinhole cameras on a ring.
Every 3D joint is in millimetres in each camera's coordinates and every 2D
joint is its exact projection with that camera's intrinsics, which are
written to ``camera.calibration`` (training release).

Layout written (FACTS section 3)::

    out_dir/S{s}/Seq{q}/annot.mat           MATLAB v5: annot2, annot3,
                                             univ_annot3 (14 x 1 cells),
                                             frames, cameras
    out_dir/S{s}/Seq{q}/camera.calibration  Skeletool text, 14 cameras
    out_dir/TS{t}/annot_data.mat            MATLAB v7.3 (HDF5): annot2
                                             (N,1,17,2), annot3 (N,1,17,3),
                                             univ_annot3, valid_frame (N,1)
"""
import os
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from ..structures.keypoint_definitions import mapping_table
from ..fileio.mpi_inf_3dhp_cache import TEST_IMAGE_SIZES
from ..fileio.mpi_inf_3dhp_readers import CALIBRATION_HEADER, NUM_TRAIN_CAMERAS

#: A standing adult in the 28-joint order, pelvis at the origin, mm;
#: x = the person's left, y = down, z = forward.
_TEMPLATE_28 = np.array(
    [
        [0, -300, 0], [0, -400, 0], [0, -200, 0], [0, -100, 0],  # spine3..
        [0, 0, 0], [0, -520, 10], [0, -600, 30], [0, -720, 10],  # pelvis..
        [80, -430, 0], [180, -450, 0], [200, -180, 10],  # left clav/sh/elb
        [210, 60, 30], [215, 140, 40],  # left wrist, hand
        [-80, -430, 0], [-180, -450, 0], [-200, -180, 10],  # right
        [-210, 60, 30], [-215, 140, 40],
        [100, 0, 0], [110, 430, 20], [110, 850, 0], [110, 900, 80],
        [110, 910, 160],  # left hip, knee, ankle, foot, toe
        [-100, 0, 0], [-110, 430, 20], [-110, 850, 0], [-110, 900, 80],
        [-110, 910, 160],
    ],
    dtype=np.float64)
_MATLAB_73_HEADER = (b'MATLAB 7.3 MAT-file, Platform: GLNXA64, '
                     b'Created by: infant_mmpose synthetic generator '
                     b'HDF5 schema 1.00 .')


def _rotation_y(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def random_poses(num_frames: int, rng: np.random.Generator) -> np.ndarray:
    """(num_frames, 28, 3) world-space skeletons in mm (y down)."""
    poses = np.empty((num_frames, 28, 3))
    for i in range(num_frames):
        jitter = rng.normal(0, 25, size=(28, 3))
        turned = (_TEMPLATE_28 + jitter) @ _rotation_y(
            rng.uniform(-np.pi, np.pi)).T
        poses[i] = turned + rng.uniform([-300, -50, -300], [300, 50, 300])
    return poses


def ring_cameras(num_cameras: int, rng: np.random.Generator,
                 size=(2048, 2048)) -> List[dict]:
    """Cameras on a ring of radius about 4 m looking at the origin.

    Each dict has ``K`` (3, 3), ``R`` (3, 3), ``T`` (3,) mm with
    ``X_cam = R @ X_world + T``, and ``w``, ``h``.
    """
    cameras = []
    down = np.array([0.0, 1.0, 0.0])
    for k in range(num_cameras):
        angle = 2 * np.pi * k / num_cameras
        radius = rng.uniform(3500, 4500)
        centre = np.array([radius * np.sin(angle), -rng.uniform(200, 1200),
                           radius * np.cos(angle)])
        forward = -centre / np.linalg.norm(centre)
        x_axis = np.cross(down, forward)
        x_axis /= np.linalg.norm(x_axis)
        y_axis = np.cross(forward, x_axis)
        rot = np.stack([x_axis, y_axis, forward])
        focal = rng.uniform(1400, 1600, size=2)
        principal = np.array(size) / 2 + rng.uniform(-20, 20, size=2)
        intrinsics = np.array([[focal[0], 0, principal[0]],
                               [0, focal[1], principal[1]], [0, 0, 1]])
        cameras.append(
            dict(K=intrinsics, R=rot, T=-rot @ centre, w=size[0], h=size[1]))
    return cameras


def project(points_cam: np.ndarray, intrinsics: np.ndarray) -> np.ndarray:
    """Pinhole projection of (..., 3) camera-space points to (..., 2) px."""
    return (points_cam[..., :2] / points_cam[..., 2:3] *
            intrinsics[[0, 1], [0, 1]] + intrinsics[[0, 1], [2, 2]])


def write_camera_calibration(path: str, cameras: List[dict]) -> None:
    """Write cameras in the Skeletool ``camera.calibration`` format."""

    def numbers(matrix):
        return ' '.join(f'{v:.10g}' for v in np.ravel(matrix))

    lines = [CALIBRATION_HEADER]
    for k, cam in enumerate(cameras):
        intrinsic = np.eye(4)
        intrinsic[:3, :3] = cam['K']
        extrinsic = np.eye(4)
        extrinsic[:3, :3], extrinsic[:3, 3] = cam['R'], cam['T']
        lines += [
            f'name          {k}', '  sensor      10 10',
            f'  size        {cam["w"]} {cam["h"]}', '  animated    0',
            f'  intrinsic   {numbers(intrinsic)} ',
            f'  extrinsic   {numbers(extrinsic)} ', '  radial      0'
        ]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')


def _cell(arrays: List[np.ndarray]) -> np.ndarray:
    cell = np.empty((len(arrays), 1), dtype=object)
    for k, array in enumerate(arrays):
        cell[k, 0] = array
    return cell


def write_training_sequence(folder: str, num_frames: int,
                            rng: np.random.Generator) -> None:
    """One ``S*/Seq*`` folder: ``annot.mat`` and ``camera.calibration``."""
    from scipy.io import savemat
    os.makedirs(folder, exist_ok=True)
    cameras = ring_cameras(NUM_TRAIN_CAMERAS, rng)
    poses = random_poses(num_frames, rng)
    annot2, annot3 = [], []
    for cam in cameras:
        points = poses @ cam['R'].T + cam['T']
        annot3.append(points.reshape(num_frames, -1))
        annot2.append(project(points, cam['K']).reshape(num_frames, -1))
    savemat(
        osp.join(folder, 'annot.mat'),
        dict(
            annot2=_cell(annot2),
            annot3=_cell(annot3),
            # height-normalised skeleton: not used by the readers
            univ_annot3=_cell([a * 0.9 for a in annot3]),
            frames=np.arange(num_frames, dtype=np.float64)[:, None],
            cameras=np.arange(NUM_TRAIN_CAMERAS, dtype=np.float64)[None]),
        do_compression=True)  # as MATLAB's default (-v7) save format
    write_camera_calibration(osp.join(folder, 'camera.calibration'), cameras)


def write_test_sequence(folder: str, test_subject: int, num_frames: int,
                        rng: np.random.Generator,
                        invalid_frames: Sequence[int] = ()) -> None:
    """One ``TS*`` folder with ``annot_data.mat`` (HDF5, 17 joints)."""
    import h5py
    os.makedirs(folder, exist_ok=True)
    size = TEST_IMAGE_SIZES.get(test_subject, (2048, 2048))
    cam = ring_cameras(1, rng, size=size)[0]
    subset = mapping_table('mpi_inf_3dhp28', 'mpi_inf_3dhp17')
    points = (random_poses(num_frames, rng) @ cam['R'].T + cam['T'])[:, subset]
    valid = np.ones((num_frames, 1))
    valid[list(invalid_frames)] = 0
    path = osp.join(folder, 'annot_data.mat')
    with h5py.File(path, 'w', userblock_size=512) as h5:
        h5['annot2'] = project(points, cam['K'])[:, None]
        h5['annot3'] = points[:, None]
        h5['univ_annot3'] = points[:, None] * 0.9
        h5['valid_frame'] = valid
        h5['activity_annotation'] = np.ones((num_frames, 1))
    with open(path, 'r+b') as f:  # MATLAB's v7.3 text header in the userblock
        f.write(_MATLAB_73_HEADER[:116].ljust(116))


def generate_mpi_inf_3dhp(out_dir: str,
                          subjects: Sequence[int] = (1, 2),
                          sequences: Sequence[int] = (1, ),
                          num_frames: int = 8,
                          test_subjects: Sequence[int] = (),
                          test_invalid_frames: Sequence[int] = (),
                          seed: int = 0) -> Dict[str, List[str]]:
    """Write a small raw MPI-INF-3DHP release under ``out_dir``.

    Args:
        out_dir: release root (``S*/`` and ``TS*/`` go directly under it;
            use separate roots for a training and a test release).
        subjects / sequences: training folders ``S{s}/Seq{q}`` to write.
        num_frames: frames per sequence (all 14 cameras see every frame).
        test_subjects: test folders ``TS{t}`` to write.
        test_invalid_frames: 0-based frames marked ``valid_frame = 0``.
        seed: random seed; the same arguments give the same files.

    Returns:
        ``{'annot': [...], 'calibration': [...], 'test_annot': [...]}`` paths.
    """
    rng = np.random.default_rng(seed)
    written = dict(annot=[], calibration=[], test_annot=[])
    for s in subjects:
        for q in sequences:
            folder = osp.join(out_dir, f'S{s}', f'Seq{q}')
            write_training_sequence(folder, num_frames, rng)
            written['annot'].append(osp.join(folder, 'annot.mat'))
            written['calibration'].append(
                osp.join(folder, 'camera.calibration'))
    for t in test_subjects:
        folder = osp.join(out_dir, f'TS{t}')
        write_test_sequence(folder, t, num_frames, rng, test_invalid_frames)
        written['test_annot'].append(osp.join(folder, 'annot_data.mat'))
    return written
