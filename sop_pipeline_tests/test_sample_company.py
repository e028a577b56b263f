"""The pipeline on a company from the sample generator: every stage finds what the story holds."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sop_pipeline.runner import run_pipeline
from sop_pipeline.sample_data import generate_company
from sop_pipeline.supply.invariants import stock_balance_breaks
from sop_pipeline_tests.conftest import built_once, paths_for, read_table

PLAN = dt.date(2025, 10, 1)
QUICK_SETTINGS = "planning_months_back: 1\nforecast:\n  accuracy_lags: [1]\n"

# a whole generated company planned end to end (about a minute): run by .ci/run with -m slow
pytestmark = pytest.mark.slow


def _planned(root: Path, n_items: int, n_months: int, settings: str = QUICK_SETTINGS) -> Path:
    paths = paths_for(root)
    summary = generate_company(paths.data_dir, n_items=n_items, n_months=n_months)
    (paths.data_dir / "settings.yaml").write_text(
        (paths.data_dir / "settings.yaml").read_text() + settings
    )
    run_pipeline(paths, PLAN, echo=lambda _: None)
    (root / "disrupted_item").write_text(summary.disrupted_item)
    return root


@pytest.fixture(scope="session")
def generated_company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 14-product company with 18 months of history, its last two months planned."""
    return built_once(
        tmp_path_factory, "generated_company", lambda root: _planned(root, n_items=14, n_months=18)
    )


def _mart(root: Path, table: str) -> object:
    return read_table(
        paths_for(root).work_db, f"select * from sop_mart.{table} where plan_month = ?", [PLAN]
    )


def test_supply_tables_are_filled_and_consistent(generated_company: Path) -> None:
    """The plan balances month by month and every shortage is one the MRP could not plan away:
    a gap falls in a month the item's own or a component's release was already past due."""
    for table in (
        "inventory_policy",
        "inventory_targets",
        "material_requirements",
        "supply_gaps",
        "shelf_life_risk",
    ):
        assert len(_mart(generated_company, table)) > 0, table
    mrp = _mart(generated_company, "material_requirements")
    lots = read_table(
        paths_for(generated_company).work_db,
        "select * from staging.inventory where plan_month = ?",
        [PLAN],
    )
    assert stock_balance_breaks(mrp, lots).empty
    gaps = _mart(generated_company, "supply_gaps")
    late = set(mrp.loc[mrp["release_past_due"] & (mrp["scenario"] == "base"), "item"])
    assert set(gaps["limiting_item"]) <= late | set(gaps["item"])
    assert (gaps["margin_at_risk"] <= gaps["revenue_at_risk"] + 1e-9).all()


def test_the_supplier_disruption_is_named_as_the_limiting_item(generated_company: Path) -> None:
    disrupted = (generated_company / "disrupted_item").read_text()
    gaps = _mart(generated_company, "supply_gaps")
    assert disrupted and disrupted in set(gaps["limiting_item"])
    issues = _mart(generated_company, "top_issues")
    tasks = _mart(generated_company, "planner_tasks")
    assert len(issues) <= 5 and len(issues) + len(tasks) >= 3


def test_every_mart_table_has_rows_for_the_plan_month(generated_company: Path) -> None:
    tables = read_table(
        paths_for(generated_company).work_db,
        "select table_name from information_schema.tables where table_schema = 'sop_mart'",
    )["table_name"]
    may_be_empty = {"override_value", "override_scorecard", "forecast_accuracy", "excess_obsolete"}
    # no meeting has recorded a decision in the sample company's first run
    may_be_empty |= {"decisions", "decisions_applied", "decision_outcomes", "decision_scorecard"}
    for table in tables:
        if table not in may_be_empty:
            assert len(_mart(generated_company, table)) > 0, table


def test_the_committed_sample_company_plans_end_to_end(tmp_path: Path) -> None:
    """The full 40-product company (several minutes): every meeting-relevant `sop_mart` table
    (docs/DATA_DICTIONARY.md) is filled."""
    root = _planned(tmp_path, n_items=40, n_months=36, settings="")
    for table in (
        "forecast",
        "forecast_changes",
        "forecast_accuracy",
        "inventory_policy",
        "material_requirements",
        "supply_gaps",
        "shelf_life_risk",
        "kpis",
        "financial_reconciliation",
        "actions",
        "top_issues",
        "override_value",
    ):
        assert len(_mart(root, table)) > 0, table


def test_a_first_run_refits_the_earlier_months_after_the_first(tmp_path: Path) -> None:
    """Catching up on two earlier months: the oldest and the plan month are cross-validated,
    the month between re-fits the oldest's models and keeps its AutoETS forms (the Dagster
    record says which)."""
    import dagster as dg

    from sop_pipeline.lib.instance import open_instance

    root = _planned(tmp_path, n_items=14, n_months=30, settings="planning_months_back: 2\n")
    home = paths_for(root).dagster_home
    instance = open_instance(home)
    refitted = {}
    for month in ("2025-08-01", "2025-09-01", "2025-10-01"):
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(
                asset_key=dg.AssetKey(["sop_mart", "forecast_models"]), asset_partitions=[month]
            ),
            limit=1,
        ).records
        assert records, month
        metadata = records[0].asset_materialization.metadata
        refitted[month] = metadata["models_refitted_without_cross_validation"].value
    assert refitted["2025-08-01"] == 0 and refitted["2025-10-01"] == 0
    assert refitted["2025-09-01"] > 0
    models = read_table(
        paths_for(root).work_db,
        "select plan_month, count(*) filter (where ets_form_month < plan_month) as kept,"
        " count(ets_form) as forms from sop_mart.forecast_models group by 1 order by 1",
    )
    assert (models["forms"] > 0).all()
    assert list(models["kept"] == models["forms"]) == [False, True, True]
