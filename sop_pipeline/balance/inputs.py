"""The plan month's typed planning inputs laid out as one :class:`PlanProblem` per scenario.

The constrained plan sees exactly what the supply stage planned with: the same planning
network (:func:`sop_pipeline.supply.network.build_network`: items, BOM with scrap, net prices,
open orders, usable stock), the policy's time-phased safety stock, the capacity of
``resources.csv`` with the month's overrides, and the stock the shelf-life risk says will
expire before it can be used, taken out of the opening stock.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sop_pipeline.balance.problem import PlanProblem, lead_split
from sop_pipeline.supply._common import DAYS_PER_MONTH
from sop_pipeline.supply.capacity import capacity_by_month, has_capacity, prepare_routings
from sop_pipeline.supply.inputs import PlanningInputs
from sop_pipeline.supply.master import prepare_items
from sop_pipeline.supply.network import PlanningNetwork, build_network, firm_grid
from sop_pipeline.supply.uncertainty import demand_sigma

SCENARIOS = ("base", "upside")
EXPIRY_REASONS = ("expiry",)
"""Shelf-life risk reasons whose quantity is not usable stock for the plan (the lot expires
before it is used; ``expired`` lots are already out of the usable stock)."""


@dataclass(frozen=True)
class HoldingLimits:
    """How long stock may be held before it is used (``capacity`` settings)."""

    max_prebuild_months: int = 3
    min_remaining_shelf_months: float = 6.0


def holding_window(master: pd.DataFrame, produced: np.ndarray, limits: HoldingLimits) -> np.ndarray:
    """Months a receipt may be held before it is used (-1: no limit).

    A finished good must still have ``min_remaining_shelf_months`` of shelf life when sold:
    ``floor(shelf_life_days / 30.4375) - min_remaining_shelf_months`` (at least 0); a component
    must be used within its shelf life. A produced item is built at most
    ``max_prebuild_months`` ahead of its use.
    """
    shelf_days = master["shelf_life_days"].to_numpy(float)
    months = np.floor(shelf_days / DAYS_PER_MONTH + 1e-9)
    finished = master["item_type"].to_numpy() == "finished_good"
    months = np.where(finished, months - limits.min_remaining_shelf_months, months)
    window = np.where(np.isnan(shelf_days), np.inf, np.maximum(np.floor(months), 0.0))
    window = np.where(produced, np.minimum(window, limits.max_prebuild_months), window)
    return np.where(np.isinf(window), -1, window).astype(np.int64)


def unit_values(net: PlanningNetwork, finished: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """A finished good's margin; an item feeding others the most margin a unit of it enables
    (``value_parent / units per parent``), top of the BOM down."""
    value = np.where(finished, np.maximum(np.nan_to_num(margin), 0.0), 0.0)
    for level in range(1, int(net.level.max()) + 1 if len(net.level) else 0):
        edges = np.flatnonzero(net.level[net.edge_comp] == level)
        if not len(edges):
            continue
        enabled = value[net.edge_parent[edges]] / np.maximum(net.edge_factor[edges], 1e-12)
        np.maximum.at(value, net.edge_comp[edges], enabled)
    return value


def opening_stock(net: PlanningNetwork, shelf_risk: pd.DataFrame | None) -> np.ndarray:
    """Usable stock at the close (lots still in date in month 1) less the quantity that will
    expire before it is used."""
    usable = net.stock[:, 1:].sum(axis=1)
    if shelf_risk is None or shelf_risk.empty:
        return usable
    expiring = shelf_risk[shelf_risk["reason"].isin(EXPIRY_REASONS)]
    lost = expiring.groupby(expiring["item"].astype(str))["qty_at_risk"].sum()
    return np.maximum(usable - lost.reindex(net.items).fillna(0.0).to_numpy(float), 0.0)


def _sigma(forecast: pd.DataFrame, net: PlanningNetwork) -> tuple[np.ndarray, np.ndarray]:
    shape = (len(net.items), len(net.months))
    frame = forecast.assign(month=pd.to_datetime(forecast["month"]))
    rows = net.items.get_indexer(frame["item"].astype(str))
    cols = net.months.get_indexer(frame["month"])
    keep = (rows >= 0) & (cols >= 0)
    lo80, hi80 = np.zeros(shape), np.zeros(shape)
    if {"lo80", "hi80"} <= set(frame.columns):
        lo80[rows[keep], cols[keep]] = frame["lo80"].to_numpy(float)[keep]
        hi80[rows[keep], cols[keep]] = frame["hi80"].to_numpy(float)[keep]
    return demand_sigma(lo80, hi80), hi80


def _capacity(inputs: PlanningInputs, net: PlanningNetwork) -> dict[str, np.ndarray | pd.Index]:
    if not has_capacity(inputs.resources):
        return {}
    grid = capacity_by_month(inputs.resources, inputs.capacity_overrides, net.months)
    names = pd.Index(pd.unique(grid["resource"]))
    shape = (len(names), len(net.months))
    rows = names.get_indexer(grid["resource"])
    cols = net.months.get_indexer(pd.to_datetime(grid["month"]))
    capacity, overtime = np.zeros(shape), np.zeros(shape)
    capacity[rows, cols] = grid["capacity"].to_numpy(float)
    overtime[rows, cols] = grid["overtime_capacity"].to_numpy(float)
    rate = grid.groupby("resource")["overtime_cost_per_unit"].first().reindex(names)
    routes = prepare_routings(inputs.routings, inputs.resources)
    routes = routes[routes["item"].isin(net.items)]
    item = net.items.get_indexer(routes["item"])
    resource = names.get_indexer(routes["resource"])
    hours = routes["hours_per_unit"].to_numpy(float)
    fixed = np.zeros(shape)
    np.add.at(fixed, resource, net.scheduled[item] * hours[:, None])
    return {
        "resources": names,
        "route_item": item.astype(np.int64),
        "route_resource": resource.astype(np.int64),
        "route_hours": hours,
        "capacity": capacity,
        "overtime_capacity": overtime,
        "overtime_rate": rate.fillna(0.0).to_numpy(float),
        "fixed_load": fixed,
    }


def firm_releases(received: np.ndarray, lead_whole: np.ndarray) -> np.ndarray:
    """Firm production by receipt month moved to its release month (``- floor(l)``); a
    release that would fall before the horizon is left out (it is history by now)."""
    out = np.zeros_like(received)
    horizon = received.shape[1]
    for t in range(horizon):
        release = t - lead_whole
        keep = release >= 0
        out[np.flatnonzero(keep), release[keep]] += received[keep, t]
    return out


def plan_problems(
    inputs: PlanningInputs,
    safety_stock: pd.DataFrame,
    shelf_risk: pd.DataFrame | None = None,
    cash_path: np.ndarray | None = None,
    limits: HoldingLimits = HoldingLimits(),
    scenarios: tuple[str, ...] = SCENARIOS,
) -> dict[str, PlanProblem]:
    """One :class:`PlanProblem` per scenario: ``base`` sells up to the final forecast,
    ``upside`` up to its upper 80 % bound; both are priced against the forecast's
    distribution.

    Args:
        inputs: The plan month's planning inputs (as the supply stage reads them).
        safety_stock: The policy's ``item, month, safety_stock`` (``inventory_targets``).
        shelf_risk: The month's ``shelf_life_risk`` rows (``item, qty_at_risk, reason``).
        cash_path: The inventory value the working-capital commitment allows at each horizon
            month's end (NaN: none), or None.
        limits: How long stock may be held.
        scenarios: The scenarios to lay out.

    Raises:
        ValueError: on bad inputs, as the supply stage's planning network.
    """
    net = build_network(replace(inputs, safety_stock=safety_stock), scenarios)
    master = prepare_items(inputs.items).reindex(net.items)
    finished = master["item_type"].to_numpy() == "finished_good"
    produced = np.isin(np.arange(len(net.items)), net.edge_parent)
    price = np.nan_to_num(net.unit_price, nan=0.0)
    margin = price - net.unit_cost
    whole, fraction = lead_split(master["lead_time_days"].to_numpy(float))
    sigma, _ = _sigma(inputs.forecast, net)
    mean = net.demand["base"]
    common = dict(
        items=net.items,
        months=net.months,
        finished=finished,
        produced=produced,
        lead_whole=whole,
        lead_fraction=fraction,
        price=price,
        cost=net.unit_cost,
        service_level=master["service_level"].to_numpy(float),
        unit_value=unit_values(net, finished, margin),
        mean_demand=mean,
        sigma=sigma,
        safety_stock=net.safety_stock,
        scheduled=net.scheduled,
        open_arrivals=net.open_arrivals,
        committed=net.committed,
        initial_stock=opening_stock(net, shelf_risk),
        window=holding_window(master, produced, limits),
        moq=net.moq,
        multiple=net.multiple,
        edge_parent=net.edge_parent.astype(np.int64),
        edge_comp=net.edge_comp.astype(np.int64),
        edge_factor=net.edge_factor,
        cash_path=cash_path,
        firm_release=firm_releases(net.firm, whole),
        **_capacity(inputs, net),
    )
    if "resources" in common:
        common["firm_overtime"] = firm_grid(
            inputs.firm_overtime, common["resources"], net.months, "resource", "hours"
        )
    return {s: PlanProblem(demand=net.demand[s], **common) for s in scenarios}
