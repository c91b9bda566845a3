"""Helpers for tests and benchmarks (as ``mmpose.testing``); not part of the
inference or training API.
"""
from .untrained_checkpoint import save_untrained_checkpoint  # noqa: F401
