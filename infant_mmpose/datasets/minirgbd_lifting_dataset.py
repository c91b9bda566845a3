"""``MiniRGBDLiftingDataset``: MINI-RGBD as an MMPose 2D->3D lifting data set.

Built on MMPose's ``BaseMocapDataset`` (single-frame samples): instead of an
``.npz`` annotation file, the reader's arrays fill the same ``imgname`` /
``part`` / ``S`` layout, and MMPose's own code turns them into instances.

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

from .keypoint_definition_mixin import KeypointDefinitionMixin, NativeMetainfo
from .minirgbd_dataset import frame_image_id, keypoints_in_image
from ..fileio.minirgbd_reader import (IMAGE_SIZE, INTRINSICS, RGB_PATTERN, MiniRGBDReader)
from ..fileio.result_files import ResultFileError, load_pose2d_predictions
from ..structures.visibility import predicted_keypoints_visible

NATIVE_DEFINITION = 'minirgbd25'


def minirgbd_camera_param() -> dict:
    """MINI-RGBD camera in MMPose's layout: ``f``, ``c`` (2, 1) px, ``w``, ``h``."""
    return dict(
        f=np.array([[INTRINSICS['fx']], [INTRINSICS['fy']]], dtype=np.float32),
        c=np.array([[INTRINSICS['cx']], [INTRINSICS['cy']]], dtype=np.float32),
        w=IMAGE_SIZE[0], h=IMAGE_SIZE[1])


@DATASETS.register_module()
class MiniRGBDLiftingDataset(KeypointDefinitionMixin, BaseMocapDataset):
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
        **kwargs: passed to ``BaseMocapDataset`` (pipeline, test_mode,
            seq_len must stay 1, ...).
    """

    NATIVE_DEFINITION = NATIVE_DEFINITION
    METAINFO = NativeMetainfo()

    def __init__(self, data_root: str, sequences: Union[str, Sequence[int]] = 'train',
                 keypoints_2d: str = 'gt', cache_dir: Optional[str] = None,
                 keypoint_definition: Optional[str] = None, **kwargs):
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
        # the 2D input's definition (a predictions file names its own)
        self.keypoints_definition = NATIVE_DEFINITION
        kwargs['metainfo'] = self._setup_keypoint_definition(
            NATIVE_DEFINITION, keypoint_definition, kwargs.get('metainfo'),
            kwargs.get('pipeline'))
        # BaseMocapDataset checks that ann_file exists and hands it to
        # _load_ann_file; the root folder stands in for it.
        super().__init__(ann_file=osp.abspath(data_root), data_root=data_root, **kwargs)

    @property
    def skipped(self):
        """Frames the reader skipped (path + reason), see ``MiniRGBDReader``."""
        return self.reader.skipped

    def _load_ann_file(self, ann_file: str) -> None:
        """Fill ``self.ann_data`` in BaseMocapDataset's npz layout from the reader."""
        names, part, s3d, heads, seqs, frames = [], [], [], [], [], []
        predictions = None
        if self.keypoints_2d != 'gt':
            self.keypoints_definition, predictions = load_pose2d_predictions(
                self.keypoints_2d)
        for seq in self.reader.load():
            for i, frame in enumerate(seq.frames.tolist()):
                names.append(seq.path(RGB_PATTERN, frame))
                part.append(self._input_2d(seq.joints_2d[i], predictions, seq.sequence, frame))
                s3d.append(np.concatenate([seq.joints_3d_mm[i], np.ones((25, 1))], 1))
                heads.append(seq.head_length_3d_mm)
                seqs.append(seq.sequence)
                frames.append(frame)
        num_2d = part[0].shape[0] if part else 25
        self.ann_data = dict(
            imgname=np.array(names, dtype=object),
            part=np.array(part, dtype=np.float32).reshape(-1, num_2d, 3),
            S=np.array(s3d, dtype=np.float32).reshape(-1, 25, 4),
            head_size=np.array(heads, dtype=np.float32),
            sequence=np.array(seqs, dtype=np.int64),
            frame=np.array(frames, dtype=np.int64),
        )

    def _input_2d(self, gt_2d: np.ndarray, predictions: Optional[dict], sequence: int,
                  frame: int) -> np.ndarray:
        """2D input (K, 3): u, v px and visibility."""
        if predictions is None:
            return np.concatenate([gt_2d, keypoints_in_image(gt_2d)[:, None]], 1)
        rec = predictions.get((sequence, frame))
        if rec is None:
            raise ResultFileError(f'{self.keypoints_2d}: no 2D prediction for sequence '
                                  f'{sequence} frame {frame}')
        kpts = np.array(rec['keypoints'], dtype=np.float64)
        # the inferencer's rule for predicted 2D: inside the image and a
        # positive score
        visible = predicted_keypoints_visible(kpts, IMAGE_SIZE, rec['scores'])
        return np.concatenate([kpts, visible[:, None]], 1)

    def _load_annotations(self) -> Tuple[list, list]:
        instances, images = super()._load_annotations()
        camera = minirgbd_camera_param()
        from_file = self.keypoints_2d != 'gt'
        for info in instances:
            idx = info['img_ids'][-1]
            seq, frame = int(self.ann_data['sequence'][idx]), int(self.ann_data['frame'][idx])
            info.update(
                img_id=frame_image_id(seq, frame),
                img_path=str(self.ann_data['imgname'][idx]),
                head_size=np.array([[self.ann_data['head_size'][idx]]], dtype=np.float32),
                camera_param=dict(camera),
                sequence=seq,
                frame=frame,
            )
            if from_file:
                info['keypoints_definition'] = self.keypoints_definition
        return instances, images
