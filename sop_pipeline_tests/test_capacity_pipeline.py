"""Capacity, options and runway through the real assets: the tiny company with a filling line
too small for its demand (tiny_company.write_capacity_files), planned for 2025-10 by the CLI;
every new check passes on the plan and fails on a table put wrong on purpose."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from sop_pipeline.runner import run_pipeline
from sop_pipeline.supply import checks
from sop_pipeline.supply.assets import scenario_options_table, supply_plan
from sop_pipeline_tests.conftest import (
    built_once,
    copy_company,
    paths_for,
    read_table,
    run_check,
)
from sop_pipeline_tests.tiny_company import write_capacity_files, write_tiny_company

MONTH = "2025-10-01"


def _plan(root: Path) -> None:
    paths = paths_for(root)
    write_tiny_company(paths.data_dir, "2025-07", 4)
    write_capacity_files(paths.data_dir)
    (paths.data_dir / "settings.yaml").write_text("planning_months_back: 1\n")
    run_pipeline(paths, dt.date(2025, 10, 1), echo=lambda _: None)


@pytest.fixture(scope="session")
def capacity_company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny company with capacity and cash files, 2025-09 and 2025-10 planned."""
    return built_once(tmp_path_factory, "capacity_company", _plan)


def _table(root: Path, table: str) -> pd.DataFrame:
    return read_table(
        paths_for(root).work_db, f"select * from sop_mart.{table} where plan_month = ?", [MONTH]
    )


def test_the_capacity_plan_loads_the_line_with_the_mrp_production_orders(
    capacity_company: Path,
) -> None:
    """LINE: 70 h a month + 10 h of overtime (40 an hour); FG1 0.5 h, FG2 1 h, FG3 0.5 h a
    unit; PACK 300 h, FG1 0.1 h. Dec 2025 is halved by capacity.csv (35 h)."""
    plan = _table(capacity_company, "capacity_plan")
    assert len(plan) == 2 * 12 * 2  # resources x months x scenarios
    mrp = _table(capacity_company, "material_requirements")
    base = mrp[mrp["scenario"] == "base"].set_index(["item", "month"])
    orders = base["scheduled_receipts"] + base["planned_receipt_qty"]
    line = plan[(plan["scenario"] == "base") & (plan["resource"] == "LINE")].set_index("month")
    for month, row in line.iterrows():
        expected = sum(
            hours * orders.get((item, month), 0.0)
            for item, hours in (("FG1", 0.5), ("FG2", 1.0), ("FG3", 0.5))
        )
        assert row["load"] == pytest.approx(expected)
        over = max(0.0, row["load"] - row["capacity"])
        assert row["overtime_used"] == pytest.approx(min(over, 10.0))
        assert row["overtime_cost"] == pytest.approx(40 * min(over, 10.0))
        assert row["overload"] == pytest.approx(max(0.0, over - 10.0))
    dec = line.loc[pd.Timestamp("2025-12-01")]
    assert dec["capacity"] == 35 and dec["capacity_source"] == "override"
    pack = plan[(plan["scenario"] == "base") & (plan["resource"] == "PACK")]
    assert (pack["overload"] == 0).all()


def test_overload_and_prebuild_of_the_line_by_hand(capacity_company: Path) -> None:
    """The MRP's lot-sized orders load LINE (h) Nov..Oct: 150, 95, 150, 85, 60, 185, 60, 185,
    60, 85, 185, 60 against 70 (Dec 35) + 10 h of overtime: overloads 70, 50, 70, 5, 0, 105,
    0, 105, 0, 5, 105, 0. Pre-build (3 months back at most, spare regular hours only): Mar's
    10 spare h go to Apr, May's to Jun, Jul's 10 to Aug (5) and Sep (5); Feb's window
    (Nov-Jan) and Nov (month 1) have none. Oct's spare serves no later month."""
    plan = _table(capacity_company, "capacity_plan")
    line = plan[(plan["scenario"] == "base") & (plan["resource"] == "LINE")].sort_values("month")
    np.testing.assert_allclose(line["load"], [150, 95, 150, 85, 60, 185, 60, 185, 60, 85, 185, 60])
    np.testing.assert_allclose(line["overload"], [70, 50, 70, 5, 0, 105, 0, 105, 0, 5, 105, 0])
    np.testing.assert_allclose(line["prebuild_load"], [0, 0, 0, 0, 0, 10, 0, 10, 0, 5, 5, 0])


