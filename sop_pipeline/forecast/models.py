"""Two statsforecast-compatible model wrappers the candidate sets are built from.

Both subclass statsforecast's model base class, so ``StatsForecast`` runs them like any other
model, in-process or on Dask through its fugue backend (they pickle with the models they wrap).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from statsforecast.models import _TS, Naive

from sop_pipeline.forecast.classify import is_seasonal


def seasonal_indices(
    y: np.ndarray, season_length: int, decompose: bool | None = None
) -> tuple[np.ndarray, str] | None:
    """Seasonal indices of a classical decomposition, when the series needs them.

    The ratios (or differences) of each value to its centred moving average are averaged per
    position of the season and normalised (mean 1, or mean 0). The decomposition is
    multiplicative for strictly positive series and additive otherwise.

    Args:
        y: the series.
        season_length: the seasonal period.
        decompose: ``True`` decomposes whenever two full seasons are available, ``False``
            never, ``None`` when the series passes the 90% seasonality test
            (:func:`~sop_pipeline.forecast.classify.is_seasonal`).

    Returns:
        ``(indices, kind)`` with ``season_length`` indices (index ``i`` applies to positions
        ``i, i + m, ...`` of ``y``) and ``kind`` ``"multiplicative"`` or ``"additive"``;
        ``None`` when the series is not decomposed.

    References:
        Makridakis, S., Wheelwright, S. C. and Hyndman, R. J. (1998). Forecasting: methods and
        applications, 3rd ed., chapter 3 (classical decomposition). Wiley.
    """
    m = season_length
    n = len(y)
    if m < 2 or n < 2 * m or decompose is False:
        return None
    if decompose is None and not is_seasonal(y, m):
        return None
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = len(weights) // 2
    trend = np.full(n, np.nan)
    trend[half : n - half] = np.convolve(y, weights, mode="valid")
    if np.min(y) > 0:
        indices = np.array([np.nanmean((y / trend)[i::m]) for i in range(m)])
        indices = indices / indices.mean()
        if np.all(indices > 0.01):
            return indices, "multiplicative"
    indices = np.array([np.nanmean((y - trend)[i::m]) for i in range(m)])
    return indices - indices.mean(), "additive"


class SeasonallyAdjusted(_TS):
    """Forecast the seasonally adjusted series with a non-seasonal model, then re-seasonalise.

    The classical decomposition of the Theta method: the series is divided by (or, when not
    strictly positive, reduced by) its seasonal indices, ``model`` forecasts the adjusted
    series, and the forecast is multiplied (or increased) back by the indices of the months
    ahead. A series that is not decomposed goes to ``model`` unchanged.

    Args:
        model: a statsforecast model for non-seasonal data (e.g. ``AutoETS(season_length=1)``).
        season_length: the seasonal period.
        decompose: ``True`` (the series is known to be seasonal: decompose whenever two
            seasons are available), ``None`` (decide with the 90% seasonality test).
        alias: the column name of this model.

    References:
        Assimakopoulos, V. and Nikolopoulos, K. (2000). The theta model: a decomposition
        approach to forecasting. International Journal of Forecasting 16(4), 521-530.
    """

    uses_exog = False

    def __init__(
        self,
        model: _TS,
        season_length: int = 12,
        decompose: bool | None = None,
        alias: str = "SeasonallyAdjusted",
    ):
        self.model = model
        self.season_length = season_length
        self.decompose = decompose
        self.alias = alias

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,
        X_future: np.ndarray | None = None,
        level: Sequence[int] | None = None,
        fitted: bool = False,
    ) -> dict[str, np.ndarray]:
        """Forecast ``h`` steps of ``y`` (see the class docstring)."""
        y = np.asarray(y, dtype=float)
        kwargs = {"level": list(level)} if level else {}
        found = seasonal_indices(y, self.season_length, self.decompose)
        if found is None:
            return self.model.forecast(y=y, h=h, **kwargs)
        indices, kind = found
        n, m = len(y), self.season_length
        past, ahead = indices[np.arange(n) % m], indices[np.arange(n, n + h) % m]
        if kind == "multiplicative":
            result = self.model.forecast(y=y / past, h=h, **kwargs)
            return {key: np.asarray(value) * ahead for key, value in result.items()}
        result = self.model.forecast(y=y - past, h=h, **kwargs)
        return {key: np.asarray(value) + ahead for key, value in result.items()}


class Candidate(_TS):
    """A candidate model that always answers: ``Naive`` where the model cannot fit a series.

    Some models fail on some series (too short for their parameters, constant, no admissible
    fit). statsforecast's ``fallback_model`` replaces a failure for all models of a call and,
    with ``level``, can write interval columns in another order (FACTS.md); this wrapper falls
    back per model and per series, and returns point forecasts only: the engine's intervals are
    conformal, from each series' cross-validation errors, so no statsforecast interval column
    is ever read.

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
