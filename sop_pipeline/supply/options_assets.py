"""Scenario options: the priced decision options of the meeting's largest issues, and their
checks. Thin wrappers around :mod:`sop_pipeline.supply.options`."""

import datetime as dt

import dagster as dg
import duckdb
import numpy as np
import pandas as pd

from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.check_results import breaks_result
from sop_pipeline.lib.mart_io import mart_result, write_plan_month
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.settings import Settings
from sop_pipeline.supply._common import horizon_months
from sop_pipeline.supply.capacity import plan_rough_cut
from sop_pipeline.supply.options import (
    DecisionSettings,
    OptionInputs,
    figure_breaks,
    scenario_options,
    suggestion_breaks,
)

SCENARIO_OPTIONS = dg.AssetKey(["sop_mart", "scenario_options"])
READS = [
    dg.AssetKey(["sop_mart", name])
    for name in (
        "forecast",
        "material_requirements",
        "capacity_plan",
        "supply_gaps",
        "forecast_changes",
        "cash_projection",
    )
] + [
    dg.AssetKey(["staging", name])
    for name in ("items", "bom", "resources", "routings", "capacity", "cash")
]
ONE_SUGGESTION = "one_suggested_option_per_issue_within_the_cash_ceiling"
FIGURES_CONSISTENT = "option_figures_are_consistent"


def _month(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> dt.date:
    return dt.date.fromisoformat(context.partition_key)


def decision_settings(config: Settings) -> DecisionSettings:
    """The ``decisions`` settings, and how many issues of each kind get an option table."""
    d = config.decisions
    return DecisionSettings(
        max_extra_cash=d.max_extra_cash,
        spread_share=d.spread_share,
        expedite_premium=d.expedite_premium,
        expedite_lead_time_days=d.expedite_lead_time_days,
        holding_cost_rate=d.holding_cost_rate,
        top_issues=config.meeting.top_issues,
    )


def read_option_inputs(
    con: duckdb.DuckDBPyConnection, month: dt.date, config: Settings
) -> OptionInputs:
    """The plan month's tables the options are priced from; the capacity levelling is
    recomputed from the same inputs as ``capacity_plan``."""
    mrp = read.table(con, "material_requirements", month)
    items = read.items(con, month)
    resources = read.resources(con, month)
    routings = read.routings(con, month)
    forecast = read.forecast(con, month)
    cut = plan_rough_cut(
        mrp,
        items,
        resources,
        routings,
        read.capacity_overrides(con, month),
        pd.Timestamp(month),
        horizon=config.forecast.horizon_months,
        max_prebuild_months=config.capacity.max_prebuild_months,
        min_remaining_shelf_months=config.capacity.min_remaining_shelf_life_months,
        forecast=forecast,
    )
    opening, balances = _cash(con, month)
    return OptionInputs(
        months=horizon_months(pd.Timestamp(month), config.forecast.horizon_months),
        forecast=forecast,
        items=items,
        bom=read.bom(con, month),
        mrp=mrp,
        gaps=read.table(con, "supply_gaps", month),
        forecast_changes=read.table(con, "forecast_changes", month),
        capacity=cut.plan,
        routings=routings,
        resources=resources,
        lost=cut.lost,
        prebuilt=cut.prebuilt,
        opening_cash=opening,
        base_balances=balances,
    )


def _cash(con: duckdb.DuckDBPyConnection, month: dt.date) -> tuple[float | None, np.ndarray | None]:
    """The cash at the plan month's close (cash.csv's latest row up to it) and the base plan's
    projected balances; (None, None) without cash.csv."""
    cash = read.cash(con, month)
    cash = cash[pd.to_datetime(cash["as_of_month"]) <= pd.Timestamp(month)]
    if cash.empty:
        return None, None
    opening = float(cash.sort_values("as_of_month")["opening_cash"].iloc[-1])
    projection = read.table(con, "cash_projection", month)
    projected = projection[~projection["is_actual"].astype(bool)].sort_values("month")
    return opening, projected["cash_balance"].to_numpy(float)


@dg.asset(
    key=SCENARIO_OPTIONS,
    deps=READS,
    group_name="meeting",
    partitions_def=monthly_partitions,
    kinds={"duckdb", "pandas"},
)
def scenario_options_table(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    """The options the meeting chooses between for each of the largest supply gaps, capacity
    overloads and upward forecast changes - plan to base, produce to the upside, overtime,
    pre-build, spread deliveries, expedite - each priced from the forecast distribution
    (expected revenue and margin at risk, fill rate, excess) and in cash (extra inventory at
    peak, purchases, overtime, premiums, runway), with the one of highest expected margin within
    the cash ceiling suggested."""
    month, config = _month(context), settings.load()
    with warehouse.get_connection() as con:
        options = scenario_options(
            read_option_inputs(con, month, config), decision_settings(config)
        )
        rows = write_plan_month(con, "sop_mart.scenario_options", options, month)
    suggested = options[options["is_suggested"].astype(bool)]
    return mart_result(
        "sop_mart.scenario_options",
        rows,
        metadata={
            "issues": int(options["issue"].nunique()) if len(options) else 0,
            "suggested": dg.MetadataValue.md(
                markdown_table(suggested[["issue", "option", "margin_vs_base", "decision"]], 15)
            ),
        },
    )


@dg.asset_check(
    asset=SCENARIO_OPTIONS,
    name=ONE_SUGGESTION,
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Every issue has exactly one suggested option: feasible, within decisions.max_extra_cash "
        "of extra inventory cash at peak, and of the highest expected margin among those."
    ),
)
def one_suggested_option_per_issue(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    settings: SettingsResource,
) -> dg.AssetCheckResult:
    month = _month(context)
    with warehouse.get_connection() as con:
        table = read.table(con, "scenario_options", month)
    breaks = suggestion_breaks(table, settings.load().decisions.max_extra_cash)
    return breaks_result(breaks, "issues whose suggested option is missing or not the best")


@dg.asset_check(
    asset=SCENARIO_OPTIONS,
    name=FIGURES_CONSISTENT,
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Service levels lie in [0, 1]; amounts at risk, costs and excess are not negative; each "
        "issue has one plan_to_base row without extra cost; margin_vs_base = expected_margin - "
        "plan_to_base's."
    ),
)
def option_figures_are_consistent(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    month = _month(context)
    with warehouse.get_connection() as con:
        table = read.table(con, "scenario_options", month)
    return breaks_result(figure_breaks(table), "option rows with impossible figures")


OPTION_CHECKS = [one_suggested_option_per_issue, option_figures_are_consistent]
