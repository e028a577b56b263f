"""Month-end stock counts from the simulation: one row per item, location and lot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.sample_data import vocab
from sop_pipeline.sample_data.master import Catalog
from sop_pipeline.sample_data.months import days_to_iso
from sop_pipeline.sample_data.supply import SupplyResult

INVENTORY_COLUMNS = ("item", "on_hand_qty", "location", "lot", "expiry_date", "unit_cost")


def _yymmdd(days: np.ndarray) -> np.ndarray:
    dates = days.astype("datetime64[D]")
    years = dates.astype("datetime64[Y]").astype(np.int64) + 1970
    months = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    return np.char.zfill((years % 100 * 10000 + months * 100 + day).astype(str), 6)


def lot_codes(item_idx: np.ndarray, lot_days: np.ndarray, made: np.ndarray) -> np.ndarray:
    """``B``atch codes for items made in-house, supplier ``L``ots for purchased ones."""
    prefix = np.where(made[item_idx], "B", "L")
    number = np.char.zfill((item_idx + 1).astype(str), 5)
    return np.char.add(np.char.add(np.char.add(prefix, _yymmdd(lot_days)), "-"), number)


def _split_locations(frame: pd.DataFrame, share: np.ndarray) -> pd.DataFrame:
    """Move ``share`` of each row (rounded down) to the 3PL warehouse."""
    moved = np.floor(frame["on_hand_qty"].to_numpy() * share)
    third = frame[moved > 0].copy()
    third["on_hand_qty"] = moved[moved > 0]
    third["location"] = vocab.LOCATIONS[1]
    main = frame.copy()
    main["on_hand_qty"] = main["on_hand_qty"].to_numpy() - moved
    out = pd.concat([main[main["on_hand_qty"] > 0], third], ignore_index=True)
    return out.sort_values(["_pos", "location", "lot"], kind="stable", na_position="first")


def inventory_frame(month: int, catalog: Catalog, result: SupplyResult) -> pd.DataFrame:
    """The inventory.csv rows of one closed month."""
    rows, cols, qty = result.snapshots[month]
    items = catalog.items
    shelf = pd.to_numeric(items["shelf_life_days"]).to_numpy(dtype=float)
    lotted = ~np.isnan(shelf[rows])
    plain_items, start = np.unique(rows[~lotted], return_index=True)
    plain_qty = np.add.reduceat(qty[~lotted], start) if len(start) else np.array([])
    r, c = rows[lotted], cols[lotted]
    days = result.lot_day[r, c]
    cost = result.lot_cost[r, c]
    decimals = np.where(items["item_type"].to_numpy()[r] == "finished_good", 2, 4)
    cost = np.where(decimals == 2, np.round(cost, 2), np.round(cost, 4))
    codes = items["item"].to_numpy()
    frame = pd.DataFrame(
        {
            "_pos": np.concatenate([plain_items, r]),
            "on_hand_qty": np.round(np.concatenate([plain_qty, qty[lotted]]), 3),
            "location": vocab.LOCATIONS[0],
            "lot": np.concatenate(
                [np.full(len(plain_items), None), lot_codes(r, days, catalog.made)]
            ),
            "expiry_date": np.concatenate(
                [np.full(len(plain_items), None), days_to_iso(days + shelf[r].astype(np.int64))]
            ),
            "unit_cost": np.concatenate([np.full(len(plain_items), np.nan), cost]),
        }
    )
    share = items["_share_3pl"].fillna(0.0).to_numpy(dtype=float)[frame["_pos"].to_numpy()]
    frame = _split_locations(frame, share)
    frame.insert(0, "item", codes[frame["_pos"].to_numpy()])
    return frame[list(INVENTORY_COLUMNS)].reset_index(drop=True)
