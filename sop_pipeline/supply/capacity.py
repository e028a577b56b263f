"""Rough-cut capacity planning: the load the MRP puts on each production resource, month by month.

Conventions (monthly buckets after the plan month, as in :mod:`.mrp`):

- **Load.** A finished good routed on a resource loads it in the month its production order is
  due: ``load_r,t = sum_i (scheduled_receipts_i,t + planned_receipt_qty_i,t) x hours_per_unit_i,r``
  - the open production orders (already released, still to be made) and the MRP's planned
  orders. Rough-cut: the whole order loads its due month; set-up times, sequencing and the days
  inside the month are not modelled.
- **Capacity.** ``capacity_per_month`` and ``overtime_capacity_per_month`` of ``resources.csv``,
  replaced for a month by the plan month folder's ``capacity.csv`` (holidays, maintenance).
- **Overtime and overload.** ``overtime_used = min(max(0, load - capacity), overtime_capacity)``
  at ``overtime_cost_per_unit`` an hour; ``overload = max(0, load - capacity - overtime)`` is
  the load the resource cannot take; ``utilisation = load / capacity`` (empty when capacity is 0).
- **Units not produced.** A month's overload is split over the items loading the resource in
  proportion to their load: item ``i`` loses ``overload_r,t x load_i,r,t / load_r,t /
  hours_per_unit_i,r = overload_r,t x qty_i,t / load_r,t`` units (an item made on several
  resources loses the most any of them takes; that resource is its limiting one).
- **Capacity gaps.** The units not produced first eat the stock the plan holds at month end (its
  safety stock); the rest is demand lost in that month:
  ``shortage = min(demand, max(0, units not produced - projected_on_hand))``. Each overloaded
  month is judged on its own: the stock it eats is not re-planned into later months.
- **Margin at risk.** Eating the safety stock loses no sale at the forecast but many against
  the forecast's uncertainty: with Normal demand (:mod:`.uncertainty`) and the plan's supply
  ``S = forecast + projected_on_hand``, the overload adds ``E[lost | S - units] - E[lost | S]``
  expected lost sales, valued at the net price (revenue) and net price - unit cost (margin) and
  summed per resource and month over the items it is limiting for.
- **Pre-build (levelling).** The overload of month ``t`` can move into the spare regular capacity
  (``capacity - load``) of the months before it, the latest first, no earlier than month 1 and
  no more than ``k_i = min(max_prebuild_months, shelf_months_i - min_remaining_shelf_months)``
  months ahead, with ``shelf_months_i = floor(shelf_life_days / 30.4375)`` (no shelf life: only
  ``max_prebuild_months``), so a unit pre-built still has the shelf life a customer needs when
  it is sold. Overloaded months are levelled oldest first; within a month the items with the
  shortest window go first. An item made on several resources needs spare capacity on all of
  them. Components are assumed to be available for the earlier build.

References:
    Vollmann, Berry, Whybark & Jacobs, *Manufacturing Planning and Control for Supply Chain
    Management*, 5th ed., ch. 6 (rough-cut capacity planning, capacity bills); APICS
    Dictionary, 16th ed. ("rough-cut capacity planning", "load levelling").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.supply._common import (
    DAYS_PER_MONTH,
    QTY_TOL,
    as_plan_month,
    check_horizon,
    horizon_months,
    require_columns,
)
from sop_pipeline.supply.gaps import GAP_COLUMNS
from sop_pipeline.supply.inputs import no_routings
from sop_pipeline.supply.uncertainty import demand_sigma, expected_lost

CAPACITY_PLAN_COLUMNS = [
    "scenario",
    "resource",
    "month",
    "description",
    "load",
    "capacity",
    "overtime_capacity",
    "overtime_used",
    "overtime_cost",
    "overload",
    "units_short",
    "revenue_at_risk",
    "margin_at_risk",
    "utilisation",
    "items_loaded",
    "prebuild_load",
    "capacity_source",
]

RESOURCE_COLUMNS = ("resource", "capacity_per_month")
ROUTING_COLUMNS = ("item", "resource", "hours_per_unit")
MAX_PREBUILD_MONTHS = 3
MIN_REMAINING_SHELF_MONTHS = 6.0


def has_capacity(resources: pd.DataFrame | None) -> bool:
    """Whether the company plans capacity at all (a resources file with rows)."""
    return resources is not None and len(resources) > 0


def capacity_by_month(
    resources: pd.DataFrame, overrides: pd.DataFrame | None, months: pd.DatetimeIndex
) -> pd.DataFrame:
    """Regular and overtime capacity of every resource in every month of the horizon.

    ``overrides`` (``month, resource, capacity_per_month``, ``overtime_capacity_per_month``
    optional; blank overtime keeps the resource's) replace a resource's capacity in their
    months; months outside ``months`` are ignored.

    Returns:
        ``resource, month, description, capacity, overtime_capacity, overtime_cost_per_unit,
        capacity_source`` (``resources`` or ``override``), resources in file order.

    Raises:
        ValueError: on missing columns, a duplicate resource, a negative or missing capacity, or
            an override naming an unknown resource.
    """
    require_columns(resources, RESOURCE_COLUMNS, "resources")
    res = resources.copy()
    res["resource"] = res["resource"].astype(str)
    duplicated = res["resource"][res["resource"].duplicated()]
    if len(duplicated):
        raise ValueError(f"resources has duplicate resource(s): {', '.join(duplicated[:5])}")
    for column in ("overtime_capacity_per_month", "overtime_cost_per_unit"):
        res[column] = _numbers(res, column, default=0.0)
    res["capacity_per_month"] = _numbers(res, "capacity_per_month", default=np.nan)
    if "description" not in res.columns:
        res["description"] = None
    numbers = res[["capacity_per_month", "overtime_capacity_per_month", "overtime_cost_per_unit"]]
    if numbers.isna().any().any() or (numbers < 0).any().any():
        raise ValueError("resources capacities and overtime costs must be given and not negative")
    grid = pd.DataFrame(
        {
            "resource": np.repeat(res["resource"].to_numpy(), len(months)),
            "month": np.tile(months.to_numpy(), len(res)),
        }
    )
    grid = grid.merge(res[["resource", "description", *numbers.columns]], on="resource", how="left")
    grid["capacity"] = grid.pop("capacity_per_month")
    grid["overtime_capacity"] = grid.pop("overtime_capacity_per_month")
    grid["capacity_source"] = "resources"
    if overrides is not None and len(overrides):
        require_columns(overrides, ("month", "resource", "capacity_per_month"), "capacity")
        over = overrides.copy()
        over["resource"] = over["resource"].astype(str)
        unknown = sorted(set(over["resource"]) - set(res["resource"]))
        if unknown:
            raise ValueError(f"capacity names resource(s) not in resources: {', '.join(unknown)}")
        over["month"] = pd.to_datetime(over["month"]).dt.to_period("M").dt.to_timestamp()
        over["capacity_per_month"] = _numbers(over, "capacity_per_month", default=np.nan)
        over["overtime_capacity_per_month"] = _numbers(
            over, "overtime_capacity_per_month", default=np.nan
        )
        if (
            over["capacity_per_month"].isna().any()
            or (over[["capacity_per_month", "overtime_capacity_per_month"]] < 0).any().any()
        ):
            raise ValueError("capacity overrides must give a capacity and not be negative")
        if over.duplicated(["month", "resource"]).any():
            raise ValueError("capacity has more than one row for a month and resource")
        keyed = grid.merge(
            over[["month", "resource", "capacity_per_month", "overtime_capacity_per_month"]],
            on=["month", "resource"],
            how="left",
        )
        hit = keyed["capacity_per_month"].notna().to_numpy()
        grid.loc[hit, "capacity"] = keyed.loc[hit, "capacity_per_month"].to_numpy()
        overtime = keyed["overtime_capacity_per_month"].to_numpy()
        grid.loc[hit & ~np.isnan(overtime), "overtime_capacity"] = overtime[
            hit & ~np.isnan(overtime)
        ]
        grid.loc[hit, "capacity_source"] = "override"
    return grid


def _numbers(frame: pd.DataFrame, column: str, default: float) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(default, index=frame.index, dtype=float)
    return pd.to_numeric(frame[column], errors="raise").astype(float).fillna(default)


def prepare_routings(routings: pd.DataFrame, resources: pd.DataFrame) -> pd.DataFrame:
    """Routings ``item, resource, hours_per_unit`` checked against the resources.

    Raises:
        ValueError: on missing columns, a repeated item-resource pair, a resource not in
            ``resources`` or an ``hours_per_unit`` that is not above 0.
    """
    require_columns(routings, ROUTING_COLUMNS, "routings")
    out = routings[list(ROUTING_COLUMNS)].copy()
    out["item"] = out["item"].astype(str)
    out["resource"] = out["resource"].astype(str)
    out["hours_per_unit"] = pd.to_numeric(out["hours_per_unit"], errors="raise").astype(float)
    if out.duplicated(["item", "resource"]).any():
        raise ValueError("routings repeat an item-resource pair")
    unknown = sorted(set(out["resource"]) - set(resources["resource"].astype(str)))
    if unknown:
        raise ValueError(f"routings name resource(s) not in resources: {', '.join(unknown)}")
    if not (out["hours_per_unit"] > 0).all():
        raise ValueError("routings hours_per_unit must be above 0")
    return out.reset_index(drop=True)


def routed_load(mrp: pd.DataFrame, routings: pd.DataFrame) -> pd.DataFrame:
    """The production orders of routed items, as load on their resources.

    Args:
        mrp: ``material_requirements`` rows (``scenario, item, month, scheduled_receipts,
            planned_receipt_qty``).
        routings: :func:`prepare_routings` output.

    Returns:
        ``scenario, item, resource, month, qty, hours_per_unit, load`` with ``qty =
        scheduled_receipts + planned_receipt_qty`` and ``load = qty x hours_per_unit``; rows
        with no quantity are dropped.
    """
    require_columns(
        mrp, ("scenario", "item", "month", "scheduled_receipts", "planned_receipt_qty"), "mrp"
    )
    orders = mrp[["scenario", "item", "month"]].copy()
    orders["qty"] = mrp["scheduled_receipts"].astype(float) + mrp["planned_receipt_qty"].astype(
        float
    )
    orders = orders[orders["qty"] > QTY_TOL]
    orders = orders.merge(routings, on="item", how="inner")
    orders["month"] = pd.to_datetime(orders["month"])
    orders["load"] = orders["qty"] * orders["hours_per_unit"]
    return orders[["scenario", "item", "resource", "month", "qty", "hours_per_unit", "load"]]


def capacity_plan(
    load: pd.DataFrame, capacity: pd.DataFrame, scenarios: tuple[str, ...] = ("base", "upside")
) -> pd.DataFrame:
    """Load against capacity per scenario, resource and month (module docstring).

    Args:
        load: :func:`routed_load` rows.
        capacity: :func:`capacity_by_month` rows.
        scenarios: The scenarios to lay out (every resource and month gets a row in each).

    Returns:
        :data:`CAPACITY_PLAN_COLUMNS` (``prebuild_load`` 0: see :func:`plan_rough_cut`).
    """
    grid = pd.concat([capacity.assign(scenario=s) for s in scenarios], ignore_index=True)
    by_month = load.groupby(["scenario", "resource", "month"], as_index=False).agg(
        load=("load", "sum"), items_loaded=("item", "nunique")
    )
    plan = grid.merge(by_month, on=["scenario", "resource", "month"], how="left")
    plan["load"] = plan["load"].fillna(0.0)
    plan["items_loaded"] = plan["items_loaded"].fillna(0).astype(np.int64)
    above = np.maximum(plan["load"] - plan["capacity"], 0.0)
    plan["overtime_used"] = np.minimum(above, plan["overtime_capacity"])
    plan["overtime_cost"] = plan["overtime_used"] * plan["overtime_cost_per_unit"]
    plan["overload"] = np.maximum(above - plan["overtime_capacity"], 0.0)
    plan.loc[plan["overload"] <= QTY_TOL * np.maximum(1.0, plan["load"]), "overload"] = 0.0
    plan["utilisation"] = plan["load"] / plan["capacity"].where(plan["capacity"] > 0)
    plan["prebuild_load"] = 0.0
    plan["units_short"] = plan["revenue_at_risk"] = plan["margin_at_risk"] = 0.0
    return plan[CAPACITY_PLAN_COLUMNS].reset_index(drop=True)


def units_not_produced(plan: pd.DataFrame, load: pd.DataFrame) -> pd.DataFrame:
    """The units each item loses to overloaded resources (base scenario), module docstring.

    Returns:
        ``item, month, resource, units`` - one row per item and month with a loss, the resource
        taking the most units (its limiting resource).
    """
    over = plan.loc[
        (plan["scenario"] == "base") & (plan["overload"] > 0), ["resource", "month", "overload"]
    ]
    base = load[load["scenario"] == "base"]
    hit = base.merge(over, on=["resource", "month"], how="inner")
    if hit.empty:
        return pd.DataFrame(
            {
                "item": pd.Series(dtype=object),
                "month": pd.Series(dtype="datetime64[ns]"),
                "resource": pd.Series(dtype=object),
                "units": pd.Series(dtype=float),
            }
        )
    total = hit.groupby(["resource", "month"])["load"].transform("sum")
    hit = hit.assign(units=hit["overload"] * hit["qty"] / total)
    hit = hit.sort_values(
        ["item", "month", "units", "resource"], ascending=[True, True, False, True]
    )
    worst = hit.drop_duplicates(["item", "month"], keep="first")
    return worst[["item", "month", "resource", "units"]].reset_index(drop=True)


GAP_TYPE_MATERIAL = "material"
GAP_TYPE_CAPACITY = "capacity"


def capacity_gaps(
    lost: pd.DataFrame,
    mrp: pd.DataFrame,
    demand: pd.DataFrame,
    prices: pd.Series,
    unit_cost: pd.Series,
) -> pd.DataFrame:
    """Supply gaps caused by overloaded resources (module docstring).

    Args:
        lost: :func:`units_not_produced` rows.
        mrp: The base scenario's ``material_requirements`` (``item, month,
            projected_on_hand``).
        demand: Base demand ``item, month, qty``.
        prices: Net price per item (index item); unit_cost: unit cost per item.

    Returns:
        The ``supply_gaps`` columns (``limiting_item`` = the resource, ``binding_component``
        empty, ``gap_type`` = ``capacity``), one row per item-month with a shortage.
    """
    columns = [*GAP_COLUMNS, "gap_type"]
    if lost.empty:
        return _typed_empty(columns)
    stock = mrp[["item", "month", "projected_on_hand"]].copy()
    stock["month"] = pd.to_datetime(stock["month"])
    wanted = demand.rename(columns={"qty": "demand_qty"})[["item", "month", "demand_qty"]].copy()
    wanted["month"] = pd.to_datetime(wanted["month"])
    rows = lost.merge(stock, on=["item", "month"], how="left").merge(
        wanted, on=["item", "month"], how="left"
    )
    rows["demand_qty"] = rows["demand_qty"].fillna(0.0)
    rows["projected_on_hand"] = rows["projected_on_hand"].fillna(0.0)
    short = np.minimum(rows["demand_qty"], np.maximum(rows["units"] - rows["projected_on_hand"], 0))
    rows["shortage_qty"] = short
    rows = rows[rows["shortage_qty"] > QTY_TOL * np.maximum(1.0, rows["demand_qty"])].copy()
    price = rows["item"].map(prices).astype(float)
    cost = rows["item"].map(unit_cost).astype(float)
    rows["available_qty"] = rows["demand_qty"] - rows["shortage_qty"]
    rows["revenue_at_risk"] = rows["shortage_qty"] * price
    rows["margin_at_risk"] = rows["shortage_qty"] * (price - cost)
    rows["limiting_item"] = rows["resource"]
    rows["binding_component"] = None
    rows["gap_type"] = GAP_TYPE_CAPACITY
    return rows[columns].reset_index(drop=True)


def _typed_empty(columns: list[str]) -> pd.DataFrame:
    kinds = {"month": "datetime64[ns]"}
    text = {"item", "limiting_item", "binding_component", "gap_type"}
    return pd.DataFrame(
        {c: pd.Series(dtype=kinds.get(c, object if c in text else float)) for c in columns}
    )


def combine_gaps(material: pd.DataFrame, capacity: pd.DataFrame) -> pd.DataFrame:
    """Material and capacity gaps as one table, one row per item and month.

    Material rows get ``gap_type`` ``material``. Where an item-month has both, the row with the
    larger shortage stays (both are capped at the month's demand): its ``gap_type`` and
    ``limiting_item`` name the binding cause; a tie keeps the material row.
    """
    material = material.assign(gap_type=GAP_TYPE_MATERIAL)
    if capacity.empty:
        return material.reset_index(drop=True)
    both = pd.concat([material, capacity[material.columns]], ignore_index=True)
    both["month"] = pd.to_datetime(both["month"])
    both["_material"] = both["gap_type"] == GAP_TYPE_MATERIAL
    both = both.sort_values(
        ["item", "month", "shortage_qty", "_material"], ascending=[True, True, False, False]
    )
    kept = both.drop_duplicates(["item", "month"], keep="first").drop(columns="_material")
    return kept.sort_values(["item", "month"]).reset_index(drop=True)


def prebuild_window(
    shelf_life_days: pd.Series, max_prebuild_months: int, min_remaining_shelf_months: float
) -> pd.Series:
    """Months a unit may be built ahead of its sale, per item (module docstring):
    ``min(max_prebuild_months, floor(shelf_life_days / 30.4375) - min_remaining)``, at least 0;
    no shelf life: ``max_prebuild_months``."""
    days = pd.to_numeric(shelf_life_days, errors="coerce").astype(float)
    shelf = np.floor(days / DAYS_PER_MONTH + 1e-9)
    window = np.floor(shelf - min_remaining_shelf_months + 1e-9)
    window = np.where(days.isna(), max_prebuild_months, np.minimum(window, max_prebuild_months))
    return pd.Series(np.maximum(window, 0).astype(np.int64), index=shelf_life_days.index)


def prebuild(
    lost: pd.DataFrame,
    plan: pd.DataFrame,
    routings: pd.DataFrame,
    window: pd.Series,
) -> pd.DataFrame:
    """How much of each item's lost production can be built earlier in spare regular capacity.

    Args:
        lost: :func:`units_not_produced` rows (base).
        plan: :func:`capacity_plan` rows (the base scenario's are used).
        routings: :func:`prepare_routings` rows.
        window: Months each item may be built ahead (:func:`prebuild_window`, index item;
            items it does not name: 0).

    Returns:
        ``item, for_month, build_month, qty`` - units of ``item`` lost in ``for_month`` built in
        ``build_month`` instead (module docstring for the order of levelling).
    """
    out_columns = ["item", "for_month", "build_month", "qty"]
    if lost.empty:
        return pd.DataFrame(
            {
                "item": pd.Series(dtype=object),
                "for_month": pd.Series(dtype="datetime64[ns]"),
                "build_month": pd.Series(dtype="datetime64[ns]"),
                "qty": pd.Series(dtype=float),
            }
        )
    base = plan[plan["scenario"] == "base"]
    months = pd.DatetimeIndex(sorted(pd.to_datetime(base["month"]).unique()))
    resources = pd.Index(base["resource"].drop_duplicates())
    spare = np.zeros((len(resources), len(months)))
    r_pos = resources.get_indexer(base["resource"])
    m_pos = months.get_indexer(pd.to_datetime(base["month"]))
    spare[r_pos, m_pos] = np.maximum(base["capacity"] - base["load"], 0.0).to_numpy()
    routes: dict[str, list[tuple[int, float]]] = {}
    for item, resource, hours in routings[["item", "resource", "hours_per_unit"]].itertuples(
        index=False
    ):
        position = resources.get_loc(resource) if resource in resources else -1
        if position >= 0:
            routes.setdefault(item, []).append((int(position), float(hours)))
    todo = lost.assign(
        _month=months.get_indexer(pd.to_datetime(lost["month"])),
        _window=lost["item"].map(window).fillna(0).astype(np.int64),
    ).sort_values(["_month", "_window", "item"])
    rows: list[tuple[str, pd.Timestamp, pd.Timestamp, float]] = []
    for item, t, k, units in todo[["item", "_month", "_window", "units"]].itertuples(index=False):
        remaining = float(units)
        steps = routes.get(item, [])
        for s in range(t - 1, max(-1, t - 1 - k), -1):
            if remaining <= QTY_TOL or not steps:
                break
            room = min(spare[r, s] / hours for r, hours in steps)
            built = min(remaining, room)
            if built <= QTY_TOL:
                continue
            for r, hours in steps:
                spare[r, s] -= built * hours
            remaining -= built
            rows.append((item, months[t], months[s], built))
    return pd.DataFrame(rows, columns=out_columns)


def capacity_risk(
    lost: pd.DataFrame,
    mrp: pd.DataFrame,
    forecast: pd.DataFrame,
    items: pd.DataFrame,
) -> pd.DataFrame:
    """The expected sales the lost production costs, per resource and month (module docstring).

    Args:
        lost: :func:`units_not_produced` rows.
        mrp: Base ``material_requirements`` rows (``item, month, projected_on_hand``).
        forecast: ``item, month, forecast_qty, lo80, hi80`` (``net_price`` when known).
        items: ``item, unit_cost`` (``unit_price``: the price where the forecast has none).

    Returns:
        ``resource, month, units_short, revenue_at_risk, margin_at_risk``.
    """
    columns = ["resource", "month", "units_short", "revenue_at_risk", "margin_at_risk"]
    if lost.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns}).astype(
            {"resource": object, "month": "datetime64[ns]"}
        )
    keys = ["item", "month"]
    stock = mrp[["item", "month", "projected_on_hand"]].assign(
        month=lambda f: pd.to_datetime(f["month"])
    )
    wanted = ["item", "month", "forecast_qty", "lo80", "hi80"]
    wanted += ["net_price"] if "net_price" in forecast.columns else []
    demand = forecast[wanted].assign(month=lambda f: pd.to_datetime(f["month"]))
    rows = lost.merge(stock, on=keys, how="left").merge(demand, on=keys, how="left")
    master = items.set_index(items["item"].astype(str))
    list_price = rows["item"].map(master.get("unit_price", pd.Series(dtype=float)))
    price = rows.get("net_price", list_price).fillna(list_price).fillna(0.0).astype(float)
    cost = rows["item"].map(master["unit_cost"]).fillna(0.0).astype(float)
    mu = rows["forecast_qty"].fillna(0.0)
    sigma = demand_sigma(rows["lo80"].fillna(mu), rows["hi80"].fillna(mu))
    mu = mu.to_numpy(float)
    supply = mu + rows["projected_on_hand"].fillna(0.0).to_numpy(float)
    extra = expected_lost(mu, sigma, np.maximum(supply - rows["units"], 0.0)) - expected_lost(
        mu, sigma, supply
    )
    rows = rows.assign(
        units_short=rows["units"],
        revenue_at_risk=extra * price,
        margin_at_risk=extra * (price - cost),
    )
    return rows.groupby(["resource", "month"], as_index=False)[columns[2:]].sum()


@dataclass(frozen=True)
class RoughCut:
    """The rough-cut capacity plan of one plan month and what it implies for supply."""

    plan: pd.DataFrame  # CAPACITY_PLAN_COLUMNS
    load: pd.DataFrame  # routed_load rows
    lost: pd.DataFrame  # units_not_produced rows (base)
    prebuilt: pd.DataFrame  # prebuild rows (base)


def plan_rough_cut(
    mrp: pd.DataFrame,
    items: pd.DataFrame,
    resources: pd.DataFrame,
    routings: pd.DataFrame,
    overrides: pd.DataFrame | None,
    plan_month: object,
    *,
    horizon: int = 12,
    max_prebuild_months: int = MAX_PREBUILD_MONTHS,
    min_remaining_shelf_months: float = MIN_REMAINING_SHELF_MONTHS,
    forecast: pd.DataFrame | None = None,
) -> RoughCut:
    """The rough-cut capacity plan of both MRP scenarios, with the base plan's lost units and
    how much of them pre-building could save (``prebuild_load`` in the plan).

    Args:
        mrp: ``material_requirements`` rows of both scenarios.
        items: Item master (``item``; ``shelf_life_days`` for the pre-build window).
        resources, routings, overrides: The staging rows of ``resources``, ``routings`` and
            ``capacity`` (overrides may be None or empty).
        plan_month: First day of the plan month.
        horizon: Months planned.
        max_prebuild_months, min_remaining_shelf_months: The pre-build window's limits.
        forecast: The forecast (``item, month, forecast_qty, lo80, hi80``, ``net_price``) the
            margin at risk is priced from; None: no margin at risk.

    Returns:
        A :class:`RoughCut`; without resources every frame is empty.

    Raises:
        ValueError: on bad inputs (see :func:`capacity_by_month`, :func:`prepare_routings`).
    """
    months = horizon_months(as_plan_month(plan_month), check_horizon(horizon))
    if not has_capacity(resources):
        load = routed_load(mrp.iloc[0:0], no_routings())
        plan = capacity_plan(load, _no_capacity())
        lost = units_not_produced(plan, load)
        none = prebuild(lost, plan, no_routings(), pd.Series(dtype=np.int64))
        return RoughCut(plan, load, lost, none)
    capacity = capacity_by_month(resources, overrides, months)
    routes = prepare_routings(routings, resources)
    load = routed_load(mrp, routes)
    load = load[load["month"].isin(months)]
    scenarios = tuple(dict.fromkeys(["base", "upside", *mrp["scenario"].unique()]))
    plan = capacity_plan(load, capacity, scenarios)
    lost = units_not_produced(plan, load)
    shelf = items.set_index(items["item"].astype(str))
    shelf_days = shelf.get("shelf_life_days", pd.Series(np.nan, index=shelf.index))
    window = prebuild_window(shelf_days, max_prebuild_months, min_remaining_shelf_months)
    built = prebuild(lost, plan, routes, window)
    plan = _with_prebuild_load(plan, built, routes)
    if forecast is not None:
        risk = capacity_risk(lost, mrp[mrp["scenario"] == "base"], forecast, items)
        plan = _with_risk(plan, risk)
    return RoughCut(plan, load, lost, built)


def _with_risk(plan: pd.DataFrame, risk: pd.DataFrame) -> pd.DataFrame:
    out = plan.drop(columns=["units_short", "revenue_at_risk", "margin_at_risk"]).merge(
        risk.assign(scenario="base"), on=["scenario", "resource", "month"], how="left"
    )
    for column in ("units_short", "revenue_at_risk", "margin_at_risk"):
        out[column] = out[column].fillna(0.0)
    return out[CAPACITY_PLAN_COLUMNS]


def _with_prebuild_load(
    plan: pd.DataFrame, built: pd.DataFrame, routings: pd.DataFrame
) -> pd.DataFrame:
    """``prebuild_load``: the overload of each base month the pre-builds move out of it."""
    if built.empty:
        return plan
    moved = built.merge(routings, on="item").assign(hours=lambda f: f["qty"] * f["hours_per_unit"])
    moved = moved.groupby(["resource", "for_month"], as_index=False)["hours"].sum()
    moved = moved.rename(columns={"for_month": "month"}).assign(scenario="base")
    out = plan.merge(moved, on=["scenario", "resource", "month"], how="left")
    out["prebuild_load"] = np.minimum(out["hours"].fillna(0.0), out["overload"])
    return out[CAPACITY_PLAN_COLUMNS]


def _no_capacity() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "resource": pd.Series(dtype=object),
            "month": pd.Series(dtype="datetime64[ns]"),
            "description": pd.Series(dtype=object),
            "capacity": pd.Series(dtype=float),
            "overtime_capacity": pd.Series(dtype=float),
            "overtime_cost_per_unit": pd.Series(dtype=float),
            "capacity_source": pd.Series(dtype=object),
        }
    )


# --- invariants (the checks of the capacity_plan asset) -----------------------------------------

CHECK_TOL = 1e-6


def coverage_breaks(
    plan: pd.DataFrame,
    resources: pd.DataFrame,
    months: pd.DatetimeIndex,
    scenarios: tuple[str, ...] = ("base", "upside"),
) -> pd.DataFrame:
    """Scenario-resource-months missing from the plan or present more than once.

    Returns:
        ``scenario, resource, month, rows`` (rows: how many the plan holds, 0 when missing).
    """
    names = resources["resource"].astype(str).to_numpy() if has_capacity(resources) else []
    expected = pd.MultiIndex.from_product(
        [list(scenarios), list(names), months], names=["scenario", "resource", "month"]
    ).to_frame(index=False)
    expected = expected.astype({"scenario": object, "resource": object, "month": "datetime64[ns]"})
    counts = (
        plan.astype({"scenario": object, "resource": object})
        .assign(month=pd.to_datetime(plan["month"]).astype("datetime64[ns]"))
        .groupby(["scenario", "resource", "month"])
        .size()
        .rename("rows")
        .reset_index()
    )
    both = expected.merge(counts, on=["scenario", "resource", "month"], how="outer")
    both["rows"] = both["rows"].fillna(0).astype(np.int64)
    wanted = set(map(tuple, expected.astype(str).to_numpy()))
    listed = both[["scenario", "resource", "month"]].astype(str).to_numpy()
    expected_row = np.array([tuple(r) in wanted for r in listed], dtype=bool)
    bad = (both["rows"] != 1) | ~expected_row
    return both[bad].reset_index(drop=True)


def overload_breaks(plan: pd.DataFrame) -> pd.DataFrame:
    """Rows whose overtime, overload, utilisation or pre-build do not follow from load and capacity
    (module docstring), or carry a negative number.

    Returns:
        The breaking rows with ``problem`` saying what is wrong.
    """
    load, cap, ot = plan["load"], plan["capacity"], plan["overtime_capacity"]
    above = np.maximum(load - cap, 0.0)
    tol = CHECK_TOL * np.maximum(1.0, load.abs())
    used = np.minimum(above, ot)
    numbers = plan[
        [
            "load",
            "capacity",
            "overtime_capacity",
            "overtime_used",
            "overload",
            "units_short",
            "revenue_at_risk",
            "margin_at_risk",
        ]
    ]
    numbers = numbers.to_numpy(float)
    problems = {
        "negative number": pd.Series(
            (numbers < -tol.to_numpy()[:, None]).any(axis=1), index=plan.index
        ),
        "overtime_used is not min(load - capacity, overtime_capacity)": (
            plan["overtime_used"] - used
        ).abs()
        > tol,
        "overload is not load - capacity - overtime": (
            plan["overload"] - np.maximum(above - ot, 0.0)
        ).abs()
        > tol,
        "load exceeds capacity + overtime_used + overload": load
        > cap + plan["overtime_used"] + plan["overload"] + tol,
        "utilisation is not load / capacity": ~(
            ((plan["utilisation"] - load / cap.where(cap > 0)).abs() <= CHECK_TOL)
            | (plan["utilisation"].isna() & (cap <= 0))
        ),
        "prebuild_load is not within [0, overload]": (plan["prebuild_load"] < -tol)
        | (plan["prebuild_load"] > plan["overload"] + tol),
        "units short without an overload": (plan["units_short"] > CHECK_TOL)
        & (plan["overload"] <= 0),
    }
    out = []
    for problem, mask in problems.items():
        rows = plan[mask.to_numpy()]
        if len(rows):
            out.append(rows.assign(problem=problem))
    if not out:
        return plan.iloc[0:0].assign(problem=pd.Series(dtype=object))
    return pd.concat(out, ignore_index=True)


def load_breaks(plan: pd.DataFrame, mrp: pd.DataFrame, routings: pd.DataFrame) -> pd.DataFrame:
    """Scenario-resource-months whose load is not the MRP's production orders of the routed
    items x hours_per_unit.

    Returns:
        ``scenario, resource, month, load, expected_load``.
    """
    if plan.empty:
        return pd.DataFrame(columns=["scenario", "resource", "month", "load", "expected_load"])
    expected = routed_load(mrp, routings.astype({"item": str, "resource": str}))
    expected = expected.groupby(["scenario", "resource", "month"], as_index=False)["load"].sum()
    rows = plan[["scenario", "resource", "month", "load"]].assign(
        month=lambda f: pd.to_datetime(f["month"])
    )
    both = rows.merge(
        expected.rename(columns={"load": "expected_load"}),
        on=["scenario", "resource", "month"],
        how="left",
    )
    both["expected_load"] = both["expected_load"].fillna(0.0)
    bad = (both["load"] - both["expected_load"]).abs() > CHECK_TOL * np.maximum(
        1.0, both["expected_load"]
    )
    return both[bad].reset_index(drop=True)
