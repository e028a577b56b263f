"""Benchmark: MRP (base and upside) and supply gaps for a synthetic 10k / 20k item company.

Generates, with numpy only, an item master of finished goods, in-house sub-assemblies (three
tiers, so the BOM has five levels) and purchased parts, a multi-level BOM, 12 months of demand
(a fifth of it intermittent), on-hand lots (some with expiry dates) and open orders, then times
the pure supply functions the pipeline calls and reports wall time and peak memory.

Run (from the repository root):

    .venv/bin/python bench/mrp_benchmark.py                 # 10,000 FG, 20,000 components
    .venv/bin/python bench/mrp_benchmark.py --fg 1000 --components 2000 --repeat 1
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from sop_pipeline.supply import (
    PlanningInputs,
    excess_and_obsolete,
    plan_inventory,
    run_mrp,
    service_cash_tradeoff,
    shelf_life_risk,
)
from sop_pipeline.supply.bom import low_level_codes
from sop_pipeline.supply.gaps import gaps_frame, replay_supply
from sop_pipeline.supply.mrp import plan_scenarios
from sop_pipeline.supply.network import build_network

PLAN_MONTH = pd.Timestamp("2025-06-01")


def _tier_edges(
    rng: np.random.Generator, parents: np.ndarray, pool: np.ndarray, low: int, high: int
) -> tuple[np.ndarray, np.ndarray]:
    counts = rng.integers(low, high + 1, size=len(parents))
    parent = np.repeat(parents, counts)
    component = pool[rng.integers(0, len(pool), size=len(parent))]
    return parent, component


def synthetic_company(
    n_fg: int, n_components: int, horizon: int, seed: int = 7
) -> dict[str, pd.DataFrame]:
    """Item master, BOM, demand, lots and open orders of a synthetic company (numpy only)."""
    rng = np.random.default_rng(seed)
    n_sub = n_components // 5
    tiers = np.array_split(np.arange(n_fg, n_fg + n_sub), 3)
    purchased = np.arange(n_fg + n_sub, n_fg + n_components)
    fg = np.arange(n_fg)
    n = n_fg + n_components
    names = np.array([f"FG{i:05d}" for i in fg] + [f"C{i:05d}" for i in range(n_components)])
    edges = [
        _tier_edges(rng, fg, np.concatenate([tiers[0], tiers[1], purchased]), 2, 5),
        _tier_edges(rng, tiers[0], np.concatenate([tiers[1], tiers[2], purchased]), 2, 4),
        _tier_edges(rng, tiers[1], np.concatenate([tiers[2], purchased]), 2, 4),
        _tier_edges(rng, tiers[2], purchased, 2, 3),
    ]
    parent = np.concatenate([e[0] for e in edges])
    component = np.concatenate([e[1] for e in edges])
    bom = pd.DataFrame(
        {
            "parent": names[parent],
            "component": names[component],
            "qty_per": rng.choice([1.0, 1.0, 2.0, 3.0, 0.5, 4.0], size=len(parent)),
            "scrap_rate": rng.choice([0.0, 0.0, 0.01, 0.02, 0.05], size=len(parent)),
        }
    )
    is_fg = np.arange(n) < n_fg
    perishable = rng.random(n) < 0.15
    items = pd.DataFrame(
        {
            "item": names,
            "item_type": np.where(is_fg, "finished_good", "component"),
            "unit_cost": np.round(rng.lognormal(2.0, 1.0, n), 2),
            "unit_price": np.where(is_fg, np.round(rng.lognormal(3.5, 0.8, n), 2), np.nan),
            "lead_time_days": rng.choice([0, 7, 14, 30, 45, 60, 90, 120, 200], size=n),
            "lead_time_std_days": rng.choice([0.0, 3.0, 7.0], size=n),
            "moq": np.where(rng.random(n) < 0.3, rng.choice([10, 50, 100, 500], size=n), np.nan),
            "order_multiple": np.where(
                rng.random(n) < 0.3, rng.choice([5, 10, 25], size=n), np.nan
            ),
            "shelf_life_days": np.where(perishable, rng.choice([90, 180, 365], size=n), np.nan),
            "service_level": np.where(rng.random(n) < 0.5, 0.97, np.nan),
            "status": np.where(rng.random(n) < 0.05, "phase_out", "active"),
        }
    )
    months = pd.date_range(PLAN_MONTH + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")
    level = rng.lognormal(3.0, 1.2, n_fg)
    qty = rng.gamma(4.0, level[:, None] / 4.0, size=(n_fg, horizon))
    qty[rng.random(n_fg) < 0.2] *= rng.random((1, horizon)) < 0.3
    demand = pd.DataFrame(
        {
            "item": np.repeat(names[:n_fg], horizon),
            "month": np.tile(months, n_fg),
            "qty": np.round(qty, 1).ravel(),
        }
    )
    stocked = np.flatnonzero(rng.random(n) < 0.7)
    n_lots = rng.integers(1, 4, size=len(stocked))
    lot_item = np.repeat(stocked, n_lots)
    expiry = PLAN_MONTH + pd.to_timedelta(rng.integers(-20, 400, size=len(lot_item)), unit="D")
    on_hand = pd.DataFrame(
        {
            "item": names[lot_item],
            "location": "DC1",
            "lot": [f"L{i}" for i in range(len(lot_item))],
            "expiry_date": np.where(perishable[lot_item], expiry, pd.NaT),
            "on_hand_qty": np.round(rng.gamma(2.0, 40.0, size=len(lot_item)), 0),
            "unit_cost": np.nan,
        }
    )
    po_item = rng.choice(n, size=n // 2)
    open_orders = pd.DataFrame(
        {
            "po": [f"PO{i}" for i in range(len(po_item))],
            "item": names[po_item],
            "qty_open": np.round(rng.gamma(2.0, 60.0, size=len(po_item)), 0),
            "due_date": PLAN_MONTH
            + pd.to_timedelta(rng.integers(-30, 240, size=len(po_item)), unit="D"),
        }
    )
    safety_stock = pd.Series(np.round(rng.gamma(1.5, 10.0, size=n), 1), index=names)
    forecast_error = pd.DataFrame(
        {
            "item": names[:n_fg],
            "cv_rmse": qty.mean(axis=1) * rng.uniform(0.2, 0.8, n_fg),
            "series_class": np.where(rng.random(n_fg) < 0.2, "intermittent", "smooth"),
        }
    )
    hi80 = demand.assign(qty=demand["qty"] * 1.25)
    return {
        "items": items,
        "bom": bom,
        "demand": demand,
        "upside": hi80,
        "on_hand": on_hand,
        "open_orders": open_orders,
        "safety_stock": safety_stock.to_frame("safety_stock"),
        "forecast_error": forecast_error,
    }


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def main() -> None:
    """Parse arguments, generate the company, time the supply functions, print a report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fg", type=int, default=10_000, help="finished goods")
    parser.add_argument("--components", type=int, default=20_000, help="components")
    parser.add_argument("--months", type=int, default=12, help="horizon in months")
    parser.add_argument("--repeat", type=int, default=3, help="timing repetitions (best kept)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    data = synthetic_company(args.fg, args.components, args.months, args.seed)
    forecast = data["demand"].rename(columns={"qty": "forecast_qty"})
    forecast["hi80"] = data["upside"]["qty"].to_numpy()
    inputs = PlanningInputs(
        PLAN_MONTH,
        data["items"],
        data["bom"],
        forecast,
        data["on_hand"],
        data["open_orders"],
        safety_stock=data["safety_stock"]["safety_stock"],
        horizon=args.months,
    )
    levels = low_level_codes(data["bom"], pd.Index(data["items"]["item"]))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def base() -> pd.DataFrame:
        return run_mrp(inputs, ("base",))

    def both() -> pd.DataFrame:
        return run_mrp(inputs, ("base", "upside"))

    t_base, mrp_base = _timed(base, args.repeat)
    t_both, mrp_both = _timed(both, args.repeat)

    net = build_network(inputs, ("base", "upside"))
    base_plan = plan_scenarios(net)["base"]

    def gaps() -> pd.DataFrame:
        return gaps_frame(net, replay_supply(net, base_plan))

    t_gaps, gap_rows = _timed(gaps, args.repeat)
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def policy() -> pd.DataFrame:
        return plan_inventory(
            data["items"],
            data["bom"],
            data["demand"],
            data["forecast_error"],
            data["on_hand"],
            data["open_orders"],
            PLAN_MONTH,
            horizon=args.months,
        ).policy

    def tradeoff() -> pd.DataFrame:
        return service_cash_tradeoff(
            data["items"],
            data["bom"],
            data["demand"],
            data["forecast_error"],
            PLAN_MONTH,
            horizon=args.months,
        )

    gross = mrp_base[["item", "month", "gross_qty"]].rename(columns={"gross_qty": "qty"})

    def shelf() -> pd.DataFrame:
        risk = shelf_life_risk(
            data["items"], data["on_hand"], gross, PLAN_MONTH, horizon=args.months
        )
        return excess_and_obsolete(risk)

    t_policy, _ = _timed(policy, args.repeat)
    t_tradeoff, curve = _timed(tradeoff, args.repeat)
    t_shelf, eo = _timed(shelf, args.repeat)

    tracemalloc.start()
    both()
    gaps()
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(
        f"machine: {platform.platform()}, python {platform.python_version()}, "
        f"{len(os.sched_getaffinity(0))} cores"
    )
    print(
        f"items: {args.fg} FG + {args.components} components, BOM rows {len(data['bom'])}, "
        f"BOM levels {int(levels.max()) + 1}, lots {len(data['on_hand'])}, "
        f"open orders {len(data['open_orders'])}, months {args.months}"
    )
    print(
        f"run_mrp base:      {t_base:6.2f} s  ({len(mrp_base)} rows, "
        f"{int(mrp_base['release_past_due'].sum())} past-due releases)"
    )
    print(f"run_mrp base + upside: {t_both:6.2f} s  ({len(mrp_both)} rows)")
    print(
        f"supply gaps (replaying the base plan): {t_gaps:6.2f} s  ({len(gap_rows)} gap "
        f"rows, revenue at risk {gap_rows['revenue_at_risk'].sum():,.0f})"
    )
    print(f"total (MRP x2 + gaps): {t_both + t_gaps:6.2f} s (best of {args.repeat})")
    print(
        f"also: plan_inventory {t_policy:.2f} s, service_cash_tradeoff "
        f"({len(curve)} points) {t_tradeoff:.2f} s, shelf_life_risk + excess_and_obsolete "
        f"{t_shelf:.2f} s ({len(eo)} items at risk)"
    )
    print(
        f"peak RSS after MRP x2 + gaps: {rss_peak:,.0f} MiB "
        f"(after data generation: {rss_before:,.0f} MiB); "
        f"tracemalloc peak of one MRP x2 + gaps pass: {traced_peak / 2**20:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
