"""Time-phased, multi-level material requirements planning (MRP), vectorised by BOM level.

Conventions (monthly buckets ``t = 1..horizon`` after the plan month):

- Gross requirement = independent demand (the finished-goods plan) + dependent demand: each
  parent's planned release in month ``t`` times ``qty_per / (1 - scrap_rate)`` (see
  :mod:`.bom`), needed in the parent's release month; where the stock count still holds the
  components of open production orders (``supply.open_production_components: at_receipt``),
  each open order's components in the month it is received.
- Usable stock is held in expiry buckets (:mod:`.lots`): a lot counts only in months in which it
  is still in date at month end; stock is consumed first-expiry-first-out and what is left when it
  expires drops out (``expired_qty``). Receipts get the item's shelf life from their arrival.
- Open orders are scheduled receipts in the month of their due date. An order already past due
  at the plan month's close is late: it is assumed to arrive ``late_po_delay_months`` after
  month 1 (setting ``supply.late_po_delay_months``, default 1: month 2), or its lead time after
  the close when that is sooner (:func:`~sop_pipeline.supply.network.arrival_month`).
- Net requirement with a time-phased safety stock as a target:
  ``net_t = max(0, gross_t + SS_t - (usable stock after expiry + scheduled receipts_t))``.
- Lot sizing: ``q = max(net, moq)`` rounded up to the order multiple (lot-for-lot when neither
  is set); the receipt is planned in the month of need. Phase-out items hold no safety stock
  and are planned lot-for-lot: nothing is bought beyond what their remaining demand needs after
  stock.
- Firm planned orders (a pre-build the meeting decided): the receipt of a month is at least
  the firm quantity, exploded to the components like any planned order.
- Lead-time offset: release month ``t - L`` with ``L = ceil(lead_time_days / 30.4375)`` (rounded
  up, so a lead time is never shortened). A release that falls in the plan month or earlier
  should already have happened: it is shown in month 1 and flagged ``release_past_due`` (the
  receipt stays where it is needed, so projected on-hand never goes below the safety stock;
  :mod:`.gaps` reports what cannot arrive in time).
- Scenarios: ``base`` plans the forecast with the full safety stock. ``upside`` plans the upper
  80 % bound (``hi80``), whose excess over the base demand is itself a buffer, so it holds only
  the part of the safety stock that excess does not cover: ``SS_up_t = max(0, SS_t - (gross_up_t -
  gross_base_t))``; each month the upside covers ``max(hi80, forecast + SS)`` (finished goods),
  never the two buffers stacked.

References:
    Ptak & Smith, *Orlicky's Material Requirements Planning*, 3rd ed. (netting, lot sizing,
    offsetting, low-level codes); Silver, Pyke & Thomas, *Inventory and Production Management in
    Supply Chains*, 4th ed. (MRP with safety stock and lot sizing); APICS Dictionary, 16th ed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.supply import lots
from sop_pipeline.supply._common import QTY_TOL
from sop_pipeline.supply.inputs import SCENARIO_COLUMNS, PlanningInputs, scenario_demand
from sop_pipeline.supply.network import PlanningNetwork, build_network

__all__ = [
    "MRP_COLUMNS",
    "SCENARIO_COLUMNS",
    "MrpPlan",
    "lot_size",
    "mrp_frame",
    "plan_network",
    "plan_scenarios",
    "run_mrp",
    "scenario_demand",
]

MRP_COLUMNS = [
    "scenario",
    "item",
    "month",
    "level_code",
    "lead_time_months",
    "gross_qty",
    "open_order_draw_qty",
    "scheduled_receipts",
    "expired_qty",
    "projected_on_hand",
    "safety_stock",
    "net_qty",
    "planned_receipt_qty",
    "planned_release_qty",
    "release_past_due",
    "past_due_release_qty",
]


@dataclass(frozen=True)
class MrpPlan:
    """MRP results as ``(items, horizon)`` arrays in the network's item order.

    ``past_due`` (one value per item) is the quantity of releases that fall before month 1 and
    are shown in month 1.
    """

    gross: np.ndarray
    expired: np.ndarray
    on_hand: np.ndarray
    net: np.ndarray
    receipt: np.ndarray
    release: np.ndarray
    past_due: np.ndarray
    safety_stock: np.ndarray  # the safety stock planned against (scenario buffer applied)


def lot_size(net: np.ndarray, moq: np.ndarray, multiple: np.ndarray) -> np.ndarray:
    """Order quantity covering a net requirement under a minimum and a multiple.

    Formula: ``q = 0`` if ``net <= 0``, else ``ceil(max(net, moq) / m) * m`` for an order
    multiple ``m > 0`` and ``max(net, moq)`` otherwise (lot-for-lot with a minimum). The result
    is the smallest quantity that covers ``net``, respects the MOQ, and is a multiple of ``m``.

    Args:
        net: Net requirement(s).
        moq: Minimum order quantity (0: none).
        multiple: Order multiple (0: none).

    Returns:
        Planned order quantity, same shape as ``net``.

    References:
        APICS Dictionary, 16th ed., "minimum order quantity", "order multiple"; Silver, Pyke &
        Thomas, 4th ed., lot sizing with order-quantity constraints.
    """
    net = np.asarray(net, dtype=float)
    moq = np.broadcast_to(np.asarray(moq, dtype=float), net.shape)
    mult = np.broadcast_to(np.asarray(multiple, dtype=float), net.shape)
    qty = np.maximum(net, moq)
    steps = np.ceil(qty / np.where(mult > 0, mult, 1.0) - 1e-9)
    qty = np.where(mult > 0, steps * mult, qty)
    return np.where(net > 0, qty, 0.0)


def plan_network(
    net: PlanningNetwork, scenario: str = "base", base_gross: np.ndarray | None = None
) -> MrpPlan:
    """Net, lot-size and offset every item, one BOM level at a time (parents first).

    Within a level all items are netted together month by month (numpy over items), so the
    Python loop runs ``levels x horizon`` times whatever the number of items.

    Args:
        net: The planning network.
        scenario: Whose independent demand is planned (built into ``net``).
        base_gross: The base plan's gross requirements, for a scenario above it: the safety
            stock is then reduced by the scenario's extra gross requirement, ``max(0, SS -
            (gross - base_gross))`` (module docstring).
    """
    n, horizon = len(net.items), net.horizon
    gross = net.demand[scenario].copy()
    if net.committed is not None:
        gross += net.committed  # open production orders draw their components when received
    shape = (n, horizon)
    expired, on_hand, net_qty, receipt, release = (np.zeros(shape) for _ in range(5))
    safety = net.safety_stock.copy()
    past_due = np.zeros(n)
    months = np.arange(1, horizon + 1)
    parent_level = net.level[net.edge_parent]
    for level in range(int(net.level.max()) + 1 if n else 0):
        rows = np.flatnonzero(net.level == level)
        stock = net.stock[rows].copy()
        arrive_bucket = np.minimum(months[None, :] + net.shelf[rows, None] - 1, horizon + 1)
        g, sr, ss = gross[rows], net.scheduled[rows], safety[rows]
        if base_gross is not None:
            ss = np.maximum(0.0, ss - np.maximum(g - base_gross[rows], 0.0))
            safety[rows] = ss
        moq, mult = net.moq[rows], net.multiple[rows]
        firm = net.firm[rows] if net.firm is not None and net.firm[rows].any() else None
        rec = np.zeros((len(rows), horizon))
        for j in range(horizon):
            expired[rows, j] = lots.expire(stock, j + 1)
            lots.add(stock, sr[:, j], arrive_bucket[:, j])
            need = g[:, j] + ss[:, j] - stock.sum(axis=1)
            need = np.where(need > QTY_TOL * np.maximum(1.0, g[:, j] + ss[:, j]), need, 0.0)
            net_qty[rows, j] = need
            rec[:, j] = lot_size(need, moq, mult)
            if firm is not None:  # a firm planned order is planned whatever the netting says
                rec[:, j] = np.maximum(rec[:, j], firm[:, j])
            lots.add(stock, rec[:, j], arrive_bucket[:, j])
            lots.consume_fefo(stock, g[:, j])
            on_hand[rows, j] = stock.sum(axis=1)
        receipt[rows] = rec
        rel_month = months[None, :] - net.lead[rows, None]
        late = rel_month < 1
        flat = np.arange(len(rows))[:, None] * horizon + np.maximum(rel_month, 1) - 1
        release[rows] = np.bincount(
            flat.ravel(), weights=rec.ravel(), minlength=len(rows) * horizon
        ).reshape(len(rows), horizon)
        past_due[rows] = np.where(late, rec, 0.0).sum(axis=1)
        sel = np.flatnonzero(parent_level == level)
        if len(sel):
            add_rows(
                gross,
                net.edge_comp[sel],
                release[net.edge_parent[sel]] * net.edge_factor[sel, None],
            )
    return MrpPlan(gross, expired, on_hand, net_qty, receipt, release, past_due, safety)


def add_rows(target: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``target[rows[k]] += values[k]`` for every k, repeated rows summed (sort + reduceat)."""
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    target[sorted_rows[starts]] += np.add.reduceat(values[order], starts, axis=0)


