#!/usr/bin/env python
"""Largest difference between the thesis's models and their conversion.

For each frame: the thesis's detector (torchvision) and the converted one
(MMDetection, ``configs/thesis_release/detector.py``) on the full 640x480
frame; the thesis's 2D model and the converted one (MMPose,
``configs/thesis_release/pose2d.py``) on the crop of the thesis's top box;
the thesis's lifter and the converted one on the thesis's 2D keypoints.
Prints, per model, the largest absolute difference over all frames
(top box px, top score; heatmap values, keypoints px, argmax cells that
differ; 3D mm) and the time per frame of each side.

Models: the thesis architectures with random weights (default, seeded), or
the real files: ``--saved-models DIR`` (the unzipped SavedModels folder;
``--detector FILE`` when its detector is not found there). Frames: generated
MINI-RGBD (640x480). Usage::

    python benchmarks/bench_thesis_release_parity.py [--frames 4] [--saved-models DIR] [--detector FILE]
"""
import argparse
import atexit
import glob
import os.path as osp
import shutil
import sys
import tempfile
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--frames', type=int, default=4)
    p.add_argument('--saved-models', help='unzipped SavedModels folder')
    p.add_argument('--detector', help='thesis detector file')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args()


def thesis_and_converted(args, tmp):
    """{kind: (thesis nn.Module, converted checkpoint path)}."""
    from infant_mmpose.models.converters import thesis_reference as ref
    from infant_mmpose.models.converters.thesis_release import (
        convert_saved_models)
    if args.saved_models:
        report = convert_saved_models(args.saved_models, tmp,
                                      detector=args.detector)
        print(report.text())
        saved = report.outputs
        sources = {}
        for line in report.converted:
            src = line.split(' -> ')[0]
            name = line.split(' -> ')[1].split(' ')[0]
            sources[name] = src
        found = args.saved_models if osp.isdir(osp.join(
            args.saved_models, 'MINI_RGBD_2D')) else osp.join(
                args.saved_models, 'SavedModels')
        paths = dict(pose2d=osp.join(found, 'MINI_RGBD_2D', 'model.tar'),
                     lifter=osp.join(found, 'MINI_RGBD_FineTune', 'model.tar'),
                     detector=sources.get('detector.pth'))
        models = {}
        for kind, out in (('pose2d', 'pose2d.pth'), ('lifter', 'lifter.pth'),
                          ('detector', 'detector.pth')):
            if out in saved and paths[kind]:
                models[kind] = (ref.load_thesis_reference(kind, paths[kind]),
                                saved[out])
        return models
    thesis = dict(pose2d=ref.build_thesis_pose2d(args.seed + 1),
                  lifter=ref.build_thesis_lifter(args.seed + 2),
                  detector=ref.build_thesis_detector(args.seed + 3))
    folder = osp.join(tmp, 'SavedModels')
    ref.save_thesis_checkpoint(thesis['pose2d'],
                               osp.join(folder, 'MINI_RGBD_2D', 'model.tar'))
    ref.save_thesis_checkpoint(
        thesis['lifter'], osp.join(folder, 'MINI_RGBD_FineTune', 'model.tar'))
    det = ref.save_thesis_checkpoint(
        ref.old_torchvision_keys(thesis['detector'].state_dict()),
        osp.join(tmp, 'detector.tar'))
    report = convert_saved_models(folder, osp.join(tmp, 'out'), detector=det)
    assert report.ok, report.text()
    return {k: (thesis[k], report.outputs[f'{k}.pth']) for k in thesis}


