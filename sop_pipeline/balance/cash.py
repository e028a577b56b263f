"""Cash from the constrained plan: the working-capital path, the monthly cash flows, the cash
balance with its low point, and the runway.

**The dated cash path** (the working-capital commitment): from the inventory value of the
baseline month's stock count down to the target value at the target month in a straight line,
flat after it (``kpi_targets``: ``cash_baseline_month``, default the first plan month with a
supply plan; ``cash_target_month``, default 12 months later; ``inventory_value``, else the
baseline value less ``cash_reduction``). A target fixed by dates, never one that moves with
today's stock.

**Cash flows** of each planned month, from the constrained plan (base): collections (the net
revenue of the plan's sales, ``finance.collection_lag_months`` months after the sale; the
first months collect the last closed months' booked net revenue), less purchases (bought
items received, open orders and expedited units included, at cost; paid on receipt), the
expedite premiums, overtime and the monthly operating burn of ``cash.csv``.

**Runway**: months from the plan month's close until the balance first falls below zero,
interpolated within that month, counted on the plan's own flows month by month and, past the
horizon, on its last 12 months repeated (seasonality kept; a horizon shorter than 12 months is
repeated whole) - never a straight line at an average outflow. The repeated year is a year the
company can repeat: its collections, overtime and burn, with the bought items its sales
contain bought back in the month instead of the plan's own purchases, and no expedite
premiums. A plan that draws its stock down (towards a cash path) buys less than it sells
within the horizon; repeating that year would draw the stock down again every year, a cash
release no company can repeat. Nor does it repeat the sales lost to the plan's start - to an
item's own lead time, or to a component in the months before an order placed at the close
could reach production (:func:`one_off_losses`): the repeated year sells them, at their net
price, with their bought content bought back. An option's runway repeats the plan's year, not
its own: its levers are one-off. None when the repeated year does not consume cash (the
balance never falls below zero) or the balance stays above zero for :data:`RUNWAY_YEARS`
years.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

RUNWAY_YEARS = 50
"""How far the repeated year is followed before a runway counts as unlimited."""
RUNWAY_REPEAT = 12
"""Months of the plan repeated past the horizon for the runway (a year: seasonality kept)."""

CASH_COLUMNS = [
    "month",
    "inventory_value",
    "purchase_spend",
    "target_inventory_value",
    "gap_to_target",
    "is_actual",
    "baseline_month",
    "target_month",
    "baseline_inventory_value",
    "cash_released",
    "target_cash_released",
    "cash_inflow",
    "overtime_cost",
    "expedite_cost",
    "operating_burn",
    "net_cash_flow",
    "cash_balance",
    "runway_months",
    "is_cash_low_point",
    "cash_as_of_month",
]


@dataclass(frozen=True)
class Commitment:
    """The dated working-capital commitment: inventory value from ``baseline_value`` at
    ``baseline_month`` down to ``target_value`` at ``target_month``."""

    baseline_month: pd.Timestamp
    target_month: pd.Timestamp
    baseline_value: float
    target_value: float

    def path(self, months: pd.DatetimeIndex) -> np.ndarray:
        """The highest inventory value the path allows at each month's end."""
        span = max(_months_between(self.baseline_month, self.target_month), 1)
        elapsed = np.array([_months_between(self.baseline_month, m) for m in months], float)
        share = np.clip(elapsed / span, 0.0, 1.0)
        return self.baseline_value - (self.baseline_value - self.target_value) * share


