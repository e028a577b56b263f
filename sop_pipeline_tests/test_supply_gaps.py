"""Supply gaps: what can be supplied in time, the revenue at risk and the limiting item.

Plan month January 2025, horizon 4: month 1..4 = February..May 2025.
"""

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from sop_pipeline.supply.gaps import find_supply_gaps
from sop_pipeline.supply.mrp import run_mrp
from sop_pipeline_tests.supply_inputs import plan_inputs

PLAN = pd.Timestamp("2025-01-01")
MONTH_DAYS = 365.25 / 12  # lead times given in whole months: they arrive at a month's start
MONTHS = pd.date_range("2025-02-01", periods=4, freq="MS")
NO_BOM = pd.DataFrame(columns=["parent", "component", "qty_per"])
NO_ORDERS = pd.DataFrame({"po": [], "item": [], "qty_open": [], "due_date": []})
NO_STOCK = pd.DataFrame(columns=["item", "on_hand_qty"])


def _items(rows: list[dict]) -> pd.DataFrame:
    base = {"item_type": "component", "unit_cost": 1.0, "lead_time_days": 0.0}
    return pd.DataFrame([{**base, **row} for row in rows])


def _demand(item: str, qty: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"item": item, "month": MONTHS[: len(qty)], "qty": qty})


def test_shared_component_with_long_lead_time_limits_both_products() -> None:
    """A (price 20) and B (price 30) both use C: 1 C per A, 2 C per B; A, B lead 0, no stock.

    Demand A 10 and B 5 every month → C is needed 10 + 2·5 = 20 a month. C has 15 in stock
    and a lead time of 91 days (3 months): whatever is ordered today arrives in month 4.
    month 1: C serves 15 of 20 → fill 0.75 (fair share) → A gets 7.5 C → 7.5 A (short 2.5);
             B gets 7.5 C → 3.75 B (short 1.25).
    months 2–3: no C at all → A short 10, B short 5.
    month 4: C's orders arrive (5 + 20 + 20 + 20 = 65), covering all backlog: no shortage.
    Revenue at risk: A 2.5·20 = 50, then 200, 200; B 1.25·30 = 37.5, then 150, 150.
    The limiting item is C in every month (A and B could be made in time, C cannot).
    """
    items = _items(
        [
            {"item": "A", "item_type": "finished_good", "unit_price": 20.0},
            {"item": "B", "item_type": "finished_good", "unit_price": 30.0},
            {"item": "C", "lead_time_days": 3 * MONTH_DAYS},
        ]
    )
    bom = pd.DataFrame({"parent": ["A", "B"], "component": ["C", "C"], "qty_per": [1.0, 2.0]})
    demand = pd.concat([_demand("A", [10] * 4), _demand("B", [5] * 4)])
    stock = pd.DataFrame({"item": ["C"], "on_hand_qty": [15.0]})
    gaps = find_supply_gaps(plan_inputs(items, bom, demand, stock, NO_ORDERS, horizon=4))
    a = gaps[gaps["item"] == "A"].sort_values("month")
    b = gaps[gaps["item"] == "B"].sort_values("month")
    assert a["month"].tolist() == list(MONTHS[:3])
    assert_allclose(a["shortage_qty"], [2.5, 10, 10])
    assert_allclose(a["available_qty"], [7.5, 0, 0])
    assert_allclose(a["revenue_at_risk"], [50, 200, 200])
    assert_allclose(b["shortage_qty"], [1.25, 5, 5])
    assert_allclose(b["revenue_at_risk"], [37.5, 150, 150])
    assert (gaps["limiting_item"] == "C").all()
    assert (gaps["binding_component"] == "C").all()
    assert_allclose(gaps["demand_qty"], gaps["available_qty"] + gaps["shortage_qty"])


