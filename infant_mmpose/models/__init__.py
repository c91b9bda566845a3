"""Models; importing registers them."""
from . import heads  # noqa: F401
