"""Forecast errors by months ahead, per item: the input safety stock is sized from.

Safety stock needs the error of the forecast at the horizons that matter - 1, 2, ...,
``ceil(L + R)`` months ahead - not one error pooled over the whole forecast horizon. This module
turns what the forecast engine reports into an ``(items, horizons)`` table of root mean squared
errors ``sigma_h`` (units per month, ``h = 1..horizons``), and keeps the RMSE of *cumulative*
demand over ``k`` months where the engine reports it:

- per-horizon columns ``rmse_h1 .. rmse_hK`` given (for an item, ``rmse_h1`` not empty): used as
  they are (beyond ``K`` the last one);
- cumulative columns ``rmse_cum1 .. rmse_cumK`` given: returned apart, and preferred by the
  safety stock (:func:`sop_pipeline.supply.safety_stock.protection_variance`);
- only the pooled ``cv_rmse`` (the root of the mean squared error over ``h = 1..H`` months
  ahead, ``H`` = ``cv_horizon``): it is split into horizons with the growth the engine's own
  prediction intervals assume, ``sigma_h = sigma_1 h^a`` (``a = 0.5``: errors accumulate like a
  random walk's, for level, trend and seasonal models; ``a = 0`` for intermittent demand, whose
  error is mostly the month's own noise). Pooled ``cv_rmse^2 = mean_{j<=H} sigma_j^2``, so
  ``sigma_h = cv_rmse x h^a / sqrt(mean_{j=1..H} j^(2a))``; with ``a = 0.5`` and ``H = 12``,
  ``sigma_1 = cv_rmse / sqrt(6.5)``;
- no error at all (a product without cross-validation): ``sigma_h = default_cv x mean demand``
  at every horizon.

References:
    Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed., CRC
    Press 2017, estimating the standard deviation of forecast errors over the protection interval
    (``sigma_L = L^c sigma_1`` with ``c`` between 0.5 and 1, rather than assuming independent
    monthly errors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

SHORT_CV_HORIZON = 3
"""Months ahead scored by the engine's cross-validation of short series (class ``short``)."""
GROWTH_EXPONENT = {"intermittent": 0.0}
"""Error growth exponent ``a`` by series class; every other class 0.5."""
DEFAULT_GROWTH = 0.5

_HORIZON_COLUMN = re.compile(r"^rmse_h(\d+)$")
_CUMULATIVE_COLUMN = re.compile(r"^rmse_cum(\d+)$")


@dataclass(frozen=True)
class HorizonErrors:
    """Forecast errors per item (rows) by months ahead (columns ``1..K``)."""

    by_horizon: pd.DataFrame  # RMSE of the forecast h months ahead, units per month
    cumulative: pd.DataFrame | None  # RMSE of demand summed over the next k months, if known


def pooled_to_horizons(
    pooled_rmse: np.ndarray, cv_horizon: np.ndarray, exponent: np.ndarray, horizons: int
) -> np.ndarray:
    """Split a pooled cross-validation RMSE into RMSEs by months ahead.

    Formula: ``sigma_h = pooled x h^a / sqrt(mean_{j=1..H} j^(2a))`` for ``h = 1..horizons``.

    Args:
        pooled_rmse: RMSE pooled over horizons ``1..H`` per item.
        cv_horizon: ``H`` per item (at least 1).
        exponent: growth exponent ``a`` per item.
        horizons: number of horizons returned.

    Returns:
        ``(items, horizons)`` array.
    """
    pooled = np.asarray(pooled_rmse, dtype=float)
    big_h = np.maximum(np.asarray(cv_horizon, dtype=float), 1.0).astype(int)
    a = np.asarray(exponent, dtype=float)
    j = np.arange(1, int(big_h.max(initial=1)) + 1, dtype=float)
    mask = j[None, :] <= big_h[:, None]
    mean_growth = (np.where(mask, j[None, :] ** (2 * a[:, None]), 0.0)).sum(axis=1) / big_h
    h = np.arange(1, horizons + 1, dtype=float)
    return pooled[:, None] * h[None, :] ** a[:, None] / np.sqrt(mean_growth)[:, None]


