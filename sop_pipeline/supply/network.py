"""The planning network as arrays: items, BOM edges, demand, stock and open orders by month.

Built once from the staging frames and shared by :mod:`.mrp` and :mod:`.gaps`, so both see the
same lead times, lots and requirements.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.supply._common import (
    as_plan_month,
    check_horizon,
    horizon_months,
    lead_time_months,
    month_index,
    require_columns,
    shelf_life_months,
    unknown_items,
    usable_through,
)
from sop_pipeline.supply.bom import bom_edges, low_level_codes
from sop_pipeline.supply.lots import fill_buckets
from sop_pipeline.supply.master import prepare_items


@dataclass(frozen=True)
class Network:
    """Arrays over items (rows, in item-master order) and months (columns 0..horizon-1)."""

    items: pd.Index
    months: pd.DatetimeIndex
    level: np.ndarray
    lead: np.ndarray
    shelf: np.ndarray
    moq: np.ndarray
    multiple: np.ndarray
    unit_price: np.ndarray
    unit_cost: np.ndarray
    safety_stock: np.ndarray
    edge_parent: np.ndarray
    edge_comp: np.ndarray
    edge_factor: np.ndarray
    independent: np.ndarray
    scheduled: np.ndarray
    stock: np.ndarray

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
    open_orders: pd.DataFrame, items: pd.Index, plan_month: pd.Timestamp, horizon: int
) -> np.ndarray:
    """Open orders as scheduled receipts by month: late orders land in month 1, later ones drop.

    Raises:
        ValueError: on missing columns, unknown items, negative quantities or missing due dates.
    """
    require_columns(open_orders, ("item", "qty_open", "due_date"), "open_orders")
    unknown_items(open_orders["item"].astype(str), items, "open_orders")
    qty = pd.to_numeric(open_orders["qty_open"], errors="raise").fillna(0.0).to_numpy(float)
    if np.any(qty < 0):
        raise ValueError("open_orders qty_open must not be negative")
    due = pd.to_datetime(open_orders["due_date"])
    if due.isna().any():
        raise ValueError("open_orders due_date is missing on some rows")
    col = np.maximum(month_index(due, plan_month), 1) - 1
    keep = col < horizon
    rows = items.get_indexer(open_orders["item"].astype(str))[keep]
    out = np.bincount(rows * horizon + col[keep], weights=qty[keep], minlength=len(items) * horizon)
    return out.astype(float).reshape(len(items), horizon)


def build_network(
    items: pd.DataFrame,
    bom: pd.DataFrame,
    demand: pd.DataFrame,
    on_hand: pd.DataFrame,
    open_orders: pd.DataFrame,
    plan_month: object,
    *,
    horizon: int = 12,
    safety_stock: pd.Series | None = None,
    prices: pd.Series | None = None,
) -> Network:
    """Check the inputs and lay them out as arrays for the planning kernels.

    ``prices`` (index: item) is the price revenue is valued at, e.g. the realised net price;
    items it does not name keep the item master's ``unit_price``.

    Raises:
        ValueError: on bad arguments (see the ``prepare_*`` helpers), a BOM item missing from the
            item master, a BOM cycle, or a negative safety stock.
    """
    plan = as_plan_month(plan_month)
    horizon = check_horizon(horizon)
    master = prepare_items(items)
    names = pd.Index(master.index)
    edges = bom_edges(bom)
    unknown_items(pd.concat([edges["parent"], edges["component"]]), names, "bom")
    level = low_level_codes(edges, names).reindex(names).to_numpy()
    ss = np.zeros(len(names))
    if safety_stock is not None:
        ss = pd.Series(safety_stock, dtype=float).rename(index=str)
        ss = ss.groupby(level=0).sum().reindex(names).fillna(0.0).to_numpy()
        if np.any(ss < 0):
            raise ValueError("safety_stock must not be negative")
    unit_price = master["unit_price"].to_numpy(float)
    if prices is not None:
        given = pd.Series(prices, dtype=float).rename(index=str).groupby(level=0).last()
        unit_price = given.reindex(names).fillna(master["unit_price"]).to_numpy(float)
    lots = prepare_lots(on_hand, master, plan, horizon)
    stock = fill_buckets(
        names.get_indexer(lots["item"]),
        lots["usable_through"].to_numpy(),
        lots["on_hand_qty"].to_numpy(float),
        len(names),
        horizon,
    )
    return Network(
        items=names,
        months=horizon_months(plan, horizon),
        level=level,
        lead=lead_time_months(master["lead_time_days"].to_numpy()),
        shelf=shelf_life_months(master["shelf_life_days"].to_numpy(), horizon),
        moq=master["moq"].to_numpy(float),
        multiple=master["order_multiple"].to_numpy(float),
        unit_price=unit_price,
        unit_cost=master["unit_cost"].to_numpy(float),
        safety_stock=ss,
        edge_parent=names.get_indexer(edges["parent"]),
        edge_comp=names.get_indexer(edges["component"]),
        edge_factor=edges["factor"].to_numpy(float),
        independent=prepare_demand(demand, names, plan, horizon),
        scheduled=prepare_open_orders(open_orders, names, plan, horizon),
        stock=stock,
    )
