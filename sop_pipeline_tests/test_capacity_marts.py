"""The SQL marts' share of capacity, options and cash, on hand-made tables worked out by hand:
the cash balance and runway of the cash projection, the capacity issue of the top issues and the
suggested option naming its decision."""

from __future__ import annotations

import pandas as pd
import pytest

from sop_pipeline_tests.sql_fixtures import PLAN, connect, run_sql_model

MONTH = pd.Timestamp
NOV, DEC = MONTH("2025-11-01"), MONTH("2025-12-01")
JUN, JUL = MONTH("2026-06-01"), MONTH("2026-07-01")


def _plan(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(plan_month=MONTH(PLAN))


def cash_tables(opening: float) -> dict[str, pd.DataFrame]:
    """X is purchased (cost 2): the base MRP receives 100 in Nov (200 of spend) and 50 in Dec
    (100). Forecast revenue Nov 1000, Dec 900; the supply gaps lose 50 in Dec; the capacity plan
    pays 30 of overtime in Nov (the upside's 999 is ignored). cash.csv: 5,000 at the Sep close
    (burn 800), ``opening`` at the Oct close (burn 1,000), and a row for Nov (after the plan
    month: ignored)."""
    mrp = pd.DataFrame(
        {
            "scenario": "base",
            "item": "X",
            "month": [NOV, DEC],
            "projected_on_hand": [100.0, 100.0],
            "scheduled_receipts": [0.0, 50.0],
            "planned_receipt_qty": [100.0, 0.0],
        }
    )
    return {
        "staging.items": _plan(pd.DataFrame({"item": ["X", "A"], "unit_cost": [2.0, 1.0]})),
        "staging.bom": _plan(pd.DataFrame({"parent": ["A"], "component": ["Z"]})),
        "staging.inventory": _plan(
            pd.DataFrame({"item": ["X"], "on_hand_qty": [100.0], "unit_cost": [None]})
        ),
        "sop_mart.material_requirements": _plan(mrp),
        "sop_mart.forecast": _plan(
            pd.DataFrame(
                {
                    "item": "A",
                    "month": [NOV, DEC],
                    "forecast_qty": 1.0,
                    "forecast_revenue": [1000.0, 900.0],
                }
            )
        ),  # fmt: skip
        "sop_mart.supply_gaps": _plan(
            pd.DataFrame({"item": ["A"], "month": [DEC], "revenue_at_risk": [50.0]})
        ),
        "sop_mart.capacity_plan": _plan(
            pd.DataFrame(
                {
                    "scenario": ["base", "upside"],
                    "resource": "FILL",
                    "month": [NOV, NOV],
                    "overtime_cost": [30.0, 999.0],
                }
            )
        ),  # fmt: skip
        "staging.cash": _plan(
            pd.DataFrame(
                {
                    "as_of_month": [MONTH("2025-09-01"), MONTH(PLAN), NOV],
                    "opening_cash": [5000.0, opening, 1.0],
                    "monthly_operating_burn": [800.0, 1000.0, 1.0],
                }
            )
        ),  # fmt: skip
    }


def test_cash_balance_and_runway_that_extrapolates_beyond_the_horizon() -> None:
    """Opening cash 4,000 at the Oct close.
    Nov: 1000 - 200 purchases - 30 overtime - 1000 burn = -230 -> 3,770.
    Dec: (900 - 50) - 100 - 0 - 1000 = -250 -> 3,520.
    Never below zero: runway 2 + 3520 / ((4000 - 3520) / 2) = 2 + 14.667 = 16.667 months."""
    con = connect(cash_tables(4000.0))
    out = run_sql_model(con, "marts/cash_projection").set_index("month")
    projected = out[~out["is_actual"]]
    assert list(projected["cash_inflow"]) == [1000.0, 850.0]
    assert list(projected["purchase_spend"]) == [200.0, 100.0]
    assert list(projected["overtime_cost"]) == [30.0, 0.0]
    assert list(projected["operating_burn"]) == [1000.0, 1000.0]
    assert list(projected["cash_balance"]) == [3770.0, 3520.0]
    assert out["runway_months"].iloc[0] == pytest.approx(2 + 3520 / 240)
    assert (out["cash_as_of_month"] == MONTH(PLAN)).all()
    assert out.loc[out["is_actual"], "cash_balance"].isna().all()


def test_runway_interpolated_in_the_month_cash_runs_out() -> None:
    """Opening 300: Nov 300 - 230 = 70, Dec 70 - 250 = -180: it runs out in Dec, 70 / (70 +
    180) = 0.28 into it: runway 1.28 months."""
    out = run_sql_model(connect(cash_tables(300.0)), "marts/cash_projection")
    projected = out[~out["is_actual"]].sort_values("month")
    assert list(projected["cash_balance"]) == [70.0, -180.0]
    assert out["runway_months"].iloc[0] == pytest.approx(1.28)


def test_without_cash_the_columns_are_empty() -> None:
    tables = cash_tables(0.0)
    tables["staging.cash"] = tables["staging.cash"].iloc[0:0]
    out = run_sql_model(connect(tables), "marts/cash_projection")
    assert (
        out[["cash_balance", "runway_months", "cash_as_of_month", "cash_inflow"]]
        .isna()
        .all(axis=None)
    )
    assert list(out.loc[~out["is_actual"], "purchase_spend"]) == [200.0, 100.0]


def issue_tables() -> dict[str, pd.DataFrame]:
    """FILL is overloaded by 20 h in Jun (150 units not made, expected revenue 900 and margin
    600 lost) and 10 h in Jul (50, 500, 400); PACK by 1 h with 0.2 of margin (no issue). The
    options suggest pre-building for FILL. FG3's forecast rose 2,000 of margin with a new model;
    its options suggest producing to the upside."""
    plan = pd.DataFrame(
        {
            "scenario": "base",
            "resource": ["FILL", "FILL", "FILL", "PACK"],
            "description": ["Filling line"] * 3 + ["Packing line"],
            "month": [MONTH("2026-05-01"), JUN, JUL, JUN],
            "overload": [0.0, 20.0, 10.0, 1.0],
            "overtime_cost": [0.0, 300.0, 300.0, 0.0],
            "units_short": [0.0, 150.0, 50.0, 4.0],
            "revenue_at_risk": [0.0, 900.0, 500.0, 0.3],
            "margin_at_risk": [0.0, 600.0, 400.0, 0.2],
        }
    )
    options = pd.DataFrame(
        {
            "issue": ["capacity:FILL", "capacity:FILL", "forecast_change:FG3"],
            "category": ["capacity", "capacity", "forecast_change"],
            "item": ["FILL", "FILL", "FG3"],
            "option": ["plan_to_base", "prebuild", "produce_to_upside"],
            "is_suggested": [False, True, True],
            "decision": [
                "Plan to the base forecast and take the stockout risk on FILL",
                "Pre-build 200 units in Apr 2026-May 2026 on spare capacity of FILL",
                "Produce FG3 to the upside: 300 more units over Nov 2025-Oct 2026",
            ],
        }
    )
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
        "staging.items": _plan(pd.DataFrame({"item": ["FG3"], "unit_cost": [1.0]})),
        "staging.open_purchase_orders": _plan(
            no_rows.assign(po=None, due_date=pd.Series(dtype="datetime64[ns]"))
        ),
        "sop_mart.capacity_plan": _plan(plan),
        "sop_mart.scenario_options": _plan(options),
        "sop_mart.forecast_changes": _plan(changes),
    }


