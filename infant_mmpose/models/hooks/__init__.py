"""Registered MMEngine hooks; importing this package registers them."""
from .in_process_loading_hook import InProcessLoadingHook
from .max_norm_hook import MaxNormConstraintHook

__all__ = ['InProcessLoadingHook', 'MaxNormConstraintHook']
