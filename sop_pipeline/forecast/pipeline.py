"""``forecast_series``: classify, cross-validate, select, forecast and bound every series."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from sop_pipeline.forecast.candidates import COMBINATION, PROFILE, CandidateSet, candidate_set
from sop_pipeline.forecast.classify import (
    INACTIVE,
    INTERMITTENT,
    LONG_CLASSES,
    NEW,
    SHORT,
    classify_series,
)
from sop_pipeline.forecast.engine import Engine
from sop_pipeline.forecast.history import (
    fill_months,
    future_months,
    trim_to_start,
    validate_history,
)
from sop_pipeline.forecast.intervals import finalize_intervals, interval_columns
from sop_pipeline.forecast.new_products import (
    PROFILE_MODELS,
    SeasonalProfiles,
    forecast_new_products,
    profile_forecast,
)
from sop_pipeline.forecast.selection import CVErrors, error_metrics, select_models
from sop_pipeline.forecast.settings import ForecastSettings

SELECTION_COLUMNS = [
    "unique_id",
    "series_class",
    "model",
    "n_obs",
    "cv_mae",
    "cv_rmse",
    "cv_wape",
    "cv_bias",
    "cv_windows",
    "cv_horizon",
    "error_source",
]


@dataclass
class ForecastResult:
    """The forecast of every series and how its model was chosen.

    Attributes:
        forecast: ``unique_id, ds, yhat, lo-<l>, hi-<l>`` for each level, ``model``;
            ``horizon`` rows per input series, non-negative and nested.
        selection: one row per series: ``unique_id, series_class, model, n_obs, cv_mae,
            cv_rmse, cv_wape, cv_bias, cv_windows, cv_horizon, error_source``.
            ``cv_*`` describe the chosen model's errors over the cross-validation windows
            (``cv_wape`` and ``cv_bias`` relative to actual demand, bias as forecast minus
            actual). ``error_source`` says where they come from: ``cv`` (the series' own
            hold-out), ``family`` (new products: the family's typical relative CV error at the
            product's level, see :mod:`.new_products`) or ``history`` (inactive series: no
            demand, zero error).
    """

    forecast: pd.DataFrame
    selection: pd.DataFrame


@dataclass(frozen=True)
class _CVPlan:
    h: int
    windows: int
    step: int

    @property
    def test_size(self) -> int:
        return self.h + (self.windows - 1) * self.step


def forecast_series(
    history: pd.DataFrame,
    settings: ForecastSettings | None = None,
    *,
    families: pd.DataFrame | None = None,
    launch_dates: pd.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
    history_end: pd.Timestamp | None = None,
) -> ForecastResult:
    """Forecast every monthly series with the model its own cross-validation picks.

    Steps: clean the history (months summed, missing months as zero demand, months before
    launch dropped); classify each series (:func:`.classify.classify_series`); cross-validate
    the class's candidates from rolling origins and keep, per series, the candidate (the
    combination included) with the smallest hold-out error (:mod:`.selection`); refit only the
    chosen models on the full history; bound the forecasts with conformal intervals from the
    chosen candidate's own hold-out errors; forecast new products from their family profile
    (:mod:`.new_products`) and inactive ones as zero.

    Args:
        history: ``unique_id, ds, y`` monthly demand (``y >= 0``).
        settings: the run's settings (defaults: :class:`ForecastSettings`).
        families: ``unique_id, family`` for new-product profiles (optional).
        launch_dates: ``unique_id, launch_date``; months before a launch are not demand
            history (optional).
        progress: called with ``(series_done, series_total)`` after each stage.
        history_end: the last history month shared by all series (the plan month); series
            that stop earlier are zero-filled up to it. ``None``: each series ends at its own
            last month.

    Returns:
        The forecast and the selection table (:class:`ForecastResult`).

    Raises:
        ValueError: on malformed history (see :func:`.history.validate_history`).
    """
    settings = settings or ForecastSettings()
    filled = fill_months(validate_history(history), history_end)
    if filled.empty:
        return ForecastResult(_empty_forecast(settings), pd.DataFrame(columns=SELECTION_COLUMNS))
    last_month = filled.groupby("unique_id", sort=True)["ds"].max()
    trimmed, n_obs = trim_to_start(filled, launch_dates)
    classes = classify_series(trimmed, n_obs, settings)
    future = future_months(last_month, settings.horizon)
    future["step"] = np.tile(np.arange(1, settings.horizon + 1), len(last_month))
    new_ids = pd.Index(classes.loc[classes["series_class"] == NEW, "unique_id"])
    profiles = SeasonalProfiles(
        trimmed, classes["unique_id"].to_numpy(), families, settings.season_length, set(new_ids)
    )
    total, done = len(classes), 0
    forecasts: list[pd.DataFrame] = []
    selections: list[pd.DataFrame] = []

    with Engine(settings) as engine:
        for series_class, plan, ids in _groups(classes, settings):
            fc, sel = _forecast_group(
                engine,
                candidate_set(series_class, settings),
                plan,
                trimmed[trimmed["unique_id"].isin(ids)],
                future[future["unique_id"].isin(ids)],
                settings,
                profiles,
            )
            forecasts.append(fc)
            selections.append(sel)
            done += len(ids)
            if progress is not None:
                progress(done, total)

    established = pd.concat(
        [pd.DataFrame({"unique_id": pd.Series(dtype=object), "cv_rmse": pd.Series(dtype=float)})]
        + [sel[["unique_id", "cv_rmse"]] for sel in selections],
        ignore_index=True,
    )
    established["mean_y"] = established["unique_id"].map(trimmed.groupby("unique_id")["y"].mean())
    if len(new_ids):
        fc, sel = _new_product_forecasts(
            new_ids, trimmed, future, established, profiles, filled["ds"].min(), settings
        )
        forecasts.append(fc)
        selections.append(sel)
    inactive = classes.loc[classes["series_class"] == INACTIVE, "unique_id"]
    if len(inactive):
        fc, sel = _zero_forecasts(inactive, future, settings)
        forecasts.append(fc)
        selections.append(sel)
    if progress is not None:
        progress(total, total)

    forecast = pd.concat(forecasts, ignore_index=True)
    forecast = forecast[["unique_id", "ds", "yhat", *interval_columns(settings.levels), "model"]]
    forecast = forecast.sort_values(["unique_id", "ds"], ignore_index=True)
    finalize_intervals(forecast, settings.levels)
    selection = pd.concat(selections, ignore_index=True).merge(
        classes[["unique_id", "series_class", "n_obs"]], on="unique_id"
    )
    selection = selection[SELECTION_COLUMNS].sort_values("unique_id", ignore_index=True)
    return ForecastResult(forecast=forecast, selection=selection)


def _groups(
    classes: pd.DataFrame, settings: ForecastSettings
) -> Iterator[tuple[str, _CVPlan, np.ndarray]]:
    """(class, cross-validation plan, ids) of the series forecast by candidate models."""
    long_plan = _CVPlan(settings.cv_h, settings.cv_windows, settings.cv_step)
    short_plan = _CVPlan(settings.short_cv_horizon, settings.short_cv_windows, 1)
    enough = classes["n_obs"] >= long_plan.test_size + 2 * settings.season_length
    for label in (*LONG_CLASSES, INTERMITTENT):
        in_class = classes["series_class"] == label
        for plan, rows in ((long_plan, in_class & enough), (short_plan, in_class & ~enough)):
            if rows.any():
                yield label, plan, classes.loc[rows, "unique_id"].to_numpy()
    rows = classes["series_class"] == SHORT
    if rows.any():
        yield SHORT, short_plan, classes.loc[rows, "unique_id"].to_numpy()


def _forecast_group(
    engine: Engine,
    candidates: CandidateSet,
    plan: _CVPlan,
    data: pd.DataFrame,
    future: pd.DataFrame,
    settings: ForecastSettings,
    profiles: SeasonalProfiles,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cross-validate, select, refit and bound one group of series."""
    cv = engine.cross_validation(
        candidates.build(), data, h=plan.h, n_windows=plan.windows, step_size=plan.step
    )
    if candidates.profile:
        cv[PROFILE] = profile_forecast(data, cv, profiles)
    chosen = select_models(
        CVErrors.from_frame(cv, candidates),
        candidates,
        settings.levels,
        combination_margin=settings.combination_margin,
        horizon_exponent=candidates.horizon_exponent,
    )
    points = _refit_chosen(engine, candidates, chosen, data, future, profiles)
    fc = future.merge(points, on=["unique_id", "ds"])
    fc = fc.merge(chosen.drop(columns="model"), on="unique_id")
    width = fc["step"].to_numpy(dtype=float) ** candidates.horizon_exponent
    for level in settings.levels:
        half = fc[f"q-{level}"].to_numpy() * width
        fc[f"lo-{level}"] = fc["yhat"] - half
        fc[f"hi-{level}"] = fc["yhat"] + half
    selection = chosen.drop(columns=[f"q-{level}" for level in settings.levels])
    selection["model"] = selection["unique_id"].map(points.groupby("unique_id")["model"].first())
    selection["cv_windows"], selection["cv_horizon"] = plan.windows, plan.h
    selection["error_source"] = "cv"
    return fc, selection


