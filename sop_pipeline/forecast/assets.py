"""Forecast: the rolling statistical forecast per finished good, versioned by plan month."""

import time
from collections.abc import Iterator

import dagster as dg
import pandas as pd
from pydantic import Field

from sop_pipeline.forecast.monthly import build_monthly_forecast
from sop_pipeline.forecast.net_price import realised_net_prices
from sop_pipeline.forecast.settings import EngineSettings
from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.mart_io import mart_result, write_plan_month
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.lib.months import add_months
from sop_pipeline.lib.partition_context import plan_month
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.settings import Settings

FORECAST = dg.AssetKey(["sop_mart", "forecast"])
FORECAST_MODELS = dg.AssetKey(["sop_mart", "forecast_models"])
PROMOTION_LIFT = dg.AssetKey(["sop_mart", "promotion_lift"])
FORECAST_ERRORS = dg.AssetKey(["sop_mart", "forecast_errors"])
INTERVALS_NESTED = "intervals_nested_and_non_negative"
EVERY_ITEM_FORECAST = "every_finished_good_forecast"
PROGRESS_EVERY_SECONDS = 10.0


class ForecastRunConfig(dg.Config):
    """How a run forecasts its plan month."""

    refit_previous_models: bool = Field(
        False,
        description="re-fit the previous plan month's models on this month's history without "
        "cross-validating them again, and carry its errors re-stated at the new level: how "
        "`sop-pipeline run` catches up on earlier plan months after the first (a third of the "
        "cost); ignored when the previous month has no forecast. The plan month itself is "
        "always cross-validated.",
    )


def engine_settings(settings: Settings) -> EngineSettings:
    """The forecasting engine's settings from the pipeline's."""
    section = settings.forecast
    return EngineSettings(
        horizon=section.horizon_months,
        levels=(80, 95),
        selection=section.selection,
        engine=section.engine,
        dask_address=section.dask_address or None,
        n_jobs=section.n_jobs,
        dormant_demand=section.dormant_demand,
        error_months=min(section.error_months, section.horizon_months),
    )


def _interval_check(forecast: pd.DataFrame) -> dg.AssetCheckResult:
    tol = 1e-6
    ordered = (
        (forecast["lo95"] >= -tol)
        & (forecast["lo95"] <= forecast["lo80"] + tol)
        & (forecast["lo80"] <= forecast["forecast_qty"] + tol)
        & (forecast["forecast_qty"] <= forecast["hi80"] + tol)
        & (forecast["hi80"] <= forecast["hi95"] + tol)
    )
    bad = forecast[~ordered]
    return dg.AssetCheckResult(
        asset_key=FORECAST,
        check_name=INTERVALS_NESTED,
        passed=bad.empty,
        metadata={
            "rows_checked": len(forecast),
            "rows_failing": len(bad),
            "examples": dg.MetadataValue.md(markdown_table(bad.head(5))),
        },
    )


