"""The price of every binding constraint, and the lost sales each one causes.

A constraint binds when one more unit of it would raise the plan's margin: its shadow price
(the LP dual, in margin terms) is above :data:`PRICE_TOL`. The kinds the meeting decides on:

=================  ====================================================  ==================
constraint_type    constraint (one row per month)                        shadow_price per
=================  ====================================================  ==================
``component``      a bought component's availability: stock, open        unit of the
                   orders, lead time (its stock balance and what is in   component
                   hand at the month's start)
``resource``       a resource's capacity with overtime                   hour (resource unit)
``lead_time``      a finished good's own lead time: what it starts a     unit of the item
                   month with when its orders arrive during the month
                   (bought finished goods: its stock balance)
``shelf_life``     how long an item's stock may be held                  unit held
``cash``           the dated cash path (inventory value at cost)         dollar of inventory
=================  ====================================================  ==================

**Lost sales by root cause.** Every unit of demand the plan does not sell is put on exactly
one constraint: the one worth most per unit of the lost item - a component's price times the
units of it in the item (through the BOM) at the month the item's order is released, a
resource's price times the item's hours in the month it is received, the item's own late
arrival, a shelf-life limit or the cash path in the months before - so the ``lost_margin`` of
all rows adds up to the plan's lost margin. A lost sale no constraint prices (an item sold at
no margin) goes to the item's own lead time. A sale lost to the item's own lead time (it
starts the month short of the stock its first days need) in a month the plan could have
built ahead for is the symptom of what stopped it building ahead: when a component at the
release month before, or a resource in the month before, is worth at least
:data:`CARRY_SHARE` of the lead-time price, the sale is put on that constraint, so one
component shortage that empties the shelves for the next month's first days stays one issue.

``affected_items`` lists the finished goods a constraint touches: for a component the ones
built from it, for a resource the ones made on it that month or losing sales to it, for the
cash path the ones it holds down - once the path's options are priced, those that hold more
stock that month when the path is relaxed (:func:`held_by_cash_path`); before, those below
their safety stock by at least :data:`SHORT_UNITS` that no other binding row of the month
touches.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from sop_pipeline.balance.model import LpModel, arrival_dual, component_dual
from sop_pipeline.balance.problem import PlanProblem
from sop_pipeline.balance.solution import TOL, PlanArrays

PRICE_TOL = 1e-4
"""A shadow price above this (per unit, hour or dollar) makes a constraint binding."""
TIMING_MONTHS = 1.5
"""A component or lead-time price of at most this many months of what holding the item costs
(holding cost, and a soft cash path's penalty), with no lost sales on it, is the plan's timing
(stock for a month's first days held a month longer), not a constraint the meeting could
relax: it is not listed."""
CARRY_SHARE = 0.5
"""A lead-time loss goes to the constraint of the month before when that constraint's price
per unit of the item is at least this share of the lead-time price: both are then about the
item's margin (the unit made a month earlier would have been sold), while a build-ahead that
only timing held back is priced at a month's holding."""
MAX_LISTED = 25
"""Items named in ``affected_items``; ``affected_item_count`` counts them all."""

PRICE_COLUMNS = [
    "constraint_type",
    "constraint",
    "month",
    "shadow_price",
    "unit",
    "slack",
    "affected_items",
    "affected_item_count",
    "lost_sales_qty",
    "lost_margin",
    "description",
]
UNITS = {
    "component": "per unit",
    "resource": "per hour",
    "lead_time": "per unit",
    "shelf_life": "per unit held",
    "cash": "per dollar of inventory",
}
TYPE_ORDER = ("component", "resource", "lead_time", "shelf_life", "cash")


def explosion(problem: PlanProblem) -> sp.csr_matrix:
    """Units of each item in one unit of each other item through the BOM, all levels:
    ``E = F + F^2 + ...`` with ``F[parent, component] = units per parent`` (scrap included)."""
    n = problem.n_items
    step = sp.csr_matrix(
        (problem.edge_factor, (problem.edge_parent, problem.edge_comp)), shape=(n, n)
    )
    total, power = step.copy(), step
    for _ in range(n):
        power = power @ step
        if power.nnz == 0:
            break
        total = total + power
    return total.tocsr()


def _best(values: list[np.ndarray], ids: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Elementwise max over candidate arrays (the first wins a tie) and the id it came from."""
    stacked = np.stack(values)
    pick = np.argmax(stacked, axis=0)
    return np.take_along_axis(stacked, pick[None], 0)[0], np.take_along_axis(
        np.stack(ids), pick[None], 0
    )[0]


def _component_prices(problem, bought_price, ex):
    """Per (item, release month): the best ``price x units in the item`` of a bought component
    in that month, and which component (-1: none binds)."""
    n, horizon = problem.n_items, problem.horizon
    by_release = np.zeros((n, horizon))
    comp_at_release = np.full((n, horizon), -1)
    for r in range(horizon):
        weighted = ex.multiply(bought_price[:, r][None, :]).tocsr()
        if weighted.nnz == 0:
            continue
        best = np.asarray(weighted.max(axis=1).todense()).ravel()
        arg = np.asarray(weighted.argmax(axis=1)).ravel()
        by_release[:, r] = best
        comp_at_release[:, r] = np.where(best > 0, arg, -1)
    return by_release, comp_at_release


def _component_candidates(problem, by_release, comp_at_release, earlier: int = 0):
    """Per (item, month of a lost sale): :func:`_component_prices` at the item's release
    month (``earlier`` months before it), which component, and that month (-1: none)."""
    n, horizon = problem.n_items, problem.horizon
    value, which = np.zeros((n, horizon)), np.full((n, horizon), -1)
    months = np.arange(horizon)[None, :] - problem.lead_whole[:, None] - earlier
    ok = months >= 0
    rows = np.broadcast_to(np.arange(n)[:, None], (n, horizon))
    value[ok] = by_release[rows[ok], months[ok]]
    which[ok] = comp_at_release[rows[ok], months[ok]]
    return value, which, np.where(ok, months, -1)


def _resource_candidates(problem, cap_price):
    n, horizon = problem.n_items, problem.horizon
    value, which = np.zeros((n, horizon)), np.full((n, horizon), -1)
    for item, res, hours in zip(
        problem.route_item, problem.route_resource, problem.route_hours, strict=True
    ):
        candidate = cap_price[res] * hours
        better = candidate > value[item]
        value[item] = np.where(better, candidate, value[item])
        which[item] = np.where(better, res, which[item])
    return value, which


def _earlier_max(price: np.ndarray, window: np.ndarray | None = None):
    """Per (row, month t): the highest price in months before t (within ``window`` months when
    given), and that month."""
    rows, horizon = price.shape
    value, month = np.zeros((rows, horizon)), np.full((rows, horizon), -1)
    for lag in range(1, horizon):
        shifted = np.zeros_like(price)
        shifted[:, lag:] = price[:, :-lag]
        if window is not None:
            shifted = np.where((window < 0)[:, None] | (window[:, None] >= lag), shifted, 0.0)
        better = shifted > value
        value = np.where(better, shifted, value)
        month = np.where(better, np.arange(horizon)[None, :] - lag, month)
    return value, month


def attribute_lost_sales(
    problem: PlanProblem, model: LpModel, row_dual: np.ndarray, plan: PlanArrays
) -> pd.DataFrame:
    """The root-cause constraint of every lost sale (module docstring).

    Returns:
        ``item, month, lost_qty, lost_margin, constraint_type, constraint, cause_month``
        (item and constraint as names, months as positions).
    """
    n, horizon = problem.n_items, problem.horizon
    balance = model.dual(row_dual, "balance")
    bought = ~problem.produced
    component_price = np.where(
        (bought & ~problem.finished)[:, None], component_dual(model, row_dual), 0.0
    )
    component_price = np.maximum(component_price, 0.0)
    lead_price = np.maximum(arrival_dual(model, row_dual), 0.0)
    lead_price = np.maximum(
        lead_price, np.where((bought & problem.finished)[:, None], balance, 0.0)
    )
    cap_price = np.maximum(model.dual(row_dual, "capacity"), 0.0)
    shelf_price = np.maximum(model.dual(row_dual, "shelf"), 0.0)
    cash_price = np.maximum(model.dual(row_dual, "cash"), 0.0)

    by_release = _component_prices(problem, component_price, explosion(problem))
    comp_value, comp_id, comp_month = _component_candidates(problem, *by_release)
    res_value, res_id = (
        _resource_candidates(problem, cap_price)
        if len(problem.resources)
        else (np.zeros((n, horizon)), np.full((n, horizon), -1))
    )
    # what stopped the build-ahead a lead-time loss needed: the month before's constraints
    carry_comp, carry_comp_id, carry_comp_month = _component_candidates(
        problem, *by_release, earlier=1
    )
    carry_res, carry_res_id = np.zeros_like(res_value), np.full_like(res_id, -1)
    carry_res[:, 1:], carry_res_id[:, 1:] = res_value[:, :-1], res_id[:, :-1]
    carried = np.maximum(carry_comp, carry_res)
    symptom = (lead_price > 0) & (carried >= CARRY_SHARE * lead_price)
    lead_price = np.where(symptom, 0.0, lead_price)
    carry_comp = np.where(symptom, carry_comp, 0.0)
    carry_res = np.where(symptom, carry_res, 0.0)
    shelf_value, shelf_month = _earlier_max(shelf_price, problem.window)
    cash_by_month, cash_month = _earlier_max(
        cash_price[None, :] if cash_price.size else np.zeros((1, horizon))
    )
    cash_value = cash_by_month * problem.cost[:, None]
    months = np.broadcast_to(np.arange(horizon)[None, :], (n, horizon))
    value, kind = _best(
        [comp_value, res_value, lead_price, shelf_value, cash_value, carry_comp, carry_res],
        [np.full((n, horizon), k) for k in range(7)],
    )
    del value
    lost_at = np.argwhere(plan.lost > TOL)
    if not len(lost_at):
        return pd.DataFrame(
            columns=[
                "item",
                "month",
                "lost_qty",
                "lost_margin",
                "constraint_type",
                "constraint",
                "cause_month",
            ]
        )
    i, t = lost_at[:, 0], lost_at[:, 1]
    k = kind[i, t]
    item_names = problem.items.to_numpy()
    res_names = problem.resources.to_numpy() if len(problem.resources) else np.array([""])
    constraint = np.where(k == 0, item_names[np.maximum(comp_id[i, t], 0)], item_names[i])
    constraint = np.where(k == 1, res_names[np.maximum(res_id[i, t], 0)], constraint)
    constraint = np.where(k == 4, "cash path", constraint)
    constraint = np.where(k == 5, item_names[np.maximum(carry_comp_id[i, t], 0)], constraint)
    constraint = np.where(k == 6, res_names[np.maximum(carry_res_id[i, t], 0)], constraint)
    cause = np.select(
        [k == 0, k == 1, k == 2, k == 3, k == 4, k == 5, k == 6],
        [
            comp_month[i, t],
            months[i, t],
            months[i, t],
            shelf_month[i, t],
            cash_month[0, t],
            carry_comp_month[i, t],
            months[i, t] - 1,
        ],
    )
    lost = plan.lost[i, t]
    return pd.DataFrame(
        {
            "item": item_names[i],
            "month": t,
            "lost_qty": lost,
            "lost_margin": lost * np.maximum(problem.margin[i], 0.0),
            "constraint_type": np.array(TYPE_ORDER + ("component", "resource"))[k],
            "constraint": constraint,
            "cause_month": cause,
        }
    )


SHORT_UNITS = 0.5
"""A buffer below its safety stock by less than this (units) is not held down by anything."""


def held_by_cash_path(
    prices: pd.DataFrame, options: pd.DataFrame, plans: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``prices`` with the cash path's rows listing the finished goods whose stock is at least
    :data:`SHORT_UNITS` higher in their month when the path is relaxed (the cash issue's
    ``relax_cash_path`` against ``plan_to_base`` in ``plans``, the option plans), and
    ``options`` (``scenario_options``) with the cash issue's ``affected_items`` all of them;
    both unchanged without that option."""
    cash = prices["constraint_type"] == "cash"
    option = plans[plans["issue"] == "cash:cash path"]
    if not cash.any() or "relax_cash_path" not in set(option["option"]):
        return prices, options
    wide = option.pivot_table(
        index=["item", "month"], columns="option", values="inventory_qty", aggfunc="sum"
    )
    higher = wide["relax_cash_path"] - wide["plan_to_base"] >= SHORT_UNITS
    held = higher[higher].reset_index()
    moved = held.groupby("month")["item"].agg(list)
    out = prices.copy()
    affected = out.loc[cash, "month"].map(moved).map(lambda a: a if isinstance(a, list) else [])
    out.loc[cash, "affected_item_count"] = affected.map(lambda a: len(set(a))).astype(int)
    out.loc[cash, "affected_items"] = affected.map(_listed)
    issue = options["issue"] == "cash:cash path"
    options = options.copy()
    options.loc[issue, "affected_items"] = _listed(held["item"].tolist())
    return out, options


def _listed(items: list[str]) -> str:
    names = sorted(set(items))
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def constraint_prices(
    problem: PlanProblem,
    model: LpModel,
    row_dual: np.ndarray,
    x: np.ndarray,
    plan: PlanArrays,
    descriptions: dict[str, str] | None = None,
    timing_rate: float = 0.25 / 12,
    lost: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every binding constraint with its shadow price, slack, affected items and the lost
    sales put on it (module docstring; ``lost``: :func:`attribute_lost_sales` of the same
    solution, when already made); columns :data:`PRICE_COLUMNS`, months as dates."""
    descriptions = descriptions or {}
    names = problem.items.to_numpy()
    months = problem.months
    activity = model.matrix @ x
    by_component = explosion(problem).tocsc()
    sells = problem.finished & (problem.demand.sum(axis=1) > 0)

    def users_of(c: int) -> list[str]:
        """The finished goods with demand built from item ``c``."""
        parents = by_component.indices[by_component.indptr[c] : by_component.indptr[c + 1]]
        return names[parents[sells[parents]]].tolist()

    rows: list[dict] = []

    def add(kind, constraint, t, price, slack, affected, description):
        rows.append(
            {
                "constraint_type": kind,
                "constraint": constraint,
                "month": months[t],
                "shadow_price": float(price),
                "unit": UNITS[kind],
                "slack": float(slack),
                "affected": affected,
                "description": description,
            }
        )

    balance = model.dual(row_dual, "balance")
    bought = ~problem.produced
    in_hand = component_dual(model, row_dual)
    for c, t in np.argwhere((bought & ~problem.finished)[:, None] & (in_hand > PRICE_TOL)):
        add(
            "component",
            names[c],
            t,
            in_hand[c, t],
            plan.inventory[c, t],
            users_of(c),
            descriptions.get(names[c], ""),
        )
    arrival = arrival_dual(model, row_dual)
    lead = np.maximum(arrival, np.where((bought & problem.finished)[:, None], balance, 0.0))
    arrival_rows = np.where(
        model.rows["arrival"] >= 0, model.rows["arrival"], model.rows["arrival_fast"]
    )
    for i, t in np.argwhere(lead > PRICE_TOL):
        row = arrival_rows[i, t]
        slack = model.row_upper[row] - activity[row] if row >= 0 else plan.inventory[i, t]
        add("lead_time", names[i], t, lead[i, t], slack, [names[i]], descriptions.get(names[i], ""))
    if len(problem.resources):
        cap_price = model.dual(row_dual, "capacity")
        spare = problem.capacity + problem.overtime_capacity - plan.load
        res_names = problem.resources.to_numpy()
        made = plan.receipts > TOL
        for r, t in np.argwhere(cap_price > PRICE_TOL):
            on = problem.route_item[problem.route_resource == r]
            users = names[on[made[on, t] | (plan.lost[on, t] > TOL)]].tolist()
            add(
                "resource",
                res_names[r],
                t,
                cap_price[r, t],
                spare[r, t],
                users,
                descriptions.get(res_names[r], ""),
            )
    shelf = model.dual(row_dual, "shelf")
    shelf_rows = model.rows["shelf"]
    for i, t in np.argwhere(shelf > PRICE_TOL):
        row = shelf_rows[i, t]
        users = [names[i]] if problem.finished[i] else users_of(i)
        add(
            "shelf_life",
            names[i],
            t,
            shelf[i, t],
            model.row_upper[row] - activity[row],
            users,
            descriptions.get(names[i], ""),
        )
    cash = model.dual(row_dual, "cash")
    cash_rows = model.rows["cash"]
    short = plan.buffer < problem.safety_stock - SHORT_UNITS
    elsewhere: dict[object, set[str]] = {}  # the items another row of the month touches
    for row in rows:
        elsewhere.setdefault(row["month"], set()).update(row["affected"])
    for t in np.flatnonzero(cash > PRICE_TOL * 1e-2):
        row = cash_rows[t]
        add(
            "cash",
            "cash path",
            t,
            cash[t],
            model.row_upper[row] - activity[row] + 0.0,
            [name for name in names[short[:, t]] if name not in elsewhere.get(months[t], ())],
            "inventory value against the dated cash path",
        )

    holding = dict(zip(names, problem.cost * timing_rate, strict=True))
    frame = pd.DataFrame(
        rows,
        columns=[
            "constraint_type",
            "constraint",
            "month",
            "shadow_price",
            "unit",
            "slack",
            "affected",
            "description",
        ],
    )
    if lost is None:
        lost = attribute_lost_sales(problem, model, row_dual, plan)
    frame = _with_lost_sales(frame, lost, problem, descriptions)
    timing = frame["constraint_type"].isin(["component", "lead_time"]) & (
        frame["shadow_price"]
        <= TIMING_MONTHS * frame["constraint"].map(holding).fillna(0.0) + PRICE_TOL
    )
    frame = frame[~timing | (frame["lost_sales_qty"] > TOL)]
    frame["affected_item_count"] = frame["affected"].map(lambda a: len(set(a)))
    frame["affected_items"] = frame["affected"].map(_listed)
    frame["type_order"] = frame["constraint_type"].map(TYPE_ORDER.index)
    frame = frame.sort_values(["type_order", "constraint", "month"]).reset_index(drop=True)
    return frame[PRICE_COLUMNS]


def _with_lost_sales(frame, lost, problem, descriptions):
    """Add the lost sales put on each row; a cause that is not a binding row (a lost sale no
    constraint prices) gets a row of its own, at price 0."""
    frame = frame.copy()
    frame["lost_sales_qty"] = 0.0
    frame["lost_margin"] = 0.0
    if lost.empty:
        return frame
    lost = lost.assign(month=problem.months[lost["cause_month"].clip(lower=0).to_numpy()])
    by_cause = lost.groupby(["constraint_type", "constraint", "month"], as_index=False).agg(
        lost_sales_qty=("lost_qty", "sum"),
        lost_margin=("lost_margin", "sum"),
        items=("item", list),
    )
    key = ["constraint_type", "constraint", "month"]
    merged = frame.merge(by_cause, on=key, how="outer", suffixes=("", "_lost"), indicator=True)
    new = merged["_merge"] == "right_only"
    merged.loc[new, "shadow_price"] = 0.0
    merged.loc[new, "slack"] = 0.0
    merged.loc[new, "unit"] = merged.loc[new, "constraint_type"].map(UNITS)
    merged.loc[new, "description"] = merged.loc[new, "constraint"].map(
        lambda c: descriptions.get(c, "")
    )
    merged["affected"] = [
        sorted(set(a if isinstance(a, list) else []) | set(b if isinstance(b, list) else []))
        for a, b in zip(merged["affected"], merged["items"], strict=True)
    ]
    merged["lost_sales_qty"] = merged["lost_sales_qty_lost"].fillna(0.0)
    merged["lost_margin"] = merged["lost_margin_lost"].fillna(0.0)
    return merged.drop(columns=["lost_sales_qty_lost", "lost_margin_lost", "items", "_merge"])
