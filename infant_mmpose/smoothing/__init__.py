"""Temporal smoothing of keypoint time series (2D before lifting, 3D after).

Importing registers ``OneEuroFilter`` and ``SavitzkyGolayFilter`` in
:data:`FILTERS`; build them with :func:`build_filter`.
"""
from .base_filter import BaseFilter
from .builder import FILTERS, build_filter
from .one_euro import OneEuroFilter
from .savitzky_golay import SavitzkyGolayFilter

__all__ = ['BaseFilter', 'FILTERS', 'build_filter', 'OneEuroFilter',
           'SavitzkyGolayFilter']
