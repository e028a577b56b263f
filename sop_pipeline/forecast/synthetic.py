"""Generated monthly demand for tests and the speed benchmark (reproducible from a seed)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def seasonal_series(
    n_series: int,
    n_months: int,
    *,
    level: float = 100.0,
    amplitude: float = 0.3,
    noise: float = 0.08,
    trend: float = 0.0,
    end: str = "2024-12-01",
    seed: int = 0,
    prefix: str = "seasonal",
    phase: float | None = None,
) -> pd.DataFrame:
    """Smooth demand with a yearly cycle: ``level * (1 + trend * t) * (1 + amplitude * sin)``.

    Args:
        n_series: how many series.
        n_months: months per series, ending at ``end``.
        level: mean demand.
        amplitude: relative seasonal swing.
        noise: relative standard deviation of the multiplicative noise.
        trend: relative growth per month.
        end: last month.
        seed: random seed.
        prefix: ids are ``<prefix>-<i>``.
        phase: the cycle's phase in radians (the peak month); ``None``: random per series.

    Returns:
        ``unique_id, ds, y`` (``y >= 0``).
    """
    rng = np.random.default_rng(seed)
    ds = pd.date_range(end=end, periods=n_months, freq="MS")
    t = np.arange(n_months)
    phase = rng.uniform(0, 2 * np.pi, (n_series, 1)) if phase is None else phase
    scale = level * rng.uniform(0.5, 2.0, (n_series, 1))
    season = 1 + amplitude * np.sin(2 * np.pi * ds.month.to_numpy() / 12 + phase)
    y = scale * (1 + trend * t) * season * (1 + noise * rng.standard_normal((n_series, n_months)))
    return _long(prefix, ds, np.maximum(y, 0.0))


def intermittent_series(
    n_series: int,
    n_months: int,
    *,
    p_demand: float = 0.3,
    size: float = 5.0,
    end: str = "2024-12-01",
    seed: int = 0,
    prefix: str = "intermittent",
) -> pd.DataFrame:
    """Sporadic demand: a month has demand with probability ``p_demand``, of Poisson size.

    Args:
        n_series: how many series.
        n_months: months per series, ending at ``end``.
        p_demand: probability of a month with demand.
        size: mean demand size when there is demand (1 + Poisson(size - 1)).
        end: last month.
        seed: random seed.
        prefix: ids are ``<prefix>-<i>``.

    Returns:
        ``unique_id, ds, y``; every series has demand in its first month.
    """
    rng = np.random.default_rng(seed)
    ds = pd.date_range(end=end, periods=n_months, freq="MS")
    occurs = rng.random((n_series, n_months)) < p_demand
    occurs[:, 0] = True
    sizes = 1 + rng.poisson(size - 1, (n_series, n_months))
    return _long(prefix, ds, (occurs * sizes).astype(float))


def product_portfolio(
    n_series: int, n_months: int = 48, seed: int = 0, n_families: int = 10
) -> pd.DataFrame:
    """A company's portfolio: 70% smooth (half trending), 20% intermittent, 6% short, 4% new.

    The smooth, short and new products of a family share the family's seasonal peak month.

    Args:
        n_series: how many series in total (at least ``n_families``).
        n_months: history length of the established products.
        seed: random seed.
        n_families: families ``F0, F1, ...``.

    Returns:
        ``unique_id, ds, y, family``; short products have 12 months, new ones 3.
    """
    shares = np.array([0.35, 0.35, 0.20, 0.06, 0.04])
    parts = []
    for f in range(n_families):
        size = n_series // n_families + (f < n_series % n_families)
        counts = np.floor(shares * size).astype(int)
        counts[0] += size - counts.sum()
        phase = 2 * np.pi * f / n_families
        kinds = [
            seasonal_series(counts[0], n_months, seed=seed, prefix="flat", phase=phase),
            seasonal_series(
                counts[1], n_months, trend=0.01, seed=seed + 1, prefix="trend", phase=phase
            ),
            intermittent_series(counts[2], n_months, seed=seed + 2, prefix="sparse"),
            seasonal_series(counts[3], 12, seed=seed + 3, prefix="short", phase=phase),
            seasonal_series(counts[4], 3, seed=seed + 4, prefix="new", phase=phase),
        ]
        family = pd.concat(kinds, ignore_index=True)
        family["unique_id"] = f"F{f}-" + family["unique_id"]
        family["family"] = f"F{f}"
        parts.append(family)
        seed += 5
    return pd.concat(parts, ignore_index=True)


def _long(prefix: str, ds: pd.DatetimeIndex, values: np.ndarray) -> pd.DataFrame:
    n_series, n_months = values.shape
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"{prefix}-{i}" for i in range(n_series)], n_months),
            "ds": np.tile(ds.to_numpy(), n_series),
            "y": values.ravel(),
        }
    )
