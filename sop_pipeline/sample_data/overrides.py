"""Forecast overrides of the last closed months: some planners know better, some do not.

Helpful overrides move toward the demand that then happened (a key account's confirmed order,
a distribution gain or loss, a launch's retailer sell-in); harmful ones move away from it (gut
feel optimism, a listing that never came, a cautious cut). Each kind has its own owner and
reason, so the value each adds can be measured.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.sample_data import vocab
from sop_pipeline.sample_data.demand import Demand
from sop_pipeline.sample_data.months import MonthAxis

OVERRIDE_COLUMNS = ("item", "month", "override_qty", "adjustment_pct", "reason", "owner")
FOLDERS = 6  # the last closed months that carry an overrides file
TREND_REASONS = {
    "trend_up": "New pharmacy distribution confirmed",
    "trend_down": "Delisted at Citymarket Beauty",
    "launch": "Launch sell-in plan from retailers",
}


def _row(
    item: int,
    month: int,
    reason: str,
    owner: str,
    intent: str,
    qty: int | None = None,
    pct: int | None = None,
) -> dict:
    return {
        "item_idx": int(item),
        "m": int(month),
        "override_qty": qty,
        "adjustment_pct": pct,
        "reason": reason,
        "owner": vocab.PEOPLE[owner],
        "_intent": intent,
    }


def _folder_rows(
    fg: pd.DataFrame, demand: Demand, axis: MonthAxis, f: int, rng: np.random.Generator
) -> list[dict]:
    """The overrides written at the end of closed month ``f``."""
    n = len(fg)
    arche = fg["_archetype"].to_numpy()
    naive = np.maximum(demand.qty[:, f - 2 : f + 1].mean(axis=1), 1.0)
    expected = demand.mean * demand.promo
    last = min(axis.n_all - 1, f + 12)
    rows: list[dict] = []
    spikes = demand.spikes
    for i, m in zip(spikes["item_idx"], spikes["month"], strict=True):
        if f < m <= min(f + 6, last):
            qty = round(demand.qty[i, m] * rng.uniform(0.9, 1.1))
            rows.append(_row(i, m, "Key account promo confirmed", "kam", "helpful", qty=qty))
    launched = fg["_launch_idx"].to_numpy() <= f - 1
    trend = np.flatnonzero(np.isin(arche, list(TREND_REASONS)) & launched)
    for i in rng.choice(trend, min(len(trend), max(1, round(0.03 * n))), replace=False):
        for m in range(f + 1, min(f + 3, last + 1)):
            known = demand.qty[i, m] * rng.uniform(0.92, 1.08)  # they know their customers
            pct = int(np.clip(np.round((known / naive[i] - 1.0) * 20) * 5, -90, 300))
            rows.append(_row(i, m, TREND_REASONS[arche[i]], "planner", "helpful", pct=pct))
    flat = np.setdiff1d(np.flatnonzero(arche == "flat"), spikes["item_idx"].to_numpy())
    months = np.arange(f + 1, min(f + 4, last + 1))
    outlook = expected[:, months].mean(axis=1) / naive if len(months) else np.ones(n)
    count = max(1, round(0.015 * n))
    rising, falling = flat[outlook[flat] >= 1.0], flat[outlook[flat] <= 1.05]
    for i in rng.choice(falling, min(len(falling), count), replace=False):
        pct = int(rng.choice([30, 40, 50, 60]))
        for m in months:
            rows.append(_row(i, m, "Gut feel: strong quarter ahead", "sales", "harmful", pct=pct))
    for i in rng.choice(falling, min(len(falling), count), replace=False):
        qty = round(naive[i] * rng.uniform(1.8, 2.3))
        for m in months[:2]:
            reason = "Big retailer listing expected"
            rows.append(_row(i, m, reason, "marketing", "harmful", qty=qty))
    for i in rng.choice(rising, min(len(rising), count), replace=False):
        for m in months[:2]:
            reason = "Cautious outlook: consumers cutting back"
            rows.append(_row(i, m, reason, "finance", "harmful", pct=-30))
    return rows


def forecast_overrides(
    fg: pd.DataFrame, demand: Demand, axis: MonthAxis, rng: np.random.Generator
) -> dict[int, pd.DataFrame]:
    """Overrides per closed month (index) for the months after it; ``_intent`` is private."""
    out: dict[int, pd.DataFrame] = {}
    for f in range(max(2, axis.n_hist - FOLDERS), axis.n_hist):
        frame = pd.DataFrame(_folder_rows(fg, demand, axis, f, rng))
        if frame.empty:
            continue
        frame = frame.drop_duplicates(["item_idx", "m"]).sort_values(
            ["m", "item_idx"], kind="stable"
        )
        frame.insert(0, "item", fg["item"].to_numpy()[frame["item_idx"].to_numpy()])
        frame.insert(1, "month", axis.labels[frame["m"].to_numpy()])
        for column in ("override_qty", "adjustment_pct"):
            frame[column] = pd.array(frame[column].astype("float64"), dtype="Int64")
        out[f] = frame[[*OVERRIDE_COLUMNS, "_intent"]].reset_index(drop=True)
    return out