def _coverage_check(
    forecast: pd.DataFrame, items: pd.DataFrame, skipped: list[str], horizon: int
) -> dg.AssetCheckResult:
    """Every finished good of the item master has a forecast for every month of the horizon,
    but those that never had demand and have no launch date (``skipped``, listed)."""
    months = forecast.groupby("item")["month"].nunique()
    finished = set(items.loc[items["item_type"] == "finished_good", "item"])
    expected = pd.Index(sorted(finished - set(skipped)))
    covered = months.reindex(expected).fillna(0)
    short = covered[covered < horizon]
    return dg.AssetCheckResult(
        asset_key=FORECAST,
        check_name=EVERY_ITEM_FORECAST,
        passed=short.empty,
        severity=dg.AssetCheckSeverity.WARN,
        description=None
        if short.empty
        else f"{len(short)} finished good(s) without {horizon} months of forecast",
        metadata={
            "items_forecast": int(months.size),
            "items_short_of_horizon": int(short.size),
            "items_short": ", ".join(map(str, short.index[:20])) or "none",
            "items_without_demand_yet": ", ".join(skipped[:20]) or "none",
        },
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            FORECAST,
            description=(
                "The rolling forecast per finished good for the months after the plan month, "
                "with 80/95% intervals, the promotion lift and the planners' overrides."
            ),
            deps=[
                dg.AssetKey(["staging", name])
                for name in ("demand_history", "items", "promotions", "forecast_overrides")
            ],
            group_name="forecast",
            kinds={"duckdb", "statsforecast"},
        ),
        dg.AssetSpec(
            FORECAST_MODELS,
            description=(
                "The model chosen per finished good by cross-validation, its error, and where "
                "its seasonality comes from (its own history, its family, the portfolio)."
            ),
            deps=[dg.AssetKey(["staging", "demand_history"]), dg.AssetKey(["staging", "items"])],
            group_name="forecast",
            kinds={"duckdb", "statsforecast"},
        ),
        dg.AssetSpec(
            FORECAST_ERRORS,
            description=(
                "The chosen model's error by months ahead per finished good, month by month and "
                "summed over the next months: what safety stock is sized from."
            ),
            deps=[dg.AssetKey(["staging", "demand_history"])],
            group_name="forecast",
            kinds={"duckdb", "statsforecast"},
        ),
        dg.AssetSpec(
            PROMOTION_LIFT,
            description=(
                "The lift observed on past promotions (taken out of the history before fitting) "
                "and the uplift planned ones are forecast with."
            ),
            deps=[
                dg.AssetKey(["staging", "demand_history"]),
                dg.AssetKey(["staging", "promotions"]),
            ],
            group_name="forecast",
            kinds={"duckdb"},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            INTERVALS_NESTED,
            asset=FORECAST,
            blocking=True,
            description="Every row: 0 <= lo95 <= lo80 <= forecast <= hi80 <= hi95.",
        ),
        dg.AssetCheckSpec(
            EVERY_ITEM_FORECAST,
            asset=FORECAST,
            description=(
                "Every finished good of the item master has the horizon's months of forecast, "
                "but those that never sold and have no launch date (listed)."
            ),
        ),
    ],
    partitions_def=monthly_partitions,
    name="statistical_forecast",
)
def statistical_forecast(
    context: dg.AssetExecutionContext,
    config: ForecastRunConfig,
    warehouse: WarehouseResource,
    settings: SettingsResource,
) -> Iterator[dg.MaterializeResult]:
    """Forecast every finished good from the demand known at the plan month's close."""
    month = plan_month(context)
    run_config, config = config, settings.load()
    with warehouse.get_connection() as con:
        items = read.items(con, month)
        demand = read.demand_history(con, month)
        promotions = read.promotions(con, month)
        overrides = read.forecast_overrides(con, month)
        previous = read.previous_models(con, add_months(month, -1))
        previous_errors = (
            read.previous_errors(con, add_months(month, -1))
            if run_config.refit_previous_models
            else None
        )
        sales = read.sales_history(con, month)
    net_prices = realised_net_prices(sales, items, pd.Timestamp(month))

    started = time.perf_counter()
    last_log = [started]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if done == total or now - last_log[0] >= PROGRESS_EVERY_SECONDS:
            context.log.info(f"forecast: {done}/{total} series ({now - started:.0f} s)")
            last_log[0] = now

    result = build_monthly_forecast(
        demand,
        items,
        promotions,
        overrides,
        pd.Timestamp(month),
        engine_settings(config),
        progress=progress,
        previous_models=previous,
        net_prices=net_prices,
        ets_form_months=config.forecast.ets_form_months,
        previous_errors=previous_errors,
    )
    seconds = time.perf_counter() - started
    with warehouse.get_connection() as con:
        forecast_rows = write_plan_month(con, "sop_mart.forecast", result.forecast, month)
        model_rows = write_plan_month(con, "sop_mart.forecast_models", result.models, month)
        lift_rows = write_plan_month(con, "sop_mart.promotion_lift", result.promotion_lifts, month)
        error_rows = write_plan_month(con, "sop_mart.forecast_errors", result.errors, month)

    fc = result.forecast
    by_model = result.models.groupby(["series_class", "model"]).size().rename("items")
    by_source = result.models.groupby("seasonality_source").size().rename("items")
    yield mart_result(
        "sop_mart.forecast",
        forecast_rows,
        asset_key=FORECAST,
        metadata={
            "items": int(fc["item"].nunique()),
            "forecast_revenue": float(fc["forecast_revenue"].sum()),
            "forecast_revenue_at_list_price": float((fc["forecast_qty"] * fc["unit_price"]).sum()),
            "items_by_price_source": dg.MetadataValue.md(
                markdown_table(
                    net_prices.groupby("price_source").size().rename("items").reset_index()
                )
            ),
            "overridden_rows": int(fc["override_reason"].notna().sum()),
            "seconds": round(seconds, 1),
        },
        check_results=[
            _interval_check(fc),
            _coverage_check(fc, items, result.skipped, config.forecast.horizon_months),
        ],
    )
    yield mart_result(
        "sop_mart.forecast_models",
        model_rows,
        asset_key=FORECAST_MODELS,
        metadata={
            "models_chosen": dg.MetadataValue.md(markdown_table(by_model.reset_index(), 30)),
            "seasonality_sources": dg.MetadataValue.md(markdown_table(by_source.reset_index())),
            "mean_cv_wape": float(result.models["cv_wape"].mean()),
            "models_kept_from_prior_month": int(
                result.models.merge(previous[["item", "model"]], on=["item", "model"]).shape[0]
            )
            if len(previous)
            else 0,
            "ets_forms_searched": int(
                (result.models["ets_form_month"] == pd.Timestamp(month)).sum()
            ),
            "ets_forms_kept": int((result.models["ets_form_month"] < pd.Timestamp(month)).sum()),
            "models_refitted_without_cross_validation": int(result.refitted),
        },
    )
    yield mart_result(
        "sop_mart.forecast_errors",
        error_rows,
        asset_key=FORECAST_ERRORS,
        metadata={"items": int(result.errors["item"].nunique())},
    )
    lifts = result.promotion_lifts
    yield mart_result(
        "sop_mart.promotion_lift",
        lift_rows,
        asset_key=PROMOTION_LIFT,
        metadata={
            "past_promotions_measured": int((lifts["months_observed"] > 0).sum()),
            "median_observed_uplift_pct": float(lifts["observed_uplift_pct"].median())
            if lifts["observed_uplift_pct"].notna().any()
            else 0.0,
            "planned_without_uplift": int(
                (lifts["planned_uplift_pct"].isna() & (lifts["phase"] != "past")).sum()
            ),
        },
    )
