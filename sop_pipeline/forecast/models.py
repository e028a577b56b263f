"""The statsforecast-compatible wrappers the candidate sets are built from.

They subclass statsforecast's model base class, so ``StatsForecast`` runs them like any other
model, in-process or in a Dask worker (they pickle with the models they wrap).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from statsforecast.models import _TS, Naive

from sop_pipeline.forecast.seasonality import MULTIPLICATIVE, NONE, Season, own_season, shrink


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
        report: when given, one number follows the ``h - 1`` months forecast (``h`` counts
            it): ``report(fitted model)`` (e.g. the code of the form an AutoETS found,
            :func:`ets_form_code`, read from the model that answered), or NaN for ``True`` (a
            candidate with nothing to report) and where only ``Naive`` answered; every
            candidate of one call must append it, so the output keeps one width.
        fallback: tried before ``Naive`` when ``model`` fails (a kept form that no longer fits
            falls back to the search it came from).
    """

    uses_exog = False

    def __init__(
        self,
        model: _TS,
        alias: str,
        report: Callable[[_TS], float] | bool | None = None,
        fallback: _TS | None = None,
    ):
        self.model = model
        self.alias = alias
        self.report = report
        self.fallback = fallback

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
        steps = h - (self.report not in (None, False))
        mean, reported = None, float("nan")
        for model in (self.model, self.fallback):
            if model is None:
                continue
            try:
                if callable(self.report):  # fitted, to read what it found
                    fit = model.fit(y)
                    candidate = np.asarray(fit.predict(h=steps)["mean"], dtype=float)
                    code = self.report(fit)
                else:
                    candidate, code = np.asarray(model.forecast(y=y, h=steps)["mean"]), np.nan
            except Exception:  # any failure on one series falls back for that series
                continue
            if candidate.shape == (steps,) and np.all(np.isfinite(candidate)):
                mean, reported = candidate.astype(float), code
                break
        if mean is None:
            mean = np.asarray(Naive().forecast(y=y, h=steps)["mean"], dtype=float)
        if steps < h:
            mean = np.r_[mean, reported]
        return {"mean": mean}


class RollingOrigins(_TS):
    """Forecasts of one series from several origins, in one call, packed into one vector.

    For origin ``k`` (``offsets[k]`` months before the end of ``y``) the model forecasts
    ``steps[k]`` months from ``y`` without its last ``offsets[k]`` months; the forecasts follow
    each other in the output, origin by origin, so ``h`` must be ``sum(steps)``. The last origin
    is fitted first; ``refit``, when given, turns that fitted model into the model the earlier
    origins are fitted with: an automatic model (AutoETS) searches its form once on the whole
    series and only re-estimates that form at the earlier origins, at a tenth of the cost.
    (The form then knows the months the earlier origins are scored on: their hold-out errors
    are a little optimistic for this candidate.) Each origin falls back to ``Naive`` on its own
    when the model cannot fit it.

    Args:
        model: builds the model of the last origin (a factory, so each call starts fresh).
        offsets: months before the end of each origin, earliest first, the last one 0.
        steps: months forecast from each origin.
        alias: the column name of this candidate.
        refit: fitted last-origin model -> the model for the earlier origins (``None``: a fresh
            ``model()``).
        report: fitted last-origin model -> one number appended after the forecasts (e.g. the
            code of an AutoETS form, :func:`ets_form_code`), so what the worker found reaches
            the caller; ``h`` is then ``sum(steps) + 1``. ``None``: nothing appended.
    """

    uses_exog = False

    def __init__(
        self,
        model: Callable[[], _TS],
        offsets: Sequence[int],
        steps: Sequence[int],
        alias: str,
        refit: Callable[[_TS], _TS] | None = None,
        report: Callable[[_TS], float] | None = None,
    ):
        if len(offsets) != len(steps) or offsets[-1] != 0:
            raise ValueError("one number of steps per origin, and the last origin at the end")
        self.model = model
        self.offsets = tuple(offsets)
        self.steps = tuple(steps)
        self.alias = alias
        self.refit = refit
        self.report = report

    @property
    def width(self) -> int:
        """The length of the packed output: every origin's months, and the reported number."""
        return sum(self.steps) + (self.report is not None)

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,
        X_future: np.ndarray | None = None,
        fitted: bool = False,
    ) -> dict[str, np.ndarray]:
        """Forecast from every origin (see the class docstring)."""
        if h != self.width:
            raise ValueError(f"h must be {self.width}, the months of all origins")
        y = np.asarray(y, dtype=float)
        last = self.model()
        reported = np.nan
        try:
            last.fit(y)
            final = np.asarray(last.predict(h=self.steps[-1])["mean"], dtype=float)
            earlier = (lambda: self.refit(last)) if self.refit else self.model
            if self.report is not None:
                reported = self.report(last)
        except Exception:  # the last origin cannot be fitted: the earlier ones start afresh
            final, earlier = None, self.model
        parts = []
        for offset, steps in zip(self.offsets[:-1], self.steps[:-1], strict=True):
            parts.append(_safe_forecast(earlier, y[: len(y) - offset], steps))
        parts.append(_checked(final, steps=self.steps[-1], y=y))
        if self.report is not None:
            parts.append(np.array([reported]))
        return {"mean": np.concatenate(parts)}


