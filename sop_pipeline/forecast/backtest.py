"""Rolling-origin forecasts of every candidate: the cross-validation windows and the final fit.

Each series is cut at its cross-validation origins and at its end. At every origin its seasonal
indices are estimated from what was known then (its own months and its group's, see
:class:`.seasonality.PortfolioSeasons`), the non-seasonal candidates forecast the seasonally
adjusted series and are re-seasonalised, and the raw candidates forecast the series as it is.
The adjusted series of every origin go to statsforecast in one call, as separate series; each
raw model forecasts all origins of a series in one call (:class:`.models.RollingOrigins`), so an
automatic model searches its form once; a form found at an earlier plan month can be kept, and
then only its parameters are fitted (AutoETS's search is most of a long series' cost). The
non-seasonal ETS on the adjusted series reports the form it found from the end of history too;
a month that re-fits the previous month's models keeps it (half that candidate's cost).
The cross-validation and the final forecast thus cost one pass and spread evenly over the
engine's workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.forecast.candidates import CandidateSet
from sop_pipeline.forecast.engine import Engine
from sop_pipeline.forecast.models import ETS_FORMS
from sop_pipeline.forecast.seasonality import MULTIPLICATIVE, PortfolioSeasons, Season

SEPARATOR = "\x1f"  # joins a series id and its origin number into one statsforecast id


@dataclass(frozen=True)
class CVPlan:
    """Rolling-origin cross-validation: ``windows`` origins ``step`` months apart, each scored
    ``h`` months ahead; the last window ends with the history."""

    h: int
    windows: int
    step: int

    @property
    def test_size(self) -> int:
        """Months held out by the earliest window."""
        return self.h + (self.windows - 1) * self.step

    @property
    def offsets(self) -> list[int]:
        """Months between each origin and the end of history, earliest first, then 0 (the
        final fit)."""
        return [self.test_size - k * self.step for k in range(self.windows)] + [0]


@dataclass
class Backtest:
    """Forecasts of one group of series from every origin.

    Attributes:
        ids: the series, in row order.
        actual: cross-validation actuals, ``(n_series, windows * h)``.
        cv: candidate -> cross-validation forecasts, same shape as ``actual``.
        final: candidate -> forecasts from the end of history, ``(n_series, horizon)``.
        step: months ahead of each cross-validation column (1..h).
        seasons: the indices each series is finally adjusted with.
        forms: the AutoETS form each series was forecast with (``None``: no AutoETS candidate,
            or it failed), see :data:`.models.ETS_FORMS`.
        adjusted_forms: the form of each series' ETS candidate on the adjusted series, as
            fitted from the end of history (``None``: none, or it failed).
    """

    ids: np.ndarray
    actual: np.ndarray
    cv: dict[str, np.ndarray]
    final: dict[str, np.ndarray]
    step: np.ndarray
    seasons: list[Season]
    forms: np.ndarray
    adjusted_forms: np.ndarray


def run_backtest(
    engine: Engine,
    candidates: CandidateSet,
    plan: CVPlan,
    history: pd.DataFrame,
    horizon: int,
    seasons: PortfolioSeasons,
    season_length: int,
    forms: Mapping[str, str] | None = None,
    adjusted_forms: Mapping[str, str] | None = None,
) -> Backtest:
    """Forecast every candidate from every origin of ``plan`` and from the end of history.

    Args:
        engine: where statsforecast runs.
        candidates: the group's candidate models.
        plan: the cross-validation plan.
        history: ``unique_id, ds, y`` of the group's series (sorted, gap-free, each longer
            than ``plan.test_size``).
        horizon: months forecast from the end of history.
        seasons: the portfolio's seasonal indices.
        season_length: the seasonal period.
        forms: series -> an AutoETS form to keep instead of searching one (only the
            parameters are fitted); series not in it are searched.
        adjusted_forms: the same for the form-searching model on the adjusted series (where
            the kept form no longer fits, it is searched).

    Returns:
        The forecasts as arrays (negative forecasts floored at zero).
    """
    ids = history["unique_id"].unique()
    h_max = max(plan.h, horizon)
    offsets = plan.offsets
    values = history["y"].to_numpy(dtype=float)
    months = history["ds"].to_numpy(dtype="datetime64[M]").astype(np.int64)
    bounds = np.r_[0, np.cumsum(history.groupby("unique_id", sort=False).size().to_numpy())]

    n_origins = len(offsets)
    rows: list[str] = []
    adjusted_parts: list[np.ndarray] = []
    month_parts: list[np.ndarray] = []
    indices = np.empty((len(ids) * n_origins, season_length))
    multiplicative = np.empty(len(ids) * n_origins, dtype=bool)
    next_month = np.empty(len(ids) * n_origins, dtype=np.int64)
    actual = np.full((len(ids), plan.windows * plan.h), np.nan)
    final_seasons: list[Season] = []
    for i, uid in enumerate(ids):
        y = values[bounds[i] : bounds[i + 1]]
        mon = months[bounds[i] : bounds[i + 1]]
        positions = np.mod(mon, season_length)
        for k, offset in enumerate(offsets):
            row = i * n_origins + k
            end = len(y) - offset
            season = seasons.season(uid, offset)
            rows.append(f"{uid}{SEPARATOR}{k}")
            adjusted_parts.append(season.adjust(y[:end], positions[:end]))
            month_parts.append(mon[:end])
            indices[row] = season.indices
            multiplicative[row] = season.kind == MULTIPLICATIVE
            next_month[row] = mon[end - 1] + 1
            if k < plan.windows:
                actual[i, k * plan.h : (k + 1) * plan.h] = y[end : end + plan.h]
            else:
                final_seasons.append(season)

    forecasts: dict[str, np.ndarray] = {}
    # raw models: one series each, every origin forecast in the same call, packed
    steps = [plan.h] * plan.windows + [horizon]
    width = sum(steps) + candidates.searches_form
    order = pd.Series(np.arange(len(ids)), index=ids)
    form_codes = np.full(len(ids), np.nan)
    raw_history = history.assign(ds=history["ds"].astype("datetime64[ns]"))[
        ["unique_id", "ds", "y"]
    ]
    for form, members in _by_kept_form(ids, forms if candidates.searches_form else None):
        part = (
            raw_history if members is None else raw_history[raw_history["unique_id"].isin(members)]
        )
        raw = engine.forecast(candidates.build_rolling(offsets, steps, form), part, width)
        if raw.empty:
            continue
        position = order.loc[raw["unique_id"].to_numpy()[::width]].to_numpy()
        starts = np.r_[0, np.cumsum(steps)]
        for name in raw.columns.drop(["unique_id", "ds"]):
            packed = raw[name].to_numpy().reshape(-1, width)
            if width > sum(steps) and np.isfinite(packed[:, -1]).any():
                form_codes[position] = packed[:, -1]
            matrix = forecasts.setdefault(name, np.full((len(ids) * n_origins, h_max), np.nan))
            cube = matrix.reshape(len(ids), n_origins, h_max)
            for k in range(n_origins):
                cube[position, k, : steps[k]] = np.maximum(packed[:, starts[k] : starts[k + 1]], 0)

    # adjusted models: one series per origin, adjusted with the indices known at that origin
    lengths = np.array([len(part) for part in adjusted_parts])
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat(np.array(rows, dtype=object), lengths),
            "ds": np.concatenate(month_parts).astype("datetime64[M]").astype("datetime64[ns]"),
            "y": np.concatenate(adjusted_parts),
        }
    )
    reporting = candidates.searches_adjusted_form
    width = h_max + reporting
    adjusted_codes = np.full(len(ids), np.nan)
    order = pd.Series(np.arange(len(rows)), index=rows)
    fitted: dict[str, np.ndarray] = {}
    series_of_row = pd.Series(np.repeat(ids, n_origins))
    for form, members in _by_kept_form(ids, adjusted_forms if reporting else None):
        part = frame
        if members is not None:
            part = frame[np.repeat(series_of_row.isin(members).to_numpy(), lengths)]
        adjusted = engine.forecast(candidates.build(adjusted=True, form=form), part, width)
        if adjusted.empty:
            continue
        position = order.loc[adjusted["unique_id"].to_numpy()[::width]].to_numpy()
        for name in adjusted.columns.drop(["unique_id", "ds"]):
            packed = adjusted[name].to_numpy().reshape(-1, width)
            if reporting:  # the form of the final fit (from the end of history) is the one kept
                final = position % n_origins == n_origins - 1
                codes = packed[final, -1]
                known = np.isfinite(codes)
                adjusted_codes[position[final][known] // n_origins] = codes[known]
            matrix = fitted.setdefault(name, np.full((len(rows), h_max), np.nan))
            matrix[position] = packed[:, :h_max]
    ahead = np.mod(next_month[:, None] + np.arange(h_max)[None, :], season_length)
    factors = np.take_along_axis(indices, ahead, axis=1)
    for name, matrix in fitted.items():
        matrix = np.where(multiplicative[:, None], matrix * factors, matrix + factors)
        forecasts[name] = np.maximum(matrix, 0.0)

    cv = {
        name: f.reshape(len(ids), n_origins, h_max)[:, : plan.windows, : plan.h].reshape(
            len(ids), -1
        )
        for name, f in forecasts.items()
    }
    final = {
        name: f.reshape(len(ids), n_origins, h_max)[:, -1, :horizon]
        for name, f in forecasts.items()
    }
    step = np.tile(np.arange(1, plan.h + 1), plan.windows)
    return Backtest(
        ids, actual, cv, final, step, final_seasons, _form_names(form_codes),
        _form_names(adjusted_codes),
    )  # fmt: skip


def _form_names(codes: np.ndarray) -> np.ndarray:
    """Form codes (:func:`.models.ets_form_code`, NaN: none) as names of :data:`ETS_FORMS`."""
    known = np.isfinite(codes)
    names = np.full(len(codes), None, dtype=object)
    names[known] = np.array(ETS_FORMS, dtype=object)[codes[known].astype(int)]
    return names


def _by_kept_form(
    ids: np.ndarray, forms: Mapping[str, str] | None
) -> list[tuple[str | None, np.ndarray | None]]:
    """(form, series) groups: the series that keep each form, then those searched (``None``);
    a single ``(None, None)`` when no series keeps a form (every series in one call)."""
    kept = pd.Series(ids).map(forms or {})
    kept = kept.where(kept.isin(ETS_FORMS))
    if kept.isna().all():
        return [(None, None)]
    groups: list[tuple[str | None, np.ndarray | None]] = [
        (str(form), ids[(kept == form).to_numpy()]) for form in sorted(kept.dropna().unique())
    ]
    if kept.isna().any():
        groups.append((None, ids[kept.isna().to_numpy()]))
    return groups
