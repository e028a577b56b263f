"""One plan month's whole supply plan, from one :class:`PlanningInputs`.

The order of the month: the inventory policy and its time-phased targets; the MRP of every
scenario against those targets on one :class:`~sop_pipeline.supply.network.PlanningNetwork`
(the base plan computed once, the upside holding only the buffer its extra demand does not
cover); the rough-cut capacity plan of the MRP's production orders (:mod:`.capacity`); the supply
gaps, replaying that same base plan, with the capacity gaps of overloaded resources combined
in; the shelf-life risk of the lots against
the base plan's demand (finished goods' forecast, components' dependent demand); excess and
obsolete stock; the service-level versus cash curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from sop_pipeline.supply.capacity import (
    MAX_PREBUILD_MONTHS,
    MIN_REMAINING_SHELF_MONTHS,
    capacity_gaps,
    combine_gaps,
    plan_rough_cut,
)
from sop_pipeline.supply.gaps import gaps_frame, replay_supply
from sop_pipeline.supply.inputs import SCENARIO_COLUMNS, PlanningInputs
from sop_pipeline.supply.mrp import mrp_frame, plan_scenarios
from sop_pipeline.supply.network import build_network
from sop_pipeline.supply.obsolescence import excess_and_obsolete
from sop_pipeline.supply.policy import plan_inventory
from sop_pipeline.supply.shelf_life import shelf_life_risk
from sop_pipeline.supply.tradeoff import DEFAULT_SERVICE_LEVELS, service_cash_tradeoff


@dataclass(frozen=True)
class SupplyPlan:
    """The supply tables of one plan month (columns as the ``*_COLUMNS`` of the package)."""

    inventory_policy: pd.DataFrame
    inventory_targets: pd.DataFrame
    material_requirements: pd.DataFrame
    capacity_plan: pd.DataFrame
    supply_gaps: pd.DataFrame
    shelf_life_risk: pd.DataFrame
    excess_obsolete: pd.DataFrame
    service_cash_tradeoff: pd.DataFrame


def consumption_demand(finished: pd.DataFrame, requirements: pd.DataFrame) -> pd.DataFrame:
    """What consumes each item's lots, ``item, month, qty``: finished goods' independent demand
    and, for the other items, the base plan's gross requirement (dependent demand)."""
    base = requirements.loc[requirements["scenario"] == "base", ["item", "month", "gross_qty"]]
    dependent = base[~base["item"].isin(finished["item"])].rename(columns={"gross_qty": "qty"})
    return pd.concat([finished, dependent], ignore_index=True)


def plan_supply(
    inputs: PlanningInputs,
    *,
    default_service_level: float = 0.95,
    review_period_months: float = 1.0,
    slow_mover_months: float = 12.0,
    service_levels: Sequence[float] = DEFAULT_SERVICE_LEVELS,
    max_prebuild_months: int = MAX_PREBUILD_MONTHS,
    min_remaining_shelf_months: float = MIN_REMAINING_SHELF_MONTHS,
) -> SupplyPlan:
    """Plan the month's supply from its inputs, read once.

    MRP plans against the time-phased safety stock of the policy planned here
    (``inputs.safety_stock`` is not used). The network is built once for every scenario of
    :data:`SCENARIO_COLUMNS` and the base MRP computed once; the gaps replay that base plan.

    Args:
        inputs: The plan month's inputs (:func:`sop_pipeline.supply.assets.read_planning_inputs`).
        default_service_level: Cycle service level of items without one.
        review_period_months: Review period of the policy (the planning cycle).
        slow_mover_months: Months of cover above which stock is excess.
        service_levels: The grid of the service-level versus cash curve.
        max_prebuild_months, min_remaining_shelf_months: The limits of pre-building into
            earlier months' spare capacity (:mod:`.capacity`).

    Raises:
        ValueError: on bad inputs, as the planning functions of the package.
    """
    demand = inputs.demand("base")
    inventory = plan_inventory(
        inputs.items,
        inputs.bom,
        demand,
        inputs.forecast_errors,
        inputs.on_hand,
        inputs.open_orders,
        inputs.plan_month,
        horizon=inputs.horizon,
        default_service_level=default_service_level,
        review_period_months=review_period_months,
    )
    targets = inventory.targets[["item", "month", "safety_stock"]]
    scenarios = tuple(SCENARIO_COLUMNS)
    net = build_network(replace(inputs, safety_stock=targets), scenarios)
    plans = plan_scenarios(net, scenarios)
    requirements = pd.concat([mrp_frame(net, plans[s], s) for s in scenarios], ignore_index=True)
    cut = plan_rough_cut(
        requirements,
        inputs.items,
        inputs.resources,
        inputs.routings,
        inputs.capacity_overrides,
        inputs.plan_month,
        horizon=inputs.horizon,
        max_prebuild_months=max_prebuild_months,
        min_remaining_shelf_months=min_remaining_shelf_months,
        forecast=inputs.forecast,
    )
    lost_sales = capacity_gaps(  # valued as the material gaps: the network's prices and costs
        cut.lost,
        requirements[requirements["scenario"] == "base"],
        demand,
        pd.Series(net.unit_price, index=net.items),
        pd.Series(net.unit_cost, index=net.items),
    )
    risk = shelf_life_risk(
        inputs.items,
        inputs.on_hand,
        consumption_demand(demand, requirements),
        inputs.plan_month,
        horizon=inputs.horizon,
        slow_mover_months=slow_mover_months,
    )
    curve = service_cash_tradeoff(
        inputs.items,
        inputs.bom,
        demand,
        inputs.forecast_errors,
        inputs.plan_month,
        service_levels=service_levels,
        horizon=inputs.horizon,
        default_service_level=default_service_level,
        review_period_months=review_period_months,
    )
    return SupplyPlan(
        inventory_policy=inventory.policy,
        inventory_targets=inventory.targets,
        material_requirements=requirements,
        capacity_plan=cut.plan,
        supply_gaps=combine_gaps(gaps_frame(net, replay_supply(net, plans["base"])), lost_sales),
        shelf_life_risk=risk,
        excess_obsolete=excess_and_obsolete(risk),
        service_cash_tradeoff=curve,
    )
