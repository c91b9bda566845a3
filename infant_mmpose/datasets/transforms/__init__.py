"""Registered modules; importing this package registers them."""
from .keypoint_mapping import KeypointMapping  # noqa: F401
from .rounded_square_box import RoundedSquareBox  # noqa: F401
from .torchvision_resize import TorchvisionResize  # noqa: F401
