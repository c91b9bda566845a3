"""``InfantPoseInferencer``: RGB frames -> infant box -> 2D keypoints -> 3D (mm).

MMPose's ``Pose3DInferencer`` converts 2D keypoints with
``convert_keypoint_definition``, which only knows Human3.6M-style lifters, and
normalises them by the box for its own lifters. This inferencer chains the
project's three models instead and gives the lifter exactly what its config
gave it in training: each 2D pose goes through the lifter config's test
pipeline (``KeypointMapping``, the codec via ``GenerateTarget``,
``PackPoseInputs``), built from that config, not re-implemented here.

Stages, each batched over frames:

1. frames from :mod:`.frame_source` (image, folder, video, camera);
2. the detector (MMDetection's ``DetInferencer``): the top-scoring infant box
   per frame (:mod:`.box_selection`), optionally every N frames;
3. the 2D model (MMPose's ``Pose2DInferencer`` model, test pipeline and
   collate function) on the box crops;
4. optional smoothing of the 2D series (:mod:`infant_mmpose.smoothing`);
5. the lifter (this class's own model, an MMPose ``PoseLifter``);
6. optional smoothing of the 3D series;
7. outputs (:mod:`.writers`): JSON, CSV, NPZ and a visualisation.
"""
import inspect
import logging
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope
from mmengine.runner.checkpoint import _load_checkpoint

from mmpose.apis.inferencers import Pose2DInferencer
from mmpose.apis.inferencers.base_mmpose_inferencer import BaseMMPoseInferencer
from mmpose.registry import INFERENCERS

from infant_mmpose.datasets.keypoint_definitions import (available_definitions,
                                                         get_definition)
from infant_mmpose.models.codecs.raw_pixel_pose_lifting import \
    warn_if_other_image_size
from infant_mmpose.smoothing import build_filter
from infant_mmpose.utils import config_path
from .box_selection import BoxSelector, top_box
from .frame_source import Frame, FrameSource, open_frame_source
from .pose_series import (STATUS_UNREADABLE, PoseSeries, frame_record,
                          joint_links)
