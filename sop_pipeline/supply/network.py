"""The planning network as arrays: items, BOM edges, demand, stock and open orders by month.

Built once per plan month from its :class:`~sop_pipeline.supply.inputs.PlanningInputs` and
shared by :mod:`.mrp` (every scenario) and :mod:`.gaps`, so all see the same lead times, lots
and requirements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.supply._common import (
    DAYS_PER_MONTH,
    horizon_months,
    lead_time_months,
    month_index,
    require_columns,
    shelf_life_months,
    unknown_items,
    usable_through,
)
from sop_pipeline.supply.bom import bom_edges, low_level_codes
from sop_pipeline.supply.inputs import LATE_PO_DELAY_MONTHS, PlanningInputs
from sop_pipeline.supply.lots import fill_buckets
from sop_pipeline.supply.master import prepare_items


@dataclass(frozen=True)
class PlanningNetwork:
    """Arrays over items (rows, in item-master order) and months (columns 0..horizon-1).

    ``demand`` holds the independent demand of each scenario built (``base`` always).
    """

    items: pd.Index
    months: pd.DatetimeIndex
    level: np.ndarray
    lead: np.ndarray  # whole months, rounded up: the MRP's offset
    lead_exact: np.ndarray  # lead_time_days / 30.4375: when supply physically arrives
    shelf: np.ndarray
    moq: np.ndarray
    multiple: np.ndarray
    unit_price: np.ndarray
    unit_cost: np.ndarray
    safety_stock: np.ndarray  # (items, horizon)
    edge_parent: np.ndarray
    edge_comp: np.ndarray
    edge_factor: np.ndarray
    demand: Mapping[str, np.ndarray]
    scheduled: np.ndarray
    stock: np.ndarray
    firm: np.ndarray | None = None  # firm planned receipts a meeting decided (items, months)
    open_arrivals: OpenArrivals | None = None  # when in its month each open order arrives
    # components the open production orders consume when received (items, months; zero when
    # the count no longer holds them): :func:`committed_components`
    committed: np.ndarray | None = None

    @property
    def horizon(self) -> int:
        """Months planned."""
        return len(self.months)


def prepare_demand(
    demand: pd.DataFrame, items: pd.Index, plan_month: pd.Timestamp, horizon: int
) -> np.ndarray:
    """Demand ``item, month, qty`` as an ``(items, horizon)`` array; months outside are dropped.

    Raises:
        ValueError: on missing columns, unknown items or negative quantities.
    """
    require_columns(demand, ("item", "month", "qty"), "demand")
    unknown_items(demand["item"].astype(str), items, "demand")
    qty = pd.to_numeric(demand["qty"], errors="raise").fillna(0.0).to_numpy(dtype=float)
    if np.any(qty < 0):
        raise ValueError("demand qty must not be negative")
    col = month_index(demand["month"], plan_month) - 1
    keep = (col >= 0) & (col < horizon)
    rows = items.get_indexer(demand["item"].astype(str))[keep]
    flat = rows * horizon + col[keep]
    out = np.bincount(flat, weights=qty[keep], minlength=len(items) * horizon)
    return out.astype(float).reshape(len(items), horizon)


def prepare_lots(
    on_hand: pd.DataFrame, master: pd.DataFrame, plan_month: pd.Timestamp, horizon: int
) -> pd.DataFrame:
    """On-hand lots with the valuation cost and the last usable month filled in.

    Adds ``unit_cost`` (the lot's, else the item master's) and ``usable_through`` (bucket, see
    :func:`sop_pipeline.supply._common.usable_through`). Missing ``location``/``lot``/
    ``expiry_date`` columns are added empty.

    Raises:
        ValueError: on missing columns, unknown items or a negative quantity.
    """
    require_columns(on_hand, ("item", "on_hand_qty"), "on_hand")
    lots = on_hand.copy()
    lots["item"] = lots["item"].astype(str)
    unknown_items(lots["item"], master.index, "on_hand")
    for col in ("location", "lot", "expiry_date", "unit_cost"):
        if col not in lots.columns:
            lots[col] = None
    lots["on_hand_qty"] = pd.to_numeric(lots["on_hand_qty"], errors="raise").fillna(0.0)
    if (lots["on_hand_qty"] < 0).any():
        raise ValueError("on_hand on_hand_qty must not be negative")
    lots["expiry_date"] = pd.to_datetime(lots["expiry_date"])
    master_cost = master["unit_cost"].reindex(lots["item"]).to_numpy()
    lot_cost = pd.to_numeric(lots["unit_cost"], errors="raise").astype(float).to_numpy()
    lots["unit_cost"] = np.where(np.isnan(lot_cost), master_cost, lot_cost)
    lots["usable_through"] = usable_through(lots["expiry_date"], plan_month, horizon)
    return lots.reset_index(drop=True)


def prepare_open_orders(
    open_orders: pd.DataFrame,
    items: pd.Index,
    plan_month: pd.Timestamp,
    horizon: int,
    late_delay_months: int = LATE_PO_DELAY_MONTHS,
    lead_days: np.ndarray | None = None,
) -> OpenArrivals:
    """Open orders checked, with the month and day each arrives (:func:`open_order_arrivals`;
    :meth:`OpenArrivals.by_month` buckets them as scheduled receipts); later than the horizon
    they drop.

    An order due in month ``t >= 1`` arrives in ``t``. An order already past due at the plan
    month's close (due on or before its last day) is late: it is assumed to arrive at the
    start of month ``1 + late_delay_months`` (month 1 with a delay of 0), never earlier than a
    supplier who has already missed the date is likely to deliver - but never later than an
    order placed at the close would arrive, ``lead_days`` (per item of ``items``) after it: a
    late run of a 17-day item is in 17 days after the close, not next month
    (:func:`arrival_month`).

    Raises:
        ValueError: on missing columns, unknown items, negative quantities or missing due dates.
    """
    require_columns(open_orders, ("item", "qty_open", "due_date"), "open_orders")
    unknown_items(open_orders["item"].astype(str), items, "open_orders")
    if late_delay_months < 0:
        raise ValueError(f"late_delay_months must not be negative, got {late_delay_months!r}")
    qty = pd.to_numeric(open_orders["qty_open"], errors="raise").fillna(0.0).to_numpy(float)
    if np.any(qty < 0):
        raise ValueError("open_orders qty_open must not be negative")
    due = pd.to_datetime(open_orders["due_date"])
    if due.isna().any():
        raise ValueError("open_orders due_date is missing on some rows")
    return open_order_arrivals(
        open_orders, items, plan_month, horizon, late_delay_months, lead_days
    )


def _lead_of(lead_days: np.ndarray | None, rows: np.ndarray) -> np.ndarray | None:
    return None if lead_days is None else np.asarray(lead_days, dtype=float)[rows]


def arrival_month(
    due: pd.Series | pd.DatetimeIndex,
    plan_month: pd.Timestamp,
    late_delay_months: int,
    lead_days: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Month position (0 = month 1) and fraction of that month gone when each open order
    arrives: on its due date; a late one (due by the plan month's close) at the start of
    month ``1 + late_delay_months``, or ``lead_days`` after the close where that is sooner (an
    order placed at the close would arrive then)."""
    due = pd.DatetimeIndex(pd.to_datetime(due))
    month = month_index(due, plan_month)
    late = month < 1
    col = np.where(late, int(late_delay_months), month - 1).astype(np.int64)
    fraction = np.where(late, 0.0, (due.day.to_numpy() - 1) / due.days_in_month.to_numpy())
    if lead_days is not None and late.any():
        close = pd.Timestamp(plan_month) + pd.offsets.MonthEnd(0)
        days = np.nan_to_num(np.asarray(lead_days, dtype=float), nan=np.inf)
        sooner = late & (days < 1e6)
        placed = pd.DatetimeIndex(
            close + pd.to_timedelta(np.round(np.where(sooner, days, 0.0)), unit="D")
        )
        at = month_index(placed, plan_month) - 1
        sooner &= at < col
        # placed at the close with no lead time: at the start of month 1
        share = np.where(at < 0, 0.0, (placed.day.to_numpy() - 1) / placed.days_in_month)
        col = np.where(sooner, np.maximum(at, 0), col)
        fraction = np.where(sooner, share, fraction)
    return col, fraction


