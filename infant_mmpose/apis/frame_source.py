"""Frames from an image, a folder of images, a video file or a camera.

Every source yields :class:`Frame` objects in order. A frame that cannot be
decoded is still yielded (``image=None`` with the ``'unreadable'`` flag) so that
downstream outputs keep one row per frame and frame numbers stay aligned with
the input; problems that leave nothing to read (missing file, a video with no
frames, an empty folder, a camera that does not open) raise
:class:`FrameSourceError` naming the input and the reason.
"""
import logging
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Tuple, Union

import cv2
import numpy as np
from mmengine.logging import print_log

IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp',
                    '.ppm', '.pgm')
VIDEO_EXTENSIONS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg',
                    '.mpeg', '.wmv')

#: Frame flags. ``unreadable``: no image (the frame still gets an output row).
#: ``truncated``: an image file whose data end early or are damaged; the
#: decoder filled in what it could (typically grey below the last intact
#: block) and the frame is processed, but its keypoints deserve doubt.
#: The others say how a readable image was converted to 8-bit BGR.
FLAG_UNREADABLE = 'unreadable'
FLAG_TRUNCATED = 'truncated'
FLAG_GRAYSCALE = 'grayscale'
FLAG_ALPHA_DROPPED = 'alpha_dropped'
FLAG_HIGH_BIT_DEPTH = 'high_bit_depth'

#: Stop a video after this many consecutive undecodable frames: the rest of
#: the file is taken to be damaged rather than a few bad packets.
MAX_CONSECUTIVE_FAILURES = 25

#: Smallest side, in pixels, of an image the models can be run on.
MIN_IMAGE_SIDE = 2


class FrameSourceError(ValueError):
    """An input that yields no frames at all (message names input and reason)."""


@dataclass
class Frame:
    """One input frame.

    Attributes:
        index: 0-based position in the source (video frame number, or position
            of the file in the sorted folder).
        image: (H, W, 3) uint8 BGR image, or None when it could not be read.
        name: file name for image inputs, ``'<video name>:<index>'`` otherwise.
        flags: conversion / failure flags (see ``FLAG_*``).
        message: why the frame is unreadable or truncated ('' otherwise).
    """
    index: int
    image: Optional[np.ndarray]
    name: str
    flags: Tuple[str, ...] = field(default_factory=tuple)
    message: str = ''

    @property
    def readable(self) -> bool:
        return self.image is not None


def to_bgr8(image: Optional[np.ndarray]) -> Tuple[Optional[np.ndarray], Tuple[str, ...], str]:
    """Convert a decoded image to (H, W, 3) uint8 BGR.

    Returns:
        (image or None, flags, message): grayscale gains 3 channels, alpha is
        dropped, 16-bit / float images are rescaled to 8 bits; an empty or
        degenerate image gives ``None`` with the reason.
    """
    if image is None or image.size == 0:
        return None, (FLAG_UNREADABLE,), 'cannot be decoded as an image'
    flags = []
    if image.dtype != np.uint8:
        flags.append(FLAG_HIGH_BIT_DEPTH)
        if np.issubdtype(image.dtype, np.integer):
            image = (image.astype(np.float64) *
                     (255.0 / np.iinfo(image.dtype).max)).round().astype(np.uint8)
        else:
            image = (np.clip(np.nan_to_num(image.astype(np.float64)), 0, 1)
                     * 255).round().astype(np.uint8)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        flags.append(FLAG_GRAYSCALE)
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    elif image.ndim == 3 and image.shape[2] == 4:
        flags.append(FLAG_ALPHA_DROPPED)
        image = np.ascontiguousarray(image[..., :3])
    if image.ndim != 3 or image.shape[2] != 3:
        return None, (FLAG_UNREADABLE,), f'unsupported image shape {image.shape}'
    if min(image.shape[:2]) < MIN_IMAGE_SIDE:
        return None, (FLAG_UNREADABLE,), (
            f'image of {image.shape[1]}x{image.shape[0]} px is too small '
            f'(sides must be >= {MIN_IMAGE_SIDE} px)')
    return image, tuple(flags), ''


