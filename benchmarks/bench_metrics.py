#!/usr/bin/env python
"""Time the registered metrics on a MINI-RGBD-test-sized evaluation.

2000 samples (sequences 11-12, 1000 frames each), 16 joints, random
predictions; prints process + evaluate time per metric. Usage::

    python benchmarks/bench_metrics.py [--samples 2000] [--repeat 3]
"""
import argparse
import time

import numpy as np
import torch
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData
from mmpose.registry import METRICS
from mmpose.structures import PoseDataSample

import infant_mmpose  # noqa: F401  (registers the metrics)

K = 16


def pose_samples(n, rng):
    samples = []
    for i in range(n):
        gt = rng.uniform(0, 640, (1, K, 3))
        sample = PoseDataSample(metainfo=dict(head_size=28.6))
        sample.gt_instances = InstanceData(
            keypoints=gt[..., :2], keypoints_visible=np.ones((1, K)),
            lifting_target=gt, lifting_target_visible=np.ones((1, K)),
            head_size=np.array([12.17]))
        noisy = gt + rng.normal(0, 10, gt.shape)
        sample.pred_instances = InstanceData(keypoints=noisy[..., :2])
        sample_3d = sample.clone()
        sample_3d.pred_instances = InstanceData(keypoints=noisy)
        samples.append((sample.to_dict(), sample_3d.to_dict()))
    return samples


def det_samples(n, rng):
    samples = []
    for i in range(n):
        sample = DetDataSample(metainfo=dict(img_id=i))
        box = torch.tensor([[100., 100., 300., 250.]])
        sample.gt_instances = InstanceData(bboxes=box)
        sample.pred_instances = InstanceData(
            bboxes=box + torch.randn(5, 4) * 10, scores=torch.rand(5))
        samples.append(sample.to_dict())
    return samples


def bench(metric, samples, repeat):
    best = float('inf')
    for _ in range(repeat):
        metric.results.clear()
        start = time.perf_counter()
        for i in range(0, len(samples), 64):
            metric.process([], samples[i:i + 64])
        metric.evaluate(len(samples))
        best = min(best, time.perf_counter() - start)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--samples', type=int, default=2000)
    parser.add_argument('--repeat', type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    poses = pose_samples(args.samples, rng)
    two_d = [p[0] for p in poses]
    three_d = [p[1] for p in poses]
    cases = [
        ('HeadPCK 2D', METRICS.build(dict(type='HeadPCK')), two_d),
        ('AJPE 2D', METRICS.build(dict(type='AJPE')), two_d),
        ('HeadPCK 3D', METRICS.build(dict(type='HeadPCK', mode='3d',
                                          root_index=6)), three_d),
        ('AJPE 3D', METRICS.build(dict(type='AJPE', mode='3d',
                                       root_index=6)), three_d),
        ('PCK3D', METRICS.build(dict(type='PCK3D', root_index=6)), three_d),
        ('MMPose PCKAccuracy (ref.)', METRICS.build(
            dict(type='PCKAccuracy', thr=1.0, norm_item='head')), two_d),
        ('MMPose SimpleMPJPE (ref.)', METRICS.build(
            dict(type='SimpleMPJPE')), three_d),
        ('BoxIoU', MMDET_METRICS.build(dict(type='BoxIoU')),
         det_samples(args.samples, rng)),
    ]
    print(f'{args.samples} samples, best of {args.repeat}')
    for name, metric, samples in cases:
        seconds = bench(metric, samples, args.repeat)
        print(f'{name:28s} {seconds * 1e3:8.1f} ms '
              f'({seconds / len(samples) * 1e6:6.1f} us/sample)')


if __name__ == '__main__':
    main()
