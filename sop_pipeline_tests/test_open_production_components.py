"""Open production orders and their components: where the stock count still holds them (tools
that consume components when an order is received), the order draws them in the month it
arrives, and no other production may count on them (``supply.open_production_components``).

Worked by hand; each test also runs the other practice (``issued``), where the same stock is
free for new production, to show the difference is the one the setting makes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.balance.invariants import plan_balance_breaks
from sop_pipeline.balance.problem import PlanProblem
from sop_pipeline.balance.tables import plan_frame
from sop_pipeline.settings import Settings
from sop_pipeline.supply.gaps import find_supply_gaps
from sop_pipeline.supply.inputs import PlanningInputs
from sop_pipeline.supply.invariants import bom_consistency_breaks
from sop_pipeline.supply.mrp import run_mrp
from sop_pipeline.supply.network import OpenArrivals, committed_components
from sop_pipeline_tests.supply_inputs import plan_inputs
from sop_pipeline_tests.test_balance_model import TOY, row, solved, toy_problem

MONTHS = pd.date_range("2025-02-01", periods=3, freq="MS")


def test_committed_components_explode_each_open_order_in_its_arrival_month() -> None:
    """P (items 0) uses 2 C1 and 0.5 C2 with 20 % scrap (0.625) a unit; Q (item 3) uses 1 C1.
    Open orders: P 10 in month 0 and 4 in month 1, Q 3 in month 1, and 100 of C1 itself
    (bought: it draws nothing). C1: 20 in month 0, 8 + 3 = 11 in month 1; C2: 6.25, 2.5."""
    arrivals = OpenArrivals(
        row=np.array([0, 0, 3, 1]),
        col=np.array([0, 1, 1, 0]),
        fraction=np.zeros(4),
        qty=np.array([10.0, 4.0, 3.0, 100.0]),
    )
    out = committed_components(
        arrivals,
        edge_parent=np.array([0, 0, 3]),
        edge_comp=np.array([1, 2, 1]),
        edge_factor=np.array([2.0, 0.625, 1.0]),
        n_items=4,
        horizon=3,
    )
    assert_allclose(out, [[0, 0, 0], [20, 11, 0], [6.25, 2.5, 0], [0, 0, 0]])
    nothing = OpenArrivals(*(np.zeros(0, dtype=t) for t in (np.int64, np.int64, float, float)))
    assert not committed_components(nothing, np.array([0]), np.array([1]), np.ones(1), 2, 3).any()


def _company(practice: str, c_lead_days: float = 30.0) -> PlanningInputs:
    """FG (made in 0 days, 1 C a unit) sells 10 a month from February; an open production
    order of 10 FG is due 1 February; the count holds 6 C and no FG. C is bought in
    ``c_lead_days`` (30: one month)."""
    items = pd.DataFrame(
        [
            {"item": "FG", "item_type": "finished_good", "unit_cost": 60.0, "unit_price": 100.0,
             "lead_time_days": 0.0},
            {"item": "C", "item_type": "component", "unit_cost": 20.0,
             "lead_time_days": c_lead_days},
        ]
    )  # fmt: skip
    return plan_inputs(
        items,
        pd.DataFrame({"parent": ["FG"], "component": ["C"], "qty_per": [1.0]}),
        pd.DataFrame({"item": "FG", "month": MONTHS, "qty": [10.0, 10.0, 10.0]}),
        pd.DataFrame({"item": ["C"], "on_hand_qty": [6.0]}),
        pd.DataFrame(
            {
                "po": ["MO-1"],
                "item": ["FG"],
                "qty_open": [10.0],
                "due_date": pd.to_datetime(["2025-02-01"]),
            }
        ),  # fmt: skip
        horizon=3,
        open_production_components=practice,
    )


def _col(frame: pd.DataFrame, item: str, column: str) -> np.ndarray:
    return frame.loc[frame["item"] == item].sort_values("month")[column].to_numpy()


def test_the_mrp_nets_the_components_an_open_order_draws_when_received() -> None:
    """at_receipt: the order received in February draws 10 C; C's gross is 10 (the order),
    10 (March's FG released in March, lead 0) and 10 (April's); the 6 in stock leave 4 to buy
    for February (past due: ordered at the close) and 10 a month after. issued: the 6 C are
    free; FG's 10 in February come from the order, March needs 10 C: 4 net."""
    mrp = run_mrp(_company("at_receipt"))
    assert_allclose(_col(mrp, "C", "open_order_draw_qty"), [10, 0, 0])
    assert_allclose(_col(mrp, "C", "gross_qty"), [10, 10, 10])
    assert_allclose(_col(mrp, "C", "planned_receipt_qty"), [4, 10, 10])
    issued = run_mrp(_company("issued"))
    assert_allclose(_col(issued, "C", "open_order_draw_qty"), [0, 0, 0])
    assert_allclose(_col(issued, "C", "gross_qty"), [0, 10, 10])
    assert_allclose(_col(issued, "C", "planned_receipt_qty"), [0, 4, 10])
    # the BOM check takes the open orders' draws into account, and only with at_receipt
    bom = pd.DataFrame({"parent": ["FG"], "component": ["C"], "qty_per": [1.0]})
    independent = pd.DataFrame(
        {"scenario": "base", "item": "FG", "month": MONTHS, "qty": [10.0, 10.0, 10.0]}
    )
    assert bom_consistency_breaks(mrp, bom, independent, open_orders_draw=True).empty
    assert len(bom_consistency_breaks(mrp, bom, independent)) == 1
    assert bom_consistency_breaks(issued, bom, independent).empty


