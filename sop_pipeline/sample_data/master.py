"""The item master and BOM of the company: finished goods and components, costed and priced."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.sample_data.catalog import build_finished_goods
from sop_pipeline.sample_data.components import build_components
from sop_pipeline.sample_data.costing import list_prices, roll_up_costs
from sop_pipeline.sample_data.months import MonthAxis, days_to_iso
from sop_pipeline.sample_data.structure import BomIndex, index_bom

ITEM_COLUMNS = (
    "item",
    "item_type",
    "description",
    "family",
    "uom",
    "unit_cost",
    "unit_price",
    "lead_time_days",
    "lead_time_std_days",
    "moq",
    "order_multiple",
    "shelf_life_days",
    "service_level",
    "launch_date",
    "status",
)
BOM_COLUMNS = ("parent", "component", "qty_per", "scrap_rate")
PURCHASED = {
    "container": "packaging",
    "closure": "packaging",
    "shipper": "cases",
    "label": "print",
    "carton": "print",
}
SUPPLIER_SIZE = 40  # purchased items per supplier, roughly


@dataclass(frozen=True)
class Catalog:
    """Items (finished goods first) with private ``_`` columns, the BOM and its index."""

    items: pd.DataFrame
    bom: pd.DataFrame
    index: BomIndex
    fg: pd.DataFrame  # the finished-good rows of ``items``, generator columns typed

    @property
    def n_fg(self) -> int:
        return len(self.fg)

    @property
    def made(self) -> np.ndarray:
        """True for items produced in-house (a BOM parent)."""
        made = np.zeros(len(self.items), dtype=bool)
        made[self.index.parent] = True
        return made


def _suppliers(items: pd.DataFrame) -> np.ndarray:
    """Supplier number of every purchased item (0 for items made in-house)."""
    kind = items["_kind"].fillna("").to_numpy()
    raw_kind = items.get("_raw_kind", pd.Series("", index=items.index)).fillna("").to_numpy()
    group = np.array(
        [
            f"raw:{r}" if k == "raw" else PURCHASED.get(k, "")
            for k, r in zip(kind, raw_kind, strict=True)
        ],
        dtype=object,
    )
    supplier = np.zeros(len(items), dtype=np.int64)
    offset = 1
    for name in sorted(set(group) - {""}):
        members = np.flatnonzero(group == name)
        n_sup = max(1, len(members) // SUPPLIER_SIZE)
        supplier[members] = offset + np.arange(len(members)) % n_sup
        offset += n_sup
    return supplier


def build_catalog(
    n_items: int, n_components: int, axis: MonthAxis, rng: np.random.Generator
) -> Catalog:
    """Finished goods, components, BOM, rolled-up costs and list prices."""
    fg = build_finished_goods(n_items, axis, rng)
    comps, bom = build_components(fg, n_components, rng)
    items = pd.concat([fg, comps], ignore_index=True)
    items["unit_cost"] = pd.to_numeric(items["unit_cost"])
    index = index_bom(items["item"], bom)
    cost = roll_up_costs(items, index)
    items["unit_cost"] = cost
    price = np.full(len(items), np.nan)
    price[: len(fg)] = list_prices(fg, cost[: len(fg)], rng)
    items["unit_price"] = price
    launch = np.full(len(items), None, dtype=object)
    launch[: len(fg)] = days_to_iso(fg["_launch_days"].to_numpy())
    items["launch_date"] = launch
    for column in (
        "lead_time_days",
        "lead_time_std_days",
        "moq",
        "order_multiple",
        "shelf_life_days",
    ):
        items[column] = pd.array(pd.to_numeric(items[column]).round(), dtype="Int64")
    items["_supplier"] = _suppliers(items)
    fg = items.iloc[: len(fg)].copy()
    for column in ("_launch_idx", "_launch_days"):
        fg[column] = fg[column].astype(np.int64)
    return Catalog(items=items, bom=bom, index=index, fg=fg)
