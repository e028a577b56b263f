"""The SQL marts on small hand-made tables: accuracy, overdue actions, top issues."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from sop_pipeline_tests.sql_fixtures import PLAN, connect, run_sql_model


def _con(tables: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    return connect(tables)


def _run(con: duckdb.DuckDBPyConnection, model: str, overrides: dict | None = None) -> pd.DataFrame:
    return run_sql_model(con, model, overrides)


def test_forecast_accuracy_and_value_added_match_hand_computed_numbers() -> None:
    """Actual Oct demand: A 100, B 50 (family F), C 0 (family G).

    Lag 1 (made in Sep) - consensus / statistical / naive:
      A 110 / 120 / 80  -> |e| 10 / 20 / 20
      B  40 /  40 / 70  -> |e| 10 / 10 / 20
      C   5 /   0 /  0  -> |e|  5 /  0 /  0
    Total actual 150: WAPE 25/150, statistical 30/150, naive 40/150; bias (10-10+5)/150.
    FVA statistical vs naive = (40-30)/150; consensus vs statistical = (30-25)/150.
    Family F: WAPE 20/150, MAPE mean(10/100, 10/50) = 0.15.
    """

    def forecast_rows(plan_month: str, values: dict) -> list[dict]:
        return [
            {
                "plan_month": pd.Timestamp(plan_month),
                "item": item,
                "month": pd.Timestamp(PLAN),
                "family": fam,
                "forecast_qty": f,
                "statistical_qty": s,
                "naive_qty": n,
            }
            for item, (fam, f, s, n) in values.items()
        ]

    forecast = pd.DataFrame(
        forecast_rows(
            "2025-09-01", {"A": ("F", 110, 120, 80), "B": ("F", 40, 40, 70), "C": ("G", 5, 0, 0)}
        )
        + forecast_rows("2025-07-01", {"A": ("F", 100, 100, 100)})
    )
    actuals = pd.DataFrame(
        {"plan_month": pd.Timestamp(PLAN), "item": ["A", "B", "C"], "demand_qty": [100, 50, 0.0]}
    )
    con = _con({"sop_mart.forecast": forecast, "staging.demand_history": actuals})
    out = _run(con, "marts/forecast_accuracy").set_index(["item", "lag"])

    total = out.loc[("__total__", 1)]
    assert total["actual_qty"] == 150 and total["abs_error"] == 25
    np.testing.assert_allclose(
        total[["wape", "wape_statistical", "wape_naive", "bias"]].astype(float),
        [25 / 150, 30 / 150, 40 / 150, 5 / 150],
    )
    np.testing.assert_allclose(total["fva_statistical_vs_naive"], 10 / 150)
    np.testing.assert_allclose(total["fva_consensus_vs_statistical"], 5 / 150)
    family = out.loc[("family:F", 1)]
    np.testing.assert_allclose([family["wape"], family["mape"]], [20 / 150, 0.15])
    assert out.loc[("C", 1), "abs_error"] == 5 and pd.isna(out.loc[("C", 1), "wape"])
    lag3 = out.loc[("__total__", 3)]
    assert (lag3["actual_qty"], lag3["abs_error"], lag3["items"]) == (100, 0, 1)


def test_an_open_action_is_overdue_when_due_before_the_meeting() -> None:
    """Plan month Oct 2025; meeting = 31 Oct + 15 days = 15 Nov 2025."""
    actions = pd.DataFrame(
        {
            "plan_month": pd.Timestamp(PLAN),
            "action_id": ["A1", "A2", "A3", "A4"],
            "opened_month": pd.Timestamp("2025-08-01"),
            "topic": ["t"] * 4,
            "owner": ["o"] * 4,
            "due_date": pd.to_datetime(["2025-11-14", "2025-11-15", "2025-09-01", "2025-12-01"]),
            "status": ["open", "open", "done", "open"],
            "decision": [None] * 4,
        }
    )
    out = _run(_con({"staging.actions": actions}), "marts/actions").set_index("action_id")
    assert out["is_overdue"].to_dict() == {"A1": True, "A2": False, "A3": False, "A4": False}
    assert out.loc["A1", "days_overdue"] == 1
    later = _run(
        _con({"staging.actions": actions}), "marts/actions", {"meeting": {"overdue_grace_days": 20}}
    ).set_index("action_id")
    assert later["is_overdue"].to_dict() == {"A1": True, "A2": True, "A3": False, "A4": False}


def _issue_tables() -> dict[str, pd.DataFrame]:
    """One issue of every category, with the margin and the net revenue at stake.

    Costs: FG1 10, FG2 20, FG3 5, FG4 5, SA1 50, C1 1.
    """
    month = pd.Timestamp(PLAN)
    frames = {
        "staging.items": pd.DataFrame(
            {
                "item": ["FG1", "FG2", "FG3", "FG4", "SA1", "C1"],
                "unit_cost": [10.0, 20.0, 5.0, 5.0, 50.0, 1.0],
                "lead_time_days": [14, 14, 14, 14, 30, 30],
            }
        ),
        "sop_mart.forecast": pd.DataFrame(
            {
                "item": ["FG1", "FG2"],
                "family": ["Face", "Face"],
                "forecast_qty": [100.0, 25.0],
                "forecast_revenue": [3000.0, 1000.0],
            }
        ),
        "sop_mart.constraint_prices": pd.DataFrame(
            {
                "constraint_type": ["component", "component", "lead_time"],
                "constraint": ["C1", "C1", "FG2"],
                "month": pd.to_datetime(["2025-12-01", "2026-01-01", "2026-02-01"]),
                "shadow_price": [20.0, 20.0, 70.0],
                "unit": ["per unit", "per unit", "per unit"],
                "affected_items": ["FG1", "FG1", "FG2"],
                "affected_item_count": [1, 1, 1],
                "lost_sales_qty": [100.0, 50.0, 10.0],
                "lost_margin": [2000.0, 1000.0, 700.0],
                "description": ["Jar", "Jar", "Cream"],
            }
        ),
        "staging.open_purchase_orders": pd.DataFrame(
            {
                "po": ["PO-9", "PO-7"],
                "item": ["C1", "C1"],
                "qty_open": [100.0, 200.0],
                "due_date": pd.to_datetime(["2026-01-10", "2025-12-20"]),
            }
        ),
        "sop_mart.late_purchase_orders": pd.DataFrame(
            {
                "po": ["PO-5", "PO-6"],
                "item": ["C1", "C1"],
                "qty_open": [500.0, 100.0],
                "days_late": [26, 10],
                "assumed_arrival_month": pd.to_datetime(["2025-12-01", "2025-12-01"]),
                "margin_at_risk": [3000.0, 3000.0],
                "revenue_at_risk": [4500.0, 4500.0],
                "plan_lost_margin": [1200.0, 1200.0],
            }
        ),
        "sop_mart.shelf_life_risk": pd.DataFrame(
            {
                "item": ["SA1"],
                "location": ["WH2"],
                "lot": ["B-17"],
                "reason": ["expiry"],
                "qty_at_risk": [40.0],
                "value_at_risk": [2000.0],
                "expiry_date": [pd.Timestamp("2026-01-31")],
            }
        ),
        "sop_mart.forecast_changes": pd.DataFrame(
            {
                "item": ["FG3", "FG4", "FG5"],
                "change_qty": [-500.0, 0.0, 5.0],
                "change_pct": [-0.4, 0.0, 0.5],
                "change_revenue": [-6000.0, 0.0, 10.0],
                "change_margin": [-3500.0, 0.0, 5.0],
                "abs_change_qty": [500.0, 300.0, 5.0],
                "abs_change_revenue": [6000.0, 6000.0, 10.0],
                "abs_change_margin": [3500.0, 4500.0, 5.0],
                "is_timing_shift": [False, True, False],
                "is_exception": [True, True, False],
                "is_method_switch": [True, False, False],
                "change_cause": ["method switch: model Theta -> SeasonalNaive", None, None],
            }
        ),
        "sop_mart.financial_reconciliation": pd.DataFrame(
            {
                "family": ["Face", "Face", "Body", "__total__"],
                "gap": [-800.0, -400.0, 50.0, -1150.0],
                "planned_revenue": [1.0, 1.0, 1.0, 1.0],
            }
        ),
        "sop_mart.actions": pd.DataFrame(
            {
                "action_id": ["A7"],
                "topic": ["Dual-source jars"],
                "owner": ["Ops"],
                "is_overdue": [True],
                "days_overdue": [20],
            }
        ),
    }
    return {name: frame.assign(plan_month=month) for name, frame in frames.items()}


def test_planner_tasks_keep_method_switches_late_orders_lots_and_actions_off_the_agenda() -> None:
    """The planners' list, by the money each task concerns:

    forecast_change FG3  method switch, level change |-6000 - (-500) x 5| = 3500  revenue 6000
    late_order      C1   the margin of the gaps C1 causes (FG1's): 3000           revenue 4500
    order_lead_time C1   orders due 50 and 71 days after the close, lead time 30: the lost
                         margin the plan puts on C1, 2000 + 1000 = 3000
    forecast_change FG4  timing shift (nets to 0): 4500 / 2 = 2250                revenue 3000
    shelf_life      SA1  lot B-17 at WH2 written off at cost: 2000
    overdue_action  A7   0
    """
    out = _run(_con(_issue_tables()), "marts/planner_tasks")
    assert list(zip(out["category"], out["item"], strict=True)) == [
        ("forecast_change", "FG3"),
        ("late_order", "C1"),
        ("order_lead_time", "C1"),
        ("forecast_change", "FG4"),
        ("shelf_life", "SA1"),
        ("overdue_action", "A7"),
    ]
    assert list(out["impact_value"]) == [3500.0, 3000.0, 3000.0, 2250.0, 2000.0, 0.0]
    assert list(out["rank"]) == [1, 2, 3, 4, 5, 6]
    assert out.iloc[2]["task_topic"] == (
        "2 open order(s) of C1 due up to 71 days after the close (10 Jan 2026), against a lead "
        "time of 30 days in the item master"
    )
    assert out.iloc[2]["task"] == (
        "Confirm C1's lead time with the supplier (order PO-9): the plan counts on a new order "
        "arriving 30 days after it is placed"
    )
    # the same margin is an agenda issue's when C1 is one: said, so it is not added twice
    on_agenda = _issue_tables()
    on_agenda["sop_mart.top_issues"] = pd.DataFrame(
        {
            "category": ["component"],
            "item": ["C1"],
            "rank": [1],
            "open_actions": [""],
            "plan_month": [PLAN],
        }
    )
    tasks = _run(_con(on_agenda), "marts/planner_tasks").set_index("category")
    assert tasks.loc["order_lead_time", "task_topic"].endswith(
        "; the margin is also issue 1's on the agenda"
    )
    # or a partner of an issue's component (merged into issue 2, C9's)
    on_agenda["sop_mart.top_issues"] = on_agenda["sop_mart.top_issues"].assign(item="C9", rank=2)
    on_agenda["sop_mart.scenario_options"] = pd.DataFrame(
        {"category": ["component"], "item": ["C9"], "option": ["plan_to_base"],
         "partners": ["C1"], "plan_month": [PLAN]}
    )  # fmt: skip
    tasks = _run(_con(on_agenda), "marts/planner_tasks").set_index("category")
    assert tasks.loc["order_lead_time", "task_topic"].endswith(
        "; the margin is also issue 2's on the agenda"
    )
    assert out.iloc[0]["task_topic"] == (
        "FG3 forecast down by 40% (500 units) against last month "
        "(method switch: model Theta -> SeasonalNaive)"
    )
    assert out.iloc[0]["task"].startswith("Check the new method")
    # the plan already follows the new forecast: the task is to confirm it, not to move supply
    assert out.iloc[3]["task"] == (
        "Confirm the new timing with Sales: the plan already re-phases FG4 to it"
    )
    assert out.iloc[1]["task_topic"] == (
        "600 C1 on 2 open order(s) up to 26 days late, assumed in Dec 2025"
    )
    assert out.iloc[1]["task"] == (
        "Get a confirmed delivery date for order PO-5 of C1 or source it elsewhere"
    )
    # an item made in-house: its late order is a production run
    made = _issue_tables()
    made["staging.bom"] = pd.DataFrame(
        {"parent": ["C1"], "component": ["R1"], "plan_month": [pd.Timestamp(PLAN)]}
    )
    run = _run(_con(made), "marts/planner_tasks").set_index("item")
    # and no lead-time task: production orders released for later runs are usual
    assert run.loc["C1", "task"] == (
        "Get a confirmed completion date for production order PO-5 of C1 or re-plan the run"
    )
    assert "lot B-17 of SA1 at WH2" in out.iloc[4]["task_topic"]


def _root_cause_tables() -> dict[str, pd.DataFrame]:
    """Component C1 (a jar) limits FG1 and FG2 in Dec 2025 - Jan 2026; resource LINE binds in
    Mar 2026 (FG3); FG2's lead time cannot be met in Feb 2026; FG3's forecast went up."""
    dec, jan, feb, mar = pd.to_datetime(["2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"])
    prior = pd.Timestamp(PLAN) - pd.DateOffset(months=1)

    def option(issue, name, margin, suggested=False, lost=0.0, cash=0.0, feasible=True):
        category, item = issue.split(":")
        return (issue, category, item, name, feasible, margin, suggested, lost, cash, name)

    options = pd.DataFrame(
        [
            option("component:C1", "plan_to_base", 0.0, lost=400.0),
            option("component:C1", "expedite", 5000.0, suggested=True, cash=800.0),
            option("component:C1", "spread_deliveries", 4500.0),
            # the plan uses that one lever: the same option, not a second one
            option("component:C1", "constrained_plan", 5000.0, cash=800.0),
            option("resource:LINE", "plan_to_base", 0.0),
            option("resource:LINE", "overtime", 1500.0, suggested=True, cash=0.0),
            option("resource:LINE", "prebuild", 300.0),
            option("forecast_change:FG3", "plan_to_base", 0.0, lost=20.0),
            option("forecast_change:FG3", "produce_to_upside", 900.0, suggested=True, cash=60.0),
        ],
        columns=["issue", "category", "item", "option", "is_feasible", "margin_vs_base",
                 "is_suggested", "lost_sales_qty", "extra_inventory_cash_peak", "decision"],
    ).assign(partners="")  # fmt: skip
    forecast = pd.DataFrame(
        {
            "plan_month": [pd.Timestamp(PLAN)] * 3 + [prior] * 2,
            "item": ["FG1", "FG2", "FG3", "FG1", "FG2"],
            "month": [dec, jan, mar, dec, jan],
            "forecast_qty": [300.0, 100.0, 80.0, 260.0, 100.0],
            "statistical_qty": [200.0, 100.0, 80.0, 160.0, 100.0],
            "override_owner": ["Sales - M", None, None, None, None],
        }
    )
    frames = {
        "staging.items": pd.DataFrame(
            {
                "item": ["FG1", "FG2", "FG3", "C1"],
                "unit_cost": [10.0, 20.0, 5.0, 1.0],
                "description": ["Day cream", "Night cream", "Body wash", "Amber jar"],
                "family": ["Face", "Face", "Body", None],
            }
        ),
        "sop_mart.constraint_prices": pd.DataFrame(
            {
                "constraint_type": ["component", "component", "resource", "lead_time"],
                "constraint": ["C1", "C1", "LINE", "FG2"],
                "month": [dec, jan, mar, feb],
                "shadow_price": [20.0, 20.0, 10.0, 70.0],
                "unit": ["per unit", "per unit", "per hour", "per unit"],
                "affected_items": ["FG1, FG2", "FG1, FG2", "FG3", "FG2"],
                "affected_item_count": [2, 2, 1, 1],
                "lost_sales_qty": [100.0, 50.0, 0.0, 10.0],
                "lost_margin": [2000.0, 1000.0, 0.0, 700.0],
                "description": ["Amber jar", "Amber jar", "Filling line", "Night cream"],
            }
        ),
        "sop_mart.scenario_options": options,
        "sop_mart.forecast_changes": pd.DataFrame(
            {
                "item": ["FG3", "FG1"],
                "change_qty": [200.0, -50.0],
                "change_pct": [0.5, -0.1],
                "change_revenue": [3000.0, -900.0],
                "abs_change_revenue": [3000.0, 900.0],
                "is_exception": [True, True],
                "is_method_switch": [False, False],
            }
        ),
        "sop_mart.override_scorecard": pd.DataFrame(
            {"owner": ["Sales - M"], "overrides": [4], "verdict": ["challenge"]}
        ),
        "sop_mart.actions": pd.DataFrame(
            {
                "action_id": ["A1", "A2", "A3", "A4"],
                "topic": ["Second source for Amber jar", "Face family promo review",
                          "Body wash listing", "Filling station capacity in Q1"],
                "owner": ["Ops", "Mkt", "Sales", "Prod"],
                "status": ["open", "open", "done", "open"],
                "decision": [None, None, "Listed", None],
                "due_date": pd.to_datetime(
                    ["2025-10-20", "2025-11-30", "2025-09-01", "2025-12-01"]
                ),
                "is_overdue": [True, False, False, False],
                "days_overdue": [20, 0, 0, 0],
            }
        ),
        "staging.resources": pd.DataFrame(
            {"resource": ["LINE"], "description": ["Filling station (75 ml and 200 ml tubes)"]}
        ),
        # C1's order is not FG2's: FG2's lead time has no open order to bring forward
        "staging.open_purchase_orders": pd.DataFrame(
            {"po": ["PO-4"], "item": ["C1"], "qty_open": [500.0],
             "due_date": [feb + pd.Timedelta(days=9)]}
        ),
        "sop_mart.late_purchase_orders": pd.DataFrame(
            {
                "po": ["MO-1"],
                "item": ["FG2"],
                "qty_open": [300.0],
                "days_late": [12],
                "assumed_arrival_month": [dec],
                # the plan loses nothing to FG2 before December: not a chase (yet)
                "plan_lost_margin": [0.0],
            }
        ),
        "sop_mart.constrained_plan": pd.DataFrame(
            {
                "scenario": ["base"] * 4,
                "item": ["FG3", "FG3", "FG2", "FG2"],
                "month": [feb, mar, jan, feb],
                "planned_buffer": [10.0, 40.0, 0.0, 60.0],
                # FG2's late order arrives after 25 units of February's demand: the 60 it
                # ends the month with are that order's (the plan keeps no buffer while it
                # loses sales), not a buffer built at their expense
                "lost_sales_qty": [0.0, 0.0, 0.0, 25.0],
                "scheduled_receipts": 0.0,
                "net_price": 0.0,
                "unit_cost": 0.0,
            }
        ),
    }  # fmt: skip
    out = {name: frame.assign(plan_month=pd.Timestamp(PLAN)) for name, frame in frames.items()}
    out["sop_mart.forecast"] = forecast
    return out


def test_top_issues_are_root_causes_ranked_by_expected_margin_at_stake() -> None:
    """One money measure - the margin the plan still loses to the issue plus what its suggested
    option protects against planning without a decision:

    component C1        3000 (lost: 2000 + 1000) + 5000 (expedite)  = 8000
    resource LINE          0 + 1500 (overtime)                      = 1500
    forecast_change FG3    0 + 900 (produce to the upside)          =  900
    lead_time FG2        700 + 0 (no option)                        =  700

    C1's shortage without a decision is plan to base's 400 lost units: FG1's override adds 300
    - 200 = 100 in Dec (25 %), this month's statistical forecast adds 200 - 160 = 40 against
    last month's (10 %). Its expedite beats spreading deliveries by 500, within the 1,000
    materiality: both are offered. LINE's overtime beats its pre-build by 1,200: one
    suggestion. LINE's month builds 40 - 10 = 30 units of FG3's safety stock.
    """
    out = _run(_con(_root_cause_tables()), "marts/top_issues")
    assert list(out["issue"]) == [
        "component:C1", "resource:LINE", "forecast_change:FG3", "lead_time:FG2"
    ]  # fmt: skip
    assert list(out["impact_value"]) == [8000.0, 1500.0, 900.0, 700.0]
    jar = out.iloc[0]
    assert (jar["affected_items"], jar["affected_item_count"]) == ("FG1, FG2", 2)
    assert jar["override_share"] == 0.25 and jar["forecast_increase_share"] == 0.1
    assert jar["drivers"] == (
        "overrides add 25% of the shortage (Sales - M: challenge); this month's statistical "
        "forecast adds 10%"
    )
    # overrides adding more than the whole shortage (FG1: 700 - 200 = 500 against 400) say so
    # in units rather than "100 %" beside the forecast's share
    bigger = _root_cause_tables()
    bigger["sop_mart.forecast"].loc[0, "forecast_qty"] = 700.0
    again = _run(_con(bigger), "marts/top_issues").iloc[0]
    assert again["override_share"] == 1.0
    assert again["drivers"] == (
        "overrides alone add more than the shortage (500 units against 400; Sales - M: "
        "challenge); this month's statistical forecast adds 10%"
    )
    # the jar's own action, and the family's (every item of the issue is in Face Care)
    assert jar["open_actions"] == (
        "A1 Second source for Amber jar (Ops, 20 days overdue); A2 Face family promo review "
        "(Mkt, due 30 Nov 2025)"
    )
    assert jar["action_days_overdue"] == 20
    assert jar["suggested_decision"] == (
        "Either: expedite; or: spread_deliveries (within 500 of expected margin of each other)"
    )
    assert jar["option_cash"] == 800.0
    # the meeting is on 15 Nov (Oct's end + 15 grace days): the jar binds from December, so
    # decide by 30 Nov; LINE binds in March: within 30 days of the meeting, 15 Dec
    assert list(out["decide_by"].dt.date[:2]) == [dt.date(2025, 11, 30), dt.date(2025, 12, 15)]
    line = out.iloc[1]
    assert line["suggested_decision"] == "overtime"
    assert line["drivers"] == "the plan builds 30 units of safety stock in these months"
    # the done Body wash action is not open; the line's own action names it as people do,
    # without the description's detail in brackets
    assert line["open_actions"] == "A4 Filling station capacity in Q1 (Prod, due 01 Dec 2025)"
    # FG3's forecast rise is also what loads LINE (issue 2, whose items include FG3)
    assert out.iloc[2]["topic"] == (
        "FG3 forecast up by 50% (200 units) against last month: 900 of expected margin if the "
        "plan stays at the base forecast; FG3 is also among the items of issue 2 (LINE)"
    )
    assert out.iloc[3]["suggested_decision"].startswith("Accept the loss on FG2")
    # FG2's own order due on 11 Feb, the month its lead time binds: bring it forward
    due = _root_cause_tables()
    due["staging.open_purchase_orders"] = pd.DataFrame(
        {
            "po": ["MO-2", "MO-3"],
            "item": ["FG2", "FG2"],
            "qty_open": [80.0, 50.0],
            "due_date": pd.to_datetime(["2026-02-11", "2026-03-01"]),
            "plan_month": [pd.Timestamp(PLAN)] * 2,
        }
    )
    forward = _run(_con(due), "marts/top_issues").set_index("issue").loc["lead_time:FG2"]
    assert forward["suggested_decision"] == (
        "Bring MO-2 forward (80 of FG2 due 11 Feb 2026): the plan loses 10 units before it "
        "arrives; or accept the loss"
    )
    # with FG2's late order costing the plan its 700 before it arrives, chase it
    chase = _root_cause_tables()
    chase["sop_mart.late_purchase_orders"].loc[0, "plan_lost_margin"] = 700.0
    late = _run(_con(chase), "marts/top_issues").set_index("issue").loc["lead_time:FG2"]
    assert late["suggested_decision"] == (
        "Chase MO-1 (300 of FG2, 12 days late, assumed in Dec 2025): the plan loses 700 of "
        "margin before it arrives"
    )
    assert out.iloc[3]["buffer_build_qty"] == 0.0
    assert "safety stock" not in str(out.iloc[3]["drivers"])
    # FG2's own lead time is on the agenda below the jar that limits it too: it says so
    assert out.iloc[3]["topic"].endswith("; FG2 is also among the items of issue 1 (C1)")
    assert "also among" not in out.iloc[0]["topic"]
    # FG1's forecast cut is not a decision for the meeting: it is a planner task
    assert "FG1" not in set(out["item"])
    tight = _run(_con(_root_cause_tables()), "marts/top_issues", {"meeting": {"materiality": 100}})
    assert tight.iloc[0]["suggested_decision"] == "expedite"


def test_an_option_that_loses_margin_is_not_within_materiality_of_one_that_gains() -> None:
    """LINE's overtime gains 27 against plan to base, its pre-build loses 2,733: 2,760 apart,
    above the 1,000 materiality, so overtime is suggested alone (not "either ... or" because
    both protect at most 27); with the pre-build at -500 they are within 527: both offered."""
    tables = _root_cause_tables()
    options = tables["sop_mart.scenario_options"]
    line = options["item"] == "LINE"
    options.loc[line & (options["option"] == "overtime"), "margin_vs_base"] = 27.0
    options.loc[line & (options["option"] == "prebuild"), "margin_vs_base"] = -2733.0
    out = _run(_con(tables), "marts/top_issues").set_index("item")
    assert out.loc["LINE", "impact_value"] == 27.0
    assert out.loc["LINE", "suggested_decision"] == "overtime"
    options.loc[line & (options["option"] == "prebuild"), "margin_vs_base"] = -500.0
    out = _run(_con(tables), "marts/top_issues").set_index("item")
    assert out.loc["LINE", "suggested_decision"] == (
        "Either: overtime; or: prebuild (within 527 of expected margin of each other)"
    )


def test_an_issue_whose_levers_do_not_pay_suggests_planning_to_base() -> None:
    """LINE loses 10 units (400 of margin) in March; its overtime is infeasible, its pre-build
    loses 2,500 and plan to base is the suggested option: the issue asks the meeting to plan
    to base, not to add capacity (the text for an issue without priced options), and does not
    offer the losing pre-build. Its money at stake is the plan's lost margin, 400."""
    tables = _root_cause_tables()
    prices = tables["sop_mart.constraint_prices"]
    prices.loc[prices["constraint"] == "LINE", ["lost_sales_qty", "lost_margin"]] = [10.0, 400.0]
    options = tables["sop_mart.scenario_options"]
    line = options["item"] == "LINE"
    options.loc[line, "is_suggested"] = options.loc[line, "option"] == "plan_to_base"
    options.loc[line & (options["option"] == "overtime"), "is_feasible"] = False
    options.loc[line & (options["option"] == "prebuild"), "margin_vs_base"] = -2500.0
    out = _run(_con(tables), "marts/top_issues").set_index("item")
    assert out.loc["LINE", "suggested_decision"] == "plan_to_base"
    assert out.loc["LINE", "impact_value"] == 400.0


def test_components_merged_into_one_issue_are_one_agenda_item() -> None:
    """C2 (a lid) binds in December for FG1 and FG2 too, and the plan still loses 10 units
    (300 of margin) to it; the options merged it into C1's issue (the goods need both). One
    issue: C1's and C2's lost margin (3000 + 300) plus the expedite's 5000, both named in its
    topic; no second issue for C2 (without the merge it would be one: 300)."""
    tables = _root_cause_tables()
    dec = pd.Timestamp("2025-12-01")
    prices = tables["sop_mart.constraint_prices"]
    lid = prices.iloc[[0]].assign(
        constraint="C2", lost_sales_qty=10.0, lost_margin=300.0, description="Bamboo lid",
        shadow_price=5.0, month=dec,
    )  # fmt: skip
    tables["sop_mart.constraint_prices"] = pd.concat([prices, lid], ignore_index=True)
    items = tables["staging.items"]
    c2 = items.iloc[[3]].assign(item="C2", description="Bamboo lid")
    tables["staging.items"] = pd.concat([items, c2], ignore_index=True)
    alone = _run(_con(tables), "marts/top_issues").set_index("item")
    assert alone.loc["C2", "impact_value"] == 300.0
    tables["sop_mart.scenario_options"] = tables["sop_mart.scenario_options"].assign(
        partners=lambda f: np.where(f["item"] == "C1", "C2", "")
    )
    out = _run(_con(tables), "marts/top_issues").set_index("item")
    assert "C2" not in out.index
    jar = out.loc["C1"]
    assert jar["impact_value"] == 8300.0
    assert jar["topic"].startswith(
        "Amber jar (C1) and Bamboo lid (C2) bind from Dec 2025 to Jan 2026: 2 affected (FG1, FG2)"
    )
    # an open action about the partner is the issue's too
    actions = tables["sop_mart.actions"]
    lid_action = actions.iloc[[1]].assign(action_id="A9", topic="Bamboo lid supplier audit")
    tables["sop_mart.actions"] = pd.concat([actions, lid_action], ignore_index=True)
    out = _run(_con(tables), "marts/top_issues").set_index("item")
    assert "A9 Bamboo lid supplier audit" in out.loc["C1", "open_actions"]


def test_the_cash_path_is_not_driven_by_a_shortage_it_does_not_cause() -> None:
    """The cash path binds in Dec 2025 on FG1's stock (and in January on FG2's);
    relaxing it gains 1,500. FG1's override adds 100 units in December, but the path loses no
    sale: no override or forecast share is its driver (C1's issue carries them)."""
    tables = _root_cause_tables()
    dec = pd.Timestamp("2025-12-01")
    cash = pd.DataFrame(
        {
            "constraint_type": ["cash", "cash"],
            "constraint": ["cash path", "cash path"],
            "month": [dec, dec + pd.DateOffset(months=1)],
            "shadow_price": [0.02, 0.02],
            "unit": ["per dollar", "per dollar"],
            "affected_items": ["FG1", "FG2"],
            "affected_item_count": [1, 1],
            "lost_sales_qty": [0.0, 0.0],
            "lost_margin": [0.0, 0.0],
            "description": ["inventory value against the dated cash path"] * 2,
            "plan_month": [pd.Timestamp(PLAN)] * 2,
        }
    )
    tables["sop_mart.constraint_prices"] = pd.concat(
        [tables["sop_mart.constraint_prices"], cash], ignore_index=True
    )
    options = tables["sop_mart.scenario_options"]
    extra = options.iloc[:2].assign(
        issue="cash:cash path", category="cash", item="cash path",
        option=["plan_to_base", "relax_cash_path"], margin_vs_base=[0.0, 1500.0],
        is_suggested=[False, True], lost_sales_qty=400.0, decision=["base", "relax"],
    )  # fmt: skip
    tables["sop_mart.scenario_options"] = pd.concat([options, extra], ignore_index=True)
    out = _run(_con(tables), "marts/top_issues").set_index("item")
    path = out.loc["cash path"]
    assert path["impact_value"] == 1500.0
    # the items it holds down in any month (FG1 in December, FG2 in January)
    assert (path["affected_items"], path["affected_item_count"]) == ("FG1, FG2", 2)
    assert pd.isna(path["override_share"]) and pd.isna(path["forecast_increase_share"])
    assert pd.isna(path["drivers"])
    assert out.loc["C1", "override_share"] == 0.25


def test_an_open_production_order_its_components_cannot_complete_is_a_planner_task() -> None:
    """MO-1 (1,000 FG1 due in November) draws its components when received; the constrained
    plan completes 600 of it (the MRP counts all 1,000). The task names November's order and
    what to cut; the money is the 400 units not completed at FG1's margin, 25 - 10 = 15: 6,000.
    December's MO-2, completed in full, and the upside scenario's rows add nothing."""
    tables = _issue_tables()
    nov, dec = pd.Timestamp("2025-11-01"), pd.Timestamp("2025-12-01")
    keys = {"scenario": ["base", "base", "upside"], "item": "FG1", "month": [nov, dec, nov]}
    tables["sop_mart.material_requirements"] = pd.DataFrame(
        {**keys, "scheduled_receipts": [1000.0, 200.0, 1000.0]}
    ).assign(plan_month=pd.Timestamp(PLAN))
    tables["sop_mart.constrained_plan"] = pd.DataFrame(
        {**keys, "scheduled_receipts": [600.0, 200.0, 500.0], "net_price": 25.0,
         "unit_cost": 10.0}
    ).assign(plan_month=pd.Timestamp(PLAN))  # fmt: skip
    tables["staging.open_purchase_orders"] = pd.concat(
        [
            tables["staging.open_purchase_orders"],
            pd.DataFrame(
                {"po": ["MO-2", "MO-1"], "item": "FG1", "qty_open": [200.0, 1000.0],
                 "due_date": pd.to_datetime(["2025-12-03", "2025-11-12"]),
                 "plan_month": pd.Timestamp(PLAN)}
            ),
        ],
        ignore_index=True,
    )  # fmt: skip
    out = _run(_con(tables), "marts/planner_tasks")
    (run,) = out[out["category"] == "unfinished_run"].itertuples()
    assert (run.item, run.impact_value) == ("FG1", 6000.0)
    assert run.task_topic == (
        "the plan completes 600 of the 1,000 FG1 its open production orders bring in Nov 2025: "
        "their components are short"
    )
    assert run.task == (
        "Find the components for FG1's open production order (MO-1) by the due date, or cut 400 "
        "from it"
    )


def test_a_lead_time_losing_sales_only_in_the_first_month_is_the_planners() -> None:
    """FG2's lead time loses 10 units (700 of margin) in November alone, the month after the
    close, before its order MO-2 (due 11 Nov) arrives: bringing MO-2 forward is done at the
    close, and the meeting on 15 Nov sits after the order's due day. It leaves the agenda and
    is a planner task with the whole loss. FG4's lead time (14 days, no open order) loses 5
    units in November: nothing arrives sooner. FG2 losing in February too stays on the agenda
    (the meeting can still act before February)."""
    nov, feb = pd.Timestamp("2025-11-01"), pd.Timestamp("2026-02-01")
    tables = _root_cause_tables()
    for name in ("sop_mart.late_purchase_orders", "sop_mart.forecast_changes"):
        tables.pop(name)  # none: made empty with the dictionary's columns
    items = tables["staging.items"]
    fg4_item = pd.DataFrame(
        {"item": ["FG4"], "unit_cost": [5.0], "plan_month": [items["plan_month"][0]]}
    )
    tables["staging.items"] = pd.concat([items, fg4_item], ignore_index=True).assign(
        lead_time_days=14
    )
    prices = tables["sop_mart.constraint_prices"]
    lead = prices["constraint_type"] == "lead_time"
    prices.loc[lead, "month"] = nov
    fg4 = prices[lead].assign(
        constraint="FG4", affected_items="FG4", lost_sales_qty=5.0, lost_margin=150.0
    )
    tables["sop_mart.constraint_prices"] = pd.concat([prices, fg4], ignore_index=True)
    tables["staging.open_purchase_orders"] = pd.DataFrame(
        {
            "po": ["MO-2", "MO-3"],
            "item": ["FG2", "FG2"],
            "qty_open": [80.0, 50.0],
            "due_date": pd.to_datetime(["2025-11-11", "2026-03-01"]),
            "plan_month": [pd.Timestamp(PLAN)] * 2,
        }
    )
    con = _con(tables)
    agenda = _run(con, "marts/top_issues")
    assert {"lead_time:FG2", "lead_time:FG4"}.isdisjoint(agenda["issue"])
    assert "component:C1" in set(agenda["issue"])
    tasks = _run(con, "marts/planner_tasks")
    # FG2 is bought (no bill of materials): MO-3, due 1 Mar 2026, is far beyond its 14 days
    assert tasks.loc[tasks["item"] == "FG2", "category"].tolist() == [
        "lead_time", "order_lead_time"
    ]  # fmt: skip
    tasks = tasks[tasks["category"] == "lead_time"].set_index("item")
    fg2 = tasks.loc["FG2"]
    assert (fg2["category"], fg2["impact_value"]) == ("lead_time", 700.0)
    assert fg2["task_topic"] == (
        "FG2 loses 10 units in Nov 2025 before its first receipt (700 of margin)"
    )
    assert fg2["task"] == (
        "Bring MO-2 (80 of FG2, due 11 Nov 2025) forward now if the line or supplier can; else "
        "tell Sales the loss is in the plan"
    )
    assert tasks.loc["FG4", "task"] == (
        "Nothing arrives sooner (FG4's lead time is 14 days): tell Sales the loss is in the plan"
    )
    # a loss in February as well: the meeting can act on it, the issue stays on the agenda
    later = pd.concat(
        [tables["sop_mart.constraint_prices"], prices[lead].assign(month=feb)], ignore_index=True
    )
    con = _con(dict(tables, **{"sop_mart.constraint_prices": later}))
    assert "lead_time:FG2" in set(_run(con, "marts/top_issues")["issue"])
    later_tasks = _run(con, "marts/planner_tasks")
    assert "FG2" not in set(later_tasks.loc[later_tasks["category"] == "lead_time", "item"])


def test_a_timing_shift_is_an_exception_even_when_it_nets_to_zero() -> None:
    """Prior forecast (May) for Jul-Sep vs this one (Jun); price 20, cost 5; thresholds 25 %
    and 5,000:

    T  prior 100, 100, 100 → now 250, 50, 0: net 0, but |150| + |50| + |100| = 300 units
       (100 % of 300) and 6,000 of revenue → timing shift; margin moved 150 x 15 + 50 x 15 +
       100 x 15 = 4,500.
    L  prior 100 x 3 → now 200 x 3: +300 units, +6,000 → a level change (not a shift).
    S  prior 100 x 3 → now 110, 90, 100: 20 units, 400 → nothing.
    """
    may, june = pd.Timestamp("2025-05-01"), pd.Timestamp("2025-06-01")
    months = pd.to_datetime(["2025-07-01", "2025-08-01", "2025-09-01"])
    rows = []
    for item, prior, now in (
        ("T", [100, 100, 100], [250, 50, 0]),
        ("L", [100, 100, 100], [200, 200, 200]),
        ("S", [100, 100, 100], [110, 90, 100]),
    ):
        for month, p, c in zip(months, prior, now, strict=True):
            rows.append((may, item, month, float(p), 20.0 * p))
            rows.append((june, item, month, float(c), 20.0 * c))
        rows.append((may, item, pd.Timestamp("2025-06-01"), 100.0, 2000.0))  # not compared
    forecast = pd.DataFrame(
        rows, columns=["plan_month", "item", "month", "forecast_qty", "forecast_revenue"]
    )
    items = pd.DataFrame(
        {
            "plan_month": june,
            "item": ["T", "L", "S"],
            "family": "F",
            "description": ["t", "l", "s"],
            "unit_cost": 5.0,
        }
    )
    con = _con({"sop_mart.forecast": forecast, "staging.items": items})
    out = run_sql_model(con, "marts/forecast_changes", plan=june.date()).set_index("item")
    assert out.loc["T", "months_compared"] == 3
    assert (out.loc["T", "change_qty"], out.loc["T", "abs_change_qty"]) == (0.0, 300.0)
    assert out.loc["T", "abs_change_revenue"] == 6000.0
    assert (out.loc["T", "change_margin"], out.loc["T", "abs_change_margin"]) == (0.0, 4500.0)
    assert out["is_exception"].to_dict() == {"T": True, "L": True, "S": False}
    assert out["is_timing_shift"].to_dict() == {"T": True, "L": False, "S": False}
    assert out.loc["L", "change_margin"] == 300 * 15


@pytest.mark.parametrize("grace", [0, 15])
def test_meeting_date_follows_the_grace_days(grace: int) -> None:
    actions = pd.DataFrame(
        {
            "plan_month": pd.Timestamp(PLAN),
            "action_id": ["A"],
            "opened_month": pd.Timestamp(PLAN),
            "topic": ["t"],
            "owner": ["o"],
            "due_date": pd.Timestamp("2025-11-30"),
            "status": ["done"],
            "decision": [None],
        }
    )
    out = _run(
        _con({"staging.actions": actions}),
        "marts/actions",
        {"meeting": {"overdue_grace_days": grace}},
    )
    assert out.loc[0, "meeting_date"] == pd.Timestamp(2025, 10, 31) + pd.Timedelta(days=grace)


def test_late_purchase_orders_by_hand() -> None:
    """Plan month Oct 2025 (closes 31 Oct). P1 (C1, due 5 Oct) is 26 days late, P2 (C1, due
    30 Sep) 31 days, P3 (C2, due 3 Nov) is not late. With the default delay of 1 month they
    are assumed in Dec 2025 (month 2), with 0 in Nov. C1 (cost 2) limits FG1's gaps: margin
    300 + 100 = 400, revenue 500 + 200 = 700, one item short; P1 worth 50 x 2 = 100. C1's
    lead time is 45 days; were it 10, an order placed at the close would be in by 10 Nov, so
    the late ones are assumed in Nov 2025 too, and what the plan loses before them is
    November's 150 (lost before the 10th, the month having begun before it)."""
    month = pd.Timestamp(PLAN)
    tables = {
        "staging.open_purchase_orders": pd.DataFrame(
            {
                "po": ["P1", "P2", "P3"],
                "item": ["C1", "C1", "C2"],
                "qty_open": [50.0, 20.0, 99.0],
                "due_date": pd.to_datetime(["2025-10-05", "2025-09-30", "2025-11-03"]),
            }
        ),
        "staging.items": pd.DataFrame(
            {
                "item": ["C1", "C2"],
                "description": ["Jar", "Lid"],
                "unit_cost": [2.0, 1.0],
                "lead_time_days": [45.0, 10.0],
            }
        ),
        "sop_mart.supply_gaps": pd.DataFrame(
            {
                "item": ["FG1", "FG1"],
                "limiting_item": ["C1", "C1"],
                "margin_at_risk": [300.0, 100.0],
                "revenue_at_risk": [500.0, 200.0],
            }
        ),
        # the plan loses 150 to C1 in November, 999 in December (after the orders arrive) and
        # 40 to C2, whose order is not late
        "sop_mart.constraint_prices": pd.DataFrame(
            {
                "constraint_type": ["component", "component", "component", "resource"],
                "constraint": ["C1", "C1", "C2", "C1"],
                "month": pd.to_datetime(["2025-11-01", "2025-12-01", "2025-11-01", "2025-11-01"]),
                "lost_margin": [150.0, 999.0, 40.0, 7.0],
            }
        ),
    }
    tables = {name: frame.assign(plan_month=month) for name, frame in tables.items()}
    out = _run(_con(tables), "marts/late_purchase_orders").set_index("po")
    assert list(out.index) == ["P2", "P1"]  # same margin at risk: the latest first
    assert out.loc["P1", "days_late"] == 26 and out.loc["P2", "days_late"] == 31
    assert set(out["assumed_arrival_month"]) == {pd.Timestamp("2025-12-01")}
    assert out.loc["P1", "order_value"] == 100.0
    assert (out.loc["P1", "items_short"], out.loc["P1", "margin_at_risk"]) == (1, 400.0)
    assert out.loc["P1", "revenue_at_risk"] == 700.0
    assert list(out["plan_lost_margin"]) == [150.0, 150.0]
    now = _run(_con(tables), "marts/late_purchase_orders", {"supply": {"late_po_delay_months": 0}})
    assert set(now["assumed_arrival_month"]) == {pd.Timestamp("2025-11-01")}
    tables["staging.items"]["lead_time_days"] = 10.0
    quick = _run(_con(tables), "marts/late_purchase_orders")
    assert set(quick["assumed_arrival_month"]) == {pd.Timestamp("2025-11-01")}
    assert list(quick["plan_lost_margin"]) == [150.0, 150.0]