def test_the_gaps_count_the_components_committed_to_open_orders() -> None:
    """C takes 60 days (1.971 months): what is ordered at the close arrives in March with
    0.971 of it gone, serving 0.029 of March's needs. FG's February comes from the open order;
    March's 10 are made in March. at_receipt: the order took the 6 C in February, so March
    has only the late C for 0.029 x 10 = 0.29 units: 9.71 short, limited by C. issued: the 6
    C are still there in March: 10 - (6 + 0.29) = 3.71 short - 6 units (the count's C) apart."""
    served = 1.0 - (60.0 / 30.4375 - 1.0)
    gaps = find_supply_gaps(_company("at_receipt", c_lead_days=60.0))
    (march,) = gaps.itertuples()
    assert (march.item, march.month, march.limiting_item) == ("FG", MONTHS[1], "C")
    assert march.shortage_qty == pytest.approx(10.0 - 10.0 * served)
    issued = find_supply_gaps(_company("issued", c_lead_days=60.0))
    (march_issued,) = issued.itertuples()
    assert march_issued.shortage_qty == pytest.approx(10.0 - 6.0 - 10.0 * served)


def _made_from_c(c_on_hand: float) -> PlanProblem:
    """Two months: FG (price 100, cost 60) sells 10 a month, made in 0 days from one C a unit;
    C (cost 20) takes 100 days to buy; ``c_on_hand`` C in the count."""
    return toy_problem(
        {"FG": [10, 10], "C": [0, 0]},
        price={"FG": 100.0},
        cost={"FG": 60.0, "C": 20.0},
        produced=("FG",),
        lead_days={"C": 100.0},
        initial={"C": c_on_hand},
        bom=[("FG", "C", 1.0)],
    )


