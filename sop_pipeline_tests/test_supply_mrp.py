"""MRP: multi-level netting, scrap, lot sizing, lead-time offset, expiry, past-due releases.

Plan month January 2025, horizon 4: month 1..4 = February..May 2025. Lead times in days turn
into months by rounding ``days / 30.4375`` up: 0 → 0, 30 → 1, 31 → 2, 45 → 2, 60 → 2, 61 → 3,
91 → 3, 200 → 7.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.supply.gaps import find_supply_gaps
from sop_pipeline.supply.mrp import lot_size, run_mrp
from sop_pipeline_tests.supply_inputs import plan_inputs

PLAN = pd.Timestamp("2025-01-01")
MONTHS = pd.date_range("2025-02-01", periods=4, freq="MS")


def _items(rows: list[dict]) -> pd.DataFrame:
    base = {"item_type": "component", "unit_cost": 1.0, "lead_time_days": 0.0}
    return pd.DataFrame([{**base, **row} for row in rows])


def _demand(item: str, qty: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"item": item, "month": MONTHS[: len(qty)], "qty": qty})


def _none_orders() -> pd.DataFrame:
    return pd.DataFrame({"po": [], "item": [], "qty_open": [], "due_date": []})


def _col(frame: pd.DataFrame, item: str, column: str) -> np.ndarray:
    return frame.loc[frame["item"] == item].sort_values("month")[column].to_numpy()


def test_two_level_bom_worked_by_hand() -> None:
    """Finished good A; sub-assembly B (2 per A, 20 % scrap); C (3 per B); D (1 per A).

    A: demand 20, 20, 30, 0; stock 10; lead 30 d (1 month); no safety stock.
      net = 10, 20, 30, 0 (lot-for-lot) → receipts 10, 20, 30, 0; POH 0.
      Receipt of month 1 should have been released in month 0: past due, shown in month 1.
      releases: month 1 = 10 (past due) + 20 = 30, month 2 = 30.
    B (factor 2 / 0.8 = 2.5): gross = 2.5 × releases of A = 75, 75, 0, 0.
      stock 50, open order 20 due 15 Feb (month 1), MOQ 40, multiple 10, lead 30 d (1 month).
      month 1: need 75 − 70 = 5 → max(5, 40) = 40 → POH 70 + 40 − 75 = 35.
      month 2: need 75 − 35 = 40 → 40 → POH 0.  Releases: month 1 = 40 (past due) + 40 = 80.
    C (3 per B): gross = 3 × 80 = 240 in month 1; stock 100; lead 60 d (2 months).
      net 140 in month 1, release due in month −1: past due, shown in month 1.
    D (1 per A, purchased, lead 0, safety stock 5, order multiple 25): gross 30, 30, 0, 0.
      month 1: need 30 + 5 − 0 = 35 → 50 → POH 20; month 2: need 30 + 5 − 20 = 15 → 25 →
      POH 15; months 3–4: POH 15 ≥ 5, nothing planned.
    B's open order issued its components when released (the count no longer holds them;
    ``test_open_production_components`` works the other practice).
    """
    items = _items(
        [
            {"item": "A", "item_type": "finished_good", "lead_time_days": 30},
            {"item": "B", "lead_time_days": 30, "moq": 40, "order_multiple": 10},
            {"item": "C", "lead_time_days": 60},
            {"item": "D", "order_multiple": 25},
        ]
    )
    bom = pd.DataFrame(
        {
            "parent": ["A", "B", "A"],
            "component": ["B", "C", "D"],
            "qty_per": [2.0, 3.0, 1.0],
            "scrap_rate": [0.2, 0.0, np.nan],
        }
    )
    on_hand = pd.DataFrame({"item": ["A", "B", "C"], "on_hand_qty": [10.0, 50.0, 100.0]})
    orders = pd.DataFrame(
        {"po": ["P1"], "item": ["B"], "qty_open": [20.0], "due_date": [pd.Timestamp("2025-02-15")]}
    )
    mrp = run_mrp(
        plan_inputs(
            items,
            bom,
            _demand("A", [20, 20, 30, 0]),
            on_hand,
            orders,
            horizon=4,
            safety_stock=pd.Series({"D": 5.0}),
            open_production_components="issued",
        )
    )
    assert set(mrp["item"]) == {"A", "B", "C", "D"}
    assert (mrp["scenario"] == "base").all()
    assert_allclose(_col(mrp, "A", "net_qty"), [10, 20, 30, 0])
    assert_allclose(_col(mrp, "A", "planned_release_qty"), [30, 30, 0, 0])
    assert_allclose(_col(mrp, "A", "past_due_release_qty"), [10, 0, 0, 0])
    assert _col(mrp, "A", "release_past_due").tolist() == [True, False, False, False]
    assert_allclose(_col(mrp, "B", "gross_qty"), [75, 75, 0, 0])
    assert_allclose(_col(mrp, "B", "scheduled_receipts"), [20, 0, 0, 0])
    assert_allclose(_col(mrp, "B", "net_qty"), [5, 40, 0, 0])
    assert_allclose(_col(mrp, "B", "planned_receipt_qty"), [40, 40, 0, 0])
    assert_allclose(_col(mrp, "B", "projected_on_hand"), [35, 0, 0, 0])
    assert_allclose(_col(mrp, "B", "planned_release_qty"), [80, 0, 0, 0])
    assert_allclose(_col(mrp, "C", "gross_qty"), [240, 0, 0, 0])
    assert_allclose(_col(mrp, "C", "planned_receipt_qty"), [140, 0, 0, 0])
    assert _col(mrp, "C", "release_past_due").tolist() == [True, False, False, False]
    assert_allclose(_col(mrp, "D", "gross_qty"), [30, 30, 0, 0])
    assert_allclose(_col(mrp, "D", "planned_receipt_qty"), [50, 25, 0, 0])
    assert_allclose(_col(mrp, "D", "projected_on_hand"), [20, 15, 15, 15])
    assert not _col(mrp, "D", "release_past_due").any()
    assert mrp.set_index("item")["level_code"].to_dict() == {"A": 0, "B": 1, "C": 2, "D": 1}
    assert (mrp["planned_receipt_qty"] >= mrp["net_qty"] - 1e-9).all()
    assert (mrp["projected_on_hand"] >= -1e-9).all()


@pytest.mark.parametrize(
    ("net", "moq", "multiple", "expected"),
    [
        (5.0, 40.0, 10.0, 40.0),  # the MOQ binds and is a multiple already
        (43.0, 40.0, 10.0, 50.0),  # above the MOQ: next multiple of 10
        (12.0, 15.0, 4.0, 16.0),  # MOQ 15 is not a multiple of 4: ceil(15 / 4) · 4 = 16
        (7.0, 0.0, 0.0, 7.0),  # lot-for-lot
        (30.000000001, 0.0, 10.0, 30.0),  # floating noise does not add a multiple
        (0.0, 40.0, 10.0, 0.0),  # no requirement, no order
    ],
)
def test_lot_size_moq_and_multiple(
    net: float, moq: float, multiple: float, expected: float
) -> None:
    assert_allclose(lot_size(np.array([net]), np.array([moq]), np.array([multiple])), [expected])


def test_moq_leftover_covers_later_months() -> None:
    """Demand 10 a month, MOQ 25, multiple 5, lead 0, no stock.

    month 1: net 10 → 25, POH 15; month 2: POH 5, nothing ordered; month 3: net 5 → 25, POH 20;
    month 4: POH 10.
    """
    items = _items([{"item": "X", "item_type": "finished_good", "moq": 25, "order_multiple": 5}])
    mrp = run_mrp(
        plan_inputs(
            items,
            pd.DataFrame(columns=["parent", "component", "qty_per"]),
            _demand("X", [10, 10, 10, 10]),
            pd.DataFrame(columns=["item", "on_hand_qty"]),
            _none_orders(),
            horizon=4,
        )
    )
    assert_allclose(_col(mrp, "X", "net_qty"), [10, 0, 5, 0])
    assert_allclose(_col(mrp, "X", "planned_receipt_qty"), [25, 0, 25, 0])
    assert_allclose(_col(mrp, "X", "projected_on_hand"), [15, 5, 20, 10])


def test_lead_time_longer_than_horizon() -> None:
    """Lead 200 days = 7 months > horizon 4: every receipt's release is past due.

    Demand 5 a month, stock 8: net 0... month 1: 8 − 5 = 3 left; month 2: net 2; months 3–4:
    net 5. All three receipts (2 + 5 + 5 = 12) are released in month 1, flagged past due.
    """
    items = _items([{"item": "L", "item_type": "finished_good", "lead_time_days": 200}])
    mrp = run_mrp(
        plan_inputs(
            items,
            pd.DataFrame(columns=["parent", "component", "qty_per"]),
            _demand("L", [5, 5, 5, 5]),
            pd.DataFrame({"item": ["L"], "on_hand_qty": [8.0]}),
            _none_orders(),
            horizon=4,
        )
    )
    assert_allclose(_col(mrp, "L", "lead_time_months"), [7, 7, 7, 7])
    assert_allclose(_col(mrp, "L", "planned_receipt_qty"), [0, 2, 5, 5])
    assert_allclose(_col(mrp, "L", "planned_release_qty"), [12, 0, 0, 0])
    assert_allclose(_col(mrp, "L", "past_due_release_qty"), [12, 0, 0, 0])
    assert _col(mrp, "L", "release_past_due").tolist() == [True, False, False, False]


def test_lot_expiring_mid_horizon_is_not_netted_after_expiry() -> None:
    """Lot E1 of 30 expires 15 March: usable through February (month 1) only.

    Demand 10 a month, lead 0. Month 1 consumes 10 of E1 (FEFO) → 20 left, which drops out in
    month 2 (expired_qty 20). Month 2 onwards is netted against nothing: net 10, 10, 10.
    Item F (shelf life 45 days → a receipt is usable in its arrival month only, MOQ 25): month 1
    orders 25, uses 10, 15 expire in month 2, and so on every month.
    """
    items = _items(
        [
            {"item": "E", "item_type": "finished_good"},
            {"item": "F", "item_type": "finished_good", "moq": 25, "shelf_life_days": 45},
        ]
    )
    lots = pd.DataFrame(
        {
            "item": ["E"],
            "lot": ["E1"],
            "expiry_date": [pd.Timestamp("2025-03-15")],
            "on_hand_qty": [30.0],
        }
    )
    demand = pd.concat([_demand("E", [10, 10, 10, 10]), _demand("F", [10, 10, 10, 10])])
    mrp = run_mrp(
        plan_inputs(
            items,
            pd.DataFrame(columns=["parent", "component", "qty_per"]),
            demand,
            lots,
            _none_orders(),
            horizon=4,
        )
    )
    assert_allclose(_col(mrp, "E", "expired_qty"), [0, 20, 0, 0])
    assert_allclose(_col(mrp, "E", "net_qty"), [0, 10, 10, 10])
    assert_allclose(_col(mrp, "E", "projected_on_hand"), [20, 0, 0, 0])
    assert_allclose(_col(mrp, "F", "planned_receipt_qty"), [25, 25, 25, 25])
    assert_allclose(_col(mrp, "F", "expired_qty"), [0, 15, 15, 15])


def test_shared_component_sums_both_parents() -> None:
    """C is used by A (1 per) and B (2 per); A and B have lead 0 and no stock.

    A demand 10, 10; B demand 5, 0 → releases A 10, 10 and B 5, 0 → C gross 10 + 2·5 = 20,
    then 10. C stock 12 → net 8, 10.
    """
    items = _items(
        [
            {"item": "A", "item_type": "finished_good"},
            {"item": "B", "item_type": "finished_good"},
            {"item": "C"},
        ]
    )
    bom = pd.DataFrame({"parent": ["A", "B"], "component": ["C", "C"], "qty_per": [1.0, 2.0]})
    demand = pd.concat([_demand("A", [10, 10]), _demand("B", [5, 0])])
    mrp = run_mrp(
        plan_inputs(
            items,
            bom,
            demand,
            pd.DataFrame({"item": ["C"], "on_hand_qty": [12.0]}),
            _none_orders(),
            horizon=4,
        )
    )
    assert_allclose(_col(mrp, "C", "gross_qty"), [20, 10, 0, 0])
    assert_allclose(_col(mrp, "C", "net_qty"), [8, 10, 0, 0])


def test_zero_demand_item_keeps_its_stock_and_plans_nothing() -> None:
    """Z has 40 in stock, no demand, no use: 40 projected every month, nothing planned.

    Y has neither stock, demand nor orders: it gets no rows.
    """
    items = _items([{"item": "Z"}, {"item": "Y"}])
    mrp = run_mrp(
        plan_inputs(
            items,
            pd.DataFrame(columns=["parent", "component", "qty_per"]),
            pd.DataFrame(columns=["item", "month", "qty"]),
            pd.DataFrame({"item": ["Z"], "on_hand_qty": [40.0]}),
            _none_orders(),
            horizon=4,
        )
    )
    assert set(mrp["item"]) == {"Z"}
    assert_allclose(_col(mrp, "Z", "projected_on_hand"), [40, 40, 40, 40])
    assert_allclose(_col(mrp, "Z", "planned_receipt_qty"), [0, 0, 0, 0])


def test_open_orders_by_due_date() -> None:
    """A late order (due December, before the plan month closed) is assumed to arrive one month
    late, in month 2 (``late_po_delay_months`` 1); one due in June (month 5) is outside the
    4-month horizon. Demand 10 in month 2: the late 6 covers part → net 4 in month 2. With a
    delay of 0 the late order arrives in month 1, with 3 in month 4 (O's lead time, 150 days,
    is longer than any of these delays). An item whose lead time is 10 days: its late order
    arrives in month 1, as an order placed at the close would, whatever the delay."""
    items = _items([{"item": "O", "item_type": "finished_good", "lead_time_days": 150.0}])
    orders = pd.DataFrame(
        {
            "po": ["late", "later"],
            "item": ["O", "O"],
            "qty_open": [6.0, 50.0],
            "due_date": pd.to_datetime(["2024-12-10", "2025-06-02"]),
        }
    )

    def receipts(master: pd.DataFrame, **settings: int) -> pd.DataFrame:
        return run_mrp(
            plan_inputs(
                master,
                pd.DataFrame(columns=["parent", "component", "qty_per"]),
                _demand("O", [0, 10, 0, 0]),
                pd.DataFrame(columns=["item", "on_hand_qty"]),
                orders,
                horizon=4,
                **settings,
            )
        )

    mrp = receipts(items)
    assert_allclose(_col(mrp, "O", "scheduled_receipts"), [0, 6, 0, 0])
    assert_allclose(_col(mrp, "O", "net_qty"), [0, 4, 0, 0])
    for delay, expected in ((0, [6, 0, 0, 0]), (3, [0, 0, 0, 6]), (4, [0, 0, 0, 0])):
        mrp = receipts(items, late_po_delay_months=delay)
        assert_allclose(_col(mrp, "O", "scheduled_receipts"), expected)
    quick = _items([{"item": "O", "item_type": "finished_good", "lead_time_days": 10.0}])
    for delay in (1, 3):
        mrp = receipts(quick, late_po_delay_months=delay)
        assert_allclose(_col(mrp, "O", "scheduled_receipts"), [6, 0, 0, 0])


def test_scenarios_use_forecast_and_hi80() -> None:
    """Base nets forecast_qty (10), upside nets hi80 (14)."""
    items = _items([{"item": "A", "item_type": "finished_good"}])
    forecast = pd.DataFrame({"item": "A", "month": MONTHS, "forecast_qty": 10.0, "hi80": 14.0})
    mrp = run_mrp(
        plan_inputs(
            items,
            pd.DataFrame(columns=["parent", "component", "qty_per"]),
            forecast,
            pd.DataFrame(columns=["item", "on_hand_qty"]),
            _none_orders(),
            horizon=4,
        ),
        ("base", "upside"),
    )
    gross = mrp.groupby("scenario")["gross_qty"].sum()
    assert gross.to_dict() == {"base": 40.0, "upside": 56.0}


def test_lead_time_is_rounded_up_so_releases_are_never_late() -> None:
    """Demand 10 in month 4. Lead 45 days = 1.48 months → 2 buckets (rounding to the nearest
    month would say 1 and release a month late): released in month 2. 30 days → 1 bucket:
    month 3. 0 days: month 4."""
    items = _items(
        [
            {"item": "P45", "item_type": "finished_good", "lead_time_days": 45},
            {"item": "P30", "item_type": "finished_good", "lead_time_days": 30},
            {"item": "P0", "item_type": "finished_good", "lead_time_days": 0},
        ]
    )
    demand = pd.concat([_demand(i, [0, 0, 0, 10]) for i in ("P45", "P30", "P0")])
    mrp = run_mrp(
        plan_inputs(
            items,
            pd.DataFrame(columns=["parent", "component", "qty_per"]),
            demand,
            pd.DataFrame(columns=["item", "on_hand_qty"]),
            _none_orders(),
            horizon=4,
        )
    )
    assert_allclose(_col(mrp, "P45", "planned_release_qty"), [0, 10, 0, 0])
    assert_allclose(_col(mrp, "P30", "planned_release_qty"), [0, 0, 10, 0])
    assert_allclose(_col(mrp, "P0", "planned_release_qty"), [0, 0, 0, 10])
    assert set(mrp.loc[mrp["item"] == "P45", "lead_time_months"]) == {2}


def test_upside_holds_only_the_buffer_its_extra_demand_does_not_cover() -> None:
    """A: forecast 10, hi80 14 a month, safety stock 6; component C (1 per A, lead 0) with
    safety stock 5.

    base:   A needs 10 + 6 in month 1 → receipts 16, 10, 10, 10, stock 6 at every month end.
    upside: the 4 units above the forecast are a buffer already, so A keeps 6 − 4 = 2:
            receipts 14 + 2 = 16, then 14, 14, 14 (the full 6 on top would give 20, 14...).
    C: base gross = A's releases 16, 10, 10, 10; upside 16, 14, 14, 14; extra 0, 4, 4, 4 →
       upside safety stock 5, 1, 1, 1.
    With hi80 20 (6 above the forecast) A's upside safety stock is 0."""
    items = _items([{"item": "A", "item_type": "finished_good"}, {"item": "C"}])
    bom = pd.DataFrame({"parent": ["A"], "component": ["C"], "qty_per": [1.0]})
    forecast = pd.DataFrame({"item": "A", "month": MONTHS, "forecast_qty": 10.0, "hi80": 14.0})
    ss = pd.Series({"A": 6.0, "C": 5.0})
    mrp = run_mrp(
        plan_inputs(
            items,
            bom,
            forecast,
            pd.DataFrame(columns=["item", "on_hand_qty"]),
            _none_orders(),
            horizon=4,
            safety_stock=ss,
        ),
        ("base", "upside"),
    )
    base, upside = (mrp[mrp["scenario"] == s] for s in ("base", "upside"))
    assert_allclose(_col(base, "A", "planned_receipt_qty"), [16, 10, 10, 10])
    assert_allclose(_col(base, "A", "projected_on_hand"), [6, 6, 6, 6])
    assert_allclose(_col(upside, "A", "safety_stock"), [2, 2, 2, 2])
    assert_allclose(_col(upside, "A", "planned_receipt_qty"), [16, 14, 14, 14])
    assert_allclose(_col(upside, "C", "gross_qty"), [16, 14, 14, 14])
    assert_allclose(_col(upside, "C", "safety_stock"), [5, 1, 1, 1])
    assert_allclose(_col(base, "C", "safety_stock"), [5, 5, 5, 5])
    wide = forecast.assign(hi80=20.0)
    mrp = run_mrp(
        plan_inputs(
            items,
            bom,
            wide,
            pd.DataFrame(columns=["item", "on_hand_qty"]),
            _none_orders(),
            horizon=4,
            safety_stock=ss,
        ),
        ("upside",),
    )
    assert_allclose(_col(mrp, "A", "safety_stock"), [0, 0, 0, 0])


