"""Inventory policy per item: safety stock, reorder point, target stock, months of cover.

Every item is planned as a periodic-review, order-up-to system reviewed every ``R`` months (the
monthly S&OP cycle), protecting demand over ``P = L + R`` with ``L`` the lead time in months
(``lead_time_days / 30.4375``, not rounded here). The buffers come from
:mod:`.safety_stock`, time-phased: for every month of the horizon the safety stock and the
order-up-to target (held at the month's end) are sized from the forecast over the ``P`` months
that follow it, and from
the forecast error at the horizons that matter (1 to ``ceil(P)`` months ahead, or the error of
demand summed over ``P`` months where the engine reports it, :mod:`.forecast_errors`). A seasonal
item therefore holds a larger buffer before and during its season.

- Demand: the base forecast by month (finished goods); for components the BOM explosion of
  their parents' forecasts month by month (``sum factor x f_parent``, scrap included, in the
  month of the parent's demand).
- Forecast error by months ahead ``sigma_h`` (:func:`.forecast_errors.horizon_errors`); for
  components ``sigma_{c,h}^2 = sum factor^2 x sigma_{parent,h}^2`` (independent errors).
- Method: ``normal`` (z-factor) for smooth, seasonal, short, new and component items;
  ``negative_binomial``/``poisson`` (count quantile) for intermittent items; ``phase_out`` and
  ``no_demand`` items hold no safety stock.

The ``inventory_policy`` row of an item holds month 1's values (the stock to hold at its end):
``safety_stock = SS_1``, ``target_stock = S_1 = D_1 + SS_1``; ``reorder_point`` is the
continuous-review order point over the lead time only, ``D^L + k sigma^L`` (its buffer covers
``L``, not ``L + R``); cycle stock ``Q / 2`` with ``Q`` the review-period demand ``mu R``
lot-sized by MOQ and order multiple; ``months_of_cover = usable on hand / mu`` where stock that
will expire before the forecast uses it (first-expiry-first-out) does not count; the expected
fill rate ``P2 = 1 - E[(X - S_1)+] / Q`` (normal: ``E[(X - S)+] = sigma_1 G(k)`` with the unit
normal loss function ``G``).
The time-phased values by month are the ``inventory_targets`` rows (:func:`plan_inventory`).

References:
    Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
    CRC Press 2017: individual items with probabilistic demand (the (R, S) system, safety stock
    with random lead time, normal loss function and fill rate), slow-moving items, and
    perishable stock; APICS Dictionary, 16th ed. ("order point", "months of supply").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.supply._common import (
    DAYS_PER_MONTH,
    as_plan_month,
    check_horizon,
    horizon_months,
    require_columns,
    unknown_items,
)
from sop_pipeline.supply.bom import bom_edges, explode_rates
from sop_pipeline.supply.counts import discrete_expected_shortage, discrete_order_up_to
from sop_pipeline.supply.forecast_errors import horizon_errors
from sop_pipeline.supply.master import prepare_items
from sop_pipeline.supply.mrp import lot_size
from sop_pipeline.supply.network import prepare_demand, prepare_lots
from sop_pipeline.supply.safety_stock import Targets, time_phased_targets, unit_normal_loss
from sop_pipeline.supply.shelf_life import fefo_consumption

__all__ = [
    "POLICY_COLUMNS",
    "TARGET_COLUMNS",
    "DemandProfile",
    "InventoryPlan",
    "PolicyArrays",
    "demand_profile",
    "discrete_expected_shortage",
    "discrete_order_up_to",
    "plan_inventory",
    "policy_arrays",
    "unit_normal_loss",
]

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
    "protection_months",
    "protection_demand",
    "protection_error",
    "usable_on_hand_qty",
]
TARGET_COLUMNS = [
    "item",
    "month",
    "protection_months",
    "window_demand",
    "window_error",
    "safety_stock",
    "target_stock",
]
ERROR_LOOKAHEAD = 12
"""Months ahead of forecast error prepared beyond the horizon (long lead times)."""


@dataclass(frozen=True)
class DemandProfile:
    """What the policy needs per item, in item-master order.

    ``forecast`` is ``(items, horizon)`` demand by month; ``sigma_h`` ``(items, H)`` the forecast
    error by months ahead; ``cumulative`` ``(items, K)`` the error of demand summed over ``k``
    months, or None; ``mean`` the mean of ``forecast``; ``std`` the 1-month-ahead error.
    """

    master: pd.DataFrame
    months: pd.DatetimeIndex
    forecast: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    sigma_h: np.ndarray
    cumulative: np.ndarray | None
    series_class: np.ndarray
    lead: np.ndarray
    lead_std: np.ndarray


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
    cv_horizon: int | None = None,
) -> DemandProfile:
    """Demand by month and forecast error by months ahead for every item (components by BOM
    explosion).

    Formulas: finished goods ``f_it`` = the base forecast, ``sigma_ih`` from
    :func:`.forecast_errors.horizon_errors`; components ``f_ct = sum_p factor_pc f_pt``,
    ``sigma_ch^2 = sum_p factor_pc^2 sigma_ph^2``. Items without own demand get no own error.

    Args:
        forecast_error: ``item`` and ``rmse_h<k>`` columns or ``cv_rmse`` (with optional
            ``cv_horizon``, ``series_class``, ``rmse_cum<k>``); see :mod:`.forecast_errors`.
        cv_horizon: Months ahead the pooled ``cv_rmse`` covers when the frame does not say
            (default: ``horizon``).
        (others as in :func:`plan_inventory`)

    Raises:
        ValueError: on bad arguments (missing columns, unknown items, a negative error or
            ``default_cv``).
    """
    plan = as_plan_month(plan_month)
    horizon = check_horizon(horizon)
    master = prepare_items(items, default_service_level)
    names = pd.Index(master.index)
    require_columns(forecast_error, ("item",), "forecast_error")
    unknown_items(forecast_error["item"].astype(str), names, "forecast_error")
    own = prepare_demand(demand, names, plan, horizon)
    own_mean = own.mean(axis=1)
    errors = horizon_errors(
        forecast_error,
        names,
        pd.Series(own_mean, index=names),
        horizon + ERROR_LOOKAHEAD,
        default_cv_horizon=cv_horizon or horizon,
        default_cv=default_cv,
    )
    own_sigma = np.where(own_mean[:, None] > 0, errors.by_horizon.to_numpy(), 0.0)
    edges = bom_edges(bom)
    unknown_items(pd.concat([edges["parent"], edges["component"]]), names, "bom")
    forecast = explode_rates(edges, pd.DataFrame(own, index=names)).reindex(names).to_numpy()
    variance = explode_rates(edges, pd.DataFrame(own_sigma**2, index=names), power=2)
    sigma_h = np.sqrt(np.maximum(variance.reindex(names).to_numpy(), 0.0))
    cumulative = None
    if errors.cumulative is not None:
        cumulative = np.where(own_mean[:, None] > 0, errors.cumulative.to_numpy(), np.nan)
    errors_frame = forecast_error.assign(item=forecast_error["item"].astype(str))
    errors_frame = errors_frame.drop_duplicates("item", keep="last").set_index("item")
    classes = (
        errors_frame["series_class"].reindex(names)
        if "series_class" in errors_frame.columns
        else pd.Series(np.nan, index=names)
    )
    mean = forecast.mean(axis=1)
    is_component_demand = (own_mean == 0) & (mean > 0)
    series_class = np.where(is_component_demand, "dependent", classes.fillna("unknown"))
    return DemandProfile(
        master=master,
        months=horizon_months(plan, horizon),
        forecast=forecast,
        mean=mean,
        std=sigma_h[:, 0],
        sigma_h=sigma_h,
        cumulative=cumulative,
        series_class=series_class.astype(object),
        lead=master["lead_time_days"].to_numpy(float) / DAYS_PER_MONTH,
        lead_std=master["lead_time_std_days"].to_numpy(float) / DAYS_PER_MONTH,
    )


@dataclass(frozen=True)
class PolicyArrays:
    """Policy quantities per item (item-master order): month 1's, and the time-phased targets."""

    method: np.ndarray
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    target_stock: np.ndarray
    cycle_stock: np.ndarray
    fill_rate: np.ndarray
    inventory_value: np.ndarray
    targets: Targets


