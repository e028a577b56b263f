"""Checks on the constrained plan: its stock balances and sales within demand, its load within
capacity and overtime, its lost margin carried by its constraints exactly once, and its options
suggesting one option per issue with consistent figures.

Each check reads the plan month's rows back from the warehouse and runs one invariant of
:mod:`.invariants`; a failure blocks everything downstream (KPIs, issues, the meeting pack and
the publication).
"""

import dagster as dg

from sop_pipeline.balance.invariants import (
    capacity_breaks,
    figure_breaks,
    lost_margin_breaks,
    plan_balance_breaks,
    suggestion_breaks,
)
from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.check_results import breaks_result
from sop_pipeline.lib.partition_context import plan_month
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource

CONSTRAINED_PLAN = dg.AssetKey(["sop_mart", "constrained_plan"])
CONSTRAINED_CAPACITY = dg.AssetKey(["sop_mart", "constrained_capacity"])
CONSTRAINT_PRICES = dg.AssetKey(["sop_mart", "constraint_prices"])
SCENARIO_OPTIONS = dg.AssetKey(["sop_mart", "scenario_options"])


@dg.asset_check(
    asset=CONSTRAINED_PLAN,
    name="constrained_stock_balances",
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Per scenario, item and month: inventory = inventory the month before + receipts + "
        "open orders + expedited - sales - consumption; sales <= demand; lost sales = demand - "
        "sales; no negative quantity."
    ),
)
def constrained_stock_balances(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        plan = read.table(con, "constrained_plan", plan_month(context))
    return breaks_result(plan_balance_breaks(plan), "item-months that do not balance")


@dg.asset_check(
    asset=CONSTRAINED_CAPACITY,
    name="load_within_capacity_and_overtime",
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Per scenario, resource and month: overtime used <= overtime capacity; load <= "
        "capacity + overtime used (open production orders beyond them excepted)."
    ),
)
def load_within_capacity_and_overtime(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        capacity = read.table(con, "constrained_capacity", plan_month(context))
    return breaks_result(capacity_breaks(capacity), "resource-months above capacity")


@dg.asset_check(
    asset=CONSTRAINT_PRICES,
    name="lost_margin_carried_once",
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "The constraints' lost_margin adds up to the base plan's lost margin: every lost sale "
        "is put on exactly one constraint."
    ),
)
def lost_margin_carried_once(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    month = plan_month(context)
    with warehouse.get_connection() as con:
        plan = read.table(con, "constrained_plan", month)
        prices = read.table(con, "constraint_prices", month)
    return breaks_result(lost_margin_breaks(plan, prices), "differences")


@dg.asset_check(
    asset=SCENARIO_OPTIONS,
    name="one_suggested_option_per_issue",
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Every issue has exactly one suggested option: one that helps, within "
        "decisions.max_extra_cash of extra inventory cash at peak, and of the highest expected "
        "margin among those."
    ),
)
def one_suggested_option_per_issue(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    settings: SettingsResource,
) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        table = read.table(con, "scenario_options", plan_month(context))
    breaks = suggestion_breaks(table, settings.load().decisions.max_extra_cash)
    return breaks_result(breaks, "issues whose suggested option is missing or not the best")


@dg.asset_check(
    asset=SCENARIO_OPTIONS,
    name="option_figures_are_consistent",
    partitions_def=monthly_partitions,
    blocking=True,
    description=(
        "Service levels lie in [0, 1]; amounts, costs and lost sales are not negative; each "
        "issue has one plan_to_base row with no extra cash against itself; margin_vs_base = "
        "expected_margin - plan_to_base's."
    ),
)
def option_figures_are_consistent(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> dg.AssetCheckResult:
    with warehouse.get_connection() as con:
        table = read.table(con, "scenario_options", plan_month(context))
    return breaks_result(figure_breaks(table), "option rows with impossible figures")


BALANCE_CHECKS = [
    constrained_stock_balances,
    load_within_capacity_and_overtime,
    lost_margin_carried_once,
    one_suggested_option_per_issue,
    option_figures_are_consistent,
]
"""Every check of the constrained plan and its options."""
