#!/usr/bin/env python
"""Peak memory of InfantPoseInferencer on a long generated video.

Writes a video of ``--frames`` 640x480 frames (generated MINI-RGBD frames,
looped), then in a fresh process runs the inferencer on it through MMPose's
calling protocol (``for result in inferencer(video): ...``) and through
``run(video, out_dir=...)`` (the time-series files), and prints each one's
peak RSS, the time to the first result and the frames per second.

Quickstart-size models, untrained (memory does not depend on the weights).
``--code-root`` runs another checkout of the package (e.g. the code before
a change) on the same video. Usage::

    python benchmarks/bench_inference_memory.py [--frames 3000] [--code-root DIR]
"""
import argparse
import atexit
import json
import os
import os.path as osp
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def make_video(path: str, frames: int) -> None:
    import cv2
    from infant_mmpose.synthetic.minirgbd import generate_minirgbd
    root = osp.join(osp.dirname(path), 'minirgbd')
    generate_minirgbd(root, sequences=[11], num_frames=30, seed=0)
    rgb = osp.join(root, '11', 'rgb')
    images = [cv2.imread(osp.join(rgb, f)) for f in sorted(os.listdir(rgb))]
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'MJPG'), 30.0,
                             images[0].shape[1::-1])
    for i in range(frames):
        # there and back again: the motion stays smooth over the loop
        cycle = i % (2 * len(images) - 2)
        writer.write(images[cycle if cycle < len(images) else
                            2 * len(images) - 2 - cycle])
    writer.release()


def child(args) -> None:
    import torch
    torch.set_num_threads(args.threads)
    from infant_mmpose.apis import InfantPoseInferencer
    from infant_mmpose.testing.untrained_checkpoint import save_untrained_checkpoint
    from infant_mmpose.structures.keypoint_definitions import get_definition
    cfg = {k: osp.join(args.code_root, 'configs', 'quickstart', f'{k}.py')
           for k in ('detector', 'pose2d', 'lifter')}
    work = osp.dirname(args.video)
    meta = get_definition('mpii16')
    ckpt = {k: save_untrained_checkpoint(
        cfg[k], osp.join(work, f'{k}.pth'),
        dataset_meta=None if k == 'detector' else meta) for k in cfg}
    inf = InfantPoseInferencer(cfg['lifter'], ckpt['lifter'], cfg['pose2d'],
                               ckpt['pose2d'], cfg['detector'], ckpt['detector'],
                               device='cpu', show_progress=False)
    start = time.perf_counter()
    first, frames = None, 0
    if args.mode == 'call':
        for result in inf(args.video, batch_size=8, bbox_thr=0.0):
            if first is None:
                first = time.perf_counter() - start
            # old protocol: one record per frame; new: a batch of frames
            frames += len(result['predictions']) if 'frame_id' not in result else 1
    else:
        run = inf.run(args.video, out_dir=osp.join(work, 'out'), batch_size=8,
                      bbox_thr=0.0, save_vis=False)
        frames = run.series.num_frames
    seconds = time.perf_counter() - start
    with open(args.result, 'w') as f:
        json.dump(dict(max_rss_mb=resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss / 1024, frames=frames,
            seconds=seconds, first_result_s=first), f)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--frames', type=int, default=3000)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--code-root', default=ROOT,
                   help='checkout whose infant_mmpose and configs are run')
    p.add_argument('--modes', default='call,run')
    p.add_argument('--mode', help=argparse.SUPPRESS)
    p.add_argument('--video', help=argparse.SUPPRESS)
    p.add_argument('--result', help=argparse.SUPPRESS)
    args = p.parse_args()
    args.code_root = osp.abspath(args.code_root)
    if args.mode:
        return child(args)
    work = tempfile.mkdtemp(prefix='bench_inference_memory_')
    atexit.register(shutil.rmtree, work, ignore_errors=True)  # scratch, not kept
    video = osp.join(work, 'long.avi')
    make_video(video, args.frames)
    env = dict(os.environ, PYTHONPATH=args.code_root + os.pathsep +
               os.environ.get('PYTHONPATH', ''))
    print(f'{args.frames} frames 640x480, quickstart models, batch 8, '
          f'{args.threads} thread(s), code {args.code_root}; load average '
          f'{os.getloadavg()[0]:.1f}', flush=True)
    for mode in args.modes.split(','):
        result = osp.join(work, f'{mode}.json')
        proc = subprocess.run(
            [sys.executable, osp.abspath(__file__), '--mode', mode, '--video',
             video, '--result', result, '--threads', str(args.threads),
             '--code-root', args.code_root], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            print(f'{mode}: FAILED\n{proc.stderr[-2000:]}')
            continue
        with open(result) as f:
            r = json.load(f)
        label = ('inferencer(video) (MMPose protocol)' if mode == 'call'
                 else 'run(video, out_dir) (time-series files)')
        first = ('' if r['first_result_s'] is None else
                 f', first result after {r["first_result_s"]:.1f} s')
        print(f'{label:42s} peak RSS {r["max_rss_mb"]:.0f} MB, '
              f'{r["frames"]} frames in {r["seconds"]:.0f} s '
              f'({r["frames"] / r["seconds"]:.1f} fps){first}; load average '
              f'{os.getloadavg()[0]:.1f}', flush=True)


if __name__ == '__main__':
    main()
