"""Parse the raw MPI-INF-3DHP releases once into a compact cache file.

Reading every ``annot.mat`` of the training release (about 130 000 frames
per camera set) takes minutes; the data set instead reads a cache ``.npz``
holding only the selected subjects / sequences / cameras as float32 arrays.
The cache records a fingerprint of its sources (path, size and modification
time of every annotation and calibration file, plus the selection) and is
rebuilt automatically when that fingerprint no longer matches.

The *annotation table* returned by :func:`load_or_build_cache` /
:func:`load_cache` has, for N frames (one per camera view) and M cameras:

* ``keypoints_2d`` (N, K, 2) float32 px, ``keypoints_3d`` (N, K, 3) float32
  mm in camera coordinates, K = 28 (training release) or 17 (test release);
* ``subject``, ``sequence`` (0 for the test release), ``camera``, ``frame``
  (0-based frame index in the source) as (N,) ints, ``imgname`` (N,) str
  in MMPose's naming (``S1_Seq1_Cam1_000001.jpg``, ``TS1_000001.jpg``; the
  number is 1-based like the released image files);
* ``cam_index`` (N,) into ``cam_key`` (M,) str, ``cam_f`` (M, 2),
  ``cam_c`` (M, 2) and ``cam_size`` (M, 2) = (w, h) px;
* ``definition``: ``'mpi_inf_3dhp28'`` or ``'mpi_inf_3dhp17'``.
"""
import glob
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmengine.logging import print_log

from .atomic import atomic_open

from .mpi_inf_3dhp_readers import (MpiInf3dhpFormatError, fit_intrinsics,
                                   read_annot_mat, read_camera_calibration,
                                   read_test_annot)

CACHE_FORMAT = 'infant_mmpose.mpi_inf_3dhp_cache.v1'
#: The thesis's subject split of the training release (FACTS section 3).
THESIS_SUBJECTS = {'train': [1, 2, 3, 4, 5, 6], 'val': [7, 8]}
#: The thesis's cameras: 1-8 (0-based cell indices; camera 0 skipped).
THESIS_CAMERAS = list(range(1, 9))
#: Image sizes (w, h) of the test sequences (FACTS section 3).
TEST_IMAGE_SIZES = {1: (2048, 2048), 2: (2048, 2048), 3: (2048, 2048),
                    4: (2048, 2048), 5: (1920, 1080), 6: (1920, 1080)}

Subjects = Optional[Union[str, Sequence[int]]]


def detect_release(root: str) -> str:
    """``'train'`` if ``root`` holds ``S*/Seq*/annot.mat``, ``'test'`` if it
    holds ``TS*/annot_data.mat``.

    Raises:
        FileNotFoundError: neither layout is present.
    """
    if glob.glob(osp.join(root, 'S*', 'Seq*', 'annot.mat')):
        return 'train'
    if glob.glob(osp.join(root, 'TS*', 'annot_data.mat')):
        return 'test'
    raise FileNotFoundError(
        f'{root} is not an MPI-INF-3DHP release: it has neither '
        'S*/Seq*/annot.mat (training) nor TS*/annot_data.mat (test)')


def _found_subjects(root: str, prefix: str) -> List[int]:
    pattern = re.compile(rf'^{prefix}(\d+)$')
    found = (pattern.match(name) for name in os.listdir(root))
    return sorted(int(m[1]) for m in found if m)


def resolve_subjects(root: str, release: str, subjects: Subjects) -> List[int]:
    """Subject numbers from a split name, an explicit list, or ``None``.

    ``'train'`` / ``'val'`` (training release only) are the thesis's split,
    S1-S6 / S7-S8, restricted to the subjects present under ``root`` (a
    partial download or a generated release); missing ones are logged.
    ``None`` means all present. An explicit list must all be present.
    """
    present = _found_subjects(root, 'S' if release == 'train' else 'TS')
    if subjects is None:
        return present
    if not isinstance(subjects, str):
        return sorted(int(s) for s in subjects)
    if release != 'train' or subjects not in THESIS_SUBJECTS:
        raise ValueError(
            f'subjects={subjects!r}: split names are '
            f'{sorted(THESIS_SUBJECTS)} (training release only)')
    wanted = THESIS_SUBJECTS[subjects]
    chosen = [s for s in wanted if s in present]
    if not chosen:
        raise FileNotFoundError(
            f'{root} has none of the {subjects!r} subjects S{wanted}')
    if len(chosen) < len(wanted):
        print_log(
            f'{root}: {subjects!r} split uses '
            f'{["S%d" % s for s in chosen]}; missing '
            f'{["S%d" % s for s in wanted if s not in present]}',
            logger='current')
    return chosen