def test_the_overload_becomes_capacity_gaps_naming_the_line(capacity_company: Path) -> None:
    """Every capacity gap names LINE and follows from the plan: units not made = overload x
    the item's orders / the line's load, less the month-end stock, capped at demand."""
    gaps = _table(capacity_company, "supply_gaps")
    capacity = gaps[gaps["gap_type"] == "capacity"]
    assert len(capacity) > 0 and set(capacity["limiting_item"]) == {"LINE"}
    assert capacity["binding_component"].isna().all()
    plan = _table(capacity_company, "capacity_plan").query("scenario == 'base'")
    line = plan[plan["resource"] == "LINE"].set_index("month")
    mrp = _table(capacity_company, "material_requirements").query("scenario == 'base'")
    mrp = mrp.set_index(["item", "month"])
    hours = {"FG1": 0.5, "FG2": 1.0, "FG3": 0.5}
    for row in capacity.itertuples():
        month = line.loc[row.month]
        at = mrp.loc[(row.item, row.month)]
        orders = at["scheduled_receipts"] + at["planned_receipt_qty"]
        units = month["overload"] * orders * hours[row.item] / month["load"] / hours[row.item]
        expected = min(row.demand_qty, max(0.0, units - at["projected_on_hand"]))
        assert row.shortage_qty == pytest.approx(expected)
        assert row.available_qty == pytest.approx(row.demand_qty - row.shortage_qty)
    assert set(gaps["gap_type"]) <= {"material", "capacity"}
    assert not gaps.duplicated(["item", "month"]).any()


def test_top_issues_name_the_line_and_its_suggested_option(capacity_company: Path) -> None:
    issues = _table(capacity_company, "top_issues").set_index("category")
    assert "capacity" in issues.index
    line = issues.loc["capacity"]
    assert line["item"] == "LINE" and line["topic"].startswith("Filling line overloaded by")
    plan = _table(capacity_company, "capacity_plan").query("scenario == 'base'")
    assert line["impact_value"] == pytest.approx(plan["margin_at_risk"].sum())
    options = _table(capacity_company, "scenario_options")
    rows = options[options["issue"] == "capacity:LINE"].set_index("option")
    assert list(rows.index) == ["plan_to_base", "overtime", "prebuild", "spread_deliveries"]
    assert not rows.loc["overtime", "is_feasible"]
    assert "already uses all" in rows.loc["overtime", "note"]
    assert rows.loc["prebuild", "is_feasible"]
    assert rows.loc["prebuild", "decision"].startswith("Pre-build ")
    assert rows["is_suggested"].sum() == 1
    assert line["suggested_decision"] == rows.loc[rows["is_suggested"], "decision"].iloc[0]


def test_cash_balance_and_runway_follow_from_the_plan(capacity_company: Path) -> None:
    """cash.csv: 15,000 at the 2025-10 close, 4,000 a month of operating burn. Each projected
    month: balance = previous + inflow - purchases - overtime - 4,000."""
    cash = _table(capacity_company, "cash_projection").sort_values("month")
    projected = cash[~cash["is_actual"]]
    assert (projected["cash_as_of_month"] == pd.Timestamp("2025-10-01")).all()
    assert (projected["operating_burn"] == 4000).all()
    flows = (
        projected["cash_inflow"]
        - projected["purchase_spend"]
        - projected["overtime_cost"]
        - projected["operating_burn"]
    )
    np.testing.assert_allclose(projected["cash_balance"], 15000 + flows.cumsum())
    plan = _table(capacity_company, "capacity_plan").query("scenario == 'base'")
    overtime = plan.groupby("month")["overtime_cost"].sum()
    np.testing.assert_allclose(projected.set_index("month")["overtime_cost"], overtime)
    balances = projected["cash_balance"].to_numpy()
    runway = projected["runway_months"].iloc[0]
    negative = np.flatnonzero(balances < 0)
    if len(negative):
        k = negative[0]
        before = 15000 if k == 0 else balances[k - 1]
        assert runway == pytest.approx(k + before / (before - balances[k]))
    else:
        outflow = (15000 - balances[-1]) / len(balances)
        assert runway == pytest.approx(len(balances) + balances[-1] / outflow)
    assert cash["runway_months"].nunique() == 1  # one figure for the plan month
    options = _table(capacity_company, "scenario_options")
    base = options[options["option"] == "plan_to_base"]
    assert base["runway_months"].to_numpy() == pytest.approx(runway)
    assert base["cash_balance_end"].to_numpy() == pytest.approx(balances[-1])


