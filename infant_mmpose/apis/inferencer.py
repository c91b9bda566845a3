"""``InfantPoseInferencer``: RGB frames -> infant box -> 2D keypoints -> 3D (mm).

MMPose's ``Pose3DInferencer`` converts 2D keypoints with
``convert_keypoint_definition``, which only knows Human3.6M-style lifters, and
normalises them by the box for its own lifters. This inferencer chains the
project's three models instead and gives the lifter exactly what its config
gave it in training: each 2D pose goes through the lifter config's test
pipeline (the codec via ``GenerateTarget``, ``PackPoseInputs``; the data sets
map keypoints to the common definition when loading, so the pipeline has no
mapping step, though a user's ``KeypointMapping`` there is honoured), built
from that config, not re-implemented here.

Frames stream through the stages batch by batch (memory does not grow with
the input's length; results are yielded as batches finish):

1. frames from :mod:`.frame_source` (image, folder, video, camera);
2. the detector (MMDetection's ``DetInferencer`` model and pipeline): the
   top-scoring infant box per frame (:mod:`.box_selection`), optionally
   every N frames, or only when keypoint-guided tracking
   (:mod:`.box_tracking`) loses the infant;
3. the 2D model (MMPose's ``Pose2DInferencer`` model, test pipeline and
   collate function) on the box crops;
4. the lifter (this class's own model, an MMPose ``PoseLifter``);
5. optional smoothing of the 2D series before lifting and of the 3D series
   (:mod:`infant_mmpose.smoothing`; whole-series filters, applied at the end);
6. outputs (:mod:`.writers`): JSON, CSV, NPZ and a visualisation; finished
   frames are kept in a partial file while the run goes
   (:mod:`.partial_run`) so that an interrupted run can resume.

The networks run in PyTorch or, optionally, ONNX Runtime
(:mod:`.onnx_backend`).
"""
import inspect
import json
import logging
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint

from mmpose.apis.inferencers import Pose2DInferencer
from mmpose.apis.inferencers.base_mmpose_inferencer import BaseMMPoseInferencer
from mmpose.registry import INFERENCERS

from infant_mmpose.structures.keypoint_definitions import (available_definitions,
                                                         get_definition)
from infant_mmpose.structures.visibility import predicted_keypoints_visible
from infant_mmpose.fileio.atomic import atomic_open, temp_path
from infant_mmpose.models.codecs.raw_pixel_pose_lifting import \
    warn_if_other_image_size
from infant_mmpose.smoothing import build_filter
from infant_mmpose.utils import config_path
from .box_selection import BoxSelector, top_box
from .box_tracking import KeypointBoxTracker
from .cpu_kernels import prefer_torchvision_roi_align, torch_threads
from .onnx_backend import OnnxGraph
from .frame_source import (Frame, FrameSource, FrameSourceError,
                           open_frame_source)
from .partial_run import (PartialRunWriter, concat_rows, partial_path,
                          read_partial_run)
from .pose_series import (STATUS_TRACKED, STATUS_UNREADABLE, PoseSeries,
                          frame_record, joint_links)
from .progress import FrameProgress
from .writers import (VisualizationWriter, write_csv, write_json,
                      write_npz)

#: Configs used when none is given (written by the models engineer).
DEFAULT_CONFIGS = dict(det='quickstart/detector.py', pose2d='quickstart/pose2d.py',
                       lifter='quickstart/lifter.py')


@dataclass
class InferenceRun:
    """What one run produced: the series and the paths of the files written."""
    series: PoseSeries
    files: Dict[str, str] = field(default_factory=dict)


def _existing_file(path: Optional[str], what: str) -> Optional[str]:
    if path is not None and not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path!r} does not exist')
    return path