def policy_arrays(
    profile: DemandProfile, service_level: np.ndarray, review_period_months: float = 1.0
) -> PolicyArrays:
    """Safety stock, reorder point, target stock, cycle stock and fill rate at given service levels.

    The one safety-stock code path of the package: :func:`plan_inventory` and
    :func:`sop_pipeline.supply.tradeoff.service_cash_tradeoff` both call it (formulas in the
    module docstring and :mod:`.safety_stock`).

    Raises:
        ValueError: for a non-positive review period or a service level outside (0, 1).
    """
    if not review_period_months > 0:
        raise ValueError(f"review_period_months must be positive, got {review_period_months!r}")
    master, mu = profile.master, profile.mean
    sl = np.broadcast_to(np.asarray(service_level, dtype=float), mu.shape)
    targets = time_phased_targets(
        profile.forecast,
        profile.sigma_h,
        profile.lead,
        profile.lead_std,
        review_period_months,
        sl,
        cumulative=profile.cumulative,
        intermittent=profile.series_class == "intermittent",
        phase_out=master["status"].to_numpy() == "phase_out",
    )
    has_demand = mu > 0
    ss = targets.safety_stock[:, 0] if targets.safety_stock.shape[1] else np.zeros(len(mu))
    cycle_qty = lot_size(
        mu * review_period_months, master["moq"].to_numpy(), master["order_multiple"].to_numpy()
    )
    ratio = np.divide(
        targets.expected_shortage, cycle_qty, out=np.zeros_like(mu), where=cycle_qty > 0
    )
    fill = np.where(has_demand, np.clip(1.0 - ratio, 0.0, 1.0), np.nan)
    cycle_stock = cycle_qty / 2.0
    return PolicyArrays(
        method=targets.method,
        safety_stock=ss,
        reorder_point=targets.order_point,
        target_stock=targets.target_stock[:, 0] if ss.size else ss,
        cycle_stock=cycle_stock,
        fill_rate=fill,
        inventory_value=(ss + cycle_stock) * master["unit_cost"].to_numpy(float),
        targets=targets,
    )


