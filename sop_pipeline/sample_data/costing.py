"""Standard costs rolled up the BOM, and list prices of the finished goods."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.sample_data.structure import BomIndex

CONVERSION = {"base": 0.4, "bulk": 1.2, "fg": 0.9, "gift": 2.5, "pro": 3.0}  # per kg or unit
LIST_PRICES = {  # (format, size ml) -> list price
    ("dropper", 30): 29.95,
    ("dropper", 50): 39.95,
    ("jar", 15): 19.95,
    ("jar", 50): 32.95,
    ("jar", 200): 24.95,
    ("tube", 50): 14.95,
    ("tube", 75): 12.95,
    ("tube", 100): 19.95,
    ("bottle", 150): 16.95,
    ("bottle", 250): 17.95,
    ("bottle", 500): 26.95,
    ("spray", 150): 18.95,
    ("pro_pump", 1000): 49.0,
    ("pro_canister", 5000): 165.0,
}


def _conversion(items: pd.DataFrame) -> np.ndarray:
    kind = items["_kind"].fillna("").to_numpy()
    fmt = items["_format"].fillna("").to_numpy()
    out = np.zeros(len(items))
    out[kind == "base"] = CONVERSION["base"]
    out[kind == "bulk"] = CONVERSION["bulk"]
    fg = items["item_type"].to_numpy() == "finished_good"
    out[fg] = CONVERSION["fg"]
    out[fg & (fmt == "gift")] = CONVERSION["gift"]
    out[fg & np.char.startswith(fmt.astype(str), "pro")] = CONVERSION["pro"]
    return out


def roll_up_costs(items: pd.DataFrame, bom: BomIndex) -> np.ndarray:
    """Unit cost of every item: purchased cost as given, made items = materials + conversion.

    Made items are those that are a parent in the BOM; they are costed from the deepest level up.
    """
    cost = items["unit_cost"].to_numpy(dtype=float).copy()
    made = np.zeros(len(items), dtype=bool)
    made[bom.parent] = True
    conversion = _conversion(items)
    for level in range(bom.depth, -1, -1):
        at_level = made & (bom.low_level == level)
        if not at_level.any():
            continue
        lines = at_level[bom.parent]
        material = np.bincount(
            bom.parent[lines],
            weights=bom.qty[lines] * np.nan_to_num(cost[bom.child[lines]]),
            minlength=len(items),
        )
        cost[at_level] = material[at_level] + conversion[at_level]
    decimals = np.where(items["item_type"].to_numpy() == "finished_good", 2, 4)
    return np.array([round(c, int(d)) for c, d in zip(cost, decimals, strict=True)])


def list_prices(fg: pd.DataFrame, unit_cost: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """List prices by pack format and size, a little spread, never below 2.5x cost."""
    keys = zip(fg["_format"], fg["_size_ml"].astype(int), strict=True)
    base = np.array([LIST_PRICES.get(k, round(0.1 * k[1] + 10.0) - 0.05) for k in keys])
    gift = fg["_format"].to_numpy() == "gift"
    base[gift] = rng.choice([39.95, 49.95, 59.95, 69.95], gift.sum())
    price = base + rng.choice([-2.0, 0.0, 0.0, 2.0, 4.0], len(fg))
    floor = np.ceil(unit_cost * 2.5) - 0.05
    return np.maximum(price, floor).round(2)
