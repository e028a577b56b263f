"""The plan month's forecast of every finished good: history as of the plan month, the
statistical forecast, promotions, the planners' overrides and revenue, in one pure function."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.forecast.baseline import seasonal_naive
from sop_pipeline.forecast.consensus import apply_overrides
from sop_pipeline.forecast.pipeline import CarriedFit, forecast_series
from sop_pipeline.forecast.promotions import apply_promotions, promotion_lifts, promotion_months
from sop_pipeline.forecast.settings import EngineSettings

FORECAST_COLUMNS = [
    "item",
    "month",
    "family",
    "forecast_qty",
    "baseline_qty",
    "promo_qty",
    "lo80",
    "hi80",
    "lo95",
    "hi95",
    "forecast_revenue",
    "model",
    "series_class",
    "statistical_qty",
    "override_qty",
    "adjustment_pct",
    "override_reason",
    "override_owner",
    "naive_qty",
    "unit_price",
    "uplift_pct",
    "net_price",
    "price_source",
]
MODEL_COLUMNS = [
    "item",
    "series_class",
    "model",
    "n_obs",
    "cv_mae",
    "cv_rmse",
    "cv_wape",
    "cv_bias",
    "cv_horizon",
    "seasonality_source",
    "seasonal_weight",
    "ets_form",
    "ets_form_month",
    "adjusted_ets_form",
]


@dataclass
class MonthlyForecast:
    forecast: pd.DataFrame  # FORECAST_COLUMNS, one row per item and horizon month
    models: pd.DataFrame  # MODEL_COLUMNS, one row per item
    skipped: list[str]  # finished goods without any demand yet (no forecast made)
    promotion_lifts: pd.DataFrame  # promotions.LIFT_COLUMNS, one row per promotion
    errors: pd.DataFrame  # item, months_ahead, rmse, rmse_cumulative, error_level
    refitted: int = 0  # items whose previous model was re-fitted without cross-validation


def demand_series(
    demand: pd.DataFrame, items: pd.DataFrame, plan_month: pd.Timestamp
) -> tuple[pd.DataFrame, list[str]]:
    """The long frame ``unique_id, ds, y`` the engine forecasts, as of ``plan_month``.

    Only finished goods and months up to ``plan_month`` (what was known then). The engine drops
    the months before a launch (a recorded month without demand after it is demand of zero),
    and forecasts a product about to launch from its analogues. Finished goods that have never
    had demand and have no launch date are returned apart.
    """
    finished = items[items["item_type"] == "finished_good"]
    history = demand[(demand["month"] <= plan_month) & demand["item"].isin(finished["item"])]
    ever_sold = history.groupby("item")["demand_qty"].max() > 0
    launching = set(finished.loc[finished["launch_date"].notna(), "item"])
    keep = history["item"].map(ever_sold).fillna(False).astype(bool) | history["item"].isin(
        launching
    )
    history = history[keep]
    series = history.rename(columns={"item": "unique_id", "month": "ds", "demand_qty": "y"})
    series = series[["unique_id", "ds", "y"]].assign(y=lambda f: f["y"].clip(lower=0.0))
    skipped = sorted(set(finished["item"]) - set(series["unique_id"]))
    return series.reset_index(drop=True), skipped


def build_monthly_forecast(
    demand: pd.DataFrame,
    items: pd.DataFrame,
    promotions: pd.DataFrame,
    overrides: pd.DataFrame,
    plan_month: pd.Timestamp,
    settings: EngineSettings,
    progress: Callable[[int, int], None] | None = None,
    previous_models: pd.DataFrame | None = None,
    net_prices: pd.DataFrame | None = None,
    ets_form_months: int = 0,
    previous_errors: pd.DataFrame | None = None,
) -> MonthlyForecast:
    """Forecast every finished good for the ``settings.horizon`` months after ``plan_month``.

    Args:
        demand: ``item, month, demand_qty`` (monthly ordered quantity); rows after
            ``plan_month`` are ignored, so the forecast sees only what was known then.
        items: the item master (``item, item_type, family, unit_price, launch_date``).
        promotions: ``promo_id, item, start_month, end_month, uplift_pct`` (blank: the lift
            measured on past promotions, see :func:`.promotions.promotion_lifts`). Past promoted
            months are replaced by their baseline before fitting; planned ones lift the
            forecast once.
        overrides: ``item, month, override_qty, adjustment_pct, reason, owner``.
        plan_month: first day of the plan month.
        settings: forecasting settings.
        progress: called with (series done, total) while the engine runs.
        previous_models: ``item, model`` of the previous plan month: a series keeps its model
            unless another is clearly better (``EngineSettings.switch_margin``); with
            ``ets_form, ets_form_month`` (the AutoETS form and the plan month it was searched
            at) a form younger than ``ets_form_months`` is kept (:func:`kept_forms`).
        net_prices: ``item, net_price, price_source`` (:mod:`.net_price`); revenue is
            ``forecast_qty x net_price``. Without it the list price stands in (source ``list``).
        ets_form_months: plan months an AutoETS form is kept before it is searched again (0:
            searched every month).
        previous_errors: ``item, months_ahead, rmse, rmse_cumulative, error_level`` of the
            previous plan month: given, its models (``previous_models`` with their ``cv_*``
            columns) are re-fitted without cross-validation and its errors carried, re-stated
            at the new level (:class:`.pipeline.CarriedFit`): how the CLI catches up on
            earlier plan months after the first.
    """
    series, skipped = demand_series(demand, items, plan_month)
    finished = items[items["item_type"] == "finished_good"].set_index("item")
    families = finished.loc[series["unique_id"].unique(), ["family"]].reset_index()
    families.columns = ["unique_id", "family"]
    launches = finished.loc[series["unique_id"].unique(), ["launch_date"]].reset_index()
    launches.columns = ["unique_id", "launch_date"]
    previous = None
    forms = kept_forms(previous_models, plan_month, ets_form_months)
    if previous_models is not None and len(previous_models):
        previous = dict(zip(previous_models["item"], previous_models["model"], strict=True))
    result = forecast_series(
        series,
        settings,
        families=families,
        launch_dates=launches.dropna(),
        progress=progress,
        history_end=plan_month,
        events=promotion_months(promotions, plan_month),
        previous=previous,
        forms={item: form for item, (form, _) in forms.items()},
        carried=carried_fit(previous_models, previous_errors, kept=forms),
    )
    lifts = promotion_lifts(promotions, result.events, finished["family"], plan_month)
    ahead = lifts[lifts["phase"] != "past"].rename(columns={"applied_uplift_pct": "uplift_pct"})
    fc = apply_promotions(_nothing_before_launch(result.forecast, launches), ahead).rename(
        columns={
            "unique_id": "item",
            "ds": "month",
            "lo-80": "lo80",
            "hi-80": "hi80",
            "lo-95": "lo95",
            "hi-95": "hi95",
        }
    )
    fc = apply_overrides(fc, overrides)
    naive = seasonal_naive(
        series,
        settings.horizon,
        settings.season_length,
        history_end=plan_month,
        launch_dates=launches.dropna(),
    ).rename(columns={"unique_id": "item", "ds": "month", "yhat": "naive_qty"})
    fc = fc.merge(naive, on=["item", "month"], how="left")
    fc["family"] = fc["item"].map(finished["family"])
    fc["unit_price"] = fc["item"].map(finished["unit_price"]).astype(float)
    if net_prices is None:
        net_prices = pd.DataFrame(
            {
                "item": finished.index.to_numpy(),
                "net_price": finished["unit_price"].to_numpy(),
                "price_source": "list",
            }
        )
    prices = net_prices.set_index("item")
    fc["net_price"] = fc["item"].map(prices["net_price"]).astype(float)
    fc["price_source"] = fc["item"].map(prices["price_source"])
    fc["forecast_revenue"] = fc["forecast_qty"] * fc["net_price"].fillna(0.0)
    models = result.selection.rename(columns={"unique_id": "item"})
    searched_at = models["item"].map({item: month for item, (_, month) in forms.items()})
    kept = models["ets_form"].notna() & (
        models["ets_form"] == models["item"].map({i: f for i, (f, _) in forms.items()})
    )
    models["ets_form_month"] = pd.Series(pd.NaT, index=models.index, dtype="datetime64[ns]")
    models.loc[models["ets_form"].notna(), "ets_form_month"] = plan_month
    models.loc[kept, "ets_form_month"] = pd.to_datetime(searched_at[kept])
    fc["series_class"] = fc["item"].map(models.set_index("item")["series_class"])
    for column in FORECAST_COLUMNS:
        if column not in fc.columns:
            fc[column] = np.nan
    return MonthlyForecast(
        forecast=fc[FORECAST_COLUMNS].sort_values(["item", "month"]).reset_index(drop=True),
        models=models[MODEL_COLUMNS].sort_values("item").reset_index(drop=True),
        skipped=skipped,
        promotion_lifts=lifts.sort_values(["start_month", "item", "promo_id"], ignore_index=True),
        errors=result.errors.rename(columns={"unique_id": "item"}),
        refitted=int((result.selection["error_source"] == "previous").sum()),
    )


def carried_fit(
    previous_models: pd.DataFrame | None,
    previous_errors: pd.DataFrame | None,
    kept: Collection[str] = (),
) -> CarriedFit | None:
    """The previous month's models and errors to re-fit without cross-validation (``None``
    when either is missing). The items of ``kept`` (whose AutoETS form is still kept,
    :func:`kept_forms`) keep their adjusted ETS form too: both were found at the same month
    and are searched again together."""
    if previous_models is None or previous_errors is None or not len(previous_models):
        return None
    if not len(previous_errors):
        return None
    selection = previous_models.rename(columns={"item": "unique_id"})
    forms = selection.get("adjusted_ets_form", pd.Series(dtype=object, index=selection.index))
    known = (forms.notna() & selection["unique_id"].isin(list(kept))).to_numpy()
    return CarriedFit(
        models=dict(zip(selection["unique_id"], selection["model"], strict=True)),
        selection=selection,
        errors=previous_errors.rename(columns={"item": "unique_id"}),
        adjusted_forms=dict(zip(selection["unique_id"][known], forms[known], strict=True)),
    )


def kept_forms(
    previous_models: pd.DataFrame | None, plan_month: pd.Timestamp, months: int
) -> dict[str, tuple[str, pd.Timestamp]]:
    """item -> (AutoETS form, plan month it was searched at) of the forms still kept.

    A form found at plan month S is kept through S + ``months`` - 1 and searched again at
    S + ``months``: its parameters are re-fitted every month, the form itself every fourth
    month at the default 4 (a first run's four months search once). Rows without a form (no
    AutoETS candidate, or a warehouse from before forms were kept) keep nothing.
    """
    if previous_models is None or months <= 0 or "ets_form" not in previous_models:
        return {}
    rows = previous_models.dropna(subset=["ets_form", "ets_form_month"])
    searched = pd.to_datetime(rows["ets_form_month"])
    age = (plan_month.year - searched.dt.year) * 12 + plan_month.month - searched.dt.month
    young = rows[((age >= 0) & (age < months)).to_numpy()]
    return {
        item: (str(form), pd.Timestamp(month))
        for item, form, month in zip(
            young["item"], young["ets_form"], young["ets_form_month"], strict=True
        )
    }


def _nothing_before_launch(forecast: pd.DataFrame, launches: pd.DataFrame) -> pd.DataFrame:
    """A product launching inside the horizon sells nothing before its launch month."""
    launch = launches.set_index("unique_id")["launch_date"].dt.to_period("M").dt.to_timestamp()
    before = forecast["ds"] < forecast["unique_id"].map(launch)
    out = forecast.copy()
    value_columns = [c for c in out.columns if c == "yhat" or c.startswith(("lo-", "hi-"))]
    out.loc[before.to_numpy(), value_columns] = 0.0
    return out