def test_an_open_order_short_of_its_components_completes_only_what_they_allow() -> None:
    """The constrained plan, two months: FG (margin 40) sells 10 a month; an open production
    order of 10 FG arrives on 1 January and draws 10 C; the count holds 6 C; C's lead time
    (100 days) and no expedite in time leave no other C. at_receipt: the order
    completes 6 (4 unfinished), the plan sells 6 in January and nothing in February (16 lost
    of 20). issued: the order's 10 arrive and the 6 C make February's 6: 16 sold, 4 lost - the
    same 6 C counted twice."""
    problem = _made_from_c(6.0)
    scheduled = np.zeros_like(problem.demand)
    scheduled[0, 0] = 10.0
    issued = replace(problem, scheduled=scheduled)
    committed = np.zeros_like(problem.demand)
    committed[1, 0] = 10.0
    at_receipt = replace(issued, committed=committed)
    settings = replace(TOY, expedite_lead_time_days=200.0)

    model, _, plan = solved(at_receipt, settings)
    assert (model.columns["u"] >= 0).sum() == 1  # FG's open order in January
    assert_allclose(row(at_receipt, plan.unfinished, "FG"), [4, 0], atol=1e-6)
    assert_allclose(row(at_receipt, plan.scheduled, "FG"), [6, 0], atol=1e-6)
    assert_allclose(row(at_receipt, plan.sales, "FG"), [6, 0], atol=1e-6)
    assert_allclose(row(at_receipt, plan.consumption, "C"), [6, 0], atol=1e-6)
    assert_allclose(row(at_receipt, plan.inventory, "C"), [0, 0], atol=1e-6)
    frame = plan_frame(at_receipt, plan, "base")
    assert plan_balance_breaks(frame).empty  # from month 1 on; month 0 by hand:
    assert_allclose(_col(frame, "FG", "scheduled_receipts"), [6, 0], atol=1e-6)
    january = frame[frame["month"] == frame["month"].min()].set_index("item")
    opening = pd.Series({"FG": 0.0, "C": 6.0})
    flow = (
        opening
        + january["receipt_qty"]
        + january["scheduled_receipts"]
        + january["expedited_qty"]
        - january["sales_qty"]
        - january["consumption_qty"]
    )
    assert_allclose(flow.to_numpy(), january["inventory_qty"].to_numpy(), atol=1e-6)

    model, _, plan = solved(issued, settings)
    assert (model.columns["u"] >= 0).sum() == 0
    assert_allclose(row(issued, plan.sales, "FG"), [10, 6], atol=1e-6)
    assert_allclose(row(issued, plan.consumption, "C"), [0, 6], atol=1e-6)


def test_an_open_order_whose_components_are_in_stock_completes_in_full() -> None:
    """The same with 10 C in the count: the order completes (its unfinished units cost ten
    times FG's price), January sells 10, nothing is left for February."""
    problem = _made_from_c(10.0)
    scheduled, committed = np.zeros_like(problem.demand), np.zeros_like(problem.demand)
    scheduled[0, 0], committed[1, 0] = 10.0, 10.0
    full = replace(problem, scheduled=scheduled, committed=committed)
    _, _, plan = solved(full, replace(TOY, expedite_lead_time_days=200.0))
    assert_allclose(row(full, plan.unfinished, "FG"), [0, 0], atol=1e-6)
    assert_allclose(row(full, plan.sales, "FG"), [10, 0], atol=1e-6)


def test_a_netted_component_is_bought_only_for_what_the_open_order_completes() -> None:
    """FG's open order of 10 draws 10 C1 and 10 C2 in January; the count holds 6 C1 (nothing
    more can come) and no C2, which is bought in 0 days and planned outside the LP (netted).
    The order completes 6: C2 is bought for those 6, not for the 10 - its stock balances."""
    problem = toy_problem(
        {"FG": [10, 10], "C1": [0, 0], "C2": [0, 0]},
        price={"FG": 100.0},
        cost={"FG": 60.0, "C1": 20.0, "C2": 5.0},
        produced=("FG",),
        lead_days={"C1": 100.0, "C2": 0.0},
        initial={"C1": 6.0},
        bom=[("FG", "C1", 1.0), ("FG", "C2", 1.0)],
    )
    scheduled, committed = np.zeros_like(problem.demand), np.zeros_like(problem.demand)
    scheduled[0, 0] = 10.0
    committed[1:, 0] = 10.0
    netted = replace(problem, scheduled=scheduled, committed=committed)
    settings = replace(TOY, expedite_lead_time_days=200.0, net_purchased=True)
    model, _, plan = solved(netted, settings)
    assert model.netting is not None
    assert_allclose(row(netted, plan.unfinished, "FG"), [4, 0], atol=1e-6)
    assert_allclose(row(netted, plan.receipts, "C2")[0], 6.0, atol=1e-6)
    assert_allclose(row(netted, plan.consumption, "C2")[0], 6.0, atol=1e-6)
    assert_allclose(row(netted, plan.inventory, "C2")[0], 0.0, atol=1e-6)


def test_the_setting_defaults_to_consuming_at_receipt_and_rejects_other_words() -> None:
    assert Settings().supply.open_production_components == "at_receipt"
    with pytest.raises(ValueError, match="open_production_components"):
        Settings(supply={"open_production_components": "backflush"})
    with pytest.raises(ValueError, match="open_production_components"):
        _company("backflush")