def image_file_damage(path: str) -> str:
    """Why an image file decodes only partly, or ``''`` when it is whole.

    OpenCV decodes a truncated JPEG without an error (libjpeg fills the
    missing blocks with grey and only warns on stderr), so the file is
    checked separately with Pillow, which refuses truncated or corrupt
    data. JPEGs are read at 1/8 scale (``draft``): the entropy-coded data
    are still read to the end, at a fraction of the decoding cost. Formats
    Pillow cannot open are not judged (``''``).
    """
    from PIL import Image, ImageFile, UnidentifiedImageError
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # a global another library may set
        return ''
    try:
        with Image.open(path) as im:
            if im.format == 'JPEG':
                im.draft(im.mode, (max(1, im.width // 8),
                                   max(1, im.height // 8)))
            im.load()
    except (UnidentifiedImageError, NotImplementedError):
        return ''
    except (OSError, SyntaxError, ValueError) as err:
        return str(err) or type(err).__name__
    return ''


def read_image_frame(path: str, index: int) -> Frame:
    """Read one image file into a :class:`Frame` (flagged if unreadable, or
    ``truncated`` when only part of it could be decoded)."""
    # Any depth / any colour keeps grayscale and 16-bit images as they are
    # (to_bgr8 flags them) and, unlike IMREAD_UNCHANGED, applies the EXIF
    # orientation that phone cameras write. An alpha channel is dropped.
    raw = cv2.imread(path, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
    image, flags, message = to_bgr8(raw)
    if image is None:
        message = f'{path}: {message}'
        print_log(f'frame {index}: {message}; it is kept as an empty row',
                  logger='current', level=logging.WARNING)
        return Frame(index, image, osp.basename(path), flags, message)
    damage = image_file_damage(path)
    if damage:
        flags = flags + (FLAG_TRUNCATED, )
        message = f'{path}: decoded only in part ({damage})'
        print_log(f'frame {index}: {message}; it is processed and flagged '
                  f'{FLAG_TRUNCATED!r}', logger='current',
                  level=logging.WARNING)
    return Frame(index, image, osp.basename(path), flags, message)


class FrameSource:
    """Base class. Iterating yields :class:`Frame`; file sources can be iterated
    again (the visualisation pass re-reads them), cameras cannot.

    Attributes:
        kind: 'image' | 'folder' | 'video' | 'camera'.
        name: base name used for output files.
        fps: frames per second (from the video; ``default_fps`` otherwise).
        num_frames: number of frames if known in advance, else None.
        rereadable: whether iterating again gives the same frames.
    """
    kind = ''
    rereadable = True

    def __init__(self, name: str, fps: float, num_frames: Optional[int]):
        self.name = name
        self.fps = float(fps)
        self.num_frames = num_frames

    def __iter__(self) -> Iterator[Frame]:
        raise NotImplementedError

    def frames(self, start: int = 0) -> Iterator[Frame]:
        """The frames from index ``start`` on (a resumed run)."""
        if start and not self.rereadable:
            raise FrameSourceError(f'{self.name}: a live source cannot start '
                                   f'at frame {start}')
        for frame in self:
            if frame.index >= start:
                yield frame


class ImageListSource(FrameSource):
    """A single image file or the sorted image files of a folder."""

    def __init__(self, paths: List[str], name: str, kind: str, fps: float):
        super().__init__(name, fps, len(paths))
        self.paths = paths
        self.kind = kind

    def __iter__(self) -> Iterator[Frame]:
        return self.frames(0)

    def frames(self, start: int = 0) -> Iterator[Frame]:
        for index in range(start, len(self.paths)):
            yield read_image_frame(self.paths[index], index)


class VideoSource(FrameSource):
    """A video file read with OpenCV; undecodable frames are flagged, not lost."""
    kind = 'video'

    def __init__(self, path: str, fps: Optional[float] = None):
        cap = cv2.VideoCapture(path)
        try:
            if not cap.isOpened():
                raise FrameSourceError(
                    f'{path}: cannot open the video (not a video file, '
                    'damaged, or a codec OpenCV cannot decode)')
            count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
            native_fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
            # A damaged start is not an empty video: look a little further.
            for _ in range(MAX_CONSECUTIVE_FAILURES + 1):
                ok, first = cap.read()
                if ok and first is not None:
                    break
        finally:
            cap.release()
        if not ok or first is None:
            raise FrameSourceError(f'{path}: the video has no readable frames '
                                   f'(container reports {count} frames)')
        if fps is None:
            fps = native_fps if native_fps > 0 else 30.0
        super().__init__(osp.basename(path), fps, count if count > 0 else None)
        self.path = path

    def __iter__(self) -> Iterator[Frame]:
        return self.frames(0)

    def frames(self, start: int = 0) -> Iterator[Frame]:
        cap = cv2.VideoCapture(self.path)
        index, failures = 0, 0
        if start:
            # Seek (no decoding of the frames before); a container that
            # cannot seek exactly is read up to the frame instead.
            cap.set(cv2.CAP_PROP_POS_FRAMES, start)
            if int(cap.get(cv2.CAP_PROP_POS_FRAMES)) == start:
                index = start
            else:
                cap.release()
                cap = cv2.VideoCapture(self.path)
        try:
            while True:
                if self.num_frames is not None and index >= self.num_frames:
                    break
                ok, raw = cap.read()
                if ok and raw is not None:
                    failures = 0
                    image, flags, message = to_bgr8(raw)
                else:
                    failures += 1
                    # Without a frame count, a failed read is the end of file.
                    if (self.num_frames is None
                            or failures > MAX_CONSECUTIVE_FAILURES):
                        if self.num_frames is not None:
                            print_log(
                                f'{self.path}: stopped after {failures} '
                                f'undecodable frames in a row at frame '
                                f'{index} of {self.num_frames}',
                                logger='current', level=logging.WARNING)
                        break
                    image, flags = None, (FLAG_UNREADABLE,)
                    message = f'{self.path}: frame {index} cannot be decoded'
                    print_log(message + '; it is kept as an empty row',
                              logger='current', level=logging.WARNING)
                if index >= start:
                    yield Frame(index, image, f'{self.name}:{index:06d}',
                                flags, message)
                index += 1
        finally:
            cap.release()


class CameraSource(FrameSource):
    """A live camera (OpenCV device index); ``max_frames`` bounds the run."""
    kind = 'camera'
    rereadable = False

    def __init__(self, index: int, fps: Optional[float] = None,
                 max_frames: Optional[int] = None):
        self.cap = cv2.VideoCapture(index)
        if not self.cap.isOpened():
            self.cap.release()
            raise FrameSourceError(f'camera {index}: cannot be opened (no such '
                                   'device, or it is in use)')
        native_fps = self.cap.get(cv2.CAP_PROP_FPS) or 0.0
        super().__init__(f'camera{index}', fps or native_fps or 30.0, max_frames)
        self.max_frames = max_frames

    def __iter__(self) -> Iterator[Frame]:
        index = 0
        try:
            while self.max_frames is None or index < self.max_frames:
                ok, raw = self.cap.read()
                if not ok:
                    break
                image, flags, message = to_bgr8(raw)
                yield Frame(index, image, f'{self.name}:{index:06d}', flags,
                            message)
                index += 1
        finally:
            self.cap.release()


def _is_camera_index(inputs) -> bool:
    if isinstance(inputs, bool):
        return False
    if isinstance(inputs, int):
        return True
    return isinstance(inputs, str) and inputs.isdigit() and not osp.exists(inputs)


def open_frame_source(inputs: Union[str, int], fps: Optional[float] = None,
                      max_frames: Optional[int] = None,
                      default_fps: float = 30.0) -> FrameSource:
    """Open ``inputs`` as a frame source.

    Args:
        inputs: path of an image, a folder of images or a video; or a camera
            index (int, or a string of digits that is not an existing path).
        fps: override of the frame rate (images have none of their own).
        max_frames: stop a camera after this many frames.
        default_fps: frame rate for image inputs when ``fps`` is not given.

    Raises:
        FrameSourceError: missing path, empty folder, unreadable single image,
            unopenable or frameless video, unopenable camera, unknown file type.
    """
    if _is_camera_index(inputs):
        return CameraSource(int(inputs), fps, max_frames)
    if not isinstance(inputs, str):
        raise FrameSourceError(f'input must be a path or a camera index, got '
                               f'{type(inputs).__name__}')
    path = inputs
    if not osp.exists(path):
        raise FrameSourceError(f'{path}: no such file or folder')
    if osp.isdir(path):
        files = sorted(f for f in os.listdir(path)
                       if f.lower().endswith(IMAGE_EXTENSIONS)
                       and osp.isfile(osp.join(path, f)))
        if not files:
            raise FrameSourceError(f'{path}: the folder holds no image files '
                                   f'({", ".join(IMAGE_EXTENSIONS)})')
        return ImageListSource([osp.join(path, f) for f in files],
                               osp.basename(osp.normpath(path)), 'folder',
                               fps or default_fps)
    ext = osp.splitext(path)[1].lower()
    if ext in IMAGE_EXTENSIONS:
        frame = read_image_frame(path, 0)
        if not frame.readable:
            raise FrameSourceError(frame.message)
        return ImageListSource([path], osp.splitext(osp.basename(path))[0],
                               'image', fps or default_fps)
    if ext in VIDEO_EXTENSIONS:
        return VideoSource(path, fps)
    raise FrameSourceError(f'{path}: unknown input type "{ext}": expected an '
                           f'image ({", ".join(IMAGE_EXTENSIONS)}), a video '
                           f'({", ".join(VIDEO_EXTENSIONS)}), a folder of '
                           'images or a camera index')
