"""Shelf-life risk per lot: first-expiry-first-out consumption of each lot against its demand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.supply._common import QTY_TOL, as_plan_month, check_horizon
from sop_pipeline.supply.master import prepare_items
from sop_pipeline.supply.network import prepare_demand, prepare_lots

SHELF_LIFE_COLUMNS = [
    "item",
    "location",
    "lot",
    "expiry_date",
    "on_hand_qty",
    "consumed_qty",
    "qty_at_risk",
    "unit_cost",
    "value_at_risk",
    "reason",
]
REASONS = ("expired", "expiry", "obsolete", "slow_mover")


def fefo_consumption(
    item: np.ndarray, qty: np.ndarray, demand_until_usable: np.ndarray
) -> np.ndarray:
    """Quantity of each lot consumed first-expiry-first-out before it stops being usable.

    Lots must be sorted by item, then expiry. With ``Q_j`` the cumulative quantity of an item's
    lots ``1..j`` and ``D_j`` its cumulative demand through the last month lot ``j`` is usable,
    the cumulative consumption of lots ``1..j`` is
    ``A_j = min(A_{j-1} + q_j, D_j) = Q_j + min(0, min_{i<=j} (D_i - Q_i))``
    (demand not met by earlier-expiring lots goes to lot ``j`` until it is used up or expires),
    and lot ``j`` consumes ``A_j - A_{j-1}``.

    Args:
        item: Item key of each lot (sorted, grouped).
        qty: Lot quantity.
        demand_until_usable: ``D_j`` per lot (non-decreasing within an item).

    Returns:
        Consumed quantity per lot.

    References:
        Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
        perishable inventory issued first-expiry-first-out (FEFO).
    """
    keys = pd.Series(item)
    cum_qty = pd.Series(qty, dtype=float).groupby(keys.to_numpy()).cumsum().to_numpy()
    slack = pd.Series(demand_until_usable - cum_qty).groupby(keys.to_numpy()).cummin().to_numpy()
    cum_used = cum_qty + np.minimum(0.0, slack)
    previous = pd.Series(cum_used).groupby(keys.to_numpy()).shift(1, fill_value=0.0).to_numpy()
    return np.clip(cum_used - previous, 0.0, qty)


def shelf_life_risk(
    items: pd.DataFrame,
    on_hand: pd.DataFrame,
    demand: pd.DataFrame,
    plan_month: object,
    *,
    horizon: int = 12,
    slow_mover_months: float = 12.0,
) -> pd.DataFrame:
    """Lots (or parts of lots) that will not be consumed in time, with quantity and value.

    Each item's lots are consumed first-expiry-first-out against its demand
    (:func:`fefo_consumption`): finished goods against their forecast, components against their
    dependent demand (pass the base MRP's ``gross_qty`` as ``qty``). All locations of an item
    form one pool. A lot is usable through the last month on whose last day it is still in date.
    What is left of a lot is at risk with reason

    - ``expired``: already out of date at the plan date (nothing of it can be used);
    - ``expiry``: expires within the horizon before its demand uses it up;
    - ``obsolete``: a phase-out item, or an item without demand over the horizon, whose stock
      is not consumed within ``slow_mover_months``;
    - ``slow_mover``: an active item's stock beyond ``slow_mover_months`` of demand (demand
      beyond the horizon extrapolated at the horizon's monthly average).

    ``value_at_risk = qty_at_risk x unit_cost`` (the lot's cost, else the item master's).

    Args:
        items: Item master (``status`` marks phase-out items).
        on_hand: Lots ``item, on_hand_qty`` (``location``, ``lot``, ``expiry_date``,
            ``unit_cost`` optional).
        demand: ``item, month, qty`` for every item whose lots should be consumed.
        plan_month: First day of the plan month.
        horizon: Months of demand considered.
        slow_mover_months: Months of demand a non-expiring lot may cover before its remainder
            counts as excess.

    Returns:
        One row per item, location and lot with ``qty_at_risk > 0`` (a lot code stocked at two
        locations gives two rows); columns :data:`SHELF_LIFE_COLUMNS`.

    Raises:
        ValueError: on bad arguments (missing columns, unknown items, negative quantities, a
            non-positive ``slow_mover_months``).
    """
    plan = as_plan_month(plan_month)
    horizon = check_horizon(horizon)
    if not slow_mover_months > 0:
        raise ValueError(f"slow_mover_months must be positive, got {slow_mover_months!r}")
    master = prepare_items(items)
    names = pd.Index(master.index)
    lots = prepare_lots(on_hand, master, plan, horizon)
    lots["_row"] = names.get_indexer(lots["item"])
    lots = lots.sort_values(
        ["_row", "usable_through", "expiry_date", "location", "lot"], kind="stable"
    )
    cum = np.concatenate(
        [np.zeros((len(names), 1)), np.cumsum(prepare_demand(demand, names, plan, horizon), 1)],
        axis=1,
    )
    window = _cumulative_at(cum, slow_mover_months)
    row = lots["_row"].to_numpy()
    through = lots["usable_through"].to_numpy()
    until = np.where(through <= horizon, cum[row, np.minimum(through, horizon)], window[row])
    until = pd.Series(until).groupby(row).cummax().to_numpy()
    qty = lots["on_hand_qty"].to_numpy(float)
    consumed = fefo_consumption(row, qty, until)
    at_risk = qty - consumed
    phase_out = master["status"].to_numpy()[row] == "phase_out"
    no_demand = cum[row, horizon] <= 0
    reason = np.select(
        [through == 0, through <= horizon, phase_out | no_demand],
        ["expired", "expiry", "obsolete"],
        "slow_mover",
    )
    frame = lots.assign(
        consumed_qty=consumed,
        qty_at_risk=at_risk,
        value_at_risk=at_risk * lots["unit_cost"].to_numpy(float),
        reason=reason,
    )
    keep = at_risk > QTY_TOL * np.maximum(1.0, qty)
    return frame.loc[keep, SHELF_LIFE_COLUMNS].reset_index(drop=True)


def _cumulative_at(cum: np.ndarray, months: float) -> np.ndarray:
    """Cumulative demand through ``months`` (fractional months interpolated; beyond the
    horizon extended at the horizon's average monthly demand)."""
    horizon = cum.shape[1] - 1
    if months >= horizon:
        return cum[:, horizon] * months / horizon
    whole = int(np.floor(months))
    frac = months - whole
    return cum[:, whole] + frac * (cum[:, whole + 1] - cum[:, whole])
