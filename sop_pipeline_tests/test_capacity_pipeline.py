"""Capacity, the constrained plan, its options and runway through the real assets: the tiny
company with a filling line too small for its demand (tiny_company.write_capacity_files),
planned for 2025-10 by the CLI; every check passes on the plan and fails on a table put wrong
on purpose."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from sop_pipeline.balance import checks as balance_checks
from sop_pipeline.balance.assets import balance_plan
from sop_pipeline.runner import run_pipeline
from sop_pipeline.supply import checks
from sop_pipeline.supply.assets import supply_plan
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
    """The MRP's lot-sized orders load LINE (h) Nov..Oct: 150, 85, 160, 85, 60, 185, 60, 185,
    60, 85, 185, 65 against 70 (Dec 35) + 10 h of overtime: overloads 70, 40, 80, 5, 0, 105,
    0, 105, 0, 5, 105, 0. Pre-build (3 months back at most, spare regular hours only): Mar's
    10 spare h go to Apr, May's to Jun, Jul's 10 to Aug (5) and Sep (5); Feb's window
    (Nov-Jan) and Nov (month 1) have none. Oct's 5 spare h serve no later month."""
    plan = _table(capacity_company, "capacity_plan")
    line = plan[(plan["scenario"] == "base") & (plan["resource"] == "LINE")].sort_values("month")
    np.testing.assert_allclose(line["load"], [150, 85, 160, 85, 60, 185, 60, 185, 60, 85, 185, 65])
    np.testing.assert_allclose(line["overload"], [70, 40, 80, 5, 0, 105, 0, 105, 0, 5, 105, 0])
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


def test_the_line_binds_the_constrained_plan_and_is_one_issue(capacity_company: Path) -> None:
    """The constrained plan keeps LINE within its 70 h (Dec 35 h) + 10 h of overtime: LINE binds
    with a shadow price, is one issue (category resource) whose options are re-solves of the
    plan, one suggested, named by top_issues."""
    capacity = _table(capacity_company, "constrained_capacity").query("scenario == 'base'")
    line = capacity[capacity["resource"] == "LINE"].set_index("month")
    assert (line["load"] <= line["capacity"] + line["overtime_used"] + 1e-6).all()
    assert (line["overtime_used"] <= 10 + 1e-9).all()
    prices = _table(capacity_company, "constraint_prices")
    binding = prices[(prices["constraint_type"] == "resource") & (prices["constraint"] == "LINE")]
    assert len(binding) >= 1 and (binding["shadow_price"] > 0).all()
    for row in binding.itertuples():  # binding: every regular hour and the overtime used taken
        at = line.loc[row.month]
        assert at["load"] == pytest.approx(at["capacity"] + at["overtime_used"])
        assert at["shadow_price"] == pytest.approx(row.shadow_price)
        # an hour is worth at most the overtime rate (40) while overtime is left
        if at["overtime_used"] < 10 - 1e-6:
            assert row.shadow_price <= 40 + 1e-6
    options = _table(capacity_company, "scenario_options")
    rows = options[options["issue"] == "resource:LINE"].set_index("option")
    assert list(rows.index) == [
        "plan_to_base",
        "overtime",
        "prebuild",
        "spread_deliveries",
        "constrained_plan",
    ]
    assert rows["is_suggested"].sum() == 1
    assert rows.loc["plan_to_base", "margin_vs_base"] == 0.0
    issues = _table(capacity_company, "top_issues").set_index("item")
    if "LINE" in issues.index:
        assert issues.loc["LINE", "category"] == "resource"
        # the suggested option's decision; "Either: ...; or: ..." when the next best option is
        # within a few hundred of expected margin of it
        suggested = rows.loc[rows["is_suggested"], "decision"].iloc[0]
        text = issues.loc["LINE", "suggested_decision"]
        assert text == suggested or text.startswith(f"Either: {suggested}; or: ")


def _runway(opening: float, flows: np.ndarray) -> float | None:
    """The runway by hand: month by month on the flows, then their last 12 repeated."""
    balance = opening
    extended = list(flows) + list(flows[-12:]) * 100
    for month, flow in enumerate(extended, start=1):
        after = balance + flow
        if after < 0:
            return month - 1 + balance / (balance - after)
        balance = after
    return None


