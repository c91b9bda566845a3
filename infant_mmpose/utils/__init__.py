"""Utilities shared by the package."""
from .checkpoint_trust import (MMENGINE_CHECKPOINT_SAFE_GLOBALS,  # noqa: F401
                               trust_mmengine_checkpoint_types)
from .paths import (PROJECT_ROOT, config_path, configs_root,  # noqa: F401
                    get_config)
from .url_checkpoints import (cached_checkpoint,  # noqa: F401
                              register_weights_only_url_loaders)

trust_mmengine_checkpoint_types()
register_weights_only_url_loaders()
