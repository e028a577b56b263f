"""Decisions close the loop (``sop_pipeline.decisions``), on hand-sized inputs: the rules a
decision must meet, how the next plan applies its levers, the plan that holds them, and the
score against plan to base replayed on the actual demand. Every number is worked by hand in
the test's docstring."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sop_pipeline.balance.plan import PlanSettings, solve_scenario
from sop_pipeline.decisions.apply import applied_levers, applied_to_inputs, cash_path_mode
from sop_pipeline.decisions.outcomes import replay, score_decisions
from sop_pipeline.decisions.records import (
    DecisionError,
    Meeting,
    check_decisions,
    meeting_date,
    with_decision,
)
from sop_pipeline.supply.inputs import PlanningInputs
from sop_pipeline_tests.test_balance_model import TOY, peak_problem, row

OCT, NOV, DEC = (pd.Timestamp(f"2025-{m:02d}-01") for m in (10, 11, 12))


# --- recording: the rules a decision must meet ----------------------------------------------


def _meeting() -> Meeting:
    options = pd.DataFrame(
        {
            "issue": ["component:C1"] * 3 + ["resource:LINE"] * 2,
            "category": ["component"] * 3 + ["resource"] * 2,
            "item": ["C1"] * 3 + ["LINE"] * 2,
            "option": ["plan_to_base", "expedite", "spread_deliveries", "plan_to_base", "prebuild"],
            "is_feasible": [True, True, False, True, True],
            "note": ["", "", "no sales are lost without the levers: nothing to spread", "", ""],
            "decision": ["Plan without", "Expedite 500 of C1 now", "", "Plan without", "Build"],
            "first_month": [NOV] * 5,
            "last_month": [DEC] * 5,
            "margin_vs_base": [0.0, 1200.0, 0.0, 0.0, 300.0],
            "extra_inventory_cash_peak": [0.0, 250.0, 0.0, 0.0, 900.0],
        }
    )
    return Meeting(
        OCT.date(), options, {1: "component:C1", 2: "resource:LINE"}, dt.date(2025, 11, 15)
    )


def _file(*rows: tuple[str, ...]) -> pd.DataFrame:
    columns = ["issue", "option", "owner", "due_date", "note", "status"]
    return pd.DataFrame(
        [dict(zip(columns, r, strict=False)) for r in rows], columns=columns
    ).fillna("")


def test_the_meeting_is_the_month_end_plus_the_grace_days() -> None:
    assert meeting_date(dt.date(2025, 10, 1), 15) == dt.date(2025, 11, 15)
    assert meeting_date(dt.date(2025, 12, 1), 0) == dt.date(2025, 12, 31)


def test_a_decision_by_rank_gets_its_id_action_and_default_due_date() -> None:
    """Rank 1 is component:C1; no due date: 30 days after the meeting (15 Nov) = 15 Dec."""
    records = check_decisions(_file(("1", "expedite", "Procurement")), _meeting(), "f.csv", 30)
    record = records.iloc[0]
    assert record["decision_id"] == "2025-10:component:C1"
    assert record["action_id"] == "D-2025-10-component:C1"
    assert record["due_date"] == dt.date(2025, 12, 15)
    assert record["status"] == "open"
    assert record["decision"] == "Expedite 500 of C1 now"
    assert record["expected_margin_vs_base"] == 1200.0


@pytest.mark.parametrize(
    ("rows", "check", "words"),
    [
        ((("component:C9", "expedite", "P"),), "issue_known", "component:C9' is not an issue"),
        ((("1", "overtime", "P"),), "option_listed", "option 'overtime' is not listed"),
        ((("1", "spread_deliveries", "P"),), "option_feasible", "nothing to spread"),
        ((("1", "expedite", ""),), "required_values", "owner empty"),
        ((("1", "expedite", "P", "2025-11-01"),), "due_date_valid", "before the meeting"),
        ((("1", "expedite", "P", "next week"),), "due_date_valid", "is not YYYY-MM-DD"),
        ((("1", "expedite", "P", "", "", "closed"),), "status_allowed", "not open or done"),
        (
            (("1", "expedite", "P"), ("component:C1", "plan_to_base", "Q")),
            "one_decision_per_issue",
            "row 3: component:C1 is also decided on row 2",
        ),
    ],
)
def test_a_bad_decision_is_refused_naming_file_rule_and_row(rows, check, words) -> None:
    with pytest.raises(DecisionError) as refused:
        check_decisions(_file(*rows), _meeting(), "data/2025-10/decisions.csv", 30)
    message = str(refused.value)
    assert message.startswith("data/2025-10/decisions.csv: the decisions are refused")
    assert f"check '{check}'" in message and words in message


def test_a_second_decision_on_the_same_issue_is_refused_before_anything_is_written() -> None:
    rows = _file(("component:C1", "expedite", "P"))
    with pytest.raises(DecisionError, match="already decided component:C1: expedite"):
        with_decision(rows, {"issue": "1", "option": "plan_to_base", "owner": "Q"}, _meeting())
    added = with_decision(rows, {"issue": "2", "option": "prebuild", "owner": "Q"}, _meeting())
    assert added["issue"].tolist() == ["component:C1", "resource:LINE"]


# --- applying: what the next plan does with the levers -----------------------------------------


def _decisions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "decided_month": [pd.Timestamp("2025-09-01"), OCT, OCT, OCT],
            "decision_id": [
                "2025-09:component:C1",
                "2025-10:component:C1",
                "2025-10:resource:LINE",
                "2025-10:resource:PACK",
            ],
            "issue": ["component:C1", "component:C1", "resource:LINE", "resource:PACK"],
            "option": ["plan_to_base", "expedite", "prebuild", "overtime"],
            "owner": ["P", "P", "Ops", "Ops"],
        }
    )


def _levers() -> pd.DataFrame:
    rows = [
        (pd.Timestamp("2025-09-01"), "component:C1", "plan_to_base", "accept_risk", None, None,
         None, 700.0),
        (OCT, "component:C1", "expedite", "expedite", "C1", None, DEC, 500.0),
        (OCT, "resource:LINE", "prebuild", "production", "FG1", None, NOV, 100.0),
        (OCT, "resource:LINE", "prebuild", "production", "FG1", None, DEC, 80.0),
        (OCT, "resource:PACK", "overtime", "overtime", None, "PACK", DEC, 6.0),
    ]  # fmt: skip
    columns = ["decided_month", "issue", "option", "lever", "item", "resource", "month", "qty"]
    return pd.DataFrame(rows, columns=columns).assign(to_month=pd.NaT)


def _applied(real_po_qty: float) -> pd.DataFrame:
    items = pd.DataFrame({"item": ["FG1", "C1"], "status": ["active", "active"]})
    orders = pd.DataFrame(
        {
            "decided_month": [OCT],
            "po": ["PO-9"],
            "item": ["C1"],
            "qty_open": [real_po_qty],
            "due_date": [pd.Timestamp("2025-12-05")],
        }
    )
    return applied_levers(_decisions(), _levers(), NOV.date(), items, pd.Index(["LINE"]), orders)


def test_levers_are_applied_passed_superseded_or_not_applicable_by_hand() -> None:
    """Planning Nov 2025: the Sep plan-to-base on C1 is superseded by Oct's expedite; the
    pre-build's Nov 2025 production has closed (passed), its Dec production is made firm (80);
    the expedite of 500 due Dec has a real order PO-9 of 300 opened since (due 5 Dec): a firm
    order of 500 - 300 = 200; PACK is no longer a resource: its overtime is not applied."""
    applied = _applied(300.0)

    def status(decision: str, month: pd.Timestamp | None = None) -> list[str]:
        mine = applied[applied["decision_id"] == decision]
        if month is not None:
            mine = mine[pd.to_datetime(mine["month"]) == month]
        return mine["status"].tolist()

    assert status("2025-09:component:C1") == ["superseded"]
    assert status("2025-10:resource:LINE", NOV) == ["passed"]
    assert status("2025-10:resource:LINE", DEC) == ["applied"]
    assert status("2025-10:resource:PACK") == ["not_applicable"]
    expedite = applied[applied["lever"] == "expedite"].iloc[0]
    assert expedite["status"] == "applied" and expedite["applied_qty"] == pytest.approx(200.0)
    assert "300 already on purchase order PO-9" in expedite["note"]


def test_an_expedite_followed_by_its_real_purchase_order_counts_the_supply_once() -> None:
    """The real order (600) covers the expedite (500): nothing firm is added, and the inputs'
    open orders hold C1 once (PO-9's own row, 600)."""
    applied = _applied(600.0)
    expedite = applied[applied["lever"] == "expedite"].iloc[0]
    assert expedite["status"] == "replaced_by_po" and expedite["applied_qty"] == 0.0
    inputs = _inputs(pd.DataFrame({"po": ["PO-9"], "item": ["C1"], "qty_open": [600.0],
                                   "due_date": ["2025-12-05"]}))  # fmt: skip
    planned = applied_to_inputs(inputs, applied)
    c1 = planned.open_orders[planned.open_orders["item"] == "C1"]
    assert c1["qty_open"].sum() == pytest.approx(600.0)


def test_a_decided_prebuild_followed_by_its_production_order_counts_once() -> None:
    """A production order MO-7 for 50 FG1 due 12 Dec, opened since the meeting, carries out
    part of the decided 80 in Dec: 30 stay firm. An order due in Jan does not count."""
    items = pd.DataFrame({"item": ["FG1", "C1"], "status": ["active", "active"]})
    orders = pd.DataFrame(
        {
            "decided_month": [OCT, OCT],
            "po": ["MO-7", "MO-8"],
            "item": ["FG1", "FG1"],
            "qty_open": [50.0, 40.0],
            "due_date": [pd.Timestamp("2025-12-12"), pd.Timestamp("2026-01-05")],
        }
    )
    applied = applied_levers(_decisions(), _levers(), NOV.date(), items, pd.Index([]), orders)
    dec = applied[(applied["lever"] == "production") & (applied["month"] == DEC)].iloc[0]
    assert dec["status"] == "applied" and dec["applied_qty"] == pytest.approx(30.0)
    assert "50 already on production order MO-7" in dec["note"]


def _inputs(open_orders: pd.DataFrame) -> PlanningInputs:
    months = pd.date_range("2025-12-01", periods=3, freq="MS")
    forecast = pd.DataFrame(
        {
            "item": ["FG1"] * 3,
            "month": months,
            "forecast_qty": [100.0, 50.0, 60.0],
            "lo80": [80.0, 40.0, 50.0],
            "hi80": [120.0, 60.0, 70.0],
        }
    )
    return PlanningInputs(
        plan_month=NOV,
        items=pd.DataFrame({"item": ["FG1", "C1"]}),
        bom=pd.DataFrame(columns=["parent", "component", "qty_per"]),
        forecast=forecast,
        on_hand=pd.DataFrame({"item": [], "on_hand_qty": []}),
        open_orders=open_orders,
        horizon=3,
    )


def test_applied_levers_become_firm_orders_production_and_moved_demand() -> None:
    """The firm order of 200 C1 joins the open orders due Dec; the pre-build's 80 FG1 in Dec is
    firm production; a shift of 30 FG1 from Dec to Jan takes 30 off Dec's forecast and its
    interval (100 -> 70, 80 -> 50, 120 -> 90) and adds them to Jan's (50 -> 80 ...)."""
    applied = _applied(300.0)
    shift = applied.iloc[[0]].assign(
        lever="demand_shift",
        item="FG1",
        month=pd.Timestamp("2025-12-01"),
        to_month=pd.Timestamp("2026-01-01"),
        qty=30.0,
        applied_qty=30.0,
        status="applied",
        decision_id="2025-10:resource:X",
    )
    inputs = _inputs(pd.DataFrame(columns=["po", "item", "qty_open", "due_date"]))
    planned = applied_to_inputs(inputs, pd.concat([applied.astype(object), shift.astype(object)]))
    firm = planned.open_orders[planned.open_orders["po"].str.startswith("decision")]
    assert firm["item"].tolist() == ["C1"] and firm["qty_open"].tolist() == [200.0]
    assert pd.Timestamp(firm["due_date"].iloc[0]) == DEC
    assert planned.firm_production[["item", "qty"]].values.tolist() == [["FG1", 80.0]]
    assert planned.firm_overtime.empty  # PACK's overtime was not applicable
    assert planned.forecast["forecast_qty"].tolist() == [70.0, 80.0, 60.0]
    assert planned.forecast["lo80"].tolist() == [50.0, 70.0, 50.0]
    assert planned.forecast["hi80"].tolist() == [90.0, 90.0, 70.0]
    assert cash_path_mode(applied) is None


# --- the plan that holds them ------------------------------------------------------------------


def test_a_decided_prebuild_is_made_and_the_peak_takes_less_overtime() -> None:
    """peak_problem(0.4): A (1 h, margin 50) and B (2 h, margin 20) on R (100 h + 100 h
    overtime at 0.4); load [40, 60, 160]. Alone the plan works 60 h of overtime in month 2.
    With 30 B made firm in month 1 (B's demand there is 10): B released [10, 30, 30], 20 B held
    a month (holding 20), month 1 at 40 + 60 = 100 h, month 2 at 60 + 60 = 120 h: 20 h of
    overtime (8). Objective -7400 + 20 + 8 = -7372."""
    problem = peak_problem(rate=0.4)
    firm = np.zeros_like(problem.demand)
    firm[problem.items.get_loc("B"), 1] = 30.0
    solved = solve_scenario(_with(problem, firm_release=firm), PlanSettings(model=TOY))
    plan = solved.plan
    np.testing.assert_allclose(row(problem, plan.releases, "B"), [10, 30, 30], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.inventory, "B"), [0, 20, 0], atol=1e-6)
    np.testing.assert_allclose(plan.overtime[0], [0, 0, 20], atol=1e-6)
    assert solved.solution.objective == pytest.approx(-7372.0)


