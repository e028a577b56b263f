"""Capacity: the rough-cut capacity plan of each plan month, its checks, and the capacity gaps
the supply gaps take in.

Thin wrappers around :mod:`sop_pipeline.supply.capacity`. A company without ``resources.csv``
gets an empty capacity plan and the supply gaps it had before.
"""

import datetime as dt

import dagster as dg
import duckdb
import pandas as pd

from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.check_results import breaks_result
from sop_pipeline.lib.mart_io import mart_result, write_plan_month
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.supply._common import horizon_months
from sop_pipeline.supply.capacity import (
    capacity_gaps,
    combine_gaps,
    coverage_breaks,
    has_capacity,
    load_breaks,
    overload_breaks,
    plan_rough_cut,
    prepare_routings,
    routed_load,
    units_not_produced,
)

CAPACITY_PLAN = dg.AssetKey(["sop_mart", "capacity_plan"])
MATERIAL_REQUIREMENTS = dg.AssetKey(["sop_mart", "material_requirements"])
FORECAST = dg.AssetKey(["sop_mart", "forecast"])
CAPACITY_INPUTS = [
    dg.AssetKey(["staging", name]) for name in ("items", "resources", "routings", "capacity")
]
COVERS_EVERY_MONTH = "capacity_plan_covers_every_resource_month"
OVERLOAD_CONSISTENT = "overtime_and_overload_follow_from_load"
LOAD_MATCHES_MRP = "load_matches_the_mrp_production_orders"


def _month(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> dt.date:
    return dt.date.fromisoformat(context.partition_key)


@dg.asset(
    key=CAPACITY_PLAN,
    deps=[MATERIAL_REQUIREMENTS, FORECAST, *CAPACITY_INPUTS],
    group_name="supply",
    partitions_def=monthly_partitions,
    kinds={"duckdb", "pandas"},
)
def capacity_plan(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    """Rough-cut capacity per resource and month for the base and upside MRP: the load of the
    production orders on each resource (routings x the MRP's open and planned receipts of
    finished goods, in the month they are due), against regular capacity and overtime, with
    the overload no overtime absorbs, the expected sales it puts at risk and how much of it
    pre-building could move earlier."""
    month, config = _month(context), settings.load()
    with warehouse.get_connection() as con:
        cut = plan_rough_cut(
            read.table(con, "material_requirements", month),
            read.items(con, month),
            read.resources(con, month),
            read.routings(con, month),
            read.capacity_overrides(con, month),
            pd.Timestamp(month),
            horizon=config.forecast.horizon_months,
            max_prebuild_months=config.capacity.max_prebuild_months,
            min_remaining_shelf_months=config.capacity.min_remaining_shelf_life_months,
            forecast=read.forecast(con, month),
        )
        rows = write_plan_month(con, "sop_mart.capacity_plan", cut.plan, month)
    base = cut.plan[cut.plan["scenario"] == "base"]
    peaks = (
        base.sort_values("utilisation", ascending=False)
        .drop_duplicates("resource")[["resource", "month", "load", "capacity", "utilisation"]]
        .sort_values("resource")
    )
    return mart_result(
        "sop_mart.capacity_plan",
        rows,
        metadata={
            "resources": int(base["resource"].nunique()),
            "overloaded_months_base": int((base["overload"] > 0).sum()),
            "overload_base": float(base["overload"].sum()),
            "overtime_cost_base": float(base["overtime_cost"].sum()),
            "margin_at_risk_base": float(base["margin_at_risk"].sum()),
            "prebuild_load_base": float(base["prebuild_load"].sum()),
            "peak_month_by_resource": dg.MetadataValue.md(markdown_table(peaks, 20)),
        },
    )


def add_capacity_gaps(
    con: duckdb.DuckDBPyConnection,
    month: dt.date,
    material: pd.DataFrame,
    forecast: pd.DataFrame,
) -> pd.DataFrame:
    """The supply gaps with the capacity plan's gaps combined in
    (:func:`~sop_pipeline.supply.capacity.combine_gaps`); ``gap_type`` is ``material`` on every
    row when the company plans no capacity."""
    resources = read.resources(con, month)
    if not has_capacity(resources):
        return combine_gaps(material, material.iloc[0:0])
    plan = read.table(con, "capacity_plan", month)
    mrp = read.table(con, "material_requirements", month)
    base = mrp[mrp["scenario"] == "base"]
    routes = prepare_routings(read.routings(con, month), resources)
    lost = units_not_produced(plan, routed_load(base, routes))
    demand = forecast[["item", "month", "forecast_qty"]].rename(columns={"forecast_qty": "qty"})
    items = read.items(con, month).set_index("item")
    prices = forecast.groupby("item")["net_price"].first().fillna(items["unit_price"])
    gaps = capacity_gaps(lost, base, demand, prices, items["unit_cost"])
    return combine_gaps(material, gaps)


@dg.asset_check(
    asset=CAPACITY_PLAN,
    name=COVERS_EVERY_MONTH,
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Every resource of resources.csv has exactly one row per month of the horizon in each "
        "scenario (base, upside), and no other rows."
    ),
)
def capacity_plan_covers_every_resource_month(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    settings: SettingsResource,
) -> dg.AssetCheckResult:
    month = _month(context)
    horizon = settings.load().forecast.horizon_months
    with warehouse.get_connection() as con:
        plan = read.table(con, "capacity_plan", month)
        resources = read.resources(con, month)
    months = horizon_months(pd.Timestamp(month), horizon)
    breaks = coverage_breaks(plan, resources, months)
    return breaks_result(breaks, "scenario-resource-months missing or repeated")


@dg.asset_check(
    asset=CAPACITY_PLAN,
    name=OVERLOAD_CONSISTENT,
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "overtime_used = min(max(0, load - capacity), overtime_capacity), overload = max(0, load "
        "- capacity - overtime_capacity) >= 0, utilisation = load / capacity, 0 <= prebuild_load "
        "<= overload, no negative number."
    ),
)
def overtime_and_overload_follow_from_load(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    month = _month(context)
    with warehouse.get_connection() as con:
        plan = read.table(con, "capacity_plan", month)
    breaks = overload_breaks(plan)
    return breaks_result(breaks, "capacity rows whose overtime or overload does not add up")


@dg.asset_check(
    asset=CAPACITY_PLAN,
    name=LOAD_MATCHES_MRP,
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Each resource's load is the MRP's open and planned receipts of the items routed on it "
        "x hours_per_unit, month by month, in both scenarios."
    ),
)
def load_matches_the_mrp_production_orders(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    month = _month(context)
    with warehouse.get_connection() as con:
        plan = read.table(con, "capacity_plan", month)
        mrp = read.table(con, "material_requirements", month)
        routings = read.routings(con, month)
    breaks = load_breaks(plan, mrp, routings)
    return breaks_result(breaks, "resource-months whose load is not the MRP's")


CAPACITY_CHECKS = [
    capacity_plan_covers_every_resource_month,
    overtime_and_overload_follow_from_load,
    load_matches_the_mrp_production_orders,
]
