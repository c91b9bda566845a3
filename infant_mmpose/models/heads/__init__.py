"""Registered modules; importing this package registers them."""
from .martinez_lifter_head import MartinezLifterHead

__all__ = ['MartinezLifterHead']