def test_phase_out_item_buys_only_what_its_remaining_demand_needs() -> None:
    """P is being phased out: demand 10, 10, 0, 0, stock 5, MOQ 100, multiple 50 and a safety
    stock of 20 handed in. It holds no safety stock and orders lot-for-lot: 10 − 5 = 5 in
    month 1 and 10 in month 2 (an active item would order 100 + ...), ending with no stock."""
    items = _items(
        [
            {"item": "P", "item_type": "finished_good", "moq": 100, "order_multiple": 50,
             "status": "phase_out"},
            {"item": "Q", "item_type": "finished_good", "moq": 100, "order_multiple": 50},
        ]
    )  # fmt: skip
    demand = pd.concat([_demand("P", [10, 10, 0, 0]), _demand("Q", [10, 10, 0, 0])])
    stock = pd.DataFrame({"item": ["P", "Q"], "on_hand_qty": [5.0, 5.0]})
    mrp = run_mrp(
        plan_inputs(
            items,
            pd.DataFrame(columns=["parent", "component", "qty_per"]),
            demand,
            stock,
            _none_orders(),
            horizon=4,
            safety_stock=pd.Series({"P": 20.0, "Q": 20.0}),
        )
    )
    assert_allclose(_col(mrp, "P", "planned_receipt_qty"), [5, 10, 0, 0])
    assert_allclose(_col(mrp, "P", "projected_on_hand"), [0, 0, 0, 0])
    assert_allclose(_col(mrp, "P", "safety_stock"), [0, 0, 0, 0])
    assert_allclose(_col(mrp, "Q", "planned_receipt_qty"), [100, 0, 0, 0])


