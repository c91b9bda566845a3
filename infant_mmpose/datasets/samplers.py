"""``BatchNormSafeBatchSampler``: never a training batch of one sample."""
from typing import Iterator, List

from mmpose.registry import DATA_SAMPLERS
from torch.utils.data import BatchSampler, Sampler


@DATA_SAMPLERS.register_module()
class BatchNormSafeBatchSampler(BatchSampler):
    """PyTorch's ``BatchSampler`` that skips a last batch of one sample.

    BatchNorm in training mode cannot normalise a single sample (PyTorch
    raises "Expected more than 1 value per channel when training"), which
    the Martinez lifter's ``BatchNorm1d`` meets whenever the number of
    training samples is 1 more than a multiple of the batch size. Plain
    ``drop_last=True`` avoids it too, but drops up to ``batch_size - 1``
    samples every epoch and trains nothing at all when the data set is
    smaller than one batch; this sampler drops the single sample only.

    Use in a training data loader config (MMEngine's ``Runner`` passes the
    ``sampler`` and ``batch_size``)::

        train_dataloader = dict(
            batch_size=64, sampler=dict(type='DefaultSampler', shuffle=True),
            batch_sampler=dict(type='BatchNormSafeBatchSampler'), ...)

    Args:
        sampler: the index sampler (e.g. MMEngine's ``DefaultSampler``).
        batch_size: samples per batch; with 1 nothing is skipped (every
            batch has one sample, which BatchNorm cannot train on anyway).
        drop_last: as in PyTorch: also drop a last batch of 2 or more
            samples smaller than ``batch_size``.
    """

    def __init__(self, sampler: Sampler, batch_size: int,
                 drop_last: bool = False) -> None:
        super().__init__(sampler, batch_size, drop_last)

    def _skips_single(self) -> bool:
        return (not self.drop_last and self.batch_size > 1
                and len(self.sampler) % self.batch_size == 1)

    def __iter__(self) -> Iterator[List[int]]:
        skip = self._skips_single()
        for batch in super().__iter__():
            if skip and len(batch) == 1:
                return
            yield batch

    def __len__(self) -> int:
        return super().__len__() - int(self._skips_single())
