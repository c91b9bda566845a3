"""``MpiInf3dhpDataset``: MPI-INF-3DHP as an MMPose 2D->3D lifting data set."""
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmpose.datasets.datasets.base import BaseMocapDataset
from mmpose.registry import DATASETS

from .keypoint_definition_mixin import KeypointDefinitionMixin
from ..fileio.mpi_inf_3dhp_cache import (THESIS_CAMERAS, THESIS_SUBJECTS, Subjects,
                                 detect_release, load_cache,
                                 load_or_build_cache)
from ..fileio.mpi_inf_3dhp_readers import (MpiInf3dhpFormatError, parse_image_name,
                                   read_mmpose_npz)

#: Training-release images are 2048 x 2048; MMPose's cameras_train.pkl
#: carries h = 204.0, a typo (FACTS section 3), so its w/h are not used.
TRAIN_IMAGE_SIZE = (2048.0, 2048.0)
#: Per-camera (not per-frame) arrays of an annotation table.
_CAMERA_TABLE_KEYS = ('cam_key', 'cam_f', 'cam_c', 'cam_size')


def _source_kind(path: str) -> str:
    """``'raw'`` (release folder), ``'cache'`` or ``'mmpose_npz'``."""
    if osp.isdir(path):
        return 'raw'
    try:
        with np.load(path, allow_pickle=False) as npz:
            return 'cache' if 'fingerprint' in npz.files else 'mmpose_npz'
    except Exception as err:  # zip/OS errors for files that are not npz
        raise MpiInf3dhpFormatError(
            path, 'expected a raw release folder or an .npz file '
            f'({type(err).__name__}: {err})') from err


def _definition_of(path: str, kind: str) -> str:
    if kind == 'raw':
        return ('mpi_inf_3dhp28'
                if detect_release(path) == 'train' else 'mpi_inf_3dhp17')
    if kind == 'cache':
        with np.load(path, allow_pickle=False) as npz:
            return str(npz['definition'])
    return 'mpi_inf_3dhp17'


def _camera_param(f, c, w, h) -> dict:
    """MMPose's camera dict: ``f``, ``c`` (2, 1) px, ``w``, ``h`` px."""
    return dict(
        f=np.asarray(f, dtype=np.float32).reshape(2, 1),
        c=np.asarray(c, dtype=np.float32).reshape(2, 1),
        w=float(w), h=float(h))


