#!/usr/bin/env python
"""Naive per-frame flow vs. InfantPoseInferencer on the same models and video.

(i) naive: per frame ``mmdet.apis.inference_detector`` -> top infant box ->
``mmpose.apis.inference_topdown`` -> the lifter (its config's test pipeline
and ``test_step``), one frame at a time, as a user would chain MMDetection's
and MMPose's single-image APIs;
(ii) the inferencer, batched, no smoothing, detection every frame;
(iii) the inferencer detecting every 5 frames.

Each flow runs in its own process so that its peak memory (max RSS; CUDA
peak allocation on a GPU) is its own. Prints frames per second, the speed-up,
peak memory and the largest 2D (px) / 3D (mm) difference between (i) and (ii).

Models: the quickstart configs (``configs/quickstart/*.py``) unless others
are given; untrained random weights unless checkpoints are given. Video: generated MINI-RGBD
frames (640x480). Usage::

    python benchmarks/bench_inference.py [--frames 40] [--batch-size 8] [--repeat 3] [--device cpu]
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
KINDS = ('detector', 'pose2d', 'lifter')


def default_config(kind):
    return osp.join(ROOT, 'configs', 'quickstart', f'{kind}.py')


def prepare(args, work):
    """Write the video and any missing (untrained) checkpoints."""
    import cv2
    from infant_mmpose.apis.untrained_checkpoint import save_untrained_checkpoint
    from infant_mmpose.datasets.keypoint_definitions import get_definition
    from infant_mmpose.datasets.synthetic_minirgbd import generate_minirgbd

    for kind in KINDS:
        if getattr(args, f'{kind}_checkpoint') is None:
            meta = None if kind == 'detector' else get_definition('mpii16')
            setattr(args, f'{kind}_checkpoint', save_untrained_checkpoint(
                getattr(args, f'{kind}_config'), osp.join(work, f'{kind}.pth'),
                dataset_meta=meta))
    root = osp.join(work, 'minirgbd')
    generate_minirgbd(root, sequences=[11], num_frames=args.frames, seed=0)
    rgb = osp.join(root, '11', 'rgb')
    frames = [cv2.imread(osp.join(rgb, f)) for f in sorted(os.listdir(rgb))]
    video = osp.join(work, 'bench.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 30.0,
                             frames[0].shape[1::-1])
    for f in frames:
        writer.write(f)
    writer.release()
    return video


def run_naive(args, video):
    """Per-frame single-image APIs; returns (seconds, kp2d, kp3d)."""
    import cv2
    import torch
    from mmdet.apis import inference_detector, init_detector
    from mmengine.config import Config
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import init_default_scope
    from mmpose.apis import inference_topdown, init_model

    from infant_mmpose.apis.box_selection import BoxSelector, top_box
    from infant_mmpose.apis.inferencer import inside_image

    det = init_detector(args.detector_config, args.detector_checkpoint,
                        device=args.device)
    pose = init_model(args.pose2d_config, args.pose2d_checkpoint, device=args.device)
    lifter = init_model(args.lifter_config, args.lifter_checkpoint, device=args.device)
    lifter_cfg = Config.fromfile(args.lifter_config)
    init_default_scope('mmpose')
    lift_pipeline = Compose(lifter_cfg.test_dataloader.dataset.pipeline)
    mapping = [t for t in lift_pipeline.transforms if hasattr(t, 'source')]
    from infant_mmpose.datasets.keypoint_definitions import get_definition
    k_src = (get_definition(mapping[0].source)['num_keypoints'] if mapping
             else 16)
    root = lifter_cfg.model.head.decoder.root_index

    cap = cv2.VideoCapture(video)
    images = []
    while True:
        ok, img = cap.read()
        if not ok:
            break
        images.append(img)
    cap.release()

    def one_frame(img, selector):
        init_default_scope('mmdet')
        inst = inference_detector(det, img).pred_instances.cpu().numpy()
        h, w = img.shape[:2]
        box, _, _ = selector.update(
            top_box(inst.bboxes, inst.scores, inst.labels, 0, args.bbox_thr),
            True, w, h)
        p2d = inference_topdown(pose, img, box[None])[0].pred_instances
        kp = np.asarray(p2d.keypoints[:1], dtype=np.float32)
        sample = dict(lifter.dataset_meta, keypoints=kp,
                      keypoints_visible=inside_image(kp, (w, h)),
                      keypoints_definition='mpii16',
                      lifting_target=np.zeros((1, k_src, 3), np.float32),
                      lifting_target_visible=np.ones((1, k_src), np.float32),
                      camera_param=dict(w=w, h=h))
        with torch.no_grad():
            out = lifter.test_step(pseudo_collate([lift_pipeline(sample)]))
        kp3 = np.asarray(out[0].pred_instances.keypoints).reshape(-1, 3)
        return kp[0], kp3 - kp3[[root] if isinstance(root, int) else root].mean(0)

    for img in images[:2]:   # warm-up, as the inferencer gets one
        one_frame(img, BoxSelector())
    times = []
    for _ in range(args.repeat):
        selector = BoxSelector()
        start = time.perf_counter()
        results = [one_frame(img, selector) for img in images]
        times.append(time.perf_counter() - start)
    return (times, np.stack([r[0] for r in results]),
            np.stack([r[1] for r in results]))


def run_inferencer(args, video, det_interval):
    from infant_mmpose.apis import InfantPoseInferencer
    inf = InfantPoseInferencer(
        args.lifter_config, args.lifter_checkpoint, args.pose2d_config,
        args.pose2d_checkpoint, args.detector_config, args.detector_checkpoint,
        device=args.device, show_progress=False)
    from infant_mmpose.apis.frame_source import open_frame_source
    warm = [f.image for _, f in zip(range(2), open_frame_source(video))]
    inf._detect(warm, args.bbox_thr)   # warm-up, as the naive flow gets one
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        series = inf.run(video, batch_size=args.batch_size,
                         bbox_thr=args.bbox_thr, det_interval=det_interval).series
        times.append(time.perf_counter() - start)
    return times, series.keypoints_2d, series.keypoints_3d


def peak_memory_mb(device):
    if device.startswith('cuda'):
        import torch
        return torch.cuda.max_memory_allocated() / 2**20, 'CUDA peak allocated'
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'max RSS'


def child(args):
    """One flow in this process; writes its figures and keypoints."""
    if args.flow == 'naive':
        times, kp2, kp3 = run_naive(args, args.video)
    else:
        times, kp2, kp3 = run_inferencer(args, args.video, args.det_interval)
    mem, mem_kind = peak_memory_mb(args.device)
    np.savez(args.result, kp2=kp2, kp3=kp3)
    with open(args.result + '.json', 'w') as f:
        # best of the repeats: the least disturbed by other processes
        json.dump(dict(seconds=min(times), median=float(np.median(times)),
                       frames=len(kp2), memory_mb=mem,
                       memory_kind=mem_kind), f)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--frames', type=int, default=40)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--device', default='cpu')
    p.add_argument('--repeat', type=int, default=3,
                   help='timed passes per flow; the best is reported')
    p.add_argument('--bbox-thr', type=float, default=0.0,
                   help='0 keeps the untrained detector\'s boxes')
    for kind in KINDS:
        p.add_argument(f'--{kind}-config', default=default_config(kind))
        p.add_argument(f'--{kind}-checkpoint')
    p.add_argument('--flow', help=argparse.SUPPRESS)
    p.add_argument('--det-interval', type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument('--video', help=argparse.SUPPRESS)
    p.add_argument('--result', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.flow:
        return child(args)

    work = tempfile.mkdtemp(prefix='bench_inference_')
    video = prepare(args, work)
    common = [sys.executable, osp.abspath(__file__), '--video', video,
              '--device', args.device, '--batch-size', str(args.batch_size),
              '--bbox-thr', str(args.bbox_thr), '--repeat', str(args.repeat)]
    for kind in KINDS:
        common += [f'--{kind}-config', getattr(args, f'{kind}_config'),
                   f'--{kind}-checkpoint', getattr(args, f'{kind}_checkpoint')]
    figures = {}
    for name, extra in (('naive per-frame', ['--flow', 'naive']),
                        ('inferencer', ['--flow', 'inferencer']),
                        ('inferencer, detect every 5', ['--flow', 'inferencer',
                                                        '--det-interval', '5'])):
        result = osp.join(work, name.replace(' ', '_').replace(',', '') + '.npz')
        subprocess.run(common + extra + ['--result', result], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        with open(result + '.json') as f:
            figures[name] = json.load(f)
        figures[name]['arrays'] = np.load(result)

    print(f'{args.frames} frames 640x480, batch {args.batch_size}, best of '
          f'{args.repeat}, device '
          f'{args.device}; configs: ' + ', '.join(
              osp.relpath(getattr(args, f'{k}_config'), ROOT) for k in KINDS))
    base = figures['naive per-frame']
    for name, fig in figures.items():
        fps = fig['frames'] / fig['seconds']
        print(f'{name:28s} {fps:7.2f} fps  {fig["seconds"]:7.2f} s '
              f'(median {fig["median"]:.2f} s)  '
              f'x{base["seconds"] / fig["seconds"]:.2f} vs naive  '
              f'peak {fig["memory_kind"]} {fig["memory_mb"]:.0f} MB')
    a, b = base['arrays'], figures['inferencer']['arrays']
    print(f'max |naive - inferencer|: 2D {np.abs(a["kp2"] - b["kp2"]).max():.4g} px, '
          f'3D {np.abs(a["kp3"] - b["kp3"]).max():.4g} mm '
          '(no smoothing, detection every frame)')


if __name__ == '__main__':
    main()
