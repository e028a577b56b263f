"""Service level versus cash: monotone curve, current point equal to the policy's total."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.supply.policy import plan_inventory
from sop_pipeline.supply.tradeoff import service_cash_tradeoff

PLAN = pd.Timestamp("2025-01-01")
MONTHS = pd.date_range("2025-02-01", periods=12, freq="MS")
MONTH_DAYS = 365.25 / 12
NO_ORDERS = pd.DataFrame({"po": [], "item": [], "qty_open": [], "due_date": []})
NO_STOCK = pd.DataFrame(columns=["item", "on_hand_qty"])


def _portfolio() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """S smooth (SL 95 %), I intermittent (SL 90 %), O phase-out, C component of S and I."""
    items = pd.DataFrame(
        {
            "item": ["S", "I", "O", "C"],
            "item_type": ["finished_good"] * 3 + ["component"],
            "unit_cost": [2.0, 5.0, 1.0, 0.5],
            "unit_price": [4.0, 9.0, 2.0, np.nan],
            "lead_time_days": [2 * MONTH_DAYS, 0.0, MONTH_DAYS, MONTH_DAYS],
            "service_level": [0.95, 0.90, np.nan, 0.98],
            "status": ["active", "active", "phase_out", "active"],
        }
    )
    bom = pd.DataFrame({"parent": ["S", "I"], "component": ["C", "C"], "qty_per": [2.0, 1.0]})
    demand = pd.concat(
        [
            pd.DataFrame({"item": item, "month": MONTHS, "qty": qty})
            for item, qty in [("S", 100.0), ("I", 1.0), ("O", 10.0)]
        ]
    )
    errors = pd.DataFrame(
        {
            "item": ["S", "I", "O"],
            "rmse_h1": [20.0, np.nan, np.nan],  # S: 20 at every horizon
            "cv_rmse": [20.0, 2.0, 3.0],
            "series_class": ["smooth", "intermittent", "seasonal"],
        }
    )
    return items, bom, demand, errors


def test_curve_is_monotone_and_current_point_is_the_policy_total() -> None:
    items, bom, demand, errors = _portfolio()
    curve = service_cash_tradeoff(items, bom, demand, errors, PLAN)
    grid = curve[~curve["is_current"]]
    assert_allclose(grid["service_level"], [0.85, 0.90, 0.92, 0.95, 0.97, 0.98, 0.99, 0.995])
    assert (np.diff(grid["inventory_value"]) > 0).all()  # more service costs more inventory
    assert (np.diff(grid["expected_fill_rate"]) >= 0).all()
    current = curve[curve["is_current"]]
    assert len(current) == 1
    policy = plan_inventory(items, bom, demand, errors, NO_STOCK, NO_ORDERS, PLAN).policy
    assert_allclose(current["inventory_value"], policy["target_inventory_value"].sum())
    assert_allclose(current["delta_vs_current"], 0.0)
    assert_allclose(
        curve["delta_vs_current"], curve["inventory_value"] - current["inventory_value"].item()
    )


def test_single_item_point_worked_by_hand() -> None:
    """Only S (see test_supply_policy): at 95 % the investment is (56.98 + 50) · 2 = 213.96,
    fill rate 0.992762; at 85 % k = 1.036433, SS = 1.036433 · 34.641 = 35.90, value 171.81."""
    items, _, demand, errors = _portfolio()
    items = items[items["item"] == "S"]
    curve = service_cash_tradeoff(
        items, pd.DataFrame(columns=["parent", "component", "qty_per"]),
        demand[demand["item"] == "S"], errors[errors["item"] == "S"], PLAN,
        service_levels=[0.85, 0.95],
    )  # fmt: skip
    sigma_p = 20 * np.sqrt(3)
    assert_allclose(
        curve["inventory_value"],
        [
            (1.036433 * sigma_p + 50) * 2,
            (1.644854 * sigma_p + 50) * 2,
            (1.644854 * sigma_p + 50) * 2,
        ],
        rtol=1e-6,
    )
    assert curve["is_current"].tolist() == [False, False, True]
    assert_allclose(curve["expected_fill_rate"].iloc[1], 0.992762, atol=1e-6)
    assert_allclose(curve["service_level"].iloc[2], 0.95)


@pytest.mark.parametrize("grid", [[], [0.5, 1.0], [0.0]])
def test_bad_grid_raises(grid: list[float]) -> None:
    items, bom, demand, errors = _portfolio()
    with pytest.raises(ValueError, match="service_levels"):
        service_cash_tradeoff(items, bom, demand, errors, PLAN, service_levels=grid)
