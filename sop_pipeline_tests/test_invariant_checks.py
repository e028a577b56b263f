"""The invariant checks on the planned marts pass on a real plan and fail on a deliberately wrong
table: each check is run by Dagster against a copy of the planned tiny company's warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sop_pipeline.kpis import checks as kpi_checks
from sop_pipeline.sql_assets import build_sql_assets
from sop_pipeline.supply import checks as supply_checks
from sop_pipeline.supply.assets import supply_plan
from sop_pipeline_tests.conftest import copy_company, run_check

MONTH = "2025-09-01"


def _asset(table: str) -> dg.AssetsDefinition:
    if table == "sop_mart.material_requirements":
        return supply_plan
    key = dg.AssetKey(table.split("."))
    return next(a for a in build_sql_assets() if a.key == key)


def corrupt(db: Path, sql: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(sql, [MONTH])
    finally:
        con.close()


@pytest.fixture
def warehouse(planned_company: Path, tmp_path: Path) -> Path:
    return copy_company(planned_company, tmp_path / "company").work_db


CASES = [
    (
        "sop_mart.material_requirements",
        supply_checks.stock_balances_month_by_month,
        "update sop_mart.material_requirements set projected_on_hand = projected_on_hand + 5"
        " where plan_month = ? and item = 'FG1' and scenario = 'base'"
        " and month = '2025-12-01'",
    ),
    (
        "sop_mart.material_requirements",
        supply_checks.dependent_demand_matches_parent_releases,
        "update sop_mart.material_requirements set planned_release_qty = planned_release_qty + 10"
        " where plan_month = ? and item = 'FG3' and scenario = 'upside'"
        " and month = '2025-11-01'",
    ),
    (
        "sop_mart.financial_reconciliation",
        kpi_checks.reconciliation_foots,
        "update sop_mart.financial_reconciliation set forecast_revenue = forecast_revenue + 100"
        " where plan_month = ? and family = '__total__'",
    ),
    (
        "sop_mart.financial_reconciliation",
        kpi_checks.plan_company_total_matches_families,
        "update staging.financial_plan set planned_revenue = planned_revenue + 250"
        " where plan_month = ? and family is null",
    ),
    (
        "sop_mart.kpis",
        kpi_checks.kpis_cross_foot_to_stock_count,
        "update sop_mart.kpis set value = value * 1.1 where plan_month = ?"
        " and kpi = 'inventory_value'",
    ),
]


@pytest.mark.parametrize(
    ("table", "check", "wrong"), CASES, ids=[c[1].check_key.name for c in CASES]
)
def test_check_passes_on_the_plan_and_fails_on_a_wrong_table(
    warehouse: Path, table: str, check: dg.AssetChecksDefinition, wrong: str
) -> None:
    asset = _asset(table)
    assert run_check(warehouse, asset, check, MONTH).passed
    corrupt(warehouse, wrong)
    evaluation = run_check(warehouse, asset, check, MONTH)
    assert not evaluation.passed
    assert evaluation.metadata["rows_failing"].value >= 1
