"""``MiniRGBDLiftingDataset``: MINI-RGBD as an MMPose 2D->3D lifting data set.

Built on MMPose's ``BaseMocapDataset`` (single-frame samples, its data-info
keys and filtering), but with no ``.npz`` annotation file: the data infos are
built directly from the reader's arrays (and the 2D-predictions file).

2D input: the ground-truth 2D joints (``keypoints_2d='gt'``) or a
2D-predictions file written by the 2D model
(:func:`.result_files.save_pose2d_predictions`), possibly in another keypoint
definition, in which case every sample carries ``keypoints_definition``.
With ``keypoint_definition='mpii16'`` the 2D input (from whichever
definition it comes in) and the 3D targets are mapped to that definition
when loading; with ``None`` they stay as they are (25 native joints for the
ground truth). A pipeline may also replace the 2D input itself.

2D visibility: a ground-truth joint is visible inside the image; a predicted
joint inside the image with a positive score
(:func:`.visibility.predicted_keypoints_visible`, which the inferencer
applies to the 2D it lifts, so training and inference agree).

3D target: ``lifting_target`` (1, K, 3) camera coordinates in millimetres;
the codec (``root_index``, the pelvis) makes it pelvis-relative.
"""
import os.path as osp
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from mmpose.datasets.datasets.base import BaseMocapDataset
from mmpose.registry import DATASETS

from ..fileio.minirgbd_reader import (IMAGE_SIZE, INTRINSICS, RGB_PATTERN, MiniRGBDReader,
                                      SequenceAnnotations, frame_image_id)
from ..fileio.result_files import ResultFileError, load_pose2d_predictions
from ..structures.visibility import inside_image, predicted_keypoints_visible
from .keypoint_definition_mixin import KeypointDefinitionMixin, NativeMetainfo
from .sample_cache import PackedSampleCacheMixin

NATIVE_DEFINITION = 'minirgbd25'


def minirgbd_camera_param() -> dict:
    """MINI-RGBD camera in MMPose's layout: ``f``, ``c`` (2, 1) px, ``w``, ``h``."""
    return dict(
        f=np.array([[INTRINSICS['fx']], [INTRINSICS['fy']]], dtype=np.float32),
        c=np.array([[INTRINSICS['cx']], [INTRINSICS['cy']]], dtype=np.float32),
        w=IMAGE_SIZE[0], h=IMAGE_SIZE[1])


