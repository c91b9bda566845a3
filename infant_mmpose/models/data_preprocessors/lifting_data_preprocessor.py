"""``LiftingDataPreprocessor``: a lifter's data preprocessor without the
per-sample copies of a training step.

A ``PoseLifter`` without a ``data_preprocessor`` gets MMEngine's
``BaseDataPreprocessor``, whose ``cast_data`` moves every ``PoseDataSample``
with ``.to(device)``. That builds a new sample with a deep copy of its
metainfo even when nothing moves (CPU to CPU): about 0.2 ms per sample,
13 ms per batch of 64, a third of the 1024-wide lifter's training step on a
CPU. The values the model sees are the same either way.
"""
from typing import Union

import numpy as np
import torch
from mmengine.model import BaseDataPreprocessor
from mmengine.structures import BaseDataElement
from mmpose.registry import MODELS


def _tensors_on(element: BaseDataElement, device: torch.device) -> bool:
    """Whether every tensor of ``element`` (nested elements included) is on
    ``device``."""
    # vars(): the element's fields are its attributes (``values()`` builds
    # key sets on every call, which showed in the training step's profile)
    for value in vars(element).values():
        if isinstance(value, BaseDataElement):
            if not _tensors_on(value, device):
                return False
        elif isinstance(value, torch.Tensor) and value.device != device:
            return False
    return True


def _arrays_to_tensors(data: dict) -> dict:
    """Undo :func:`~infant_mmpose.datasets.lifting_collate.lifting_collate`'s
    NumPy arrays (inputs and ``gt_instance_labels``) of a batch that came
    from a worker process (its samples are fresh copies: changed in place).
    ``lifting_collate`` converts all samples of a batch or none, so the first
    sample tells."""
    inputs = data.get('inputs')
    if isinstance(inputs, list) and inputs and isinstance(inputs[0], np.ndarray):
        data = dict(data, inputs=[
            torch.from_numpy(x) if isinstance(x, np.ndarray) else x for x in inputs])
    samples = data.get('data_samples') or []
    first = getattr(samples[0], 'gt_instance_labels', None) if samples else None
    if isinstance(first, BaseDataElement) and any(
            isinstance(v, np.ndarray) for v in first.values()):
        for sample in samples:
            sample.gt_instance_labels = sample.gt_instance_labels.to_tensor()
    return data


@MODELS.register_module()
class LiftingDataPreprocessor(BaseDataPreprocessor):
    """``BaseDataPreprocessor`` that, in a training step, passes on data
    samples already on the model's device instead of copying them.

    The output has ``BaseDataPreprocessor``'s form: ``inputs`` (the list of
    B ``(C, T)`` tensors from ``PackPoseInputs``, which ``PoseLifter``
    stacks) and ``data_samples`` on the device. A training step only reads
    the samples (the loss), so a sample whose tensors are all on the device
    is passed on as it is; validation and test copy every sample, as
    ``BaseDataPreprocessor`` does, because the model then writes its
    predictions into them (and a data set may hand out the same sample
    again, see ``cache_samples``).

    NumPy arrays that ``lifting_collate`` made of a worker's batch (inputs,
    ``gt_instance_labels``) become tensors again first.
    """

    def forward(self, data: dict, training: bool = False) -> Union[dict, list]:
        """``{'inputs': ..., 'data_samples': [...]}`` on the device."""
        if isinstance(data, dict):
            data = _arrays_to_tensors(data)
        if not training or not isinstance(data, dict):
            return self.cast_data(data)
        out = {}
        for key, value in data.items():
            if key == 'data_samples' and value is not None:
                out[key] = [
                    s if isinstance(s, BaseDataElement) and _tensors_on(s, self.device)
                    else self.cast_data(s) for s in value
                ]
            else:
                out[key] = self.cast_data(value)
        return out
