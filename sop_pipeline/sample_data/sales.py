"""Order lines: each item-month's ordered and shipped quantity split over dated lines.

Lines are filled first come, first served, so in a stock-out month the late orders go short.
A few item-months also carry a return: a negative line (ordered, shipped and revenue negative).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.sample_data import vocab
from sop_pipeline.sample_data.months import MonthAxis, days_to_iso

SALES_COLUMNS = (
    "date",
    "item",
    "ordered_qty",
    "shipped_qty",
    "net_revenue",
    "customer",
    "channel",
    "location",
)
RETURN_SHARE = 0.05  # item-months with a return line
PROMO_DISCOUNT = 0.85  # price factor on promoted item-months


@dataclass(frozen=True)
class SalesLines:
    """All order lines, sorted by month, as columns (codes index the vocabularies)."""

    month: np.ndarray
    day: np.ndarray  # integer days since 1970-01-01
    item_idx: np.ndarray
    ordered: np.ndarray
    shipped: np.ndarray
    revenue: np.ndarray
    channel: np.ndarray
    customer: np.ndarray  # index into CUSTOMERS
    location: np.ndarray  # index into vocab.LOCATIONS

    def month_bounds(self, n_months: int) -> np.ndarray:
        """Row offsets of each month: lines of month t are ``[b[t], b[t+1])``."""
        return np.searchsorted(self.month, np.arange(n_months + 1))


CUSTOMERS = tuple(c for _, _, customers in vocab.CHANNELS for c in customers)
_CUSTOMER_START = np.cumsum([0] + [len(c) for _, _, c in vocab.CHANNELS])[:-1]
_CUSTOMER_COUNT = np.array([len(c) for _, _, c in vocab.CHANNELS])
_NET_FACTOR = np.array([f for _, f, _ in vocab.CHANNELS])


def _group_starts(group: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.r_[True, group[1:] != group[:-1]])


def _split(total: np.ndarray, k: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Split each ``total`` into ``k`` positive integer parts (``k <= total``)."""
    group = np.repeat(np.arange(len(total)), k)
    weight = rng.exponential(1.0, len(group))
    share = weight / np.bincount(group, weight)[group]
    parts = 1 + np.floor((total - k)[group] * share).astype(np.int64)
    first = _group_starts(group)
    parts[first] += total - np.bincount(group, parts, minlength=len(total)).astype(np.int64)
    return parts


