"""Faster CPU execution for inference that computes the same numbers.

Two measures: torchvision's RoIAlign kernel (below) and single-threaded
torch for light work (:func:`torch_threads`).

MMCV's compiled ``roi_align`` runs single-threaded and, on this project's
CPUs, takes about twice the time of torchvision's ``roi_align`` for the same
Faster R-CNN RoIs (1000 proposals, 7x7, 256 channels: 1.4 s against 0.76 s
CPU time per frame on a laptop-class core; ``benchmarks/bench_inference.py``
shows the end-to-end effect). For ``aligned=True`` / ``'avg'`` pooling both
sample the same bilinear points in the same order, and the outputs are equal
bit for bit on the RoIs tested (``tests/test_cpu_kernels.py``). MMCV's
``RoIAlign`` has a ``use_torchvision`` switch; the inferencer turns it on for
inference on a CPU instead of changing the configs, so training (and the
backward pass, which the two libraries accumulate differently) is untouched.
"""
from contextlib import contextmanager
from typing import Iterator, Optional

import torch
from torch import nn


def prefer_torchvision_roi_align(model: nn.Module) -> int:
    """Switch every MMCV ``RoIAlign`` of ``model`` with average pooling to
    torchvision's kernel (in place).

    Returns:
        The number of layers switched (0 for models without RoIAlign).
    """
    from mmcv.ops import RoIAlign
    switched = 0
    for module in model.modules():
        if (isinstance(module, RoIAlign) and module.pool_mode == 'avg'
                and not module.use_torchvision):
            module.use_torchvision = True
            switched += 1
    return switched


@contextmanager
def torch_threads(num_threads: Optional[int]) -> Iterator[None]:
    """Run the block with ``num_threads`` torch CPU threads (None: as is).

    For light per-frame work (normalising one 256x256 crop, a small MLP):
    torch splits any operation over more than 32,768 elements across its
    threads and waits for all of them, so when another process holds one of
    the cores every such operation waits for the scheduler. Measured on 2
    cores with a second process busy: normalising one crop 9-32 ms with 2
    threads, 0.47 ms with 1 (0.18 ms either way on an idle machine).
    Results do not depend on the thread count for these element-wise
    operations.
    """
    before = torch.get_num_threads()
    if num_threads is None or num_threads == before:
        yield
        return
    torch.set_num_threads(num_threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)