def test_time_phased_safety_stock_is_netted_month_by_month() -> None:
    """A: demand 10 a month, safety stock 5, 5, 20, 5 by month (a season in month 3).
    month 1: 10 + 5 → receive 15, stock 5; month 2: 10 + 5 − 5 → 10, stock 5;
    month 3: 10 + 20 − 5 → 25, stock 20; month 4: 10 + 5 − 20 < 0 → nothing, stock 10."""
    items = _items([{"item": "A", "item_type": "finished_good"}])
    ss = pd.DataFrame({"item": "A", "month": MONTHS, "safety_stock": [5.0, 5.0, 20.0, 5.0]})
    mrp = run_mrp(
        plan_inputs(
            items,
            pd.DataFrame(columns=["parent", "component", "qty_per"]),
            _demand("A", [10] * 4),
            pd.DataFrame(columns=["item", "on_hand_qty"]),
            _none_orders(),
            horizon=4,
            safety_stock=ss,
        )
    )
    assert_allclose(_col(mrp, "A", "planned_receipt_qty"), [15, 10, 25, 0])
    assert_allclose(_col(mrp, "A", "projected_on_hand"), [5, 5, 20, 10])
    assert_allclose(_col(mrp, "A", "safety_stock"), [5, 5, 20, 5])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"plan_month": "2025-01-15"}, "first day of a month"),
        ({"horizon": 0}, "horizon"),
        ({"demand": _demand("NOPE", [1])}, "not in the item master"),
        ({"demand": _demand("A", [-1])}, "negative"),
        ({"bom": pd.DataFrame({"parent": ["A"], "component": ["A"], "qty_per": [1.0]})}, "cycle"),
        ({"safety_stock": pd.Series({"A": -1.0})}, "safety_stock"),
        ({"demand": pd.DataFrame({"item": ["A"]})}, "missing column"),
    ],
)
def test_bad_arguments_raise(change: dict, message: str) -> None:
    args = {
        "items": _items([{"item": "A", "item_type": "finished_good"}]),
        "bom": pd.DataFrame(columns=["parent", "component", "qty_per"]),
        "demand": _demand("A", [1]),
        "on_hand": pd.DataFrame(columns=["item", "on_hand_qty"]),
        "open_orders": _none_orders(),
        "plan_month": PLAN,
        "horizon": 4,
        "safety_stock": None,
    }
    args.update(change)
    with pytest.raises(ValueError, match=message):
        run_mrp(plan_inputs(**args))


