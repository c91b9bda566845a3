#!/usr/bin/env python
"""Video -> 3D speed and memory: the naive per-frame flow against the
inferencer (PyTorch, ONNX Runtime, with and without keypoint tracking).

Flows, on the same models and generated video, each in its own process so
that its peak memory (max RSS; CUDA peak allocation on a GPU) is its own:

* naive: per frame ``mmdet.apis.inference_detector`` -> top infant box ->
  ``mmpose.apis.inference_topdown`` -> the lifter (its config's test
  pipeline and ``test_step``), as a user would chain the single-image APIs;
* inferencer, detection on every frame (PyTorch);
* inferencer + keypoint-guided tracking (PyTorch);
* the same two with ONNX Runtime (when ``onnxruntime`` is installed, CPU),
  in fp32 and in int8 (calibrated on built-in generated frames of other
  sequences than the video's; calibration is set-up time, like the export,
  and printed apart from the fps).

Prints frames per second, the ratio to naive, peak memory, the load average
(other processes on the machine depress every figure), the largest 2D / 3D
difference between naive and the inferencer, and the 2D accuracy (PCKh@1.0,
AJPE px against the generated ground truth) of tracking against detection
on every frame. Untrained models (no checkpoints given) make that accuracy
meaningless and keep their keypoint scores near zero, so their tracking runs
with the track-loss checks off (re-detection every ``--redetect-interval``
frames only): the timing then shows what tracking costs while the track
holds. Pass trained checkpoints for the accuracy comparison.

Sizes: ``--size quickstart`` (default; ``configs/quickstart/*.py``) or
``--size thesis`` (ResNet-50 Faster R-CNN 640x480, ResNet-50 SimpleBaseline
256x256, the 1024-wide lifter; built offline, no ImageNet download).
Video: generated MINI-RGBD frames (640x480) of a moving infant. Usage::

    python benchmarks/bench_inference.py [--size thesis] [--frames 40]
        [--repeat 3] [--device cpu]
        [--flows naive,inferencer,tracking,onnx,onnx_tracking,onnx_int8,onnx_int8_tracking]
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
SIZES = dict(
    quickstart=dict(detector='quickstart/detector.py', pose2d='quickstart/pose2d.py',
                    lifter='quickstart/lifter.py'),
    thesis=dict(detector='detector/faster-rcnn_r50_fpn_minirgbd.py',
                pose2d='pose2d/td-hm_res50_minirgbd-256x256.py',
                lifter='lifter/martinez_minirgbd-gt2d.py'))
FLOWS = dict(
    naive=('naive per-frame', {}),
    inferencer=('inferencer, detect every frame', dict(backend='pytorch')),
    tracking=('inferencer + tracking', dict(backend='pytorch', tracking=True)),
    onnx=('ONNX Runtime, detect every frame', dict(backend='onnxruntime')),
    onnx_tracking=('ONNX Runtime + tracking', dict(backend='onnxruntime',
                                                   tracking=True)),
    onnx_int8=('ONNX Runtime int8, detect every frame',
               dict(backend='onnxruntime', precision='int8')),
    onnx_int8_tracking=('ONNX Runtime int8 + tracking',
                        dict(backend='onnxruntime', precision='int8',
                             tracking=True)))
#: (reference flow, flow): 2D accuracy of each pair against the generated
#: ground truth, side by side.
ACCURACY_PAIRS = (('inferencer', 'tracking'), ('onnx', 'onnx_tracking'),
                  ('onnx', 'onnx_int8'), ('inferencer', 'onnx_int8_tracking'))
SEQUENCE = 11


def load() -> str:
    return '/'.join(f'{v:.1f}' for v in os.getloadavg())


def prepare(args, work):
    """Write the video and any missing (untrained) checkpoints."""
    import cv2
    from infant_mmpose.testing.untrained_checkpoint import save_untrained_checkpoint
    from infant_mmpose.structures.keypoint_definitions import get_definition
    from infant_mmpose.synthetic.minirgbd import generate_minirgbd

    args.untrained = []
    for kind in KINDS:
        if getattr(args, f'{kind}_checkpoint') is None:
            args.untrained.append(kind)
            meta = None if kind == 'detector' else get_definition('mpii16')
            setattr(args, f'{kind}_checkpoint', save_untrained_checkpoint(
                getattr(args, f'{kind}_config'), osp.join(work, f'{kind}.pth'),
                dataset_meta=meta))
    root = osp.join(work, 'minirgbd')
    # every 2nd generated frame (25 fps generator): brisker motion per frame
    generate_minirgbd(root, sequences=[SEQUENCE], num_frames=2 * args.frames,
                      seed=0)
    rgb = osp.join(root, f'{SEQUENCE:02d}', 'rgb')
    names = sorted(os.listdir(rgb))[::2][:args.frames]
    frames = [cv2.imread(osp.join(rgb, f)) for f in names]
    video = osp.join(work, 'bench.avi')
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 30.0,
                             frames[0].shape[1::-1])
    for f in frames:
        writer.write(f)
    writer.release()
    return video, root, [int(osp.splitext(n)[0].split('_')[-1]) for n in names]


def ground_truth_2d(root, frame_numbers):
    """(T, 16, 2) px MPII-16 joints, (T, 16) visibility, 2D head length px."""
    from infant_mmpose.structures.keypoint_definitions import mapping_table
    from infant_mmpose.fileio.minirgbd_constants import JOINTS_2D_PATTERN
    from infant_mmpose.fileio.minirgbd_reader import (parse_joint_file,
                                                        read_head_length)
    seq_dir = osp.join(root, f'{SEQUENCE:02d}')
    table = mapping_table('minirgbd25', 'mpii16')
    gt, vis = [], []
    for f in frame_numbers:
        j25 = parse_joint_file(osp.join(seq_dir, JOINTS_2D_PATTERN.format(f)))
        gt.append([j25[s, :2] if s is not None else (np.nan, np.nan)
                   for s in table])
        vis.append([s is not None for s in table])
    head_px = read_head_length(seq_dir, SEQUENCE)[0]
    return np.asarray(gt, dtype=np.float64), np.asarray(vis), head_px


def accuracy_2d(pred, gt, visible, head_px):
    """(PCKh@1.0 %, AJPE px) as the project's metrics compute them."""
    from infant_mmpose.evaluation.functional import (joint_errors, mean_error,
                                                     mean_over_joints,
                                                     pck_per_joint)
    ok = visible & np.isfinite(pred).all(-1)
    err = joint_errors(np.nan_to_num(pred), np.nan_to_num(gt))
    return (mean_over_joints(pck_per_joint(err, ok, head_px)),
            mean_error(err, ok))


