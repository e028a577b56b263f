"""Open purchase and production orders at each month end, from the simulated order book."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.sample_data.master import Catalog
from sop_pipeline.sample_data.months import MonthAxis, days_to_iso
from sop_pipeline.sample_data.supply import SupplyResult

PO_COLUMNS = ("po", "item", "qty_open", "due_date")


def order_book(catalog: Catalog, result: SupplyResult, axis: MonthAxis) -> pd.DataFrame:
    """Every order placed, sorted by number: ``MO-YYMM-nnnnn`` production orders (one per item
    and month), ``PO-YYMM-sss`` purchase orders (one per supplier and month, a line per item)."""
    orders = result.orders
    pos = orders["item_idx"].to_numpy()
    yymm = np.array([label[2:4] + label[5:7] for label in axis.labels])[
        orders["release"].to_numpy()
    ]
    made = catalog.made[pos]
    supplier = catalog.items["_supplier"].to_numpy()[pos]
    number = np.where(
        made,
        np.char.zfill((pos + 1).astype(str), 5),
        np.char.zfill(supplier.astype(str), 3),
    )
    prefix = np.where(made, "MO-", "PO-")
    po = np.char.add(np.char.add(np.char.add(prefix, yymm), "-"), number)
    each = catalog.items["uom"].to_numpy()[pos] == "each"

    def rounded(qty: pd.Series) -> np.ndarray:
        return np.where(each, np.round(qty.to_numpy()), np.round(qty.to_numpy(), 3))

    book = pd.DataFrame(
        {
            "po": po.astype(object),
            "item": catalog.items["item"].to_numpy()[pos],
            "qty_open": rounded(orders["qty"]),
            "due_date": days_to_iso(orders["due_day"].to_numpy()),
            "_placed_qty": rounded(orders["placed_qty"]),
            "_placed_due_date": days_to_iso(orders["placed_due_day"].to_numpy()),
            "_replan": orders["replan"].to_numpy(),
            "_release": orders["release"].to_numpy(),
            "_arrive_month": orders["arrive_month"].to_numpy(),
        }
    )
    return book.sort_values(["po", "item"], kind="stable").reset_index(drop=True)


def open_orders_frame(book: pd.DataFrame, month: int) -> pd.DataFrame:
    """Orders released by the end of ``month`` and not yet received then, with the quantity
    and due date known then (a supplier's cut and new date show from its ``_replan`` month)."""
    open_ = (book["_release"] <= month) & (book["_arrive_month"] > month)
    frame = book.loc[open_.to_numpy()]
    before = (frame["_replan"] > month).to_numpy()
    if before.any():
        frame = frame.assign(
            qty_open=np.where(before, frame["_placed_qty"], frame["qty_open"]),
            due_date=np.where(before, frame["_placed_due_date"], frame["due_date"]),
        )
    return frame[list(PO_COLUMNS)].reset_index(drop=True)
