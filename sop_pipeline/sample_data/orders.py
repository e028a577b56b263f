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
    qty = orders["qty"].to_numpy()
    each = catalog.items["uom"].to_numpy()[pos] == "each"
    book = pd.DataFrame(
        {
            "po": po.astype(object),
            "item": catalog.items["item"].to_numpy()[pos],
            "qty_open": np.where(each, np.round(qty), np.round(qty, 3)),
            "due_date": days_to_iso(orders["due_day"].to_numpy()),
            "_release": orders["release"].to_numpy(),
            "_arrive_month": orders["arrive_month"].to_numpy(),
        }
    )
    return book.sort_values(["po", "item"], kind="stable").reset_index(drop=True)


def open_orders_frame(book: pd.DataFrame, month: int) -> pd.DataFrame:
    """Orders released by the end of ``month`` and not yet received then."""
    open_ = (book["_release"] <= month) & (book["_arrive_month"] > month)
    return book.loc[open_.to_numpy(), list(PO_COLUMNS)].reset_index(drop=True)