def plan_scenarios(
    net: PlanningNetwork, scenarios: Sequence[str] = ("base",)
) -> dict[str, MrpPlan]:
    """:func:`plan_network` for each scenario; the base plan is computed once and every other
    scenario holds only the safety stock its extra demand over the base does not cover."""
    base = plan_network(net, "base")
    return {
        s: base if s == "base" else plan_network(net, s, base_gross=base.gross) for s in scenarios
    }


def run_mrp(inputs: PlanningInputs, scenarios: Sequence[str] = ("base",)) -> pd.DataFrame:
    """Multi-level MRP over the horizon for each scenario, stacked (the
    ``material_requirements`` table).

    Formulas per item and month ``t`` (see the module docstring for the conventions):
    ``gross_t = demand_t + sum_parents (release_parent,t + open orders received_parent,t when
    they draw components at receipt) * qty_per / (1 - scrap)``;
    ``net_t = max(0, gross_t + SS_t - (POH_{t-1} - expired_t + SR_t))``;
    ``receipt_t = lot_size(net_t)``; ``POH_t = POH_{t-1} - expired_t + SR_t + receipt_t -
    gross_t``; ``release_{t-L} = receipt_t`` (month 1 and ``release_past_due`` when
    ``t - L < 1``). A scenario other than ``base`` plans with ``SS_t`` reduced by its extra
    gross requirement over the base plan.

    Args:
        inputs: The plan month's inputs (demand from the forecast of each scenario, safety
            stock, horizon, late-order delay).
        scenarios: Scenarios of :data:`SCENARIO_COLUMNS` to plan, in output order.

    Returns:
        One row per scenario, item and month for every item with demand, stock, open orders or
        planned orders; columns :data:`MRP_COLUMNS`: ``gross_qty`` (independent + dependent
        demand), ``open_order_draw_qty`` (the part of it the open production orders draw when
        received, ``supply.open_production_components: at_receipt``), ``scheduled_receipts``
        (open orders due that month; late ones ``late_po_delay_months`` after month 1),
        ``expired_qty`` (usable stock that expires that month; month 1 includes lots already
        out of date at the plan date),
        ``projected_on_hand`` (usable stock at month end, after planned receipts; never below
        ``safety_stock``, the safety stock planned against), ``net_qty``,
        ``planned_receipt_qty``, ``planned_release_qty`` (month 1 includes past-due releases),
        ``release_past_due`` and ``past_due_release_qty`` (set on month 1 only),
        ``level_code``, ``lead_time_months``.

    Raises:
        ValueError: on bad inputs (missing columns, unknown items, negative quantities, a BOM
            cycle).

    References:
        Ptak & Smith, *Orlicky's Material Requirements Planning*, 3rd ed.; APICS Dictionary.
    """
    net = build_network(inputs, scenarios)
    plans = plan_scenarios(net, scenarios)
    return pd.concat([mrp_frame(net, plans[s], s) for s in scenarios], ignore_index=True)


