"""Count distributions for slow movers: the order-up-to level and the expected shortage when
demand over the protection interval is negative binomial (over-dispersed) or Poisson.

References:
    Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed., CRC
    Press 2017, slow-moving items (Poisson and negative binomial demand).
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def _count_distribution(mean: np.ndarray, variance: np.ndarray) -> tuple[np.ndarray, ...]:
    """Negative-binomial parameters ``(n, p)`` where over-dispersed, else the Poisson flag."""
    m = np.asarray(mean, dtype=float)
    v = np.maximum(np.asarray(variance, dtype=float), 0.0)
    overdispersed = v > m * (1 + 1e-9)
    n = np.where(overdispersed, m**2 / np.where(overdispersed, v - m, 1.0), 1.0)
    p = np.where(overdispersed, m / np.where(v > 0, v, 1.0), 0.5)
    return m, overdispersed, n, p


def discrete_order_up_to(
    service_level: np.ndarray, mean: np.ndarray, variance: np.ndarray
) -> np.ndarray:
    """Order-up-to level for slow movers: the service-level quantile of a count distribution.

    Demand over the protection interval has mean ``m`` and variance ``v``; it is negative
    binomial with ``n = m^2 / (v - m)``, ``p = m / v`` when ``v > m`` and Poisson(``m``)
    otherwise. ``S = min{s : F(s) >= service_level}`` (whole units).

    References:
        Silver, Pyke & Thomas, 4th ed., slow-moving items (Poisson and negative binomial demand).
    """
    m, overdispersed, n, p = _count_distribution(mean, variance)
    level = np.broadcast_to(np.asarray(service_level, dtype=float), m.shape)
    order_up_to = np.where(
        overdispersed, stats.nbinom.ppf(level, n, p), stats.poisson.ppf(level, m)
    )
    return np.nan_to_num(order_up_to, nan=0.0)


def discrete_expected_shortage(
    level: np.ndarray, mean: np.ndarray, variance: np.ndarray
) -> np.ndarray:
    """Expected shortage per cycle ``E[(X - s)+]`` of the count distribution of
    :func:`discrete_order_up_to` at stock level ``s``.

    Formula (closed form, from ``x P_X(x) = m P_Y(x - 1)`` with ``Y`` Poisson(``m``) or
    negative binomial ``(n + 1, p)``): ``E[(X - s)+] = m P(Y >= floor(s)) - s P(X > floor(s))``.

    References:
        Silver, Pyke & Thomas, 4th ed., slow-moving items (expected shortages per cycle).
    """
    m, overdispersed, n, p = _count_distribution(mean, variance)
    s = np.asarray(level, dtype=float)
    whole = np.floor(s + 1e-9)
    tail_y = np.where(
        overdispersed, stats.nbinom.sf(whole - 1, n + 1, p), stats.poisson.sf(whole - 1, m)
    )
    tail_x = np.where(overdispersed, stats.nbinom.sf(whole, n, p), stats.poisson.sf(whole, m))
    return np.maximum(m * tail_y - s * tail_x, 0.0)