@dataclass(frozen=True)
class InventoryPlan:
    """The ``inventory_policy`` rows (one per item) and the ``inventory_targets`` rows (one per
    item with demand and month)."""

    policy: pd.DataFrame
    targets: pd.DataFrame


def usable_on_hand(lots: pd.DataFrame, names: pd.Index, forecast: np.ndarray) -> pd.Series:
    """Stock on hand the forecast will use before it expires, per item.

    Lots are consumed first-expiry-first-out against the item's forecast
    (:func:`sop_pipeline.supply.shelf_life.fefo_consumption`); a lot counts for what is consumed
    while it is in date; lots without expiry in the horizon count in full.
    """
    horizon = forecast.shape[1]
    row = names.get_indexer(lots["item"])
    order = np.lexsort((lots["usable_through"].to_numpy(), row))
    row, through = row[order], lots["usable_through"].to_numpy()[order]
    qty = lots["on_hand_qty"].to_numpy(float)[order]
    cum = np.concatenate([np.zeros((len(names), 1)), np.cumsum(forecast, axis=1)], axis=1)
    until = np.where(through <= horizon, cum[row, np.minimum(through, horizon)], np.inf)
    until = pd.Series(until).groupby(row).cummax().to_numpy()
    used = fefo_consumption(row, qty, until)
    return pd.Series(used).groupby(names[row]).sum().reindex(names, fill_value=0.0)


