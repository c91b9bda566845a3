"""Reader for a MINI-RGBD root (real or generated): joints, head lengths, boxes.

A root holds sequence folders ``01`` .. ``12`` (layout in FACTS.md §1 and
:mod:`.minirgbd_constants`). :class:`MiniRGBDReader` indexes the selected
sequences into one :class:`SequenceAnnotations` per sequence:

- ``joints_2d`` (N, 25, 2) pixels and ``joints_2d_depth`` (N, 25), the third
  column of ``joints_2Ddep`` as written (unit unverified for the real data;
  millimetres for generated data);
- ``joints_3d_mm`` (N, 25, 3) camera coordinates in millimetres
  (``joints_3D`` files hold metres);
- the sequence's head-segment lengths (2D px, 3D mm): from the
  ``head_length.txt`` the generator writes, else the thesis' table;
- optionally the tight foreground-mask box of each frame.

A frame whose joint file is malformed (wrong line count, wrong number of
values on a line, non-numeric or non-finite values, joint ids not 0..24 in
order) or whose RGB image, mask or joint file is missing is skipped; each skip
is logged with its path and reason, kept in :attr:`MiniRGBDReader.skipped`
and counted in :meth:`MiniRGBDReader.summary`.

Parsing 12 x 1000 frames of text is the slow part, so parsed annotations (and
mask boxes) are cached, one ``.npz`` per sequence, keyed by the size and
mtime of every source file: editing, adding or removing a file re-parses
that sequence.
"""
import hashlib
import json
import logging
import os
import os.path as osp
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from ..structures.bbox import tight_mask_box
from .atomic import atomic_open
from .minirgbd_constants import (  # noqa: F401  (re-exported constants)
    ALL_SEQUENCES, DEPTH_PATTERN, FRAMES_PER_SEQUENCE, HEAD, HEAD_LENGTH_2D_PX,
    HEAD_LENGTH_3D_MM, HEAD_LENGTH_FILE, IMAGE_SIZE, INTRINSICS,
    JOINTS_2D_PATTERN, JOINTS_3D_PATTERN, JOINT_NAMES, MASK_PATTERN, NECK,
    NUM_JOINTS, PARENTS, PELVIS, RGB_PATTERN, SPLITS, resolve_sequences,
    sequence_dir_name)

_CACHE_VERSION = 1
_FOLDERS = dict(rgb=RGB_PATTERN, mask=MASK_PATTERN, joints_2d=JOINTS_2D_PATTERN,
                joints_3d=JOINTS_3D_PATTERN)


#: Frames per sequence the image-id formula leaves room for (MINI-RGBD has 1000).
IMAGE_ID_STRIDE = 100000


def frame_image_id(sequence: int, frame: int) -> int:
    """The integer id of a frame in every file the project writes (COCO
    images, detections, 2D predictions) and in the data sets' ``img_id``:
    ``sequence * 100000 + frame``.

    Raises:
        ValueError: ``frame`` outside ``0 .. 99999`` (ids would collide).
    """
    if not 0 <= frame < IMAGE_ID_STRIDE:
        raise ValueError(f'frame {frame} of sequence {sequence} is outside '
                         f'0..{IMAGE_ID_STRIDE - 1}: no unique image id')
    return int(sequence) * IMAGE_ID_STRIDE + int(frame)


class JointFileError(ValueError):
    """A malformed MINI-RGBD joint file; the message is the reason."""


@dataclass
class SkippedFrame:
    """A frame left out of the index, with the offending file and why."""
    sequence: int
    frame: int
    path: str
    reason: str

    def __str__(self) -> str:
        return f'{self.path}: {self.reason} (sequence {self.sequence}, frame {self.frame})'


