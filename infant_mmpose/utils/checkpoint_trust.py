"""Let ``torch.load(weights_only=True)`` read MMEngine checkpoints.

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``: it unpickles
only allow-listed types. MMEngine 0.10.7 calls ``torch.load`` without that
argument, and its checkpoints hold a few non-tensor objects (NumPy arrays and
scalars in ``meta``, ``HistoryBuffer`` objects in the saved message hub), so
loading or resuming fails with ``Unsupported global: ...``.

The decision taken here, deliberately: keep ``weights_only=True`` for every
file, and extend the allow-list with exactly the data-only types MMEngine
checkpoints contain. These types rebuild arrays, dtypes and a metric buffer;
none of them calls arbitrary code, so a malicious file still cannot execute
anything through them. The one callable needed, ``getattr`` (a pickled
``HistoryBuffer`` refers to its bound statistics methods), is replaced for
the unpickler by a version that only returns those methods. Nothing sets ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` or
passes ``weights_only=False``. A checkpoint that needs any other type still
fails loudly, naming the type; the user decides then.
"""
import pickle

import numpy as np
import torch


def _numpy_globals():
    """NumPy types that pickled arrays and scalars refer to."""
    from numpy.core.multiarray import _reconstruct, scalar
    # `bytes`: an empty array pickles its (empty) buffer as `bytes()`.
    types = [np.ndarray, np.dtype, _reconstruct, scalar, bytes]
    # Concrete dtype classes (numpy>=1.25 pickles dtypes by class).
    types += [type(np.dtype(code)) for code in '?bBhHiIlLqQefdgFDGSUV']
    return types


_BUILTIN_STATISTICS = frozenset({'min', 'max', 'current', 'mean'})


def _history_buffer_getattr(obj, name):
    """Stand-in for ``getattr`` that only fetches HistoryBuffer statistics.

    A pickled ``HistoryBuffer`` stores its statistics methods as
    ``getattr(HistoryBuffer, 'mean')``. Allow-listing the real ``getattr`` would let a
    file reach any attribute of any allowed object, so the unpickler gets this
    narrow version instead.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    owner = obj if isinstance(obj, type) else type(obj)
    # The class-level registry fills only when a buffer is first created.
    allowed = _BUILTIN_STATISTICS | set(HistoryBuffer._statistics_methods)
    if not (issubclass(owner, HistoryBuffer) and name in allowed):
        raise pickle.UnpicklingError(
            f'checkpoint asks for getattr({owner.__name__}, {name!r}); '
            'only HistoryBuffer statistics are allowed')
    return getattr(obj, name)


def _mmengine_globals():
    from mmengine.logging.history_buffer import HistoryBuffer
    # Protocol 2 pickles name builtins `__builtin__`, later protocols `builtins`.
    return [HistoryBuffer,
            (_history_buffer_getattr, '__builtin__.getattr'),
            (_history_buffer_getattr, 'builtins.getattr')]


#: The allow-listed globals (computed once at import).
MMENGINE_CHECKPOINT_SAFE_GLOBALS = tuple(_numpy_globals() + _mmengine_globals())


def trust_mmengine_checkpoint_types() -> None:
    """Add :data:`MMENGINE_CHECKPOINT_SAFE_GLOBALS` to torch's allow-list.

    Idempotent; a no-op on torch versions without ``add_safe_globals``.
    """
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:
        add(list(MMENGINE_CHECKPOINT_SAFE_GLOBALS))
