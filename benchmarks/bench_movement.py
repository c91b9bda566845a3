#!/usr/bin/env python
"""Time the movement features of a 10-minute, 30 fps recording on one core.

A synthetic kicking infant (18,000 frames, MPII 16, with a few gaps) is
written as the inferencer's NPZ; prints the time of reading the file, of
preparation (gaps, resampling, normalisation, alignment), of the features,
and of the sheet. Target (issue 13): features in < 2 s on one core. Usage::

    python benchmarks/bench_movement.py [--minutes 10] [--fps 30] [--repeat 3]
"""
import os

# one core: BLAS / OpenMP pools must not spread before numpy is imported
for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_var] = '1'

import argparse  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--minutes', type=float, default=10.0)
    parser.add_argument('--fps', type=float, default=30.0)
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, 'sched_setaffinity'):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    from infant_mmpose.apis.writers import write_npz
    from infant_mmpose.movement import compute_features, load_pose_series
    from infant_mmpose.movement import prepare
    from infant_mmpose.movement.sheet import write_sheet
    from infant_mmpose.synthetic.movement import synthetic_infant

    series = synthetic_infant(args.minutes * 60, args.fps, seed=0)
    for start in range(500, series.num_frames, 1500):  # 4-frame gaps
        series.status[start:start + 4] = ['unreadable'] * 4
    with tempfile.TemporaryDirectory() as tmp:
        path = write_npz(os.path.join(tmp, 'run.npz'), series)
        best = {}
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            loaded = load_pose_series(path)
            t1 = time.perf_counter()
            prepared = prepare(loaded)
            t2 = time.perf_counter()
            features = compute_features(prepared)
            t3 = time.perf_counter()
            for key, value in (('read', t1 - t0), ('prepare', t2 - t1),
                               ('features', t3 - t2),
                               ('total', t3 - t0)):
                best[key] = min(best.get(key, value), value)
        t4 = time.perf_counter()
        write_sheet(os.path.join(tmp, 'sheet.png'), prepared, features)
        sheet = time.perf_counter() - t4
    print(f'{series.num_frames} frames ({args.minutes:g} min at '
          f'{args.fps:g} fps), {len(features)} features, one core, best of '
          f'{args.repeat}:')
    print(f'  read NPZ        {best["read"]:.3f} s')
    print(f'  prepare         {best["prepare"]:.3f} s')
    print(f'  features        {best["features"]:.3f} s')
    print(f'  read + prepare + features  {best["total"]:.3f} s '
          f'(target < 2 s: {"met" if best["total"] < 2 else "NOT met"})')
    print(f'  sheet (PNG)     {sheet:.3f} s')


if __name__ == '__main__':
    main()