def _refit_chosen(
    engine: Engine,
    candidates: CandidateSet,
    chosen: pd.DataFrame,
    data: pd.DataFrame,
    future: pd.DataFrame,
    profiles: SeasonalProfiles,
) -> pd.DataFrame:
    """Point forecasts of each series' chosen candidate, fitting only the models it needs."""
    model_of = chosen.set_index("unique_id")["model"]
    needs: dict[str, set[str]] = {}
    for uid, model in model_of.items():
        for name in candidates.combination if model == COMBINATION else (model,):
            needs.setdefault(name, set()).add(uid)
    horizon = int(future.groupby("unique_id").size().max())
    parts = []
    if PROFILE in needs:
        rows = future.loc[future["unique_id"].isin(needs.pop(PROFILE)), ["unique_id", "ds"]]
        rows["cutoff"] = rows["unique_id"].map(data.groupby("unique_id")["ds"].max())
        parts.append(rows.assign(value=profile_forecast(data, rows, profiles)))
    # in-process, each model fits only the series that need it; on Dask every call costs a
    # fixed overhead per series (fugue applies statsforecast series by series), so one call
    # fits all needed models
    calls = [({name}, ids) for name, ids in needs.items()]
    if engine.distributed and needs:
        calls = [(set(needs), set().union(*needs.values()))]
    for names, ids in calls:
        fc = engine.forecast(
            candidates.build(only=names), data[data["unique_id"].isin(ids)], horizon
        )
        for name in names:
            mine = fc[fc["unique_id"].isin(needs[name])]
            parts.append(mine[["unique_id", "ds", name]].rename(columns={name: "value"}))
    members = pd.concat(parts, ignore_index=True)[["unique_id", "ds", "value"]]
    members["value"] = members["value"].clip(lower=0.0)
    points = members.groupby(["unique_id", "ds"], as_index=False)["value"].mean()
    points = points.rename(columns={"value": "yhat"})
    label = model_of.replace(COMBINATION, candidates.combination_label)
    profile_ids = model_of.index[model_of == PROFILE]
    label[profile_ids] = [PROFILE_MODELS[profiles.source(uid)] for uid in profile_ids]
    points["model"] = points["unique_id"].map(label)
    return points