def run_naive(args, video):
    """Per-frame single-image APIs; returns (seconds, kp2d, kp3d, None)."""
    import cv2
    import torch
    from mmdet.apis import inference_detector, init_detector
    from mmengine.config import Config
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import init_default_scope
    from mmpose.apis import inference_topdown, init_model

    from infant_mmpose.apis.box_selection import BoxSelector, top_box
    from infant_mmpose.apis.inferencer import inside_image
    from infant_mmpose.structures.keypoint_definitions import get_definition

    det = init_detector(args.detector_config, args.detector_checkpoint,
                        device=args.device)
    pose = init_model(args.pose2d_config, args.pose2d_checkpoint, device=args.device)
    lifter = init_model(args.lifter_config, args.lifter_checkpoint, device=args.device)
    lifter_cfg = Config.fromfile(args.lifter_config)
    init_default_scope('mmpose')
    lift_pipeline = Compose(lifter_cfg.test_dataloader.dataset.pipeline)
    mapping = [t for t in lift_pipeline.transforms if hasattr(t, 'source')]
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

    for img in images[:1]:   # warm-up, as the inferencer gets one
        one_frame(img, BoxSelector())
    times = []
    for _ in range(args.repeat):
        selector = BoxSelector()
        start = time.perf_counter()
        results = [one_frame(img, selector) for img in images]
        times.append(time.perf_counter() - start)
    return (times, np.stack([r[0] for r in results]),
            np.stack([r[1] for r in results]), None)


def tracking_settings(args):
    if 'pose2d' in args.untrained:
        # untrained keypoint scores are ~0: only the interval re-detects
        return dict(redetect_interval=args.redetect_interval, kpt_thr=0.0,
                    min_score=0.0, min_iou=0.0)
    return dict(redetect_interval=args.redetect_interval)