@dataclass(frozen=True)
class OpenArrivals:
    """When in its month each open order of the horizon arrives: ``row`` (item position),
    ``col`` (month position), ``fraction`` of the month gone by then (``(day - 1) / days in
    the month`` of its due date; a late order's assumed arrival, :func:`arrival_month`) and
    ``qty``. The monthly buckets of :attr:`SupplyNetwork.scheduled` sum them; the
    constrained plan lets an order serve only the demand after it arrives."""

    row: np.ndarray
    col: np.ndarray
    fraction: np.ndarray
    qty: np.ndarray

    def by_month(self, n_items: int, horizon: int) -> np.ndarray:
        """Scheduled receipts by item and month, ``(n_items, horizon)``."""
        out = np.bincount(
            self.row * horizon + self.col, weights=self.qty, minlength=n_items * horizon
        )
        return out.astype(float).reshape(n_items, horizon)


def open_order_arrivals(
    open_orders: pd.DataFrame,
    items: pd.Index,
    plan_month: pd.Timestamp,
    horizon: int,
    late_delay_months: int = LATE_PO_DELAY_MONTHS,
    lead_days: np.ndarray | None = None,
) -> OpenArrivals:
    """The open orders of :func:`prepare_open_orders` (checked there) with the day they arrive
    (:class:`OpenArrivals`, :func:`arrival_month`)."""
    qty = pd.to_numeric(open_orders["qty_open"], errors="raise").fillna(0.0).to_numpy(float)
    rows = items.get_indexer(open_orders["item"].astype(str))
    col, fraction = arrival_month(
        open_orders["due_date"], plan_month, late_delay_months, _lead_of(lead_days, rows)
    )
    keep = (col < horizon) & (qty > 0)
    return OpenArrivals(
        row=rows[keep].astype(np.int64),
        col=col[keep].astype(np.int64),
        fraction=fraction[keep].astype(float),
        qty=qty[keep],
    )