def _new_product_forecasts(
    new_ids: pd.Index,
    trimmed: pd.DataFrame,
    future: pd.DataFrame,
    established: pd.DataFrame,
    profiles: SeasonalProfiles,
    data_start: pd.Timestamp,
    settings: ForecastSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = future[future["unique_id"].isin(new_ids)]
    fc, info = forecast_new_products(
        new_ids, trimmed, rows[["unique_id", "ds"]], established, profiles, data_start
    )
    for level in settings.levels:
        z = norm.ppf(0.5 + level / 200)
        fc[f"lo-{level}"] = fc["yhat"] - z * fc["sd"]
        fc[f"hi-{level}"] = fc["yhat"] + z * fc["sd"]
    fc["model"] = fc["unique_id"].map(info.set_index("unique_id")["profile"].map(PROFILE_MODELS))
    mean_fc = fc.groupby("unique_id")["yhat"].mean()
    sel = info[["unique_id"]].copy()
    sel["model"] = sel["unique_id"].map(fc.groupby("unique_id")["model"].first())
    rmse = info["relative_sd"].to_numpy() * sel["unique_id"].map(mean_fc).to_numpy()
    sel["cv_rmse"] = rmse
    sel["cv_mae"] = rmse * np.sqrt(2 / np.pi)
    sel["cv_wape"] = info["relative_sd"].to_numpy() * np.sqrt(2 / np.pi)
    sel["cv_bias"] = 0.0
    sel["cv_windows"], sel["cv_horizon"], sel["error_source"] = 0, 0, "family"
    return fc, sel


def _zero_forecasts(
    ids: pd.Series, future: pd.DataFrame, settings: ForecastSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    fc = future[future["unique_id"].isin(ids)].copy()
    fc["yhat"] = 0.0
    for col in interval_columns(settings.levels):
        fc[col] = 0.0
    fc["model"] = "Zero"
    zeros = error_metrics(np.zeros((len(ids), 1)), np.zeros((len(ids), 1)))
    sel = pd.concat([pd.DataFrame({"unique_id": ids.to_numpy(), "model": "Zero"}), zeros], axis=1)
    sel["cv_windows"], sel["cv_horizon"], sel["error_source"] = 0, 0, "history"
    return fc, sel


def _empty_forecast(settings: ForecastSettings) -> pd.DataFrame:
    columns = ["unique_id", "ds", "yhat", *interval_columns(settings.levels), "model"]
    return pd.DataFrame(
        {c: pd.Series(dtype="datetime64[ns]" if c == "ds" else None) for c in columns}
    )