def mrp_frame(net: PlanningNetwork, plan: MrpPlan, scenario: str) -> pd.DataFrame:
    """Lay an :class:`MrpPlan` out as the ``material_requirements`` table (active items only)."""
    active = (
        (plan.gross > 0).any(axis=1)
        | (net.stock.sum(axis=1) > 0)
        | (net.scheduled > 0).any(axis=1)
        | (plan.receipt > 0).any(axis=1)
    )
    rows = np.flatnonzero(active)
    horizon = net.horizon
    past_due_qty = np.zeros((len(rows), horizon))
    past_due_qty[:, 0] = plan.past_due[rows]
    frame = pd.DataFrame(
        {
            "scenario": scenario,
            "item": np.repeat(net.items.to_numpy()[rows], horizon),
            "month": np.tile(net.months.to_numpy(), len(rows)),
            "level_code": np.repeat(net.level[rows], horizon),
            "lead_time_months": np.repeat(net.lead[rows], horizon),
            "gross_qty": plan.gross[rows].ravel(),
            "open_order_draw_qty": (
                net.committed[rows] if net.committed is not None else np.zeros((len(rows), horizon))
            ).ravel(),
            "scheduled_receipts": net.scheduled[rows].ravel(),
            "expired_qty": plan.expired[rows].ravel(),
            "projected_on_hand": plan.on_hand[rows].ravel(),
            "safety_stock": plan.safety_stock[rows].ravel(),
            "net_qty": plan.net[rows].ravel(),
            "planned_receipt_qty": plan.receipt[rows].ravel(),
            "planned_release_qty": plan.release[rows].ravel(),
            "release_past_due": past_due_qty.ravel() > 0,
            "past_due_release_qty": past_due_qty.ravel(),
        }
    )
    return frame[MRP_COLUMNS]
