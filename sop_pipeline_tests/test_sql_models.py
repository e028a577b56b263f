"""The SQL model factory: files become assets, dependencies come from the SQL, errors name files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sop_pipeline.lib.sql_models import SqlModelError, discover_models, parse_model, run_model
from sop_pipeline.sql_assets import build_sql_assets


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_table_named_like_a_cte_is_still_a_dependency(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "staging/summary.sql",
        "with bom as (select count(*) as n from staging.bom)\n"
        "select getvariable('plan_month') as plan_month, n from bom",
    )
    assert parse_model(path, "staging", "staging").reads == ("staging.bom",)


def test_a_new_sql_file_becomes_an_asset_with_dependencies_from_its_sql(tmp_path: Path) -> None:
    _write(tmp_path, "staging/orders.sql", "select plan_month, item from raw.sales")
    _write(
        tmp_path,
        "marts/late_orders.sql",
        "-- Orders of items that are short.\n-- group: meeting\n"
        "with short as (select item from sop_mart.supply_gaps)\n"
        "select o.plan_month, o.item from staging.orders o join short using (item)",
    )
    assets = {a.key: a for a in build_sql_assets(tmp_path)}

    late = assets[dg.AssetKey(["sop_mart", "late_orders"])]
    assert set(late.asset_deps[late.key]) == {
        dg.AssetKey(["staging", "orders"]),
        dg.AssetKey(["sop_mart", "supply_gaps"]),
    }
    assert late.group_names_by_key[late.key] == "meeting"
    assert late.descriptions_by_key[late.key] == "Orders of items that are short."
    assert "join short" in late.metadata_by_key[late.key]["sql"].value
    orders = assets[dg.AssetKey(["staging", "orders"])]
    assert set(orders.asset_deps[orders.key]) == {dg.AssetKey(["raw", "sales"])}


def test_a_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "marts/broken.sql", "select plan_month, from where")
    with pytest.raises(SqlModelError, match="broken.sql"):
        discover_models(tmp_path)
    with pytest.raises(SqlModelError, match="exactly one SELECT"):
        parse_model(_write(tmp_path, "x.sql", "delete from sop_mart.kpis"), "sop_mart", "x")
    del path


def test_a_model_replaces_only_its_month_with_bound_parameters(tmp_path: Path) -> None:
    model = parse_model(
        _write(
            tmp_path,
            "marts/doubled.sql",
            "select plan_month, qty * getvariable('factor') as qty from raw.numbers "
            "where plan_month = getvariable('plan_month')",
        ),
        "sop_mart",
        "marts",
    )
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(
        "create table raw.numbers as select * from (values "
        "(date '2025-01-01', 1.0), (date '2025-02-01', 2.0)) t(plan_month, qty)"
    )
    jan, feb = dt.date(2025, 1, 1), dt.date(2025, 2, 1)
    assert run_model(con, model, [jan, feb], {"factor": 10}) == {jan: 1, feb: 1}
    con.execute("update raw.numbers set qty = 5 where plan_month = '2025-02-01'")
    run_model(con, model, [feb], {"factor": 10})
    rows = con.execute("select plan_month, qty from sop_mart.doubled order by 1").fetchall()
    assert rows == [(jan, 10.0), (feb, 50.0)]


def test_a_model_must_return_its_plan_month(tmp_path: Path) -> None:
    model = parse_model(
        _write(tmp_path, "marts/stray.sql", "select date '2020-01-01' as plan_month, 1 as x"),
        "sop_mart",
        "marts",
    )
    with pytest.raises(SqlModelError, match="stray.sql: 1 rows carry a plan_month"):
        run_model(duckdb.connect(), model, [dt.date(2025, 1, 1)])


def test_the_repository_models_parse_and_read_only_known_tables() -> None:
    models = discover_models()
    tables = {m.table for m in models}
    python_tables = {
        "sop_mart.forecast", "sop_mart.forecast_models", "sop_mart.forecast_errors",
        "sop_mart.promotion_lift", "sop_mart.inventory_policy",
        "sop_mart.material_requirements", "sop_mart.supply_gaps", "sop_mart.shelf_life_risk",
        "sop_mart.excess_obsolete", "sop_mart.service_cash_tradeoff", "sop_mart.capacity_plan",
        "sop_mart.scenario_options", "sop_mart.constrained_plan", "sop_mart.constraint_prices",
        "sop_mart.constrained_capacity", "sop_mart.cash_projection", "sop_mart.plan_feasibility",
        "sop_mart.option_levers", "sop_mart.option_plans", "sop_mart.decisions",
        "sop_mart.decisions_applied", "sop_mart.decision_outcomes",
    }  # fmt: skip
    raw = {f"raw.{name}" for name in ("items", "bom", "financial_plan", "promotions", "actions",
                                      "sales", "inventory", "open_purchase_orders",
                                      "forecast_overrides", "resources", "routings",
                                      "capacity", "cash")}  # fmt: skip
    for model in models:
        unknown = set(model.reads) - tables - python_tables - raw
        assert not unknown, f"{model.path} reads {unknown}"
