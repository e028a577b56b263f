"""A solved model read back as plan arrays, with purchases lot-sized afterwards.

Lot sizes (MOQ, order multiples) are applied to the constrained plan's *purchases* after the
solve, not inside it: the plan's purchase orders are rounded up in order, each month ordering
what the plan's cumulative purchases still need beyond what earlier rounded orders brought
(so the rounded plan is never short of the plan and at most one lot ahead), and the extra
stock is carried; an expedite is rounded up to its item's lot the same way. Production is
kept as the plan sets it. Why not a mixed-integer model:
lot-size variables make it a MIP, which gives no shadow prices (the prices are what the
meeting decides with) and which HiGHS solves in minutes, not seconds, at 10,000 items;
rounding production afterwards would re-time the component demand the plan balanced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sop_pipeline.balance.model import LpModel
from sop_pipeline.balance.problem import PlanProblem
from sop_pipeline.supply.mrp import lot_size

TOL = 1e-6
"""Quantities below this are treated as zero (the solver's tolerance)."""


@dataclass(frozen=True)
class PlanArrays:
    """One solved plan as ``(items, months)`` arrays (``(resources, months)`` for capacity).

    ``receipts`` and ``releases`` are lot-sized for purchased items; ``inventory`` carries
    the extra stock the rounding brings. ``buffer`` is the stock held up to the safety-stock
    target. ``scheduled`` is the open orders received: all of them, but the part of an open
    production order its components do not allow (``unfinished``).
    """

    sales: np.ndarray
    lost: np.ndarray
    releases: np.ndarray
    receipts: np.ndarray
    expedited: np.ndarray
    consumption: np.ndarray
    inventory: np.ndarray
    plan_inventory: np.ndarray
    buffer: np.ndarray
    overtime: np.ndarray
    load: np.ndarray
    cash_excess: np.ndarray
    scheduled: np.ndarray
    unfinished: np.ndarray

    @property
    def supply(self) -> np.ndarray:
        """Stock available to sell in each month: sold plus left at its end, or only what was
        sold where the plan lost sales - what it left at the end of such a month could not be
        sold in it (it arrived too late in the month, or a shelf life or a later month held
        it), or the plan would have sold it."""
        return np.where(self.lost > TOL, self.sales, self.sales + self.inventory)


def _received(problem: PlanProblem, releases: np.ndarray) -> np.ndarray:
    """Releases moved to their arrival month (``+ floor(l)``); later than the horizon: gone."""
    n, horizon = releases.shape
    out = np.zeros_like(releases)
    months = np.arange(horizon)
    target = months[None, :] + problem.lead_whole[:, None]
    keep = target < horizon
    rows = np.broadcast_to(np.arange(n)[:, None], releases.shape)
    np.add.at(out, (rows[keep], target[keep]), releases[keep])
    return out


def lot_sized(problem: PlanProblem, releases: np.ndarray) -> np.ndarray:
    """Purchased items' releases rounded to their MOQ and order multiple in order, following
    the plan's cumulative releases (module docstring); produced items' stay as planned."""
    rounded = releases.copy()
    buy = ~problem.produced & ((problem.moq > 0) | (problem.multiple > 0))
    if not buy.any():
        return rounded
    planned = np.cumsum(releases[buy], axis=1)
    ordered = np.zeros(int(buy.sum()))
    out = np.zeros_like(planned)
    for t in range(planned.shape[1]):
        need = planned[:, t] - ordered
        qty = lot_size(np.where(need > TOL, need, 0.0), problem.moq[buy], problem.multiple[buy])
        out[:, t] = qty
        ordered += qty
    rounded[buy] = out
    return rounded


def read_plan(problem: PlanProblem, model: LpModel, x: np.ndarray) -> PlanArrays:
    """The plan arrays of solution ``x`` (negative solver noise clipped to 0)."""

    def value(name: str) -> np.ndarray:
        return np.maximum(model.value(x, name), 0.0)

    releases = value("y")
    sales = np.minimum(value("s"), problem.demand)
    buffer, excess = value("b"), value("e")
    plan_inventory = buffer + excess
    expedited = np.zeros_like(releases)
    if model.expedite_month >= 0:
        z = value("z")
        # an expedite is a purchase order too: its MOQ and multiple, the extra carried
        expedited[:, model.expedite_month] = lot_size(
            np.where(z > TOL, z, 0.0), problem.moq, problem.multiple
        )
        over = expedited[:, model.expedite_month] - z
    rounded = lot_sized(problem, releases)
    receipts = _received(problem, rounded)
    extra = np.cumsum(receipts - _received(problem, releases), axis=1)
    if model.expedite_month >= 0:
        extra[:, model.expedite_month :] += np.maximum(over, 0.0)[:, None]
    unfinished = value("u")
    consumption = problem.consumption(releases) + problem.component_draw(unfinished)
    load = problem.fixed_load.copy()
    if len(problem.route_item):
        produced = _received(problem, releases)[problem.route_item]
        np.add.at(load, problem.route_resource, produced * problem.route_hours[:, None])
    return PlanArrays(
        sales=sales,
        lost=np.maximum(problem.demand - sales, 0.0),
        releases=rounded,
        receipts=receipts,
        expedited=expedited,
        consumption=consumption,
        inventory=plan_inventory + np.maximum(extra, 0.0),
        plan_inventory=plan_inventory,
        buffer=np.minimum(plan_inventory, problem.safety_stock),
        overtime=value("ot"),
        load=load,
        cash_excess=value("v"),
        scheduled=problem.scheduled - unfinished,
        unfinished=unfinished,
    )
