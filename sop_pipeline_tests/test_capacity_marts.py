"""The top issues' share of the constrained plan, on hand-made tables worked out by hand: one
issue per binding constraint whatever the number of items it limits, its money at stake, and the
suggested option naming its decision."""

from __future__ import annotations

import pandas as pd

from sop_pipeline_tests.sql_fixtures import PLAN, connect, run_sql_model

MONTH = pd.Timestamp
NOV, DEC = MONTH("2025-11-01"), MONTH("2025-12-01")
JUN, JUL = MONTH("2026-06-01"), MONTH("2026-07-01")


def _plan(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(plan_month=MONTH(PLAN))


def issue_tables() -> dict[str, pd.DataFrame]:
    """The constrained plan's binding constraints:

    - PK-010 (a bottle) limits FC-002, FC-006, FC-010 and HC-030 in Nov and Dec: 20 + 10 units
      lost, 100 + 50 of margin; its options suggest expediting it, +1,000 against plan to base.
    - FILL (Filling line) binds in Jun at 24.0 an hour: no sale lost (it binds for the buffer
      build), but its suggestion - pre-building - protects 300 against plan to base.
    - HC-030's own lead time loses 200 of margin in Dec (after the meeting's month: the
      meeting's); no option table.
    - PACK binds at 0.4 an hour with nothing lost and no option: no issue.
    FG3's forecast rose 2,000 of margin with a new model; its options suggest producing to the
    upside."""
    prices = pd.DataFrame(
        {
            "constraint_type": ["component", "component", "resource", "lead_time", "resource"],
            "constraint": ["PK-010", "PK-010", "FILL", "HC-030", "PACK"],
            "month": [NOV, DEC, JUN, DEC, JUN],
            "shadow_price": [0.06, 0.05, 24.0, 21.5, 0.4],
            "unit": ["per unit", "per unit", "per hour", "per unit", "per hour"],
            "slack": 0.0,
            "affected_items": [
                "FC-002, FC-006, FC-010, HC-030",
                "FC-002, HC-030",
                "SC-020",
                "HC-030",
                "SC-020",
            ],
            "affected_item_count": [4, 2, 1, 1, 1],
            "lost_sales_qty": [20.0, 10.0, 0.0, 6.0, 0.0],
            "lost_margin": [100.0, 50.0, 0.0, 200.0, 0.0],
            "description": ["Amber bottle", "Amber bottle", "Filling line", "Hair oil", ""],
        }
    )
    options = pd.DataFrame(
        {
            "issue": [
                "component:PK-010", "component:PK-010", "resource:FILL", "resource:FILL",
                "forecast_change:FG3",
            ],
            "category": ["component", "component", "resource", "resource", "forecast_change"],
            "item": ["PK-010", "PK-010", "FILL", "FILL", "FG3"],
            "partners": "",
            "option": ["plan_to_base", "expedite", "plan_to_base", "prebuild",
                       "produce_to_upside"],
            "is_feasible": True,
            "extra_inventory_cash_peak": 0.0,
            "lost_sales_qty": 0.0,
            "is_suggested": [False, True, False, True, True],
            "margin_vs_base": [0.0, 1000.0, 0.0, 300.0, 40.0],
            "decision": [
                "Plan without expediting PK-010 and take the stockout risk",
                "Expedite 6,750 of PK-010 now (14 days, 15% premium)",
                "Plan without overtime or building ahead on FILL and take the stockout risk",
                "Build 200 units ahead on FILL's spare capacity (Apr 2026-May 2026)",
                "Produce FG3 to the upside: hold up to 300 more units for demand above the "
                "forecast",
            ],
        }
    )  # fmt: skip
    changes = pd.DataFrame(
        {
            "item": ["FG3"],
            "is_exception": [True],
            "is_timing_shift": [False],
            "change_qty": [500.0],
            "change_pct": [0.4],
            "abs_change_qty": [500.0],
            "change_revenue": [3000.0],
            "abs_change_revenue": [3000.0],
            "change_margin": [2000.0],
            "abs_change_margin": [2000.0],
            "is_method_switch": [True],
            "change_cause": ["method switch: model Theta -> AutoETS"],
        }
    )
    no_rows = pd.DataFrame({"item": pd.Series(dtype=object)})
    return {
        "staging.items": _plan(
            pd.DataFrame(
                {
                    "item": ["FG3"],
                    "unit_cost": [1.0],
                    "description": ["Toner"],
                    "family": ["F"],
                    "lead_time_days": [14],
                }
            )
        ),
        "staging.open_purchase_orders": _plan(
            no_rows.assign(
                po=None, qty_open=pd.Series(dtype=float), due_date=pd.Series(dtype="datetime64[ns]")
            )
        ),
        "sop_mart.constraint_prices": _plan(prices),
        "sop_mart.scenario_options": _plan(options),
        "sop_mart.forecast_changes": _plan(changes),
    }


def test_a_binding_component_is_one_issue_with_every_item_it_limits() -> None:
    """Money at stake = the margin the plan still loses to the constraint + what its suggested
    option protects: PK-010 150 + 1,000 = 1,150 (one issue, its four items), FILL 0 + 300 =
    300, HC-030's lead time 200. PACK is no issue; FG3's forecast change came with a new model:
    the planners check it first (planner_tasks), it is not on the agenda."""
    out = run_sql_model(connect(issue_tables()), "marts/top_issues").set_index("item")
    assert list(out.index) == ["PK-010", "FILL", "HC-030"]
    assert list(out["impact_value"]) == [1150.0, 300.0, 200.0]
    assert list(out["category"]) == ["component", "resource", "lead_time"]
    assert out.loc["PK-010", "affected_item_count"] == 4
    assert out.loc["PK-010", "topic"] == (
        "Amber bottle (PK-010) binds from Nov 2025 to Dec 2025: 4 affected (FC-002, FC-006, "
        "FC-010, HC-030), one more unit is worth 0.06; the plan still loses 30 units (150 of "
        "margin)"
    )
    assert out.loc["PK-010", "suggested_decision"] == (
        "Expedite 6,750 of PK-010 now (14 days, 15% premium)"
    )
    assert out.loc["FILL", "topic"] == (
        "Filling line (FILL) binds in Jun 2026: 1 affected (SC-020), one more hour is worth 24.00"
    )
    assert out.loc["FILL", "suggested_decision"].startswith("Build 200 units ahead on FILL")


def test_without_an_option_table_the_wording_stays() -> None:
    """Without options FILL has nothing at stake (it loses no sale): no issue; PK-010 keeps its
    lost margin (150) and a generic decision; the method check is the planners'."""
    tables = issue_tables()
    tables["sop_mart.scenario_options"] = tables["sop_mart.scenario_options"].iloc[0:0]
    out = run_sql_model(connect(tables), "marts/top_issues").set_index("item")
    assert "FILL" not in out.index
    assert out.loc["PK-010", "impact_value"] == 150.0
    assert out.loc["PK-010", "suggested_decision"] == "Expedite PK-010 or find a second source"
    assert "FG3" not in out.index
    tasks = run_sql_model(connect(tables), "marts/planner_tasks").set_index("item")
    assert tasks.loc["FG3", "task"] == (
        "Check the new method against last month's: the plan already follows it for FG3"
    )
