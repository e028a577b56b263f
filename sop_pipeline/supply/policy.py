"""Inventory policy per item: safety stock, reorder point, target stock, months of cover.

All items are planned as a periodic-review, order-up-to system reviewed every ``R`` months (the
monthly S&OP cycle), so the protection interval is ``P = L + R`` with ``L`` the lead time in
months (``lead_time_days / 30.4375``, not rounded here).

- Demand per month ``mu``: the mean forecast over the horizon (finished goods); for components
  the BOM explosion of their parents' means (``sum factor x mu_parent``, scrap included).
- Forecast error per month ``sigma``: the chosen model's cross-validated 1-month-ahead RMSE
  (``cv_rmse``), not the variance of raw demand; ``default_cv x mu`` when it is missing (new
  products). For components ``sigma_c^2 = sum factor^2 x sigma_parent^2`` (independent errors).
- Smooth, seasonal, short, new and component items (method ``normal``): demand over the
  protection interval is normal with variance ``P sigma^2 + mu^2 sigma_L^2`` (demand and
  lead-time variability combined), ``SS = k sqrt(P sigma^2 + mu^2 sigma_L^2)``, ``k =
  Phi^-1(service level)`` (cycle service level).
- Intermittent items (method ``negative_binomial``, or ``poisson`` when the variance does not
  exceed the mean): a normal-z formula misstates slow movers, so demand over ``P`` is a negative
  binomial with the same mean ``m = mu P`` and variance ``v``; the order-up-to level is its
  service-level quantile ``S = F^-1(service level)`` (whole units) and ``SS = S - m``.
- Phase-out items and items without demand hold no safety stock.

Then ``reorder_point = mu L + SS``, ``target_stock = mu (L + R) + SS`` (the order-up-to level),
cycle stock ``Q / 2`` with ``Q`` the review-period demand ``mu R`` lot-sized by MOQ and order
multiple, ``months_of_cover = on_hand / mu`` and the expected fill rate ``P2 = 1 - E[(X - S)+] /
Q`` (normal: ``E[(X - S)+] = sigma_P G(k)`` with the unit normal loss function ``G``).

References:
    Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
    CRC Press 2017: chapters on individual items with probabilistic demand (the (R, S) system,
    safety stock with random lead time, normal loss function and fill rate) and on slow-moving
    items (Poisson and negative binomial demand); APICS Dictionary, 16th ed. ("order point",
    "months of supply").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sop_pipeline.supply._common import (
    DAYS_PER_MONTH,
    as_plan_month,
    check_horizon,
    require_columns,
    unknown_items,
)
from sop_pipeline.supply.bom import bom_edges, explode_rates
from sop_pipeline.supply.master import prepare_items
from sop_pipeline.supply.mrp import lot_size
from sop_pipeline.supply.network import prepare_demand, prepare_lots

POLICY_COLUMNS = [
    "item",
    "item_type",
    "status",
    "series_class",
    "policy_method",
    "service_level",
    "avg_monthly_demand",
    "demand_std",
    "lead_time_months",
    "on_hand_qty",
    "on_order_qty",
    "safety_stock",
    "reorder_point",
    "target_stock",
    "cycle_stock",
    "months_of_cover",
    "expected_fill_rate",
    "unit_cost",
    "on_hand_value",
    "target_inventory_value",
]


@dataclass(frozen=True)
class DemandProfile:
    """What the policy needs per item, in item-master order."""

    master: pd.DataFrame
    mean: np.ndarray
    std: np.ndarray
    series_class: np.ndarray
    lead: np.ndarray
    lead_std: np.ndarray


def unit_normal_loss(k: np.ndarray) -> np.ndarray:
    """Unit normal loss function ``G(k) = phi(k) - k (1 - Phi(k))`` = ``E[(Z - k)+]``.

    References:
        Silver, Pyke & Thomas, 4th ed., the unit normal loss function ``G_u(k)``.
    """
    k = np.asarray(k, dtype=float)
    return stats.norm.pdf(k) - k * stats.norm.sf(k)


def normal_safety_stock(
    service_level: np.ndarray,
    sigma: np.ndarray,
    mean: np.ndarray,
    lead_months: np.ndarray,
    lead_std_months: np.ndarray,
    review_months: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Safety stock for normally distributed forecast errors and a random lead time.

    Formula: ``sigma_P = sqrt((L + R) sigma^2 + mu^2 sigma_L^2)`` and
    ``SS = max(0, Phi^-1(service_level) x sigma_P)``.

    Args:
        service_level: Cycle service level (probability of no stockout per cycle).
        sigma: Standard deviation of one month's forecast error.
        mean: Mean demand per month.
        lead_months: Mean lead time ``L`` in months.
        lead_std_months: Standard deviation of the lead time in months.
        review_months: Review period ``R`` in months.

    Returns:
        ``(safety_stock, sigma_P)``.

    References:
        Silver, Pyke & Thomas, 4th ed., safety stock with demand and lead-time uncertainty.
    """
    sigma_p = np.sqrt(
        (np.asarray(lead_months) + review_months) * np.asarray(sigma) ** 2
        + np.asarray(mean) ** 2 * np.asarray(lead_std_months) ** 2
    )
    k = stats.norm.ppf(service_level)
    return np.maximum(0.0, k * sigma_p), sigma_p


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


