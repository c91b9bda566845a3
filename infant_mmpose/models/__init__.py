"""Models; importing registers them (heads, backbones, codecs, data preprocessors, hooks)."""
from . import backbones  # noqa: F401
from . import codecs  # noqa: F401
from . import data_preprocessors  # noqa: F401
from . import heads  # noqa: F401
from . import hooks  # noqa: F401
from . import task_modules  # noqa: F401
