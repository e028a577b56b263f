"""Checks on the KPI-stage marts: reconciliation and scorecard foot, the plan's totals agree.

Each check reads the plan month's rows back from the warehouse and runs one invariant of
:mod:`.invariants`, for every month of the run (a backfill of a range runs these SQL assets once
for the whole range); the failing rows, with their plan month, are in the check's metadata.
"""

from collections.abc import Callable

import dagster as dg
import pandas as pd

from sop_pipeline.kpis.invariants import (
    kpi_cross_foot_breaks,
    plan_total_disagreement,
    reconciliation_breaks,
)
from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.check_results import breaks_result
from sop_pipeline.lib.partition_context import partition_months
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import WarehouseResource


def _every_month(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    breaks_of: Callable[..., pd.DataFrame],
) -> pd.DataFrame:
    """``breaks_of(con, month)`` for every plan month of the run, with a ``plan_month`` column."""
    frames = []
    with warehouse.get_connection() as con:
        for month in partition_months(context):
            frames.append(breaks_of(con, month).assign(plan_month=pd.Timestamp(month)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


FINANCIAL_RECONCILIATION = dg.AssetKey(["sop_mart", "financial_reconciliation"])
KPIS = dg.AssetKey(["sop_mart", "kpis"])

RECONCILIATION_FOOTS = "reconciliation_foots"
PLAN_TOTAL_MATCHES_FAMILIES = "plan_company_total_matches_families"
KPIS_CROSS_FOOT = "kpis_cross_foot_to_stock_count"


@dg.asset_check(
    asset=FINANCIAL_RECONCILIATION,
    name=RECONCILIATION_FOOTS,
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Every month: company forecast revenue = sum of the families = sum of the forecast "
        "table; a company plan summed from the families equals that sum; gap = forecast - plan."
    ),
)
def reconciliation_foots(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:

    def breaks_of(con, month):
        recon = read.table(con, "financial_reconciliation", month)
        forecast = read.forecast(con, month)
        return reconciliation_breaks(recon, forecast[["month", "forecast_revenue"]])

    breaks = _every_month(context, warehouse, breaks_of)
    return breaks_result(breaks, "reconciliation totals that do not foot")


@dg.asset_check(
    asset=FINANCIAL_RECONCILIATION,
    name=PLAN_TOTAL_MATCHES_FAMILIES,
    partitions_def=monthly_partitions,
    description=(
        "Where the financial plan gives both a company row and family rows for a month, they "
        "agree; otherwise says by how much (the reconciliation uses the company row)."
    ),
)
def plan_company_total_matches_families(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    disagreement = _every_month(
        context,
        warehouse,
        lambda con, month: plan_total_disagreement(read.financial_plan(con, month)),
    )
    largest = disagreement["difference"].abs().max() if len(disagreement) else 0.0
    return breaks_result(
        disagreement,
        "month(s) of the financial plan whose company row differs from the sum of its families "
        f"(by up to {largest:,.0f}; the company row is used)",
        dg.AssetCheckSeverity.WARN,
        total_difference=float(disagreement["difference"].sum()),
    )


@dg.asset_check(
    asset=KPIS,
    name=KPIS_CROSS_FOOT,
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "inventory_value (KPI) = the cash projection's plan-month value = sum over the stock "
        "count of on_hand_qty x cost (the lot's, else the item master's)."
    ),
)
def kpis_cross_foot_to_stock_count(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:

    def breaks_of(con, month):
        kpis = read.table(con, "kpis", month)
        cash = read.table(con, "cash_projection", month)
        lots = read.on_hand(con, month)
        items = read.items(con, month)
        return kpi_cross_foot_breaks(kpis, cash, lots, items, pd.Timestamp(month))

    breaks = _every_month(context, warehouse, breaks_of)
    return breaks_result(breaks, "KPI values that do not foot to the stock count")