from .progress import FrameProgress
from .writers import VisualizationWriter, write_csv, write_json, write_npz

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
    """(K,) float32 visibility: 1 for joints inside the (width, height) image.

    The lifter's training data mark joints outside the image invisible
    (MINI-RGBD ``keypoints_visible``), so predicted 2D poses are flagged the
    same way before they enter the lifter's pipeline.
    """
    w, h = float(image_size[0]), float(image_size[1])
    x, y = keypoints[..., 0], keypoints[..., 1]
    return ((x >= 0) & (x < w) & (y >= 0) & (y < h)).astype(np.float32)


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
            (``backend='onnxruntime'``; default: a temporary folder).

    Use like MMPose's inferencers::

        inferencer = InfantPoseInferencer(lifter_cfg, lifter_ckpt, pose2d_cfg,
                                          pose2d_ckpt, det_cfg, det_ckpt)
        for result in inferencer('video.mp4', out_dir='out'):
            print(result['frame_id'], result['predictions'][0][0]['keypoints_3d'])

    or call :meth:`run` for the whole :class:`PoseSeries` and file paths.
    """

    preprocess_kwargs: set = {'det_interval', 'bbox_thr', 'fps', 'max_frames'}
    forward_kwargs: set = {'smooth_2d', 'smooth_3d'}
    visualize_kwargs: set = {'save_vis', 'kpt_thr', 'axis_limit', 'radius',
                             'thickness'}
    postprocess_kwargs: set = {'save_json', 'save_csv', 'save_npz'}

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
                 onnx_dir: Optional[str] = None) -> None:
        if backend not in ('pytorch', 'onnxruntime'):
            raise ValueError("backend must be 'pytorch' or 'onnxruntime', "
                             f'got {backend!r}')
        if backend == 'onnxruntime':   # fail before building anything
            from .onnx_backend import require_onnxruntime
            require_onnxruntime()
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
            self.onnx_files = use_onnx_runtime_for_inferencer(self, onnx_dir)

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
                'definition (set the lifter pipeline\'s KeypointMapping target)')

    # ------------------------------------------------------------------ API
    def __call__(self, inputs: Union[str, int], return_datasamples: bool = False,
                 batch_size: int = 8, out_dir: Optional[str] = None,
                 **kwargs) -> Iterator[dict]:
        """Run on ``inputs`` and yield one MMPose-style result per frame.

        Each result: ``{'frame_id', 'time', 'status', 'predictions':
        [[instance]], 'visualization': []}`` where ``instance`` holds
        ``bbox``, ``bbox_score``, ``keypoints`` (px), ``keypoint_scores`` and
        ``keypoints_3d`` (mm). Keyword arguments are those of :meth:`run`.
        """
        if return_datasamples:
            raise ValueError('InfantPoseInferencer returns plain records only')
        pre, fwd, vis, post = self._dispatch_kwargs(**kwargs)
        result = self.run(inputs, out_dir=out_dir, batch_size=batch_size,
                          **pre, **fwd, **vis, **post)
        for t in range(result.series.num_frames):
            record = frame_record(result.series, t)
            yield dict(frame_id=record['frame_id'], time=record['time'],
                       status=record['status'],
                       predictions=[record['instances']], visualization=[])

    def run(self, inputs: Union[str, int], out_dir: Optional[str] = None,
            batch_size: int = 8, det_interval: int = 1, bbox_thr: float = 0.3,
            fps: Optional[float] = None, max_frames: Optional[int] = None,
            smooth_2d: Optional[dict] = None, smooth_3d: Optional[dict] = None,
            save_vis: bool = True, kpt_thr: float = 0.3,
            axis_limit: float = 700.0, radius: int = 3, thickness: int = 1,
            save_json: bool = True, save_csv: bool = True,
            save_npz: bool = True) -> InferenceRun:
        """Process every frame of ``inputs`` and write the outputs.

        Args:
            inputs: image / folder / video path or camera index.
            out_dir: folder for ``<name>.json``, ``<name>.csv``,
                ``<name>.npz`` and ``<name>_vis.mp4`` (video, camera) or
                ``<name>_vis/*.png`` (images); nothing is written when None.
            batch_size: frames per batch through the detector, 2D model and
                lifter.
            det_interval: run the detector every N-th readable frame and carry
                its box over in between.
            bbox_thr: minimum detector score of an infant box.
            fps: frame rate override (images: the time step between files).
            max_frames: stop a camera after this many frames.
            smooth_2d, smooth_3d: filter configs (``dict(type=...)``) for the
                2D series before lifting and the 3D series after it.
            save_vis, kpt_thr, axis_limit (mm), radius, thickness:
                visualisation settings.
            save_json, save_csv, save_npz: which data files to write.

        Raises:
            FrameSourceError: the input yields no frames (see frame_source).
        """
        if int(batch_size) < 1:
            raise ValueError(f'batch_size must be >= 1, got {batch_size}')
        # Bad settings fail here, before any frame is read.
        selector = BoxSelector(det_interval)
        build_filter(smooth_2d)
        build_filter(smooth_3d)
        source = open_frame_source(inputs, fps=fps, max_frames=max_frames)
        smoother_2d = build_filter(_with_fps(smooth_2d, source.fps))
        smoother_3d = build_filter(_with_fps(smooth_3d, source.fps))
        want_vis = bool(out_dir) and save_vis
        kept_frames: Optional[List[Frame]] = (
            [] if want_vis and not source.rereadable else None)

        rows = self._detect_and_estimate_2d(source, int(batch_size), selector,
                                            bbox_thr, kept_frames)
        readable = np.array([s != STATUS_UNREADABLE for s in rows['status']],
                            dtype=bool)
        kp2d = rows['keypoints_2d']
        if smoother_2d is not None and readable.any():
            kp2d = smoother_2d(kp2d, readable)
        kp3d = self._lift(kp2d, readable, rows, int(batch_size))
        if smoother_3d is not None and readable.any():
            kp3d = smoother_3d(kp3d, readable)

        num = len(rows['status'])
        series = PoseSeries(
            frame_index=np.asarray(rows['frame_index'], dtype=np.int64),
            time_s=np.asarray(rows['frame_index'], dtype=np.float64) / source.fps,
            frame_names=rows['names'], status=rows['status'],
            flags=rows['flags'], bboxes=rows['bboxes'].reshape(num, 4),
            bbox_scores=rows['bbox_scores'], keypoints_2d=kp2d,
            keypoint_scores=rows['keypoint_scores'], keypoints_3d=kp3d,
            joint_names=[self.meta_3d['keypoint_id2name'][i]
                         for i in range(self.meta_3d['num_keypoints'])],
            keypoint_definition=self.definition_3d,
            skeleton=joint_links(self.meta_3d.get('skeleton_links', [])),
            fps=source.fps, source=str(inputs),
            image_sizes=rows['image_sizes'].reshape(num, 2))
        files = self._write_outputs(series, source, out_dir, kept_frames,
                                    save_json, save_csv, save_npz, want_vis,
                                    dict(kpt_thr=kpt_thr, axis_limit=axis_limit,
                                         radius=radius, thickness=thickness),
                                    dict(det_interval=det_interval,
                                         bbox_thr=bbox_thr,
                                         smooth_2d=smooth_2d,
                                         smooth_3d=smooth_3d))
        return InferenceRun(series, files)

    # ------------------------------------------------------------ stages
    def _detect_and_estimate_2d(self, source: FrameSource, batch_size: int,
                                selector: BoxSelector, bbox_thr: float,
                                kept_frames: Optional[List[Frame]]) -> dict:
        """Boxes and 2D keypoints for every frame, in input order."""
        k = self.meta_2d['num_keypoints']
        rows = dict(frame_index=[], names=[], status=[], flags=[], bboxes=[],
                    bbox_scores=[], keypoints_2d=[], keypoint_scores=[],
                    image_sizes=[])
        progress = FrameProgress(source.num_frames, self.show_progress)
        batch: List[Frame] = []

        def flush():
            self._process_batch(batch, selector, bbox_thr, rows, k)
            progress.update(len(batch))
            batch.clear()

        try:
            for frame in source:
                if kept_frames is not None:
                    kept_frames.append(frame)
                batch.append(frame)
                if len(batch) == batch_size:
                    flush()
            if batch:
                flush()
        finally:
            progress.close()
        for key in ('bboxes', 'bbox_scores', 'keypoints_2d', 'keypoint_scores',
                    'image_sizes'):
            rows[key] = np.asarray(rows[key], dtype=np.float64)
        rows['keypoints_2d'] = rows['keypoints_2d'].reshape(-1, k, 2)
        rows['keypoint_scores'] = rows['keypoint_scores'].reshape(-1, k)
        return rows

    def _process_batch(self, batch: Sequence[Frame], selector: BoxSelector,
                       bbox_thr: float, rows: dict, k: int) -> None:
        readable = [f for f in batch if f.readable]
        plan = selector.plan(len(readable))
        detections = self._detect([f.image for f, p in zip(readable, plan) if p],
                                  bbox_thr)
        boxes = {}
        det_iter = iter(detections)
        for frame, detect in zip(readable, plan):
            h, w = frame.image.shape[:2]
            boxes[frame.index] = selector.update(
                next(det_iter) if detect else None, detect, w, h)
        keypoints = self._estimate_2d(readable, boxes)
        for frame in batch:
            rows['frame_index'].append(frame.index)
            rows['names'].append(frame.name)
            rows['flags'].append(tuple(frame.flags))
            if not frame.readable:
                rows['status'].append(STATUS_UNREADABLE)
                rows['bboxes'].append([np.nan] * 4)
                rows['bbox_scores'].append(np.nan)
                rows['keypoints_2d'].append(np.full((k, 2), np.nan))
                rows['keypoint_scores'].append(np.full(k, np.nan))
                rows['image_sizes'].append((0, 0))
                continue
            box, score, status = boxes[frame.index]
            kpts, scores = keypoints[frame.index]
            rows['status'].append(status)
            rows['bboxes'].append(box)
            rows['bbox_scores'].append(score)
            rows['keypoints_2d'].append(kpts)
            rows['keypoint_scores'].append(scores)
            rows['image_sizes'].append(frame.image.shape[1::-1])

    @torch.no_grad()
    def _detect(self, images: List[np.ndarray], bbox_thr: float) -> list:
        """Top infant box (or None) per image, one detector batch."""
        if not images:
            return []
        samples = self.detector(images, batch_size=len(images),
                                return_datasamples=True, no_save_vis=True,
                                no_save_pred=True)['predictions']
        out = []
        for sample in samples:
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
        samples = self.pose2d.model.test_step(self.pose2d.collate_fn(data))
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
    def _write_outputs(self, series: PoseSeries, source: FrameSource,
                       out_dir: Optional[str], kept_frames, save_json: bool,
                       save_csv: bool, save_npz: bool, want_vis: bool,
                       vis_cfg: dict, run_cfg: dict) -> Dict[str, str]:
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
        if want_vis:
            video = source.kind in ('video', 'camera')
            target = osp.join(out_dir, f'{stem}_vis.mp4' if video else f'{stem}_vis')
            writer = VisualizationWriter(target, series.fps, self.pose2d.model.dataset_meta,
                                         self.meta_3d, **vis_cfg)
            frames = kept_frames if kept_frames is not None else source
            ok = False
            try:
                for t, frame in enumerate(frames):
                    if t >= series.num_frames:
                        break
                    writer.add(frame, series, t)
                ok = True
            finally:
                writer.close(success=ok)
            if writer.written:
                files['vis'] = target
                print_log(f'visualisation written to {target}',
                          logger='current', level=logging.INFO)
            else:
                print_log('no readable frame: no visualisation written',
                          logger='current', level=logging.WARNING)
        return files


def _jsonable(value):
    """Settings as plain JSON values (filter configs are dicts of numbers)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)
