"""A solved plan laid out as the ``constrained_plan`` and ``constrained_capacity`` tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.balance.prices import explosion
from sop_pipeline.balance.problem import PlanProblem
from sop_pipeline.balance.solution import PlanArrays

QUANTITY_COLUMNS = [
    "demand_qty",
    "sales_qty",
    "lost_sales_qty",
    "release_qty",
    "receipt_qty",
    "scheduled_receipts",
    "expedited_qty",
    "consumption_qty",
    "inventory_qty",
]
"""The constrained plan's unit quantities (none may be negative)."""
PLAN_COLUMNS = [
    "scenario",
    "item",
    "month",
    "item_type",
    *QUANTITY_COLUMNS,
    "safety_stock_target",
    "planned_buffer",
    "buffer_shortfall",
    "net_price",
    "unit_cost",
    "sales_revenue",
    "sales_margin",
    "lost_margin",
    "inventory_value",
    "purchase_spend",
]

CAPACITY_COLUMNS = [
    "scenario",
    "resource",
    "month",
    "description",
    "load",
    "fixed_load",
    "capacity",
    "overtime_capacity",
    "overtime_used",
    "overtime_cost",
    "utilisation",
    "spare",
    "shadow_price",
]


def purchases(problem: PlanProblem, plan: PlanArrays) -> np.ndarray:
    """Units bought each month (bought items only): new receipts, open orders, expedites."""
    bought = (~problem.produced)[:, None]
    return np.where(bought, plan.receipts + plan.scheduled + plan.expedited, 0.0)


def materials_sold(problem: PlanProblem, plan: PlanArrays) -> np.ndarray:
    """Cost of the bought items each month's sales contain (a bought item's own cost, a made
    one's bought components through the BOM, scrap included): what buying back what was sold
    costs, month by month."""
    return materials_in(problem, plan.sales)


def materials_in(problem: PlanProblem, qty: np.ndarray) -> np.ndarray:
    """Cost of the bought items ``qty`` (``(items, months)`` of finished goods) contain, by
    month (:func:`materials_sold`)."""
    bought_cost = np.where(problem.produced, 0.0, problem.cost)
    content = np.where(problem.produced, explosion(problem) @ bought_cost, problem.cost)
    return (qty * content[:, None]).sum(axis=0)


def plan_frame(problem: PlanProblem, plan: PlanArrays, scenario: str) -> pd.DataFrame:
    """One row per item and month of the horizon (:data:`PLAN_COLUMNS`)."""
    n, horizon = problem.n_items, problem.horizon
    margin = np.maximum(problem.margin, 0.0)[:, None]
    flat = {
        "demand_qty": problem.demand,
        "sales_qty": plan.sales,
        "lost_sales_qty": plan.lost,
        "release_qty": plan.releases,
        "receipt_qty": plan.receipts,
        "scheduled_receipts": plan.scheduled,
        "expedited_qty": plan.expedited,
        "consumption_qty": plan.consumption,
        "inventory_qty": plan.inventory,
        "safety_stock_target": problem.safety_stock,
        "planned_buffer": plan.buffer,
        "buffer_shortfall": np.maximum(problem.safety_stock - plan.buffer, 0.0),
        "sales_revenue": plan.sales * problem.price[:, None],
        "sales_margin": plan.sales * (problem.price - problem.cost)[:, None],
        "lost_margin": plan.lost * margin,
        "inventory_value": plan.inventory * problem.cost[:, None],
        "purchase_spend": purchases(problem, plan) * problem.cost[:, None],
    }
    frame = pd.DataFrame({k: np.asarray(v, dtype=float).ravel() for k, v in flat.items()})
    frame.insert(0, "scenario", scenario)
    frame.insert(1, "item", np.repeat(problem.items.to_numpy(), horizon))
    frame.insert(2, "month", np.tile(problem.months.to_numpy(), n))
    frame.insert(
        3, "item_type", np.repeat(np.where(problem.finished, "finished_good", "component"), horizon)
    )
    frame["net_price"] = np.repeat(problem.price, horizon)
    frame["unit_cost"] = np.repeat(problem.cost, horizon)
    return frame[PLAN_COLUMNS]


def capacity_frame(
    problem: PlanProblem,
    plan: PlanArrays,
    shadow_price: np.ndarray,
    scenario: str,
    descriptions: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per resource and month (:data:`CAPACITY_COLUMNS`): the plan's load (open
    production orders included), capacity, overtime and the hour's shadow price."""
    names = problem.resources.to_numpy()
    r, horizon = len(names), problem.horizon
    if r == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CAPACITY_COLUMNS})
    capacity = problem.capacity
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = np.where(capacity > 0, plan.load / capacity, np.nan)
    descriptions = descriptions or {}
    frame = pd.DataFrame(
        {
            "scenario": scenario,
            "resource": np.repeat(names, horizon),
            "month": np.tile(problem.months.to_numpy(), r),
            "description": np.repeat([descriptions.get(n) for n in names], horizon),
            "load": plan.load.ravel(),
            "fixed_load": problem.fixed_load.ravel(),
            "capacity": capacity.ravel(),
            "overtime_capacity": problem.overtime_capacity.ravel(),
            "overtime_used": plan.overtime.ravel(),
            "overtime_cost": (plan.overtime * problem.overtime_rate[:, None]).ravel(),
            "utilisation": utilisation.ravel(),
            "spare": (capacity + problem.overtime_capacity - plan.load).ravel(),
            "shadow_price": np.maximum(shadow_price, 0.0).ravel(),
        }
    )
    return frame[CAPACITY_COLUMNS]
