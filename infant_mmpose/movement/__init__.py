"""Movement analysis: General Movements features from 3D keypoint series.

One feature vector per recording, from the inferencer's ``PoseSeries`` (or
its NPZ / JSON / CSV files)::

    from infant_mmpose.movement import analyse
    result = analyse('out/video.npz')       # or a PoseSeries
    result.features['l_wrist_dominant_freq_hz']

Steps: :mod:`.preparation` (gaps, resampling, body-size normalisation,
alignment), :mod:`.features` (per joint, joint angles, symmetry, frequency,
3D orientation/displacement histograms), :mod:`.reference` (z-scores and a
surprise score against a normative table), :mod:`.sheet` (a PNG per
recording). Feature names, units and formulas: :mod:`.catalogue` and
``docs/movement_features.md``.
"""
from dataclasses import dataclass
from typing import Dict, Optional, Union

from infant_mmpose.apis.pose_series import PoseSeries
from .body import BodyJoints, MissingJointsError
from .catalogue import (DEFAULT_SETTINGS, FeatureSettings, catalogue_markdown,
                        feature_names, feature_units)
from .features import compute_features
from .preparation import MovementDataError, PreparedMovement, prepare
from .reference import NormativeReference, ReferenceError
from .series_io import SeriesFileError, load_pose_series


@dataclass
class MovementResult:
    """Features of one recording and the prepared series behind them."""
    features: Dict[str, float]
    prepared: PreparedMovement

    def row(self, comparison: Optional[Dict[str, float]] = None) -> dict:
        """Feature-table row: recording facts, features, reference scores."""
        row = dict(self.prepared.summary())
        row.update(self.features)
        row.update(comparison or {})
        return row


def analyse(series: Union[PoseSeries, str],
            preparation: Optional[dict] = None,
            settings: FeatureSettings = DEFAULT_SETTINGS) -> MovementResult:
    """Features of one recording.

    Args:
        series: a ``PoseSeries`` or the path of an inferencer NPZ/JSON/CSV.
        preparation: keyword arguments of :func:`.preparation.prepare`
            (``rate_hz``, ``max_gap_s``, ``min_segment_s``, ``smoothing``,
            ``align``).
        settings: feature thresholds and bins.

    Raises:
        SeriesFileError, MovementDataError, MissingJointsError: with the
            reason (all are ``ValueError``).
    """
    if isinstance(series, str):
        series = load_pose_series(series)
    prepared = prepare(series, **(preparation or {}))
    return MovementResult(compute_features(prepared, settings), prepared)


__all__ = ['analyse', 'MovementResult', 'prepare', 'PreparedMovement',
           'compute_features', 'feature_names', 'feature_units',
           'catalogue_markdown', 'FeatureSettings', 'DEFAULT_SETTINGS',
           'NormativeReference', 'ReferenceError', 'load_pose_series',
           'SeriesFileError', 'MovementDataError', 'MissingJointsError',
           'BodyJoints']
