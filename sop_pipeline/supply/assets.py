"""Supply: the inventory policy and targets, material requirements, the rough-cut capacity
plan, gaps, shelf-life risk, excess and obsolete stock and the service-level versus cash curve
of each plan month.

The supply plan is one multi-asset: it reads the plan month's :class:`PlanningInputs` once
(:func:`read_planning_inputs`), plans the month with the pure :func:`plan_supply` (one planning
network, the base MRP computed once and replayed by the gaps) and writes the eight tables. The
blocking checks of :mod:`.checks` read ``material_requirements`` back once it is written; a
failure stops everything downstream of the plan (KPIs, meeting pack, publication).
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import fields

import dagster as dg
import pandas as pd

from sop_pipeline.decisions.apply import applied_to_inputs
from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.duckdb_io import Connection
from sop_pipeline.lib.mart_io import mart_result, write_plan_month
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.lib.partition_context import plan_month
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.settings import Settings
from sop_pipeline.supply.inputs import PlanningInputs
from sop_pipeline.supply.plan import SupplyPlan, plan_supply

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
CAPACITY_PLAN = dg.AssetKey(["sop_mart", "capacity_plan"])
CAPACITY_INPUTS = [dg.AssetKey(["staging", name]) for name in ("resources", "routings", "capacity")]
SUPPLY_GAPS = dg.AssetKey(["sop_mart", "supply_gaps"])
SHELF_LIFE_RISK = dg.AssetKey(["sop_mart", "shelf_life_risk"])
EXCESS_OBSOLETE = dg.AssetKey(["sop_mart", "excess_obsolete"])
SERVICE_CASH_TRADEOFF = dg.AssetKey(["sop_mart", "service_cash_tradeoff"])


def read_planning_inputs(con: Connection, month: dt.date, config: Settings) -> PlanningInputs:
    """The plan month's supply planning inputs: the staging tables, the forecast and its
    errors (the safety stock is planned from them, :func:`plan_supply`), with the levers of
    the earlier meetings' decisions applied (``sop_mart.decisions_applied``)."""
    inputs = PlanningInputs(
        plan_month=pd.Timestamp(month),
        items=read.items(con, month),
        bom=read.bom(con, month),
        forecast=read.forecast(con, month),
        on_hand=read.on_hand(con, month),
        open_orders=read.open_orders(con, month),
        forecast_errors=read.forecast_models(con, month),
        horizon=config.forecast.horizon_months,
        late_po_delay_months=config.supply.late_po_delay_months,
        open_production_components=config.supply.open_production_components,
        resources=read.resources(con, month),
        routings=read.routings(con, month),
        capacity_overrides=read.capacity_overrides(con, month),
    )
    return applied_to_inputs(inputs, read.decisions_applied(con, month))


def _spec(key: dg.AssetKey, description: str, deps: list[dg.AssetKey]) -> dg.AssetSpec:
    return dg.AssetSpec(
        key, description=description, deps=deps, group_name=GROUP, kinds={"duckdb", "pandas"}
    )


DECISIONS_APPLIED = dg.AssetKey(["sop_mart", "decisions_applied"])
INPUTS = [FORECAST, FORECAST_MODELS, FORECAST_ERRORS, *STAGING_INPUTS, DECISIONS_APPLIED]


