"""A month-by-month supply simulation: orders, receipts in lots, shipments, expiry write-offs.

Every item follows a simple order-up-to policy reviewed at month end: the planner's forecast
(half the last three months, half the expected baseline; promotions and key-account orders are
not anticipated) covers the lead time plus a month plus some safety stock, lot-sized by MOQ and
order multiple. Production and purchase orders arrive after their lead time, sometimes late.
Finished goods ship first-expiry-first-out from stock; demand beyond stock is lost (a
stock-out). Components are issued when their parent is produced; a shortfall is expedited.

An optional supplier disruption hits one purchased item near the end of the history: the
supplier ships only part of its open orders and confirms new ones in part and late, and planners
release no more of the item's parents than its stock can serve, so their stock runs down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sop_pipeline.sample_data.months import MonthAxis
from sop_pipeline.sample_data.structure import BomIndex

LATE_SHARE = 0.03  # orders hit by a supplier or line disruption
LAST_BATCH_MONTHS = 10.0  # the phase-out item's last production covers this many months
REVIEW_COVER = 0.5  # receipts arrive mid-month: half the review month to cover
LAST_BATCH_BACK = 5  # months before the end of history of the phase-out item's last batch
RECEIPTS_AHEAD = 12  # months after the history whose receipts are tracked (availability checks)
MIN_SLIP_DAYS = 30  # a disrupted order is due at least this much later than first agreed


@dataclass(frozen=True)
class Surcharge:
    """A one-month cost change of some items (lots received that month carry it)."""

    month: int
    mask: np.ndarray
    factor: float


@dataclass(frozen=True)
class Disruption:
    """A supplier that puts one purchased item on allocation from month ``start`` on.

    Orders still open at ``start`` are cut to ``allocation`` of their quantity (rounded up to
    the order multiple) and shipped by their due date (late ones at ``start_day``); the month
    folders before ``start`` show them as first placed, the supplier announcing the cut in
    ``start``. Orders placed from ``start`` on are confirmed at once, cut the same way and due
    no earlier than ``resume_day`` plus half their normal due date's distance from
    ``start_day`` (and at least ``MIN_SLIP_DAYS`` later than normal).
    """

    item: int
    start: int  # month index
    start_day: int  # first day of month ``start``, days since 1970-01-01
    resume_day: int  # new orders are not due before this day
    allocation: float

    def cut(self, qty: float, mult: float) -> float:
        """The quantity the supplier confirms of an order of ``qty``."""
        return float(min(qty, np.ceil(np.round(qty * self.allocation / mult, 6)) * mult))

    def due(self, due_day: int) -> int:
        """The due day the supplier confirms for a new order normally due on ``due_day``."""
        later = self.resume_day + max(0, due_day - self.start_day) // 2
        return int(max(due_day + MIN_SLIP_DAYS, later))


@dataclass
class SupplyResult:
    """What the simulation produced, as arrays indexed by item position and month."""

    shipped: np.ndarray  # finished goods x closed months
    lot_day: np.ndarray  # items x lots: day of receipt (lot 0 = opening stock, t + 1 = month t)
    lot_cost: np.ndarray  # items x lots: unit cost of the lot (NaN: none recorded)
    snapshots: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    orders: pd.DataFrame = field(default_factory=pd.DataFrame)  # as confirmed in the end
    expedited_qty: float = 0.0
    written_off_qty: float = 0.0


@dataclass(frozen=True)
class _Params:
    lead: np.ndarray
    lead_std: np.ndarray
    moq: np.ndarray
    mult: np.ndarray
    shelf: np.ndarray
    safety: np.ndarray
    each: np.ndarray
    cost: np.ndarray
    last_batch: np.ndarray  # phase-out finished goods: month of their last production order


def _params(items: pd.DataFrame, n_hist: int) -> _Params:
    def col(name: str, default: float) -> np.ndarray:
        return pd.to_numeric(items[name], errors="coerce").fillna(default).to_numpy(dtype=float)

    phase_out = items["status"].to_numpy() == "phase_out"
    return _Params(
        lead=col("lead_time_days", 14),
        lead_std=col("lead_time_std_days", 0),
        moq=col("moq", 0),
        mult=np.maximum(col("order_multiple", 1), 1e-9),
        shelf=col("shelf_life_days", np.nan),
        safety=items["_ss_months"].to_numpy(dtype=float),
        each=items["uom"].to_numpy() == "each",
        cost=col("unit_cost", 0),
        last_batch=np.where(phase_out, max(1, n_hist - LAST_BATCH_BACK), -1),
    )


def _lot_size(q: np.ndarray, p: _Params) -> np.ndarray:
    q = np.where(q > 0, np.maximum(q, p.moq), 0.0)
    return np.ceil(np.round(q / p.mult, 6)) * p.mult


def _order_up_to(
    forecast: np.ndarray, months_out: np.ndarray, position: np.ndarray, p: _Params
) -> np.ndarray:
    """Cover the lead time, half the review month and the safety stock, lot-sized."""
    target = forecast * (months_out + REVIEW_COVER + p.safety)
    return _lot_size(np.where(forecast > 0, target - position, 0.0), p)


def _made_to_order(
    qty: np.ndarray,
    forecast: np.ndarray,
    position: np.ndarray,
    bom: BomIndex,
    made_below: np.ndarray,
    p: _Params,
) -> None:
    """Bulks and bases are made for the orders just placed above them (level by level)."""
    for level in range(1, bom.depth + 1):
        at = made_below & (bom.low_level == level)
        if not at.any():
            continue
        need = bom.explode_once(qty) + p.safety * forecast - position
        qty[at] = _lot_size(np.where(need > 0, need, 0.0), p)[at]


def _cap_parents(
    qty: np.ndarray,
    stock: float,
    receipts: np.ndarray,
    t: int,
    d: Disruption,
    bom: BomIndex,
    p: _Params,
) -> None:
    """Release no more of the disrupted item's parents than its stock and next month's receipts
    can serve, after the parents' orders already due then (fair share, order multiples)."""
    edges = bom.child == d.item
    parents, per = bom.parent[edges], bom.qty[edges]
    room = stock + receipts[d.item, t + 1] - float((receipts[parents, t + 1] * per).sum())
    want = float((qty[parents] * per).sum())
    if want <= max(room, 0.0):
        return
    mult = p.mult[parents]
    scaled = qty[parents] * max(room, 0.0) / want
    qty[parents] = np.floor(np.round(scaled / mult, 6)) * mult