def _sequences_of(root: str, subject: int,
                  sequences: Optional[Sequence[int]]) -> List[int]:
    """``sequences`` or, when ``None``, every ``Seq*`` folder of the
    subject."""
    if sequences is not None:
        return [int(q) for q in sequences]
    folder = osp.join(root, f'S{subject}')
    if not osp.isdir(folder):
        raise FileNotFoundError(f'MPI-INF-3DHP subject folder not found: '
                                f'{folder}')
    return _found_subjects(folder, 'Seq')


def _source_files(root: str, release: str, subjects: List[int],
                  sequences: Optional[Sequence[int]]) -> List[str]:
    if release == 'test':
        return [osp.join(root, f'TS{s}', 'annot_data.mat') for s in subjects]
    files = []
    for s in subjects:
        for q in _sequences_of(root, s, sequences):
            folder = osp.join(root, f'S{s}', f'Seq{q}')
            files += [osp.join(folder, 'annot.mat'),
                      osp.join(folder, 'camera.calibration')]
    return files


def _fingerprint(root: str, release: str, selection: dict,
                 files: List[str]) -> str:
    stats = []
    for path in files:
        if not osp.isfile(path):
            raise FileNotFoundError(f'MPI-INF-3DHP file not found: {path}')
        st = os.stat(path)
        stats.append([osp.relpath(path, root), st.st_size, st.st_mtime_ns])
    return json.dumps(
        dict(format=CACHE_FORMAT, release=release, selection=selection,
             files=stats), sort_keys=True)


class _TableBuilder:
    """Accumulates per-view blocks, then concatenates them once."""

    def __init__(self):
        self.blocks: Dict[str, list] = {
            k: [] for k in ('keypoints_2d', 'keypoints_3d', 'subject',
                            'sequence', 'camera', 'frame', 'cam_index')
        }
        self.cameras: Dict[str, list] = {'cam_key': [], 'cam_f': [],
                                         'cam_c': [], 'cam_size': []}

    def add(self, kpts_2d, kpts_3d, frames, subject, sequence, camera,
            cam_key, f, c, size):
        num = len(frames)
        self.blocks['keypoints_2d'].append(kpts_2d.astype(np.float32))
        self.blocks['keypoints_3d'].append(kpts_3d.astype(np.float32))
        self.blocks['frame'].append(np.asarray(frames, dtype=np.int32))
        for key, value in (('subject', subject), ('sequence', sequence),
                           ('camera', camera),
                           ('cam_index', len(self.cameras['cam_key']))):
            self.blocks[key].append(np.full(num, value, dtype=np.int16))
        self.cameras['cam_key'].append(cam_key)
        self.cameras['cam_f'].append(np.asarray(f, dtype=np.float64))
        self.cameras['cam_c'].append(np.asarray(c, dtype=np.float64))
        self.cameras['cam_size'].append(np.asarray(size, dtype=np.float64))

    def table(self, definition: str, num_joints: int) -> dict:
        if not self.blocks['frame']:
            raise ValueError('the selection matched no annotated frames')
        out = {k: np.concatenate(v) for k, v in self.blocks.items()}
        out.update({k: np.asarray(v) for k, v in self.cameras.items()})
        out['cam_key'] = out['cam_key'].astype(str)
        out['definition'] = np.array(definition)
        assert out['keypoints_2d'].shape[1] == num_joints
        return out


