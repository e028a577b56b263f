"""Time-phased safety stock and order-up-to targets from the forecast error over the protection
interval, for many items at once (numpy over items and months).

An item reviewed every ``R`` months with a lead time of ``L`` months (fractional, ``lead_time_days
/ 30.4375``) must hold, after ordering, enough to cover demand over the protection interval
``P = L + R``. For every month ``t = 1..T`` of the plan:

- **Window demand** ``D_t = sum_{j=1}^{ceil(P)} w_j f_{t+j}`` with ``f`` the monthly forecast
  and ``w_j = 1`` except the last, ``P - floor(P)`` when ``P`` is fractional: month ``t``'s
  safety stock is the stock to hold at the end of month ``t`` (where the MRP and the
  constrained plan hold it), which protects the months after it, not the month that has gone.
  Months past the forecast horizon take the forecast of the same calendar month a year
  earlier (horizons of 12 months or more), else the horizon's mean.
- **Error of the window's demand at the average level**, ``V(P)``: from the RMSE of cumulative
  demand over ``k`` months where it is known, ``V(P) = C_{floor(P)}^2 + (P - floor(P))
  (C_{ceil(P)}^2 - C_{floor(P)}^2)`` (``C_0 = 0``); otherwise from the errors by months ahead,
  ``V(P) = sum_{h=1}^{floor(P)} sigma_h^2 + (P - floor(P)) sigma_{ceil(P)}^2`` (errors of
  different months ahead taken as independent).
- **Seasonal scaling**: forecast errors grow with the demand level, so the error of window
  ``t`` is ``V(P)`` scaled by the window's demand against an average window, ``s_t = D_t /
  (P mu)`` with ``mu`` the mean monthly forecast over the horizon. With lead-time variability
  (standard deviation ``sigma_L`` months): ``sigma_t^2 = s_t^2 V(P) + (D_t / P)^2 sigma_L^2``.
- **Safety stock** (normal errors): ``SS_t = max(0, k sigma_t)``, ``k = Phi^-1(service level)``
  (cycle service level). Intermittent items: demand over the window is negative binomial (or
  Poisson) with mean ``D_t`` and variance ``sigma_t^2``, the order-up-to level is its
  service-level quantile ``S_t`` (whole units) and ``SS_t = max(0, S_t - D_t)``.
- **Target** (order-up-to level at the end of month ``t``, the review) ``S_t = D_t + SS_t``.
- **Order point** (the level at which an item reviewed continuously would order; its buffer
  covers the lead time only): ``D^L + k sigma^L`` over the window of length ``L`` from month 1,
  with ``sigma^L`` as above for ``P = L``.

A flat forecast with errors equal at every horizon gives back the textbook
``SS = k sqrt((L + R) sigma^2 + mu^2 sigma_L^2)``.

References:
    Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed., CRC
    Press 2017: the (R, S) system and its protection interval ``R + L``; safety stock with a
    random lead time; the standard deviation of forecast errors over the protection interval
    estimated directly or from the one-period error (``sigma_L = L^c sigma_1``); forecast
    errors proportional to the forecast level and safety stocks that follow seasonal demand;
    slow-moving items (Poisson and negative binomial demand).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from sop_pipeline.supply.counts import discrete_expected_shortage, discrete_order_up_to


def unit_normal_loss(k: np.ndarray) -> np.ndarray:
    """Unit normal loss function ``G(k) = phi(k) - k (1 - Phi(k))`` = ``E[(Z - k)+]``.

    References:
        Silver, Pyke & Thomas, 4th ed., the unit normal loss function ``G_u(k)``.
    """
    k = np.asarray(k, dtype=float)
    return stats.norm.pdf(k) - k * stats.norm.sf(k)


def protection_variance(
    sigma_h: np.ndarray, periods: np.ndarray, cumulative: np.ndarray | None = None
) -> np.ndarray:
    """Variance of the forecast error of demand summed over ``periods`` months.

    Formula (module docstring): from the cumulative RMSEs ``C_k`` where ``ceil(periods)`` is
    within them, else ``sum_{h <= floor(P)} sigma_h^2 + frac(P) sigma_{ceil(P)}^2``; horizons
    beyond the last column repeat it.

    Args:
        sigma_h: ``(items, H)`` RMSE of the forecast ``h = 1..H`` months ahead.
        periods: ``P`` per item (months, may be fractional, >= 0).
        cumulative: ``(items, K)`` RMSE of demand summed over ``k = 1..K`` months, or None;
            NaN where unknown.

    Returns:
        ``V(P)`` per item.
    """
    sigma = np.asarray(sigma_h, dtype=float)
    p = np.maximum(np.asarray(periods, dtype=float), 0.0)
    whole = np.floor(p + 1e-9).astype(int)
    frac = np.clip(p - whole, 0.0, 1.0)
    frac = np.where(frac < 1e-9, 0.0, frac)
    need = int(whole.max(initial=0)) + 1
    if sigma.shape[1] < need:
        sigma = np.concatenate([sigma, np.repeat(sigma[:, -1:], need - sigma.shape[1], 1)], 1)
    var = sigma**2
    cum = np.concatenate([np.zeros((len(p), 1)), np.cumsum(var, axis=1)], axis=1)
    rows = np.arange(len(p))
    result = cum[rows, whole] + frac * var[rows, np.minimum(whole, var.shape[1] - 1)]
    if cumulative is not None and cumulative.shape[1]:
        c = np.concatenate([np.zeros((len(p), 1)), np.asarray(cumulative, float) ** 2], axis=1)
        upper = np.minimum(whole + (frac > 0), c.shape[1] - 1)
        known = (whole + (frac > 0) <= c.shape[1] - 1) & ~np.isnan(c[rows, upper])
        known &= ~np.isnan(c[rows, np.minimum(whole, c.shape[1] - 1)])
        low = c[rows, np.minimum(whole, c.shape[1] - 1)]
        from_cumulative = low + frac * (c[rows, upper] - low)
        result = np.where(known, from_cumulative, result)
    return result


def extend_forecast(forecast: np.ndarray, extra: int) -> np.ndarray:
    """The forecast with ``extra`` months appended past the horizon: the same calendar month a
    year earlier where the horizon holds 12 months or more, else the horizon's mean."""
    f = np.asarray(forecast, dtype=float)
    n, horizon = f.shape
    if extra <= 0:
        return f.copy()
    if horizon >= 12:
        idx = np.arange(horizon, horizon + extra)
        idx = idx - 12 * np.ceil((idx - horizon + 1) / 12).astype(int)
        tail = f[:, idx]
    else:
        tail = np.repeat(f.mean(axis=1, keepdims=True), extra, axis=1)
    return np.concatenate([f, tail], axis=1)