def main():
    args = parse_args()
    import cv2
    import torch
    from mmdet.apis import inference_detector, init_detector
    from mmengine.registry import DefaultScope
    from mmpose.apis import inference_topdown, init_model

    import infant_mmpose  # noqa: F401
    from infant_mmpose.synthetic.minirgbd import generate_minirgbd
    from infant_mmpose.models.converters import thesis_reference as ref
    from infant_mmpose.utils import config_path

    tmp = tempfile.mkdtemp(prefix='thesis_parity_')
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # scratch, not kept
    models = thesis_and_converted(args, tmp)
    generate_minirgbd(osp.join(tmp, 'frames'), num_sequences=12,
                      num_frames=max(1, -(-args.frames // 12)),
                      seed=args.seed, show_progress=False)
    files = sorted(glob.glob(osp.join(tmp, 'frames', '*', 'rgb', '*.png')))
    files = files[::max(1, len(files) // args.frames)][:args.frames]

    det = init_detector(config_path('thesis_release/detector.py'),
                        models['detector'][1], device='cpu') \
        if 'detector' in models else None
    pose = init_model(config_path('thesis_release/pose2d.py'),
                      models['pose2d'][1], device='cpu')
    pose.test_cfg['output_heatmaps'] = True
    lifter = init_model(config_path('thesis_release/lifter.py'),
                        models['lifter'][1], device='cpu')

    worst = dict(box=0.0, score=0.0, heat=0.0, kpt=0.0, cells=0, mm=0.0)
    times = dict(thesis=0.0, converted=0.0)
    for path in files:
        rgb = cv2.imread(path)[..., ::-1].copy()
        t0 = time.perf_counter()
        if det is not None:
            boxes, scores = ref.thesis_detect(models['detector'][0], rgb)
        box = boxes[0] if det is not None and len(boxes) else \
            np.array([200.0, 100.0, 420.0, 380.0])
        heat_t, cells_t, kpts_t, _ = ref.thesis_pose2d_inference(
            models['pose2d'][0], rgb, box)
        with torch.no_grad():
            pose3d_t = models['lifter'][0](torch.from_numpy(
                kpts_t.reshape(1, -1)).float()).numpy().reshape(-1, 3)
        t1 = time.perf_counter()
        if det is not None:
            with DefaultScope.overwrite_default_scope('mmdet'):
                inst = inference_detector(
                    det, rgb[..., ::-1].copy()).pred_instances
            if len(scores) and len(inst.scores):
                top = int(torch.argmax(inst.scores))
                worst['box'] = max(worst['box'], float(
                    np.abs(inst.bboxes[top].numpy() - boxes[0]).max()))
                worst['score'] = max(worst['score'],
                                     abs(float(inst.scores[top]) - scores[0]))
        with DefaultScope.overwrite_default_scope('mmpose'):
            sample = inference_topdown(pose, rgb[..., ::-1].copy(),
                                       np.array([box]), bbox_format='xyxy')[0]
        heat = sample.pred_fields.heatmaps.numpy()
        kpts = sample.pred_instances.keypoints[0]
        centre, side = ref.thesis_crop_box(box)
        cells = np.round((kpts - (centre - side / 2)) * heat.shape[-1] / side)
        worst['heat'] = max(worst['heat'], float(np.abs(heat - heat_t).max()))
        worst['kpt'] = max(worst['kpt'], float(np.abs(kpts - kpts_t).max()))
        worst['cells'] += int((cells != cells_t).any(axis=1).sum())
        with torch.no_grad():
            x = torch.from_numpy(kpts_t.reshape(1, -1, 1)).float()
            pose3d = lifter.head.forward((x, )).numpy().reshape(-1, 3)
        worst['mm'] = max(worst['mm'], float(np.abs(pose3d - pose3d_t).max()))
        times['thesis'] += t1 - t0
        times['converted'] += time.perf_counter() - t1
    n = len(files)
    kind = 'real thesis files' if args.saved_models else 'random weights'
    print(f'{n} generated 640x480 frames, {kind}')
    print(f'detector top box   max |diff| {worst["box"]:.3g} px, '
          f'score {worst["score"]:.3g}')
    print(f'2D heatmaps        max |diff| {worst["heat"]:.3g}; keypoints '
          f'{worst["kpt"]:.3g} px; joints in another cell: {worst["cells"]}')
    print(f'lifter 3D          max |diff| {worst["mm"]:.3g} mm')
    print(f'time per frame: thesis {times["thesis"] / n:.2f} s, converted '
          f'{times["converted"] / n:.2f} s (CPU, {torch.get_num_threads()} '
          'threads)')


if __name__ == '__main__':
    main()