@DATASETS.register_module()
class MiniRGBDLiftingDataset(PackedSampleCacheMixin, KeypointDefinitionMixin, BaseMocapDataset):
    """MINI-RGBD for single-frame 2D->3D lifting.

    Each data info holds (MMPose ``BaseMocapDataset`` keys) ``keypoints``
    (1, K, 2) px, ``keypoints_visible`` (1, K), ``keypoints_3d`` (1, J, 3) mm,
    ``lifting_target`` (1, J, 3) mm, ``lifting_target_visible`` (1, J),
    ``camera_param`` (see :func:`minirgbd_camera_param`), plus ``img_path``,
    ``head_size`` (1, 1) float32 mm (the sequence's 3D head-segment length),
    ``sequence``, ``frame`` and, for predicted 2D input,
    ``keypoints_definition``. With ``keypoint_definition`` set, K = J = its
    joint count (and ``keypoints_definition`` is its name); without, J = 25
    and K = 25 for ground truth, else the predictions' joint count.

    Args:
        data_root: MINI-RGBD root holding ``01`` .. ``12``.
        sequences: ``'train'`` / ``'val'`` / ``'test'`` / ``'all'`` / list.
        keypoints_2d: ``'gt'`` or the path of a 2D-predictions file; it
            must cover every usable frame of the selected sequences.
        keypoint_definition: definition the 2D input and 3D targets are
            mapped to when loading, e.g. ``'mpii16'``; ``None`` keeps them.
            The metainfo defaults to that definition's.
        cache_dir: annotation cache folder (see the reader).
        cache_samples: run the (deterministic) pipeline once per sample and
            hand out the packed result again in later epochs
            (:class:`~.sample_cache.PackedSampleCacheMixin`); the training
            configs switch it on.
        **kwargs: passed to ``BaseMocapDataset`` (pipeline, test_mode,
            seq_len must stay 1, ...).
    """

    NATIVE_DEFINITION = NATIVE_DEFINITION
    METAINFO = NativeMetainfo()

    def __init__(self, data_root: str, sequences: Union[str, Sequence[int]] = 'train',
                 keypoints_2d: str = 'gt', cache_dir: Optional[str] = None,
                 keypoint_definition: Optional[str] = None, cache_samples: bool = False,
                 **kwargs):
        if kwargs.get('seq_len', 1) != 1:
            raise ValueError('MiniRGBDLiftingDataset is single-frame: seq_len must be 1')
        if kwargs.get('ann_file') or kwargs.get('camera_param_file'):
            raise ValueError('MiniRGBDLiftingDataset reads data_root directly: do not '
                             'give ann_file or camera_param_file')
        kwargs.pop('ann_file', None)
        kwargs.pop('camera_param_file', None)
        if keypoints_2d != 'gt' and not osp.isfile(keypoints_2d):
            raise FileNotFoundError(f"keypoints_2d must be 'gt' or an existing 2D "
                                    f'predictions file, got {keypoints_2d!r}')
        self.reader = MiniRGBDReader(data_root, sequences, cache_dir=cache_dir)
        self.keypoints_2d = keypoints_2d
        self.cache_samples = bool(cache_samples)
        # the 2D input's definition (a predictions file names its own)
        self.keypoints_definition = NATIVE_DEFINITION
        kwargs['metainfo'] = self._setup_keypoint_definition(
            NATIVE_DEFINITION, keypoint_definition, kwargs.get('metainfo'),
            kwargs.get('pipeline'))
        # BaseMocapDataset checks that ann_file exists and hands it to
        # _load_ann_file; the root folder stands in for it.
        super().__init__(ann_file=osp.abspath(data_root), data_root=data_root, **kwargs)
        self._check_cacheable_pipeline()

    @property
    def skipped(self):
        """Frames the reader skipped (path + reason), see ``MiniRGBDReader``."""
        return self.reader.skipped

    def _load_ann_file(self, ann_file: str) -> None:
        """Read the selected sequences (and the 2D predictions) from the
        reader; :meth:`_load_annotations` turns them into data infos."""
        self.keypoints_definition = NATIVE_DEFINITION
        self._predictions = None
        if self.keypoints_2d != 'gt':
            self.keypoints_definition, self._predictions = load_pose2d_predictions(
                self.keypoints_2d)
        self._sequences = self.reader.load()

    def get_sequence_indices(self) -> list:
        """Unused: every frame is one sample (``seq_len=1``)."""
        return []

    def _input_2d(self, seq: SequenceAnnotations) -> Tuple[np.ndarray, np.ndarray]:
        """2D input of a sequence: (N, K, 2) float32 px and (N, K) float32
        visibility, K = 25 for ground truth, else the predictions'."""
        if self._predictions is None:
            return (seq.joints_2d.astype(np.float32),
                    inside_image(seq.joints_2d, IMAGE_SIZE))
        kpts, visible = [], []
        for frame in seq.frames.tolist():
            rec = self._predictions.get((seq.sequence, frame))
            if rec is None:
                raise ResultFileError(f'{self.keypoints_2d}: no 2D prediction for sequence '
                                      f'{seq.sequence} frame {frame}')
            frame_kpts = np.array(rec['keypoints'], dtype=np.float64)
            kpts.append(frame_kpts)
            # the inferencer's rule for predicted 2D: inside the image and a
            # positive score
            visible.append(predicted_keypoints_visible(frame_kpts, IMAGE_SIZE, rec['scores']))
        return np.array(kpts, dtype=np.float32), np.array(visible, dtype=np.float32)

    def _load_annotations(self) -> Tuple[list, list]:
        """One MMPose lifting data info per frame (the keys are listed in
        the class docstring), in the reader's native joints; the mixin maps
        them to ``keypoint_definition`` afterwards."""
        camera = minirgbd_camera_param()
        num_keypoints = self.metainfo['num_keypoints']
        from_file = self.keypoints_2d != 'gt'
        instances = []
        for seq in self._sequences:
            kpts_2d, visible_2d = self._input_2d(seq)
            kpts_3d = seq.joints_3d_mm.astype(np.float32)
            head_size = np.array([[seq.head_length_3d_mm]], dtype=np.float32)
            for i, frame in enumerate(seq.frames.tolist()):
                idx = len(instances)
                img_path = seq.path(RGB_PATTERN, frame)
                joints_3d = kpts_3d[i:i + 1].copy()
                info = dict(
                    num_keypoints=num_keypoints,
                    keypoints=kpts_2d[i:i + 1].copy(),
                    keypoints_visible=visible_2d[i:i + 1].copy(),
                    keypoints_3d=joints_3d,
                    keypoints_3d_visible=np.ones((1, len(joints_3d[0])), np.float32),
                    # BaseMocapDataset's box fields; no box for a lifter
                    scale=np.float32(0),
                    center=np.zeros((1, 2), np.float32),
                    id=idx,
                    category_id=1,
                    iscrowd=0,
                    img_paths=[img_path],
                    img_ids=[idx],
                    lifting_target=joints_3d.copy(),
                    lifting_target_visible=np.ones((1, len(joints_3d[0])), np.float32),
                    target_img_path=np.array([img_path], dtype=object),
                    img_id=frame_image_id(seq.sequence, frame),
                    img_path=img_path,
                    head_size=head_size.copy(),
                    camera_param=dict(camera),
                    sequence=seq.sequence,
                    frame=frame,
                )
                if from_file:
                    info['keypoints_definition'] = self.keypoints_definition
                instances.append(info)
        # the reader's arrays are not needed once the infos exist
        self._sequences = self._predictions = None
        return instances, []
