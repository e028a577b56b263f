"""Forecast errors by months ahead, per series: what safety stock is sized from.

Errors grow with the level of demand, so they are measured relative to the level at which
they were made and applied at the level they are used at: each hold-out error ``e_wj`` (window
``w``, ``j`` months ahead) is divided by the forecast it belongs to, ``r_wj = e_wj / f_wj``
(``f_wj`` floored at a quarter of the series' mean hold-out forecast, so a trough month does
not blow the ratio up), and the result is expressed at the *average level of the forecast
over the horizon*, ``mu`` (the level safety stock scales from, month by month, see
:mod:`sop_pipeline.supply.safety_stock`). An error measured in a high season is thus not
applied unchanged in a low one. A series whose hold-out forecasts are all zero keeps its
errors in units.

Each series has too few cross-validation windows to measure its error at every horizon on its
own. So the *scale* comes from the series and the *shape* from its group:

- ``sigma_1``, the series' one-month-ahead relative error, from all its hold-out errors with
  the growth its prediction intervals assume: ``sigma_1^2 = mean_{w,j} r_wj^2 / j^(2a)``;
- ``g(j)``, how the error grows with the months ahead ``j``, measured over the whole group:
  ``g(j)^2 = mean over series and windows of (r_wj / sigma_1)^2``; and ``G(k)`` likewise for the
  error of demand summed over the next ``k`` months (``R_wk = sum_{j<=k} r_wj``), which also
  carries the correlation between the months' errors;
- beyond the cross-validated months both continue the power law through their first and last
  measured values.

Then ``rmse(j) = mu sigma_1 g(j)`` and ``rmse_cumulative(k) = mu sigma_1 G(k)`` (units at the
level ``mu``, the ``error_level`` column).

References:
    Silver, E. A., Pyke, D. F. and Thomas, D. J. (2017). Inventory and Production Management in
    Supply Chains, 4th ed., section 6.7 (the standard deviation of forecast errors over the
    protection interval). CRC Press.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ERROR_COLUMNS = ["unique_id", "months_ahead", "rmse", "rmse_cumulative", "error_level"]
LEVEL_FLOOR = 0.25
"""A hold-out forecast below this share of the series' mean hold-out forecast divides its
error as if it were that share: low months' ratios stay bounded."""


def horizon_errors(
    ids: np.ndarray,
    errors: np.ndarray,
    windows: int,
    exponent: float,
    horizon: int,
    *,
    forecasts: np.ndarray | None = None,
    level: np.ndarray | None = None,
) -> pd.DataFrame:
    """Errors by months ahead of a group of cross-validated series.

    Args:
        ids: the series, in row order.
        errors: forecast minus actual of the chosen model, ``(n_series, windows * h)``, each
            window's ``h`` months in order (NaN where unknown).
        windows: cross-validation windows.
        exponent: the growth exponent of the group's intervals (``a`` above).
        horizon: months ahead wanted (1..horizon).
        forecasts: the chosen model's hold-out forecasts (the shape of ``errors``) that the
            errors are made relative to; ``None``: errors stay in units.
        level: per series, the level the errors are expressed at (``mu``, the mean forecast
            over the horizon); needed with ``forecasts``.

    Returns:
        ``unique_id, months_ahead, rmse, rmse_cumulative, error_level``, ``horizon`` rows per
        series.
    """
    n = len(ids)
    if n == 0:
        return pd.DataFrame(columns=ERROR_COLUMNS)
    scale = np.ones(n)
    expressed_at = np.full(n, np.nan)
    if forecasts is not None:
        if level is None:
            raise ValueError("relative errors need the level they are expressed at")
        f = np.asarray(forecasts, dtype=float)
        mean = np.nanmean(np.where(f > 0, f, 0.0), axis=1)
        relative = mean > 0
        floor = (LEVEL_FLOOR * mean)[:, None]
        divisor = np.where(relative[:, None], np.maximum(f, floor), 1.0)
        errors = errors / divisor
        scale = np.where(relative, np.asarray(level, dtype=float), 1.0)
        expressed_at = np.where(relative, scale, np.nan)
    e = errors.reshape(n, windows, -1)
    h = e.shape[2]
    j = np.arange(1, h + 1, dtype=float)
    sigma_1 = np.sqrt(np.nanmean(e**2 / j ** (2 * exponent), axis=(1, 2)))
    safe = np.where(sigma_1 > 0, sigma_1, np.nan)[:, None, None]
    growth = _group_rms(e / safe)
    cumulative = _group_rms(np.cumsum(np.nan_to_num(e), axis=2) / safe)
    steps = np.arange(1, horizon + 1)
    per_month = (scale * sigma_1)[:, None] * _extend(growth, horizon)[None, :]
    summed = (scale * sigma_1)[:, None] * _extend(cumulative, horizon)[None, :]
    return pd.DataFrame(
        {
            "unique_id": np.repeat(ids, horizon),
            "months_ahead": np.tile(steps, n),
            "rmse": np.nan_to_num(per_month).ravel(),
            "rmse_cumulative": np.nan_to_num(summed).ravel(),
            "error_level": np.repeat(expressed_at, horizon),
        }
    )


def _group_rms(ratios: np.ndarray) -> np.ndarray:
    """Root mean square over series and windows, per months ahead (1 where unmeasurable)."""
    squares = ratios**2
    known = np.isfinite(squares)
    count = known.sum(axis=(0, 1))
    total = np.where(known, squares, 0.0).sum(axis=(0, 1))
    rms = np.sqrt(np.divide(total, count, out=np.full(count.shape, np.nan), where=count > 0))
    return np.where(np.isfinite(rms) & (rms > 0), rms, 1.0)


def _extend(values: np.ndarray, horizon: int) -> np.ndarray:
    """``values`` (months 1..h) continued to ``horizon`` months by their power law."""
    h = len(values)
    if horizon <= h:
        return values[:horizon]
    power = np.log(values[-1] / values[0]) / np.log(h) if h > 1 else 0.5
    ahead = values[-1] * (np.arange(h + 1, horizon + 1) / h) ** power
    return np.r_[values, ahead]