def demand_profile(
    items: pd.DataFrame,
    bom: pd.DataFrame,
    demand: pd.DataFrame,
    forecast_error: pd.DataFrame,
    plan_month: object,
    *,
    horizon: int = 12,
    default_service_level: float = 0.95,
    default_cv: float = 0.5,
) -> DemandProfile:
    """Mean demand and forecast error per month for every item (components by BOM explosion).

    Formulas: ``mu_i = sum_t demand_it / horizon``; ``sigma_i = cv_rmse_i`` (or
    ``default_cv x mu_i``); components ``mu_c = sum_p factor_pc mu_p``,
    ``sigma_c^2 = sum_p factor_pc^2 sigma_p^2``.

    Raises:
        ValueError: on bad arguments (missing columns, unknown items, a negative ``cv_rmse`` or
            ``default_cv``).
    """
    plan = as_plan_month(plan_month)
    horizon = check_horizon(horizon)
    if not default_cv >= 0:
        raise ValueError(f"default_cv must be a non-negative fraction, got {default_cv!r}")
    master = prepare_items(items, default_service_level)
    names = pd.Index(master.index)
    require_columns(forecast_error, ("item", "cv_rmse"), "forecast_error")
    errors = forecast_error.assign(item=forecast_error["item"].astype(str))
    unknown_items(errors["item"], names, "forecast_error")
    errors = errors.drop_duplicates("item", keep="last").set_index("item")
    own_mean = prepare_demand(demand, names, plan, horizon).sum(axis=1) / horizon
    rmse = pd.to_numeric(errors["cv_rmse"], errors="raise").reindex(names).to_numpy(float)
    if np.any(rmse < 0):
        raise ValueError("forecast_error cv_rmse must not be negative")
    own_sigma = np.where(np.isnan(rmse), default_cv * own_mean, rmse)
    own_sigma = np.where(own_mean > 0, own_sigma, 0.0)
    edges = bom_edges(bom)
    unknown_items(pd.concat([edges["parent"], edges["component"]]), names, "bom")
    mean = explode_rates(edges, pd.Series(own_mean, index=names)).reindex(names).to_numpy()
    var = explode_rates(edges, pd.Series(own_sigma**2, index=names), power=2)
    classes = (
        errors["series_class"].reindex(names)
        if "series_class" in errors.columns
        else pd.Series(np.nan, index=names)
    )
    is_component_demand = (own_mean == 0) & (mean > 0)
    series_class = np.where(is_component_demand, "dependent", classes.fillna("unknown"))
    return DemandProfile(
        master=master,
        mean=mean,
        std=np.sqrt(var.reindex(names).to_numpy()),
        series_class=series_class.astype(object),
        lead=master["lead_time_days"].to_numpy(float) / DAYS_PER_MONTH,
        lead_std=master["lead_time_std_days"].to_numpy(float) / DAYS_PER_MONTH,
    )


