"""Checks on the supply plan: the stock balances month by month and dependent demand is the
parents' planned production exploded through the BOM.

Each check reads the plan month's rows back from the warehouse and runs one invariant of
:mod:`.invariants`; a failure blocks everything downstream of the plan.
"""

import datetime as dt

import dagster as dg
import pandas as pd

from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.check_results import breaks_result
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import WarehouseResource
from sop_pipeline.supply.invariants import bom_consistency_breaks, stock_balance_breaks
from sop_pipeline.supply.mrp import SCENARIO_COLUMNS, scenario_demand

MATERIAL_REQUIREMENTS = dg.AssetKey(["sop_mart", "material_requirements"])
STOCK_BALANCES = "stock_balances_month_by_month"
BOM_CONSISTENT = "dependent_demand_matches_parent_releases"


def _month(context: dg.AssetCheckExecutionContext) -> dt.date:
    return dt.date.fromisoformat(context.partition_key)


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
    month = _month(context)
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
        "releases x qty_per / (1 - scrap_rate)."
    ),
)
def dependent_demand_matches_parent_releases(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    month = _month(context)
    with warehouse.get_connection() as con:
        mrp = read.table(con, "material_requirements", month)
        bom = read.bom(con, month)
        forecast = read.forecast(con, month)
    independent = pd.concat(
        [scenario_demand(forecast, s).assign(scenario=s) for s in SCENARIO_COLUMNS],
        ignore_index=True,
    )
    breaks = bom_consistency_breaks(mrp, bom, independent)
    return breaks_result(breaks, "component-months whose dependent demand is off the BOM")
