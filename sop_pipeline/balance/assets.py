"""The constrained plan as one multi-asset: what the company can do, after supply said what it
would need.

It reads the plan month's planning inputs once (the supply stage's), with the policy's safety
stock, the shelf-life risk, the service-versus-cash curve, the forecast changes, the stock
counts, the cash position and the financial plan; plans the month with the pure
:func:`~sop_pipeline.balance.plan.plan_balance` and writes its six tables. The blocking checks
of :mod:`.checks` read them back.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import fields, replace

import dagster as dg
import pandas as pd

from sop_pipeline.balance.inputs import HoldingLimits
from sop_pipeline.balance.model import ModelSettings
from sop_pipeline.balance.options import OptionSettings
from sop_pipeline.balance.plan import (
    BalanceInputs,
    BalancePlan,
    CommitmentTargets,
    PlanSettings,
    plan_balance,
)
from sop_pipeline.decisions.apply import cash_path_mode
from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.duckdb_io import Connection
from sop_pipeline.lib.mart_io import mart_result, write_plan_month
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.lib.partition_context import plan_month
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.settings import Settings
from sop_pipeline.supply._common import horizon_months
from sop_pipeline.supply.assets import read_planning_inputs

GROUP = "balance"


def _key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["sop_mart", name])


READS = [
    _key(name)
    for name in (
        "forecast",
        "forecast_models",
        "forecast_errors",
        "forecast_changes",
        "inventory_targets",
        "material_requirements",
        "shelf_life_risk",
        "service_cash_tradeoff",
        "decisions_applied",
    )
] + [
    dg.AssetKey(["staging", name])
    for name in (
        "items",
        "bom",
        "inventory",
        "open_purchase_orders",
        "resources",
        "routings",
        "capacity",
        "cash",
        "financial_plan",
        "demand_history",
    )
]


def plan_settings(config: Settings) -> PlanSettings:
    """The settings of the constrained plan, from the ``balance``, ``decisions``,
    ``capacity``, ``finance`` and ``meeting`` sections."""
    d, b = config.decisions, config.balance
    return PlanSettings(
        model=ModelSettings(
            holding_cost_rate=d.holding_cost_rate,
            expedite_premium=d.expedite_premium,
            expedite_lead_time_days=d.expedite_lead_time_days,
            decision_delay_days=config.meeting.overdue_grace_days,
            cash_path=b.cash_path,
            cash_path_penalty=b.cash_path_penalty,
        ),
        options=OptionSettings(
            max_extra_cash=d.max_extra_cash,
            spread_share=d.spread_share,
            top_issues=config.meeting.top_issues,
        ),
        limits=HoldingLimits(
            max_prebuild_months=config.capacity.max_prebuild_months,
            min_remaining_shelf_months=config.capacity.min_remaining_shelf_life_months,
        ),
        solver=b.solver,
        time_limit_seconds=b.time_limit_seconds,
        collection_lag_months=config.finance.collection_lag_months,
        min_cash_balance=config.finance.min_cash_balance,
        upside=b.upside,
        net_purchased=b.net_purchased,
        workers=b.workers,
    )


def _planned_revenue(plan: pd.DataFrame, months: pd.DatetimeIndex) -> float | None:
    """The financial plan's company net revenue over ``months``: its company rows (blank
    family), else the sum of its family rows; None when it plans none of them."""
    rows = plan.assign(month=pd.to_datetime(plan["month"]).dt.to_period("M").dt.to_timestamp())
    rows = rows[rows["month"].isin(months)]
    if rows.empty:
        return None
    family = rows["family"].fillna("").astype(str).str.strip()
    company = rows[family == ""].groupby("month")["planned_revenue"].sum()
    families = rows[family != ""].groupby("month")["planned_revenue"].sum()
    return float(company.combine_first(families).sum())


def read_balance_inputs(con: Connection, month: dt.date, config: Settings) -> BalanceInputs:
    """Everything the constrained plan of ``month`` reads (:class:`BalanceInputs`)."""
    planning = read_planning_inputs(con, month, config)
    targets = config.kpi_targets
    items = planning.items.set_index(planning.items["item"].astype(str))
    descriptions = items["description"].dropna().astype(str).to_dict()
    resources = planning.resources
    if len(resources):
        descriptions |= (
            resources.set_index("resource")["description"].dropna().astype(str).to_dict()
        )
    first = read.first_supply_plan_month(con)
    months = horizon_months(pd.Timestamp(month), config.forecast.horizon_months)
    return BalanceInputs(
        planning=planning,
        safety_stock=read.table(con, "inventory_targets", month)[["item", "month", "safety_stock"]],
        shelf_risk=read.table(con, "shelf_life_risk", month),
        tradeoff=read.table(con, "service_cash_tradeoff", month),
        forecast_changes=read.table(con, "forecast_changes", month),
        stock_values=read.stock_values(con, month),
        first_plan_month=pd.Timestamp(first) if first is not None else None,
        cash=read.cash(con, month),
        booked_revenue=read.booked_revenue(con, month),
        planned_revenue=_planned_revenue(read.financial_plan(con, month), months),
        targets=CommitmentTargets(
            baseline_month=targets.cash_baseline_month,
            target_month=targets.cash_target_month,
            inventory_value=targets.inventory_value,
            cash_reduction=targets.cash_reduction,
        ),
        descriptions=descriptions,
    )


def _spec(name: str, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        _key(name),
        description=description,
        deps=READS,
        group_name=GROUP,
        kinds={"duckdb", "pandas"},
    )


@dg.multi_asset(
    specs=[
        _spec(
            "constrained_plan",
            "What the company can do: the plan a linear programme (HiGHS) balances over the "
            "horizon - demand, materials through the BOM with lead times and open orders, "
            "capacity with overtime, shelf life, the safety-stock targets (soft) and the cash "
            "path - for the most expected margin; sales, lost sales, production and purchases "
            "(lot-sized), inventory and buffer per scenario, item and month.",
        ),
        _spec(
            "constraint_prices",
            "The price of every binding constraint (a component, a resource-month, an item's "
            "lead time, a shelf-life limit, the cash path) from the LP's duals, with its slack, "
            "the items it touches and the lost sales put on it.",
        ),
        _spec(
            "constrained_capacity",
            "Load of the constrained plan against capacity and overtime per resource and "
            "month, with the shadow price of an hour.",
        ),
        _spec(
            "cash_projection",
            "Inventory value against the dated working-capital path (actual counts, then the "
            "constrained plan), and the cash balance month by month on the plan's own flows, "
            "with its low point and the runway (the plan's last 12 months repeated beyond the "
            "horizon at level stock).",
        ),
        _spec(
            "plan_feasibility",
            "Whether the plan meets its targets: revenue against the financial plan, the cash "
            "low point against its floor, the working-capital commitment against the inventory "
            "policy (the service level that meets it, the margin keeping to it costs).",
        ),
        _spec(
            "scenario_options",
            "The options for each binding component, resource, the cash path and each upward "
            "forecast change - plan to base, expedite, overtime, pre-build, spread deliveries, "
            "produce to the upside, keep to or relax the cash path, the constrained plan - each "
            "a re-solve of the plan with one change, priced in expected margin, cash at peak, "
            "service, cash low point and runway; the best within the cash ceiling suggested.",
        ),
        _spec(
            "option_levers",
            "What choosing each option commits the company to: the units expedited, the "
            "production made firm, the overtime hours, the demand moved, the cash path's mode, "
            "the margin at risk accepted - what a recorded decision applies to the next plan.",
        ),
        _spec(
            "option_plans",
            "Each option's plan for its issue's finished goods by month (opening stock, supply, "
            "sales, lost sales, stock left, price and cost): what a decision and plan to base "
            "are replayed on once the months close.",
        ),
    ],
    partitions_def=monthly_partitions,
    name="balance_plan",
)
def balance_plan(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> Iterator[dg.MaterializeResult]:
    """The plan month's constrained plan: inputs read once, one LP per scenario, six tables."""
    month, config = plan_month(context), settings.load()
    with warehouse.get_connection() as con:
        inputs = read_balance_inputs(con, month, config)
        mode = cash_path_mode(read.decisions_applied(con, month))
    chosen = plan_settings(config)
    if mode is not None:  # a meeting decided to relax or keep to the cash path
        chosen = replace(chosen, model=replace(chosen.model, cash_path=mode))
        context.log.info(f"cash path {mode}, as decided")
    plan = plan_balance(inputs, chosen)
    context.log.info(f"constrained plan: {plan.stats}")
    with warehouse.get_connection() as con:
        rows = {
            f.name: write_plan_month(con, f"sop_mart.{f.name}", getattr(plan, f.name), month)
            for f in fields(BalancePlan)
            if f.name != "stats"
        }
    for name, metadata in _metadata(plan).items():
        yield mart_result(f"sop_mart.{name}", rows[name], asset_key=_key(name), metadata=metadata)