def _consume_fefo(lots: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Take ``out`` from the oldest lots first (columns are in receipt order)."""
    cum = np.cumsum(lots, axis=1)
    return np.minimum(lots, np.maximum(cum - out[:, None], 0.0))


def simulate(
    items: pd.DataFrame,
    bom: BomIndex,
    demand: np.ndarray,
    fg_mean: np.ndarray,
    axis: MonthAxis,
    rng: np.random.Generator,
    surcharge: Surcharge | None = None,
    disruption: Disruption | None = None,
) -> SupplyResult:
    """Run the supply chain over the closed months.

    Args:
        items: all items, finished goods first, with master and ``_ss_months`` columns.
        bom: the BOM indexed against ``items``.
        demand: realised ordered quantity of the finished goods, over at least the history.
        fg_mean: expected baseline demand of the finished goods over the whole axis.
        axis: the month axis.
        rng: the random generator of this stage.
        surcharge: an optional one-month cost change that the lots of that month carry.
        disruption: an optional supplier disruption of one purchased item.

    ``result.orders`` holds every order as finally confirmed (``qty``, ``due_day``) and as first
    placed (``placed_qty``, ``placed_due_day``), which the month folders before ``replan`` show.
    """
    n, n_fg, n_hist = len(items), fg_mean.shape[0], axis.n_hist
    p = _params(items, n_hist)
    top = np.zeros((n, axis.n_all))
    top[:n_fg] = fg_mean
    for i in np.flatnonzero(p.last_batch >= 0):
        top[i, p.last_batch[i] + 1 :] = 0.0
    expected = bom.explode_all(top)
    cum_expected = np.concatenate([np.zeros((n, 1)), np.cumsum(expected, axis=1)], axis=1)

    end_days, start_days = axis.end_days, axis.start_days
    cover0 = np.ceil(p.lead / 30.0) + 1.0 + p.safety
    opening = expected[:, 0] * cover0
    opening = np.where(p.each, np.ceil(opening), np.round(opening, 2))
    lots = np.zeros((n, n_hist + 1))
    lots[:, 0] = opening
    age = rng.integers(5, 120, n).astype(float)
    age = np.where(np.isnan(p.shelf), age, np.minimum(age, 0.4 * np.nan_to_num(p.shelf)))
    lot_day = np.full((n, n_hist + 1), np.iinfo(np.int64).max // 4, dtype=np.int64)
    lot_day[:, 0] = start_days[0] - age.astype(np.int64)
    lot_cost = np.full((n, n_hist + 1), np.nan)
    receipts = np.zeros((n, n_hist + RECEIPTS_AHEAD))
    d = disruption
    cancelled = 0.0  # quantity the disrupted supplier cuts from the orders open at its start
    on_order = np.zeros(n)
    used = np.zeros((n, n_hist))
    result = SupplyResult(
        shipped=np.zeros((n_fg, n_hist), dtype=np.int64), lot_day=lot_day, lot_cost=lot_cost
    )
    order_parts: list[pd.DataFrame] = []
    made_below = np.zeros(n, dtype=bool)
    made_below[bom.parent] = True
    made_below[:n_fg] = False

    for t in range(n_hist):
        got = receipts[:, t]
        on_order -= got
        if d is not None and t == d.start:
            on_order[d.item] -= cancelled
        lots[:, t + 1] = got
        noise = rng.lognormal(0.0, 0.03, n)
        if surcharge is not None and surcharge.month == t:
            noise = np.where(surcharge.mask, noise * surcharge.factor, noise)
        lot_cost[:, t + 1] = np.where(got > 0, p.cost * noise, np.nan)

        need = bom.explode_once(got)
        need = np.where(p.each, np.ceil(np.round(need, 6)), np.round(need, 3))
        need[:n_fg] = demand[:, t]
        used[:, t] = need
        live = lots[:, : t + 2]
        out = np.minimum(need, live.sum(axis=1))
        result.expedited_qty += float((need - out)[n_fg:].sum())
        result.shipped[:, t] = out[:n_fg].astype(np.int64)
        live = np.round(_consume_fefo(live, out), 3)
        expired = lot_day[:, : t + 2] + np.nan_to_num(p.shelf, nan=1e9)[:, None] <= end_days[t]
        result.written_off_qty += float(live[expired].sum())
        live[expired] = 0.0
        lots[:, : t + 2] = live
        rows, cols = np.nonzero(live > 0)
        result.snapshots.append((rows.astype(np.int32), cols.astype(np.int32), live[rows, cols]))

        due = end_days[t] + np.round(p.lead).astype(np.int64)
        months_out = axis.month_of_days(due) - t
        horizon = np.minimum(t + months_out + 1, axis.n_all)
        forward = (cum_expected[np.arange(n), horizon] - cum_expected[:, t + 1]) / (horizon - t - 1)
        recent = used[:, max(0, t - 2) : t + 1].mean(axis=1)
        weight = np.where(recent > 0, 0.5, 0.0)
        forecast = weight * recent + (1.0 - weight) * forward
        position = live.sum(axis=1) + on_order
        qty = _order_up_to(forecast, months_out, position, p)
        final = p.last_batch == t
        qty[final] = _lot_size(np.maximum(qty, LAST_BATCH_MONTHS * forecast), p)[final]
        qty[(p.last_batch >= 0) & (t > p.last_batch)] = 0.0
        if d is not None and t >= d.start:
            _cap_parents(qty, float(live[d.item].sum()), receipts, t, d, bom, p)
        _made_to_order(qty, forecast, position, bom, made_below, p)
        qty = np.where(p.each, qty, np.round(qty, 3))

        delay = np.round(rng.normal(0.2 * p.lead_std, p.lead_std + 1e-9)).astype(np.int64)
        delay += np.where(rng.random(n) < LATE_SHARE, rng.integers(15, 46, n), 0)
        arrive = np.maximum(due + delay, end_days[t] + 1)
        arrive_month = axis.month_of_days(arrive)
        placed_qty, placed_due, replan = qty.copy(), due.copy(), np.full(n, t)
        if d is not None and qty[d.item] > 0 and max(t, arrive_month[d.item]) >= d.start:
            c = d.item
            qty[c] = d.cut(qty[c], p.mult[c])
            if t < d.start:
                cancelled += placed_qty[c] - qty[c]
                replan[c] = d.start
                arrive[c] = max(min(arrive[c], due[c]), d.start_day)
            else:
                due[c] = arrive[c] = d.due(int(due[c]))
                placed_qty[c], placed_due[c] = qty[c], due[c]
            arrive_month[c] = axis.month_of_days(arrive[c : c + 1])[0]
        placed = np.flatnonzero(qty > 0)
        on_order[placed] += placed_qty[placed]
        booked = placed[arrive_month[placed] < receipts.shape[1]]
        np.add.at(receipts, (booked, arrive_month[booked]), qty[booked])
        in_hist = placed[arrive_month[placed] < n_hist]
        lot_col = arrive_month[in_hist] + 1
        np.minimum.at(lot_day, (in_hist, lot_col), arrive[in_hist])
        order_parts.append(
            pd.DataFrame(
                {
                    "release": t,
                    "item_idx": placed,
                    "qty": qty[placed],
                    "due_day": due[placed],
                    "arrive_day": arrive[placed],
                    "arrive_month": arrive_month[placed],
                    "placed_qty": placed_qty[placed],
                    "placed_due_day": placed_due[placed],
                    "replan": replan[placed],
                }
            )
        )
    result.orders = pd.concat(order_parts, ignore_index=True)
    return result