def committed_components(
    arrivals: OpenArrivals,
    edge_parent: np.ndarray,
    edge_comp: np.ndarray,
    edge_factor: np.ndarray,
    n_items: int,
    horizon: int,
) -> np.ndarray:
    """Components the open production orders consume, by component and month, ``(n_items,
    horizon)``: each open order of a parent (an item with a BOM) draws ``qty x factor`` of
    every direct component (scrap included) in the month it arrives. This is the stock count
    of a company whose tools consume components when an order is received (backflush): the
    count still holds them, and they are not free for other production."""
    out = np.zeros((n_items, horizon))
    if not len(edge_parent) or not len(arrivals.qty):
        return out
    order = np.argsort(edge_parent, kind="stable")
    parents = np.asarray(edge_parent)[order]
    first = np.searchsorted(parents, arrivals.row, side="left")
    count = np.searchsorted(parents, arrivals.row, side="right") - first
    which = np.repeat(np.arange(len(arrivals.qty)), count)
    edge = order[np.repeat(first, count) + _ranks(count)]
    np.add.at(
        out,
        (np.asarray(edge_comp)[edge], arrivals.col[which]),
        arrivals.qty[which] * np.asarray(edge_factor)[edge],
    )
    return out


def _ranks(count: np.ndarray) -> np.ndarray:
    """``0..count[k]-1`` for every k, concatenated."""
    total = int(count.sum())
    starts = np.repeat(np.cumsum(count) - count, count)
    return np.arange(total) - starts


def safety_stock_by_month(
    safety_stock: pd.Series | pd.DataFrame | None,
    items: pd.Index,
    months: pd.DatetimeIndex,
) -> np.ndarray:
    """Safety stock as an ``(items, horizon)`` array: a Series (index item) holds the same level
    every month; a frame ``item, month, safety_stock`` is time-phased (missing months: 0).

    Raises:
        ValueError: on a negative safety stock or a frame without those columns.
    """
    horizon = len(months)
    if safety_stock is None:
        return np.zeros((len(items), horizon))
    if isinstance(safety_stock, pd.DataFrame):
        require_columns(safety_stock, ("item", "month", "safety_stock"), "safety_stock")
        col = months.get_indexer(pd.to_datetime(safety_stock["month"]))
        row = items.get_indexer(safety_stock["item"].astype(str))
        keep = (col >= 0) & (row >= 0)
        values = pd.to_numeric(safety_stock["safety_stock"], errors="raise").to_numpy(float)
        out = np.bincount(
            row[keep] * horizon + col[keep], weights=values[keep], minlength=len(items) * horizon
        ).reshape(len(items), horizon)
    else:
        level = pd.Series(safety_stock, dtype=float).rename(index=str)
        level = level.groupby(level=0).sum().reindex(items).fillna(0.0).to_numpy()
        out = np.repeat(level[:, None], horizon, axis=1)
    if np.any(out < 0):
        raise ValueError("safety_stock must not be negative")
    return out