def test_a_decision_the_plan_can_no_longer_make_is_made_as_far_as_it_can() -> None:
    """120 B made firm in month 1 need 240 h; month 1 has 100 h + 100 h of overtime, so at
    most 100 B, and only with A's 40 units of month 1 built in month 0 (its 60 spare hours):
    20 B are short. A released [60, 0, 60], B [10, 100, 0]; stock A [40, 0, 0], B [0, 90, 40]
    (holding 170), overtime 100 h in month 1 (40). Once the shortfall is fixed the objective is
    the plan's own, -7400 + 170 + 40 = -7190, and the price of an hour in month 1 is what it
    saves in the plan - one A made in month 1 instead of a month early, 1 - not the
    shortfall's penalty (10 x 120 a unit)."""
    problem = peak_problem(rate=0.4)
    firm = np.zeros_like(problem.demand)
    firm[problem.items.get_loc("B"), 1] = 120.0
    solved = solve_scenario(_with(problem, firm_release=firm), PlanSettings(model=TOY))
    plan, model = solved.plan, solved.model
    np.testing.assert_allclose(row(problem, plan.releases, "A"), [60, 0, 60], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "B"), [10, 100, 0], atol=1e-6)
    np.testing.assert_allclose(model.raw_value(solved.solution.x, "f").sum(), 20.0, atol=1e-6)
    np.testing.assert_allclose(plan.overtime[0], [0, 100, 0], atol=1e-6)
    assert solved.solution.objective == pytest.approx(-7190.0)
    assert model.dual(solved.solution.row_dual, "capacity")[0][1] == pytest.approx(1.0)


