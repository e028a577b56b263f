"""The supply plan's invariants: they hold on a real MRP and find a deliberately wrong row."""

from __future__ import annotations

import pandas as pd
from numpy.testing import assert_allclose

from sop_pipeline.supply.invariants import bom_consistency_breaks, stock_balance_breaks
from sop_pipeline.supply.mrp import run_mrp, scenario_demand
from sop_pipeline_tests.supply_inputs import plan_inputs

PLAN = pd.Timestamp("2025-01-01")
MONTHS = pd.date_range("2025-02-01", periods=3, freq="MS")
ITEMS = pd.DataFrame(
    {
        "item": ["A", "B"],
        "item_type": ["finished_good", "component"],
        "unit_cost": [5.0, 1.0],
        "lead_time_days": [0.0, 0.0],
        "shelf_life_days": [None, 40.0],
    }
)
BOM = pd.DataFrame({"parent": ["A"], "component": ["B"], "qty_per": [2.0], "scrap_rate": [0.2]})
FORECAST = pd.DataFrame(
    {"item": "A", "month": MONTHS, "forecast_qty": [10.0, 20.0, 0.0], "hi80": [12.0, 25.0, 0.0]}
)
STOCK = pd.DataFrame(
    {
        "item": ["A", "B"],
        "on_hand_qty": [5.0, 4.0],
        "expiry_date": [None, pd.Timestamp("2025-02-20")],  # B's lot expires in month 1
    }
)
ORDERS = pd.DataFrame(
    {"po": ["late"], "item": ["B"], "qty_open": [3.0], "due_date": [pd.Timestamp("2024-12-01")]}
)


def _plan() -> tuple[pd.DataFrame, pd.DataFrame]:
    mrp = run_mrp(plan_inputs(ITEMS, BOM, FORECAST, STOCK, ORDERS, horizon=3), ("base", "upside"))
    independent = pd.concat(
        [scenario_demand(FORECAST, s).assign(scenario=s) for s in ("base", "upside")]
    )
    return mrp, independent


def _row(frame: pd.DataFrame, scenario: str, item: str, month: int) -> int:
    hit = frame[
        (frame["scenario"] == scenario)
        & (frame["item"] == item)
        & (frame["month"] == MONTHS[month])
    ]
    return int(hit.index[0])


def test_invariants_hold_on_a_real_plan() -> None:
    """Base plan by hand: A (stock 5) receives 5, 20, 0 and releases them at once (lead 0);
    B needs 2 / 0.8 = 2.5 per A: 12.5, 50, 0. B's 4 in stock expire in month 1 (expired 4);
    the late order of 3 arrives in month 1 (B's lead time is 0: an order placed at the close
    would be in at once). Both invariants hold in both scenarios."""
    mrp, independent = _plan()
    base = mrp[mrp["scenario"] == "base"].set_index(["item", "month"])
    assert_allclose(base.loc["A", "planned_release_qty"], [5, 20, 0])
    assert_allclose(base.loc["B", "gross_qty"], [12.5, 50, 0])
    assert_allclose(base.loc["B", "expired_qty"], [4, 0, 0])
    assert_allclose(base.loc["B", "scheduled_receipts"], [3, 0, 0])
    assert stock_balance_breaks(mrp, STOCK).empty
    assert bom_consistency_breaks(mrp, BOM, independent).empty


def test_a_wrong_projected_stock_breaks_the_balance() -> None:
    """A's base stock at the end of month 1 set to 7 instead of 0: month 1 expected 5 + 5 - 10
    = 0 (not 7) and month 2 expected 7 + 20 - 20 = 7 (not 0) - both rows are shown."""
    mrp, _ = _plan()
    mrp.loc[_row(mrp, "base", "A", 0), "projected_on_hand"] = 7.0
    breaks = stock_balance_breaks(mrp, STOCK)
    assert list(zip(breaks["item"], breaks["month"], strict=True)) == [
        ("A", MONTHS[0]),
        ("A", MONTHS[1]),
    ]
    assert_allclose(breaks["expected"], [0, 7])
    assert_allclose(breaks["projected_on_hand"], [7, 0])


def test_a_wrong_dependent_demand_breaks_the_bom() -> None:
    """A's upside release of month 2 raised by 4: B's dependent demand there should then be
    (25 + 4) x 2.5 = 72.5 but the plan holds 62.5."""
    mrp, independent = _plan()
    mrp.loc[_row(mrp, "upside", "A", 1), "planned_release_qty"] += 4.0
    breaks = bom_consistency_breaks(mrp, BOM, independent)
    assert breaks[["scenario", "item"]].values.tolist() == [["upside", "B"]]
    assert_allclose(breaks[["dependent_qty", "expected_qty"]].iloc[0], [62.5, 72.5])
