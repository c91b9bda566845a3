"""Run a data set's deterministic pipeline once per sample and keep the result.

A lifting sample is a few hundred bytes of numbers, but turning its data
info into a packed sample (MMEngine's data-info copy, the codec's encoding in
``GenerateTarget``, ``PackPoseInputs`` building a ``PoseDataSample``) costs
about 0.3 ms of Python per sample, about as much as the 1024-wide MLP's
training step on a CPU. The lifting pipelines are deterministic (no random
augmentation), so every epoch would repeat exactly the same work:
:class:`PackedSampleCacheMixin` does it once, the first time a sample is
asked for, and hands out the same packed sample afterwards.
"""
from typing import Any, List, Optional, Sequence, Union

from torch.utils.data import get_worker_info

#: Transforms whose output depends on their input only (no random numbers,
#: no state), so that running them once per sample changes nothing.
DETERMINISTIC_TRANSFORMS = frozenset({'GenerateTarget', 'PackPoseInputs', 'KeypointMapping'})


class PackedSampleCacheMixin:
    """Adds ``cache_samples`` to an MMEngine data set (put it before the data
    set class in the bases; call :meth:`_check_cacheable_pipeline` after the
    base class's ``__init__`` built ``self.pipeline``).

    With ``cache_samples=True``, ``dataset[i]`` runs the pipeline on sample
    ``i`` the first time and returns that same result (the dict
    ``{'inputs', 'data_samples'}`` of ``PackPoseInputs``) every later time.
    The samples handed out are shared: read them, do not modify them. The
    training step only reads them (the loss); MMEngine's data preprocessor
    copies samples before a validation step writes predictions into them.
    Memory: about 7 kB per cached lifting sample (about 55 MB for
    MINI-RGBD's 8,000 training frames).

    In a ``DataLoader`` worker process the cache is off: a worker hands
    every sample's tensors to the main process through shared memory, which
    keeps one file descriptor open per tensor it keeps (thousands of cached
    samples exhaust the process's limit), and workers already take the
    pipeline off the training process. The cache serves ``num_workers=0``
    and loaders that ``InProcessLoadingHook`` moves into the training
    process (the thesis lifter configs' persistent workers, with their
    random stream).
    """

    cache_samples: bool = False
    _sample_cache: Optional[List[Any]] = None

    def _check_cacheable_pipeline(self) -> None:
        """Raise ValueError if ``cache_samples`` is on and the pipeline has a
        transform that is not known to be deterministic."""
        if not self.cache_samples:
            return
        names = [type(t).__name__ for t in self.pipeline.transforms]
        unknown = [n for n in names if n not in DETERMINISTIC_TRANSFORMS]
        if unknown:
            raise ValueError(
                f'{type(self).__name__}(cache_samples=True) runs the pipeline '
                f'once per sample, but {unknown} may give a different result '
                'every time (random augmentation); set cache_samples=False '
                f'or use only {sorted(DETERMINISTIC_TRANSFORMS)}')

    def prepare_data(self, idx: int) -> Any:
        """The packed sample ``idx``, from the cache when it is on."""
        if not self.cache_samples or get_worker_info() is not None:
            return super().prepare_data(idx)
        if self._sample_cache is None:
            self._sample_cache = [None] * len(self)
        sample = self._sample_cache[idx]
        if sample is None:
            sample = self._sample_cache[idx] = super().prepare_data(idx)
        return sample

    # a subset has other indices: it starts with an empty cache (and
    # MMEngine's copy of the data set must not deep-copy this one)
    def get_subset_(self, indices: Union[Sequence[int], int]) -> None:
        self._sample_cache = None
        super().get_subset_(indices)

    def get_subset(self, indices: Union[Sequence[int], int]):
        cache, self._sample_cache = self._sample_cache, None
        try:
            return super().get_subset(indices)
        finally:
            self._sample_cache = cache