def test_approved_overtime_is_worked_instead_of_prebuilding() -> None:
    """peak_problem(30): overtime at 30 an hour is dearer than pre-building (objective -7360);
    with 60 h approved in month 2, production follows demand and the 60 h are worked and paid:
    -7400 + 30 x 60 = -5600."""
    problem = peak_problem(rate=30.0)
    approved = np.zeros_like(problem.capacity)
    approved[0, 2] = 60.0
    solved = solve_scenario(_with(problem, firm_overtime=approved), PlanSettings(model=TOY))
    np.testing.assert_allclose(row(problem, solved.plan.releases, "B"), [10, 10, 50], atol=1e-6)
    np.testing.assert_allclose(solved.plan.overtime[0], [0, 0, 60], atol=1e-6)
    assert solved.solution.objective == pytest.approx(-5600.0)


def _with(problem, **changes):
    from dataclasses import replace

    return replace(problem, **changes)


# --- scoring: what happened against plan to base replayed --------------------------------------


def test_replay_sells_what_the_stock_allows_and_carries_the_rest() -> None:
    """Opening 100, supply [50, 50], demand [120, 100]: 150 -> sells 120, 30 left; 80 ->
    sells 80 of 100, nothing left."""
    sold, left = replay(100.0, np.array([50.0, 50.0]), np.array([120.0, 100.0]))
    assert sold.tolist() == [120.0, 80.0] and left == 0.0