def horizon_errors(
    forecast_error: pd.DataFrame,
    items: pd.Index,
    mean_demand: pd.Series,
    horizons: int,
    *,
    default_cv_horizon: int = 12,
    default_cv: float = 0.5,
) -> HorizonErrors:
    """Forecast errors of every item by months ahead (rules in the module docstring).

    Args:
        forecast_error: One row per item: ``item`` and ``rmse_h<k>`` columns, or ``cv_rmse``
            (optionally ``cv_horizon`` and ``series_class``); ``rmse_cum<k>`` optional.
        items: The items wanted (rows of the result; items without a row get the default).
        mean_demand: Mean monthly demand per item (index: item), for the default error.
        horizons: Months ahead wanted (columns ``1..horizons``).
        default_cv_horizon: ``H`` of the pooled error when ``cv_horizon`` is not given (the
            forecast horizon; class ``short``: :data:`SHORT_CV_HORIZON`).
        default_cv: Error as a fraction of mean demand for items without one.

    Returns:
        :class:`HorizonErrors` over ``items``.

    Raises:
        ValueError: for a negative error or ``default_cv``, or a frame without ``item``.
    """
    if "item" not in forecast_error.columns:
        raise ValueError("forecast_error is missing column 'item'")
    if not default_cv >= 0:
        raise ValueError(f"default_cv must be a non-negative fraction, got {default_cv!r}")
    errors = forecast_error.assign(item=forecast_error["item"].astype(str))
    errors = errors.drop_duplicates("item", keep="last").set_index("item").reindex(items)
    mean = mean_demand.reindex(items).fillna(0.0).to_numpy(float)
    pooled = pd.to_numeric(
        errors.get("cv_rmse", pd.Series(np.nan, index=items)), errors="raise"
    ).to_numpy(float)
    classes = errors.get("series_class", pd.Series(None, index=items)).astype(object)
    exponent = classes.map(GROWTH_EXPONENT).fillna(DEFAULT_GROWTH).to_numpy(float)
    cv_h = pd.to_numeric(
        errors.get("cv_horizon", pd.Series(np.nan, index=items)), errors="coerce"
    ).to_numpy(float)
    fallback = np.where(classes.to_numpy() == "short", SHORT_CV_HORIZON, default_cv_horizon)
    cv_h = np.where(np.isnan(cv_h) | (cv_h < 1), fallback, cv_h)
    sigma = pooled_to_horizons(np.nan_to_num(pooled), cv_h, exponent, horizons)
    sigma[np.isnan(pooled)] = np.nan
    per_h = _numbered(errors, _HORIZON_COLUMN)
    if per_h is not None:
        given = ~np.isnan(per_h[:, 0])
        sigma[given] = _extend(per_h[given], horizons)
    if np.any(sigma < 0):
        raise ValueError("forecast errors (RMSE) must not be negative")
    missing = np.isnan(sigma).all(axis=1)
    sigma[missing] = (default_cv * mean)[missing, None]
    sigma = np.where(np.isnan(sigma), 0.0, sigma)
    cumulative = _numbered(errors, _CUMULATIVE_COLUMN)
    columns = pd.RangeIndex(1, horizons + 1)
    return HorizonErrors(
        by_horizon=pd.DataFrame(sigma, index=items, columns=columns),
        cumulative=None
        if cumulative is None
        else pd.DataFrame(
            cumulative,
            index=items,
            columns=pd.RangeIndex(1, cumulative.shape[1] + 1),
        ),
    )


def _numbered(errors: pd.DataFrame, pattern: re.Pattern[str]) -> np.ndarray | None:
    """The columns ``<name>1..<name>K`` as an array (K consecutive from 1), or None."""
    found = {int(m.group(1)): c for c in errors.columns if (m := pattern.match(str(c)))}
    if not found:
        return None
    k = 1
    while k + 1 in found:
        k += 1
    return np.column_stack(
        [pd.to_numeric(errors[found[i]], errors="raise").to_numpy(float) for i in range(1, k + 1)]
    )


def _extend(values: np.ndarray, horizons: int) -> np.ndarray:
    """``values`` with columns beyond its last repeated up to ``horizons`` (or cut)."""
    if values.shape[1] >= horizons:
        return values[:, :horizons].copy()
    extra = np.repeat(values[:, -1:], horizons - values.shape[1], axis=1)
    return np.concatenate([values, extra], axis=1)