def test_a_company_without_the_files_plans_as_before(planned_company: Path) -> None:
    db = paths_for(planned_company).work_db
    month = ["2025-09-01"]
    assert read_table(db, "select * from sop_mart.capacity_plan where plan_month = ?", month).empty
    gaps = read_table(db, "select * from sop_mart.supply_gaps where plan_month = ?", month)
    assert (gaps["gap_type"] == "material").all()
    cash = read_table(db, "select * from sop_mart.cash_projection where plan_month = ?", month)
    assert cash[["cash_balance", "runway_months", "cash_as_of_month"]].isna().all().all()
    issues = read_table(db, "select * from sop_mart.top_issues where plan_month = ?", month)
    assert "capacity" not in set(issues["category"])


# --- the checks fail on a table put wrong ------------------------------------------------------


CASES = [
    (
        supply_plan,
        checks.capacity_plan_covers_every_resource_month,
        "delete from sop_mart.capacity_plan where plan_month = ? and resource = 'PACK'"
        " and scenario = 'upside' and month = '2026-01-01'",
    ),
    (
        supply_plan,
        checks.overtime_and_overload_follow_from_load,
        "update sop_mart.capacity_plan set overload = overload + 5 where plan_month = ?"
        " and resource = 'PACK' and month = '2026-02-01'",
    ),
    (
        supply_plan,
        checks.load_matches_the_mrp_production_orders,
        "update sop_mart.material_requirements set planned_receipt_qty = planned_receipt_qty"
        " + 10 where plan_month = ? and item = 'FG2' and scenario = 'base'"
        " and month = '2026-03-01'",
    ),
    (
        scenario_options_table,
        checks.one_suggested_option_per_issue,
        "update sop_mart.scenario_options set is_suggested = true where plan_month = ?",
    ),
    (
        scenario_options_table,
        checks.option_figures_are_consistent,
        "update sop_mart.scenario_options set service_level = 1.5 where plan_month = ?"
        " and option = 'spread_deliveries'",
    ),
]


@pytest.mark.parametrize(
    ("asset", "check", "wrong"), CASES, ids=[c[1].check_key.name for c in CASES]
)
def test_check_passes_on_the_plan_and_fails_on_a_wrong_table(
    capacity_company: Path, tmp_path: Path, asset, check, wrong: str
) -> None:
    db = copy_company(capacity_company, tmp_path / "company").work_db
    assert run_check(db, asset, check, MONTH).passed
    con = duckdb.connect(str(db))
    try:
        con.execute(wrong, [MONTH])
    finally:
        con.close()
    evaluation = run_check(db, asset, check, MONTH)
    assert not evaluation.passed
    assert evaluation.metadata["rows_failing"].value >= 1


def test_a_cash_ceiling_of_zero_suggests_no_option_that_ties_up_cash(
    capacity_company: Path, tmp_path: Path
) -> None:
    """decisions.max_extra_cash: 0 -> every suggestion holds no extra stock."""
    paths = copy_company(capacity_company, tmp_path / "company")
    paths.settings_file.write_text("planning_months_back: 1\ndecisions:\n  max_extra_cash: 0\n")
    run_pipeline(paths, dt.date(2025, 10, 1), echo=lambda _: None)
    options = _table(paths.data_dir.parent, "scenario_options")
    suggested = options[options["is_suggested"]]
    assert len(suggested) == options["issue"].nunique() >= 1
    assert (suggested["extra_inventory_cash_peak"] <= 1e-9).all()
