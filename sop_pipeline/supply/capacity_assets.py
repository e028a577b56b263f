"""Checks on the rough-cut capacity plan (``sop_mart.capacity_plan``, written by the supply
plan): every resource and month is there once, overtime and overload follow from load and
capacity, the load is the MRP's production orders. Each reads the plan month's rows back and runs
one invariant of :mod:`sop_pipeline.supply.capacity`; a failure blocks everything downstream."""

import datetime as dt

import dagster as dg
import pandas as pd

from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.check_results import breaks_result
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.supply._common import horizon_months
from sop_pipeline.supply.capacity import (
    coverage_breaks,
    load_breaks,
    overload_breaks,
)

CAPACITY_PLAN = dg.AssetKey(["sop_mart", "capacity_plan"])
COVERS_EVERY_MONTH = "capacity_plan_covers_every_resource_month"
OVERLOAD_CONSISTENT = "overtime_and_overload_follow_from_load"
LOAD_MATCHES_MRP = "load_matches_the_mrp_production_orders"


def _month(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> dt.date:
    return dt.date.fromisoformat(context.partition_key)


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