def check_weights_fit(model: torch.nn.Module, weights: Optional[str],
                      what: str) -> None:
    """Raise if checkpoint ``weights`` does not fit ``model``'s parameters.

    MMEngine loads mismatched checkpoints non-strictly and only logs the
    mismatch, which would leave layers randomly initialised: inference would
    silently give wrong keypoints.

    Raises:
        ValueError: naming the checkpoint and the first mismatching tensors.
    """
    if weights is None:
        return
    ckpt = _load_checkpoint(weights, map_location='cpu')
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else {}
    state = {k[len('module.'):] if k.startswith('module.') else k: v
             for k, v in state.items()}
    # MMPose 0.x zoo files say keypoint_head.*; MMPose renames it on loading
    state = {'head.' + k[len('keypoint_head.'):]
             if k.startswith('keypoint_head.') else k: v
             for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    wrong = [f'{k} {tuple(state[k].shape)} vs {tuple(v.shape)}'
             for k, v in own.items()
             if k in state and tuple(state[k].shape) != tuple(v.shape)]
    if missing or wrong:
        raise ValueError(
            f'{what} {weights} does not fit its config: {len(missing)} '
            f'tensors missing {missing[:3]}, {len(wrong)} of another shape '
            f'(checkpoint vs model) {wrong[:3]}; was it trained with another '
            'config?')


def _check_backend(backend: str, precision: str) -> None:
    """Fail on bad settings before any model is built."""
    from .onnx_backend import check_precision
    if backend not in ('pytorch', 'onnxruntime'):
        raise ValueError("backend must be 'pytorch' or 'onnxruntime', "
                         f'got {backend!r}')
    check_precision(precision)
    if precision != 'fp32' and backend != 'onnxruntime':
        raise ValueError(f"precision={precision!r} needs "
                         "backend='onnxruntime' (PyTorch runs fp32 here)")
    if backend == 'onnxruntime':
        from .onnx_backend import require_onnxruntime
        require_onnxruntime()
    if precision == 'int8':
        from .onnx_int8 import require_quantization
        require_quantization()


def match_definition(meta: dict) -> Optional[str]:
    """Name of the project definition whose joint names equal ``meta``'s."""
    names = [meta['keypoint_id2name'][i] for i in range(meta['num_keypoints'])]
    for name in available_definitions():
        d = get_definition(name)
        if d['num_keypoints'] == len(names) and names == [
                d['keypoint_id2name'][i] for i in range(d['num_keypoints'])]:
            return name
    return None


def inside_image(keypoints: np.ndarray, image_size: Sequence) -> np.ndarray:
    """(K,) float32 visibility of predicted 2D joints in a (width, height)
    image: :func:`~infant_mmpose.structures.visibility.predicted_keypoints_visible`,
    the rule the lifter's training data use for predicted 2D too."""
    return predicted_keypoints_visible(keypoints, image_size)


def _find_mapping(pipeline) -> Optional[object]:
    """The ``KeypointMapping`` transform of a composed pipeline, if any."""
    for transform in getattr(pipeline, 'transforms', []):
        if hasattr(transform, 'source') and hasattr(transform, 'target'):
            return transform
    return None


def _with_fps(cfg: Optional[dict], fps: float) -> Optional[dict]:
    """A filter config with the run's frame rate filled in if the filter takes
    one and the config does not set it."""
    if cfg is None or not isinstance(cfg, dict):
        return cfg
    from infant_mmpose.smoothing import FILTERS
    cls = FILTERS.get(cfg.get('type', ''))
    cfg = dict(cfg)
    if cls is not None and 'fps' in inspect.signature(cls).parameters:
        cfg.setdefault('fps', fps)
    return cfg


@INFERENCERS.register_module(name='infant-pose-3d')
@INFERENCERS.register_module()
class InfantPoseInferencer(BaseMMPoseInferencer):
    """Detector + 2D model + lifter for one infant per frame.

    Args:
        model: lifter config (path or Config); default
            ``configs/quickstart/lifter.py``.
        weights: lifter checkpoint.
        pose2d_model, pose2d_weights: 2D top-down model config / checkpoint
            (default ``configs/quickstart/pose2d.py``). Its checkpoint's
            ``meta['dataset_meta']`` names its joints.
        det_model, det_weights: MMDetection config / checkpoint (default
            ``configs/quickstart/detector.py``).
        device: e.g. ``'cpu'`` or ``'cuda:0'``; None picks one.
        scope: MMPose scope of the 2D model and lifter.
        det_cat_id: class index of "infant" in the detector.
        keypoint_definition: definition name of the 2D model's output; found
            from its joint names when None.
        show_progress: print a progress bar (frames done, frames per second).
        backend: ``'pytorch'`` or ``'onnxruntime'``: export the networks
            with ``torch.onnx`` and run them with ONNX Runtime (optional
            install, ``make onnx``; see :mod:`.onnx_backend`).
        onnx_dir: where the exported ``.onnx`` files are written
            (``backend='onnxruntime'``; default: a temporary folder,
            deleted with the inferencer).
        precision: ``'fp32'`` or ``'int8'`` (``backend='onnxruntime'``
            only): the 2D model and the detector's backbone + FPN run
            statically quantised, faster on CPUs with VNNI
            (:mod:`.onnx_int8`).
        calibration: int8 only: frames to calibrate the int8 ranges on,
            ideally from your own recordings: a video, an image folder or
            BGR arrays; None uses built-in generated MINI-RGBD frames.
        calibration_frames: int8 only: how many frames of ``calibration``
            (evenly spaced; default 16).

    Use like MMPose's inferencers::

        inferencer = InfantPoseInferencer(lifter_cfg, lifter_ckpt, pose2d_cfg,
                                          pose2d_ckpt, det_cfg, det_ckpt)
        for result in inferencer('video.mp4', pred_out_dir='out'):
            for instances in result['predictions']:      # one per frame
                print(instances[0]['frame_id'], instances[0]['keypoints_3d'])

    (results arrive batch by batch while the video is read), or call
    :meth:`run` for the whole :class:`PoseSeries` and the time-series files.
    """

    # MMPose's keyword-argument groups (``_dispatch_kwargs``), for tools
    # that inspect them; __call__ takes them all and passes them on.
    preprocess_kwargs: set = {'det_interval', 'bbox_thr', 'tracking',
                              'det_batch_size', 'fps', 'max_frames'}
    forward_kwargs: set = {'smooth_2d', 'smooth_3d'}
    visualize_kwargs: set = {'return_vis', 'show', 'vis_out_dir', 'kpt_thr',
                             'axis_limit', 'radius', 'thickness'}
    postprocess_kwargs: set = {'pred_out_dir'}

    def __init__(self,
                 model: Union[str, dict, None] = None,
                 weights: Optional[str] = None,
                 pose2d_model: Union[str, dict, None] = None,
                 pose2d_weights: Optional[str] = None,
                 det_model: Union[str, dict, None] = None,
                 det_weights: Optional[str] = None,
                 device: Optional[str] = None,
                 scope: str = 'mmpose',
                 det_cat_id: int = 0,
                 keypoint_definition: Optional[str] = None,
                 show_progress: bool = True,
                 backend: str = 'pytorch',
                 onnx_dir: Optional[str] = None,
                 precision: str = 'fp32',
                 calibration=None,
                 calibration_frames: Optional[int] = None) -> None:
        _check_backend(backend, precision)
        model = model if model is not None else config_path(DEFAULT_CONFIGS['lifter'])
        pose2d_model = (pose2d_model if pose2d_model is not None else
                        config_path(DEFAULT_CONFIGS['pose2d']))
        det_model = det_model if det_model is not None else config_path(DEFAULT_CONFIGS['det'])
        for cfg, what in ((model, 'lifter config'), (pose2d_model, '2D config'),
                          (det_model, 'detector config')):
            if isinstance(cfg, str):
                _existing_file(cfg, what)
        _existing_file(weights, 'lifter checkpoint')
        _existing_file(pose2d_weights, '2D model checkpoint')
        _existing_file(det_weights, 'detector checkpoint')

        from mmdet.apis import DetInferencer
        # DetInferencer switches the default scope to mmdet; the MMPose parts
        # are built afterwards, each under its own scope.
        self.detector = DetInferencer(model=det_model, weights=det_weights,
                                      device=device, scope='mmdet',
                                      show_progress=False)
        self.det_cat_id = int(det_cat_id)
        if next(self.detector.model.parameters()).device.type == 'cpu':
            prefer_torchvision_roi_align(self.detector.model)
        self.pose2d = Pose2DInferencer(pose2d_model, pose2d_weights,
                                       device=device, scope=scope,
                                       det_model='whole_image')
        init_default_scope(scope)
        super().__init__(model=model, weights=weights, device=device,
                         scope=scope, show_progress=show_progress)
        self.model = revert_sync_batchnorm(self.model)
        check_weights_fit(self.detector.model, det_weights, 'detector checkpoint')
        check_weights_fit(self.pose2d.model, pose2d_weights, '2D model checkpoint')
        check_weights_fit(self.model, weights, 'lifter checkpoint')
        self._setup_definitions(keypoint_definition)
        self.backend = backend
        self.onnx_files: Dict[str, str] = {}
        if backend == 'onnxruntime':
            from .onnx_backend import use_onnx_runtime_for_inferencer
            self.onnx_files = use_onnx_runtime_for_inferencer(
                self, onnx_dir, precision=precision, calibration=calibration,
                calibration_frames=calibration_frames)
        self.precision = precision

    def _setup_definitions(self, keypoint_definition: Optional[str]) -> None:
        """Work out which joints the 2D model gives and the lifter returns."""
        meta_2d = self.pose2d.model.dataset_meta
        self.definition_2d = keypoint_definition or match_definition(meta_2d)
        if self.definition_2d is None:
            raise ValueError(
                'the 2D model\'s joints (' + ', '.join(
                    meta_2d['keypoint_id2name'][i]
                    for i in range(meta_2d['num_keypoints'])) +
                f') match no project definition ({available_definitions()}); '
                'pass keypoint_definition=')
        self.meta_2d = get_definition(self.definition_2d)
        if self.meta_2d['num_keypoints'] != meta_2d['num_keypoints']:
            raise ValueError(f'keypoint_definition={self.definition_2d!r} has '
                             f'{self.meta_2d["num_keypoints"]} joints but the '
                             f'2D model predicts {meta_2d["num_keypoints"]}')
        mapping = _find_mapping(self.pipeline)
        if mapping is not None:
            self.definition_3d = mapping.target
            # 3D keys always come in the mapping's source definition: the
            # zero placeholders for the codec's targets must have its size.
            self._lift_source_joints = get_definition(mapping.source)['num_keypoints']
        else:
            # No mapping: the lifter takes and returns its metainfo's joints.
            self.definition_3d = match_definition(self.model.dataset_meta)
            self._lift_source_joints = self.meta_2d['num_keypoints']
        self.meta_3d = get_definition(self.definition_3d)
        decoder = getattr(getattr(self.model, 'head', None), 'decoder', None)
        root = getattr(decoder, 'root_index', None)
        # The lifter is trained on root-relative targets; its root output is
        # only close to 0, so outputs are re-centred on the predicted root.
        self.root_index = ([root] if isinstance(root, int) else
                           list(root) if root is not None else None)
        if not getattr(decoder, 'recentre_output', True):
            self.root_index = None  # e.g. the thesis release: raw output
        if self.definition_3d != self.definition_2d:
            raise ValueError(
                f'the 2D model gives {self.definition_2d} joints but the lifter '
                f'returns {self.definition_3d}: both must use the common '
                'definition (the data sets\' keypoint_definition)')

    # ------------------------------------------------------------------ API
    def __call__(self, inputs: Union[str, int, FrameSource], return_datasamples: bool = False,
                 batch_size: int = 8, out_dir: Optional[str] = None,
                 return_vis: bool = False, show: bool = False,
                 vis_out_dir: str = '', pred_out_dir: str = '',
                 **kwargs) -> Iterator[dict]:
        """Run on ``inputs`` and yield results batch by batch, as MMPose's
        inferencers do.

        Each result: ``{'predictions': [[instance] per frame of the batch],
        'visualization': [RGB image per frame] (only with return_vis)}``;
        ``instance`` holds MMPose's ``bbox``, ``bbox_score``, ``keypoints``
        (2D px) and ``keypoint_scores``, plus ``keypoints_3d`` (mm), and the
        frame's ``frame_id``, ``time``, ``status``. The first result comes
        after the first batch (no smoothing; with ``smooth_2d`` /
        ``smooth_3d`` the smoothed series needs every frame, so results come
        when the input ends).

        Args:
            out_dir: as in MMPose: ``vis_out_dir=<out_dir>/visualizations``
                and ``pred_out_dir=<out_dir>/predictions`` unless given.
            return_vis: put the drawn frames in ``'visualization'``.
            show: display the drawn frames in a window.
            vis_out_dir: write the drawings (a video's as ``<name>.mp4``,
                images as ``<name>.png``).
            pred_out_dir: write predictions in MMPose's JSON layout: one
                ``<name>.json`` per image, or for a video / camera one
                ``<name>.json`` holding ``[{"frame_id", "instances"}]``.
            **kwargs: the keyword arguments of :meth:`run` (``bbox_thr``,
                ``det_interval``, ``tracking``, ``smooth_2d``, ...).
        """
        if return_datasamples:
            raise ValueError('InfantPoseInferencer returns plain records only')
        if out_dir is not None:
            vis_out_dir = vis_out_dir or osp.join(out_dir, 'visualizations')
            pred_out_dir = pred_out_dir or osp.join(out_dir, 'predictions')
        unknown = sorted(set(kwargs) - _RUN_KWARGS)
        if unknown:
            raise ValueError(f'unknown arguments {unknown}; expected those '
                             f'of run(): {sorted(_RUN_KWARGS)}')
        vis_cfg = {k: kwargs.pop(k) for k in list(kwargs) if k in _VIS_KWARGS}
        smoothing = kwargs.get('smooth_2d') or kwargs.get('smooth_3d')
        want_drawing = bool(return_vis or show or vis_out_dir)
        fps, max_frames = kwargs.pop('fps', None), kwargs.pop('max_frames', None)
        source = (inputs if isinstance(inputs, FrameSource) else
                  open_frame_source(inputs, fps=fps, max_frames=max_frames))
        stem = osp.splitext(source.name)[0] or 'run'
        video = source.kind in ('video', 'camera')
        vis_writer = None
        if vis_out_dir:
            target = (osp.join(vis_out_dir, f'{stem}.mp4') if video else vis_out_dir)
            vis_writer = self._vis_writer(target, source.fps, vis_cfg)
        preds = _PredictionWriter(pred_out_dir, stem, video) if pred_out_dir else None
        ok = False
        try:
            if smoothing:
                result = self.run(source, batch_size=batch_size, **kwargs)
                batches = _batches_of(result.series, source, batch_size)
            else:
                stream_kwargs = {k: v for k, v in kwargs.items()
                                 if k not in ('smooth_2d', 'smooth_3d')}
                batches = ((frames, self._series_of(rows, source))
                           for frames, rows in self._stream(
                               source, batch_size, lift=True, **stream_kwargs))
            for frames, series in batches:
                records = [frame_record(series, t) for t in range(series.num_frames)]
                drawn = []
                if want_drawing:
                    for t, frame in enumerate(frames):
                        image = (self._drawer(vis_cfg).draw(frame.image, series, t)
                                 if frame.image is not None else None)
                        drawn.append(image)
                        if vis_writer is not None:
                            vis_writer.add(frame, series, t, drawn=image)
                        if show and image is not None:
                            self._show(image)
                if preds is not None:
                    preds.add(records)
                yield dict(predictions=[_mmpose_instances(r) for r in records],
                           visualization=drawn if return_vis else [])
            ok = True
        finally:
            if vis_writer is not None:
                vis_writer.close(success=ok)
            if preds is not None:
                preds.close(success=ok)

    def run(self, inputs: Union[str, int, FrameSource],
            out_dir: Optional[str] = None,
            batch_size: int = 8, det_interval: int = 1, bbox_thr: float = 0.3,
            tracking: Union[bool, dict, None] = None,
            det_batch_size: Optional[int] = None,
            fps: Optional[float] = None, max_frames: Optional[int] = None,
            smooth_2d: Optional[dict] = None, smooth_3d: Optional[dict] = None,
            save_vis: bool = True, kpt_thr: float = 0.3,
            axis_limit: float = 700.0, radius: int = 3, thickness: int = 1,
            save_json: bool = True, save_csv: bool = True,
            save_npz: bool = True, resume: bool = False) -> InferenceRun:
        """Process every frame of ``inputs`` and write the outputs.

        Frames stream through the models batch by batch: memory does not grow
        with the length of the input beyond the keypoint series itself.

        Args:
            inputs: image / folder / video path or camera index (or an open
                frame source).
            out_dir: folder for ``<name>.json``, ``<name>.csv``,
                ``<name>.npz`` and ``<name>_vis.mp4`` (video, camera) or
                ``<name>_vis/*.png`` (images); nothing is written when None.
                While the run goes, finished frames are kept in
                ``<name>.partial.jsonl`` (removed at the end).
            batch_size: frames per batch through the 2D model and lifter.
            det_interval: run the detector every N-th readable frame and carry
                its box over in between.
            bbox_thr: minimum detector score of an infant box.
            tracking: keypoint-guided box tracking (:mod:`.box_tracking`):
                True, or a dict of ``KeypointBoxTracker`` arguments
                (``redetect_interval``, ``min_score``, ``min_iou``, ...).
                The next frame's box comes from this frame's keypoints; the
                detector runs when the track is lost. Frames then go through
                the 2D model one by one (each needs the previous one's box).
            det_batch_size: frames per detector call (default: 1 on CPU,
                where batching a large detector only adds memory, see
                README; ``batch_size`` on a GPU).
            fps: frame rate override (images: the time step between files).
            max_frames: stop a camera after this many frames.
            smooth_2d, smooth_3d: filter configs (``dict(type=...)``) for the
                2D series before lifting and the 3D series after it.
            save_vis, kpt_thr, axis_limit (mm), radius, thickness:
                visualisation settings.
            save_json, save_csv, save_npz: which data files to write.
            resume: continue an interrupted run from its
                ``<name>.partial.jsonl`` in ``out_dir`` (same input and
                settings) instead of starting again.

        Raises:
            FrameSourceError: the input yields no frames (see frame_source).
        """
        # Bad settings fail here, before any frame is read.
        self._check_run_settings(batch_size, det_interval, tracking,
                                 det_batch_size)
        build_filter(smooth_2d)
        build_filter(smooth_3d)
        source = (inputs if isinstance(inputs, FrameSource) else
                  open_frame_source(inputs, fps=fps, max_frames=max_frames))
        smoother_2d = build_filter(_with_fps(smooth_2d, source.fps))
        smoother_3d = build_filter(_with_fps(smooth_3d, source.fps))
        stem = osp.splitext(source.name)[0] or 'run'
        run_cfg = dict(det_interval=det_interval, bbox_thr=bbox_thr,
                       tracking=tracking, smooth_2d=smooth_2d,
                       smooth_3d=smooth_3d)
        vis_cfg = dict(kpt_thr=kpt_thr, axis_limit=axis_limit, radius=radius,
                       thickness=thickness)
        want_vis = bool(out_dir) and save_vis
        video = source.kind in ('video', 'camera')
        vis_target = (osp.join(out_dir, f'{stem}_vis.mp4' if video else f'{stem}_vis')
                      if want_vis else None)

        tables, start = [], 0
        partial = None
        if out_dir:
            header = _jsonable(dict(source=str(source.name), kind=source.kind,
                                    lifted=smoother_2d is None, **run_cfg))
            path = partial_path(out_dir, stem)
            old = (read_partial_run(path, header, self.meta_2d['num_keypoints'])
                   if resume else None)
            if old is not None:
                tables.append(old)
                start = int(old['frame_index'][-1]) + 1
                print_log(f'{path}: resuming after frame {start - 1} '
                          f'({len(old["frame_index"])} frames kept)',
                          logger='current', level=logging.INFO)
            partial = PartialRunWriter(path, header, append=old is not None)
        # Draw while streaming when the drawing cannot change afterwards;
        # otherwise (smoothing, resume) a second pass over the input draws.
        stream_vis = (want_vis and smoother_2d is None and smoother_3d is None
                      and start == 0)
        if want_vis and not stream_vis and not source.rereadable:
            print_log('the visualisation of a camera shows the unsmoothed '
                      'keypoints (its frames are not kept)', logger='current',
                      level=logging.WARNING)
            stream_vis = True
        vis_writer = (self._vis_writer(vis_target, source.fps, vis_cfg)
                      if stream_vis else None)
        ok = False
        try:
            for frames, rows in self._stream(
                    source, batch_size, det_interval=det_interval,
                    bbox_thr=bbox_thr, tracking=tracking,
                    det_batch_size=det_batch_size,
                    lift=smoother_2d is None, start=start):
                tables.append(rows)
                if partial is not None:
                    partial.append(rows)
                if vis_writer is not None:
                    batch_series = self._series_of(rows, source)
                    for t, frame in enumerate(frames):
                        vis_writer.add(frame, batch_series, t)
            ok = True
        except KeyboardInterrupt:
            if partial is not None:
                print_log(f'interrupted: the frames done so far are kept in '
                          f'{partial.path}; run again with resume=True '
                          '(--resume) to continue', logger='current',
                          level=logging.WARNING)
            raise
        finally:
            if partial is not None:
                partial.close()
            if vis_writer is not None:
                vis_writer.close(success=ok)
        rows = concat_rows(tables)
        if rows is None:
            raise FrameSourceError(f'{source.name}: no frames after frame {start}')

        readable = np.array([s != STATUS_UNREADABLE for s in rows['status']],
                            dtype=bool)
        if smoother_2d is not None:
            if readable.any():
                rows['keypoints_2d'] = smoother_2d(rows['keypoints_2d'], readable)
            rows['keypoints_3d'] = self._lift(rows['keypoints_2d'], readable,
                                              rows, int(batch_size))
        if smoother_3d is not None and readable.any():
            rows['keypoints_3d'] = smoother_3d(rows['keypoints_3d'], readable)
        series = self._series_of(rows, source, inputs)
        files = self._write_outputs(series, source, out_dir, save_json,
                                    save_csv, save_npz, run_cfg)
        if vis_writer is not None:
            self._report_vis(vis_writer, files, 'vis')
        elif want_vis:
            writer = self._vis_writer(vis_target, source.fps, vis_cfg)
            ok = False
            try:
                for t, frame in enumerate(source):
                    if t >= series.num_frames:
                        break
                    writer.add(frame, series, t)
                ok = True
            finally:
                writer.close(success=ok)
            self._report_vis(writer, files, 'vis')
        if partial is not None:
            partial.close(remove=True)
        return InferenceRun(series, files)

    # ------------------------------------------------------------ stages
    def _check_run_settings(self, batch_size, det_interval, tracking,
                            det_batch_size) -> None:
        if int(batch_size) < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        if det_batch_size is not None and int(det_batch_size) < 1:
            raise ValueError(f'det_batch_size must be >= 1, got {det_batch_size}')
        BoxSelector(det_interval)
        if tracking:
            if int(det_interval) != 1:
                raise ValueError('tracking re-detects by itself: use '
                                 'tracking=dict(redetect_interval=N), not '
                                 'det_interval')
            _make_tracker(tracking)

    def _stream(self, source: FrameSource, batch_size: int,
                det_interval: int = 1, bbox_thr: float = 0.3,
                tracking: Union[bool, dict, None] = None,
                det_batch_size: Optional[int] = None, lift: bool = True,
                start: int = 0, **unused) -> Iterator[Tuple[List[Frame], dict]]:
        """Yield ``(frames, rows)`` per batch of ``batch_size`` frames from
        frame index ``start`` on; ``rows`` is a row table (see
        :mod:`.partial_run`) with 3D keypoints when ``lift``."""
        if unused:
            raise TypeError(f'unexpected arguments {sorted(unused)}')
        self._check_run_settings(batch_size, det_interval, tracking,
                                 det_batch_size)
        if det_batch_size is None:
            on_gpu = next(self.detector.model.parameters()).is_cuda
            det_batch_size = int(batch_size) if on_gpu else 1
        self._det_batch_size = int(det_batch_size)
        selector = BoxSelector(det_interval)
        tracker = _make_tracker(tracking) if tracking else None
        self.tracker = tracker
        total = source.num_frames - start if source.num_frames else None
        progress = FrameProgress(total, self.show_progress)
        batch: List[Frame] = []

        def flush():
            rows = self._process_batch(batch, selector, tracker, bbox_thr)
            if lift:
                readable = np.array([s != STATUS_UNREADABLE
                                     for s in rows['status']], dtype=bool)
                rows['keypoints_3d'] = self._lift(
                    rows['keypoints_2d'], readable, rows, int(batch_size))
            progress.update(len(batch))
            out = (list(batch), rows)
            batch.clear()
            return out

        try:
            for frame in source.frames(start):
                batch.append(frame)
                if len(batch) == int(batch_size):
                    yield flush()
            if batch:
                yield flush()
        finally:
            progress.close()

    def _process_batch(self, batch: Sequence[Frame], selector: BoxSelector,
                       tracker: Optional[KeypointBoxTracker],
                       bbox_thr: float) -> dict:
        """Boxes and 2D keypoints of one batch as a row table."""
        readable = [f for f in batch if f.readable]
        if tracker is None:
            boxes, keypoints = self._boxes_by_plan(readable, selector, bbox_thr)
        else:
            boxes, keypoints = self._boxes_by_tracking(readable, selector,
                                                       tracker, bbox_thr)
        k = self.meta_2d['num_keypoints']
        n = len(batch)
        rows = dict(frame_index=[f.index for f in batch],
                    names=[f.name for f in batch],
                    status=[], flags=[tuple(f.flags) for f in batch],
                    bboxes=np.full((n, 4), np.nan),
                    bbox_scores=np.full(n, np.nan),
                    keypoints_2d=np.full((n, k, 2), np.nan),
                    keypoint_scores=np.full((n, k), np.nan),
                    image_sizes=np.zeros((n, 2)), keypoints_3d=None)
        for i, frame in enumerate(batch):
            if not frame.readable:
                rows['status'].append(STATUS_UNREADABLE)
                continue
            box, score, status = boxes[frame.index]
            rows['status'].append(status)
            rows['bboxes'][i] = box
            rows['bbox_scores'][i] = score
            rows['keypoints_2d'][i], rows['keypoint_scores'][i] = keypoints[frame.index]
            rows['image_sizes'][i] = frame.image.shape[1::-1]
        return rows

    def _boxes_by_plan(self, readable: List[Frame], selector: BoxSelector,
                       bbox_thr: float) -> Tuple[dict, dict]:
        """Detection every ``det_interval``-th frame; one 2D batch."""
        plan = selector.plan(len(readable))
        detections = self._detect([f.image for f, p in zip(readable, plan) if p],
                                  bbox_thr)
        boxes = {}
        det_iter = iter(detections)
        for frame, detect in zip(readable, plan):
            h, w = frame.image.shape[:2]
            boxes[frame.index] = selector.update(
                next(det_iter) if detect else None, detect, w, h)
        return boxes, self._estimate_2d(readable, boxes)

    def _boxes_by_tracking(self, readable: List[Frame], selector: BoxSelector,
                           tracker: KeypointBoxTracker, bbox_thr: float
                           ) -> Tuple[dict, dict]:
        """Frame by frame: the tracked box, or a detection when the track is
        lost (then this frame is estimated again in the detector's box)."""
        boxes, keypoints = {}, {}
        for frame in readable:
            h, w = frame.image.shape[:2]
            if not tracker.needs_detection():
                box = (tracker.box, selector.last_score, STATUS_TRACKED)
                kpts = self._estimate_2d([frame], {frame.index: box})[frame.index]
                if tracker.observe_tracked(*kpts, w, h):
                    boxes[frame.index], keypoints[frame.index] = box, kpts
                    continue
            detection = self._detect([frame.image], bbox_thr)[0]
            box = selector.update(detection, True, w, h)
            kpts = self._estimate_2d([frame], {frame.index: box})[frame.index]
            tracker.observe_detection(box[0] if detection is not None else None,
                                      *kpts, w, h)
            boxes[frame.index], keypoints[frame.index] = box, kpts
        return boxes, keypoints

    @torch.no_grad()
    def _detect(self, images: List[np.ndarray], bbox_thr: float) -> list:
        """Top infant box (or None) per image.

        The detector's own test pipeline and ``test_step``, in chunks of
        ``det_batch_size`` images (see :meth:`run`): on a CPU one image at a
        time is as fast as a batch and holds one image's activations.
        """
        out = []
        step = max(1, getattr(self, '_det_batch_size', 1))
        for begin in range(0, len(images), step):
            data = self.detector.collate_fn(
                [self.detector.pipeline(img) for img in images[begin:begin + step]])
            for sample in self.detector.model.test_step(data):
                inst = sample.pred_instances.cpu().numpy()
                out.append(top_box(inst.bboxes, inst.scores, inst.labels,
                                   self.det_cat_id, bbox_thr))
        return out

    @torch.no_grad()
    def _estimate_2d(self, frames: Sequence[Frame], boxes: dict) -> dict:
        """frame index -> ((K, 2) px keypoints, (K,) scores), one 2D batch.

        Each crop goes through the 2D config's test pipeline exactly as
        ``mmpose.apis.inference_topdown`` prepares it.
        """
        if not frames:
            return {}
        data = []
        for frame in frames:
            info = dict(img=frame.image, img_path=frame.name,
                        bbox=boxes[frame.index][0][None].astype(np.float32),
                        bbox_score=np.ones(1, dtype=np.float32))
            info.update(self.pose2d.model.dataset_meta)
            data.append(self.pose2d.pipeline(info))
        model = self.pose2d.model
        # model.test_step in two parts: the crops' normalisation is light
        # work (see torch_threads); an exported 2D network runs on ONNX
        # Runtime's own threads, leaving torch only the light work
        with torch_threads(1):
            data = model.data_preprocessor(self.pose2d.collate_fn(data), False)
        with torch_threads(1 if isinstance(model.backbone, OnnxGraph) else None):
            samples = model(**data, mode='predict')
        out = {}
        k = self.meta_2d['num_keypoints']
        for frame, sample in zip(frames, samples):
            inst = sample.pred_instances
            if inst.keypoints.shape[-2] != k:
                raise ValueError(
                    f'the 2D model predicts {inst.keypoints.shape[-2]} joints '
                    f'but its metainfo ({self.definition_2d}) has {k}: the '
                    'checkpoint\'s meta["dataset_meta"] does not describe its '
                    'output; pass keypoint_definition=')
            out[frame.index] = (np.asarray(inst.keypoints, dtype=np.float64)[0],
                                np.asarray(inst.keypoint_scores, dtype=np.float64)[0])
        return out

    @torch.no_grad()
    def _lift(self, keypoints_2d: np.ndarray, readable: np.ndarray, rows: dict,
              batch_size: int) -> np.ndarray:
        """(T, K, 3) mm 3D keypoints relative to the root joint (the lifter
        codec's ``root_index``, the pelvis); NaN for unreadable frames.

        Each frame's 2D pose becomes a sample of the lifter's test pipeline
        (``keypoints`` in the 2D model's definition, flagged by
        ``keypoints_definition`` for ``KeypointMapping``; joints outside the
        image invisible, as in the training data; zero lifting targets so the
        codec's root offset is 0).
        """
        warn_if_other_image_size(
            getattr(getattr(self.model, 'head', None), 'decoder', None),
            rows['image_sizes'][readable])
        k = self.meta_3d['num_keypoints']
        out = np.full((len(keypoints_2d), k, 3), np.nan)
        indices = np.flatnonzero(readable)
        for start in range(0, len(indices), batch_size):
            chunk = indices[start:start + batch_size]
            data = [self.pipeline(self._lifter_sample(keypoints_2d[t],
                                                      rows['image_sizes'][t],
                                                      rows['names'][t]))
                    for t in chunk]
            with torch_threads(1):   # a small MLP: light work
                samples = self.model.test_step(self.collate_fn(data))
            for t, sample in zip(chunk, samples):
                pred = np.asarray(sample.pred_instances.keypoints, dtype=np.float64)
                if pred.size != k * 3:
                    raise ValueError(f'the lifter returned keypoints of shape '
                                     f'{pred.shape}; expected {k} joints x 3')
                out[t] = pred.reshape(k, 3)
        if self.root_index is not None:
            out -= out[:, self.root_index].mean(axis=1, keepdims=True)
        return out

    def _lifter_sample(self, keypoints: np.ndarray, image_size: np.ndarray,
                       name: str) -> dict:
        ks = self._lift_source_joints
        info = dict(self.model.dataset_meta)
        info.update(
            keypoints=keypoints[None].astype(np.float32),
            keypoints_visible=inside_image(keypoints, image_size)[None],
            keypoints_definition=self.definition_2d,
            lifting_target=np.zeros((1, ks, 3), dtype=np.float32),
            lifting_target_visible=np.ones((1, ks), dtype=np.float32),
            camera_param=dict(w=int(image_size[0]), h=int(image_size[1])),
            img_path=name)
        return info

    # ----------------------------------------------------------- outputs
    def _series_of(self, rows: dict, source: FrameSource,
                   inputs=None) -> PoseSeries:
        """A row table as a :class:`PoseSeries`."""
        num = len(rows['status'])
        k = self.meta_3d['num_keypoints']
        kp3d = rows['keypoints_3d']
        return PoseSeries(
            frame_index=np.asarray(rows['frame_index'], dtype=np.int64),
            time_s=np.asarray(rows['frame_index'], dtype=np.float64) / source.fps,
            frame_names=list(rows['names']), status=list(rows['status']),
            flags=list(rows['flags']),
            bboxes=np.asarray(rows['bboxes'], dtype=np.float64).reshape(num, 4),
            bbox_scores=np.asarray(rows['bbox_scores'], dtype=np.float64),
            keypoints_2d=np.asarray(rows['keypoints_2d'], dtype=np.float64),
            keypoint_scores=np.asarray(rows['keypoint_scores'], dtype=np.float64),
            keypoints_3d=(None if kp3d is None else
                          np.asarray(kp3d, dtype=np.float64).reshape(num, k, 3)),
            joint_names=[self.meta_3d['keypoint_id2name'][i] for i in range(k)],
            keypoint_definition=self.definition_3d,
            skeleton=joint_links(self.meta_3d.get('skeleton_links', [])),
            fps=source.fps,
            source=str(inputs if inputs is not None and not isinstance(
                inputs, FrameSource) else source.name),
            image_sizes=np.asarray(rows['image_sizes']).reshape(num, 2))

    def _vis_writer(self, target: str, fps: float, vis_cfg: dict
                    ) -> VisualizationWriter:
        return VisualizationWriter(target, fps, self.pose2d.model.dataset_meta,
                                   self.meta_3d, **vis_cfg)

    def _drawer(self, vis_cfg: dict) -> VisualizationWriter:
        """A writer used only to draw (its visualizers are built once)."""
        key = tuple(sorted(vis_cfg.items()))
        if getattr(self, '_drawer_key', None) != key:
            self._drawer_obj = self._vis_writer('unused.mp4', 30.0, vis_cfg)
            self._drawer_key = key
        return self._drawer_obj

    @staticmethod
    def _show(image_rgb: np.ndarray) -> None:
        import cv2
        cv2.imshow('InfantPoseInferencer', image_rgb[..., ::-1])
        cv2.waitKey(1)

    @staticmethod
    def _report_vis(writer: VisualizationWriter, files: dict, key: str) -> None:
        if writer.written:
            files[key] = writer.out_path
            print_log(f'visualisation written to {writer.out_path}',
                      logger='current', level=logging.INFO)
        else:
            print_log('no readable frame: no visualisation written',
                      logger='current', level=logging.WARNING)

    def _write_outputs(self, series: PoseSeries, source: FrameSource,
                       out_dir: Optional[str], save_json: bool, save_csv: bool,
                       save_npz: bool, run_cfg: dict) -> Dict[str, str]:
        files: Dict[str, str] = {}
        if not out_dir:
            return files
        stem = osp.splitext(source.name)[0] or 'run'
        meta = dict(input_kind=source.kind, settings=_jsonable(run_cfg),
                    keypoint_definition_2d=self.definition_2d)
        if save_json:
            files['json'] = write_json(osp.join(out_dir, f'{stem}.json'), series, meta)
        if save_csv:
            files['csv'] = write_csv(osp.join(out_dir, f'{stem}.csv'), series)
        if save_npz:
            files['npz'] = write_npz(osp.join(out_dir, f'{stem}.npz'), series)
        return files


#: Keyword arguments ``__call__`` passes on to :meth:`InfantPoseInferencer.run`
#: and those of them that only set the drawing.
_RUN_KWARGS = frozenset({'det_interval', 'bbox_thr', 'tracking', 'det_batch_size',
                         'fps', 'max_frames', 'smooth_2d', 'smooth_3d',
                         'kpt_thr', 'axis_limit', 'radius', 'thickness'})
_VIS_KWARGS = frozenset({'kpt_thr', 'axis_limit', 'radius', 'thickness'})


def _make_tracker(tracking: Union[bool, dict]) -> KeypointBoxTracker:
    if tracking is True:
        return KeypointBoxTracker()
    if isinstance(tracking, dict):
        return KeypointBoxTracker(**tracking)
    raise ValueError('tracking must be True or a dict of KeypointBoxTracker '
                     f'arguments, got {tracking!r}')


def _mmpose_instances(record: dict) -> List[dict]:
    """One frame's instances in MMPose's layout, each also naming its frame
    (``frame_id``, ``time`` s, ``status``)."""
    return [dict(inst, frame_id=record['frame_id'], time=record['time'],
                 status=record['status']) for inst in record['instances']]


def _sub_series(series: PoseSeries, a: int, b: int) -> PoseSeries:
    """Frames ``a:b`` of ``series``."""
    cut = {}
    for name in ('frame_index', 'time_s', 'bboxes', 'bbox_scores',
                 'keypoints_2d', 'keypoint_scores', 'keypoints_3d',
                 'image_sizes', 'frame_names', 'status', 'flags'):
        value = getattr(series, name)
        cut[name] = None if value is None else value[a:b]
    return PoseSeries(joint_names=series.joint_names,
                      keypoint_definition=series.keypoint_definition,
                      skeleton=series.skeleton, fps=series.fps,
                      source=series.source, **cut)


def _batches_of(series: PoseSeries, source: FrameSource, batch_size: int):
    """``(frames, sub-series)`` per batch of a finished run (frames read
    again; a camera's are gone and come back without images)."""
    frames = (iter(source) if source.rereadable else
              (Frame(int(i), None, n) for i, n in zip(series.frame_index,
                                                      series.frame_names)))
    for a in range(0, series.num_frames, batch_size):
        b = min(a + batch_size, series.num_frames)
        yield [next(frames) for _ in range(a, b)], _sub_series(series, a, b)


class _PredictionWriter:
    """MMPose's prediction files: ``<stem>.json`` per image, or for a video
    one ``<stem>.json`` = ``[{"frame_id", "instances"}]``, streamed to a
    temporary file frame by frame and moved into place when complete."""

    def __init__(self, out_dir: str, stem: str, video: bool):
        self.out_dir, self.stem, self.video = out_dir, stem, video
        os.makedirs(out_dir, exist_ok=True)
        self._file, self._tmp, self._first = None, None, True
        if video:
            self.path = osp.join(out_dir, f'{stem}.json')
            self._tmp = temp_path(self.path)
            self._file = open(self._tmp, 'w', encoding='utf-8')
            self._file.write('[')

    def add(self, records: List[dict]) -> None:
        for record in records:
            instances = _mmpose_instances(record)
            if self.video:
                self._file.write(('' if self._first else ',') + '\n  ' + json.dumps(
                    dict(frame_id=record['frame_id'], instances=instances)))
                self._first = False
            else:
                name = osp.splitext(osp.basename(record['frame_name']))[0]
                with atomic_open(osp.join(self.out_dir, f'{name}.json')) as f:
                    json.dump(instances, f, indent=2)
        if self._file is not None:
            self._file.flush()

    def close(self, success: bool = True) -> None:
        if self._file is None:
            return
        self._file.write('\n]\n')
        self._file.close()
        self._file = None
        if success:
            os.replace(self._tmp, self.path)
        elif osp.exists(self._tmp):
            os.remove(self._tmp)


def _jsonable(value):
    """Settings as plain JSON values (filter configs are dicts of numbers)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)
