"""Normative comparison: z-scores and a surprise score against a reference.

A reference is a table of feature rows (one per recording, e.g. typically
developing infants of the same age), as written by
``tools/analysis/movement_features.py``. Each feature gets the reference's
mean μ and sample standard deviation σ; a new recording gets

* ``<feature>_z = (x − μ) / σ`` per feature, and
* ``surprise = Σ −ln N(x; μ, σ²)``, the negative log-likelihood of the
  recording under independent normal reference distributions (Chambers et
  al. 2020), summed over the *core* features (:data:`CORE_FEATURES`, the
  kinds Chambers et al. used: position, speed, variability, entropy and
  left-right correlation of the limb ends and elbow/knee angles, plus the
  dominant frequency) that have a finite value and σ > 0. A table without
  them (another feature set) uses all its features;
* ``surprise_z``: the surprise standardised by the mean and standard
  deviation of the reference rows' own surprise scores, each row scored
  against the statistics of the *other* rows (leave-one-out: a row scored
  against statistics that include it looks more typical than a new
  recording would), so that a typical recording scores about 0 and an
  atypical one several units above.
"""
import warnings
from typing import Dict, Iterable, List, Mapping, Optional

import numpy as np

#: Features summed into the surprise score by default (60).
CORE_FEATURES = tuple(
    f'{s}_{j}_{f}' for j in ('wrist', 'ankle') for s in ('l', 'r')
    for f in ('dist_median', 'dist_iqr', 'speed_median', 'speed_iqr',
              'vel_iqr', 'acc_iqr', 'pos_entropy',
              'dominant_freq_hz')) + tuple(
    f'{s}_{j}_{f}' for j in ('elbow', 'knee') for s in ('l', 'r')
    for f in ('angle_mean', 'angle_var', 'angle_entropy',
              'angle_speed_median', 'angle_speed_iqr', 'angle_acc_iqr')) + (
    'lr_wrist_dist_corr', 'lr_ankle_dist_corr', 'lr_elbow_angle_corr',
    'lr_knee_angle_corr')
#: Columns of a feature table that are not features.
NON_FEATURE_PREFIXES = ('recording_', 'surprise')
_LOG_2PI = float(np.log(2 * np.pi))


class ReferenceError(ValueError):
    """A reference table that cannot be used, with the reason."""


def is_feature_column(name: str) -> bool:
    return (name != 'input' and not name.startswith(NON_FEATURE_PREFIXES)
            and not name.endswith('_z'))


class NormativeReference:
    """Per-feature normal distributions of a reference group.

    Args:
        rows: reference feature rows (``{feature: value}`` each); NaN values
            are left out of that feature's statistics.
        features: the features to score with z (default: every feature
            column of the rows, see :func:`is_feature_column`).
        surprise_features: the features summed into the surprise (default:
            :data:`CORE_FEATURES` where the table has them, else all).

    Raises:
        ReferenceError: fewer than 2 rows, or no usable feature.
    """

    def __init__(self, rows: List[Mapping[str, float]],
                 features: Optional[Iterable[str]] = None,
                 surprise_features: Optional[Iterable[str]] = None):
        if len(rows) < 2:
            raise ReferenceError(f'a reference needs at least 2 feature rows '
                                 f'(a spread), got {len(rows)}')
        names = list(features) if features is not None else [
            k for k in rows[0] if is_feature_column(k)]
        table = np.array([[_float(r.get(n)) for n in names] for r in rows])
        counts = np.isfinite(table).sum(axis=0)
        with warnings.catch_warnings():
            # all-NaN or single-value columns: dropped just below
            warnings.simplefilter('ignore', RuntimeWarning)
            mean = np.nanmean(table, axis=0)
            std = np.nanstd(table, axis=0, ddof=1)
        usable = (counts >= 2) & np.isfinite(std) & (std > 0)
        if not usable.any():
            raise ReferenceError('no feature of the reference has at least 2 '
                                 'values with a non-zero spread')
        self.features = [n for n, u in zip(names, usable) if u]
        self.mean = mean[usable]
        self.std = std[usable]
        self.count = counts[usable]
        self.unused = [n for n, u in zip(names, usable) if not u]
        wanted = set(surprise_features if surprise_features is not None
                     else CORE_FEATURES)
        self.in_surprise = np.array([n in wanted for n in self.features])
        if surprise_features is None and not self.in_surprise.any():
            self.in_surprise[:] = True
        if not self.in_surprise.any():
            raise ReferenceError('none of the surprise features has a '
                                 'spread in the reference')
        own = self._leave_one_out_surprise(table[:, usable])
        self.surprise_mean = float(np.mean(own))
        self.surprise_std = float(np.std(own, ddof=1))

    def _leave_one_out_surprise(self, table: np.ndarray) -> np.ndarray:
        """Surprise of each reference row under the other rows' statistics
        (in-sample when there are only 2 rows)."""
        surprises = []
        for i in range(len(table)):
            others = np.delete(table, i, axis=0) if len(table) > 2 else table
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', RuntimeWarning)
                mean = np.nanmean(others, axis=0)
                std = np.nanstd(others, axis=0, ddof=1)
            ok = (np.isfinite(table[i]) & self.in_surprise & np.isfinite(std)
                  & (std > 0))
            z = (table[i][ok] - mean[ok]) / std[ok]
            surprises.append(float((0.5 * _LOG_2PI + np.log(std[ok])
                                    + 0.5 * z ** 2).sum()))
        return np.array(surprises)

    @classmethod
    def from_csv(cls, path: str, **kwargs) -> 'NormativeReference':
        """Load the rows of a feature table CSV (``input`` column optional)."""
        import pandas as pd
        try:
            table = pd.read_csv(path)
        except (OSError, ValueError) as err:
            raise ReferenceError(f'{path}: cannot read the reference table '
                                 f'({err})') from err
        numeric = [c for c in table.columns if is_feature_column(c)
                   and pd.api.types.is_numeric_dtype(table[c])]
        if not numeric:
            raise ReferenceError(f'{path}: no numeric feature columns')
        try:
            return cls(table[numeric].to_dict('records'), **kwargs)
        except ReferenceError as err:
            raise ReferenceError(f'{path}: {err}') from err

    def _vector(self, features: Mapping[str, float]) -> np.ndarray:
        return np.array([_float(features.get(n)) for n in self.features])

    def _surprise(self, x: np.ndarray):
        ok = np.isfinite(x) & self.in_surprise
        z = (x - self.mean) / self.std
        nll = 0.5 * _LOG_2PI + np.log(self.std) + 0.5 * z ** 2
        return float(nll[ok].sum()), int(ok.sum()), z

    def compare(self, features: Mapping[str, float]) -> Dict[str, float]:
        """z-scores and surprise of one recording's features.

        Returns:
            ``{'<feature>_z': z, ...}`` for the reference's features, then
            ``surprise`` (nats), ``surprise_z`` and ``surprise_features``
            (how many features were summed).
        """
        surprise, used, z = self._surprise(self._vector(features))
        out = {f'{n}_z': float(v) for n, v in zip(self.features, z)}
        out['surprise'] = surprise
        out['surprise_z'] = ((surprise - self.surprise_mean)
                             / self.surprise_std if self.surprise_std > 0
                             else float('nan'))
        out['surprise_features'] = used
        return out


def _float(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float('nan')
