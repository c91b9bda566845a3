"""Registered MMEngine hooks; importing this package registers them."""
from .max_norm_hook import MaxNormConstraintHook

__all__ = ['MaxNormConstraintHook']
