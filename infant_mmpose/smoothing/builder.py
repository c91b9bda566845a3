"""Registry of temporal smoothing filters and the function that builds them.

Filters are configured like every other OpenMMLab component::

    smoother = build_filter(dict(type='OneEuroFilter', min_cutoff=1.0, beta=0.05))
    smoothed = smoother(keypoints)          # (T, K, C) -> (T, K, C)
"""
from typing import Optional, Union

from mmengine.registry import Registry

#: Temporal filters over keypoint time series; names are the class names.
FILTERS = Registry('filter', scope='infant_mmpose', locations=['infant_mmpose.smoothing'])


def build_filter(cfg: Union[dict, object, None]) -> Optional[object]:
    """Build a filter from a config dict (``dict(type='SavitzkyGolayFilter', ...)``).

    ``None`` gives ``None`` (no smoothing); an already-built filter is returned as is.

    Raises:
        TypeError: if ``cfg`` is neither a dict, a filter nor ``None``.
        KeyError: if ``cfg['type']`` is not a registered filter.
    """
    if cfg is None:
        return None
    if hasattr(cfg, 'smooth') and not isinstance(cfg, dict):
        return cfg
    if not isinstance(cfg, dict):
        raise TypeError(f'a smoothing filter config must be a dict with a "type" '
                        f'key or None, got {type(cfg).__name__}')
    if 'type' not in cfg:
        raise KeyError(f'smoothing filter config {cfg} has no "type" key; '
                       f'registered filters: {sorted(FILTERS.module_dict)}')
    if cfg['type'] not in FILTERS.module_dict:
        raise KeyError(f'unknown smoothing filter "{cfg["type"]}"; registered '
                       f'filters: {sorted(FILTERS.module_dict)}')
    return FILTERS.build(dict(cfg))
