"""Promotions: past ones that show as demand spikes, and the ones planned for the next year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.sample_data import vocab
from sop_pipeline.sample_data.months import MonthAxis

UPLIFTS = np.array([15, 20, 25, 30, 40, 50])
NOT_PROMOTED = ("Gift Sets", "Professional")


def _draw(fg: pd.DataFrame, n: int, lo: int, hi: int, rng: np.random.Generator) -> pd.DataFrame:
    """``n`` candidate promotions starting in months ``lo..hi`` on eligible items."""
    eligible = np.flatnonzero(
        ~fg["_base_family"].isin(NOT_PROMOTED).to_numpy()
        & (fg["_archetype"].to_numpy() != "phase_out")
    )
    if n <= 0 or not len(eligible) or hi < lo:
        return pd.DataFrame(columns=["item_idx", "start", "end", "uplift_pct"])
    item = rng.choice(eligible, n)
    start = rng.integers(lo, hi + 1, n)
    return pd.DataFrame(
        {
            "item_idx": item,
            "start": start,
            "end": start + (rng.random(n) < 0.3),
            "uplift_pct": rng.choice(UPLIFTS, n),
        }
    )


def _shift_sun_to_spring(promos: pd.DataFrame, fg: pd.DataFrame, axis: MonthAxis) -> None:
    """Sun care is promoted before the season: move its promotions to April..June."""
    sun = fg["_base_family"].to_numpy()[promos["item_idx"].to_numpy()] == "Sun Care"
    cal = axis.calendar_month[promos["start"].to_numpy()]
    duration = (promos["end"] - promos["start"]).to_numpy()
    target = promos["start"].to_numpy() + np.where(cal <= 10, 5 - cal, 17 - cal)
    promos.loc[sun, "start"] = target[sun]
    promos.loc[sun, "end"] = target[sun] + duration[sun]


def _drop_overlaps(promos: pd.DataFrame) -> pd.DataFrame:
    promos = promos.sort_values(["item_idx", "start"], kind="stable").reset_index(drop=True)
    while True:
        prev_end = promos.groupby("item_idx")["end"].shift()
        clash = (promos["start"] <= prev_end).to_numpy()
        if not clash.any():
            return promos
        promos = promos[~clash].reset_index(drop=True)


def plan_promotions(fg: pd.DataFrame, axis: MonthAxis, rng: np.random.Generator) -> pd.DataFrame:
    """Past and planned promotions; ``_realised`` is the uplift that actually happened.

    Returns:
        Rows with ``promo_id, item, start_month, end_month, uplift_pct, description`` and the
        private ``item_idx, start, end`` (month indexes) and ``_realised`` (demand multiplier).
    """
    n_fg = len(fg)
    n_past = max(1, round(0.35 * n_fg * axis.n_hist / 36))
    n_future = max(1, round(0.2 * n_fg))
    promos = pd.concat(
        [
            _draw(fg, n_past, 0, axis.n_hist - 2, rng),
            _draw(fg, n_future, axis.n_hist, axis.n_all - 2, rng),
        ],
        ignore_index=True,
    ).astype(np.int64)
    _shift_sun_to_spring(promos, fg, axis)
    launch = fg["_launch_idx"].to_numpy()[promos["item_idx"].to_numpy()]
    past = promos["start"].to_numpy() < axis.n_hist
    keep = (promos["start"] > launch) & (promos["start"] >= 0)
    keep &= np.where(past, promos["end"] < axis.n_hist, promos["end"] < axis.n_all)
    promos = _drop_overlaps(promos[keep.to_numpy()])
    promos = promos.sort_values(["start", "item_idx"], kind="stable").reset_index(drop=True)
    cal = axis.calendar_month[promos["start"].to_numpy()]
    sun = fg["_base_family"].to_numpy()[promos["item_idx"].to_numpy()] == "Sun Care"
    templates = np.array(vocab.PROMO_TEMPLATES, dtype=object)
    desc = templates[rng.integers(len(templates), size=len(promos))]
    desc[cal == 11] = vocab.BLACK_FRIDAY
    desc[sun] = vocab.SUN_PROMO
    years = axis.months[promos["start"].to_numpy()].astype("datetime64[Y]").astype(int) + 1970
    seq = pd.Series(years).groupby(years).cumcount().to_numpy() + 1
    labels = axis.labels
    promos["promo_id"] = [f"PROMO-{y}-{s:03d}" for y, s in zip(years, seq, strict=True)]
    promos["item"] = fg["item"].to_numpy()[promos["item_idx"].to_numpy()]
    promos["start_month"] = labels[promos["start"].to_numpy()]
    promos["end_month"] = labels[promos["end"].to_numpy()]
    promos["description"] = desc
    noise = rng.lognormal(0.0, 0.3, len(promos))
    promos["_realised"] = 1.0 + promos["uplift_pct"].to_numpy() / 100.0 * noise
    return promos


def promo_multiplier(promos: pd.DataFrame, n_fg: int, axis: MonthAxis) -> np.ndarray:
    """Realised demand multiplier per finished good and month (1 outside promotions)."""
    mult = np.ones((n_fg, axis.n_all))
    for offset in (0, 1):
        rows = promos[promos["start"] + offset <= promos["end"]]
        mult[rows["item_idx"].to_numpy(), (rows["start"] + offset).to_numpy()] *= rows[
            "_realised"
        ].to_numpy()
    return mult
