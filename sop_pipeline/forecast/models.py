"""The statsforecast-compatible wrapper the candidate sets are built from.

It subclasses statsforecast's model base class, so ``StatsForecast`` runs it like any other
model, in-process or in a Dask worker (it pickles with the model it wraps).
"""

from __future__ import annotations

import numpy as np
from statsforecast.models import _TS, Naive


class Candidate(_TS):
    """A candidate model that always answers: ``Naive`` where the model cannot fit a series.

    Some models fail on some series (too short for their parameters, constant, no admissible
    fit). statsforecast's ``fallback_model`` replaces a failure for all models of a call and,
    with ``level``, can write one model's interval columns in another model's order (80 % and
    95 % bounds swapped on some rows); this wrapper falls back per model and per series, and
    returns point forecasts only: the engine's intervals are conformal, from each series'
    cross-validation errors, so no statsforecast interval column is ever read.

    Args:
        model: the statsforecast model.
        alias: the column name of this candidate.
    """

    uses_exog = False

    def __init__(self, model: _TS, alias: str):
        self.model = model
        self.alias = alias

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,
        X_future: np.ndarray | None = None,
        fitted: bool = False,
    ) -> dict[str, np.ndarray]:
        """Forecast ``h`` steps of ``y`` (see the class docstring)."""
        y = np.asarray(y, dtype=float)
        try:
            mean = np.asarray(self.model.forecast(y=y, h=h)["mean"], dtype=float)
            if mean.shape != (h,) or not np.all(np.isfinite(mean)):
                raise FloatingPointError("no finite forecast")
        except Exception:  # any failure on one series falls back to Naive for that series
            mean = np.asarray(Naive().forecast(y=y, h=h)["mean"], dtype=float)
        return {"mean": mean}
