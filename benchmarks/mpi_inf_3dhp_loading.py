#!/usr/bin/env python
"""How long MpiInf3dhpDataset takes to start: raw parse vs cache.

Writes a generated raw training release (default: 2 subjects x 2
sequences x 1000 frames x 14 cameras), then times

1. parsing the raw ``annot.mat`` / ``camera.calibration`` files,
2. reading the cache written from them,
3. building ``MpiInf3dhpDataset`` from the cache (cameras 1-8),
4. fetching samples through a lifting pipeline,

and extrapolates to the thesis's training split (S1-S6, 2 sequences,
cameras 1-8, about 130 000 frames per camera set in the full release).

    python benchmarks/mpi_inf_3dhp_loading.py [--frames 1000] [--out DIR]
"""
import argparse
import os.path as osp
import shutil
import tempfile
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--frames', type=int, default=1000)
    parser.add_argument('--subjects', type=int, default=2)
    parser.add_argument('--out', default=None,
                        help='work folder (kept); default: a temporary one')
    args = parser.parse_args()

    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS

    import infant_mmpose  # noqa: F401
    from infant_mmpose.fileio.mpi_inf_3dhp_cache import (
        collect_raw_training, convert_mpi_inf_3dhp_to_cache, load_cache)
    from infant_mmpose.synthetic.mpi_inf_3dhp import \
        generate_mpi_inf_3dhp
    init_default_scope('mmpose')

    work = args.out or tempfile.mkdtemp(prefix='bench_3dhp_')
    root = osp.join(work, 'raw')
    subjects = list(range(1, args.subjects + 1))
    t = time.perf_counter()
    generate_mpi_inf_3dhp(root, subjects=subjects, sequences=(1, 2),
                          num_frames=args.frames, seed=0)
    print(f'generated {len(subjects)} subjects x 2 sequences x '
          f'{args.frames} frames x 14 cameras in '
          f'{time.perf_counter() - t:.1f} s')

    cameras = list(range(1, 9))
    t = time.perf_counter()
    table = collect_raw_training(root, subjects, None, cameras)
    raw_s = time.perf_counter() - t
    views = len(table['frame'])
    print(f'raw parse:        {raw_s:7.2f} s  ({views} views, cameras 1-8)')

    cache = osp.join(work, 'cache.npz')
    t = time.perf_counter()
    convert_mpi_inf_3dhp_to_cache(root, cache, subjects, None, cameras)
    print(f'write cache:      {time.perf_counter() - t:7.2f} s  '
          f'({osp.getsize(cache) / 2**20:.1f} MiB)')
    t = time.perf_counter()
    load_cache(cache)
    cache_s = time.perf_counter() - t
    print(f'read cache:       {cache_s:7.2f} s')

    # as in the configs: the data set maps the 28 joints to mpii16 once,
    # when it loads (included in "dataset init")
    pipeline = [
        dict(type='GenerateTarget',
             encoder=dict(type='ImagePoseLifting', num_keypoints=16,
                          root_index=6)),
        dict(type='PackPoseInputs'),
    ]
    cfg = dict(type='MpiInf3dhpDataset', ann_file=cache,
               keypoint_definition='mpii16', pipeline=pipeline)
    DATASETS.build(cfg)  # warm-up: imports, metainfo parsing
    t = time.perf_counter()
    ds = DATASETS.build(cfg)
    init_s = time.perf_counter() - t
    print(f'dataset init:     {init_s:7.2f} s  ({len(ds)} samples, cache)')
    t = time.perf_counter()
    DATASETS.build(dict(cfg, ann_file=root, cache_file=cache))
    print(f'dataset init:     {time.perf_counter() - t:7.2f} s  (raw folder, '
          'cache fingerprint checked and reused)')
    t = time.perf_counter()
    n = min(2000, len(ds))
    for i in range(n):
        ds[i]
    per_sample = (time.perf_counter() - t) / n
    print(f'pipeline:         {per_sample * 1e6:7.1f} us per sample')

    thesis_views = 130_000 * 8 * 6 / 8  # S1-S6 share of ~130k frames x 8 cams
    scale = thesis_views / views
    print(f'extrapolated to ~{thesis_views:,.0f} views (thesis train split): '
          f'raw parse {raw_s * scale:.0f} s, cache read {cache_s * scale:.1f}'
          f' s, dataset init <= {init_s * scale:.0f} s')
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
