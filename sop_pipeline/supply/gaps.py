"""Demand–supply gaps: what can really be supplied when stock, open orders and lead times bind.

The MRP plans every receipt where it is needed, even when its release is past due. This module
replays that plan bottom-up (deepest BOM level first) with what is actually obtainable:

1. A purchased item's planned orders are all released (suppliers are not capacity-bound); an
   order released in month ``r`` arrives in ``r + L`` with ``L`` the MRP's whole-month lead
   time (``lead_time_days / 30.4375`` rounded up), as planned. A past-due order - one the MRP
   shows in month 1 because it should already have been released - goes out at the plan date
   and arrives ``lead_time_days`` later, not when needed: in month ``1 + floor(l)`` with ``l =
   lead_time_days / 30.4375``, a fraction ``f = l - floor(l)`` into that month, where it serves
   at most the part of the month's needs that falls after its arrival, ``(1 - f) x needs``
   (needs spread evenly over the month); the rest of it is stock for the months after. So a
   10-day item ordered at the close still serves two thirds of month 1. An open order is
   timed the same way by its due day (``g`` of its month gone by then), as in the constrained
   plan: with several arrivals in a month, the needs served are at most the stock at the
   month's start, what arrived before each arrival and ``(1 - g) x needs`` after it
   (:func:`_not_yet_arrived`); a late open order when it is assumed to arrive
   (:func:`~sop_pipeline.supply.network.arrival_month`).
2. A produced item can release only what its components allow: cumulative feasible releases
   ``F_p(r) = min(planned cumulative releases_p(r), min_c served_pc(r) / factor_pc)`` where
   ``served_pc(r)`` is the cumulative quantity of component ``c`` given to parent ``p``.
3. Each item's usable stock (expiry-aware, FEFO), open orders and feasible receipts serve its
   demands every month - the components open production orders draw when received among
   them (:func:`~sop_pipeline.supply.network.committed_components`; the open orders are
   taken to arrive in full) - and when short, every demand gets the same fraction (fair-share
   allocation). Parents' unserved component needs wait for later supply (backlog); a finished
   good's unserved customer demand is lost for that month (it is the quantity at risk).

``limiting_item`` is found by walking down the binding components: a shortage in month ``t`` of
an item with lead time ``L`` is caused by the item itself when no release can arrive in time
(``t - L < 1`` and its past-due order arrives after month ``t``) or when enough arrives in the
month but after the needs it would serve (its open orders' due days, its lead time), and
otherwise by the component
with the smallest allowance at the release month - ``t - L``, or month 1 for the past-due order
- whose own limiting item is taken in turn, down to the root cause.

References:
    Vollmann, Berry, Whybark & Jacobs, *Manufacturing Planning and Control for Supply Chain
    Management*, 5th ed. (available-to-promise, capable-to-promise, cumulative lead time); APICS
    Dictionary, 16th ed. ("fair-share allocation", "cumulative lead time").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.supply import lots
from sop_pipeline.supply._common import QTY_TOL
from sop_pipeline.supply.inputs import PlanningInputs
from sop_pipeline.supply.mrp import MrpPlan, plan_network
from sop_pipeline.supply.network import OpenArrivals, PlanningNetwork, build_network

GAP_COLUMNS = [
    "item",
    "month",
    "demand_qty",
    "available_qty",
    "shortage_qty",
    "revenue_at_risk",
    "limiting_item",
    "binding_component",
    "margin_at_risk",
]


@dataclass(frozen=True)
class Feasibility:
    """Supply replay results as ``(items, horizon)`` arrays in the network's item order.

    ``root`` and ``binding`` hold item positions (-1: none): ``root[i, t]`` is the root-cause
    limiting item of item ``i``'s shortage in month ``t``; ``binding[p, r]`` the component that
    limits parent ``p``'s releases up to month ``r``.
    """

    served_independent: np.ndarray
    feasible_release: np.ndarray
    root: np.ndarray
    binding: np.ndarray


def replay_supply(net: PlanningNetwork, plan: MrpPlan) -> Feasibility:
    """Replay an MRP plan against obtainable supply, deepest BOM level first.

    See the module docstring for the rules; the Python loop runs ``levels x horizon`` times and
    everything inside it is numpy over the items (and BOM edges) of one level.
    """
    n, horizon = len(net.items), net.horizon
    dep = plan.release[net.edge_parent] * net.edge_factor[:, None]
    served_cum = np.zeros_like(dep)
    served_ind = np.zeros((n, horizon))
    feasible = np.zeros((n, horizon))
    root = np.full((n, horizon), -1, dtype=np.int64)
    binding = np.full((n, horizon), -1, dtype=np.int64)
    parent_level = net.level[net.edge_parent]
    comp_level = net.level[net.edge_comp]
    position = np.full(n, -1, dtype=np.int64)
    for level in range(int(net.level.max()) if n else -1, -1, -1):
        rows = np.flatnonzero(net.level == level)
        position[rows] = np.arange(len(rows))
        feasible[rows], binding[rows] = _feasible_releases(
            net, plan.release[rows], np.flatnonzero(parent_level == level), position, served_cum
        )
        on_time, past_due = _receipts(net, rows, feasible[rows], plan.past_due[rows])
        short, own_timing = _serve(
            net,
            rows,
            np.flatnonzero(comp_level == level),
            position,
            dep,
            on_time,
            past_due,
            served_cum,
            served_ind,
        )
        _trace_root(net, rows, short, binding, root, own_timing)
    return Feasibility(served_ind, feasible, root, binding)


def _feasible_releases(
    net: PlanningNetwork,
    release: np.ndarray,
    edges: np.ndarray,
    position: np.ndarray,
    served_cum: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Releases the components allow, ``F_p = min(planned_p, min_c served_pc / factor_pc)``
    (cumulative), and the binding component (item position, -1: none) by release month."""
    cum_rel = np.cumsum(release, axis=1)
    bind = np.full(release.shape, -1, dtype=np.int64)
    if not len(edges):
        return release.copy(), bind
    owner = position[net.edge_parent[edges]]
    order = np.argsort(owner, kind="stable")
    edges, owner = edges[order], owner[order]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    allowance = served_cum[edges] / net.edge_factor[edges, None]
    lowest = np.minimum.reduceat(allowance, starts, axis=0)
    at_lowest = allowance <= np.repeat(lowest, np.diff(np.r_[starts, len(edges)]), axis=0)
    first = np.minimum.reduceat(
        np.where(at_lowest, np.arange(len(edges))[:, None], len(edges)), starts, axis=0
    )
    parents = owner[starts]
    planned = cum_rel[parents]
    limited = lowest < planned - QTY_TOL * np.maximum(1.0, planned)
    bind[parents] = np.where(limited, net.edge_comp[edges][first], -1)
    feasible_cum = cum_rel.copy()
    feasible_cum[parents] = np.minimum(planned, lowest)
    return np.diff(feasible_cum, axis=1, prepend=0.0), bind


