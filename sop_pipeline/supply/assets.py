"""Supply: inventory targets, material requirements, gaps and shelf-life risk per plan month.

Thin wrappers: each asset reads the plan month's :class:`PlanningInputs` once
(:func:`read_planning_inputs`), calls a pure planning function of this package and writes its
table. The supply gaps replay the base plan the ``material_requirements`` asset wrote, so the
base MRP is computed once per plan month and the gaps come from a plan that passed its checks.
"""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import duckdb
import pandas as pd

from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.mart_io import mart_result, write_plan_month
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.settings import Settings
from sop_pipeline.supply import (
    SCENARIO_COLUMNS,
    PlanningInputs,
    excess_and_obsolete,
    find_supply_gaps,
    plan_inventory,
    run_mrp,
    service_cash_tradeoff,
    shelf_life_risk,
)

GROUP = "supply"
STAGING_INPUTS = [
    dg.AssetKey(["staging", name]) for name in ("items", "bom", "inventory", "open_purchase_orders")
]
FORECAST = dg.AssetKey(["sop_mart", "forecast"])
FORECAST_MODELS = dg.AssetKey(["sop_mart", "forecast_models"])
FORECAST_ERRORS = dg.AssetKey(["sop_mart", "forecast_errors"])
INVENTORY_POLICY = dg.AssetKey(["sop_mart", "inventory_policy"])
INVENTORY_TARGETS = dg.AssetKey(["sop_mart", "inventory_targets"])
MATERIAL_REQUIREMENTS = dg.AssetKey(["sop_mart", "material_requirements"])
SHELF_LIFE_RISK = dg.AssetKey(["sop_mart", "shelf_life_risk"])
EXCESS_OBSOLETE = dg.AssetKey(["sop_mart", "excess_obsolete"])


def _plan_month(context: dg.AssetExecutionContext) -> dt.date:
    return dt.date.fromisoformat(context.partition_key)


