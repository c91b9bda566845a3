"""Benchmark the MINI-RGBD reader's indexing and the synthetic generator.

Prints:
1. time to index the annotations of 12 x 1000 frames, cold (parse every
   joint file, write the cache) and cached (cache hit: stat + load);
2. the generator's frames/s at 640x480 (render + PNG writing), and the
   render-only rate;
3. the mask-box rate (reading fg_mask PNGs) of a cold ``load(mask_boxes=True)``.

Usage:
    python benchmarks/bench_minirgbd_index.py [--root EXISTING_ROOT]
        [--frames 1000] [--render-frames 60] [--workdir DIR]

Without ``--root`` an annotations-only root (joint files and 1x1 placeholder
images) is generated in a temporary folder. The OS file cache is warm for
both index timings (the files were just written); "cold" means no parsed
cache exists.
"""
import argparse
import os.path as osp
import shutil
import tempfile
import time

from infant_mmpose.fileio.minirgbd_reader import MiniRGBDReader
from infant_mmpose.synthetic.minirgbd import (SequenceRenderer, generate_minirgbd,
                                                       pose_at, sample_style)


class Clock:
    """Wall time and this process's CPU time (the idle-core estimate on a busy machine)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu
        return False

    def __str__(self):
        return f'{self.wall:.2f} s wall / {self.cpu:.2f} s CPU'


def time_index(root, cache_dir):
    reader = MiniRGBDReader(root, 'all', cache_dir=cache_dir)
    with Clock() as clock:
        seqs = reader.load()
    return clock, sum(len(s) for s in seqs)


def render_only_fps(frames):
    import numpy as np
    rng = np.random.default_rng([0, 1])
    style = sample_style(rng)
    scene = SequenceRenderer(style, rng)
    with Clock() as clock:
        for frame in range(frames):
            scene.render(frame, pose_at(style, frame))
    return clock


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', help='existing MINI-RGBD root with 12 sequences')
    parser.add_argument('--frames', type=int, default=1000, help='frames per sequence')
    parser.add_argument('--render-frames', type=int, default=60,
                        help='rendered frames for the generator speed (2 sequences)')
    parser.add_argument('--workdir', help='scratch folder (default: a temp folder)')
    args = parser.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix='bench_minirgbd_')
    try:
        root = args.root
        if root is None:
            root = osp.join(work, 'annotations_only')
            start = time.perf_counter()
            generate_minirgbd(root, num_sequences=12, num_frames=args.frames,
                              annotations_only=True, show_progress=False)
            print(f'generated annotations-only root: 12 x {args.frames} frames in '
                  f'{time.perf_counter() - start:.1f} s')
        cache = osp.join(work, 'cache')
        shutil.rmtree(cache, ignore_errors=True)
        cold, n = time_index(root, cache)
        warm, _ = time_index(root, cache)
        print(f'index {n} frames (12 sequences): cold {cold}, cached {warm}')

        rendered = osp.join(work, 'rendered')
        per_seq = max(args.render_frames // 2, 1)
        n = 2 * per_seq
        with Clock() as clock:
            generate_minirgbd(rendered, sequences=[1, 2], num_frames=per_seq,
                              show_progress=False)
        print(f'generator, {n} frames 640x480 (render + write PNGs, one process): {clock} = '
              f'{n / clock.wall:.1f} frames/s wall, {n / clock.cpu:.1f} frames/s per CPU core')
        clock = render_only_fps(per_seq)
        print(f'generator render only: {per_seq / clock.wall:.1f} frames/s wall, '
              f'{per_seq / clock.cpu:.1f} frames/s per CPU core')
        reader = MiniRGBDReader(rendered, [1, 2], cache_dir=osp.join(work, 'cache_r'))
        with Clock() as clock:
            reader.load(mask_boxes=True)
        print(f'cold index with mask boxes: {n / clock.cpu:.0f} frames/s per CPU core '
              f'(12 x 1000 frames ~ {12000 * clock.cpu / n:.0f} s CPU once, then cached)')
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