def _receipts(
    net: PlanningNetwork, rows: np.ndarray, release: np.ndarray, past_due: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Receipts of the level's feasible releases: ``(on time, past due)``, ``(items, horizon)``.

    The past-due part of month 1's release (as much of it as is feasible) arrives in month
    ``1 + floor(l)``, ``l = lead_time_days / 30.4375``; everything else ``L`` whole months after
    its release, as the MRP planned it (module docstring)."""
    late = np.minimum(release[:, 0], past_due)
    planned = release.copy()
    planned[:, 0] -= late
    on_time = _offset(planned, net.lead[rows])
    early = np.zeros_like(release)
    month = np.floor(net.lead_exact[rows] + 1e-9).astype(np.int64)
    inside = month < release.shape[1]
    early[np.flatnonzero(inside), month[inside]] = late[inside]
    return on_time, early


def _arrival_share(net: PlanningNetwork) -> np.ndarray:
    """Share of its arrival month's needs a past-due receipt can serve: ``1 - frac(l)``."""
    share = 1.0 - (net.lead_exact - np.floor(net.lead_exact + 1e-9))
    return np.where(share > 1 - 1e-9, 1.0, np.clip(share, 0.0, 1.0))


def _offset(release: np.ndarray, lead: np.ndarray) -> np.ndarray:
    """Receipts of releases: a release in month ``r`` arrives in ``r + L`` (dropped if later
    than the horizon)."""
    m, horizon = release.shape
    arrive = np.arange(horizon)[None, :] + lead[:, None]
    keep = arrive < horizon
    flat = (np.arange(m)[:, None] * horizon + arrive)[keep]
    return np.bincount(flat, weights=release[keep], minlength=m * horizon).reshape(m, horizon)


def _serve(
    net: PlanningNetwork,
    rows: np.ndarray,
    edges: np.ndarray,
    position: np.ndarray,
    dep: np.ndarray,
    receipts: np.ndarray,
    past_due: np.ndarray,
    served_cum: np.ndarray,
    served_ind: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Serve the level's demands month by month with fair-share allocation; return the
    shortages and those that the receipts' timing alone causes (enough arrives in the month,
    but after the needs it would have served)."""
    m, horizon = len(rows), net.horizon
    stock = net.stock[rows].copy()
    arrive_bucket = np.minimum(
        np.arange(1, horizon + 1)[None, :] + net.shelf[rows, None] - 1, horizon + 1
    )
    owner = position[net.edge_comp[edges]]
    past_due_fraction = 1.0 - _arrival_share(net)[rows]
    arrivals = _level_arrivals(net, rows)
    backlog = np.zeros(len(edges))
    cum = np.zeros(len(edges))
    short = np.zeros((m, horizon), dtype=bool)
    timing = np.zeros((m, horizon), dtype=bool)
    for j in range(horizon):
        lots.expire(stock, j + 1)
        arriving = net.scheduled[rows, j] + receipts[:, j] + past_due[:, j]
        lots.add(stock, arriving, arrive_bucket[:, j])
        need_edge = backlog + dep[edges, j]
        independent = net.demand["base"][rows, j]
        need = independent + np.bincount(owner, weights=need_edge, minlength=m)
        if net.committed is not None:
            need = need + net.committed[rows, j]
        late = past_due[:, j] > 0
        local = np.r_[arrivals.row[arrivals.col == j], np.flatnonzero(late)]
        fraction = np.r_[arrivals.fraction[arrivals.col == j], past_due_fraction[late]]
        qty = np.r_[arrivals.qty[arrivals.col == j], past_due[late, j]]
        in_month = stock.sum(axis=1)
        available = in_month - _not_yet_arrived(local, fraction, qty, need)
        short[:, j] = need > available + QTY_TOL * np.maximum(1.0, need)
        timing[:, j] = short[:, j] & (need <= in_month + QTY_TOL * np.maximum(1.0, need))
        fill = np.where(short[:, j], available / np.where(short[:, j], need, 1.0), 1.0)
        served = need_edge * fill[owner]
        backlog = need_edge - served
        cum += served
        served_cum[edges, j] = cum
        served_ind[rows, j] = independent * fill
        lots.consume_fefo(stock, need * fill)
    return short, timing


def _level_arrivals(net: PlanningNetwork, rows: np.ndarray) -> OpenArrivals:
    """The open orders of the level's items (``row``: position among ``rows``) that arrive
    during a month (their due day after its first: ``fraction > 0``)."""
    arrivals = net.open_arrivals
    if arrivals is None:
        empty = np.zeros(0)
        return OpenArrivals(empty.astype(np.int64), empty.astype(np.int64), empty, empty)
    at = np.minimum(np.searchsorted(rows, arrivals.row), max(len(rows) - 1, 0))
    keep = (len(rows) > 0) & (rows[at] == arrivals.row) & (arrivals.fraction > 0)
    return OpenArrivals(at[keep], arrivals.col[keep], arrivals.fraction[keep], arrivals.qty[keep])


def _not_yet_arrived(
    local: np.ndarray, fraction: np.ndarray, qty: np.ndarray, need: np.ndarray
) -> np.ndarray:
    """Of the month's receipts ``qty`` arriving ``fraction`` into it (item ``local``), what
    cannot serve the month's ``need`` (spread evenly over it): ``max(0, max_k (what arrives
    at or after g_k) - (1 - g_k) x need)``, so that the needs served are at most the stock
    before each arrival plus the needs after it."""
    held = np.zeros(len(need))
    if not len(local):
        return held
    order = np.lexsort((-fraction, local))  # by item, the latest arrival first
    local, fraction, qty = local[order], fraction[order], qty[order]
    total = np.cumsum(qty)
    first = np.r_[True, local[1:] != local[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(local)), 0))
    later = total - np.r_[0.0, total][start]  # arriving at or after each one, within the item
    np.maximum.at(held, local, later - (1.0 - fraction) * need[local])
    return held


def _trace_root(
    net: PlanningNetwork,
    rows: np.ndarray,
    short: np.ndarray,
    binding: np.ndarray,
    root: np.ndarray,
    own_timing: np.ndarray,
) -> None:
    """Root limiting item of each shortage: the item itself if no release can arrive in time,
    the month's receipts come after the needs they would serve (``own_timing``) or nothing
    binds, else the binding component's own root at the release month
    (:func:`_release_month`)."""
    local, month = np.nonzero(short)
    item = rows[local]
    release_month = _release_month(net, item, month)
    release_month = np.where(own_timing[local, month], -1, release_month)
    comp = np.where(release_month >= 0, binding[item, np.maximum(release_month, 0)], -1)
    deeper = comp >= 0
    cause = item.copy()
    comp_root = root[comp[deeper], release_month[deeper]]
    cause[deeper] = np.where(comp_root >= 0, comp_root, comp[deeper])
    root[item, month] = cause


def _release_month(net: PlanningNetwork, item: np.ndarray, month: np.ndarray) -> np.ndarray:
    """The release (0-based month) that supplies a shortage in ``month``: ``month - L`` when
    that is in the horizon; else month 1's past-due release when it arrives by ``month``
    (``floor(lead_time_days / 30.4375) <= month``); else -1 (nothing released can arrive)."""
    planned = month - net.lead[item]
    arrives = np.floor(net.lead_exact[item] + 1e-9).astype(np.int64) <= month
    return np.where(planned >= 0, planned, np.where(arrives, 0, -1))


def find_supply_gaps(inputs: PlanningInputs) -> pd.DataFrame:
    """Months in which demand cannot be supplied, with quantity, revenue and limiting item.

    Replays the base MRP (:func:`sop_pipeline.supply.mrp.plan_network`) against what is
    obtainable in time (:func:`replay_supply`); :func:`sop_pipeline.supply.plan.plan_supply`
    replays the base plan it has already made. Per item
    with demand and month ``t``: ``available_qty = demand_t x fill_t`` where ``fill_t = min(1,
    usable supply_t / needs_t)``, ``shortage_qty = demand_qty - available_qty``,
    ``revenue_at_risk = shortage_qty x price`` (NaN when the item has no price),
    ``margin_at_risk = shortage_qty x (price - unit_cost)`` (the gross margin the lost sales
    would have earned); the price is the forecast's net price, else the master's
    ``unit_price``.

    Args:
        inputs: The plan month's inputs (the base scenario is replayed).

    Returns:
        One row per item with independent demand and month with a shortage; columns
        :data:`GAP_COLUMNS` (``limiting_item``: root cause, possibly the item itself when its own
        stock, open orders and lead time are short; ``binding_component``: the component that
        directly limits the item's production, empty when none).

    Raises:
        ValueError: on bad inputs, as :func:`sop_pipeline.supply.mrp.run_mrp`.

    References:
        Vollmann et al., *Manufacturing Planning and Control for Supply Chain Management*, 5th
        ed.; APICS Dictionary ("fair-share allocation", "capable-to-promise").
    """
    net = build_network(inputs)
    return gaps_frame(net, replay_supply(net, plan_network(net)))


def gaps_frame(net: PlanningNetwork, feasibility: Feasibility) -> pd.DataFrame:
    """Lay the shortages of independent demand out as the ``supply_gaps`` table."""
    demand = net.demand["base"]
    shortage = demand - feasibility.served_independent
    local, month = np.nonzero(shortage > QTY_TOL * np.maximum(1.0, demand))
    names = net.items.to_numpy()
    release_month = _release_month(net, local, month)
    direct = np.where(
        release_month >= 0, feasibility.binding[local, np.maximum(release_month, 0)], -1
    )
    root = feasibility.root[local, month]
    direct = np.where(root == local, -1, direct)  # the item's own timing: no component binds
    return pd.DataFrame(
        {
            "item": names[local],
            "month": net.months.to_numpy()[month],
            "demand_qty": demand[local, month],
            "available_qty": feasibility.served_independent[local, month],
            "shortage_qty": shortage[local, month],
            "revenue_at_risk": shortage[local, month] * net.unit_price[local],
            "margin_at_risk": shortage[local, month]
            * (net.unit_price[local] - net.unit_cost[local]),
            "limiting_item": np.where(root >= 0, names[np.maximum(root, 0)], names[local]),
            "binding_component": np.where(direct >= 0, names[np.maximum(direct, 0)], None),
        },
        columns=GAP_COLUMNS,
    )