def test_revenue_and_margin_at_risk_use_the_net_price() -> None:
    """The example above with A's realised net price 16 (list 20) and cost 1 (B keeps its list
    price 30: the forecast gives it no net price): A's revenue at risk 2.5 x 16 = 40, 160, 160
    and margin at risk 2.5 x (16 - 1) = 37.5, 150, 150; B's margin 1.25 x (30 - 1) = 36.25,
    then 145."""
    items = _items(
        [
            {"item": "A", "item_type": "finished_good", "unit_price": 20.0},
            {"item": "B", "item_type": "finished_good", "unit_price": 30.0},
            {"item": "C", "lead_time_days": 3 * MONTH_DAYS},
        ]
    )
    bom = pd.DataFrame({"parent": ["A", "B"], "component": ["C", "C"], "qty_per": [1.0, 2.0]})
    demand = pd.concat([_demand("A", [10] * 4), _demand("B", [5] * 4)])
    stock = pd.DataFrame({"item": ["C"], "on_hand_qty": [15.0]})
    gaps = find_supply_gaps(
        plan_inputs(items, bom, demand, stock, NO_ORDERS, horizon=4, prices=pd.Series({"A": 16.0}))
    )
    a = gaps[gaps["item"] == "A"].sort_values("month")
    b = gaps[gaps["item"] == "B"].sort_values("month")
    assert_allclose(a["revenue_at_risk"], [40, 160, 160])
    assert_allclose(a["margin_at_risk"], [37.5, 150, 150])
    assert_allclose(b["margin_at_risk"], [36.25, 145, 145])


def test_limiting_item_is_the_root_cause_two_levels_down() -> None:
    """The two-level example of test_supply_mrp: A ← B (2.5 per with scrap) ← C (3 per), A ← D.

    Lead times A 1, B 1, C 2 months, D 0. MRP releases: A 30, 30; B 80; C 140 (past due).
    Replay, deepest level first:
    C: stock 100, needs 240 in month 1 → serves 100; its 140 arrive in month 3 (1 + 2).
       Cumulative C served to B: 100, 100, 240, 240 → B may release 33.3, 33.3, 80, 80 (÷3).
    B: stock 50 + open order 20; releases 33.3 in month 1 (arrive month 2) and 46.7 in month
       3 (arrive month 4). Needs 75, 75 → serves 70 in month 1, 33.3 in month 2, 0 in month 3,
       46.7 in month 4 → A may release (cumulative, ÷2.5) 28, 41.3, 41.3, 60.
    D: purchased, lead 0, planned 50, 25: never short.
    A: planned cumulative releases 30, 60, 60, 60 → feasible 28, 41.3, 41.3, 60: 28 arrive in
       month 2, 13.3 in month 3. Stock 10.
       month 1: 10 of 20 (short 10; nothing can arrive before month 2: A itself limits).
       month 2: 28 in, 20 served, 8 left. month 3: 8 + 13.3 = 21.3 of 30 (short 8.67).
       The month-3 shortage comes from A's release in month 2, bound by B, which in month 2
       is short because of C: limiting item C, binding component B.
    B's open order issued its components when released, as in test_supply_mrp.
    """
    items = _items(
        [
            {
                "item": "A",
                "item_type": "finished_good",
                "lead_time_days": MONTH_DAYS,
                "unit_price": 25.0,
            },
            {"item": "B", "lead_time_days": MONTH_DAYS, "moq": 40, "order_multiple": 10},
            {"item": "C", "lead_time_days": 2 * MONTH_DAYS},
            {"item": "D", "order_multiple": 25},
        ]
    )
    bom = pd.DataFrame(
        {
            "parent": ["A", "B", "A"],
            "component": ["B", "C", "D"],
            "qty_per": [2.0, 3.0, 1.0],
            "scrap_rate": [0.2, 0.0, 0.0],
        }
    )
    stock = pd.DataFrame({"item": ["A", "B", "C"], "on_hand_qty": [10.0, 50.0, 100.0]})
    orders = pd.DataFrame(
        {"po": ["P1"], "item": ["B"], "qty_open": [20.0], "due_date": [pd.Timestamp("2025-02-15")]}
    )
    gaps = find_supply_gaps(
        plan_inputs(
            items,
            bom,
            _demand("A", [20, 20, 30, 0]),
            stock,
            orders,
            horizon=4,
            safety_stock=pd.Series({"D": 5.0}),
            open_production_components="issued",
        )
    )
    assert gaps["month"].tolist() == [MONTHS[0], MONTHS[2]]
    assert_allclose(gaps["shortage_qty"], [10, 30 - 8 - 40 / 3])
    assert_allclose(gaps["revenue_at_risk"], gaps["shortage_qty"] * 25)
    assert gaps["limiting_item"].tolist() == ["A", "C"]
    assert gaps["binding_component"].tolist() == [None, "B"]