def plan_inventory(
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
    cv_horizon: int | None = None,
) -> InventoryPlan:
    """The inventory policy of every item and its time-phased targets for the plan month.

    Formulas in the module docstring and :mod:`.safety_stock`: per month ``t``, ``SS_t = k
    sigma_t`` (normal) or the count quantile minus the window demand (intermittent), ``S_t =
    D_t + SS_t``; per item, month 1's values, ``reorder_point = D^L + k sigma^L``,
    ``cycle_stock = Q / 2``, ``months_of_cover = usable on hand / mu`` (NaN without demand),
    ``target_inventory_value = (SS_1 + Q / 2) x unit_cost``.

    Args:
        items: Item master (``service_level`` per item; missing → ``default_service_level``).
        bom: ``parent, component, qty_per`` (``scrap_rate`` optional).
        demand: Base-scenario demand ``item, month, qty`` of the horizon (finished goods).
        forecast_error: Errors by months ahead (``item, rmse_h1..``) or the pooled
            cross-validation error (``item, cv_rmse``, optionally ``cv_horizon``), optionally
            ``rmse_cum1..`` and ``series_class`` (``intermittent`` selects the count policy);
            see :mod:`.forecast_errors`.
        on_hand: Lots ``item, on_hand_qty`` (``unit_cost``, ``expiry_date`` optional).
        open_orders: ``item, qty_open, due_date``.
        plan_month: First day of the plan month.
        horizon: Months of forecast.
        default_service_level: Cycle service level of items without one.
        review_period_months: Review period ``R`` (the planning cycle).
        default_cv: Forecast error as a fraction of mean demand when an item has none.
        cv_horizon: Months ahead a pooled ``cv_rmse`` covers (default: ``horizon``).

    Returns:
        :class:`InventoryPlan`: ``policy`` with columns :data:`POLICY_COLUMNS` (one row per
        item; ``on_hand_value`` values the lots at their own cost, else the item's) and
        ``targets`` with :data:`TARGET_COLUMNS` (items with demand, one row per month).

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
        cv_horizon=cv_horizon,
    )
    master = profile.master
    names = pd.Index(master.index)
    policy = policy_arrays(profile, master["service_level"].to_numpy(float), review_period_months)
    lots = prepare_lots(on_hand, master, as_plan_month(plan_month), horizon)
    on_hand_qty = lots.groupby("item")["on_hand_qty"].sum().reindex(names, fill_value=0.0)
    on_hand_value = (
        (lots["on_hand_qty"] * lots["unit_cost"]).groupby(lots["item"]).sum(min_count=1)
    ).reindex(names, fill_value=0.0)
    usable = usable_on_hand(lots, names, profile.forecast)
    require_columns(open_orders, ("item", "qty_open"), "open_orders")
    unknown_items(open_orders["item"].astype(str), names, "open_orders")
    on_order = (
        pd.to_numeric(open_orders["qty_open"], errors="raise")
        .groupby(open_orders["item"].astype(str))
        .sum()
        .reindex(names, fill_value=0.0)
    )
    mu = profile.mean
    cover = np.divide(usable.to_numpy(), mu, out=np.full(len(mu), np.nan), where=mu > 0)
    targets = policy.targets
    protection = profile.lead + review_period_months
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
            "protection_months": protection,
            "protection_demand": targets.window_demand[:, 0],
            "protection_error": targets.window_std[:, 0],
            "usable_on_hand_qty": usable.to_numpy(float),
        }
    )
    return InventoryPlan(
        policy=frame[POLICY_COLUMNS].reset_index(drop=True),
        targets=_targets_frame(names, profile, targets, protection),
    )


def _targets_frame(
    names: pd.Index, profile: DemandProfile, targets: Targets, protection: np.ndarray
) -> pd.DataFrame:
    rows = np.flatnonzero(profile.mean > 0)
    horizon = len(profile.months)
    return pd.DataFrame(
        {
            "item": np.repeat(names.to_numpy()[rows], horizon),
            "month": np.tile(profile.months.to_numpy(), len(rows)),
            "protection_months": np.repeat(protection[rows], horizon),
            "window_demand": targets.window_demand[rows].ravel(),
            "window_error": targets.window_std[rows].ravel(),
            "safety_stock": targets.safety_stock[rows].ravel(),
            "target_stock": targets.target_stock[rows].ravel(),
        },
        columns=TARGET_COLUMNS,
    )