@dataclass(frozen=True)
class PolicyArrays:
    """Policy quantities per item (item-master order)."""

    method: np.ndarray
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    target_stock: np.ndarray
    cycle_stock: np.ndarray
    fill_rate: np.ndarray
    inventory_value: np.ndarray


def policy_arrays(
    profile: DemandProfile, service_level: np.ndarray, review_period_months: float = 1.0
) -> PolicyArrays:
    """Safety stock, reorder point, target stock, cycle stock and fill rate at given service levels.

    The one safety-stock code path of the package: :func:`compute_inventory_policy` and
    :func:`sop_pipeline.supply.tradeoff.service_cash_tradeoff` both call it (formulas in the
    module docstring).

    Raises:
        ValueError: for a non-positive review period or a service level outside (0, 1).
    """
    if not review_period_months > 0:
        raise ValueError(f"review_period_months must be positive, got {review_period_months!r}")
    sl = np.broadcast_to(np.asarray(service_level, dtype=float), profile.mean.shape)
    if np.any(~((sl > 0) & (sl < 1))):
        raise ValueError("service levels must be fractions strictly between 0 and 1")
    master, mu, sigma = profile.master, profile.mean, profile.std
    lead, review = profile.lead, review_period_months
    phase_out = master["status"].to_numpy() == "phase_out"
    has_demand = mu > 0
    intermittent = (profile.series_class == "intermittent") & has_demand & ~phase_out
    method = np.select(
        [~has_demand, phase_out, intermittent],
        ["no_demand", "phase_out", "negative_binomial"],
        "normal",
    ).astype(object)
    ss, sigma_p = normal_safety_stock(sl, sigma, mu, lead, profile.lead_std, review)
    ss = np.where(has_demand & ~phase_out, ss, 0.0)
    shortage = sigma_p * unit_normal_loss(
        np.divide(ss, sigma_p, out=np.zeros_like(ss), where=sigma_p > 0)
    )
    if intermittent.any():
        m = mu[intermittent] * (lead[intermittent] + review)
        v = sigma_p[intermittent] ** 2
        ss[intermittent] = np.maximum(discrete_order_up_to(sl[intermittent], m, v) - m, 0.0)
        shortage[intermittent] = discrete_expected_shortage(m + ss[intermittent], m, v)
        method[intermittent] = np.where(v > m * (1 + 1e-9), "negative_binomial", "poisson")
    cycle_qty = lot_size(mu * review, master["moq"].to_numpy(), master["order_multiple"].to_numpy())
    ratio = np.divide(shortage, cycle_qty, out=np.zeros_like(ss), where=cycle_qty > 0)
    fill = np.where(has_demand, np.clip(1.0 - ratio, 0.0, 1.0), np.nan)
    cycle_stock = cycle_qty / 2.0
    return PolicyArrays(
        method=method,
        safety_stock=ss,
        reorder_point=mu * lead + ss,
        target_stock=mu * (lead + review) + ss,
        cycle_stock=cycle_stock,
        fill_rate=fill,
        inventory_value=(ss + cycle_stock) * master["unit_cost"].to_numpy(float),
    )