def collect_raw_training(root: str, subjects: List[int],
                         sequences: Optional[Sequence[int]],
                         cameras: Sequence[int],
                         frame_step: int = 1) -> dict:
    """Annotation table of the training release (28 joints).

    Reads ``S{s}/Seq{q}/annot.mat`` and ``camera.calibration`` for every
    selected subject and sequence; keeps the given 0-based cameras and
    every ``frame_step``-th frame; ``sequences=None`` takes every ``Seq*``.
    """
    builder = _TableBuilder()
    for s in subjects:
        for q in _sequences_of(root, s, sequences):
            folder = osp.join(root, f'S{s}', f'Seq{q}')
            calib_path = osp.join(folder, 'camera.calibration')
            calib = read_camera_calibration(calib_path)
            annot = read_annot_mat(osp.join(folder, 'annot.mat'), cameras)
            keep = slice(None, None, frame_step)
            for i, cam in enumerate(cameras):
                if cam >= len(calib):
                    raise MpiInf3dhpFormatError(
                        calib_path, f'has {len(calib)} cameras, camera {cam} '
                        'was requested')
                builder.add(annot['keypoints_2d'][i][keep],
                            annot['keypoints_3d'][i][keep],
                            annot['frames'][keep], s, q, cam,
                            f'S{s}_Seq{q}_Cam{cam}', calib[cam]['f'],
                            calib[cam]['c'],
                            (calib[cam]['w'], calib[cam]['h']))
    return builder.table('mpi_inf_3dhp28', 28)


def collect_raw_test(root: str, subjects: List[int],
                     frame_step: int = 1) -> dict:
    """Annotation table of the test release (17 joints, valid frames only).

    The test release has no calibration file; each sequence's pinhole
    intrinsics are fitted to its own 2D/3D annotations
    (:func:`fit_intrinsics`), image sizes are those of FACTS section 3.
    """
    builder = _TableBuilder()
    for s in subjects:
        annot = read_test_annot(osp.join(root, f'TS{s}', 'annot_data.mat'))
        frames = np.flatnonzero(annot['valid'])[::frame_step]
        if not len(frames):
            continue
        kpts_2d = annot['keypoints_2d'][frames]
        kpts_3d = annot['keypoints_3d'][frames]
        intrinsics = fit_intrinsics(kpts_2d, kpts_3d)
        builder.add(kpts_2d, kpts_3d, frames, s, 0, 0, f'TS{s}',
                    intrinsics['f'], intrinsics['c'],
                    TEST_IMAGE_SIZES.get(s, (2048, 2048)))
    return builder.table('mpi_inf_3dhp17', 17)


def _selection(release: str, subjects: List[int],
               sequences: Optional[Sequence[int]], cameras: Sequence[int],
               frame_step: int) -> dict:
    selection = dict(subjects=list(subjects), frame_step=int(frame_step))
    if release == 'train':
        selection.update(
            sequences=None if sequences is None else [int(q)
                                                      for q in sequences],
            cameras=[int(c) for c in cameras])
    return selection


def _write_atomic(path: str, arrays: dict) -> None:
    with atomic_open(path, 'wb') as f:
        # uncompressed: float32 arrays read at disk speed
        np.savez(f, **arrays)


def _with_image_names(table: dict) -> dict:
    number = table['frame'].astype(np.int64) + 1
    if str(table['definition']) == 'mpi_inf_3dhp17':
        names = [
            f'TS{s}_{n:06d}.jpg' for s, n in zip(table['subject'], number)
        ]
    else:
        names = [
            f'S{s}_Seq{q}_Cam{c}_{n:06d}.jpg' for s, q, c, n in zip(
                table['subject'], table['sequence'], table['camera'], number)
        ]
    table['imgname'] = np.array(names)
    return table


