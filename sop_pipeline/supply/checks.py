"""Checks on the supply plan: the stock balances month by month and dependent demand is the
parents' planned production exploded through the BOM; the capacity plan covers every resource
and month, its overtime and overload follow from load and capacity, and its load is the MRP's
production orders.

Each check reads the plan month's rows back from the warehouse and runs one invariant of
:mod:`.invariants` or :mod:`.capacity`; a failure blocks everything downstream.
"""

import dagster as dg
import pandas as pd

from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.check_results import breaks_result
from sop_pipeline.lib.partition_context import plan_month
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.supply._common import horizon_months
from sop_pipeline.supply.capacity import coverage_breaks, load_breaks, overload_breaks
from sop_pipeline.supply.invariants import bom_consistency_breaks, stock_balance_breaks
from sop_pipeline.supply.mrp import SCENARIO_COLUMNS, scenario_demand

MATERIAL_REQUIREMENTS = dg.AssetKey(["sop_mart", "material_requirements"])
CAPACITY_PLAN = dg.AssetKey(["sop_mart", "capacity_plan"])
STOCK_BALANCES = "stock_balances_month_by_month"
BOM_CONSISTENT = "dependent_demand_matches_parent_releases"
COVERS_EVERY_MONTH = "capacity_plan_covers_every_resource_month"
OVERLOAD_CONSISTENT = "overtime_and_overload_follow_from_load"
LOAD_MATCHES_MRP = "load_matches_the_mrp_production_orders"


@dg.asset_check(
    asset=MATERIAL_REQUIREMENTS,
    name=STOCK_BALANCES,
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Per scenario, item and month: on hand = on hand the month before (the stock count "
        "before month 1) + scheduled and planned receipts - gross requirement - expired stock."
    ),
)
def stock_balances_month_by_month(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    month = plan_month(context)
    with warehouse.get_connection() as con:
        mrp = read.table(con, "material_requirements", month)
        lots = read.on_hand(con, month)
    breaks = stock_balance_breaks(mrp, lots)
    return breaks_result(breaks, "item-months whose projected stock does not balance")


@dg.asset_check(
    asset=MATERIAL_REQUIREMENTS,
    name=BOM_CONSISTENT,
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Per scenario, component and month: dependent demand = sum over parents of planned "
        "releases (and, where open production orders draw their components when received, "
        "their open orders received) x qty_per / (1 - scrap_rate)."
    ),
)
def dependent_demand_matches_parent_releases(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    settings: SettingsResource,
) -> dg.AssetCheckResult:
    month = plan_month(context)
    at_receipt = settings.load().supply.open_production_components == "at_receipt"
    with warehouse.get_connection() as con:
        mrp = read.table(con, "material_requirements", month)
        bom = read.bom(con, month)
        forecast = read.forecast(con, month)
    independent = pd.concat(
        [scenario_demand(forecast, s).assign(scenario=s) for s in SCENARIO_COLUMNS],
        ignore_index=True,
    )
    breaks = bom_consistency_breaks(mrp, bom, independent, open_orders_draw=at_receipt)
    return breaks_result(breaks, "component-months whose dependent demand is off the BOM")


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
    month = plan_month(context)
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
    month = plan_month(context)
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
    month = plan_month(context)
    with warehouse.get_connection() as con:
        plan = read.table(con, "capacity_plan", month)
        mrp = read.table(con, "material_requirements", month)
        routings = read.routings(con, month)
    breaks = load_breaks(plan, mrp, routings)
    return breaks_result(breaks, "resource-months whose load is not the MRP's")


SUPPLY_CHECKS = [
    stock_balances_month_by_month,
    dependent_demand_matches_parent_releases,
    capacity_plan_covers_every_resource_month,
    overtime_and_overload_follow_from_load,
    load_matches_the_mrp_production_orders,
]
"""Every check of the supply plan."""