def window_demand(forecast: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Demand over the window of ``P`` months starting at each month: ``(items, T)``.

    Formula: ``D_t = sum_{j=0}^{ceil(P)-1} w_j f_{t+j}``, ``w_j = 1`` except the last,
    ``P - floor(P)`` (module docstring), months past the horizon by :func:`extend_forecast`.
    """
    f = np.asarray(forecast, dtype=float)
    n, horizon = f.shape
    p = np.maximum(np.asarray(periods, dtype=float), 0.0)
    whole = np.floor(p + 1e-9).astype(int)
    frac = np.clip(p - whole, 0.0, 1.0)
    frac = np.where(frac < 1e-9, 0.0, frac)
    ext = extend_forecast(f, int(whole.max(initial=0)) + 1)
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(ext, axis=1)], axis=1)
    t = np.arange(horizon)[None, :]
    end = t + whole[:, None]
    rows = np.arange(n)[:, None]
    return cum[rows, end] - cum[rows, t] + frac[:, None] * ext[rows, end]


@dataclass(frozen=True)
class Targets:
    """Time-phased targets ``(items, T)`` and the month-1 order point and shortage ``(items,)``.

    ``method`` per item: ``normal``, ``negative_binomial``, ``poisson``, ``phase_out`` or
    ``no_demand``.
    """

    method: np.ndarray
    window_demand: np.ndarray
    window_std: np.ndarray
    safety_stock: np.ndarray
    target_stock: np.ndarray
    order_point: np.ndarray
    expected_shortage: np.ndarray


def time_phased_targets(
    forecast: np.ndarray,
    sigma_h: np.ndarray,
    lead_months: np.ndarray,
    lead_std_months: np.ndarray,
    review_months: float,
    service_level: np.ndarray,
    *,
    cumulative: np.ndarray | None = None,
    intermittent: np.ndarray | None = None,
    phase_out: np.ndarray | None = None,
) -> Targets:
    """Safety stock and target stock per item and month (formulas in the module docstring).

    Args:
        forecast: ``(items, T)`` monthly demand forecast (components: dependent demand).
        sigma_h: ``(items, H)`` RMSE of the forecast ``h`` months ahead at the average level.
        lead_months: Lead time ``L`` per item (months).
        lead_std_months: Standard deviation of the lead time per item (months).
        review_months: Review period ``R`` (months, > 0).
        service_level: Cycle service level per item, in (0, 1).
        cumulative: ``(items, K)`` RMSE of demand summed over ``k`` months, or None.
        intermittent: Items planned with a count distribution.
        phase_out: Items that hold no safety stock.

    Returns:
        :class:`Targets`.

    Raises:
        ValueError: for a non-positive review period or a service level outside (0, 1).

    References:
        Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.
    """
    if not review_months > 0:
        raise ValueError(f"review_months must be positive, got {review_months!r}")
    f = np.asarray(forecast, dtype=float)
    n, horizon = f.shape
    sl = np.broadcast_to(np.asarray(service_level, dtype=float), (n,))
    if np.any(~((sl > 0) & (sl < 1))):
        raise ValueError("service levels must be fractions strictly between 0 and 1")
    lead = np.asarray(lead_months, dtype=float)
    lead_std = np.asarray(lead_std_months, dtype=float)
    slow = np.zeros(n, bool) if intermittent is None else np.asarray(intermittent, bool)
    out = np.zeros(n, bool) if phase_out is None else np.asarray(phase_out, bool)
    mu = f.mean(axis=1) if horizon else np.zeros(n)
    has_demand = mu > 0
    k = stats.norm.ppf(sl)

    def error(periods: np.ndarray, demand: np.ndarray) -> np.ndarray:
        level = protection_variance(sigma_h, periods, cumulative)
        scale = np.divide(
            demand,
            (periods * mu)[:, None],
            out=np.zeros_like(demand),
            where=(periods * mu)[:, None] > 0,
        )
        per_month = np.divide(
            demand, periods[:, None], out=np.zeros_like(demand), where=periods[:, None] > 0
        )
        return np.sqrt(scale**2 * level[:, None] + per_month**2 * lead_std[:, None] ** 2)

    protection = lead + review_months
    # the stock at the end of month t protects the months after it: its window starts at t + 1
    demand = window_demand(extend_forecast(f, 1)[:, 1:], protection)
    std = error(protection, demand)
    ss = np.maximum(0.0, k[:, None] * std)
    shortage = std[:, 0] * unit_normal_loss(
        np.divide(ss[:, 0], std[:, 0], out=np.zeros(n), where=std[:, 0] > 0)
    )
    lead_demand = window_demand(f, lead)[:, 0] if horizon else np.zeros(n)
    lead_std_total = error(lead, lead_demand[:, None])[:, 0]
    order_point = lead_demand + np.maximum(0.0, k * lead_std_total)

    counted = slow & has_demand & ~out
    method = np.select(
        [~has_demand, out, counted], ["no_demand", "phase_out", "negative_binomial"], "normal"
    ).astype(object)
    if counted.any():
        m, v = demand[counted], std[counted] ** 2
        level = np.repeat(sl[counted, None], horizon, axis=1)
        ss[counted] = np.maximum(discrete_order_up_to(level, m, v) - m, 0.0)
        shortage[counted] = discrete_expected_shortage(m[:, 0] + ss[counted, 0], m[:, 0], v[:, 0])
        method[counted] = np.where(v[:, 0] > m[:, 0] * (1 + 1e-9), "negative_binomial", "poisson")
        lm, lv = lead_demand[counted], lead_std_total[counted] ** 2
        order_point[counted] = np.maximum(discrete_order_up_to(sl[counted], lm, lv), lm)
    inactive = ~has_demand | out
    ss[inactive] = 0.0
    shortage[inactive] = 0.0
    order_point[inactive] = lead_demand[inactive]
    return Targets(
        method=method,
        window_demand=demand,
        window_std=std,
        safety_stock=ss,
        target_stock=demand + ss,
        order_point=order_point,
        expected_shortage=shortage,
    )