@dataclass
class SequenceAnnotations:
    """The usable frames of one sequence (frames sorted ascending).

    Attributes:
        frames: (N,) int frame numbers.
        joints_2d: (N, 25, 2) float64 pixel coordinates (u, v).
        joints_2d_depth: (N, 25) float64 third column of ``joints_2Ddep``.
        joints_3d_mm: (N, 25, 3) float64 camera coordinates in millimetres.
        head_length_2d_px / head_length_3d_mm: head-segment length of the
            sequence (neck -> head joint), pixels / millimetres.
        head_length_source: ``'file'`` (generator's ``head_length.txt``) or
            ``'facts'`` (the thesis table for real sequences).
        mask_boxes: (N, 4) float32 tight xyxy mask boxes, NaN rows for empty
            masks; None unless requested.
    """
    sequence: int
    root: str
    frames: np.ndarray
    joints_2d: np.ndarray
    joints_2d_depth: np.ndarray
    joints_3d_mm: np.ndarray
    head_length_2d_px: float
    head_length_3d_mm: float
    head_length_source: str
    mask_boxes: Optional[np.ndarray] = None

    @property
    def seq_dir(self) -> str:
        return osp.join(self.root, sequence_dir_name(self.sequence))

    def path(self, pattern: str, frame: int) -> str:
        """Path of a per-frame file, e.g. ``path(RGB_PATTERN, 3)``."""
        return osp.join(self.seq_dir, pattern.format(frame))

    def __len__(self) -> int:
        return len(self.frames)


def load_frame_images(seq: SequenceAnnotations, frame: int) -> Dict[str, np.ndarray]:
    """Read a frame's images: ``rgb`` (H, W, 3) uint8 in RGB order, ``depth``
    (H, W) uint16 millimetres, ``mask`` (H, W) bool (True = infant).

    Raises:
        ValueError: a file is missing, unreadable, or not in the MINI-RGBD
            format (e.g. depth not 16-bit single channel), naming the file.
    """
    out = {}
    for key, pattern, flag in (('rgb', RGB_PATTERN, cv2.IMREAD_COLOR),
                               ('depth', DEPTH_PATTERN, cv2.IMREAD_UNCHANGED),
                               ('mask', MASK_PATTERN, cv2.IMREAD_UNCHANGED)):
        path = seq.path(pattern, frame)
        img = cv2.imread(path, flag)
        if img is None:
            raise ValueError(f'{path}: missing or not a readable image')
        out[key] = img
    if out['depth'].dtype != np.uint16 or out['depth'].ndim != 2:
        raise ValueError(f'{seq.path(DEPTH_PATTERN, frame)}: depth must be a 16-bit '
                         f'single-channel PNG (mm), got {out["depth"].dtype} '
                         f'{out["depth"].shape}')
    out['rgb'] = out['rgb'][..., ::-1].copy()
    mask = out['mask']
    out['mask'] = (mask.any(axis=2) if mask.ndim == 3 else mask > 0)
    return out


def parse_joint_file(path: str) -> np.ndarray:
    """Parse a ``joints_2Ddep`` / ``joints_3D`` file into (25, 3) float64.

    Each of the 25 lines must be ``a b c id`` with ``id`` equal to the line
    index. The fast path converts all tokens at once; the line-by-line pass
    runs only to name the problem.

    Raises:
        JointFileError: with the reason (the caller adds the path).
        OSError: the file cannot be read.
    """
    with open(path, 'rb') as f:
        text = f.read().decode('utf-8', errors='replace')
    lines = text.strip().splitlines()
    tokens = text.split()
    if len(lines) == NUM_JOINTS and len(tokens) == 4 * NUM_JOINTS:
        try:
            values = np.array(tokens, dtype=np.float64).reshape(NUM_JOINTS, 4)
        except ValueError:
            values = None
        if (values is not None and np.isfinite(values).all()
                and (values[:, 3] == np.arange(NUM_JOINTS)).all()):
            return values[:, :3]
    _explain_malformed(lines)
    raise JointFileError('malformed joint file')  # unreachable in practice