def _pick_channel(mix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A channel index per row from per-row channel probabilities."""
    cum = np.cumsum(mix, axis=1)
    u = rng.random(len(mix))[:, None] * cum[:, -1:]
    return np.minimum((u > cum).sum(axis=1), mix.shape[1] - 1)


def _lines(
    fg: pd.DataFrame,
    demand: np.ndarray,
    shipped: np.ndarray,
    axis: MonthAxis,
    rng: np.random.Generator,
    max_lines: int,
) -> tuple[np.ndarray, ...]:
    """Positive order lines of every item-month with demand."""
    n_hist = axis.n_hist
    item, month = np.nonzero(demand[:, :n_hist] > 0)
    order = np.lexsort((item, month))
    item, month = item[order], month[order]
    ordered_total = demand[item, month]
    shipped_total = shipped[item, month]
    scale = 80.0 if max_lines > 4 else 400.0
    k = 1 + rng.poisson(np.minimum(ordered_total / scale, max_lines), len(item))
    k = np.minimum(np.minimum(k, max_lines), ordered_total)
    parts = _split(ordered_total, k, rng)
    group = np.repeat(np.arange(len(item)), k)
    launch_day = fg["_launch_days"].to_numpy()[item]
    first_day = np.maximum(axis.start_days[month], launch_day)
    span = axis.end_days[month] - first_day + 1
    day = first_day[group] + np.floor(rng.random(len(group)) * span[group]).astype(np.int64)
    sort = np.lexsort((day, group))
    day, group, parts = day[sort], group[sort], parts[sort]
    done_before = np.cumsum(parts) - parts
    done_before -= done_before[_group_starts(group)].repeat(k)
    ship = np.clip(shipped_total[group] - done_before, 0, parts)
    return item[group], month[group], day, parts, ship


def _returns(
    fg: pd.DataFrame, shipped: np.ndarray, axis: MonthAxis, rng: np.random.Generator
) -> tuple[np.ndarray, ...]:
    """Negative lines: a small share of a month's shipments coming back."""
    item, month = np.nonzero((shipped > 0) & (rng.random(shipped.shape) < RETURN_SHARE))
    qty = np.maximum(1, np.round(shipped[item, month] * rng.uniform(0.005, 0.03, len(item))))
    qty = np.minimum(qty, shipped[item, month]).astype(np.int64)
    launch_day = fg["_launch_days"].to_numpy()[item]
    first_day = np.maximum(axis.start_days[month], launch_day)
    span = axis.end_days[month] - first_day + 1
    day = first_day + np.floor(rng.random(len(item)) * span).astype(np.int64)
    return item, month, day, -qty


def generate_sales(
    fg: pd.DataFrame,
    demand: np.ndarray,
    shipped: np.ndarray,
    promo: np.ndarray,
    axis: MonthAxis,
    rng: np.random.Generator,
    max_lines: int = 4,
) -> SalesLines:
    """Order lines of the closed months, returns included, sorted by month, date and item.

    Args:
        fg: the finished goods (``_mix_*``, ``_share_3pl``, ``unit_price``, ``_launch_days``).
        demand: ordered quantity, finished goods x months (history used).
        shipped: shipped quantity, finished goods x closed months.
        promo: promotion multiplier; promoted item-months sell at a discount.
        axis: the month axis.
        rng: the random generator of this stage.
        max_lines: most order lines per item-month (the small sample uses more).
    """
    pos = _lines(fg, demand, shipped, axis, rng, max_lines)
    neg = _returns(fg, shipped, axis, rng)
    item, month, day, ordered, ship = (
        np.concatenate([a, b]) for a, b in zip(pos, (*neg, neg[3]), strict=True)
    )
    mix = fg[[f"_mix_{c}" for c, _, _ in vocab.CHANNELS]].to_numpy()
    channel = _pick_channel(mix[item], rng)
    customer = _CUSTOMER_START[channel] + np.floor(
        rng.random(len(item)) * _CUSTOMER_COUNT[channel]
    ).astype(np.int64)
    share = fg["_share_3pl"].to_numpy()[item]
    location = (rng.random(len(item)) < share).astype(np.int64)
    price = fg["unit_price"].to_numpy(dtype=float)[item] * _NET_FACTOR[channel]
    price = np.where(promo[item, month] > 1.0, price * PROMO_DISCOUNT, price)
    revenue = np.round(ship * price, 2)
    order = np.lexsort((ordered < 0, item, day, month))
    return SalesLines(
        month=month[order],
        day=day[order],
        item_idx=item[order],
        ordered=ordered[order],
        shipped=ship[order],
        revenue=revenue[order],
        channel=channel[order],
        customer=customer[order],
        location=location[order],
    )


def sales_frame(lines: SalesLines, lo: int, hi: int, item_codes: np.ndarray) -> pd.DataFrame:
    """The rows ``lo..hi`` of ``lines`` as a sales.csv frame."""
    rows = slice(lo, hi)
    channels = np.array([c for c, _, _ in vocab.CHANNELS], dtype=object)
    return pd.DataFrame(
        {
            "date": days_to_iso(lines.day[rows]),
            "item": item_codes[lines.item_idx[rows]],
            "ordered_qty": lines.ordered[rows],
            "shipped_qty": lines.shipped[rows],
            "net_revenue": lines.revenue[rows],
            "customer": np.array(CUSTOMERS, dtype=object)[lines.customer[rows]],
            "channel": channels[lines.channel[rows]],
            "location": np.array(vocab.LOCATIONS, dtype=object)[lines.location[rows]],
        },
        columns=list(SALES_COLUMNS),
    )