def run_inferencer(args, video, settings):
    from infant_mmpose.apis import InfantPoseInferencer
    from infant_mmpose.apis.frame_source import open_frame_source
    start = time.perf_counter()
    inf = InfantPoseInferencer(
        args.lifter_config, args.lifter_checkpoint, args.pose2d_config,
        args.pose2d_checkpoint, args.detector_config, args.detector_checkpoint,
        device=args.device, show_progress=False,
        backend=settings.get('backend', 'pytorch'),
        precision=settings.get('precision', 'fp32'),
        onnx_dir=osp.join(osp.dirname(video), f'onnx_{args.flow}'))
    args.setup_seconds = time.perf_counter() - start
    tracking = tracking_settings(args) if settings.get('tracking') else None
    warm = [f.image for _, f in zip(range(1), open_frame_source(video))]
    inf._detect(warm, args.bbox_thr)   # warm-up, as the naive flow gets one
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        series = inf.run(video, batch_size=args.batch_size,
                         bbox_thr=args.bbox_thr, tracking=tracking).series
        times.append(time.perf_counter() - start)
    detections = (inf.tracker.num_detections if tracking else series.num_frames)
    return times, series.keypoints_2d, series.keypoints_3d, detections


def peak_memory_mb(device):
    if device.startswith('cuda'):
        import torch
        return torch.cuda.max_memory_allocated() / 2**20, 'CUDA peak allocated'
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'max RSS'


def child(args):
    """One flow in this process; writes its figures and keypoints."""
    import torch
    torch.set_num_threads(args.threads)
    before = load()
    args.setup_seconds = float('nan')
    if args.flow == 'naive':
        times, kp2, kp3, dets = run_naive(args, args.video)
    else:
        times, kp2, kp3, dets = run_inferencer(args, args.video,
                                               FLOWS[args.flow][1])
    mem, mem_kind = peak_memory_mb(args.device)
    np.savez(args.result, kp2=kp2, kp3=kp3)
    with open(args.result + '.json', 'w') as f:
        # best of the repeats: the least disturbed by other processes
        json.dump(dict(seconds=min(times), median=float(np.median(times)),
                       frames=len(kp2), memory_mb=mem, memory_kind=mem_kind,
                       detections=dets, setup=args.setup_seconds,
                       load=f'{before} -> {load()}'), f)


def skip_reason(settings, device) -> str:
    """Why a flow cannot run here ('' when it can)."""
    if settings.get('backend') != 'onnxruntime':
        return ''
    from infant_mmpose.apis.onnx_backend import onnxruntime_available
    if not onnxruntime_available():
        return 'onnxruntime not installed (make onnx)'
    if device != 'cpu':
        return 'ONNX Runtime runs on the CPU here'
    if settings.get('precision') == 'int8':
        try:
            from infant_mmpose.apis.onnx_int8 import require_quantization
            require_quantization()
        except ImportError as exc:
            return str(exc)
    return ''


def parse_args():
    import torch
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--size', choices=sorted(SIZES), default='quickstart')
    p.add_argument('--frames', type=int, default=40)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--device', default='cpu')
    p.add_argument('--threads', type=int, default=torch.get_num_threads(),
                   help='torch (and ONNX Runtime) CPU threads')
    p.add_argument('--repeat', type=int, default=3,
                   help='timed passes per flow; the best is reported')
    p.add_argument('--redetect-interval', type=int, default=30)
    p.add_argument('--flows', default=','.join(FLOWS),
                   help=f'comma-separated subset of {",".join(FLOWS)}')
    p.add_argument('--bbox-thr', type=float, default=0.0,
                   help='0 keeps the untrained detector\'s boxes')
    for kind in KINDS:
        p.add_argument(f'--{kind}-config')
        p.add_argument(f'--{kind}-checkpoint')
    for hidden in ('--flow', '--video', '--result', '--untrained'):
        p.add_argument(hidden, help=argparse.SUPPRESS)
    args = p.parse_args()
    for kind in KINDS:
        if getattr(args, f'{kind}_config') is None:
            setattr(args, f'{kind}_config',
                    osp.join(ROOT, 'configs', SIZES[args.size][kind]))
    if args.frames < 2 or args.repeat < 1:
        p.error('--frames must be >= 2 and --repeat >= 1')
    unknown = set(args.flows.split(',')) - set(FLOWS)
    if unknown:
        p.error(f'unknown flows {sorted(unknown)}; choose from {list(FLOWS)}')
    return args


def main():
    args = parse_args()
    if args.flow:
        args.untrained = (args.untrained or '').split(',')
        return child(args)
    # the flows' checkpoints and ONNX exports take ~1.7 GB at thesis size
    with tempfile.TemporaryDirectory(prefix='bench_inference_') as work:
        compare(args, work)
    print(f'load average at end {load()}')


