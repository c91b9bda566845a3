"""Registered data preprocessors."""
from .lifting_data_preprocessor import LiftingDataPreprocessor  # noqa: F401