def test_a_decision_is_scored_against_plan_to_base_replayed_on_the_actual_demand() -> None:
    """Decided Oct 2025 (pre-build on LINE, covering Nov-Dec), scored when Dec has closed.
    FG1 (price 20, cost 5): plan to base would have received 50 a month on 100 in stock.
    Actual: 120 ordered and shipped in Nov, 100 in Dec; 30 counted at Dec's end. Replayed,
    plan to base sells 120 + 80 = 200 and leaves 0. Extra cost: the pre-build's overtime 10
    against plan to base's 0. Margin added 15 x (220 - 200) - 10 = 290; cash 290 - 5 x (30 -
    0) = 140; expected 500. A decision of the Nov meeting covering to Feb 2026 has one month
    closed (Dec) and is not final."""
    decisions = pd.DataFrame(
        {
            "decision_id": ["2025-10:resource:LINE", "2025-11:resource:LINE"],
            "decided_month": [OCT, NOV],
            "issue": ["resource:LINE"] * 2,
            "category": ["resource"] * 2,
            "option": ["prebuild"] * 2,
            "owner": ["Ops"] * 2,
            "last_month": [DEC, pd.Timestamp("2026-02-01")],
            "expected_margin_vs_base": [500.0, 100.0],
        }
    )
    months = pd.date_range("2025-11-01", periods=3, freq="MS")
    plans = pd.concat(
        [
            pd.DataFrame(
                {
                    "decided_month": decided,
                    "issue": "resource:LINE",
                    "option": option,
                    "item": "FG1",
                    "month": months + pd.DateOffset(months=shift),
                    "opening_qty": 100.0,
                    "supply_qty": 50.0,
                    "consumption_qty": 0.0,
                    "unit_price": 20.0,
                    "unit_cost": 5.0,
                }
            )
            for decided, shift in ((OCT, 0), (NOV, 1))
            for option in ("plan_to_base", "prebuild")
        ]
    )
    built_ahead = (plans["decided_month"] == OCT) & (plans["option"] == "prebuild")
    plans.loc[built_ahead & (plans["month"] == NOV), "supply_qty"] = 70.0
    costs = pd.DataFrame(
        {
            "decided_month": [OCT, OCT, NOV, NOV],
            "issue": ["resource:LINE"] * 4,
            "option": ["plan_to_base", "prebuild"] * 2,
            "overtime_cost": [0.0, 10.0, 0.0, 0.0],
            "expedite_cost": [0.0] * 4,
        }
    )
    actual = pd.DataFrame(
        {
            "month": [NOV, DEC],
            "item": "FG1",
            "demand_qty": [120.0, 100.0],
            "shipped_qty": [120.0, 100.0],
        }
    )
    stock = pd.DataFrame({"month": [NOV, DEC], "item": "FG1", "on_hand_qty": [60.0, 30.0]})
    scored = score_decisions(decisions, plans, costs, actual, stock, DEC.date()).set_index(
        "decision_id"
    )
    first = scored.loc["2025-10:resource:LINE"]
    assert bool(first["is_final"]) and first["months_closed"] == 2
    assert first["sales_qty"] == 220.0 and first["base_sales_qty"] == 200.0
    assert first["base_lost_sales_qty"] == 20.0 and first["lost_sales_qty"] == 0.0
    assert first["stock_left_qty"] == 30.0 and first["base_stock_left_qty"] == 0.0
    assert first["extra_cost"] == pytest.approx(10.0)
    assert first["value_added_margin"] == pytest.approx(290.0)
    assert first["value_added_cash"] == pytest.approx(140.0)
    assert first["expected_value_added"] == 500.0
    # the pre-build's own plan (70 in Nov, then 50) replayed: 170 -> 120 sold, 50 + 50 -> 100
    # sold: 220, as shipped - all of the value came from the decision, none from execution
    assert first["option_sales_qty"] == 220.0
    assert first["value_added_as_planned"] == pytest.approx(290.0)
    assert first["execution_gap_margin"] == pytest.approx(0.0)
    later = scored.loc["2025-11:resource:LINE"]
    assert not bool(later["is_final"]) and later["months_closed"] == 1