def _explain_malformed(lines: List[str]) -> None:
    """Raise :class:`JointFileError` naming the first problem in ``lines``."""
    if len(lines) != NUM_JOINTS:
        raise JointFileError(f'expected {NUM_JOINTS} lines, found {len(lines)}')
    for i, line in enumerate(lines):
        parts = line.split()
        if len(parts) != 4:
            raise JointFileError(f'line {i + 1} has {len(parts)} values, expected 4 '
                                 '(x y z joint_id)')
        for tok in parts:
            try:
                value = float(tok)
            except ValueError:
                raise JointFileError(f'non-numeric value {tok!r} on line {i + 1}') from None
            if not np.isfinite(value):
                raise JointFileError(f'non-finite value {tok!r} on line {i + 1}')
        if float(parts[3]) != i:
            raise JointFileError(f'joint ids out of order: line {i + 1} has id '
                                 f'{parts[3]}, expected {i}')


def read_head_length(seq_dir: str, sequence: int) -> Tuple[float, float, str]:
    """``(2d_px, 3d_mm, source)`` of a sequence.

    ``<seq_dir>/head_length.txt`` (written by the generator: lines
    ``2d_px <value>`` and ``3d_mm <value>``, ``#`` comments) wins; otherwise
    the thesis' per-sequence table (FACTS.md §1).

    Raises:
        ValueError: the file exists but is malformed.
    """
    path = osp.join(seq_dir, HEAD_LENGTH_FILE)
    if not osp.exists(path):
        return HEAD_LENGTH_2D_PX[sequence], HEAD_LENGTH_3D_MM[sequence], 'facts'
    values = {}
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            try:
                key, value = parts[0], float(parts[1])
            except (IndexError, ValueError):
                raise ValueError(f'{path}: malformed line {line!r}; expected '
                                 "'2d_px <number>' or '3d_mm <number>'") from None
            values[key] = value
    missing = {'2d_px', '3d_mm'} - set(values)
    if missing:
        raise ValueError(f'{path}: missing {sorted(missing)}')
    if not (values['2d_px'] > 0 and values['3d_mm'] > 0):
        raise ValueError(f'{path}: head lengths must be positive, got {values}')
    return values['2d_px'], values['3d_mm'], 'file'


def _frame_number(name: str, pattern: str) -> Optional[int]:
    """Frame number of a file name matching ``pattern`` (``'syn_{:05d}.png'``), else None."""
    prefix, suffix = pattern.split('{:05d}')
    if not (name.startswith(prefix) and name.endswith(suffix)):
        return None
    digits = name[len(prefix):len(name) - len(suffix)]
    return int(digits) if digits.isdigit() else None


def _scan(seq_dir: str, pattern: str) -> Dict[int, os.DirEntry]:
    """Frame number -> directory entry for the files of one folder."""
    folder, file_pattern = pattern.split('/')
    out = {}
    try:
        with os.scandir(osp.join(seq_dir, folder)) as it:
            for entry in it:
                frame = _frame_number(entry.name, file_pattern)
                if frame is not None:
                    out[frame] = entry
    except FileNotFoundError:
        pass
    return out


def _signature(entries: Sequence[Dict[int, os.DirEntry]], extra: Sequence[str] = ()) -> str:
    """Hash of (name, size, mtime) of the given files: changes when any file does."""
    h = hashlib.sha1(f'v{_CACHE_VERSION}'.encode())
    for listing in entries:
        for frame in sorted(listing):
            st = listing[frame].stat()
            h.update(f'{listing[frame].name}:{st.st_size}:{st.st_mtime_ns};'.encode())
    for path in extra:
        if osp.exists(path):
            st = os.stat(path)
            h.update(f'{path}:{st.st_size}:{st.st_mtime_ns};'.encode())
    return h.hexdigest()


