"""Stock held in expiry buckets, consumed first-expiry-first-out (FEFO), for many items at once.

A bucket array has one row per item and ``horizon + 2`` columns: column ``u`` holds the stock that
is usable through month ``u`` (see :func:`sop_pipeline.supply._common.usable_through`); column 0 is
stock already expired at the plan date, the last column stock that does not expire within the
horizon. Ascending columns are ascending expiry, so FEFO consumption takes columns left to right.
"""

from __future__ import annotations

import numpy as np


def fill_buckets(
    rows: np.ndarray, buckets: np.ndarray, qty: np.ndarray, n_rows: int, horizon: int
) -> np.ndarray:
    """Sum quantities into a ``(n_rows, horizon + 2)`` bucket array.

    Args:
        rows: Row (item position) of each lot.
        buckets: Usable-through bucket of each lot, in ``0..horizon + 1``.
        qty: Quantity of each lot.
        n_rows: Number of rows.
        horizon: Months in the horizon.
    """
    width = horizon + 2
    flat = np.asarray(rows, dtype=np.int64) * width + np.asarray(buckets, dtype=np.int64)
    weights = np.asarray(qty, dtype=float)
    counts = np.bincount(flat, weights=weights, minlength=n_rows * width)
    return counts.astype(float).reshape(n_rows, width)


def expire(stock: np.ndarray, month: int) -> np.ndarray:
    """Remove, and return per row, the stock no longer usable in ``month`` (columns < month)."""
    gone = stock[:, :month].sum(axis=1)
    stock[:, :month] = 0.0
    return gone


def add(stock: np.ndarray, qty: np.ndarray, bucket: np.ndarray) -> None:
    """Add ``qty[i]`` to column ``bucket[i]`` of row ``i`` (in place)."""
    stock[np.arange(stock.shape[0]), bucket] += qty


def consume_fefo(stock: np.ndarray, qty: np.ndarray) -> np.ndarray:
    """Take up to ``qty[i]`` from row ``i``, earliest expiry first (in place).

    Formula: with ``C_u`` the cumulative stock of columns ``0..u``, column ``u`` gives
    ``min(C_u, q) - min(C_{u-1}, q)``.

    Returns:
        The quantity taken per row (less than asked where the row runs out).

    References:
        Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
        perishable items issued first-expiry-first-out.
    """
    cum = np.cumsum(stock, axis=1)
    taken = np.minimum(cum, np.asarray(qty, dtype=float)[:, None])
    used = np.diff(taken, axis=1, prepend=0.0)
    stock -= used
    np.maximum(stock, 0.0, out=stock)
    return taken[:, -1]
