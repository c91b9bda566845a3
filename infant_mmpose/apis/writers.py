"""Output files of an inference run: JSON, CSV, NPZ and a visualisation.

Every file is written to a temporary name in the destination folder and moved
into place with ``os.replace`` once complete, so an interrupted run never
leaves a half-written output under the final name.
"""
import csv
import io
import json
import os
import os.path as osp
import time
from typing import Optional

import cv2
import numpy as np

from ..fileio.atomic import atomic_open, temp_path
from .frame_source import Frame
from .pose_series import PoseSeries, as_pose_series_arrays, frame_record

JSON_FORMAT = 'infant_mmpose.inference.v1'
CSV_COLUMNS = ('frame', 'time', 'joint', 'x', 'y', 'score', 'X', 'Y', 'Z',
               'status')

def write_json(path: str, series: PoseSeries, extra_meta: Optional[dict] = None) -> str:
    """Write the run as JSON in MMPose's prediction style.

    Layout: ``{"format", "meta": {joint_names, keypoint_definition, skeleton,
    fps, units, num_frames, source, ...}, "frames": [{"frame_id", "time",
    "status", "flags", "instances": [{"bbox", "bbox_score", "keypoints",
    "keypoint_scores", "keypoints_3d"}]}]}``; missing values are ``null``.
    """
    meta = dict(joint_names=list(series.joint_names),
                keypoint_definition=series.keypoint_definition,
                skeleton=[list(p) for p in series.skeleton],
                fps=series.fps, num_frames=series.num_frames,
                source=series.source, units=series.units)
    meta.update(extra_meta or {})
    doc = dict(format=JSON_FORMAT, meta=meta,
               frames=[frame_record(series, t) for t in range(series.num_frames)])
    with atomic_open(path, 'w', encoding='utf-8') as f:
        json.dump(doc, f, indent=1, allow_nan=False)
    return path