class MiniRGBDReader:
    """Index the annotations of selected MINI-RGBD sequences.

    Args:
        data_root: folder holding ``01`` .. ``12``.
        sequences: ``'train'`` (1-8, default), ``'val'`` (9-10), ``'test'``
            (11-12), ``'all'`` or a list of sequence numbers.
        cache_dir: where the per-sequence ``.npz`` caches go; default
            ``<data_root>/.infant_mmpose_cache``. If it cannot be written, the
            reader warns and works uncached.
        use_cache: False parses everything and writes no cache.

    Example:
        >>> reader = MiniRGBDReader('data/minirgbd', sequences='test')
        >>> seqs = reader.load(mask_boxes=True)
        >>> print(reader.summary())
    """

    def __init__(self, data_root: str, sequences: Union[str, Sequence[int]] = 'train',
                 cache_dir: Optional[str] = None, use_cache: bool = True):
        if not osp.isdir(data_root):
            raise FileNotFoundError(f'MINI-RGBD root {data_root!r} is not a folder')
        self.data_root = osp.abspath(data_root)
        self.sequences = resolve_sequences(sequences)
        self.cache_dir = cache_dir or osp.join(self.data_root, '.infant_mmpose_cache')
        self.use_cache = use_cache
        self.skipped: List[SkippedFrame] = []
        self._loaded: List[SequenceAnnotations] = []

    # ------------------------------------------------------------------ API
    def load(self, mask_boxes: bool = False) -> List[SequenceAnnotations]:
        """Index every selected sequence (skips are logged and kept in ``skipped``).

        Args:
            mask_boxes: also compute (or read cached) tight foreground-mask
                boxes of every frame.

        Raises:
            FileNotFoundError: a selected sequence folder does not exist.
        """
        self.skipped = []
        self._loaded = []
        for seq in self.sequences:
            seq_dir = osp.join(self.data_root, sequence_dir_name(seq))
            if not osp.isdir(seq_dir):
                raise FileNotFoundError(
                    f'MINI-RGBD sequence folder {seq_dir} does not exist (selected '
                    f'sequences: {self.sequences})')
            self._loaded.append(self._load_sequence(seq, seq_dir, mask_boxes))
        for skip in self.skipped:
            print_log(f'MINI-RGBD: skipped frame: {skip}', logger='current',
                      level=logging.WARNING)
        print_log(self.summary(), logger='current',
                  level=logging.WARNING if self.skipped else logging.INFO)
        return self._loaded

    def summary(self) -> str:
        """One line: sequences, indexed frames, skipped frames by reason."""
        kept = sum(len(s) for s in self._loaded)
        text = (f'MINI-RGBD {self.data_root}: sequences {self.sequences}, '
                f'{kept} frames indexed, {len(self.skipped)} skipped')
        if self.skipped:
            reasons = Counter(s.reason.split(':')[0] for s in self.skipped)
            text += ' (' + ', '.join(f'{r}: {n}' for r, n in sorted(reasons.items())) + ')'
        return text

    # ------------------------------------------------------------ internals
    def _load_sequence(self, seq: int, seq_dir: str, mask_boxes: bool) -> SequenceAnnotations:
        listings = {k: _scan(seq_dir, p) for k, p in _FOLDERS.items()}
        head_file = osp.join(seq_dir, HEAD_LENGTH_FILE)
        joint_sig = _signature([listings['joints_2d'], listings['joints_3d']], [head_file])
        cache_path = osp.join(self.cache_dir, f'{sequence_dir_name(seq)}.npz')
        cached = self._read_cache(cache_path, joint_sig)
        if cached is None:
            cached = self._parse_joints(seq, seq_dir, listings)
            cached['joint_signature'] = joint_sig
        parsed_skips = [SkippedFrame(**s) for s in json.loads(str(cached['skipped_json']))]

        # Image / mask presence is re-checked on every load (a listing is cheap).
        frames = cached['frames']
        keep = np.ones(len(frames), dtype=bool)
        skips = list(parsed_skips)
        for i, frame in enumerate(frames.tolist()):
            for key in ('rgb', 'mask'):
                if frame not in listings[key]:
                    path = osp.join(seq_dir, _FOLDERS[key].format(frame))
                    skips.append(SkippedFrame(seq, frame, path, f'missing {key} image'))
                    keep[i] = False
                    break
        skips.sort(key=lambda s: s.frame)
        self.skipped.extend(skips)

        h2d, h3d, source = read_head_length(seq_dir, seq)
        boxes = None
        if mask_boxes:
            mask_sig = _signature([listings['mask']])
            if str(cached.get('mask_signature', '')) != mask_sig:
                cached['mask_boxes'] = self._mask_boxes(seq_dir, frames, listings['mask'])
                cached['mask_signature'] = mask_sig
                cached['dirty'] = True
            boxes = cached['mask_boxes'][keep]
        if cached.pop('dirty', False):
            self._write_cache(cache_path, cached)
        return SequenceAnnotations(
            sequence=seq, root=self.data_root, frames=frames[keep],
            joints_2d=cached['joints_2d'][keep], joints_2d_depth=cached['joints_2d_depth'][keep],
            joints_3d_mm=cached['joints_3d_mm'][keep], head_length_2d_px=h2d,
            head_length_3d_mm=h3d, head_length_source=source, mask_boxes=boxes)

    def _parse_joints(self, seq: int, seq_dir: str, listings) -> Dict[str, np.ndarray]:
        """Parse every frame's two joint files; frames with a bad file are dropped."""
        all_frames = sorted(set().union(*[set(v) for v in listings.values()]))
        frames, j2d, j3d, skips = [], [], [], []
        for frame in all_frames:
            parsed = []
            for key in ('joints_2d', 'joints_3d'):
                path = osp.join(seq_dir, _FOLDERS[key].format(frame))
                if frame not in listings[key]:
                    skips.append(SkippedFrame(seq, frame, path, f'missing {key} file'))
                    break
                try:
                    parsed.append(parse_joint_file(path))
                except (JointFileError, OSError) as err:
                    skips.append(SkippedFrame(seq, frame, path, f'malformed {key} file: {err}'))
                    break
            if len(parsed) == 2:
                frames.append(frame)
                j2d.append(parsed[0])
                j3d.append(parsed[1])
        j2d = np.array(j2d, dtype=np.float64).reshape(-1, NUM_JOINTS, 3)
        j3d = np.array(j3d, dtype=np.float64).reshape(-1, NUM_JOINTS, 3)
        return dict(frames=np.array(frames, dtype=np.int64), joints_2d=j2d[..., :2],
                    joints_2d_depth=j2d[..., 2], joints_3d_mm=j3d * 1000.0,
                    skipped_json=json.dumps([s.__dict__ for s in skips]), dirty=True)

    #: A cold mask-box pass over at least this many frames shows a progress
    #: bar (a real 1000-frame sequence takes about a second).
    PROGRESS_MIN_FRAMES = 200

    @classmethod
    def _mask_boxes(cls, seq_dir: str, frames: np.ndarray, mask_listing) -> np.ndarray:
        """Tight (unpadded) mask box per frame; NaN row when the mask is empty or missing."""
        boxes = np.full((len(frames), 4), np.nan, dtype=np.float32)
        progress = None
        if len(frames) >= cls.PROGRESS_MIN_FRAMES:
            print_log(f'MINI-RGBD: boxes from the {len(frames)} foreground masks of '
                      f'{seq_dir} (cached afterwards)', logger='current')
            progress = ProgressBar(len(frames), file=sys.stdout)
        for i, frame in enumerate(frames.tolist()):
            if progress is not None:
                progress.update()
            if frame not in mask_listing:
                continue
            mask = cv2.imread(mask_listing[frame].path, cv2.IMREAD_UNCHANGED)
            box = None if mask is None else tight_mask_box(mask)
            if box is not None:
                boxes[i] = box
        if progress is not None:
            progress.file.write('\n')
        return boxes

    def _read_cache(self, path: str, signature: str) -> Optional[Dict[str, np.ndarray]]:
        if not self.use_cache or not osp.exists(path):
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                cached = {k: data[k] for k in data.files}
        except (OSError, ValueError, EOFError) as err:  # damaged cache: rebuild it
            print_log(f'MINI-RGBD: ignoring unreadable cache {path}: {err}',
                      logger='current', level=logging.WARNING)
            return None
        if str(cached.get('joint_signature')) != signature:
            return None
        return cached

    def _write_cache(self, path: str, cached: Dict[str, np.ndarray]) -> None:
        if not self.use_cache:
            return
        try:
            with atomic_open(path, 'wb') as f:  # readers never see half a cache
                np.savez(f, **cached)
        except OSError as err:
            print_log(f'MINI-RGBD: cannot write annotation cache {path} ({err}); '
                      'working uncached', logger='current', level=logging.WARNING)