def load_cache(path: str) -> dict:
    """Read a cache file written by :func:`convert_mpi_inf_3dhp_to_cache`.

    Raises:
        MpiInf3dhpFormatError: unreadable or not a cache of this format.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'MPI-INF-3DHP cache not found: {path}')
    try:
        with np.load(path, allow_pickle=False) as npz:
            table = {k: npz[k] for k in npz.files}
        fingerprint = json.loads(str(table['fingerprint']))
    except Exception as err:  # zip, key and json errors for foreign files
        raise MpiInf3dhpFormatError(
            path, f'not an infant_mmpose MPI-INF-3DHP cache '
            f'({type(err).__name__}: {err})') from err
    if fingerprint.get('format') != CACHE_FORMAT:
        raise MpiInf3dhpFormatError(
            path, f'cache format {fingerprint.get("format")!r}, expected '
            f'{CACHE_FORMAT!r}')
    return _with_image_names(table)


def convert_mpi_inf_3dhp_to_cache(raw_root: str,
                                  out_file: str,
                                  subjects: Subjects = None,
                                  sequences: Optional[Sequence[int]] = None,
                                  cameras: Sequence[int] = THESIS_CAMERAS,
                                  frame_step: int = 1) -> str:
    """Parse a raw release (training or test, detected) into ``out_file``.

    Args:
        raw_root: folder holding ``S*/`` (training) or ``TS*/`` (test).
        out_file: cache ``.npz`` to write (atomically).
        subjects: ``'train'`` (S1-S6), ``'val'`` (S7-S8), a list of subject
            numbers (S or TS), or ``None`` for all present.
        sequences: training release sequence numbers; ``None``: all.
        cameras: training release 0-based camera indices (thesis: 1-8).
        frame_step: keep every ``frame_step``-th frame.

    Returns:
        ``out_file``.
    """
    table = _build(raw_root, subjects, sequences, cameras, frame_step)
    _write_atomic(out_file, table)
    return out_file


def _build(raw_root, subjects, sequences, cameras, frame_step) -> dict:
    release = detect_release(raw_root)
    subjects = resolve_subjects(raw_root, release, subjects)
    selection = _selection(release, subjects, sequences, cameras, frame_step)
    fingerprint = _fingerprint(
        raw_root, release, selection,
        _source_files(raw_root, release, subjects, sequences))
    if release == 'train':
        table = collect_raw_training(raw_root, subjects, sequences, cameras,
                                     frame_step)
    else:
        table = collect_raw_test(raw_root, subjects, frame_step)
    table['fingerprint'] = np.array(fingerprint)
    return table


def current_fingerprint(raw_root: str,
                        subjects: Subjects = None,
                        sequences: Optional[Sequence[int]] = None,
                        cameras: Sequence[int] = THESIS_CAMERAS,
                        frame_step: int = 1) -> str:
    """The fingerprint a fresh cache of this selection would carry."""
    release = detect_release(raw_root)
    subjects = resolve_subjects(raw_root, release, subjects)
    selection = _selection(release, subjects, sequences, cameras, frame_step)
    return _fingerprint(raw_root, release, selection,
                        _source_files(raw_root, release, subjects, sequences))


def load_or_build_cache(raw_root: str,
                        cache_file: Optional[str],
                        subjects: Subjects = None,
                        sequences: Optional[Sequence[int]] = None,
                        cameras: Sequence[int] = THESIS_CAMERAS,
                        frame_step: int = 1) -> dict:
    """Annotation table of a raw release, through ``cache_file``.

    The cache is read when its fingerprint matches the sources and the
    selection, and (re)built otherwise. With ``cache_file=None`` the raw
    files are parsed every time.
    """
    if cache_file is None:
        return _with_image_names(
            _build(raw_root, subjects, sequences, cameras, frame_step))
    expected = current_fingerprint(raw_root, subjects, sequences, cameras,
                                   frame_step)
    if osp.isfile(cache_file):
        try:
            table = load_cache(cache_file)
        except MpiInf3dhpFormatError as err:
            print_log(f'rebuilding unreadable cache: {err}', logger='current')
        else:
            if str(table['fingerprint']) == expected:
                return table
            print_log(
                f'{cache_file} is stale (sources or selection changed); '
                'rebuilding it', logger='current')
    convert_mpi_inf_3dhp_to_cache(raw_root, cache_file, subjects, sequences,
                                  cameras, frame_step)
    return load_cache(cache_file)