# --- in the pack ---------------------------------------------------------------------------------


def test_the_brief_opens_with_the_last_meetings_decisions_and_why_a_lever_was_not_applied() -> None:
    """The Oct meeting's pre-build (+300 expected, +290 added so far over one closed month,
    its action overdue) and expedite; a lever for a phased-out item says so, and the
    appendix's decision log shows the same."""
    from sop_pipeline.meeting.brief import brief_html
    from sop_pipeline.meeting.data import MeetingPackData
    from sop_pipeline.meeting.formatting import Formatter
    from sop_pipeline.meeting.views import decisions_view

    decisions = pd.DataFrame(
        {
            "decided_month": [OCT, OCT],
            "decision_id": ["2025-10:resource:LINE", "2025-10:component:C1"],
            "action_id": ["D-2025-10-resource:LINE", "D-2025-10-component:C1"],
            "issue": ["resource:LINE", "component:C1"],
            "option": ["prebuild", "expedite"],
            "owner": ["Ops", "Procurement"],
            "due_date": [pd.Timestamp("2025-11-20"), pd.Timestamp("2025-12-15")],
            "status": ["open", "open"],
            "decision": ["Build 48 units ahead on LINE", "Expedite 500 of C1 now"],
            "expected_margin_vs_base": [300.0, 1200.0],
            "application": ["partly applied", "replaced by purchase order"],
        }
    )
    applied = pd.DataFrame(
        {
            "decision_id": ["2025-10:resource:LINE"] * 2 + ["2025-10:component:C1"],
            "status": ["applied", "not_applicable", "replaced_by_po"],
            "note": ["firm production of 80 FG1", "FG9 is being phased out", "PO-9 counts"],
        }
    )
    outcomes = pd.DataFrame(
        {
            "decision_id": ["2025-10:resource:LINE"],
            "value_added_margin": [290.0],
            "value_added_cash": [140.0],
            "months_closed": [1],
            "is_final": [False],
        }
    )
    actions = pd.DataFrame(
        {
            "action_id": ["D-2025-10-resource:LINE", "D-2025-10-component:C1"],
            "status": ["open", "open"],
            "is_overdue": [True, False],
            "days_overdue": [5, 0],
        }
    )
    data = MeetingPackData(
        plan_month=NOV.date(),
        company="Toy",
        decisions=decisions,
        decisions_applied=applied,
        decision_outcomes=outcomes,
        actions=actions,
    ).typed()
    html = brief_html(data, Formatter("USD"))
    first = html.index("Last meeting")
    assert first < html.index("Decisions needed")
    block = html[first : html.index("Decisions needed")]
    assert "resource:LINE → prebuild" in block and "Build 48 units ahead on LINE" in block
    assert "+$290 (1 month(s) closed)" in block and "+$300" in block
    assert "1 applied; 1 not applicable: FG9 is being phased out" in block
    assert '<tr class="alert">' in block  # the overdue action
    assert "1 replaced by the real order" in block and "not yet scored" in block
    log = decisions_view(data).frame.set_index("decision_id")
    assert log.loc["2025-10:resource:LINE", "track"] == "overdue"
    assert log.loc["2025-10:component:C1", "in_plan"] == "1 replaced by the real order"