def test_cash_balance_and_runway_follow_from_the_plan(capacity_company: Path) -> None:
    """cash.csv: 15,000 at the 2025-10 close, 4,000 a month of operating burn. Each projected
    month: balance = previous + the constrained plan's sales revenue - purchases - overtime -
    expedite premiums - 4,000; the runway counts on those flows (the cash runs out within them)."""
    cash = _table(capacity_company, "cash_projection").sort_values("month")
    projected = cash[~cash["is_actual"]].set_index("month")
    assert (projected["cash_as_of_month"] == pd.Timestamp("2025-10-01")).all()
    assert (projected["operating_burn"] == 4000).all()
    plan = _table(capacity_company, "constrained_plan").query("scenario == 'base'")
    revenue = plan.groupby("month")["sales_revenue"].sum()
    np.testing.assert_allclose(projected["cash_inflow"], revenue.loc[projected.index])
    spend = plan.groupby("month")["purchase_spend"].sum()
    np.testing.assert_allclose(projected["purchase_spend"], spend.loc[projected.index])
    capacity = _table(capacity_company, "constrained_capacity").query("scenario == 'base'")
    overtime = capacity.groupby("month")["overtime_cost"].sum()
    np.testing.assert_allclose(projected["overtime_cost"], overtime.loc[projected.index])
    flows = (
        projected["cash_inflow"]
        - projected["purchase_spend"]
        - projected["overtime_cost"]
        - projected["expedite_cost"]
        - projected["operating_burn"]
    ).to_numpy()
    balances = projected["cash_balance"].to_numpy()
    np.testing.assert_allclose(balances, 15000 + flows.cumsum())
    runway = _runway(15000.0, flows)
    assert runway is not None and runway < len(flows)  # within the horizon: no repeated year
    assert cash["runway_months"].iloc[0] == pytest.approx(runway)
    low = projected[projected["is_cash_low_point"].astype(bool)]
    assert len(low) == 1 and low["cash_balance"].iloc[0] == pytest.approx(balances.min())
    assert cash["runway_months"].nunique() <= 1  # one figure for the plan month
    options = _table(capacity_company, "scenario_options")
    plan_rows = options[options["option"] == "constrained_plan"]
    assert plan_rows["cash_balance_end"].to_numpy() == pytest.approx(balances[-1])
    assert plan_rows["cash_low_point"].to_numpy() == pytest.approx(balances.min())


def test_a_company_without_the_files_plans_as_before(planned_company: Path) -> None:
    db = paths_for(planned_company).work_db
    month = ["2025-09-01"]
    assert read_table(db, "select * from sop_mart.capacity_plan where plan_month = ?", month).empty
    gaps = read_table(db, "select * from sop_mart.supply_gaps where plan_month = ?", month)
    assert (gaps["gap_type"] == "material").all()
    cash = read_table(db, "select * from sop_mart.cash_projection where plan_month = ?", month)
    assert cash[["cash_balance", "runway_months", "cash_as_of_month"]].isna().all().all()
    issues = read_table(db, "select * from sop_mart.top_issues where plan_month = ?", month)
    assert "resource" not in set(issues["category"])
    prices = read_table(db, "select * from sop_mart.constraint_prices where plan_month = ?", month)
    assert "resource" not in set(prices["constraint_type"])


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
        balance_plan,
        balance_checks.one_suggested_option_per_issue,
        "update sop_mart.scenario_options set is_suggested = true where plan_month = ?",
    ),
    (
        balance_plan,
        balance_checks.option_figures_are_consistent,
        "update sop_mart.scenario_options set service_level = 1.5 where plan_month = ?"
        " and option = 'spread_deliveries'",
    ),
    (
        balance_plan,
        balance_checks.constrained_stock_balances,
        "update sop_mart.constrained_plan set inventory_qty = inventory_qty + 7"
        " where plan_month = ? and item = 'FG2' and month = '2026-03-01'",
    ),
    (
        balance_plan,
        balance_checks.load_within_capacity_and_overtime,
        "update sop_mart.constrained_capacity set load = capacity + overtime_used + 9"
        " where plan_month = ? and resource = 'LINE' and month = '2026-02-01'",
    ),
    (
        balance_plan,
        balance_checks.lost_margin_carried_once,
        "update sop_mart.constrained_plan set lost_margin = lost_margin + 50"
        " where plan_month = ? and scenario = 'base' and item = 'FG1'"
        " and month = '2026-01-01'",
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


@pytest.mark.slow  # a whole run (15 s): the rule itself is tested on a toy in test_balance_options
def test_a_cash_ceiling_of_zero_suggests_no_option_that_ties_up_cash(
    capacity_company: Path, tmp_path: Path
) -> None:
    """decisions.max_extra_cash: 0, set in settings.yaml -> every suggestion of the run holds
    no extra stock."""
    paths = copy_company(capacity_company, tmp_path / "company")
    paths.settings_file.write_text("planning_months_back: 1\ndecisions:\n  max_extra_cash: 0\n")
    run_pipeline(paths, dt.date(2025, 10, 1), echo=lambda _: None)
    options = _table(paths.data_dir.parent, "scenario_options")
    suggested = options[options["is_suggested"]]
    assert len(suggested) == options["issue"].nunique() >= 1
    assert (suggested["extra_inventory_cash_peak"] <= 1e-9).all()