@dg.multi_asset(
    specs=[
        _spec(
            INVENTORY_POLICY,
            "Safety stock, reorder point, target stock and months of cover per item (this "
            "month's values), from the forecast error at the horizons that matter, lead-time "
            "variability and the item's service level.",
            INPUTS,
        ),
        _spec(
            INVENTORY_TARGETS,
            "Time-phased safety stock and order-up-to target per item and month, from the "
            "forecast over the lead time plus review period that starts that month.",
            INPUTS,
        ),
        _spec(
            MATERIAL_REQUIREMENTS,
            "Time-phased multi-level MRP over the horizon for the base forecast and the upside "
            "(hi80): gross requirements through the BOM with scrap, netted against usable stock "
            "and open orders (late ones assumed to arrive late) with the time-phased safety "
            "stock, lot-sized and offset by lead time (rounded up); releases already past due "
            "are flagged.",
            [*INPUTS, INVENTORY_TARGETS],
        ),
        _spec(
            CAPACITY_PLAN,
            "Rough-cut capacity per resource and month for the base and upside MRP: the load of "
            "the production orders on each resource (routings x the MRP's open and planned "
            "receipts of finished goods, in the month they are due), against regular capacity "
            "and overtime, with the overload no overtime absorbs, the expected sales it puts at "
            "risk and how much of it pre-building could move earlier.",
            [*INPUTS, *CAPACITY_INPUTS, MATERIAL_REQUIREMENTS],
        ),
        _spec(
            SUPPLY_GAPS,
            "Months in which a finished good cannot be supplied in full, the quantity and "
            "revenue at risk, and the component (or the overloaded resource, gap_type capacity) "
            "that limits it: the base plan replayed against what can arrive in time and what "
            "the resources can make.",
            [*INPUTS, MATERIAL_REQUIREMENTS, CAPACITY_PLAN],
        ),
        _spec(
            SHELF_LIFE_RISK,
            "Lots that will not be consumed before expiry (first-expiry, first-out against the "
            "forecast and the components' dependent demand), slow movers and phase-out stock.",
            [*INPUTS, MATERIAL_REQUIREMENTS],
        ),
        _spec(
            EXCESS_OBSOLETE,
            "Excess and obsolete stock per item, summed from the lots at risk.",
            [SHELF_LIFE_RISK],
        ),
        _spec(
            SERVICE_CASH_TRADEOFF,
            "Inventory investment (safety plus cycle stock at cost) against service level "
            "across the portfolio, with the expected fill rate; the current policy's point is "
            "marked.",
            [*INPUTS, INVENTORY_POLICY],
        ),
    ],
    partitions_def=monthly_partitions,
    name="supply_plan",
)
def supply_plan(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, settings: SettingsResource
) -> Iterator[dg.MaterializeResult]:
    """The plan month's supply plan: its inputs read once, planned once, eight tables."""
    month, config = plan_month(context), settings.load()
    with warehouse.get_connection() as con:
        inputs = read_planning_inputs(con, month, config)
    plan = plan_supply(
        inputs,
        default_service_level=config.inventory.default_service_level,
        review_period_months=config.inventory.review_period_months,
        slow_mover_months=config.inventory.slow_mover_months,
        service_levels=config.inventory.tradeoff_service_levels,
        max_prebuild_months=config.capacity.max_prebuild_months,
        min_remaining_shelf_months=config.capacity.min_remaining_shelf_life_months,
    )
    with warehouse.get_connection() as con:
        rows = {
            f.name: write_plan_month(con, f"sop_mart.{f.name}", getattr(plan, f.name), month)
            for f in fields(SupplyPlan)
        }
    for name, metadata in _metadata(plan).items():
        key = dg.AssetKey(["sop_mart", name])
        yield mart_result(f"sop_mart.{name}", rows[name], asset_key=key, metadata=metadata)


def _metadata(plan: SupplyPlan) -> dict[str, dict[str, object]]:
    """The headline figures of each supply table, by table name (the order they are yielded)."""
    policy, targets, mrp = plan.inventory_policy, plan.inventory_targets, plan.material_requirements
    gaps, risk = plan.supply_gaps, plan.shelf_life_risk
    past_due = mrp[mrp["release_past_due"]]
    base = mrp[mrp["scenario"] == "base"]
    by_month = targets.groupby("month", as_index=False)["safety_stock"].sum()
    by_reason = risk.groupby("reason", as_index=False)[["qty_at_risk", "value_at_risk"]].sum()
    return {
        "inventory_policy": {
            "on_hand_value": float(policy["on_hand_value"].sum()),
            "target_inventory_value": float(policy["target_inventory_value"].sum()),
            "items_below_reorder_point": int(
                (policy["on_hand_qty"] + policy["on_order_qty"] < policy["reorder_point"]).sum()
            ),
        },
        "inventory_targets": {
            "safety_stock_units_by_month": dg.MetadataValue.md(markdown_table(by_month, 24)),
        },
        "material_requirements": {
            "items_planned": int(base["item"].nunique()),
            "planned_releases_base": int((base["planned_release_qty"] > 0).sum()),
            "releases_past_due": int(past_due["item"].nunique()),
            "past_due_releases": dg.MetadataValue.md(
                markdown_table(past_due[["scenario", "item", "month", "planned_release_qty"]])
            ),
        },
        "capacity_plan": _capacity_metadata(plan.capacity_plan),
        "supply_gaps": {
            "revenue_at_risk": float(gaps["revenue_at_risk"].fillna(0).sum()),
            "margin_at_risk": float(gaps["margin_at_risk"].fillna(0).sum()),
            "items_short": int(gaps["item"].nunique()),
            "capacity_gaps": int((gaps["gap_type"] == "capacity").sum()),
        },
        "shelf_life_risk": {
            "value_at_risk": float(risk["value_at_risk"].sum()),
            "by_reason": dg.MetadataValue.md(markdown_table(by_reason)),
        },
        "excess_obsolete": {"total_value": float(plan.excess_obsolete["total_value"].sum())},
        "service_cash_tradeoff": {},
    }


def _capacity_metadata(plan: pd.DataFrame) -> dict[str, object]:
    base = plan[plan["scenario"] == "base"]
    peaks = (
        base.sort_values("utilisation", ascending=False)
        .drop_duplicates("resource")[["resource", "month", "load", "capacity", "utilisation"]]
        .sort_values("resource")
    )
    return {
        "resources": int(base["resource"].nunique()),
        "overloaded_months_base": int((base["overload"] > 0).sum()),
        "overload_base": float(base["overload"].sum()),
        "overtime_cost_base": float(base["overtime_cost"].sum()),
        "margin_at_risk_base": float(base["margin_at_risk"].sum()),
        "prebuild_load_base": float(base["prebuild_load"].sum()),
        "peak_month_by_resource": dg.MetadataValue.md(markdown_table(peaks, 20)),
    }