@DATASETS.register_module()
class MpiInf3dhpDataset(KeypointDefinitionMixin, BaseMocapDataset):
    """MPI-INF-3DHP for single-frame 2D->3D lifting (Martinez et al.).

    ``ann_file`` (relative to ``data_root``) selects the source:

    * a raw **training** release folder (``S*/Seq*/annot.mat`` and
      ``camera.calibration``): 28 joints, selected by ``subjects``,
      ``sequences`` and ``cameras``;
    * a raw **test** release folder (``TS*/annot_data.mat``): 17 joints,
      frames with ``valid_frame == 0`` dropped;
    * a cache ``.npz`` written by
      ``tools/dataset_converters/mpi_inf_3dhp_to_cache.py`` (either release);
    * MMPose's preprocessed ``.npz`` (17 joints; ``S`` in metres), with
      MMPose's camera pickle as ``camera_param_file`` (keys
      ``S1_Seq1_Cam0`` / ``TS1``).

    Raw folders are parsed through ``cache_file`` (built on first use, reused
    while the sources and the selection are unchanged; see
    :mod:`~infant_mmpose.fileio.mpi_inf_3dhp_cache`).

    Every instance has ``keypoints`` (1, K, 2) px, ``keypoints_visible``
    (1, K) (0 outside the image when the image size is known),
    ``keypoints_3d`` and ``lifting_target`` (1, K, 3) in **mm** camera
    coordinates (pelvis-relative targets come from the codec),
    ``keypoints_3d_visible`` / ``lifting_target_visible`` (1, K),
    ``camera_param`` (``f``, ``c`` (2, 1) px, ``w``, ``h``) when known, and
    ``subject``, ``sequence`` (0 for the test release), ``camera``,
    ``frame`` (0-based) ints, plus MMPose's bookkeeping keys (``img_paths``,
    ``target_img_path``, ``center``, ``scale``...). K is the joint count of
    ``keypoint_definition`` (e.g. 16 for ``'mpii16'``): the source's 28 or
    17 joints (``native_definition``) are mapped once, when the annotation
    table is loaded; ``None`` keeps them. ``center`` / ``scale`` of raw
    sources always come from all native 2D joints, and a view is dropped
    when all its native 2D joints are <= 0 (MMPose's rule).

    ``metainfo`` describes the samples (what evaluators and visualisers see,
    e.g. per-joint metric names); it defaults to ``keypoint_definition``'s
    file (else to the ``target`` of a ``KeypointMapping`` in ``pipeline``,
    else to the source's own definition).

    Instances are kept as arrays and expanded into MMPose's instance dict
    only in :meth:`get_data_info`: building and pickling one dict per view
    up front (``BaseMocapDataset``'s way) takes minutes for the ~780 000
    views of the thesis's training split.

    Args:
        ann_file (str): the source, see above.
        cache_file (str, optional): cache for raw folders (relative to
            ``data_root``); ``None`` parses the raw files on every start.
        subjects: ``'train'`` (S1-S6) / ``'val'`` (S7-S8) (the thesis's
            split), a list of subject numbers (S or TS), or ``None`` = all.
            Also filters cache and npz sources.
        sequences (Sequence[int], optional): training-release sequences;
            ``None``: every ``Seq*`` folder.
        cameras (Sequence[int], optional): 0-based cameras of the training
            release. ``None``: the thesis's 1-8 when parsing a raw folder,
            all cameras of a cache or npz.
        frame_step (int): keep every ``frame_step``-th frame of raw sources.
        keypoint_definition (str, optional): definition of the samples,
            e.g. ``'mpii16'``; ``None``: the source's.
        **kwargs: :class:`BaseMocapDataset` arguments (``data_root``,
            ``pipeline``, ``test_mode``, ``camera_param_file``, ...);
            ``seq_len`` must be 1.
    """

    def __init__(self,
                 ann_file: str = '',
                 cache_file: Optional[str] = None,
                 subjects: Subjects = None,
                 sequences: Optional[Sequence[int]] = None,
                 cameras: Optional[Sequence[int]] = None,
                 frame_step: int = 1,
                 keypoint_definition: Optional[str] = None,
                 metainfo: Optional[dict] = None,
                 data_root: Optional[str] = None,
                 **kwargs):
        source = ann_file
        if data_root and not osp.isabs(source):
            source = osp.join(data_root, source)
        if not osp.exists(source):
            raise FileNotFoundError(
                f'MPI-INF-3DHP source not found: {source}')
        if cache_file and data_root and not osp.isabs(cache_file):
            cache_file = osp.join(data_root, cache_file)
        if isinstance(subjects, str) and subjects not in THESIS_SUBJECTS:
            raise ValueError(f'subjects={subjects!r}: split names are '
                             f'{sorted(THESIS_SUBJECTS)}')
        if kwargs.get('seq_len', 1) != 1 or kwargs.get('multiple_target'):
            raise ValueError('MpiInf3dhpDataset gives single frames '
                             '(seq_len=1, no multiple_target)')
        self.source_kind = _source_kind(source)
        self.cache_file = cache_file
        self.subjects = subjects
        self.sequences = None if sequences is None else list(sequences)
        self.cameras = None if cameras is None else list(cameras)
        self.frame_step = frame_step
        metainfo = self._setup_keypoint_definition(
            _definition_of(source, self.source_kind), keypoint_definition,
            metainfo, kwargs.get('pipeline'))
        super().__init__(
            ann_file=ann_file, metainfo=metainfo, data_root=data_root,
            **kwargs)

    # ------------------------------------------------------------------
    # loading: every source becomes one annotation table (self.ann_data)
    # ------------------------------------------------------------------
    def _load_ann_file(self, ann_file: str) -> None:
        if self.source_kind == 'raw':
            table = load_or_build_cache(
                ann_file, self.cache_file, self.subjects, self.sequences,
                self.cameras if self.cameras is not None else THESIS_CAMERAS,
                self.frame_step)
        elif self.source_kind == 'cache':
            table = load_cache(ann_file)
        else:
            table = self._table_from_mmpose_npz(ann_file)
        self.ann_data = self._mapped(self._with_visibility(self._select(table)))

    @staticmethod
    def _table_from_mmpose_npz(path: str) -> dict:
        data = read_mmpose_npz(path)
        try:
            parts = [parse_image_name(n) for n in data['imgname']]
        except ValueError as err:  # e.g. a Human3.6M npz of the same layout
            raise MpiInf3dhpFormatError(path, str(err)) from err
        table = dict(data)
        for key in ('subject', 'sequence', 'camera'):
            table[key] = np.array([p[key] for p in parts], dtype=np.int16)
        # image numbers are 1-based, ``frame`` is 0-based
        table['frame'] = np.array([p['frame'] - 1 for p in parts],
                                  dtype=np.int32)
        return table

    def _select(self, table: dict) -> dict:
        """Apply ``subjects`` / ``cameras`` to already-parsed sources (raw
        sources were selected while parsing; this is then a no-op)."""
        keep = np.ones(len(table['frame']), dtype=bool)
        subjects = self.subjects
        if isinstance(subjects, str):
            subjects = THESIS_SUBJECTS[subjects]
        if subjects is not None:
            keep &= np.isin(table['subject'], list(subjects))
        if self.cameras is not None:
            keep &= np.isin(table['camera'], self.cameras)
        if not keep.any():
            raise ValueError(
                f'MPI-INF-3DHP selection subjects={self.subjects}, '
                f'cameras={self.cameras} matched no frames')
        return {
            k: (v[keep] if np.ndim(v) >= 1 and k not in _CAMERA_TABLE_KEYS
                else v)
            for k, v in table.items()
        }

    @staticmethod
    def _with_visibility(table: dict) -> dict:
        """Add 2D/3D visibility: 2D joints outside the image (when its size
        is known) and non-finite 3D joints are not visible."""
        kpts_2d, kpts_3d = table['keypoints_2d'], table['keypoints_3d']
        vis_2d = table.get('keypoints_2d_visible',
                           np.ones(kpts_2d.shape[:2], dtype=np.float32))
        if 'cam_index' in table:
            size = table['cam_size'][table['cam_index']].astype(np.float32)
            inside = ((kpts_2d >= 0) & (kpts_2d < size[:, None, :])).all(-1)
            vis_2d = vis_2d * inside
        vis_3d = table.get('keypoints_3d_visible',
                           np.ones(kpts_3d.shape[:2], dtype=np.float32))
        table['keypoints_2d_visible'] = vis_2d.astype(np.float32)
        table['keypoints_3d_visible'] = (
            vis_3d * np.isfinite(kpts_3d).all(-1)).astype(np.float32)
        return table

    def _mapped(self, table: dict) -> dict:
        """The table's per-joint arrays in ``keypoint_definition``.

        Adds ``usable`` (N,) bool (not all native 2D joints <= 0) and, for
        raw sources, ``center`` (N, 2) / ``scale`` (N,) of the box around all
        native 2D joints, both computed before the joints are mapped.
        """
        kpts_2d = table['keypoints_2d']
        # MMPose's rule (BaseMocapDataset._is_valid_instance): drop views
        # whose 2D keypoints are all <= 0
        table['usable'] = kpts_2d.reshape(len(kpts_2d), -1).max(1) > 0
        mapping = self.keypoint_mapping
        if mapping is None:
            return table
        if 'center' not in table:
            lo, hi = kpts_2d.min(1), kpts_2d.max(1)
            table['center'] = (lo + hi) / 2
            table['scale'] = (hi - lo).max(1) / 200.0
        for key, axis in (('keypoints_2d', -2), ('keypoints_2d_visible', -1),
                          ('keypoints_3d', -2), ('keypoints_3d_visible', -1)):
            table[key] = mapping.map_joints(table[key], axis, key,
                                            visibility=axis == -1)
        return table

    def get_sequence_indices(self):
        """Unused: every view is one sample (``seq_len=1``)."""
        return []

    def load_data_list(self):
        """One light record per usable view; see :meth:`get_data_info`."""
        self.check_metainfo_size()
        return [dict(ann_index=int(i))
                for i in np.flatnonzero(self.ann_data['usable'])]

    # ------------------------------------------------------------------
    # per-instance expansion
    # ------------------------------------------------------------------
    def get_data_info(self, idx: int) -> dict:
        """MMPose's lifting instance dict for sample ``idx`` (see the class
        docstring for the keys), plus the metainfo keys and ``sample_idx``."""
        info = super().get_data_info(idx)
        info.update(self._instance(info.pop('ann_index')))
        return info

    def _instance(self, i: int) -> dict:
        data = self.ann_data
        name = str(data['imgname'][i])
        kpts_3d = data['keypoints_3d'][i:i + 1].astype(np.float32)
        vis_3d = data['keypoints_3d_visible'][i:i + 1].copy()
        if 'center' in data:
            center, scale = data['center'][i], data['scale'][i]
        else:  # raw sources: the box around the 2D joints (MMPose scale)
            lo = data['keypoints_2d'][i].min(0)
            hi = data['keypoints_2d'][i].max(0)
            center, scale = (lo + hi) / 2, (hi - lo).max() / 200.0
        instance = dict(
            num_keypoints=kpts_3d.shape[1],
            keypoints=data['keypoints_2d'][i:i + 1].astype(np.float32),
            keypoints_visible=data['keypoints_2d_visible'][i:i + 1].copy(),
            keypoints_3d=kpts_3d,
            keypoints_3d_visible=vis_3d,
            lifting_target=kpts_3d.copy(),
            lifting_target_visible=vis_3d.copy(),
            center=np.asarray(center, dtype=np.float32).reshape(1, -1),
            scale=np.float32(scale),
            id=i,
            category_id=1,
            iscrowd=0,
            img_paths=[name],
            img_ids=[i],
            target_img_path=np.array([name]),
            subject=int(data['subject'][i]),
            sequence=int(data['sequence'][i]),
            camera=int(data['camera'][i]),
            frame=int(data['frame'][i]))
        if self.keypoint_mapping is not None:
            instance['keypoints_definition'] = self.keypoint_definition
        if 'cam_index' in data:
            k = data['cam_index'][i]
            instance['camera_param'] = _camera_param(
                data['cam_f'][k], data['cam_c'][k], *data['cam_size'][k])
        elif self.camera_param_file:
            instance['camera_param'] = self.get_camera_param(name)
        return instance

    def get_camera_param(self, imgname: str) -> dict:
        """Intrinsics of the view ``imgname`` from ``camera_param_file``
        (MMPose's pickles), as ``f``, ``c`` (2, 1) px and ``w``, ``h``."""
        key = parse_image_name(imgname)['camera_key']
        if key not in self.camera_param:
            raise KeyError(f'{self.camera_param_file} has no camera {key!r} '
                           f'(needed by {imgname})')
        cam = self.camera_param[key]
        w, h = (TRAIN_IMAGE_SIZE if key.startswith('S') else
                (cam['w'], cam['h']))
        return _camera_param(cam['f'], cam['c'], w, h)
