"""Convert a ``SavedModels`` folder of the thesis into MMEngine checkpoints.

``convert_saved_models(saved_dir, out_dir, detector=None)`` reads the files
listed in :data:`RELEASE_FILES` (and a detector file), converts each with
:mod:`.thesis_checkpoints`, loads the result strictly into the model of its
``configs/thesis_release/`` config (so a file that does not fit is refused,
not written), and writes ordinary MMEngine checkpoints (``state_dict`` +
``meta`` with ``dataset_meta``) plus ``conversion_report.txt``.
"""
import glob
import os
import os.path as osp
import zipfile
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from infant_mmpose.utils import config_path
from infant_mmpose.fileio.atomic import atomic_open
from .thesis_checkpoints import (ThesisCheckpointError, check_fits,
                                 classify_state_dict, convert_detector,
                                 convert_lifter, convert_pose2d,
                                 detector_num_classes, lifter_shape,
                                 load_thesis_checkpoint, pose2d_num_keypoints,
                                 sha256_of, thesis_state_summary)


@dataclass(frozen=True)
class ReleaseFile:
    folder: str  # SavedModels/<folder>/model.tar
    kind: str  # 'pose2d' | 'lifter'
    output: str  # file name in OUT_DIR
    required: bool
    role: str


#: The files the thesis code loads (THESIS_WEIGHTS.md section 1).
RELEASE_FILES = (
    ReleaseFile('MINI_RGBD_2D', 'pose2d', 'pose2d.pth', True,
                'final infant 2D model'),
    ReleaseFile('MINI_RGBD_FineTune', 'lifter', 'lifter.pth', True,
                'final lifter (fine-tuned on the 2D model\'s predictions)'),
    ReleaseFile('MPII2D', 'pose2d', 'pose2d_mpii.pth', False,
                'adult MPII 2D model (start of the MINI-RGBD fine-tune)'),
    ReleaseFile('MPII2DFlip', 'pose2d', 'pose2d_mpii-flip.pth', False,
                'MPII 2D model named in Evaluation.py (purpose unknown)'),
    ReleaseFile('MINI_RGBD_Lift', 'lifter', 'lifter_gt2d.pth', False,
                'lifter trained on ground-truth 2D (not fine-tuned)'),
    ReleaseFile('MPI_INFLifting', 'lifter', 'lifter_mpi-inf-3dhp.pth', False,
                'adult MPI-INF-3DHP lifter (assumes 2048x2048 frames)'),
)

#: configs/thesis_release/<kind>.py
RELEASE_CONFIGS = dict(detector='thesis_release/detector.py',
                       pose2d='thesis_release/pose2d.py',
                       lifter='thesis_release/lifter.py')