def test_purchased_item_with_lead_time_beyond_horizon() -> None:
    """L: lead 200 days (7 months), stock 8, demand 5 a month: nothing new arrives in time.

    month 1: 5 served (3 left); month 2: 3 of 5 (short 2); months 3–4: short 5. Price 4.
    """
    items = _items(
        [{"item": "L", "item_type": "finished_good", "lead_time_days": 200, "unit_price": 4.0}]
    )
    gaps = find_supply_gaps(
        plan_inputs(
            items,
            NO_BOM,
            _demand("L", [5] * 4),
            pd.DataFrame({"item": ["L"], "on_hand_qty": [8.0]}),
            NO_ORDERS,
            horizon=4,
        )
    )
    assert_allclose(gaps["shortage_qty"], [2, 5, 5])
    assert_allclose(gaps["revenue_at_risk"], [8, 20, 20])
    assert (gaps["limiting_item"] == "L").all()


def test_no_gap_when_supply_is_in_time() -> None:
    """Lead times within reach and open orders on time: no rows; and the MRP's projected
    on-hand never goes below zero."""
    items = _items(
        [
            {
                "item": "A",
                "item_type": "finished_good",
                "lead_time_days": MONTH_DAYS,
                "unit_price": 9.0,
            },
            {"item": "C", "lead_time_days": MONTH_DAYS},
        ]
    )
    bom = pd.DataFrame({"parent": ["A"], "component": ["C"], "qty_per": [2.0]})
    stock = pd.DataFrame({"item": ["A", "C"], "on_hand_qty": [10.0, 20.0]})
    demand = _demand("A", [10, 10, 10, 10])
    gaps = find_supply_gaps(plan_inputs(items, bom, demand, stock, NO_ORDERS, horizon=4))
    mrp = run_mrp(plan_inputs(items, bom, demand, stock, NO_ORDERS, horizon=4))
    assert gaps.empty
    assert list(gaps.columns)[:7] == [
        "item",
        "month",
        "demand_qty",
        "available_qty",
        "shortage_qty",
        "revenue_at_risk",
        "limiting_item",
    ]
    assert (mrp["projected_on_hand"] >= 0).all()
    assert not mrp["release_past_due"].any()


def test_expired_lot_does_not_supply() -> None:
    """E: 30 in stock that expires 15 March (usable in February only), lead 60 days (2 months),
    demand 10 a month. month 1 served from the lot; month 2 the 20 left have expired and new
    supply arrives only in month 3: short 10 in month 2, limited by E itself."""
    items = _items([{"item": "E", "item_type": "finished_good", "lead_time_days": 2 * MONTH_DAYS}])
    lots = pd.DataFrame(
        {"item": ["E"], "expiry_date": [pd.Timestamp("2025-03-15")], "on_hand_qty": [30.0]}
    )
    gaps = find_supply_gaps(
        plan_inputs(items, NO_BOM, _demand("E", [10] * 4), lots, NO_ORDERS, horizon=4)
    )
    assert gaps["month"].tolist() == [MONTHS[1]]
    assert_allclose(gaps["shortage_qty"], [10])
    assert np.isnan(gaps["revenue_at_risk"]).all()  # no unit_price: revenue unknown
    assert gaps["limiting_item"].tolist() == ["E"]


