"""Load a cached data set's training batches in the training process, with
the random stream of persistent DataLoader workers.

With ``cache_samples=True`` a data set hands out each packed sample from a
list after the first epoch, so a ``DataLoader`` worker process has nothing
left to do but pickle the batch to the training process, which unpickles
it. On a CPU with few cores those workers compete with training: the thesis
lifter configs' two workers made a Runner epoch about 2x a plain-PyTorch
epoch on 2 cores (``benchmarks/bench_training.py``), against about 1.2x
without workers.

Setting ``num_workers=0`` would change the training numbers: a
``DataLoader`` draws its workers' base seed from the global torch random
generator each time it makes an iterator, once per run with persistent
workers but once per epoch without workers, so from the second epoch on
dropout would see another random stream. :class:`InProcessLoadingHook`
keeps one iterator for the whole run instead, as persistent workers do:
the same draws from the global generator, in the same order, hence the
same losses and metrics bit for bit (``tests/test_lifting_samples.py``).
"""
from mmengine.hooks import Hook
from mmengine.logging import print_log
from torch.utils.data import DataLoader

from mmpose.registry import HOOKS


class OneIteratorDataLoader(DataLoader):
    """A ``DataLoader`` without worker processes that makes its iterator
    once and resets it at the start of every later epoch (what
    ``DataLoader`` does with ``persistent_workers=True``), so the base seed
    is drawn from the random generator once per run."""

    def __iter__(self):
        if self.num_workers != 0:
            raise ValueError('OneIteratorDataLoader loads in the training process: '
                             f'num_workers must be 0, got {self.num_workers}')
        if self._iterator is None:
            self._iterator = self._get_iterator()
        else:
            self._iterator._reset(self)
        return self._iterator


def in_process_loader(loader: DataLoader) -> OneIteratorDataLoader:
    """A :class:`OneIteratorDataLoader` with ``loader``'s data set, batch
    sampler (or sampler), collate function and random generator: the same
    batches in the same order."""
    kwargs = dict(collate_fn=loader.collate_fn, pin_memory=loader.pin_memory,
                  pin_memory_device=loader.pin_memory_device, generator=loader.generator)
    if loader.batch_sampler is not None:
        kwargs.update(batch_sampler=loader.batch_sampler)
    else:  # batch_size=None: the sampler hands out whole batches
        kwargs.update(sampler=loader.sampler, batch_size=None)
    return OneIteratorDataLoader(loader.dataset, **kwargs)


@HOOKS.register_module()
class InProcessLoadingHook(Hook):
    """Before training, replace a training loader that has persistent
    workers and a data set with ``cache_samples=True`` by
    :func:`in_process_loader`'s loader: the same batches, the same draws
    from the global random generator, no worker processes.

    Any other loader is left as it is: without the sample cache the workers
    run the pipeline (their job); without persistent workers a new iterator
    per epoch is the configured random stream (e.g. the quickstart lifter
    configs' ``num_workers=0``); a loader whose workers already started
    (an iteration-based loop) keeps them. Only epoch-based loops are served
    (they make the loader's iterator when an epoch starts).
    """

    priority = 'VERY_HIGH'  # other hooks' before_train see the new loader

    def before_train(self, runner) -> None:
        loop = runner.train_loop
        loader = getattr(loop, 'dataloader', None)
        if not (isinstance(loader, DataLoader) and loader.persistent_workers
                and loader.num_workers > 0 and loader._iterator is None
                and getattr(loader.dataset, 'cache_samples', False)):
            return
        loop.dataloader = in_process_loader(loader)
        print_log(
            f'{type(self).__name__}: {type(loader.dataset).__name__} serves packed '
            f'samples from its cache: training batches are loaded in the training '
            f'process (not by {loader.num_workers} workers), with one loader '
            'iterator for the run as with persistent workers', logger='current')