def build_network(inputs: PlanningInputs, scenarios: Sequence[str] = ("base",)) -> PlanningNetwork:
    """Check the inputs and lay them out as arrays for the planning kernels.

    The independent demand of ``base`` and of every other scenario in ``scenarios`` is laid
    out (:func:`~sop_pipeline.supply.inputs.scenario_demand`). The safety stock is one level
    per item (Series) or time-phased (frame ``item, month, safety_stock``,
    :func:`safety_stock_by_month`); phase-out items hold none and are replenished lot-for-lot
    (no MOQ, no order multiple), so nothing is bought beyond what their remaining demand needs
    after stock. Revenue is valued at the forecast's net price where it gives one, else at the
    item master's ``unit_price``. Late open orders arrive ``late_po_delay_months`` after month 1,
    or sooner where an order placed at the close would (:func:`prepare_open_orders`). With
    ``open_production_components: at_receipt`` the open production orders draw their
    components in the month they arrive (:func:`committed_components`).

    Raises:
        ValueError: on bad arguments (see the ``prepare_*`` helpers), a BOM item missing from the
            item master, a BOM cycle, or a negative safety stock.
    """
    plan, horizon = inputs.plan_month, inputs.horizon
    master = prepare_items(inputs.items)
    names = pd.Index(master.index)
    edges = bom_edges(inputs.bom)
    unknown_items(pd.concat([edges["parent"], edges["component"]]), names, "bom")
    level = low_level_codes(edges, names).reindex(names).to_numpy()
    months = horizon_months(plan, horizon)
    phase_out = master["status"].to_numpy() == "phase_out"
    ss = safety_stock_by_month(inputs.safety_stock, names, months)
    ss[phase_out] = 0.0
    unit_price = master["unit_price"].to_numpy(float)
    prices = inputs.prices()
    if prices is not None:
        given = pd.Series(prices, dtype=float).rename(index=str).groupby(level=0).last()
        unit_price = given.reindex(names).fillna(master["unit_price"]).to_numpy(float)
    lots = prepare_lots(inputs.on_hand, master, plan, horizon)
    stock = fill_buckets(
        names.get_indexer(lots["item"]),
        lots["usable_through"].to_numpy(),
        lots["on_hand_qty"].to_numpy(float),
        len(names),
        horizon,
    )
    wanted = dict.fromkeys(["base", *scenarios])
    arrivals = prepare_open_orders(
        inputs.open_orders,
        names,
        plan,
        horizon,
        inputs.late_po_delay_months,
        master["lead_time_days"].to_numpy(float),
    )
    edge_parent = names.get_indexer(edges["parent"])
    edge_comp = names.get_indexer(edges["component"])
    edge_factor = edges["factor"].to_numpy(float)
    committed = np.zeros((len(names), horizon))
    if inputs.open_production_components == "at_receipt":
        committed = committed_components(
            arrivals, edge_parent, edge_comp, edge_factor, len(names), horizon
        )
    return PlanningNetwork(
        items=names,
        months=months,
        level=level,
        lead=lead_time_months(master["lead_time_days"].to_numpy()),
        lead_exact=master["lead_time_days"].to_numpy(float) / DAYS_PER_MONTH,
        shelf=shelf_life_months(master["shelf_life_days"].to_numpy(), horizon),
        moq=np.where(phase_out, 0.0, master["moq"].to_numpy(float)),
        multiple=np.where(phase_out, 0.0, master["order_multiple"].to_numpy(float)),
        unit_price=unit_price,
        unit_cost=master["unit_cost"].to_numpy(float),
        safety_stock=ss,
        edge_parent=edge_parent,
        edge_comp=edge_comp,
        edge_factor=edge_factor,
        demand={s: prepare_demand(inputs.demand(s), names, plan, horizon) for s in wanted},
        scheduled=arrivals.by_month(len(names), horizon),
        open_arrivals=arrivals,
        stock=stock,
        firm=firm_receipts(inputs.firm_production, names, months),
        committed=committed,
    )


def firm_receipts(
    firm: pd.DataFrame | None, items: pd.Index, months: pd.DatetimeIndex
) -> np.ndarray:
    """Firm planned receipts (``item, month, qty``: a decided pre-build) as an ``(items,
    months)`` array (:func:`firm_grid`)."""
    return firm_grid(firm, items, months, "item", "qty")


def firm_grid(
    frame: pd.DataFrame | None,
    names: pd.Index,
    months: pd.DatetimeIndex,
    subject: str,
    amount: str,
) -> np.ndarray:
    """Firm quantities (``subject, month, amount``) as a ``(names, months)`` array; rows of
    unknown names or months outside the horizon are left out."""
    out = np.zeros((len(names), len(months)))
    if frame is None or frame.empty:
        return out
    rows = names.get_indexer(frame[subject].astype(str))
    cols = months.get_indexer(pd.to_datetime(frame["month"]).dt.to_period("M").dt.to_timestamp())
    keep = (rows >= 0) & (cols >= 0)
    np.add.at(out, (rows[keep], cols[keep]), frame[amount].to_numpy(float)[keep])
    return out
