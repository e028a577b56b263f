"""``forecast_series``: classify, cross-validate, select, forecast and bound every series."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import norm

from sop_pipeline.forecast.backtest import CVPlan, run_backtest
from sop_pipeline.forecast.candidates import (
    COMBINATION,
    DORMANT_MODEL,
    SEASONAL_ADIDA,
    CandidateSet,
    candidate_set,
)
from sop_pipeline.forecast.classify import (
    INACTIVE,
    INTERMITTENT,
    LONG,
    NEW,
    SHORT,
    classify_series,
    dormant_series,
    long_label,
)
from sop_pipeline.forecast.engine import Engine
from sop_pipeline.forecast.errors import ERROR_COLUMNS, horizon_errors
from sop_pipeline.forecast.events import clean_events
from sop_pipeline.forecast.history import (
    fill_months,
    future_months,
    trim_to_start,
    validate_history,
)
from sop_pipeline.forecast.intervals import finalize_intervals, interval_columns
from sop_pipeline.forecast.models import SeasonalADIDA
from sop_pipeline.forecast.new_products import PROFILE_MODELS, forecast_new_products
from sop_pipeline.forecast.seasonality import NONE, PortfolioSeasons, positions_of
from sop_pipeline.forecast.selection import error_metrics, select_models, with_combination
from sop_pipeline.forecast.settings import EngineSettings

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
    "seasonality_source",
    "seasonal_weight",
    "ets_form",
    "adjusted_ets_form",
]
EVENT_COLUMNS = ["unique_id", "ds", "y", "baseline"]


@dataclass(frozen=True)
class CarriedFit:
    """A previous plan month's model choice and errors, kept instead of cross-validating again.

    Its series are re-fitted on the longer history from the end only (one origin instead of
    the cross-validation's three or more, a third of the cost); their errors are the previous
    month's, re-stated at the new forecast's level, and their intervals the normal ones those
    errors give. For catching up on earlier plan months, not for the plan month itself.

    Attributes:
        models: series -> the model label it was forecast with (as ``selection.model``).
        selection: ``unique_id, cv_mae, cv_rmse, cv_wape, cv_bias, cv_horizon`` of that month.
        errors: that month's errors (:data:`.errors.ERROR_COLUMNS`).
        adjusted_forms: series -> the form its ETS candidate on the adjusted series had (as
            ``selection.adjusted_ets_form``): re-fitted without searching it again, as the
            AutoETS form is (``forms`` of :func:`forecast_series`).
    """

    models: Mapping[str, str]
    selection: pd.DataFrame
    errors: pd.DataFrame
    adjusted_forms: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ForecastResult:
    """The forecast of every series and how its model was chosen.

    Attributes:
        forecast: ``unique_id, ds, yhat, lo-<l>, hi-<l>`` for each level, ``model``;
            ``horizon`` rows per input series, non-negative and nested.
        selection: one row per series: ``unique_id, series_class, model, n_obs, cv_mae,
            cv_rmse, cv_wape, cv_bias, cv_windows, cv_horizon, error_source,
            seasonality_source, seasonal_weight``. ``cv_*`` describe the chosen model's errors
            over the cross-validation windows (``cv_wape`` and ``cv_bias`` relative to actual
            demand, bias as forecast minus actual). ``error_source`` says where they come
            from: ``cv`` (the series' own hold-out), ``family`` (new products: the family's
            typical relative CV error at the product's level, see :mod:`.new_products`),
            ``history`` (inactive series: no demand, zero error) or ``previous`` (a
            :class:`CarriedFit`'s, re-stated at the new level). ``seasonality_source`` is
            where the series' seasonal indices come from (``item``, ``family``,
            ``portfolio``, ``none``) and ``seasonal_weight`` the weight of its own evidence
            in them (0..1, see :mod:`.seasonality`). ``ets_form`` is the form of the series'
            AutoETS candidate (:data:`.models.ETS_FORMS`; ``None`` without one),
            ``adjusted_ets_form`` that of its ETS candidate on the adjusted series.
        events: the months of ``events`` that were replaced before fitting:
            ``unique_id, ds, y`` (as observed) and ``baseline`` (the estimate that replaced
            it), see :mod:`.events`.
        errors: the chosen model's error by months ahead, per cross-validated series:
            ``unique_id, months_ahead, rmse, rmse_cumulative`` (:mod:`.errors`).
    """

    forecast: pd.DataFrame
    selection: pd.DataFrame
    events: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EVENT_COLUMNS))
    errors: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ERROR_COLUMNS))


def forecast_series(
    history: pd.DataFrame,
    settings: EngineSettings | None = None,
    *,
    families: pd.DataFrame | None = None,
    launch_dates: pd.DataFrame | None = None,
    progress: Callable[[int, int], None] | None = None,
    history_end: pd.Timestamp | None = None,
    events: pd.DataFrame | None = None,
    previous: Mapping[str, str] | None = None,
    forms: Mapping[str, str] | None = None,
    carried: CarriedFit | None = None,
) -> ForecastResult:
    """Forecast every monthly series with the model its own cross-validation picks.

    Steps: clean the history (months summed, missing months as zero demand, months before
    launch dropped) and replace the ``events`` months (past promotions) by a baseline estimate
    (:mod:`.events`); classify each series by length and sparsity (:mod:`.classify`); estimate
    its seasonal indices, borrowing its family's or the portfolio's when its own evidence is
    weak (:mod:`.seasonality`); forecast every candidate of its class from rolling origins and
    from the end of history (:mod:`.backtest`); keep, per series, the candidate (their
    combination included) with the smallest hold-out error, favouring the combination and the
    series' previous model (:mod:`.selection`); bound the forecasts with conformal intervals
    from the chosen candidate's own hold-out errors; forecast new products from their group's
    seasonal profile (:mod:`.new_products`) and inactive ones as zero.

    Args:
        history: ``unique_id, ds, y`` monthly demand (``y >= 0``).
        settings: the run's settings (defaults: :class:`EngineSettings`).
        families: ``unique_id, family``: seasonal indices are pooled per family (optional).
        launch_dates: ``unique_id, launch_date``; months before a launch are not demand
            history (optional).
        progress: called with ``(series_done, series_total)`` after each stage.
        history_end: the last history month shared by all series (the plan month); series
            that stop earlier are zero-filled up to it. ``None``: each series ends at its own
            last month.
        events: ``unique_id, ds``: months whose demand was lifted by a known event (a past
            promotion); they are replaced by a baseline estimate before anything is fitted.
        previous: series -> the model it was forecast with at the previous plan month (as
            in ``selection.model``); another model must be clearly better to replace it.
        forms: series -> the AutoETS form to keep (as in ``selection.ets_form``): only its
            parameters are fitted, the form is not searched again. The caller decides how long
            a form is kept (``forecast.ets_form_months``).
        carried: a previous month's models and errors to re-fit without cross-validation
            (:class:`CarriedFit`); series whose class no longer has their model are
            cross-validated as usual.

    Returns:
        The forecast, the selection table and the cleaned event months (:class:`ForecastResult`).

    Raises:
        ValueError: on malformed history (see :func:`.history.validate_history`).
    """
    settings = settings or EngineSettings()
    m = settings.season_length
    filled = fill_months(validate_history(history), history_end)
    if filled.empty:
        return ForecastResult(_empty_forecast(settings), pd.DataFrame(columns=SELECTION_COLUMNS))
    last_month = filled.groupby("unique_id", sort=True)["ds"].max()
    trimmed, n_obs = trim_to_start(filled, launch_dates)
    family_of = _family_map(families)
    trimmed, cleaned = clean_events(trimmed, events, family_of, m)
    classes = classify_series(trimmed, n_obs, settings)
    future = future_months(last_month, settings.horizon)
    future["step"] = np.tile(np.arange(1, settings.horizon + 1), len(last_month))
    pooled = classes.loc[classes["series_class"].isin([LONG, SHORT]), "unique_id"]
    seasons = _portfolio_seasons(trimmed, family_of, m, pooled)
    total, done = len(classes), 0
    forecasts: list[pd.DataFrame] = []
    selections: list[pd.DataFrame] = []
    errors: list[pd.DataFrame] = []
    previous_names = _previous_names(previous)

    with Engine(settings) as engine:
        for series_class, plan, ids in _groups(classes, settings):
            candidates = candidate_set(series_class, settings)
            refits = _refittable(ids, candidates, carried)
            cross_validated = ids[~pd.Series(ids).isin(refits).to_numpy()]
            parts = []
            if len(cross_validated):
                rows = trimmed["unique_id"].isin(cross_validated)
                ahead = future["unique_id"].isin(cross_validated)
                parts.append(
                    _forecast_group(
                        engine, candidates, plan, trimmed[rows], future[ahead], settings,
                        seasons, previous_names, forms,
                    )
                )  # fmt: skip
            if len(refits) and carried is not None:
                rows, ahead = trimmed["unique_id"].isin(refits), future["unique_id"].isin(refits)
                parts.append(
                    _refit_group(
                        engine, candidates, plan, trimmed[rows], future[ahead], settings,
                        seasons, carried, forms,
                    )
                )  # fmt: skip
            for fc, sel, err in parts:
                forecasts.append(fc)
                selections.append(sel)
                errors.append(err)
            done += len(ids)
            if progress is not None:
                progress(done, total)

    established = pd.concat(
        [pd.DataFrame({"unique_id": pd.Series(dtype=object), "cv_rmse": pd.Series(dtype=float)})]
        + [sel[["unique_id", "cv_rmse"]] for sel in selections],
        ignore_index=True,
    )
    established["mean_y"] = established["unique_id"].map(trimmed.groupby("unique_id")["y"].mean())
    new_ids = pd.Index(classes.loc[classes["series_class"] == NEW, "unique_id"])
    if len(new_ids):
        fc, sel = _new_product_forecasts(
            new_ids, trimmed, future, established, seasons, filled["ds"].min(), settings
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
    is_long = selection["series_class"] == LONG
    selection.loc[is_long, "series_class"] = selection.loc[is_long, "seasonality_source"].map(
        long_label
    )
    selection = selection[SELECTION_COLUMNS].sort_values("unique_id", ignore_index=True)
    error_table = (
        pd.concat(errors, ignore_index=True).sort_values(
            ["unique_id", "months_ahead"], ignore_index=True
        )
        if errors
        else pd.DataFrame(columns=ERROR_COLUMNS)
    )
    return ForecastResult(
        forecast=forecast, selection=selection, events=cleaned, errors=error_table
    )


def _groups(
    classes: pd.DataFrame, settings: EngineSettings
) -> Iterator[tuple[str, CVPlan, np.ndarray]]:
    """(class, cross-validation plan, ids) of the series forecast by candidate models.

    Long and intermittent series with ``cv_test_size`` + two seasons of history get the long
    cross-validation; shorter ones as many one-month-apart origins scored ``error_months``
    ahead as their history allows (:meth:`EngineSettings.error_windows`), else the short one.
    """
    long_plan = CVPlan(settings.cv_h, settings.cv_windows, settings.cv_step)
    short_plan = CVPlan(settings.short_cv_horizon, settings.short_cv_windows, 1)
    enough = classes["n_obs"] >= long_plan.test_size + 2 * settings.season_length
    windows = classes["n_obs"].map(settings.error_windows)
    for label in (LONG, INTERMITTENT):
        in_class = classes["series_class"] == label
        if (in_class & enough).any():
            yield label, long_plan, classes.loc[in_class & enough, "unique_id"].to_numpy()
        medium = in_class & ~enough & (windows > 0)
        for count in sorted(windows[medium].unique()):
            rows = medium & (windows == count)
            plan = CVPlan(settings.error_months, int(count), 1)
            yield label, plan, classes.loc[rows, "unique_id"].to_numpy()
        rows = in_class & ~enough & (windows == 0)
        if rows.any():
            yield label, short_plan, classes.loc[rows, "unique_id"].to_numpy()
    rows = classes["series_class"] == SHORT
    if rows.any():
        yield SHORT, short_plan, classes.loc[rows, "unique_id"].to_numpy()


def _forecast_group(
    engine: Engine,
    candidates: CandidateSet,
    plan: CVPlan,
    data: pd.DataFrame,
    future: pd.DataFrame,
    settings: EngineSettings,
    seasons: PortfolioSeasons,
    previous: Mapping[str, str],
    forms: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Cross-validate, select, forecast and bound one group of series."""
    bt = run_backtest(
        engine,
        candidates,
        plan,
        data,
        settings.horizon,
        seasons,
        settings.season_length,
        forms=forms,
    )
    cv = with_combination(bt.cv, candidates)
    forced = None
    if candidates.name == INTERMITTENT and settings.dormant_demand in DORMANT_MODEL:
        model = DORMANT_MODEL[settings.dormant_demand]
        forced = {uid: model for uid in dormant_series(data)}
    chosen = select_models(
        bt.ids,
        bt.actual,
        cv,
        bt.step,
        candidates,
        settings.levels,
        combination_margin=settings.combination_margin,
        previous=previous,
        switch_margin=settings.switch_margin,
        forced=forced,
    )
    final = with_combination(bt.final, candidates)
    points = (
        np.stack([final[name][i] for i, name in enumerate(chosen["model"])])
        if len(chosen)
        else np.empty((0, settings.horizon))
    )
    fc = future.copy()
    order = pd.Series(np.arange(len(bt.ids)), index=bt.ids)
    rows = order.loc[fc["unique_id"]].to_numpy()
    fc["yhat"] = points[rows, fc["step"].to_numpy() - 1]
    fc = fc.merge(chosen.drop(columns="model"), on="unique_id")
    width = fc["step"].to_numpy(dtype=float) ** candidates.horizon_exponent
    for level in settings.levels:
        half = fc[f"q-{level}"].to_numpy() * width
        fc[f"lo-{level}"] = fc["yhat"] - half
        fc[f"hi-{level}"] = fc["yhat"] + half
    label = chosen["model"].replace(COMBINATION, candidates.combination_label)
    fc["model"] = fc["unique_id"].map(pd.Series(label.to_numpy(), index=chosen["unique_id"]))
    selection = chosen.drop(columns=[f"q-{level}" for level in settings.levels])
    selection["model"] = label.to_numpy()
    selection["cv_windows"], selection["cv_horizon"] = plan.windows, plan.h
    selection["error_source"] = "cv"
    selection["seasonality_source"] = [s.source for s in bt.seasons]
    selection["seasonal_weight"] = [s.weight for s in bt.seasons]
    selection["ets_form"], selection["adjusted_ets_form"] = bt.forms, bt.adjusted_forms
    if candidates.name == INTERMITTENT:
        _intermittent_seasonality(selection, data, settings.season_length)
    chosen_cv = (
        np.stack([cv[name][i] for i, name in enumerate(chosen["model"])])
        if len(chosen)
        else bt.actual
    )
    errors = horizon_errors(
        bt.ids,
        chosen_cv - bt.actual,
        plan.windows,
        candidates.horizon_exponent,
        settings.horizon,
        forecasts=np.maximum(chosen_cv, 0.0),
        level=np.maximum(points, 0.0).mean(axis=1) if len(points) else np.zeros(0),
    )
    return fc, selection, errors


def _intermittent_seasonality(
    selection: pd.DataFrame, data: pd.DataFrame, season_length: int
) -> None:
    """Intermittent models forecast the raw series without seasonal indices (source ``none``),
    except seasonal ADIDA, which spreads the year by the series' own shrunk indices."""
    selection["seasonality_source"], selection["seasonal_weight"] = NONE, 0.0
    seasonal = selection.index[selection["model"] == SEASONAL_ADIDA]
    if len(seasonal) == 0:
        return
    model = SeasonalADIDA(season_length)
    chosen = data[data["unique_id"].isin(selection.loc[seasonal, "unique_id"])]
    y_of = chosen.groupby("unique_id")["y"]
    for row in seasonal:
        season = model.season(y_of.get_group(selection.at[row, "unique_id"]).to_numpy())
        selection.at[row, "seasonality_source"] = season.source
        selection.at[row, "seasonal_weight"] = season.weight


def _refittable(
    ids: np.ndarray, candidates: CandidateSet, carried: CarriedFit | None
) -> np.ndarray:
    """The series of ``ids`` whose carried model is still one of their class's candidates
    (a series that became long, or intermittent, is cross-validated afresh)."""
    if carried is None or not len(ids):
        return ids[:0]
    labels = set(candidates.names)
    if candidates.combination:
        labels.add(candidates.combination_label)
    series = pd.Series(ids)
    keep = series.map(carried.models).isin(labels) & series.isin(carried.errors["unique_id"])
    return ids[keep.to_numpy()]


def _refit_group(
    engine: Engine,
    candidates: CandidateSet,
    plan: CVPlan,
    data: pd.DataFrame,
    future: pd.DataFrame,
    settings: EngineSettings,
    seasons: PortfolioSeasons,
    carried: CarriedFit,
    forms: Mapping[str, str] | None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Re-fit one group's carried models from the end of history only (:class:`CarriedFit`)."""
    bt = run_backtest(
        engine,
        candidates,
        CVPlan(plan.h, 0, 1),
        data,
        settings.horizon,
        seasons,
        settings.season_length,
        forms=forms,
        adjusted_forms=carried.adjusted_forms,
    )
    final = with_combination(bt.final, candidates)
    labels = pd.Series(bt.ids).map(carried.models).to_numpy()
    names = [COMBINATION if label.startswith(COMBINATION) else label for label in labels]
    points = np.stack([final[name][i] for i, name in enumerate(names)])
    level = np.maximum(points, 0.0).mean(axis=1)

    errors = carried.errors[carried.errors["unique_id"].isin(bt.ids)].copy()
    new_level = errors["unique_id"].map(pd.Series(level, index=bt.ids)).to_numpy()
    old_level = errors["error_level"].to_numpy(dtype=float)
    usable = np.isfinite(old_level) & (old_level > 0)
    scale = np.where(usable, new_level / np.where(usable, old_level, 1.0), 1.0)
    errors["rmse"] = errors["rmse"].to_numpy(dtype=float) * scale
    errors["rmse_cumulative"] = errors["rmse_cumulative"].to_numpy(dtype=float) * scale
    errors["error_level"] = np.where(usable, new_level, old_level)

    fc = future.copy()
    order = pd.Series(np.arange(len(bt.ids)), index=bt.ids)
    rows = order.loc[fc["unique_id"]].to_numpy()
    fc["yhat"] = points[rows, fc["step"].to_numpy() - 1]
    sigma = (
        errors.set_index(["unique_id", "months_ahead"])["rmse"]
        .reindex(pd.MultiIndex.from_arrays([fc["unique_id"], fc["step"]]))
        .fillna(0.0)
        .to_numpy()
    )
    for level_pct in settings.levels:
        half = norm.ppf(0.5 + level_pct / 200) * sigma
        fc[f"lo-{level_pct}"] = fc["yhat"] - half
        fc[f"hi-{level_pct}"] = fc["yhat"] + half
    fc["model"] = fc["unique_id"].map(pd.Series(labels, index=bt.ids))

    previous = carried.selection.set_index("unique_id").reindex(bt.ids)
    measured_at = carried.errors.groupby("unique_id")["error_level"].first().reindex(bt.ids)
    ratio = pd.Series(level, index=bt.ids) / measured_at.where(measured_at > 0)
    selection = pd.DataFrame({"unique_id": bt.ids, "model": labels})
    for column in ("cv_mae", "cv_rmse", "cv_wape", "cv_bias"):
        selection[column] = previous[column].to_numpy(dtype=float)
    for column in ("cv_mae", "cv_rmse"):
        rescaled = selection[column].to_numpy() * ratio.to_numpy()
        selection[column] = np.where(np.isfinite(rescaled), rescaled, selection[column])
    selection["cv_windows"] = 0
    selection["cv_horizon"] = previous["cv_horizon"].fillna(0).astype(int).to_numpy()
    selection["error_source"] = "previous"
    selection["seasonality_source"] = [s.source for s in bt.seasons]
    selection["seasonal_weight"] = [s.weight for s in bt.seasons]
    selection["ets_form"], selection["adjusted_ets_form"] = bt.forms, bt.adjusted_forms
    if candidates.name == INTERMITTENT:
        _intermittent_seasonality(selection, data, settings.season_length)
    return fc, selection, errors[ERROR_COLUMNS]


def _new_product_forecasts(
    new_ids: pd.Index,
    trimmed: pd.DataFrame,
    future: pd.DataFrame,
    established: pd.DataFrame,
    seasons: PortfolioSeasons,
    data_start: pd.Timestamp,
    settings: EngineSettings,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = future[future["unique_id"].isin(new_ids)]
    fc, info = forecast_new_products(
        new_ids,
        trimmed,
        rows[["unique_id", "ds"]],
        established,
        seasons,
        data_start,
        settings.season_length,
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
    sel["seasonality_source"] = info["profile"].to_numpy()
    sel["seasonal_weight"] = 0.0
    sel["ets_form"] = sel["adjusted_ets_form"] = None
    return fc, sel


def _zero_forecasts(
    ids: pd.Series, future: pd.DataFrame, settings: EngineSettings
) -> tuple[pd.DataFrame, pd.DataFrame]:
    fc = future[future["unique_id"].isin(ids)].copy()
    fc["yhat"] = 0.0
    for col in interval_columns(settings.levels):
        fc[col] = 0.0
    fc["model"] = "Zero"
    zeros = error_metrics(np.zeros((len(ids), 1)), np.zeros((len(ids), 1)))
    sel = pd.concat([pd.DataFrame({"unique_id": ids.to_numpy(), "model": "Zero"}), zeros], axis=1)
    sel["cv_windows"], sel["cv_horizon"], sel["error_source"] = 0, 0, "history"
    sel["seasonality_source"], sel["seasonal_weight"] = NONE, 0.0
    sel["ets_form"] = sel["adjusted_ets_form"] = None
    return fc, sel


def _portfolio_seasons(
    history: pd.DataFrame,
    family_of: Mapping[str, str | None],
    season_length: int,
    members: pd.Series,
) -> PortfolioSeasons:
    values = history["y"].to_numpy(dtype=float)
    positions = positions_of(history["ds"].to_numpy(), season_length)
    series = {
        uid: (values[rows], positions[rows])
        for uid, rows in history.groupby("unique_id", sort=False).indices.items()
    }
    return PortfolioSeasons(series, family_of, season_length, members=members)


def _family_map(families: pd.DataFrame | None) -> dict[str, str | None]:
    if families is None or families.empty:
        return {}
    given = families.dropna(subset=["family"]).drop_duplicates("unique_id")
    return dict(zip(given["unique_id"].astype(str), given["family"].astype(str), strict=True))


def _previous_names(previous: Mapping[str, str] | None) -> dict[str, str]:
    """The candidate name of each series' previous model (any combination: ``Combination``)."""
    if not previous:
        return {}
    return {
        uid: COMBINATION if str(model).startswith(COMBINATION) else str(model)
        for uid, model in previous.items()
        if isinstance(model, str)
    }


def _empty_forecast(settings: EngineSettings) -> pd.DataFrame:
    columns = ["unique_id", "ds", "yhat", *interval_columns(settings.levels), "model"]
    return pd.DataFrame(
        {c: pd.Series(dtype="datetime64[ns]" if c == "ds" else None) for c in columns}
    )