def test_stock_balance_and_coverage_on_a_random_network() -> None:
    """Invariants on a seeded 3-level network with scrap, MOQs, expiring lots and late orders.

    Per item: POH_t = POH_{t-1} - expired_t + SR_t + receipt_t - gross_t (POH_0 = the lots);
    planned receipts cover net requirements; POH never negative; releases add up to receipts;
    gaps never exceed demand.
    """
    rng = np.random.default_rng(3)
    n_fg, n_sub, n_buy = 6, 4, 8
    names = [f"F{i}" for i in range(n_fg)] + [f"S{i}" for i in range(n_sub)]
    names += [f"P{i}" for i in range(n_buy)]
    items = _items(
        [
            {
                "item": name,
                "item_type": "finished_good" if name[0] == "F" else "component",
                "unit_price": 10.0,
                "lead_time_days": float(rng.choice([0, 30, 61, 91, 200])),
                "moq": float(rng.choice([0, 0, 20])),
                "order_multiple": float(rng.choice([0, 5])),
                "shelf_life_days": float(rng.choice([np.nan, np.nan, 70])),
            }
            for name in names
        ]
    )
    bom_rows = [(f"F{i}", f"S{rng.integers(n_sub)}") for i in range(n_fg)]
    bom_rows += [(f"F{i}", f"P{rng.integers(n_buy)}") for i in range(n_fg)]
    bom_rows += [(f"S{i}", f"P{rng.integers(n_buy)}") for i in range(n_sub)]
    bom = pd.DataFrame(bom_rows, columns=["parent", "component"])
    bom["qty_per"] = rng.choice([1.0, 2.0, 0.5], size=len(bom))
    bom["scrap_rate"] = rng.choice([0.0, 0.1], size=len(bom))
    demand = pd.concat([_demand(f"F{i}", list(rng.integers(0, 30, 4))) for i in range(n_fg)])
    lots = pd.DataFrame(
        {
            "item": names,
            "lot": "L1",
            "expiry_date": [pd.Timestamp("2025-04-05") if i % 3 else pd.NaT for i in range(18)],
            "on_hand_qty": rng.integers(0, 40, len(names)).astype(float),
        }
    )
    orders = pd.DataFrame(
        {
            "po": ["a", "b"],
            "item": ["P0", "S1"],
            "qty_open": [15.0, 7.0],
            "due_date": pd.to_datetime(["2024-11-30", "2025-03-03"]),
        }
    )
    ss = pd.Series(rng.integers(0, 5, len(names)).astype(float), index=names)
    mrp = run_mrp(plan_inputs(items, bom, demand, lots, orders, horizon=4, safety_stock=ss))
    for item, rows in mrp.sort_values("month").groupby("item"):
        start = lots.loc[lots["item"] == item, "on_hand_qty"].sum()
        flow = (
            rows["scheduled_receipts"]
            + rows["planned_receipt_qty"]
            - rows["gross_qty"]
            - rows["expired_qty"]
        )
        assert_allclose(rows["projected_on_hand"], start + flow.cumsum(), atol=1e-9)
        assert_allclose(rows["planned_release_qty"].sum(), rows["planned_receipt_qty"].sum())
    assert (mrp["planned_receipt_qty"] >= mrp["net_qty"] - 1e-9).all()
    assert (mrp["projected_on_hand"] >= -1e-9).all()
    gaps = find_supply_gaps(
        plan_inputs(items, bom, demand, lots, orders, horizon=4, safety_stock=ss)
    )
    assert (gaps["shortage_qty"] <= gaps["demand_qty"] + 1e-9).all()
    assert (gaps["available_qty"] >= -1e-9).all()
    assert set(gaps["limiting_item"]) <= set(names)


