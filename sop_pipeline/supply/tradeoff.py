"""Service level versus cash: the portfolio's inventory investment along a service-level grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sop_pipeline.supply.policy import DemandProfile, demand_profile, policy_arrays

TRADEOFF_COLUMNS = [
    "service_level",
    "inventory_value",
    "safety_stock_value",
    "cycle_stock_value",
    "expected_fill_rate",
    "delta_vs_current",
    "is_current",
]
DEFAULT_SERVICE_LEVELS = (0.85, 0.90, 0.92, 0.95, 0.97, 0.98, 0.99, 0.995)


def service_cash_tradeoff(
    items: pd.DataFrame,
    bom: pd.DataFrame,
    demand: pd.DataFrame,
    forecast_error: pd.DataFrame,
    plan_month: object,
    *,
    service_levels: Sequence[float] = DEFAULT_SERVICE_LEVELS,
    horizon: int = 12,
    default_service_level: float = 0.95,
    review_period_months: float = 1.0,
    default_cv: float = 0.5,
) -> pd.DataFrame:
    """Inventory investment and expected fill rate if every item were held at one service level.

    For each grid level ``s`` (and once for the current per-item service levels) the inventory
    policy is recomputed through the same code path as
    :func:`sop_pipeline.supply.policy.plan_inventory` (``policy_arrays``), and

    - ``inventory_value = sum_i (SS_i(s) + Q_i / 2) x unit_cost_i`` (safety plus cycle stock at
      cost, so the current row equals the policy table's total ``target_inventory_value``);
    - ``expected_fill_rate = sum_i w_i P2_i(s) / sum_i w_i`` over finished goods with demand,
      ``w_i = mu_i x unit_price_i`` (``unit_cost`` when there is no price), with ``P2 = 1 -
      E[shortage per cycle] / Q``;
    - ``delta_vs_current = inventory_value - inventory_value(current)``.

    The current row's ``service_level`` is the demand-at-cost weighted mean of the items'
    service levels. More service costs more inventory: the curve is non-decreasing in ``s``.

    Args:
        items, bom, demand, forecast_error, plan_month, horizon, default_service_level,
            review_period_months, default_cv: As in
            :func:`sop_pipeline.supply.policy.plan_inventory`.
        service_levels: The grid (fractions in (0, 1)).

    Returns:
        One row per grid level plus the current row (``is_current`` true), sorted by service
        level; columns :data:`TRADEOFF_COLUMNS`.

    Raises:
        ValueError: for an empty grid or a service level outside (0, 1), and as
            ``plan_inventory``.

    References:
        Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
        exchange curves (aggregate safety stock against aggregate service).
    """
    grid = np.asarray(list(service_levels), dtype=float)
    if grid.size == 0 or np.any(~((grid > 0) & (grid < 1))):
        raise ValueError("service_levels must be a non-empty list of fractions in (0, 1)")
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
    current_levels = profile.master["service_level"].to_numpy(float)
    rows = [_point(profile, np.full(len(current_levels), s), review_period_months) for s in grid]
    current = _point(profile, current_levels, review_period_months)
    cost = profile.master["unit_cost"].fillna(0.0).to_numpy()
    weight = profile.mean * cost
    current["service_level"] = (
        float(np.sum(weight * current_levels) / weight.sum())
        if weight.sum() > 0
        else float(np.mean(current_levels))
    )
    current["is_current"] = True
    frame = pd.DataFrame([*rows, current])
    frame["delta_vs_current"] = frame["inventory_value"] - current["inventory_value"]
    frame = frame.sort_values(["service_level", "is_current"], kind="stable")
    return frame[TRADEOFF_COLUMNS].reset_index(drop=True)


def _point(profile: DemandProfile, levels: np.ndarray, review: float) -> dict[str, float | bool]:
    policy = policy_arrays(profile, levels, review)
    master = profile.master
    cost = master["unit_cost"].to_numpy(float)
    price = master["unit_price"].fillna(master["unit_cost"]).fillna(0.0).to_numpy()
    fg = (master["item_type"].to_numpy() == "finished_good") & (profile.mean > 0)
    weight = np.where(fg, profile.mean * price, 0.0)
    fill = (
        float(np.sum(weight * np.nan_to_num(policy.fill_rate)) / weight.sum())
        if weight.sum() > 0
        else float("nan")
    )
    return {
        "service_level": float(np.mean(levels)),
        "inventory_value": float(np.nansum(policy.inventory_value)),
        "safety_stock_value": float(np.nansum(policy.safety_stock * cost)),
        "cycle_stock_value": float(np.nansum(policy.cycle_stock * cost)),
        "expected_fill_rate": fill,
        "is_current": False,
    }