def write_csv(path: str, series: PoseSeries) -> str:
    """Write one row per frame and joint: ``frame, time, joint, x, y, score,
    X, Y, Z, status`` (px, s, mm); empty cells where a value is missing.

    Plain comma-separated UTF-8 with a header line, so pandas ``read_csv`` and
    spreadsheets open it without options.
    """
    kp3 = series.keypoints_3d
    with atomic_open(path, 'w', encoding='utf-8', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for t in range(series.num_frames):
            frame = int(series.frame_index[t])
            time_s = _fmt(series.time_s[t], 6)
            for k, joint in enumerate(series.joint_names):
                x, y = series.keypoints_2d[t, k]
                xyz = kp3[t, k] if kp3 is not None else (np.nan,) * 3
                writer.writerow((frame, time_s, joint, _fmt(x), _fmt(y),
                                 _fmt(series.keypoint_scores[t, k], 4),
                                 _fmt(xyz[0]), _fmt(xyz[1]), _fmt(xyz[2]),
                                 series.status[t]))
    return path


def _fmt(value, digits: int = 3) -> str:
    value = float(value)
    return f'{value:.{digits}f}' if np.isfinite(value) else ''


def write_npz(path: str, series: PoseSeries) -> str:
    """Write every array of the run (see :func:`as_pose_series_arrays`) as NPZ."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **as_pose_series_arrays(series))
    with atomic_open(path, 'wb') as f:
        f.write(buffer.getvalue())
    return path


def write_image(path: str, image_bgr: np.ndarray) -> str:
    """Encode an image by the extension of ``path`` and write it atomically."""
    ok, data = cv2.imencode(osp.splitext(path)[1] or '.png', image_bgr)
    if not ok:
        raise ValueError(f'{path}: OpenCV cannot encode an image of shape '
                         f'{image_bgr.shape} in this format')
    with atomic_open(path, 'wb') as f:
        f.write(data.tobytes())
    return path


#: The frame size the drawing sizes (point radius, line width, fonts) are
#: given for; larger frames scale them by the square root of the area ratio.
REFERENCE_FRAME_PX = (640, 480)


def drawing_scale(width: int, height: int) -> float:
    """Factor for point radii, line widths and fonts on a ``width`` x
    ``height`` frame: ``sqrt(area / (640 x 480))``, at least 0.5, so a 3 MP
    photo (2048 x 1536) is drawn 3.2 x larger than a MINI-RGBD frame."""
    ref = REFERENCE_FRAME_PX[0] * REFERENCE_FRAME_PX[1]
    return max(0.5, float(np.sqrt(width * height / ref)))


class VisualizationWriter:
    """Draws each frame with MMPose's visualiser and writes a video or PNGs.

    Left: the frame with the 2D skeleton and box drawn by
    :class:`mmpose.visualization.PoseLocalVisualizer` (colours and links of
    the 2D model's metainfo). Right: a square 3D panel of the frame's
    height: the lifted pose in millimetres relative to the pelvis, on
    millimetre axes centred on the pelvis, titled with the frame's name.
    Point radius, line width and fonts scale with the frame
    (:func:`drawing_scale`), so the skeleton stays visible on
    multi-megapixel photos.

    Args:
        out_path: an ``.mp4``/``.avi`` file (video) or a folder (one PNG per
            frame, named after the frame).
        fps: video frame rate.
        meta_2d: MMPose parsed metainfo of the 2D keypoints.
        meta_3d: parsed metainfo of the 3D keypoints.
        axis_limit: size of the 3D view in mm (700 fits an infant, about
            0.6 m long, with its limbs spread).
        kpt_thr: 2D score below which a joint is not drawn.
        radius, thickness: point radius and line width in pixels on a
            640 x 480 frame (scaled by :func:`drawing_scale` on others).
        axis_azimuth, axis_elev: 3D view angles in degrees; -90 / 0 looks
            along the camera's viewing direction.
    """

    def __init__(self, out_path: str, fps: float, meta_2d: dict, meta_3d: dict,
                 axis_limit: float = 700.0, kpt_thr: float = 0.0,
                 radius: int = 3, thickness: int = 1,
                 axis_azimuth: float = -75.0, axis_elev: float = 15.0):
        from mmpose.visualization import PoseLocalVisualizer
        self.out_path = out_path
        self.is_video = osp.splitext(out_path)[1].lower() in ('.mp4', '.avi')
        self.fps = fps
        self.axis_limit = axis_limit
        self.axis_azimuth = axis_azimuth
        self.axis_elev = axis_elev
        self.kpt_thr = kpt_thr
        self.radius = radius
        self.thickness = thickness
        # visualizer names are global (MMEngine ManagerMixin): one per writer
        tag = f'{id(self)}_{time.time_ns()}'
        self.visualizer = PoseLocalVisualizer(
            name=f'infant_vis2d_{tag}', radius=radius, line_width=thickness)
        self.visualizer.set_dataset_meta(meta_2d)
        # colours and links of the 3D definition, parsed as MMPose does
        colours_3d = PoseLocalVisualizer(name=f'infant_vis3d_{tag}')
        colours_3d.set_dataset_meta(meta_3d)
        self._kpt_color_3d = colours_3d.kpt_color
        self._skeleton_3d = list(colours_3d.skeleton or [])
        self._link_color_3d = colours_3d.link_color
        self._writer = None
        self._tmp_video = None
        self._size = None
        self._pending_blank = 0
        self.written = []

    def draw(self, image_bgr: np.ndarray, series: PoseSeries, t: int) -> np.ndarray:
        """The visualisation of frame ``t`` as an RGB image: the frame with
        its 2D pose, and the 3D panel of the same height beside it."""
        from mmengine.structures import InstanceData
        from mmpose.structures import PoseDataSample
        rgb = np.ascontiguousarray(image_bgr[..., ::-1])
        height, width = rgb.shape[:2]
        scale = drawing_scale(width, height)
        self.visualizer.radius = max(1, round(self.radius * scale))
        self.visualizer.line_width = max(1, round(self.thickness * scale))
        det = PoseDataSample()
        scores = np.nan_to_num(series.keypoint_scores[t:t + 1])
        # PoseLocalVisualizer compares keypoints_visible with kpt_thr (as
        # MMPose's own inferencer fills it: the scores)
        det.pred_instances = InstanceData(
            keypoints=np.nan_to_num(series.keypoints_2d[t:t + 1]),
            keypoint_scores=scores, keypoints_visible=scores,
            bboxes=np.nan_to_num(series.bboxes[t:t + 1]))
        drawn_2d = self.visualizer.add_datasample(
            series.frame_names[t], rgb, data_sample=det, draw_gt=False,
            draw_bbox=True, kpt_thr=self.kpt_thr, show=False)
        kp3 = series.keypoints_3d
        pose = (kp3[t] if kp3 is not None and np.isfinite(kp3[t]).all()
                else None)
        panel = self.draw_3d_panel(pose, height, series.frame_names[t])
        return np.concatenate([drawn_2d, panel], axis=1)

    def draw_3d_panel(self, keypoints_mm: Optional[np.ndarray], size: int,
                      title: str) -> np.ndarray:
        """A ``size`` x ``size`` RGB image of one 3D pose.

        Args:
            keypoints_mm: (K, 3) in camera axes (x right, y down, z
                forward), mm relative to the pelvis; None draws an empty
                panel saying so.
            size: panel side in pixels (the frame's height).
            title: the frame's name, under the panel's heading.
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
        dpi = 100.0
        fig = Figure(figsize=(size / dpi, size / dpi), dpi=dpi)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1, projection='3d')
        ax.view_init(elev=self.axis_elev, azim=self.axis_azimuth)
        # fonts and marks grow with the panel (480 px: 7 pt text)
        grow = size / float(REFERENCE_FRAME_PX[1])
        font = 7.0 * grow
        half = self.axis_limit / 2
        # plot axes: x right, depth z forward, up = -y (camera y is down)
        for set_lim in (ax.set_xlim, ax.set_ylim, ax.set_zlim):
            set_lim(-half, half)
        for axis, label in ((ax.xaxis, 'x (mm)'), (ax.yaxis, 'depth (mm)'),
                            (ax.zaxis, 'up (mm)')):
            axis.set_major_locator(MaxNLocator(nbins=4, symmetric=True))
            axis.set_label_text(label, fontsize=font)
        ax.tick_params(labelsize=0.85 * font, pad=0)
        ax.set_title(f'3D pose, mm from the pelvis\n{title}', fontsize=font)
        if keypoints_mm is not None:
            plot = np.stack([keypoints_mm[:, 0], keypoints_mm[:, 2],
                             -keypoints_mm[:, 1]], axis=-1)
            for k, (i, j) in enumerate(self._skeleton_3d):
                color = (np.asarray(self._link_color_3d[k]) / 255.0
                         if self._link_color_3d is not None else 'k')
                ax.plot(*plot[[i, j]].T, color=color, linewidth=1.5 * grow)
            colors = (np.asarray(self._kpt_color_3d) / 255.0
                      if self._kpt_color_3d is not None else 'r')
            ax.scatter(*plot.T, c=colors, depthshade=False,
                       s=(3.0 * grow)**2)
        else:
            ax.text2D(0.5, 0.5, 'no 3D pose', transform=ax.transAxes,
                      ha='center', fontsize=font)
        fig.subplots_adjust(left=0.0, right=0.95, bottom=0.02, top=0.9)
        canvas.draw()
        panel = np.ascontiguousarray(np.asarray(canvas.buffer_rgba())[..., :3])
        if panel.shape[:2] != (size, size):  # figure inches round to pixels
            panel = cv2.resize(panel, (size, size))
        return panel

    def add(self, frame: Frame, series: PoseSeries, t: int,
            drawn: Optional[np.ndarray] = None) -> None:
        """Draw frame ``t`` (or take its RGB drawing ``drawn``) and append
        it (video) or write its PNG."""
        if frame.image is None:
            # Keep the video's timing: a black frame stands for a lost one
            # (written once the frame size is known).
            if self.is_video:
                self._pending_blank += 1
                if self._size is not None:
                    self._write_pending_blanks()
            return
        drawn = (self.draw(frame.image, series, t) if drawn is None
                 else drawn)[..., ::-1]
        if self.is_video:
            if self._size is None:
                self._size = (drawn.shape[1], drawn.shape[0])
            self._write_pending_blanks()
            self._write_video_frame(drawn)
        else:
            name = osp.basename(series.frame_names[t])
            # video frames are named '<video>:<index>'; files keep their stem
            name = (name.replace(':', '_') if ':' in name else
                    osp.splitext(name)[0]) + '.png'
            self.written.append(write_image(osp.join(self.out_path, name),
                                            np.ascontiguousarray(drawn)))

    def _write_pending_blanks(self) -> None:
        for _ in range(self._pending_blank):
            self._write_video_frame(np.zeros(self._size[::-1] + (3,), np.uint8))
        self._pending_blank = 0

    def _write_video_frame(self, image_bgr: np.ndarray) -> None:
        if self._writer is None:
            os.makedirs(osp.dirname(osp.abspath(self.out_path)), exist_ok=True)
            self._tmp_video = temp_path(self.out_path)
            self._writer = cv2.VideoWriter(
                self._tmp_video, cv2.VideoWriter_fourcc(*'mp4v'), self.fps,
                self._size)
            if not self._writer.isOpened():
                raise RuntimeError(f'{self.out_path}: OpenCV cannot write this '
                                   'video format (use .mp4 or .avi)')
        if (image_bgr.shape[1], image_bgr.shape[0]) != self._size:
            image_bgr = cv2.resize(image_bgr, self._size)
        self._writer.write(np.ascontiguousarray(image_bgr))

    def close(self, success: bool = True) -> None:
        """Finish the video: move it into place, or drop it on failure."""
        if self._writer is None:
            return
        self._writer.release()
        self._writer = None
        if success:
            os.replace(self._tmp_video, self.out_path)
            self.written.append(self.out_path)
        elif osp.exists(self._tmp_video):
            os.remove(self._tmp_video)