def test_planning_inputs_give_scenario_demand_and_net_prices() -> None:
    forecast = pd.DataFrame(
        {"item": ["A", "A", "B"], "month": MONTHS[:3], "forecast_qty": [1.0, 2.0, 3.0],
         "hi80": [2.0, 3.0, 4.0], "net_price": [9.0, 9.0, np.nan]}
    )  # fmt: skip
    inputs = plan_inputs(_items([{"item": "A"}]), None, forecast, None, None, horizon=4)
    assert inputs.demand("upside")["qty"].tolist() == [2.0, 3.0, 4.0]
    assert inputs.prices().dropna().to_dict() == {"A": 9.0}
    assert inputs.plan_month == PLAN
    with pytest.raises(ValueError, match="unknown scenario"):
        inputs.demand("downside")
    with pytest.raises(ValueError, match="late_po_delay_months"):
        plan_inputs(_items([]), None, forecast, None, None, late_po_delay_months=-1)


def test_open_orders_arrive_on_their_due_day_within_the_month() -> None:
    """Plan month Oct 2025: an order due 14 Nov arrives 13 of Nov's 30 days in; one due
    1 Dec at the start of Dec; one past due (20 Oct) is moved to Dec (delay 1) and counted
    from its start; one due in Dec 2026 is beyond a 12-month horizon."""
    from sop_pipeline.supply.network import open_order_arrivals

    orders = pd.DataFrame(
        {
            "item": ["A", "A", "B", "B"],
            "qty_open": [100.0, 50.0, 30.0, 10.0],
            "due_date": pd.to_datetime(["2025-11-14", "2025-12-01", "2025-10-20", "2026-12-05"]),
        }
    )
    out = open_order_arrivals(orders, pd.Index(["A", "B"]), pd.Timestamp("2025-10-01"), 12, 1)
    assert out.row.tolist() == [0, 0, 1]
    assert out.col.tolist() == [0, 1, 1]
    assert_allclose(out.fraction, [13 / 30, 0.0, 0.0])
    assert_allclose(out.qty, [100.0, 50.0, 30.0])