def test_an_overloaded_resource_is_an_issue_with_its_suggested_option() -> None:
    """FILL: margin at stake 600 + 400 = 1,000, revenue 1,400, overload 30 h, 200 units; its
    suggested decision is the pre-build. FG3 (2,000) ranks first; its suggestion follows the
    method check. PACK's 0.2 of margin is no issue."""
    out = run_sql_model(connect(issue_tables()), "marts/top_issues").set_index("category")
    assert list(out.index) == ["forecast_change", "capacity"]
    fill = out.loc["capacity"]
    assert fill["item"] == "FILL" and fill["impact_value"] == 1000.0
    assert fill["revenue_value"] == 1400.0
    assert fill["topic"] == (
        "Filling line overloaded by 30 beyond overtime in Jun 2026-Jul 2026: 200 units not "
        "made, expected 1,400 of sales lost"
    )
    assert fill["suggested_decision"] == (
        "Pre-build 200 units in Apr 2026-May 2026 on spare capacity of FILL"
    )
    assert out.loc["forecast_change", "suggested_decision"] == (
        "Check the new method against last month's before acting on FG3; then: Produce FG3 "
        "to the upside: 300 more units over Nov 2025-Oct 2026"
    )


def test_without_an_option_table_the_wording_stays() -> None:
    tables = issue_tables()
    tables["sop_mart.scenario_options"] = tables["sop_mart.scenario_options"].iloc[0:0]
    out = run_sql_model(connect(tables), "marts/top_issues").set_index("category")
    assert out.loc["capacity", "suggested_decision"] == (
        "Add capacity on Filling line (an extra shift or subcontracting) or pre-build before "
        "Jun 2026"
    )
    assert out.loc["forecast_change", "suggested_decision"] == (
        "Check the new method against last month's before acting on FG3"
    )
