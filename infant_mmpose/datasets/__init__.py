"""Data sets, readers and data transforms; importing registers them."""
from . import transforms  # noqa: F401