@dataclass
class ConversionReport:
    """What was converted, missing or refused."""
    converted: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    refused: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    outputs: Dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when nothing was refused and every required file converted."""
        return not self.refused and not any(
            m.startswith('required') for m in self.missing) and bool(
                self.outputs)

    def text(self) -> str:
        lines = ['thesis -> MMEngine conversion report']
        for title, items in (('converted', self.converted),
                             ('missing', self.missing),
                             ('REFUSED', self.refused), ('notes', self.notes)):
            lines.append(f'{title}: {len(items)}')
            lines += [f'  - {item}' for item in items]
        return '\n'.join(lines) + '\n'


def find_saved_models(path: str) -> str:
    """The folder holding ``MINI_RGBD_2D/`` etc.: ``path`` or its
    ``SavedModels/`` child (the zip unpacks to ``SavedModels/...``).

    Raises:
        ThesisCheckpointError: a zip file (unzip it first) or no folder.
    """
    if osp.isfile(path) and zipfile.is_zipfile(path):
        raise ThesisCheckpointError(
            f'{path} is a zip archive: unzip it first (unzip {path} -d DIR) '
            'and pass the SavedModels folder')
    if not osp.isdir(path):
        raise ThesisCheckpointError(f'{path}: no such folder')
    child = osp.join(path, 'SavedModels')
    if not any(osp.isdir(osp.join(path, f.folder)) for f in RELEASE_FILES) \
            and osp.isdir(child):
        return child
    return path


def _build(kind: str, overrides: Optional[dict] = None):
    cfg = Config.fromfile(config_path(RELEASE_CONFIGS[kind]))
    if overrides:
        cfg.merge_from_dict(overrides)
    scope = cfg.get('default_scope', 'mmpose')
    init_default_scope(scope)
    if scope == 'mmdet':
        from mmdet.registry import MODELS
    else:
        from mmpose.registry import MODELS
    return MODELS.build(cfg.model)


def _mpii16_meta() -> dict:
    from infant_mmpose.structures.keypoint_definitions import get_definition
    return get_definition('mpii16')


def convert_one(kind: str, src: str) -> dict:
    """Read, convert and strictly check one thesis file.

    Returns:
        dict(state_dict=..., meta=...) ready for ``torch.save``.

    Raises:
        ThesisCheckpointError: unreadable, wrong kind, or does not fit.
    """
    ckpt = load_thesis_checkpoint(src)
    state = ckpt['model_state_dict']
    found = classify_state_dict(state)
    if found != kind:
        raise ThesisCheckpointError(
            f'{src}: expected a {kind} checkpoint, found '
            f'{found or "an unknown layout"} (first keys {list(state)[:3]})')
    if kind == 'pose2d':
        joints = pose2d_num_keypoints(state)
        if joints != 16:
            raise ThesisCheckpointError(
                f'{src}: {joints} heatmaps; the thesis models have 16 (MPII)')
        converted = convert_pose2d(state)
        model = _build('pose2d')
        dataset_meta = _mpii16_meta()
    elif kind == 'lifter':
        k_in, k_out, hidden, blocks = lifter_shape(state)
        if (k_in, k_out) != (16, 16):
            raise ThesisCheckpointError(
                f'{src}: lifts {k_in} to {k_out} joints; expected 16 -> 16')
        converted = convert_lifter(state)
        model = _build('lifter', dict(model=dict(head=dict(
            hidden_channels=hidden, num_blocks=blocks))))
        dataset_meta = _mpii16_meta()
    else:
        classes = detector_num_classes(state)
        converted = convert_detector(state)
        model = _build('detector', dict(model=dict(roi_head=dict(
            bbox_head=dict(num_classes=classes)))))
        dataset_meta = dict(classes=('infant', ) if classes == 1 else tuple(
            f'class{i}' for i in range(classes)))
    check_fits(model, converted, f'{kind} from {src}')
    model.load_state_dict(converted, strict=True)
    meta = dict(
        dataset_meta=dataset_meta,
        thesis_release=dict(
            source=osp.abspath(src), sha256=sha256_of(src),
            epoch=ckpt.get('epoch'), loss=ckpt.get('loss'),
            config=f'configs/{RELEASE_CONFIGS[kind]}',
            converter='tools/model_converters/thesis_to_mmpose.py'))
    return dict(state_dict=converted, meta=meta,
                summary=thesis_state_summary(state))


def _save(out_dir: str, name: str, result: dict) -> str:
    out = osp.join(out_dir, name)
    with atomic_open(out, 'wb') as f:
        torch.save(dict(state_dict=result['state_dict'], meta=result['meta']), f)
    return out


def _other_candidates(saved_dir: str) -> List[str]:
    known = {osp.join(saved_dir, f.folder, 'model.tar') for f in RELEASE_FILES}
    found = sorted(glob.glob(osp.join(saved_dir, '**', '*.tar'),
                             recursive=True))
    found += sorted(glob.glob(osp.join(saved_dir, '**', '*.pth'),
                              recursive=True))
    return [p for p in found if osp.abspath(p) not in
            {osp.abspath(k) for k in known}]


def convert_saved_models(saved_dir: str, out_dir: str,
                         detector: Optional[str] = None) -> ConversionReport:
    """Convert the thesis files of ``saved_dir`` into ``out_dir``.

    Args:
        saved_dir: the unpacked ``SavedModels`` folder (or its parent).
        out_dir: gets ``pose2d.pth``, ``lifter.pth``, the optional models of
            :data:`RELEASE_FILES`, ``detector.pth`` and
            ``conversion_report.txt``.
        detector: the detector file. No thesis code loads one, so its name in
            the zip is unknown; when None, any other ``*.tar`` / ``*.pth`` in
            ``saved_dir`` with torchvision Faster R-CNN keys is used if there
            is exactly one.

    Returns:
        The report (also written to ``out_dir/conversion_report.txt``).
    """
    report = ConversionReport()
    saved_dir = find_saved_models(saved_dir)
    os.makedirs(out_dir, exist_ok=True)
    for item in RELEASE_FILES:
        src = osp.join(saved_dir, item.folder, 'model.tar')
        if not osp.isfile(src):
            report.missing.append(
                f'{"required" if item.required else "optional"} '
                f'{item.folder}/model.tar ({item.role})')
            continue
        try:
            result = convert_one(item.kind, src)
        except ThesisCheckpointError as err:
            report.refused.append(str(err))
            continue
        report.outputs[item.output] = _save(out_dir, item.output, result)
        report.converted.append(
            f'{item.folder}/model.tar -> {item.output} ({item.role}; '
            f'{result["summary"]}; epoch {result["meta"]["thesis_release"]["epoch"]})')

    if detector is None:
        candidates = []
        for path in _other_candidates(saved_dir):
            try:
                state = load_thesis_checkpoint(path)['model_state_dict']
            except ThesisCheckpointError as err:
                report.notes.append(f'skipped {path}: {err}')
                continue
            if classify_state_dict(state) == 'detector':
                candidates.append(path)
        if len(candidates) == 1:
            detector = candidates[0]
            report.notes.append(f'detector found at {detector}')
        elif candidates:
            report.refused.append(
                f'{len(candidates)} detector files found ({candidates}): pass '
                'the right one with --detector')
        else:
            report.missing.append(
                'optional detector (no thesis code loads one; pass its file '
                'with --detector, or use a detector of your own)')
    if detector is not None:
        try:
            result = convert_one('detector', detector)
        except ThesisCheckpointError as err:
            report.refused.append(str(err))
        else:
            report.outputs['detector.pth'] = _save(out_dir, 'detector.pth',
                                                   result)
            report.converted.append(
                f'{detector} -> detector.pth (torchvision Faster R-CNN; '
                f'{result["summary"]})')
    report.notes.append(
        'run with: infant-mmpose-infer VIDEO --out-dir OUT --weights-dir '
        f'{out_dir}')
    with open(osp.join(out_dir, 'conversion_report.txt'), 'w') as f:
        f.write(report.text())
    return report