def _metadata(plan: BalancePlan) -> dict[str, dict[str, object]]:
    base = plan.constrained_plan[plan.constrained_plan["scenario"] == "base"]
    prices = plan.constraint_prices
    options = plan.scenario_options
    suggested = options[options["is_suggested"].astype(bool)]
    cash = plan.cash_projection
    low = cash[cash["is_cash_low_point"].astype("boolean").fillna(False).astype(bool)]
    top = prices.sort_values("lost_margin", ascending=False).head(15)
    return {
        "constrained_plan": {
            "sales_revenue_base": float(base["sales_revenue"].sum()),
            "lost_margin_base": float(base["lost_margin"].sum()),
            "lost_sales_qty_base": float(base["lost_sales_qty"].sum()),
            **{k: v for k, v in plan.stats.items()},
        },
        "constraint_prices": {
            "binding_constraints": len(prices),
            "by_type": dg.MetadataValue.md(
                markdown_table(
                    prices.groupby("constraint_type", as_index=False).agg(
                        rows=("constraint", "size"), lost_margin=("lost_margin", "sum")
                    )
                )
            ),
            "largest": dg.MetadataValue.md(
                markdown_table(
                    top[["constraint_type", "constraint", "month", "shadow_price", "lost_margin"]]
                )
            ),
        },
        "constrained_capacity": {},
        "cash_projection": {
            "cash_low_point": float(low["cash_balance"].iloc[0]) if len(low) else None,
            "runway_months": (
                float(cash["runway_months"].dropna().iloc[0])
                if cash["runway_months"].notna().any()
                else None
            ),
        },
        "plan_feasibility": {
            "checks": dg.MetadataValue.md(
                markdown_table(plan.plan_feasibility[["check", "is_met", "detail"]])
            )
        },
        "option_levers": {
            "levers": dg.MetadataValue.md(
                markdown_table(
                    plan.option_levers.groupby(["option", "lever"], as_index=False).size(), 20
                )
            )
        },
        "option_plans": {},
        "scenario_options": {
            "issues": int(options["issue"].nunique()) if len(options) else 0,
            "suggested": dg.MetadataValue.md(
                markdown_table(suggested[["issue", "option", "margin_vs_base", "decision"]], 15)
            ),
        },
    }
