"""Shelf-life risk (FEFO per lot) and excess & obsolete value.

Plan month January 2025, horizon 4: month 1..4 = February..May 2025.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.supply.mrp import run_mrp
from sop_pipeline.supply.obsolescence import excess_and_obsolete
from sop_pipeline.supply.shelf_life import fefo_consumption, shelf_life_risk
from sop_pipeline_tests.supply_inputs import plan_inputs

PLAN = pd.Timestamp("2025-01-01")
MONTHS = pd.date_range("2025-02-01", periods=4, freq="MS")


def _items(rows: list[dict]) -> pd.DataFrame:
    base = {"item_type": "finished_good", "unit_cost": 1.0, "lead_time_days": 0.0}
    return pd.DataFrame([{**base, **row} for row in rows])


@pytest.mark.parametrize(
    ("qty", "demand_until", "consumed"),
    [
        # D: demand through each lot's last usable month. Lot 1 is used 3, lot 2 takes the
        # rest of the 12, lot 3 nothing.
        ([10, 20, 50], [3, 12, 12], [3, 9, 0]),
        # Both lots used up: 5 by month u1 (of 10 demanded), the other 5 later.
        ([5, 5], [10, 12], [5, 5]),
        # 8 demanded before lot 1 expires: 5 from lot 1, the other 3 from lot 2.
        ([5, 10], [8, 8], [5, 3]),
    ],
)
def test_fefo_consumption(qty: list, demand_until: list, consumed: list) -> None:
    item = np.zeros(len(qty), dtype=int)
    out = fefo_consumption(item, np.array(qty, float), np.array(demand_until, float))
    assert_allclose(out, consumed)


def test_lot_risk_worked_by_hand() -> None:
    """Item X (cost 2), demand 3 a month; slow-mover window 4 months (= the horizon).

    Lots: a 10 expiring 20 March (usable through February: month 1), b 20 expiring
    31 December (after the horizon) at lot cost 3, c 50 with no expiry.
    FEFO: a covers month 1's 3 → 7 expire (value 14, 'expiry'); b and c cover the remaining
    12 − 3 = 9 of the window → b 9 consumed, 11 excess (value 33); c 50 excess (value 100);
    both 'slow_mover'.
    Y (phase-out, cost 1): 40 in stock, demand 5 a month → 20 consumed, 20 'obsolete'.
    Z (cost 5): lot already out of date (1 December 2024) → all 5 'expired', value 25.
    W: 6 in stock, well within demand → not at risk, no row.
    """
    items = _items(
        [
            {"item": "X", "unit_cost": 2.0},
            {"item": "Y", "status": "phase_out"},
            {"item": "Z", "unit_cost": 5.0},
            {"item": "W"},
        ]
    )
    on_hand = pd.DataFrame(
        {
            "item": ["X", "X", "X", "Y", "Z", "W"],
            "location": "DC1",
            "lot": ["a", "b", "c", "y", "z", "w"],
            "expiry_date": pd.to_datetime(
                ["2025-03-20", "2025-12-31", None, None, "2024-12-01", None]
            ),
            "on_hand_qty": [10.0, 20.0, 50.0, 40.0, 5.0, 6.0],
            "unit_cost": [np.nan, 3.0, np.nan, np.nan, np.nan, np.nan],
        }
    )
    demand = pd.concat(
        [
            pd.DataFrame({"item": "X", "month": MONTHS, "qty": 3.0}),
            pd.DataFrame({"item": "Y", "month": MONTHS, "qty": 5.0}),
            pd.DataFrame({"item": "W", "month": MONTHS, "qty": 5.0}),
        ]
    )
    risk = shelf_life_risk(items, on_hand, demand, PLAN, horizon=4, slow_mover_months=4)
    risk = risk.set_index("lot")
    assert list(risk.index) == ["a", "b", "c", "y", "z"]
    assert_allclose(risk["consumed_qty"], [3, 9, 0, 20, 0])
    assert_allclose(risk["qty_at_risk"], [7, 11, 50, 20, 5])
    assert_allclose(risk["value_at_risk"], [14, 33, 100, 20, 25])
    assert risk["reason"].tolist() == ["expiry", "slow_mover", "slow_mover", "obsolete", "expired"]

    eo = excess_and_obsolete(risk.reset_index()).set_index("item")
    assert_allclose(eo.loc["X", ["excess_qty", "excess_value"]].astype(float), [61, 133])
    assert_allclose(eo.loc["X", ["obsolete_qty", "obsolete_value"]].astype(float), [7, 14])
    assert eo.loc["X", "reason"] == "slow_mover"
    assert_allclose(eo.loc["Y", "obsolete_value"], 20)
    assert eo.loc["Z", "reason"] == "expired"
    assert list(eo.index) == ["X", "Z", "Y"]  # by total value at risk


def test_component_lot_consumed_by_dependent_demand() -> None:
    """A uses 2 C (lead 0): A demand 5 a month → C gross 10 a month (from the MRP).

    C lot of 25 expiring 10 April is usable through March (month 2): 20 consumed, 5 expire.
    """
    items = _items([{"item": "A"}, {"item": "C", "item_type": "component"}])
    bom = pd.DataFrame({"parent": ["A"], "component": ["C"], "qty_per": [2.0]})
    lots = pd.DataFrame(
        {"item": ["C"], "lot": ["c1"], "expiry_date": ["2025-04-10"], "on_hand_qty": [25.0]}
    )
    orders = pd.DataFrame({"po": [], "item": [], "qty_open": [], "due_date": []})
    mrp = run_mrp(
        plan_inputs(
            items,
            bom,
            pd.DataFrame({"item": "A", "month": MONTHS, "qty": 5.0}),
            lots,
            orders,
            horizon=4,
        )
    )
    demand = mrp.loc[mrp["scenario"] == "base", ["item", "month", "gross_qty"]].rename(
        columns={"gross_qty": "qty"}
    )
    risk = shelf_life_risk(items, lots, demand, PLAN, horizon=4)
    assert risk["lot"].tolist() == ["c1"]
    assert_allclose(risk[["consumed_qty", "qty_at_risk"]].to_numpy(), [[20, 5]])
    assert risk["reason"].tolist() == ["expiry"]


def test_zero_demand_item_is_obsolete() -> None:
    """Active item N with 12 in stock and no demand over the horizon: all 12 obsolete."""
    items = _items([{"item": "N", "unit_cost": 2.5}])
    lots = pd.DataFrame({"item": ["N"], "lot": ["n"], "on_hand_qty": [12.0]})
    risk = shelf_life_risk(
        items, lots, pd.DataFrame(columns=["item", "month", "qty"]), PLAN, horizon=4
    )
    assert risk["reason"].tolist() == ["obsolete"]
    assert_allclose(risk["value_at_risk"], [30])


def test_slow_mover_window_beyond_horizon_extrapolates() -> None:
    """Demand 2 a month over a 4-month horizon, window 6 months → 12 covered, 18 of 30 excess."""
    items = _items([{"item": "S"}])
    lots = pd.DataFrame({"item": ["S"], "lot": ["s"], "on_hand_qty": [30.0]})
    demand = pd.DataFrame({"item": "S", "month": MONTHS, "qty": 2.0})
    risk = shelf_life_risk(items, lots, demand, PLAN, horizon=4, slow_mover_months=6)
    assert_allclose(risk["qty_at_risk"], [18])


def test_bad_window_raises() -> None:
    with pytest.raises(ValueError, match="slow_mover_months"):
        shelf_life_risk(
            _items([{"item": "S"}]), pd.DataFrame(columns=["item", "on_hand_qty"]),
            pd.DataFrame(columns=["item", "month", "qty"]), PLAN, slow_mover_months=0,
        )  # fmt: skip


def test_the_same_lot_at_two_locations_is_two_rows() -> None:
    """Lot L7 of K is stocked at WH1 (30) and WH2 (20), both expiring 10 March 2025 (usable in
    February only). Demand 10 in February uses 10 of the pool first-expiry-first-out, WH1 first
    (location order): WH1 has 20 at risk, WH2 all 20 - two rows, one per location."""
    items = _items([{"item": "K"}])
    lots = pd.DataFrame(
        {
            "item": ["K", "K"],
            "location": ["WH2", "WH1"],
            "lot": ["L7", "L7"],
            "expiry_date": pd.Timestamp("2025-03-10"),
            "on_hand_qty": [20.0, 30.0],
        }
    )
    demand = pd.DataFrame({"item": "K", "month": MONTHS, "qty": [10.0, 0.0, 0.0, 0.0]})
    risk = shelf_life_risk(items, lots, demand, PLAN, horizon=4)
    rows = risk.set_index(["item", "location", "lot"])
    assert rows.index.is_unique and len(rows) == 2
    assert_allclose(rows.loc[("K", "WH1", "L7"), ["consumed_qty", "qty_at_risk"]], [10, 20])
    assert_allclose(rows.loc[("K", "WH2", "L7"), ["consumed_qty", "qty_at_risk"]], [0, 20])
    assert set(rows["reason"]) == {"expiry"}
