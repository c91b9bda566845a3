"""infant_mmpose: 3D infant pose from RGB video, as an MMPose/MMDetection plugin.

Importing the package registers every module into the MMPose / MMDetection
registries, so configs only need::

    custom_imports = dict(imports=['infant_mmpose'], allow_failed_imports=False)

``infant_mmpose.get_config('quickstart/pose2d')`` is the path of a config
shipped with the package (from a checkout or an installed wheel).
"""
from .version import __version__  # noqa: F401
from . import utils  # noqa: F401  (checkpoint trust for torch>=2.6; must come first)
from . import datasets  # noqa: F401
from . import evaluation  # noqa: F401
from . import models  # noqa: F401
from . import smoothing  # noqa: F401
from . import apis  # noqa: F401
from .utils.paths import get_config  # noqa: F401
