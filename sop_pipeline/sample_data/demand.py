"""True monthly demand of every finished good, over the history and the next year.

The expected baseline (level, trend, seasonality, launch ramp, phase-out decline) is what a
planner could know; the realised demand adds noise, promotion uplifts, lumpy B2B orders and a few
unannounced key-account orders (the ones a good forecast override anticipates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.sample_data import vocab
from sop_pipeline.sample_data.months import MonthAxis

NOISE_SHAPE = 12.0  # gamma shape of the demand noise: coefficient of variation about 0.3
LUMPY_SHAPE = 2.5  # gamma shape of a B2B order's size
PHASE_OUT_DECLINE = 0.09  # monthly decline of the phase-out item
PHASE_OUT_MONTHS = 15  # the decline starts this many months before the end of history


@dataclass(frozen=True)
class Demand:
    """Demand matrices, finished goods x months of the axis (history, then horizon)."""

    mean: np.ndarray  # expected baseline, without promotions and key-account orders
    qty: np.ndarray  # realised ordered quantity (int64)
    promo: np.ndarray  # realised promotion multiplier
    spikes: pd.DataFrame  # key-account orders: item_idx, month, multiplier


def phase_out_start(axis: MonthAxis) -> int:
    """The month index where the phase-out item starts its decline."""
    return max(0, axis.n_hist - PHASE_OUT_MONTHS)


def _seasonality(fg: pd.DataFrame, axis: MonthAxis) -> np.ndarray:
    profiles = {k: np.array(v) / np.mean(v) for k, v in vocab.SEASON_PROFILES.items()}
    table = np.stack([profiles[s] for s in fg["_season"]])
    index = table[:, axis.calendar_month - 1]
    amp = fg["_season_amp"].to_numpy()[:, None]
    return 1.0 + amp * (index - 1.0)


def expected_demand(fg: pd.DataFrame, axis: MonthAxis) -> np.ndarray:
    """Baseline mean demand per finished good and month."""
    t = np.arange(axis.n_all)[None, :]
    arche = fg["_archetype"].to_numpy()[:, None]
    ref = np.where(arche == "phase_out", phase_out_start(axis), axis.n_hist - 1)
    steps = t - ref
    steps = np.where(steps > 0, 0.7 * steps, steps)  # growth slows beyond the reference month
    trend = np.exp(fg["_trend"].to_numpy()[:, None] * steps)
    decline = np.exp(-PHASE_OUT_DECLINE * np.clip(t - ref, 0, None))
    trend = np.where(arche == "phase_out", decline, trend)
    mean = fg["_level"].to_numpy()[:, None] * trend * _seasonality(fg, axis)
    launch = fg["_launch_idx"].to_numpy()[:, None]
    since = t - launch
    ramp = np.where(since < 0, 0.0, 1.0 - np.exp(-(since + 1) / 2.0))
    days_after = axis.start_days[np.maximum(launch[:, 0], 0)]
    first_share = 1.0 - (fg["_launch_days"].to_numpy() - days_after) / 31.0
    ramp = np.where(since == 0, ramp * first_share[:, None], ramp)
    return np.where(launch >= 0, mean * ramp, mean)


def _key_account_orders(
    fg: pd.DataFrame, axis: MonthAxis, rng: np.random.Generator
) -> pd.DataFrame:
    """Unannounced large orders around the end of history, one per chosen item."""
    pool = np.flatnonzero(
        fg["_archetype"].isin(["flat", "trend_up", "trend_down"]).to_numpy()
        & fg["_base_family"].isin(["Face Care", "Body Care", "Hair Care"]).to_numpy()
    )
    n = min(len(pool), max(3, round(0.06 * len(fg))))
    items = np.sort(rng.choice(pool, n, replace=False)) if n else np.array([], dtype=int)
    past = rng.integers(max(0, axis.n_hist - 4), axis.n_hist, n)  # measurable already
    ahead = rng.integers(axis.n_hist, min(axis.n_all, axis.n_hist + 6), n)
    return pd.DataFrame(
        {
            "item_idx": items,
            "month": np.where(np.arange(n) % 2 == 0, past, ahead),
            "multiplier": rng.uniform(1.6, 2.4, n).round(2),
        }
    )


def generate_demand(
    fg: pd.DataFrame, axis: MonthAxis, promo: np.ndarray, rng: np.random.Generator
) -> Demand:
    """Expected and realised demand of all finished goods."""
    mean = expected_demand(fg, axis)
    spikes = _key_account_orders(fg, axis, rng)
    boost = promo.copy()
    boost[spikes["item_idx"].to_numpy(), spikes["month"].to_numpy()] *= spikes["multiplier"]
    lam = mean * boost
    noisy = lam * rng.gamma(NOISE_SHAPE, 1.0 / NOISE_SHAPE, lam.shape)
    p_occ = fg["_p_occ"].to_numpy()[:, None]
    lumpy = p_occ < 1.0
    occurs = rng.random(lam.shape) < p_occ
    order_size = lam / p_occ * rng.gamma(LUMPY_SHAPE, 1.0 / LUMPY_SHAPE, lam.shape)
    rate = np.where(lumpy, np.where(occurs, order_size, 0.0), noisy)
    qty = rng.poisson(rate).astype(np.int64)
    qty = np.where(lumpy & occurs & (lam > 0), np.maximum(qty, 1), qty)
    return Demand(mean=mean, qty=qty, promo=promo, spikes=spikes)