def test_supply_arriving_inside_a_month_serves_the_rest_of_it() -> None:
    """Q: no stock, demand 30 a month, lead 10 days (0.3285 months). The MRP offsets by whole
    months (1, rounded up), so month 1's order is past due; released at the close it arrives
    10 days into month 1 and serves the 1 - 0.3285 = 67.15 % of month 1's demand that falls
    after it: 20.14 served, 9.86 short (at 5: 49.28 revenue at risk), Q itself limiting. From
    month 2 on the orders arrive in time."""
    items = _items(
        [{"item": "Q", "item_type": "finished_good", "lead_time_days": 10, "unit_price": 5.0}]
    )
    gaps = find_supply_gaps(
        plan_inputs(items, NO_BOM, _demand("Q", [30] * 4), NO_STOCK, NO_ORDERS, horizon=4)
    )
    share = 1 - 10 / MONTH_DAYS
    assert gaps["month"].tolist() == [MONTHS[0]]
    assert_allclose(gaps["available_qty"], [30 * share])
    assert_allclose(gaps["shortage_qty"], [30 * (1 - share)])
    assert_allclose(gaps["shortage_qty"], [9.856], atol=1e-3)
    assert_allclose(gaps["revenue_at_risk"], [5 * 30 * (1 - share)])
    assert gaps["limiting_item"].tolist() == ["Q"]


def test_a_past_due_order_held_up_by_a_component_names_the_component() -> None:
    """A (lead 10 days, no stock, demand 30 a month) needs one C; C has 10 in stock and a lead
    time of exactly 3 months. A's past-due order of month 1 can only be made for the 10 C
    there are: it arrives 10 days into month 1 and serves 10 (short 20); A's later orders wait
    for C, which arrives only in month 4, so A is short 30 in months 2-4. Every shortage is
    limited by C, the component binding A's month-1 release."""
    items = _items(
        [
            {"item": "A", "item_type": "finished_good", "lead_time_days": 10, "unit_price": 2.0},
            {"item": "C", "lead_time_days": 3 * MONTH_DAYS},
        ]
    )
    bom = pd.DataFrame({"parent": ["A"], "component": ["C"], "qty_per": [1.0]})
    stock = pd.DataFrame({"item": ["C"], "on_hand_qty": [10.0]})
    gaps = find_supply_gaps(
        plan_inputs(items, bom, _demand("A", [30] * 4), stock, NO_ORDERS, horizon=4)
    )
    assert_allclose(gaps["shortage_qty"], [20, 30, 30, 30])
    assert set(gaps["limiting_item"]) == {"C"} and set(gaps["binding_component"]) == {"C"}


def test_an_open_order_serves_the_month_only_after_its_due_day() -> None:
    """T: no stock, demand 30 a month, lead 2 months (nothing ordered now arrives before
    April). Its open order of 60 is due 16 Feb, 15 of February's 28 days gone: it serves the
    13/28 of February's demand after it, 13.93, and February is short 16.07 (the constrained
    plan's rule); March is served from the rest. With 10 more due 1 Feb (at the month's
    start), February serves 10 + 13.93 = 23.93 and is short 6.07."""
    items = _items([{"item": "T", "item_type": "finished_good", "lead_time_days": 2 * MONTH_DAYS}])
    order = {"po": "PO-1", "item": "T", "qty_open": 60.0, "due_date": pd.Timestamp("2025-02-16")}
    gaps = find_supply_gaps(
        plan_inputs(items, NO_BOM, _demand("T", [30] * 4), NO_STOCK, pd.DataFrame([order]),
                    horizon=4)
    )  # fmt: skip
    after = 13 / 28 * 30
    assert gaps["month"].tolist() == [MONTHS[0]]
    assert_allclose(gaps["available_qty"], [after])
    assert_allclose(gaps["shortage_qty"], [30 - after])
    assert_allclose(gaps["shortage_qty"], [16.07], atol=0.005)
    assert gaps["limiting_item"].tolist() == ["T"]
    early = {"po": "PO-2", "item": "T", "qty_open": 10.0, "due_date": pd.Timestamp("2025-02-01")}
    gaps = find_supply_gaps(
        plan_inputs(items, NO_BOM, _demand("T", [30] * 4), NO_STOCK,
                    pd.DataFrame([order, early]), horizon=4)
    )  # fmt: skip
    assert gaps["month"].tolist() == [MONTHS[0]]
    assert_allclose(gaps["available_qty"], [10 + after])
    assert_allclose(gaps["shortage_qty"], [6.07], atol=0.005)
