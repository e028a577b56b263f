"""Decision options for the meeting's largest uncertainties, priced in cash, margin and service.

For each of the largest issues of three kinds - a material supply gap of an item
(``supply_gap``), an overloaded resource (``capacity``) and a large upward forecast change of
an item (``forecast_change``, a demand uncertainty) - the options the meeting chooses between:

=====================  =======================================  ================================
option                 supply in the issue's months              listed for
=====================  =======================================  ================================
``plan_to_base``       the plan as it stands (take the           every issue
                       stockout risk)
``produce_to_upside``  the upside MRP's position (hi80 + its      forecast changes
                       stock), within spare regular capacity
``overtime``           the same, with the spare overtime too     routed items (forecast change);
                                                                 capacity (infeasible: the plan
                                                                 already uses all overtime)
``prebuild``           the lost production built in earlier      capacity
                       months' spare capacity (:mod:`.capacity`)
``spread_deliveries``  a share of the peak month's demand        every issue
                       moved to the next month
``expedite``           the limiting item's lead time cut, the    supply gaps with a limiting item
                       gap months it can reach supplied
=====================  =======================================  ================================

An option that applies but cannot help (nothing to pre-build, an expedited order still too late,
no spare overtime) is listed with ``is_feasible`` false and the reason in ``note``.

**Demand** of an item in a month is Normal with mean ``mu = forecast_qty`` and standard deviation
``sigma = (hi80 - lo80) / (2 z)``, ``z = Phi^-1(0.9) = 1.2816``; months are independent. With
supply ``S`` available in the month, the expected lost sales are ``sigma L((S - mu) / sigma)``
with the standard normal loss function ``L(z) = phi(z) - z (1 - Phi(z))`` (``max(0, mu - S)``
when ``sigma = 0``), the expected stock left ``lost + S - mu`` and the expected sales ``mu -
lost``.

**Supply of the plan** (``S_base``) in a month: ``mu + projected_on_hand`` of the base MRP (the
forecast and the stock it plans to hold), less the units an overloaded resource does not make;
in a month with a supply gap, ``mu - shortage_qty``.

**Money** (all against ``plan_to_base``, over the issue's months; ``expected_*`` figures are
absolute under the option): ``purchase_spend`` - extra units bought or made x unit cost;
``extra_inventory_cash_peak`` - the largest extra stock (at cost) the option holds in any month;
``overtime_cost``; ``expedite_cost`` - premium x the limiting item's unit cost x its quantity in
the units expedited (through the BOM); ``holding_cost`` - the annual holding rate / 12 x the
value of the extra stock at each month end; ``expected_margin = expected units sold x (net price
- unit cost) - overtime - expedite - holding`` is the criterion. The **suggested** option has
the highest expected margin among the feasible ones whose extra cash at peak stays within
``decisions.max_extra_cash`` (ties: the option listed first).

With a cash position (``cash.csv``), every option's cash balance and runway shift the base
plan's by the option's cash effect month by month: extra expected revenue less extra purchases,
overtime and expedite premiums (holding cost is not cash).

References:
    Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
    ch. 4 and 6 (the standard normal loss function, expected shortage and fill rate);
    Porteus, *Foundations of Stochastic Inventory Theory* (newsvendor: expected sales and
    leftover under Normal demand).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sop_pipeline.supply._common import DAYS_PER_MONTH, QTY_TOL
from sop_pipeline.supply.bom import bom_edges
from sop_pipeline.supply.uncertainty import Z80, demand_sigma, expected_lost, normal_loss

__all__ = [
    "OPTION_COLUMNS",
    "Z80",
    "DecisionSettings",
    "OptionInputs",
    "expected_lost",
    "figure_breaks",
    "normal_loss",
    "runway_months",
    "scenario_options",
    "suggestion_breaks",
]

SUPPLY_GAP, CAPACITY, FORECAST_CHANGE = "supply_gap", "capacity", "forecast_change"
MIN_MARGIN_AT_RISK = 0.5  # an overload below this expected margin at risk is no issue
OPTIONS = (
    "plan_to_base",
    "produce_to_upside",
    "overtime",
    "prebuild",
    "spread_deliveries",
    "expedite",
)

OPTION_COLUMNS = [
    "issue",
    "category",
    "item",
    "option",
    "is_feasible",
    "first_month",
    "last_month",
    "extra_inventory_cash_peak",
    "purchase_spend",
    "overtime_cost",
    "expedite_cost",
    "holding_cost",
    "expected_revenue_at_risk",
    "expected_margin_at_risk",
    "expected_excess_value",
    "service_level",
    "expected_margin",
    "margin_vs_base",
    "cash_balance_end",
    "runway_months",
    "is_suggested",
    "decision",
    "note",
]


# --- cash -------------------------------------------------------------------------------------


def runway_months(opening_cash: float, balances: np.ndarray) -> float | None:
    """Months until a cash balance first falls below zero (as ``cash_projection``).

    ``balances`` are the month-end balances of the months after the plan month. Interpolated
    within the month it turns negative; when it stays positive but falls, extrapolated beyond
    the horizon at the average net outflow; None when the cash does not fall.
    """
    if opening_cash < 0:
        return 0.0
    previous = opening_cash
    for k, balance in enumerate(balances, start=1):
        if balance < 0:
            return k - 1 + previous / (previous - balance)
        previous = balance
    if len(balances) and balances[-1] < opening_cash:
        outflow = (opening_cash - balances[-1]) / len(balances)
        return len(balances) + balances[-1] / outflow
    return None


# --- inputs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionSettings:
    """The settings the options are priced with (``decisions.*`` in the settings)."""

    max_extra_cash: float | None = None
    spread_share: float = 0.30
    expedite_premium: float = 0.15
    expedite_lead_time_days: float = 14.0
    holding_cost_rate: float = 0.25
    top_issues: int = 5  # issues per category that get an option table


def _frame(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


@dataclass(frozen=True)
class OptionInputs:
    """What the options are priced from (the plan month's tables, as the warehouse holds them).

    Attributes:
        months: The horizon months.
        forecast: ``item, month, forecast_qty, lo80, hi80`` (``net_price`` when known).
        items: ``item, unit_cost, unit_price, lead_time_days``.
        bom: ``parent, component, qty_per`` (``scrap_rate``).
        mrp: ``material_requirements`` rows of both scenarios.
        gaps: ``supply_gaps`` rows (``gap_type``).
        forecast_changes: ``forecast_changes`` rows.
        capacity: ``capacity_plan`` rows (empty without capacity).
        routings: ``item, resource, hours_per_unit``.
        resources: ``resource, overtime_cost_per_unit`` (``description``).
        lost: Units overloaded resources do not make (base): ``item, month, resource, units``.
        prebuilt: The levelling's pre-builds: ``item, for_month, build_month, qty``.
        opening_cash: The cash at the plan month's close (None: no cash.csv).
        base_balances: The base plan's cash balance at each horizon month's end.
    """

    months: pd.DatetimeIndex
    forecast: pd.DataFrame
    items: pd.DataFrame
    bom: pd.DataFrame
    mrp: pd.DataFrame
    gaps: pd.DataFrame
    forecast_changes: pd.DataFrame
    capacity: pd.DataFrame = field(default_factory=pd.DataFrame)
    routings: pd.DataFrame = field(
        default_factory=lambda: _frame(
            {"item": "object", "resource": "object", "hours_per_unit": "float"}
        )
    )
    resources: pd.DataFrame = field(
        default_factory=lambda: _frame({"resource": "object", "overtime_cost_per_unit": "float"})
    )
    lost: pd.DataFrame = field(
        default_factory=lambda: _frame(
            {"item": "object", "month": "datetime64[ns]", "resource": "object", "units": "float"}
        )
    )
    prebuilt: pd.DataFrame = field(
        default_factory=lambda: _frame(
            {
                "item": "object",
                "for_month": "datetime64[ns]",
                "build_month": "datetime64[ns]",
                "qty": "float",
            }
        )
    )
    opening_cash: float | None = None
    base_balances: np.ndarray | None = None


@dataclass(frozen=True)
class Issue:
    """One issue the meeting decides on: its kind, subject (item or resource), the items it
    concerns and the months it is about."""

    category: str
    subject: str
    items: tuple[str, ...]
    months: tuple[pd.Timestamp, ...]
    impact: float
    limiting_item: str | None = None

    @property
    def key(self) -> str:
        return f"{self.category}:{self.subject}"


def find_issues(inputs: OptionInputs, top_n: int) -> list[Issue]:
    """The ``top_n`` largest issues of each kind, by the margin at stake as ``top_issues``
    ranks them: supply gaps by item (material), overloaded resources (the expected margin the
    overload puts at risk, ``capacity_plan.margin_at_risk``), upward forecast exceptions by
    item (not timing shifts)."""
    issues: list[Issue] = []
    gaps = inputs.gaps.copy()
    if "gap_type" not in gaps.columns:
        gaps["gap_type"] = "material"
    gaps["month"] = pd.to_datetime(gaps["month"])
    gaps["margin"] = gaps["margin_at_risk"].fillna(0.0)
    material = gaps[gaps["gap_type"].fillna("material") == "material"].sort_values("month")
    for item, rows in _largest(material, "item", top_n):
        issues.append(
            Issue(
                SUPPLY_GAP,
                str(item),
                (str(item),),
                tuple(sorted(rows["month"].unique())),
                float(rows["margin"].sum()),
                str(rows["limiting_item"].iloc[0]),
            )
        )
    plan = inputs.capacity
    if plan is not None and len(plan):
        over = plan[(plan["scenario"] == "base") & (plan["overload"] > 0)].assign(
            month=lambda f: pd.to_datetime(f["month"]),
            margin=lambda f: f["margin_at_risk"].fillna(0.0),
        )
        lost = inputs.lost.assign(month=lambda f: pd.to_datetime(f["month"]))
        # an overload is an issue when it puts at least one unit of money at risk
        over = over[over.groupby("resource")["margin"].transform("sum") >= MIN_MARGIN_AT_RISK]
        short = gaps[gaps["gap_type"].fillna("material") == "material"]
        for resource, rows in _largest(over, "resource", top_n):
            months = tuple(sorted(rows["month"].unique()))
            hit = lost[(lost["resource"] == resource) & lost["month"].isin(months)]
            # an item short of material in those months is not made whatever the capacity
            blocked = short[short["month"].isin(months)]["item"]
            hit = hit[~hit["item"].isin(blocked)]
            if hit.empty:
                continue
            issues.append(
                Issue(
                    CAPACITY,
                    str(resource),
                    tuple(sorted(hit["item"].astype(str).unique())),
                    months,
                    float(rows["margin"].sum()),
                    str(resource),
                )
            )
    changes = inputs.forecast_changes
    if len(changes):
        up = changes[
            changes["is_exception"].fillna(False).astype(bool)
            & (changes["change_qty"] > 0)
            & ~changes["is_timing_shift"].fillna(False).astype(bool)
        ].copy()
        up["impact"] = np.maximum(up["change_margin"].abs(), up["abs_change_margin"] / 2)
        for row in (
            up.sort_values(["impact", "item"], ascending=[False, True]).head(top_n).itertuples()
        ):
            issues.append(
                Issue(
                    FORECAST_CHANGE,
                    str(row.item),
                    (str(row.item),),
                    tuple(inputs.months),
                    float(row.impact),
                )
            )
    return issues


def _largest(rows: pd.DataFrame, by: str, top_n: int):
    if rows.empty:
        return []
    totals = rows.groupby(by)["margin"].sum().reset_index()
    totals = totals.sort_values(["margin", by], ascending=[False, True]).head(top_n)
    return [(key, rows[rows[by] == key]) for key in totals[by]]


# --- one issue's grid -------------------------------------------------------------------------


@dataclass
class Grid:
    """An issue's items x horizon months as ``(items, months)`` arrays."""

    items: list[str]
    months: pd.DatetimeIndex
    mu: np.ndarray
    sigma: np.ndarray
    supply: np.ndarray  # S_base
    upside: np.ndarray  # the upside MRP's position hi80 + projected_on_hand
    stock: np.ndarray  # base projected_on_hand
    shortage: np.ndarray  # supply gap shortage (0 where none)
    price: np.ndarray  # per item
    cost: np.ndarray  # per item
    window: np.ndarray  # the months (bool) the issue is about and the month after each


def _pivot(frame: pd.DataFrame, column: str, items: list[str], months: pd.DatetimeIndex):
    if frame.empty:
        return np.zeros((len(items), len(months)))
    rows = frame.assign(month=pd.to_datetime(frame["month"]))
    table = rows.pivot_table(index="item", columns="month", values=column, aggfunc="sum")
    return table.reindex(index=items, columns=months).fillna(0.0).to_numpy(float)


def build_grid(inputs: OptionInputs, issue: Issue) -> Grid:
    """The issue's demand, plan supply, prices and costs (module docstring)."""
    items, months = list(issue.items), inputs.months
    forecast = inputs.forecast[inputs.forecast["item"].isin(items)]
    mu = _pivot(forecast, "forecast_qty", items, months)
    sigma = demand_sigma(
        _pivot(forecast, "lo80", items, months), _pivot(forecast, "hi80", items, months)
    )
    hi80 = _pivot(forecast, "hi80", items, months)
    mrp = inputs.mrp[inputs.mrp["item"].isin(items)]
    stock = _pivot(mrp[mrp["scenario"] == "base"], "projected_on_hand", items, months)
    stock_up = _pivot(mrp[mrp["scenario"] == "upside"], "projected_on_hand", items, months)
    gaps = inputs.gaps[inputs.gaps["item"].isin(items)]
    shortage = _pivot(gaps, "shortage_qty", items, months)
    lost_units = _pivot(inputs.lost[inputs.lost["item"].isin(items)], "units", items, months)
    supply = np.where(shortage > 0, mu - shortage, np.maximum(mu + stock - lost_units, 0.0))
    master = inputs.items.set_index(inputs.items["item"].astype(str))
    price = master["unit_price"].reindex(items).astype(float)
    if "net_price" in forecast.columns:
        net = forecast.groupby("item")["net_price"].first().reindex(items)
        price = net.fillna(price)
    window = np.isin(months, pd.DatetimeIndex(issue.months))
    window[1:] |= window[:-1]  # and the month after each: where spread deliveries land
    return Grid(
        items=items,
        months=months,
        mu=mu,
        sigma=sigma,
        supply=supply,
        upside=np.maximum(hi80 + stock_up, supply),
        stock=stock,
        shortage=shortage,
        price=price.fillna(0.0).to_numpy(float),
        cost=master["unit_cost"].reindex(items).astype(float).fillna(0.0).to_numpy(float),
        window=window,
    )


# --- options ----------------------------------------------------------------------------------


@dataclass
class Option:
    """One option as arrays over the grid: demand and supply of every item-month, the extra
    units bought or made (``buy``) and set aside for a later month (``reserved``, not for
    sale in the month) against the plan, and its extra costs by month."""

    name: str
    mu: np.ndarray
    sigma: np.ndarray
    supply: np.ndarray
    buy: np.ndarray
    reserved: np.ndarray
    overtime: np.ndarray  # by month
    expedite: np.ndarray  # by month
    feasible: bool = True
    decision: str = ""
    note: str = ""

    def held(self, grid: Grid) -> np.ndarray:
        """Expected extra stock at each month end against the plan: the reserved units plus
        ``E[left over] - E[left over of the plan] = (lost - lost_base) + (S - S_base) - (mu -
        mu_base)``."""
        lost = expected_lost(self.mu, self.sigma, self.supply)
        base_lost = expected_lost(grid.mu, grid.sigma, grid.supply)
        return (
            self.reserved + (lost - base_lost) + (self.supply - grid.supply) - (self.mu - grid.mu)
        )


def _base_option(grid: Grid, name: str = "plan_to_base") -> Option:
    zero = np.zeros_like(grid.mu)
    return Option(
        name,
        grid.mu.copy(),
        grid.sigma.copy(),
        grid.supply.copy(),
        zero.copy(),
        zero.copy(),
        np.zeros(len(grid.months)),
        np.zeros(len(grid.months)),
    )


def _label(month: pd.Timestamp) -> str:
    return pd.Timestamp(month).strftime("%b %Y")


def _span(months) -> str:
    months = sorted(pd.DatetimeIndex(months))
    if not months:
        return ""
    if len(months) == 1:
        return _label(months[0])
    return f"{_label(months[0])}-{_label(months[-1])}"


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def _hours(value: float) -> str:
    return f"{value:,.1f}" if value < 10 else f"{value:,.0f}"


@dataclass
class Context:
    """What the option builders need beyond the grid."""

    inputs: OptionInputs
    settings: DecisionSettings
    issue: Issue
    grid: Grid
    spare_regular: pd.DataFrame  # resource x month
    spare_overtime: pd.DataFrame
    overtime_rate: pd.Series  # per resource
    routes: dict[str, list[tuple[str, float]]]  # item -> (resource, hours_per_unit)


def _capacity_tables(inputs: OptionInputs) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    plan = inputs.capacity
    if plan is None or plan.empty:
        empty = pd.DataFrame(columns=inputs.months, dtype=float)
        return empty, empty, pd.Series(dtype=float)
    base = plan[plan["scenario"] == "base"].assign(month=lambda f: pd.to_datetime(f["month"]))
    regular = (base["capacity"] - base["load"]).clip(lower=0.0)
    overtime = (base["overtime_capacity"] - base["overtime_used"]).clip(lower=0.0)
    spare_regular = base.assign(v=regular).pivot_table(
        index="resource", columns="month", values="v", aggfunc="sum"
    )
    spare_overtime = base.assign(v=overtime).pivot_table(
        index="resource", columns="month", values="v", aggfunc="sum"
    )
    rate = inputs.resources.set_index(inputs.resources["resource"].astype(str))
    return (
        spare_regular.reindex(columns=inputs.months).fillna(0.0),
        spare_overtime.reindex(columns=inputs.months).fillna(0.0),
        rate["overtime_cost_per_unit"].astype(float).fillna(0.0)
        if "overtime_cost_per_unit" in rate
        else pd.Series(0.0, index=rate.index),
    )


def _routes(ctx: Context, item: str) -> list[tuple[str, float]]:
    return ctx.routes.get(item, [])


def _route_table(routings: pd.DataFrame) -> dict[str, list[tuple[str, float]]]:
    routes: dict[str, list[tuple[str, float]]] = {}
    for item, resource, hours in routings[["item", "resource", "hours_per_unit"]].itertuples(
        index=False
    ):
        routes.setdefault(str(item), []).append((str(resource), float(hours)))
    return routes


def _upside(ctx: Context, with_overtime: bool) -> Option:
    """Produce to the upside MRP's position, within spare regular (and overtime) capacity:
    month by month, make what the position lacks after the extra stock carried over."""
    grid = ctx.grid
    option = _base_option(grid, "overtime" if with_overtime else "produce_to_upside")
    target = np.where(grid.window, grid.upside - grid.supply, 0.0)
    base_lost = expected_lost(grid.mu, grid.sigma, grid.supply)
    carried = np.zeros(len(grid.items))
    capped, overtime_hours = False, 0.0
    for j, month in enumerate(grid.months):
        for k, item in enumerate(grid.items):
            make = max(0.0, target[k, j] - carried[k])
            routes = _routes(ctx, item)
            if routes and make > QTY_TOL:
                regular = min(ctx.spare_regular.at[r, month] / h for r, h in routes)
                room = regular
                if with_overtime:
                    room = min(
                        (ctx.spare_regular.at[r, month] + ctx.spare_overtime.at[r, month]) / h
                        for r, h in routes
                    )
                capped |= make > room + QTY_TOL
                make = min(make, room)
                for r, h in routes:
                    hours = max(0.0, make - regular) * h
                    overtime_hours += hours
                    option.overtime[j] += hours * float(ctx.overtime_rate.get(r, 0.0))
            option.buy[k, j] = make
            option.supply[k, j] = grid.supply[k, j] + carried[k] + make
            lost = expected_lost(grid.mu[k, j], grid.sigma[k, j], option.supply[k, j])
            carried[k] = carried[k] + make - (base_lost[k, j] - lost)
    units, items = float(option.buy.sum()), ", ".join(grid.items)
    if units <= QTY_TOL:
        option.feasible = False
        option.note = "the plan already covers the upside"
        if capped:
            kind = "overtime" if with_overtime else "regular capacity"
            option.note = f"no spare {kind} to make more"
        return option
    span = _span(grid.months[grid.window])
    option.decision = f"Produce {items} to the upside: {_fmt(units)} more units over {span}"
    option.note = "the upside MRP's stock (hi80 and its safety stock) where above the plan's"
    if capped:
        kind = "regular and overtime" if with_overtime else "regular"
        option.note += f"; capped by the spare {kind} capacity"
    if with_overtime:
        if overtime_hours <= QTY_TOL:
            option.feasible = False
            option.decision = ""
            option.note = "not needed: the upside fits in spare regular capacity"
        else:
            option.decision = (
                f"Plan {_hours(overtime_hours)} h of overtime to make {items} to the upside "
                f"({_fmt(units)} more units over {span})"
            )
    return option


def _spread(ctx: Context) -> Option:
    """Move ``spread_share`` of the peak month's demand to the next month."""
    grid, share = ctx.grid, ctx.settings.spread_share
    option = _base_option(grid, "spread_deliveries")
    base_lost = expected_lost(grid.mu, grid.sigma, grid.supply)
    lost_value = (base_lost * grid.price[:, None]).sum(axis=0)
    candidates = np.flatnonzero(np.isin(grid.months, pd.DatetimeIndex(ctx.issue.months)))
    if ctx.issue.category == FORECAST_CHANGE:
        peak = int(candidates[np.argmax(grid.mu[:, candidates].sum(axis=0))])
    else:
        peak = int(candidates[np.argmax(lost_value[candidates])])
    if peak + 1 >= len(grid.months):
        option.feasible = False
        option.note = f"the peak ({_label(grid.months[peak])}) is the last month of the horizon"
        return option
    nxt = peak + 1
    moved = share * grid.mu[:, peak]
    option.mu[:, peak] = grid.mu[:, peak] - moved
    option.sigma[:, peak] = grid.sigma[:, peak] * (1 - share)
    option.mu[:, nxt] = grid.mu[:, nxt] + moved
    option.sigma[:, nxt] = np.sqrt(grid.sigma[:, nxt] ** 2 + (share * grid.sigma[:, peak]) ** 2)
    carry = np.maximum(np.minimum(grid.supply[:, peak], grid.mu[:, peak]) - option.mu[:, peak], 0.0)
    carry = np.minimum(carry, moved)
    made = np.zeros(len(grid.items))
    if ctx.issue.category == CAPACITY:
        for k, item in enumerate(grid.items):
            routes = _routes(ctx, item)
            if routes:
                room = min(ctx.spare_regular.at[r, grid.months[nxt]] / h for r, h in routes)
                made[k] = max(0.0, min(moved[k] - carry[k], room))
                for r, h in routes:
                    ctx.spare_regular.at[r, grid.months[nxt]] -= made[k] * h
    option.supply[:, nxt] = grid.supply[:, nxt] + carry + made
    option.buy[:, nxt] = made
    option.decision = (
        f"Ask customers to take {share:.0%} of {_label(grid.months[peak])}'s demand "
        f"({_fmt(moved.sum())} units) in {_label(grid.months[nxt])}"
    )
    option.note = (
        "the peak month's stock it no longer needs carries into the next month"
        + ("; spare capacity there makes the rest" if ctx.issue.category == CAPACITY else "")
        + "; any price concession is not included"
    )
    return option


def _expedite(ctx: Context) -> Option | None:
    """Cut the limiting item's lead time to ``expedite_lead_time_days``."""
    grid, issue, settings = ctx.grid, ctx.issue, ctx.settings
    limiting = issue.limiting_item
    if not limiting:
        return None
    item = issue.items[0]
    master = ctx.inputs.items.set_index(ctx.inputs.items["item"].astype(str))
    option = _base_option(grid, "expedite")
    days = settings.expedite_lead_time_days
    if limiting != item:
        days += float(master["lead_time_days"].get(item, 0.0) or 0.0)
    # an order placed at the close arrives l = days / 30.4375 months later: in month floor(l)
    # (0-based), serving the part of that month after it, 1 - frac(l) (as the supply gaps)
    months_ahead = days / DAYS_PER_MONTH
    first = int(np.floor(months_ahead + 1e-9))
    share = 1.0 - (months_ahead - first)
    share = 1.0 if share > 1 - 1e-9 else share
    serve = np.where(np.arange(len(grid.months)) > first, 1.0, 0.0)
    if first < len(grid.months):
        serve[first] = share
    gap_months = grid.window & (grid.shortage[0] > 0)
    reached = gap_months & (serve > 0)
    in_full = min(first + (share < 1), len(grid.months) - 1)
    if not reached.any():
        option.feasible = False
        arrival = _label(grid.months[in_full]) if first < len(grid.months) else "after the horizon"
        option.note = (
            f"even expedited to {settings.expedite_lead_time_days:g} days, {limiting} makes "
            f"{item} available from {arrival}, after the gap months "
            f"({_span(grid.months[gap_months])})"
        )
        return option
    recovered = np.where(reached, grid.mu[0] + grid.stock[0] - grid.supply[0], 0.0)
    recovered = np.maximum(recovered, 0.0) * serve
    option.supply[0] = grid.supply[0] + recovered
    option.buy[0] = recovered
    factor = 1.0 if limiting == item else _explosion(ctx.inputs.bom, item, limiting)
    unit_cost = float(master["unit_cost"].get(limiting, 0.0) or 0.0)
    option.expedite = recovered * factor * unit_cost * settings.expedite_premium
    option.decision = (
        f"Expedite {limiting} ({settings.expedite_lead_time_days:g} days, "
        f"{settings.expedite_premium:.0%} premium) so {item} is supplied in full from "
        f"{_label(grid.months[in_full])}"
    )
    option.note = f"{_fmt((recovered * factor).sum())} of {limiting} expedited"
    if share < 1 and gap_months[first]:
        option.note += (
            f"; it arrives in {_label(grid.months[first])}, serving {share:.0%} of that month"
        )
    short = gap_months & (serve == 0)
    if short.any():
        option.note += f"; {_span(grid.months[short])} stays short"
    return option


def _explosion(bom: pd.DataFrame, parent: str, component: str) -> float:
    """Units of ``component`` in one unit of ``parent`` through the BOM (sum over paths)."""
    edges = bom_edges(bom)
    children: dict[str, list[tuple[str, float]]] = {}
    for p, c, f in edges[["parent", "component", "factor"]].itertuples(index=False):
        children.setdefault(p, []).append((c, f))

    def walk(node: str, depth: int) -> float:
        if node == component:
            return 1.0
        if depth > 50:
            return 0.0
        return sum(f * walk(child, depth + 1) for child, f in children.get(node, []))

    return walk(parent, 0)


def _prebuild(ctx: Context) -> Option:
    """Build the lost production earlier, as the capacity levelling found room for it."""
    grid = ctx.grid
    option = _base_option(grid, "prebuild")
    built = ctx.inputs.prebuilt
    built = built[
        built["item"].isin(grid.items)
        & pd.to_datetime(built["for_month"]).isin(grid.months[grid.window])
    ]
    if built.empty:
        option.feasible = False
        option.note = (
            "no spare regular capacity in the months before, within the shelf life and "
            "capacity.max_prebuild_months"
        )
        return option
    position = {item: k for k, item in enumerate(grid.items)}
    months = {m: j for j, m in enumerate(grid.months)}
    for item, for_month, build_month, qty in built[
        ["item", "for_month", "build_month", "qty"]
    ].itertuples(index=False):
        k, t, s = position[item], months[pd.Timestamp(for_month)], months[pd.Timestamp(build_month)]
        option.supply[k, t] += qty
        option.buy[k, s] += qty
        option.reserved[k, s:t] += qty
    units = float(built["qty"].sum())
    lost_units = float(ctx.inputs.lost[ctx.inputs.lost["item"].isin(grid.items)]["units"].sum())
    option.decision = (
        f"Pre-build {_fmt(units)} units in {_span(built['build_month'])} on spare capacity of "
        f"{ctx.issue.subject}"
    )
    option.note = f"{_fmt(units)} of the {_fmt(lost_units)} units the overload loses"
    return option


def _overtime_used_up(ctx: Context) -> Option:
    grid = ctx.grid
    option = _base_option(grid, "overtime")
    option.feasible = False
    plan = ctx.inputs.capacity
    months = pd.DatetimeIndex(ctx.issue.months)
    rows = plan[
        (plan["scenario"] == "base")
        & (plan["resource"] == ctx.issue.subject)
        & pd.to_datetime(plan["month"]).isin(months)
    ]
    option.note = (
        f"the plan already uses all {_hours(rows['overtime_used'].sum())} h of overtime on "
        f"{ctx.issue.subject} in {_span(months)}"
    )
    return option


BUILDERS: dict[str, tuple[str, ...]] = {
    SUPPLY_GAP: ("plan_to_base", "spread_deliveries", "expedite"),
    CAPACITY: ("plan_to_base", "overtime", "prebuild", "spread_deliveries"),
    FORECAST_CHANGE: ("plan_to_base", "produce_to_upside", "overtime", "spread_deliveries"),
}


def _build(ctx: Context, name: str) -> Option | None:
    category = ctx.issue.category
    if name == "plan_to_base":
        option = _base_option(ctx.grid)
        option.decision = (
            f"Plan to the base forecast and take the stockout risk on {ctx.issue.subject}"
        )
        option.note = "the plan as it stands"
        if category == CAPACITY:
            option.note += (
                " (with the overtime it already uses); the expected figures cover every item "
                "the overload hits, its other shortages included"
            )
        return option
    if name == "produce_to_upside":
        return _upside(ctx, with_overtime=False)
    if name == "overtime":
        if category == CAPACITY:
            return _overtime_used_up(ctx)
        if not any(_routes(ctx, item) for item in ctx.grid.items):
            return None
        return _upside(ctx, with_overtime=True)
    if name == "prebuild":
        return _prebuild(ctx)
    if name == "spread_deliveries":
        return _spread(ctx)
    if name == "expedite":
        return _expedite(ctx)
    raise ValueError(f"unknown option {name!r}")


# --- pricing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Priced:
    """An option's figures over the issue's months, and its cash effect by month."""

    row: dict[str, object]
    cash_delta: np.ndarray


def price_option(option: Option, grid: Grid, settings: DecisionSettings) -> Priced:
    """The option's figures (module docstring) and its cash effect by month against the plan:
    extra expected revenue - extra purchases - overtime - expedite premiums."""
    w = grid.window[None, :]
    lost = expected_lost(option.mu, option.sigma, option.supply)
    base_lost = expected_lost(grid.mu, grid.sigma, grid.supply)
    cost, price = grid.cost[:, None], grid.price[:, None]
    margin_unit = price - cost
    held = option.held(grid)
    holding = float((np.maximum(held, 0.0) * cost).sum() * settings.holding_cost_rate / 12)
    overtime, expedite = float(option.overtime.sum()), float(option.expedite.sum())
    position = option.reserved + np.maximum(option.supply - grid.supply, 0.0)
    last = int(np.flatnonzero(grid.window).max())
    leftover = lost[:, last] + option.supply[:, last] - option.mu[:, last]
    demand = float((option.mu * w).sum())
    revenue_delta = ((option.mu - lost) - (grid.mu - base_lost)) * price
    cash_delta = (
        revenue_delta.sum(axis=0)
        - (option.buy * cost).sum(axis=0)
        - option.overtime
        - option.expedite
    )
    row = {
        "option": option.name,
        "is_feasible": option.feasible,
        "first_month": grid.months[grid.window].min(),
        "last_month": grid.months[grid.window].max(),
        "extra_inventory_cash_peak": float((position * cost).sum(axis=0).max()),
        "purchase_spend": float((option.buy * cost).sum()),
        "overtime_cost": overtime,
        "expedite_cost": expedite,
        "holding_cost": holding,
        "expected_revenue_at_risk": float((lost * price * w).sum()),
        "expected_margin_at_risk": float((lost * margin_unit * w).sum()),
        "expected_excess_value": float((np.maximum(leftover, 0.0) * grid.cost).sum()),
        "service_level": 1.0 - float((lost * w).sum()) / demand if demand > 0 else 1.0,
        "expected_margin": float(((option.mu - lost) * margin_unit * w).sum())
        - overtime
        - expedite
        - holding,
        "decision": option.decision,
        "note": option.note,
    }
    return Priced(row, cash_delta)


def issue_options(
    inputs: OptionInputs, issue: Issue, settings: DecisionSettings, spare: tuple
) -> pd.DataFrame:
    """The option table of one issue, with the suggestion marked."""
    grid = build_grid(inputs, issue)
    spare_regular, spare_overtime, rate, routes = spare
    ctx = Context(
        inputs, settings, issue, grid, spare_regular.copy(), spare_overtime.copy(), rate, routes
    )
    options = []
    for name in BUILDERS[issue.category]:
        option = _build(ctx, name)
        if option is not None:
            options.append(option)
    priced = [price_option(option, grid, settings) for option in options]
    rows = pd.DataFrame([p.row for p in priced])
    rows["margin_vs_base"] = rows["expected_margin"] - rows["expected_margin"].iloc[0]
    balances_end, runways = [], []
    for p in priced:
        if inputs.opening_cash is None or inputs.base_balances is None:
            balances_end.append(np.nan)
            runways.append(np.nan)
            continue
        path = inputs.base_balances + np.cumsum(p.cash_delta[: len(inputs.base_balances)])
        balances_end.append(float(path[-1]) if len(path) else np.nan)
        runway = runway_months(inputs.opening_cash, path)
        runways.append(np.nan if runway is None else runway)
    rows["cash_balance_end"] = balances_end
    rows["runway_months"] = runways
    allowed = rows["is_feasible"].astype(bool)
    if settings.max_extra_cash is not None:
        allowed &= rows["extra_inventory_cash_peak"] <= settings.max_extra_cash + 1e-9
    allowed.iloc[0] = True  # the plan needs no extra cash
    best = rows["expected_margin"].where(allowed).idxmax()
    rows["is_suggested"] = rows.index == best
    if settings.max_extra_cash is not None:
        over = rows["is_feasible"].astype(bool) & ~allowed
        rows.loc[over, "note"] = rows.loc[over, "note"] + (
            f"; above the cash ceiling of {_fmt(settings.max_extra_cash)}"
        )
    rows.insert(0, "issue", issue.key)
    rows.insert(1, "category", issue.category)
    rows.insert(2, "item", issue.subject)
    return rows


def scenario_options(inputs: OptionInputs, settings: DecisionSettings) -> pd.DataFrame:
    """The option table of every issue :func:`find_issues` finds (module docstring).

    Returns:
        :data:`OPTION_COLUMNS`, the issues in the order found, options in :data:`BUILDERS`
        order; empty when there is no issue.
    """
    issues = find_issues(inputs, settings.top_issues)
    if not issues:
        return _empty_options()
    spare = (*_capacity_tables(inputs), _route_table(inputs.routings))
    tables = [issue_options(inputs, issue, settings, spare) for issue in issues]
    return pd.concat(tables, ignore_index=True)[OPTION_COLUMNS]


def _empty_options() -> pd.DataFrame:
    kinds: dict[str, str] = {c: "float" for c in OPTION_COLUMNS}
    kinds.update({c: "object" for c in ("issue", "category", "item", "option", "decision", "note")})
    kinds.update({"first_month": "datetime64[ns]", "last_month": "datetime64[ns]"})
    kinds.update({"is_feasible": "bool", "is_suggested": "bool"})
    return _frame(kinds)[OPTION_COLUMNS]


# --- invariants (the checks of the scenario_options asset) ------------------------------------


def suggestion_breaks(table: pd.DataFrame, max_extra_cash: float | None) -> pd.DataFrame:
    """Issues without exactly one suggested option, or whose suggestion is infeasible, above
    the cash ceiling, or not the best expected margin of the options allowed.

    Returns:
        ``issue, problem``.
    """
    problems: list[tuple[str, str]] = []
    for issue, rows in table.groupby("issue", sort=False):
        suggested = rows[rows["is_suggested"].astype(bool)]
        if len(suggested) != 1:
            problems.append((issue, f"{len(suggested)} suggested options"))
            continue
        pick = suggested.iloc[0]
        allowed = rows["is_feasible"].astype(bool) | (rows["option"] == "plan_to_base")
        if max_extra_cash is not None:
            allowed &= (rows["extra_inventory_cash_peak"] <= max_extra_cash + 1e-9) | (
                rows["option"] == "plan_to_base"
            )
        if not bool(allowed[suggested.index[0]]):
            problems.append((issue, f"suggests {pick['option']}, infeasible or above the ceiling"))
        elif pick["expected_margin"] < rows.loc[allowed, "expected_margin"].max() - 1e-6:
            problems.append((issue, f"suggests {pick['option']}, not the best expected margin"))
    return pd.DataFrame(problems, columns=["issue", "problem"])


def figure_breaks(table: pd.DataFrame) -> pd.DataFrame:
    """Option rows whose figures cannot be right: a service level outside [0, 1], a negative
    amount at risk, cost or excess, no ``plan_to_base`` row for the issue, a plan with extra
    costs, or margin_vs_base that is not the difference to the plan's expected margin.

    Returns:
        ``issue, option, problem``.
    """
    out: list[tuple[str, str, str]] = []
    amounts = [
        "expected_revenue_at_risk",
        "expected_margin_at_risk",
        "expected_excess_value",
        "purchase_spend",
        "overtime_cost",
        "expedite_cost",
        "holding_cost",
        "extra_inventory_cash_peak",
    ]
    for issue, rows in table.groupby("issue", sort=False):
        base = rows[rows["option"] == "plan_to_base"]
        if len(base) != 1:
            out.append((issue, "", "no single plan_to_base row"))
            continue
        plan = base.iloc[0]
        extra = ["purchase_spend", "overtime_cost", "expedite_cost", "extra_inventory_cash_peak"]
        if (plan[extra].astype(float).abs() > 1e-6).any():
            out.append((issue, "plan_to_base", "the plan has extra costs or cash"))
        for row in rows.itertuples():
            if not 0 <= row.service_level <= 1 + 1e-9:
                out.append((issue, row.option, f"service_level {row.service_level:.4f}"))
            negative = [c for c in amounts if getattr(row, c) < -1e-6]
            if negative:
                out.append((issue, row.option, "negative " + ", ".join(negative)))
            expected = row.expected_margin - plan["expected_margin"]
            if abs(row.margin_vs_base - expected) > 1e-6 * max(1.0, abs(expected)):
                out.append((issue, row.option, "margin_vs_base is not the difference to the plan"))
    return pd.DataFrame(out, columns=["issue", "option", "problem"])
