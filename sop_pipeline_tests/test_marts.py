"""The SQL marts on small hand-made tables: accuracy, overdue actions, top issues."""

from __future__ import annotations

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


def _issue_tables(**frames: pd.DataFrame) -> dict[str, pd.DataFrame]:
    month = pd.Timestamp(PLAN)
    empty = {
        "sop_mart.supply_gaps": pd.DataFrame(
            {
                "plan_month": [month],
                "item": ["X"],
                "month": [pd.Timestamp("2025-12-01")],
                "shortage_qty": [10.0],
                "revenue_at_risk": [0.0],
                "limiting_item": ["X"],
            }
        ).iloc[0:0],
        "staging.open_purchase_orders": pd.DataFrame(
            {
                "plan_month": [month],
                "po": ["P"],
                "item": ["X"],
                "due_date": [pd.Timestamp("2025-12-01")],
            }
        ).iloc[0:0],
        "sop_mart.shelf_life_risk": pd.DataFrame(
            {
                "plan_month": [month],
                "item": ["X"],
                "lot": ["L"],
                "reason": ["expiry"],
                "qty_at_risk": [1.0],
                "value_at_risk": [1.0],
                "expiry_date": [pd.Timestamp("2026-01-01")],
            }
        ).iloc[0:0],
        "sop_mart.forecast_changes": pd.DataFrame(
            {
                "plan_month": [month],
                "item": ["X"],
                "change_qty": [1.0],
                "change_pct": [0.1],
                "change_revenue": [1.0],
                "is_exception": [True],
            }
        ).iloc[0:0],
        "sop_mart.financial_reconciliation": pd.DataFrame(
            {"plan_month": [month], "family": ["F"], "gap": [1.0], "planned_revenue": [1.0]}
        ).iloc[0:0],
        "sop_mart.actions": pd.DataFrame(
            {
                "plan_month": [month],
                "action_id": ["A"],
                "topic": ["t"],
                "owner": ["o"],
                "is_overdue": [True],
                "days_overdue": [3],
            }
        ).iloc[0:0],
    }
    for name, frame in frames.items():
        empty[name] = frame.assign(plan_month=month)
    return empty


def test_top_issues_rank_by_money_at_stake_with_a_concrete_decision() -> None:
    tables = _issue_tables(
        **{
            "sop_mart.supply_gaps": pd.DataFrame(
                {
                    "item": ["FG1", "FG1", "FG2"],
                    "month": pd.to_datetime(["2025-12-01", "2026-01-01", "2026-02-01"]),
                    "shortage_qty": [100.0, 50.0, 10.0],
                    "revenue_at_risk": [3000.0, 1500.0, 900.0],
                    "limiting_item": ["C1", "C1", "FG2"],
                }
            ),
            "staging.open_purchase_orders": pd.DataFrame(
                {
                    "po": ["PO-9", "PO-7"],
                    "item": ["C1", "C1"],
                    "due_date": pd.to_datetime(["2026-01-10", "2025-12-20"]),
                }
            ),
            "sop_mart.shelf_life_risk": pd.DataFrame(
                {
                    "item": ["SA1"],
                    "lot": ["B-17"],
                    "reason": ["expiry"],
                    "qty_at_risk": [40.0],
                    "value_at_risk": [2000.0],
                    "expiry_date": [pd.Timestamp("2026-01-31")],
                }
            ),
            "sop_mart.forecast_changes": pd.DataFrame(
                {
                    "item": ["FG3", "FG4"],
                    "change_qty": [-500.0, 5.0],
                    "change_pct": [-0.4, 0.5],
                    "change_revenue": [-6000.0, 10.0],
                    "is_exception": [True, False],
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
    )
    out = _run(_con(tables), "marts/top_issues")
    assert list(out["rank"]) == [1, 2, 3, 4, 5]
    assert list(out["category"]) == [
        "forecast_change",
        "supply_gap",
        "shelf_life",
        "plan_shortfall",
        "supply_gap",
    ]
    assert list(out["impact_value"]) == [6000.0, 4500.0, 2000.0, 1200.0, 900.0]
    gap = out.iloc[1]
    assert gap["item"] == "FG1"
    assert gap["suggested_decision"] == (
        "Expedite C1 (order PO-7) or approve a spot buy so FG1 ships from Dec 2025"
    )
    assert "lot B-17 of SA1" in out.iloc[2]["suggested_decision"]
    three = _run(_con(tables), "marts/top_issues", {"meeting": {"top_issues": 3}})
    assert len(three) == 3


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
