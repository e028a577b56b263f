"""Demand as a Normal distribution from the forecast's 80 % interval, and what a supply
position is expected to lose against it.

Demand of an item in a month is Normal with mean ``mu = forecast_qty`` and standard deviation
``sigma = (hi80 - lo80) / (2 z)``, ``z = Phi^-1(0.9) = 1.2816``. With supply ``S`` available,
the expected lost sales are ``sigma L((S - mu) / sigma)`` with the standard normal loss
function ``L(z) = phi(z) - z (1 - Phi(z))`` (``max(0, mu - S)`` when ``sigma = 0``).

References:
    Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
    ch. 6 (the standard normal loss function, expected shortage per cycle).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

Z80 = float(norm.ppf(0.9))  # 1.2816: hi80 and lo80 are mu +- Z80 sigma


def normal_loss(z: np.ndarray | float) -> np.ndarray:
    """The standard normal loss function ``L(z) = E[max(Z - z, 0)] = phi(z) - z (1 - Phi(z))``."""
    z = np.asarray(z, dtype=float)
    return norm.pdf(z) - z * norm.sf(z)


def demand_sigma(lo80: np.ndarray, hi80: np.ndarray) -> np.ndarray:
    """Standard deviation of Normal demand from its 80 % interval: ``(hi80 - lo80) / (2 z)``."""
    width = np.asarray(hi80, dtype=float) - np.asarray(lo80, dtype=float)
    return np.maximum(np.nan_to_num(width, nan=0.0), 0.0) / (2 * Z80)


def expected_lost(mu: np.ndarray, sigma: np.ndarray, supply: np.ndarray) -> np.ndarray:
    """Expected lost sales with Normal demand and ``supply`` available: ``sigma L((S - mu) /
    sigma)``, or ``max(0, mu - S)`` when ``sigma`` is 0."""
    mu, sigma, supply = (np.asarray(a, dtype=float) for a in (mu, sigma, supply))
    safe = np.where(sigma > 0, sigma, 1.0)
    lost = np.where(
        sigma > 0, sigma * normal_loss((supply - mu) / safe), np.maximum(mu - supply, 0.0)
    )
    return np.maximum(lost, 0.0)