def compare(args, work):
    """Run every flow in its own process on one generated video in
    ``work``; print the table and the differences between flows."""
    video, root, frame_numbers = prepare(args, work)
    common = [sys.executable, osp.abspath(__file__), '--video', video,
              '--device', args.device, '--batch-size', str(args.batch_size),
              '--bbox-thr', str(args.bbox_thr), '--repeat', str(args.repeat),
              '--threads', str(args.threads), '--redetect-interval',
              str(args.redetect_interval), '--untrained', ','.join(args.untrained)]
    for kind in KINDS:
        common += [f'--{kind}-config', getattr(args, f'{kind}_config'),
                   f'--{kind}-checkpoint', getattr(args, f'{kind}_checkpoint')]
    print(f'{args.size} models ({", ".join(osp.relpath(getattr(args, k + "_config"), ROOT) for k in KINDS)}), '
          f'{args.frames} frames 640x480, batch {args.batch_size}, best of '
          f'{args.repeat}, device {args.device}, {args.threads} threads; '
          f'untrained: {", ".join(args.untrained) or "none"}; '
          f'load average at start {load()} on {os.cpu_count()} CPUs', flush=True)
    figures = {}
    for key in args.flows.split(','):
        name, settings = FLOWS[key]
        why = skip_reason(settings, args.device)
        if why:
            print(f'{name:38s} skipped: {why}', flush=True)
            continue
        result = osp.join(work, f'{key}.npz')
        proc = subprocess.run(common + ['--flow', key, '--result', result],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        if proc.returncode != 0:
            print(f'{name:38s} FAILED:\n{proc.stderr[-3000:]}', flush=True)
            continue
        with open(result + '.json') as f:
            fig = json.load(f)
        fig['arrays'] = dict(np.load(result))
        figures[key] = fig
        base = figures.get('naive')
        fps = fig['frames'] / fig['seconds']
        ratio = (f'x{base["seconds"] / fig["seconds"]:.2f}' if base else 'n/a')
        print(f'{name:38s} {fps:7.2f} fps  {fig["seconds"]:7.2f} s '
              f'(median {fig["median"]:.2f} s)  {ratio} vs naive  peak '
              f'{fig["memory_kind"]} {fig["memory_mb"]:.0f} MB  detector '
              f'calls {fig["detections"]}/{fig["frames"]}  set-up '
              f'{fig["setup"]:.0f} s  load {fig["load"]}',
              flush=True)
    if 'naive' in figures and 'inferencer' in figures:
        a, b = figures['naive']['arrays'], figures['inferencer']['arrays']
        print(f'max |naive - inferencer|: 2D {np.abs(a["kp2"] - b["kp2"]).max():.4g} px, '
              f'3D {np.abs(a["kp3"] - b["kp3"]).max():.4g} mm (detection every frame)')
    if 'inferencer' in figures and 'onnx' in figures:
        a, b = figures['inferencer']['arrays'], figures['onnx']['arrays']
        print(f'max |PyTorch - ONNX Runtime|: 2D {np.abs(a["kp2"] - b["kp2"]).max():.4g} px, '
              f'3D {np.abs(a["kp3"] - b["kp3"]).max():.4g} mm')
    if 'onnx' in figures and 'onnx_int8' in figures:
        a, b = figures['onnx']['arrays'], figures['onnx_int8']['arrays']
        d2 = np.linalg.norm(a['kp2'] - b['kp2'], axis=-1)
        d3 = np.linalg.norm(a['kp3'] - b['kp3'], axis=-1)
        print(f'|ONNX fp32 - int8| per joint: 2D median {np.median(d2):.3g} / '
              f'max {d2.max():.3g} px, 3D median {np.median(d3):.3g} / max '
              f'{d3.max():.3g} mm (detection every frame)')
    gt, visible, head_px = ground_truth_2d(root, frame_numbers)
    note = (' (untrained 2D model: not meaningful)' if 'pose2d' in args.untrained
            else '')
    for det_key, track_key in ACCURACY_PAIRS:
        if det_key in figures and track_key in figures:
            pck_d, ajpe_d = accuracy_2d(figures[det_key]['arrays']['kp2'], gt,
                                        visible, head_px)
            pck_t, ajpe_t = accuracy_2d(figures[track_key]['arrays']['kp2'], gt,
                                        visible, head_px)
            print(f'2D accuracy{note}, {FLOWS[det_key][0]} vs '
                  f'{FLOWS[track_key][0]}: '
                  f'PCKh@1.0 {pck_d:.1f} vs {pck_t:.1f} ({pck_t - pck_d:+.1f}), '
                  f'AJPE {ajpe_d:.2f} vs {ajpe_t:.2f} px ({ajpe_t - ajpe_d:+.2f})')


if __name__ == '__main__':
    main()