ETS_FORMS = tuple(
    f"{error}{trend}{season}{damped}"
    for error in "AM"
    for trend in "NA"
    for season in "NAM"
    for damped in ("ND" if trend == "A" else "N")
)
"""Every ETS form as statsforecast names it: error, trend, season, damping (``MAMD``: multiplicative
error, additive damped trend, multiplicative season)."""


def same_ets_form(fitted: _TS) -> _TS:
    """A fitted AutoETS's form (error, trend, season, damping) with free parameters."""
    return ets_with_form(fitted.model_["components"], fitted.season_length)


def ets_with_form(form: str, season_length: int) -> _TS:
    """An AutoETS restricted to one form of :data:`ETS_FORMS`: only its parameters are fitted."""
    from statsforecast.models import AutoETS

    return AutoETS(season_length=season_length, model=form[:3], damped=form[3] == "D")


def ets_form_code(fitted: _TS) -> float:
    """The position in :data:`ETS_FORMS` of a fitted AutoETS's form."""
    return float(ETS_FORMS.index(fitted.model_["components"]))


def _safe_forecast(factory: Callable[[], _TS], y: np.ndarray, h: int) -> np.ndarray:
    try:
        mean = np.asarray(factory().forecast(y=y, h=h)["mean"], dtype=float)
    except Exception:  # any failure on one origin falls back to Naive for that origin
        mean = None
    return _checked(mean, steps=h, y=y)


def _checked(mean: np.ndarray | None, steps: int, y: np.ndarray) -> np.ndarray:
    if mean is None or mean.shape != (steps,) or not np.all(np.isfinite(mean)):
        return np.asarray(Naive().forecast(y=y, h=steps)["mean"], dtype=float)
    return mean


class SeasonalADIDA(_TS):
    """ADIDA at the seasonal period: last year's demand, spread over the months by its pattern.

    Aggregating a series over its seasonal period removes the seasonality (the
    aggregate-disaggregate approach of Nikolopoulos et al. 2011, at the period of the season):
    the forecast year sells what the last ``season_length`` months sold, and its months get it
    in proportion to the series' own seasonal indices (:func:`.seasonality.own_season`: ratios
    to the centred moving average), pulled toward an even spread by as much as their noise
    warrants (:func:`.seasonality.shrink`, positive-part James-Stein). A slow mover that sells
    only in season is forecast in season, where ADIDA and IMAPA forecast one level for every
    month (low after the off-season, high after the peak); a series without a pattern that
    repeats across years is spread almost evenly. The indices are the series' own, never its
    family's: statsforecast hands the model the series alone.

    The year's total, not a smoothed level: a slow mover that stopped selling a year ago is
    forecast zero, and one that grew is forecast at its new size. With less than a year of
    history (an early cross-validation origin) it forecasts the mean of the months it has.
    """

    uses_exog = False

    def __init__(self, season_length: int = 12, alias: str = "SeasonalADIDA"):
        self.season_length = season_length
        self.alias = alias

    def fit(self, y: np.ndarray, X: np.ndarray | None = None) -> SeasonalADIDA:
        """Keep ``y``: the forecast is computed from it in :meth:`predict`."""
        self.y_ = np.asarray(y, dtype=float)
        return self

    def predict(self, h: int, X: np.ndarray | None = None, level: object = None) -> dict:
        """The forecast of ``h`` months after the fitted series."""
        return self.forecast(self.y_, h)

    def forecast(
        self,
        y: np.ndarray,
        h: int,
        X: np.ndarray | None = None,
        X_future: np.ndarray | None = None,
        fitted: bool = False,
        level: object = None,
    ) -> dict[str, np.ndarray]:
        """Forecast ``h`` months of ``y`` (see the class docstring)."""
        y = np.asarray(y, dtype=float)
        m = self.season_length
        if len(y) == 0:
            raise ValueError("SeasonalADIDA needs at least one month of history")
        if len(y) < m:  # less than a year: its months' mean demand, spread evenly
            return {"mean": np.full(h, max(y.mean(), 0.0))}
        return {"mean": max(y[-m:].sum(), 0.0) / m * self.indices(y)[(len(y) + np.arange(h)) % m]}

    def indices(self, y: np.ndarray) -> np.ndarray:
        """The shrunk multiplicative indices (mean 1) of ``y``'s positions, position ``i``
        holding the months ``t`` with ``t % season_length == i``; flat with less than two
        seasons of history (a pattern must repeat before it is spread by)."""
        season = self.season(y)
        if season.kind != MULTIPLICATIVE:
            return np.ones(self.season_length)
        return season.indices / season.indices.mean()

    def season(self, y: np.ndarray) -> Season:
        """``y``'s own seasonal indices shrunk toward flat (their ``weight`` and ``source``:
        ``item``, or ``none`` when they stay flat); flat, weight 0, with less than two
        seasons of history."""
        m = self.season_length
        y = np.asarray(y, dtype=float)
        if len(y) < 2 * m:
            return Season(np.ones(m), MULTIPLICATIVE, 0.0, NONE)
        return shrink(own_season(y, np.arange(len(y)) % m, m), np.ones(m), NONE)
