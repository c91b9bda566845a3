"""Registered modules; importing this package registers them."""
from .keypoint_mapping import KeypointMapping  # noqa: F401