def _months_between(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return (end.year - start.year) * 12 + (end.month - start.month)


def commitment(
    stock_values: pd.Series,
    plan_month: pd.Timestamp,
    first_plan_month: pd.Timestamp | None,
    baseline_month: dt.date | None,
    target_month: dt.date | None,
    target_value: float | None,
    cash_reduction: float,
) -> Commitment | None:
    """The commitment of the settings, or None when the baseline month has no stock count up
    to the plan month.

    Args:
        stock_values: Inventory value of each month-end stock count (index: month).
        plan_month: The plan month.
        first_plan_month: The first plan month with a supply plan (the default baseline).
        baseline_month, target_month, target_value, cash_reduction: ``kpi_targets``.
    """
    base = pd.Timestamp(baseline_month) if baseline_month else first_plan_month or plan_month
    base = pd.Timestamp(base)
    if base > plan_month or base not in stock_values.index:
        return None
    target = pd.Timestamp(target_month) if target_month else base + pd.DateOffset(months=12)
    baseline_value = float(stock_values.loc[base])
    goal = target_value if target_value is not None else baseline_value - cash_reduction
    return Commitment(base, pd.Timestamp(target), baseline_value, max(float(goal), 0.0))


def collections(revenue: np.ndarray, booked: pd.Series, months: pd.DatetimeIndex, lag: int):
    """Cash collected each month: the plan's revenue ``lag`` months after the sale; the
    first ``lag`` months collect the booked net revenue of the months before the horizon."""
    if lag == 0:
        return revenue.copy()
    out = np.zeros_like(revenue)
    out[lag:] = revenue[:-lag] if lag < len(revenue) else 0.0
    for t in range(min(lag, len(months))):
        sold = months[t] - pd.DateOffset(months=lag)
        out[t] = float(booked.get(pd.Timestamp(sold), 0.0))
    return out


def balances(opening: float, flows: np.ndarray) -> np.ndarray:
    """Month-end balances of the plan's months."""
    return opening + np.cumsum(flows)


def runway_months(
    opening: float, flows: np.ndarray, cycle: np.ndarray | None = None
) -> float | None:
    """Months until the balance first falls below zero (module docstring), interpolated
    within the month it crosses; 0 when the opening cash is already negative.

    ``cycle`` is the year repeated past the horizon when it is not the flows' own last
    :data:`RUNWAY_REPEAT` months: an option's levers act within the horizon, and after it the
    company runs on its plan, so an option's runway repeats the plan's year, not its own (a
    one-off shortage or expedite premium is not paid again every year).
    """
    if opening < 0:
        return 0.0
    flows = np.asarray(flows, dtype=float)
    if not len(flows):
        return None
    if cycle is None:
        cycle = flows[-min(RUNWAY_REPEAT, len(flows)) :]
    cycle = np.asarray(cycle, dtype=float)
    previous, month = opening, 0
    horizon_steps = list(flows)
    for flow in horizon_steps:
        month += 1
        balance = previous + flow
        if balance < 0:
            return month - 1 + previous / (previous - balance)
        previous = balance
    if cycle.sum() >= 0 and (previous + np.cumsum(cycle)).min() >= 0:
        return None
    for _ in range(RUNWAY_YEARS * 12 // len(cycle)):
        path = previous + np.cumsum(cycle)
        below = np.flatnonzero(path < 0)
        if len(below):
            k = int(below[0])
            before = previous if k == 0 else path[k - 1]
            return month + k + before / (before - path[k])
        previous, month = float(path[-1]), month + len(cycle)
    return None


def runway_trough(
    opening: float, flows: np.ndarray, cycle: np.ndarray | None = None
) -> tuple[float, int] | None:
    """The lowest balance the cash dips to past the horizon, on the repeated year, and
    recovers from before the runway ends: ``(balance, months after the plan month)``, or None
    when no such dip. A runway counts to the first month below zero, so a dip that comes close
    to zero and recovers is what makes it fragile: a little less cash and the runway ends at
    the dip, months sooner (module docstring on the repeated year)."""
    flows = np.asarray(flows, dtype=float)
    if not len(flows) or opening < 0:
        return None
    if cycle is None:
        cycle = flows[-min(RUNWAY_REPEAT, len(flows)) :]
    cycle = np.asarray(cycle, dtype=float)
    runway = runway_months(opening, flows, cycle)
    years = RUNWAY_YEARS if runway is not None else 3
    repeated = np.tile(cycle, years)
    if runway is not None:
        repeated = repeated[: max(0, int(np.ceil(runway)) - len(flows))]
    end = opening + flows.sum()
    path = np.concatenate([[end], end + np.cumsum(repeated)])  # from the horizon's last month
    month = np.arange(1, len(path) - 1)
    dips = month[
        (path[month] < path[month - 1]) & (path[month + 1] > path[month]) & (path[month] >= 0)
    ]
    if not len(dips):
        return None
    lowest = int(dips[np.argmin(path[dips])])
    return float(path[lowest]), len(flows) + lowest


@dataclass(frozen=True)
class CashPosition:
    """Opening cash at the plan month's close and the monthly operating burn (``cash.csv``)."""

    as_of_month: pd.Timestamp
    opening_cash: float
    monthly_burn: float


def cash_position(cash: pd.DataFrame, plan_month: pd.Timestamp) -> CashPosition | None:
    """``cash.csv``'s latest row up to the plan month, or None."""
    if cash is None or cash.empty:
        return None
    known = cash[pd.to_datetime(cash["as_of_month"]) <= plan_month]
    if known.empty:
        return None
    row = (
        known.assign(as_of_month=pd.to_datetime(known["as_of_month"]))
        .sort_values("as_of_month")
        .iloc[-1]
    )
    return CashPosition(
        pd.Timestamp(row["as_of_month"]),
        float(row["opening_cash"]),
        float(row["monthly_operating_burn"]),
    )


@dataclass(frozen=True)
class PlanCash:
    """A plan's cash by horizon month (arrays over months); ``materials_sold`` is the cost of
    the bought items each month's sales contain."""

    inflow: np.ndarray
    purchases: np.ndarray
    overtime: np.ndarray
    expedite: np.ndarray
    burn: np.ndarray
    materials_sold: np.ndarray
    one_off_revenue: np.ndarray | None = None
    one_off_materials: np.ndarray | None = None
    lag: int = 0

    @property
    def net(self) -> np.ndarray:
        return self.inflow - self.purchases - self.overtime - self.expedite - self.burn

    @property
    def repeated_year(self) -> np.ndarray:
        """The year the runway repeats past the horizon (module docstring): the last
        :data:`RUNWAY_REPEAT` months' collections, overtime and burn, with what their sales
        contain bought back in the month instead of the plan's purchases, no expedite premium,
        and the sales lost to the plan's start sold (``one_off_revenue``, collected ``lag``
        months later within the year; ``one_off_materials`` their bought content)."""
        n = min(RUNWAY_REPEAT, len(self.inflow))
        start = len(self.inflow) - n
        year = (self.inflow - self.materials_sold - self.overtime - self.burn)[start:]
        # a month of the horizon falls on the repeated year's month of the same calendar month
        slots = (np.arange(len(self.inflow)) - start) % max(n, 1)
        if self.one_off_revenue is not None:
            sold = np.bincount(slots, weights=self.one_off_revenue, minlength=n)
            year = year + np.roll(sold, self.lag)
        if self.one_off_materials is not None:
            year = year - np.bincount(slots, weights=self.one_off_materials, minlength=n)
        return year

    def trough(self, opening: float) -> tuple[float, int] | None:
        """The lowest dip past the horizon before the runway ends (:func:`runway_trough`) on
        the plan's own flows."""
        return runway_trough(opening, self.net, cycle=self.repeated_year)

    def runway(self, opening: float, net: np.ndarray | None = None) -> float | None:
        """Months of runway from ``opening`` on ``net`` (the plan's own flows by default)
        over the horizon, then :attr:`repeated_year`: an option's levers act within the
        horizon, and after it the company runs on its plan."""
        flows = self.net if net is None else net
        return runway_months(opening, flows, cycle=self.repeated_year)


def plan_cash_flows(
    revenue: np.ndarray,
    purchases: np.ndarray,
    overtime: np.ndarray,
    expedite: np.ndarray,
    position: CashPosition | None,
    booked: pd.Series,
    months: pd.DatetimeIndex,
    lag: int,
    materials_sold: np.ndarray,
    one_off: tuple[np.ndarray, np.ndarray] | None = None,
) -> PlanCash:
    """The monthly flows (module docstring); without a cash position no burn.
    ``materials_sold``: the cost of the bought items each month's sales contain, for the
    year the runway repeats (:attr:`PlanCash.repeated_year`); ``one_off``: the revenue and the
    bought content of the sales lost to the plan's start, which that year sells."""
    burn = np.full(len(months), position.monthly_burn if position else 0.0)
    inflow = collections(revenue, booked, months, lag)
    extra_revenue, extra_materials = one_off if one_off is not None else (None, None)
    return PlanCash(
        inflow, purchases, overtime, expedite, burn, materials_sold, extra_revenue,
        extra_materials, lag,
    )  # fmt: skip


def one_off_losses(
    causes: pd.DataFrame,
    items: pd.Index,
    horizon: int,
    first_supply: np.ndarray,
    arrives: np.ndarray | None = None,
) -> np.ndarray:
    """The lost sales of a plan that come from where it starts, ``(items, months)``: those put
    on an item's own lead time up to the month an order placed at the close arrives in
    (``arrives``, per item position; None: any month), and those put on a component that
    bound in a month before such an order could reach production (``first_supply``, per item
    position: the first month a new order of it serves). A year later the company orders in
    time: the runway's repeated year sells them. Lead-time losses later in the horizon are
    the plan's own timing, and repeat.

    Args:
        causes: the plan's lost sales by root cause (``item, month, lost_qty,
            constraint_type, constraint, cause_month``; months as positions).
    """
    out = np.zeros((len(items), horizon))
    if causes is None or causes.empty:
        return out
    kind = causes["constraint_type"].to_numpy()
    component = items.get_indexer(causes["constraint"].astype(str))
    early = (kind == "component") & (component >= 0)
    early[early] = (
        causes["cause_month"].to_numpy()[early] < np.asarray(first_supply)[component[early]]
    )
    lead = kind == "lead_time"
    if arrives is not None:
        own = items.get_indexer(causes["item"].astype(str))
        lead &= causes["month"].to_numpy(int) <= np.asarray(arrives)[own]
    keep = lead | early
    rows = items.get_indexer(causes["item"].astype(str))[keep]
    np.add.at(
        out, (rows, causes["month"].to_numpy(int)[keep]), causes["lost_qty"].to_numpy(float)[keep]
    )
    return out


def runs_out_month(first_month: pd.Timestamp, runway: float | None, horizon: int):
    """The month the cash runs out (the first below zero: month ``ceil(runway)`` after the
    plan month, ``first_month`` the first planned) when that is past the horizon; else None."""
    if runway is None or runway <= horizon:
        return None
    return pd.Timestamp(first_month) + pd.DateOffset(months=int(np.ceil(runway)) - 1)


def low_point(values: np.ndarray) -> int | None:
    """Position of the lowest balance (the first one on a tie), None when empty."""
    return int(np.argmin(values)) if len(values) else None


def cash_projection(
    plan_month: pd.Timestamp,
    months: pd.DatetimeIndex,
    inventory_value: np.ndarray,
    flows: PlanCash,
    position: CashPosition | None,
    stock_values: pd.Series,
    promise: Commitment | None,
) -> pd.DataFrame:
    """The ``cash_projection`` table: the actual stock counts from the baseline month to the
    plan month, then the plan's months with their flows, balance, runway and low point.

    Returns:
        Columns :data:`CASH_COLUMNS`, one row per month.
    """
    actual_months = sorted(
        m
        for m in stock_values.index
        if m == plan_month or (promise is not None and promise.baseline_month <= m <= plan_month)
    )
    actual = pd.DataFrame(
        {
            "month": pd.DatetimeIndex(actual_months),
            "inventory_value": [float(stock_values.loc[m]) for m in actual_months],
            "is_actual": True,
        }
    )
    projected = pd.DataFrame(
        {
            "month": months,
            "inventory_value": inventory_value,
            "purchase_spend": flows.purchases,
            "is_actual": False,
            "cash_inflow": flows.inflow,
            "overtime_cost": flows.overtime,
            "expedite_cost": flows.expedite,
        }
    )
    if position is not None:
        path = balances(position.opening_cash, flows.net)
        projected["operating_burn"] = flows.burn
        projected["net_cash_flow"] = flows.net
        projected["cash_balance"] = path
        lowest = low_point(path)
        projected["is_cash_low_point"] = np.arange(len(months)) == lowest
    frame = pd.concat([actual, projected], ignore_index=True)
    if promise is not None:
        path_value = promise.path(pd.DatetimeIndex(frame["month"]))
        frame["baseline_month"] = promise.baseline_month
        frame["target_month"] = promise.target_month
        frame["baseline_inventory_value"] = promise.baseline_value
        frame["target_inventory_value"] = path_value
        frame["gap_to_target"] = frame["inventory_value"] - path_value
        frame["cash_released"] = promise.baseline_value - frame["inventory_value"]
        frame["target_cash_released"] = promise.baseline_value - path_value
    if position is not None:
        runway = flows.runway(position.opening_cash)
        frame["runway_months"] = np.nan if runway is None else runway
        frame["cash_as_of_month"] = position.as_of_month
        frame["is_cash_low_point"] = frame["is_cash_low_point"].astype("boolean").fillna(False)
    for column in CASH_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan
    for column in ("baseline_month", "target_month", "cash_as_of_month"):
        frame[column] = pd.to_datetime(frame[column])
    frame["is_actual"] = frame["is_actual"].astype(bool)
    return frame[CASH_COLUMNS].sort_values("month").reset_index(drop=True)
