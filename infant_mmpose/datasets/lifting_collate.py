"""``lifting_collate``: MMEngine's ``pseudo_collate`` for lifting batches that
leave a ``DataLoader`` worker.

A worker hands every tensor of a batch to the training process through its
own shared-memory file descriptor. A lifting sample has four tiny tensors
(the packed 2D input and three label arrays), so a batch of 64 costs 256
descriptor transfers, which on a 2-core CPU took the training process about
55 ms per batch, longer than the 1024-wide lifter's training step. In a
worker this collate function turns those tensors into NumPy arrays, which
travel inside the batch's pickle; :class:`LiftingDataPreprocessor` turns
them back (``torch.from_numpy``: the same float32 values). In the training
process itself (``num_workers=0``) it is ``pseudo_collate``.
"""
from typing import Sequence

import torch
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS
from mmengine.structures import BaseDataElement
from torch.utils.data import get_worker_info


@FUNCTIONS.register_module()
def lifting_collate(data_batch: Sequence[dict]) -> dict:
    """``pseudo_collate(data_batch)``; in a worker process, ``inputs`` (a
    list of ``(C, T)`` tensors) become NumPy arrays and so do the tensors of
    every sample's ``gt_instance_labels``.

    Use it in a lifter's training loader config with
    ``model.data_preprocessor=dict(type='LiftingDataPreprocessor')``::

        train_dataloader = dict(collate_fn=dict(type='lifting_collate'), ...)
    """
    batch = pseudo_collate(data_batch)
    if get_worker_info() is None or not isinstance(batch, dict):
        return batch
    inputs = batch.get('inputs')
    if isinstance(inputs, list):
        batch['inputs'] = [x.numpy() if isinstance(x, torch.Tensor) else x for x in inputs]
    for sample in batch.get('data_samples') or []:
        # a worker's samples are its own (the sample cache is off there)
        labels = getattr(sample, 'gt_instance_labels', None)
        if isinstance(labels, BaseDataElement):
            sample.gt_instance_labels = labels.numpy()
    return batch