def compute_inventory_policy(
    items: pd.DataFrame,
    bom: pd.DataFrame,
    demand: pd.DataFrame,
    forecast_error: pd.DataFrame,
    on_hand: pd.DataFrame,
    open_orders: pd.DataFrame,
    plan_month: object,
    *,
    horizon: int = 12,
    default_service_level: float = 0.95,
    review_period_months: float = 1.0,
    default_cv: float = 0.5,
) -> pd.DataFrame:
    """The inventory policy of every item in the item master for the plan month.

    Formulas (module docstring): ``SS = k sqrt((L + R) sigma^2 + mu^2 sigma_L^2)`` (normal) or
    the negative-binomial quantile minus the mean (intermittent); ``reorder_point = mu L + SS``;
    ``target_stock = mu (L + R) + SS``; ``cycle_stock = Q / 2``; ``months_of_cover = on_hand /
    mu`` (NaN without demand); ``target_inventory_value = (SS + Q / 2) x unit_cost``.

    Args:
        items: Item master (``service_level`` per item; missing → ``default_service_level``).
        bom: ``parent, component, qty_per`` (``scrap_rate`` optional).
        demand: Base-scenario demand ``item, month, qty`` of the horizon (finished goods).
        forecast_error: ``item, cv_rmse`` (RMSE of 1-month-ahead CV errors, units/month) and
            optionally ``series_class`` (``intermittent`` selects the slow-mover policy).
        on_hand: Lots ``item, on_hand_qty`` (``unit_cost`` optional: the lot's valuation).
        open_orders: ``item, qty_open, due_date``.
        plan_month: First day of the plan month.
        horizon: Months of demand averaged.
        default_service_level: Cycle service level of items without one.
        review_period_months: Review period ``R`` (the planning cycle).
        default_cv: Forecast error as a fraction of mean demand when ``cv_rmse`` is missing.

    Returns:
        One row per item; columns :data:`POLICY_COLUMNS`. ``on_hand_value`` values the lots at
        their own cost (else the item's); ``target_inventory_value`` is the policy's investment
        (safety + cycle stock at the item's cost), the quantity the service/cash curve sums.

    Raises:
        ValueError: on bad arguments (missing columns, unknown items, negative quantities, a
            service level outside (0, 1), a non-positive review period, a BOM cycle).

    References:
        Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.;
        APICS Dictionary, 16th ed.
    """
    profile = demand_profile(
        items,
        bom,
        demand,
        forecast_error,
        plan_month,
        horizon=horizon,
        default_service_level=default_service_level,
        default_cv=default_cv,
    )
    master = profile.master
    names = pd.Index(master.index)
    policy = policy_arrays(profile, master["service_level"].to_numpy(float), review_period_months)
    lots = prepare_lots(on_hand, master, as_plan_month(plan_month), horizon)
    on_hand_qty = lots.groupby("item")["on_hand_qty"].sum().reindex(names, fill_value=0.0)
    on_hand_value = (
        (lots["on_hand_qty"] * lots["unit_cost"]).groupby(lots["item"]).sum(min_count=1)
    ).reindex(names, fill_value=0.0)
    require_columns(open_orders, ("item", "qty_open"), "open_orders")
    unknown_items(open_orders["item"].astype(str), names, "open_orders")
    on_order = (
        pd.to_numeric(open_orders["qty_open"], errors="raise")
        .groupby(open_orders["item"].astype(str))
        .sum()
        .reindex(names, fill_value=0.0)
    )
    mu = profile.mean
    cover = np.divide(on_hand_qty.to_numpy(), mu, out=np.full(len(mu), np.nan), where=mu > 0)
    frame = pd.DataFrame(
        {
            "item": names,
            "item_type": master["item_type"].to_numpy(),
            "status": master["status"].to_numpy(),
            "series_class": profile.series_class,
            "policy_method": policy.method,
            "service_level": master["service_level"].to_numpy(float),
            "avg_monthly_demand": mu,
            "demand_std": profile.std,
            "lead_time_months": profile.lead,
            "on_hand_qty": on_hand_qty.to_numpy(),
            "on_order_qty": on_order.to_numpy(float),
            "safety_stock": policy.safety_stock,
            "reorder_point": policy.reorder_point,
            "target_stock": policy.target_stock,
            "cycle_stock": policy.cycle_stock,
            "months_of_cover": cover,
            "expected_fill_rate": policy.fill_rate,
            "unit_cost": master["unit_cost"].to_numpy(float),
            "on_hand_value": on_hand_value.to_numpy(float),
            "target_inventory_value": policy.inventory_value,
        }
    )
    return frame[POLICY_COLUMNS].reset_index(drop=True)