def read_planning_inputs(
    con: duckdb.DuckDBPyConnection, month: dt.date, config: Settings, *, safety_stock: bool = True
) -> PlanningInputs:
    """The plan month's supply planning inputs, read once: the staging tables, the forecast and
    its errors and (``safety_stock``) the time-phased safety stock of the inventory targets."""
    targets = None
    if safety_stock:
        targets = read.table(con, "inventory_targets", month)[["item", "month", "safety_stock"]]
    return PlanningInputs(
        plan_month=pd.Timestamp(month),
        items=read.items(con, month),
        bom=read.bom(con, month),
        forecast=read.forecast(con, month),
        on_hand=read.on_hand(con, month),
        open_orders=read.open_orders(con, month),
        forecast_errors=read.forecast_models(con, month),
        safety_stock=targets,
        horizon=config.forecast.horizon_months,
        late_po_delay_months=config.supply.late_po_delay_months,
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            INVENTORY_POLICY,
            description=(
                "Safety stock, reorder point, target stock and months of cover per item (this "
                "month's values), from the forecast error at the horizons that matter, "
                "lead-time variability and the item's service level."
            ),
            deps=[FORECAST, FORECAST_MODELS, FORECAST_ERRORS, *STAGING_INPUTS],
            group_name=GROUP,
            kinds={"duckdb", "pandas"},
        ),
        dg.AssetSpec(
            INVENTORY_TARGETS,
            description=(
                "Time-phased safety stock and order-up-to target per item and month, from the "
                "forecast over the lead time plus review period that starts that month."
            ),
            deps=[FORECAST, FORECAST_MODELS, FORECAST_ERRORS, *STAGING_INPUTS],
            group_name=GROUP,
            kinds={"duckdb", "pandas"},
        ),
    ],
    partitions_def=monthly_partitions,
    name="inventory_policy",
)
def inventory_policy(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> Iterator[dg.MaterializeResult]:
    """The inventory policy of every item and its time-phased targets."""
    month, config = _plan_month(context), settings.load()
    with warehouse.get_connection() as con:
        inputs = read_planning_inputs(con, month, config, safety_stock=False)
        plan = plan_inventory(
            inputs.items,
            inputs.bom,
            inputs.demand("base"),
            inputs.forecast_errors,
            inputs.on_hand,
            inputs.open_orders,
            inputs.plan_month,
            horizon=inputs.horizon,
            default_service_level=config.inventory.default_service_level,
            review_period_months=config.inventory.review_period_months,
        )
        policy, targets = plan.policy, plan.targets
        rows = write_plan_month(con, "sop_mart.inventory_policy", policy, month)
        target_rows = write_plan_month(con, "sop_mart.inventory_targets", targets, month)
    investment = float(policy["target_inventory_value"].sum())
    yield mart_result(
        "sop_mart.inventory_policy",
        rows,
        asset_key=INVENTORY_POLICY,
        metadata={
            "on_hand_value": float(policy["on_hand_value"].sum()),
            "target_inventory_value": investment,
            "items_below_reorder_point": int(
                (policy["on_hand_qty"] + policy["on_order_qty"] < policy["reorder_point"]).sum()
            ),
        },
    )
    by_month = targets.groupby("month", as_index=False)["safety_stock"].sum()
    yield mart_result(
        "sop_mart.inventory_targets",
        target_rows,
        asset_key=INVENTORY_TARGETS,
        metadata={
            "safety_stock_units_by_month": dg.MetadataValue.md(markdown_table(by_month, 24)),
        },
    )


@dg.asset(
    key=MATERIAL_REQUIREMENTS,
    deps=[FORECAST, INVENTORY_TARGETS, *STAGING_INPUTS],
    group_name=GROUP,
    partitions_def=monthly_partitions,
    kinds={"duckdb", "pandas"},
)
def material_requirements(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    """Time-phased multi-level MRP over the horizon for the base forecast and the upside (hi80):
    gross requirements through the BOM with scrap, netted against usable stock and open orders
    (late ones assumed to arrive late) with the time-phased safety stock, lot-sized and offset
    by lead time (rounded up); releases already past due are flagged."""
    month, config = _plan_month(context), settings.load()
    with warehouse.get_connection() as con:
        plan = run_mrp(read_planning_inputs(con, month, config), tuple(SCENARIO_COLUMNS))
        rows = write_plan_month(con, "sop_mart.material_requirements", plan, month)
    past_due = plan[plan["release_past_due"]]
    base = plan[plan["scenario"] == "base"]
    return mart_result(
        "sop_mart.material_requirements",
        rows,
        metadata={
            "items_planned": int(base["item"].nunique()),
            "planned_releases_base": int((base["planned_release_qty"] > 0).sum()),
            "releases_past_due": int(past_due["item"].nunique()),
            "past_due_releases": dg.MetadataValue.md(
                markdown_table(past_due[["scenario", "item", "month", "planned_release_qty"]])
            ),
        },
    )


@dg.asset(
    key=dg.AssetKey(["sop_mart", "supply_gaps"]),
    deps=[FORECAST, INVENTORY_TARGETS, MATERIAL_REQUIREMENTS, *STAGING_INPUTS],
    group_name=GROUP,
    partitions_def=monthly_partitions,
    kinds={"duckdb", "pandas"},
)
def supply_gaps(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    """Months in which a finished good cannot be supplied in full, the quantity and revenue at
    risk, and the component that limits it: the base plan of ``material_requirements`` replayed
    against what can arrive in time."""
    month, config = _plan_month(context), settings.load()
    with warehouse.get_connection() as con:
        inputs = read_planning_inputs(con, month, config)
        gaps = find_supply_gaps(inputs, mrp=read.table(con, "material_requirements", month))
        rows = write_plan_month(con, "sop_mart.supply_gaps", gaps, month)
    return mart_result(
        "sop_mart.supply_gaps",
        rows,
        metadata={
            "revenue_at_risk": float(gaps["revenue_at_risk"].fillna(0).sum()),
            "margin_at_risk": float(gaps["margin_at_risk"].fillna(0).sum()),
            "items_short": int(gaps["item"].nunique()),
        },
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            SHELF_LIFE_RISK,
            description=(
                "Lots that will not be consumed before expiry (first-expiry, first-out against "
                "the forecast and the components' dependent demand), slow movers and phase-out "
                "stock."
            ),
            deps=[FORECAST, MATERIAL_REQUIREMENTS, *STAGING_INPUTS],
            group_name=GROUP,
            kinds={"duckdb", "pandas"},
        ),
        dg.AssetSpec(
            EXCESS_OBSOLETE,
            description="Excess and obsolete stock per item, summed from the lots at risk.",
            deps=[SHELF_LIFE_RISK],
            group_name=GROUP,
            kinds={"duckdb", "pandas"},
        ),
    ],
    partitions_def=monthly_partitions,
    name="shelf_life_and_obsolescence",
)
def shelf_life_and_obsolescence(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> Iterator[dg.MaterializeResult]:
    """Shelf-life risk per lot and excess and obsolete value per item."""
    month, config = _plan_month(context), settings.load()
    with warehouse.get_connection() as con:
        inputs = read_planning_inputs(con, month, config, safety_stock=False)
        finished = inputs.demand("base")
        mrp = read.table(con, "material_requirements", month)
        dependent = mrp.loc[mrp["scenario"] == "base", ["item", "month", "gross_qty"]]
        dependent = dependent[~dependent["item"].isin(finished["item"])]
        demand = pd.concat([finished, dependent.rename(columns={"gross_qty": "qty"})])
        risk = shelf_life_risk(
            inputs.items,
            inputs.on_hand,
            demand,
            inputs.plan_month,
            horizon=inputs.horizon,
            slow_mover_months=config.inventory.slow_mover_months,
        )
        excess = excess_and_obsolete(risk)
        risk_rows = write_plan_month(con, "sop_mart.shelf_life_risk", risk, month)
        excess_rows = write_plan_month(con, "sop_mart.excess_obsolete", excess, month)
    yield mart_result(
        "sop_mart.shelf_life_risk",
        risk_rows,
        asset_key=SHELF_LIFE_RISK,
        metadata={
            "value_at_risk": float(risk["value_at_risk"].sum()),
            "by_reason": dg.MetadataValue.md(
                markdown_table(
                    risk.groupby("reason", as_index=False)[["qty_at_risk", "value_at_risk"]].sum()
                )
            ),
        },
    )
    yield mart_result(
        "sop_mart.excess_obsolete",
        excess_rows,
        asset_key=EXCESS_OBSOLETE,
        metadata={"total_value": float(excess["total_value"].sum())},
    )


@dg.asset(
    key=dg.AssetKey(["sop_mart", "service_cash_tradeoff"]),
    deps=[
        FORECAST,
        FORECAST_MODELS,
        FORECAST_ERRORS,
        INVENTORY_POLICY,
        dg.AssetKey(["staging", "items"]),
        dg.AssetKey(["staging", "bom"]),
    ],
    group_name=GROUP,
    partitions_def=monthly_partitions,
    kinds={"duckdb", "pandas"},
)
def service_cash_tradeoff_curve(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> dg.MaterializeResult:
    """Inventory investment (safety plus cycle stock at cost) against service level across the
    portfolio, with the expected fill rate; the current policy's point is marked."""
    month, config = _plan_month(context), settings.load()
    with warehouse.get_connection() as con:
        inputs = read_planning_inputs(con, month, config, safety_stock=False)
        curve = service_cash_tradeoff(
            inputs.items,
            inputs.bom,
            inputs.demand("base"),
            inputs.forecast_errors,
            inputs.plan_month,
            service_levels=config.inventory.tradeoff_service_levels,
            horizon=inputs.horizon,
            default_service_level=config.inventory.default_service_level,
            review_period_months=config.inventory.review_period_months,
        )
        rows = write_plan_month(con, "sop_mart.service_cash_tradeoff", curve, month)
    return mart_result("sop_mart.service_cash_tradeoff", rows)
