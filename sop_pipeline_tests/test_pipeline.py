"""The Dagster project end to end on the tiny company: definitions, ingestion, the planned marts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from sop_pipeline.data_dictionary import column_types, load_dictionary
from sop_pipeline.definitions import defs
from sop_pipeline.ingest.assets import raw_inputs
from sop_pipeline.resources import InputFilesResource, SettingsResource, WarehouseResource
from sop_pipeline.sql_assets import build_sql_assets
from sop_pipeline.supply.invariants import bom_consistency_breaks, stock_balance_breaks
from sop_pipeline.supply.mrp import scenario_demand
from sop_pipeline.validate.checks import validate_inputs
from sop_pipeline_tests.conftest import paths_for, read_table
from sop_pipeline_tests.tiny_company import write_tiny_company

STAGES = {
    "ingest",
    "staging",
    "forecast",
    "supply",
    "balance",
    "kpis",
    "meeting",
    "decisions",
    "publish",
}


def test_definitions_load_with_a_described_asset_in_every_stage() -> None:
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert groups <= STAGES and {"ingest", "forecast", "supply", "balance", "meeting"} <= groups
    for key in graph.get_all_asset_keys():
        assert graph.get(key).description, f"{key.to_user_string()} has no description"
    assert defs.resolve_job_def("monthly_plan_job")


def _ingest_assets() -> list:
    staging = [a for a in build_sql_assets() if a.key.path[0] == "staging"]
    return [raw_inputs, *staging, validate_inputs]


def _resources(root: Path) -> dict:
    paths = paths_for(root)
    paths.db.parent.mkdir(parents=True, exist_ok=True)
    return {
        "inputs": InputFilesResource(data_dir=str(paths.data_dir)),
        "warehouse": WarehouseResource(database=str(paths.work_db), serving_path=str(paths.db)),
        "settings": SettingsResource(),
    }


def _range(first: str, last: str) -> dict[str, str]:
    return {
        "dagster/asset_partition_range_start": first,
        "dagster/asset_partition_range_end": last,
    }


def test_two_months_materialize_and_a_rerun_replaces_only_its_month(tmp_path: Path) -> None:
    write_tiny_company(paths_for(tmp_path).data_dir, "2025-07", 2)
    resources = _resources(tmp_path)
    result = dg.materialize(
        _ingest_assets(), resources=resources, tags=_range("2025-07-01", "2025-08-01")
    )
    assert result.success
    db = paths_for(tmp_path).work_db
    months = read_table(db, "select distinct plan_month from staging.sales order by 1")
    assert list(months["plan_month"]) == [pd.Timestamp("2025-07-01"), pd.Timestamp("2025-08-01")]
    july_before = read_table(db, "select * from raw.sales where plan_month = '2025-07-01'")

    sales = paths_for(tmp_path).data_dir / "2025-08" / "sales.csv"
    sales.write_text(sales.read_text() + "2025-08-30,FG3,7,7,105,Spa B,b2b,WH1\n")
    again = dg.materialize(_ingest_assets(), resources=resources, partition_key="2025-08-01")
    assert again.success
    demand = read_table(
        db,
        "select plan_month, demand_qty from staging.demand_history where item = 'FG3' order by 1",
    )
    assert list(demand["demand_qty"]) == [25.0, 26.0 + 7.0]
    july_after = read_table(db, "select * from raw.sales where plan_month = '2025-07-01'")
    pd.testing.assert_frame_equal(july_before, july_after)
    loads = read_table(db, "select file, source_path, loaded_at from raw.load_log")
    assert loads["source_path"].str.endswith(".csv").all() and loads["loaded_at"].notna().all()


@pytest.mark.slow  # seconds-long subprocess or whole-pipeline run; CI runs it
def test_parquet_inputs_stage_the_same_rows_as_csv(tmp_path: Path) -> None:
    csv_root, parquet_root = tmp_path / "csv", tmp_path / "parquet"
    for root in (csv_root, parquet_root):
        write_tiny_company(paths_for(root).data_dir, "2025-07", 1)
    for path in paths_for(parquet_root).data_dir.rglob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False).replace("", None)
        for column in frame.columns:
            numbers = pd.to_numeric(frame[column], errors="coerce")
            if numbers.notna().sum() == frame[column].notna().sum() and column != "lot":
                frame[column] = numbers
            elif column in {"date", "due_date", "expiry_date", "launch_date"}:
                frame[column] = pd.to_datetime(frame[column])
        frame.to_parquet(path.with_suffix(".parquet"), index=False)
        path.unlink()
    for root in (csv_root, parquet_root):
        assert dg.materialize(
            _ingest_assets(), resources=_resources(root), partition_key="2025-07-01"
        ).success
    for table in ("items", "sales", "inventory", "open_purchase_orders", "demand_history"):
        sql = f"select * exclude (plan_month) from staging.{table} order by all"
        pd.testing.assert_frame_equal(
            read_table(paths_for(csv_root).work_db, sql),
            read_table(paths_for(parquet_root).work_db, sql),
            obj=table,
        )


def test_a_master_file_in_a_month_folder_overrides_that_month_only(tmp_path: Path) -> None:
    data = paths_for(tmp_path).data_dir
    write_tiny_company(data, "2025-07", 2)
    items = (data / "master" / "items.csv").read_text()
    (data / "2025-08" / "items.csv").write_text(
        items.replace(
            "FG1,finished_good,Day cream,Face,ea,5,", "FG1,finished_good,Day cream,Face,ea,5.5,"
        )
    )
    assert dg.materialize(
        _ingest_assets(), resources=_resources(tmp_path), tags=_range("2025-07-01", "2025-08-01")
    ).success
    costs = read_table(
        paths_for(tmp_path).work_db,
        "select plan_month, unit_cost from staging.items where item = 'FG1' order by 1",
    )
    assert list(costs["unit_cost"]) == [5.0, 5.5]


def test_every_mart_table_matches_the_data_dictionary(planned_company: Path) -> None:
    db = paths_for(planned_company).work_db
    columns = read_table(
        db,
        "select table_schema || '.' || table_name as tbl, column_name, data_type"
        " from information_schema.columns where table_schema = 'sop_mart'",
    )
    in_warehouse = set(columns["tbl"])
    documented = {t for t in load_dictionary() if t.startswith("sop_mart.")}
    assert in_warehouse == documented
    for table in documented:
        actual = columns[columns["tbl"] == table].set_index("column_name")["data_type"].to_dict()
        for column, kind in column_types(table).items():
            assert actual.get(column) == kind, f"{table}.{column}: {actual.get(column)} != {kind}"
        assert actual["plan_month"] == "DATE"


def test_kpis_match_hand_computed_numbers(planned_company: Path) -> None:
    """Stock count of 2025-09 (tiny_company.py), valued at the lot's cost, else the item's:
    FG1 120 x 5 + FG2 30 x 6.5 (lot cost) + FG3 60 x 4 + SA1 4 x 3 + C1 2500 x 0.5 + C2 10 x 8
    = 600 + 195 + 240 + 12 + 1250 + 80 = 2377.
    Fill rate of 2025-09 order lines: shipped (120 + 36 + 27) / ordered (120 + 40 + 27).
    """
    kpis = read_table(
        paths_for(planned_company).work_db,
        "select kpi, value, target, status from sop_mart.kpis where plan_month = '2025-09-01'",
    ).set_index("kpi")
    assert kpis.loc["inventory_value", "value"] == 2377.0
    assert kpis.loc["fill_rate", "value"] == pytest.approx(183 / 187)
    assert kpis.loc["fill_rate", "status"] == "on_track"
    expected = {
        "inventory_value",
        "fill_rate",
        "wape_lag1",
        "bias_lag1",
        "months_of_supply",
        "inventory_turns",
        "excess_obsolete_value",
        "cash_vs_target",
    }
    assert expected <= set(kpis.index)
    assert set(kpis["status"]) <= {"on_track", "watch", "off_track", "no_data", "no_target"}
    assert kpis.loc["revenue_at_risk", "status"] == "no_target"  # zero is no target to meet


def test_planned_months_have_a_forecast_a_plan_and_a_meeting_pack(planned_company: Path) -> None:
    db = paths_for(planned_company).work_db
    forecast = read_table(db, "select * from sop_mart.forecast where plan_month = '2025-09-01'")
    assert set(forecast["item"]) == {"FG1", "FG2", "FG3"}
    assert (forecast.groupby("item")["month"].nunique() == 12).all()
    assert forecast["month"].min() == pd.Timestamp("2025-10-01")
    nested = (forecast["lo95"] <= forecast["lo80"]) & (forecast["lo80"] <= forecast["forecast_qty"])
    nested &= (forecast["forecast_qty"] <= forecast["hi80"]) & (
        forecast["hi80"] <= forecast["hi95"]
    )
    assert nested.all() and (forecast["lo95"] >= 0).all()
    pd.testing.assert_series_equal(
        forecast["baseline_qty"] + forecast["promo_qty"],
        forecast["forecast_qty"],
        check_names=False,
    )
    # the earlier months have every table (KPI trends, forecast revisions); only the month
    # planned gets a meeting pack
    kpi_months = read_table(db, "select distinct plan_month from sop_mart.kpis order by 1")
    assert list(kpi_months["plan_month"].dt.date) == [dt.date(2025, m, 1) for m in (7, 8, 9)]
    packs = read_table(db, "select plan_month, html_path from sop_mart.meeting_pack order by 1")
    assert list(packs["plan_month"].dt.date) == [dt.date(2025, 9, 1)]
    assert all(Path(p).is_file() for p in packs["html_path"])
    issues = read_table(db, "select * from sop_mart.top_issues where plan_month = '2025-09-01'")
    assert len(issues) <= 5 and list(issues["rank"]) == list(range(1, len(issues) + 1))
    # nothing binds with a loss in the tiny company: the agenda is empty, the planners' list
    # holds its slow-moving jar stock and the overdue action
    tasks = read_table(db, "select * from sop_mart.planner_tasks where plan_month = '2025-09-01'")
    assert {"shelf_life", "overdue_action"} <= set(tasks["category"])


def test_supply_plan_balances_and_explodes_through_the_bom(planned_company: Path) -> None:
    """The real plan of 2025-09 holds the invariants the blocking checks test (they failed no
    run, or the fixture would not exist); each invariant finds a row put wrong on purpose."""
    db = paths_for(planned_company).work_db
    month = ["2025-09-01"]
    mrp = read_table(db, "select * from sop_mart.material_requirements where plan_month = ?", month)
    lots = read_table(db, "select * from staging.inventory where plan_month = ?", month)
    bom = read_table(db, "select * from staging.bom where plan_month = ?", month)
    forecast = read_table(db, "select * from sop_mart.forecast where plan_month = ?", month)
    independent = pd.concat(
        [scenario_demand(forecast, s).assign(scenario=s) for s in ("base", "upside")]
    )
    assert set(mrp["scenario"]) == {"base", "upside"} and len(mrp) > 0
    assert stock_balance_breaks(mrp, lots).empty
    # the default practice: open production orders draw their components when received
    assert bom_consistency_breaks(mrp, bom, independent, open_orders_draw=True).empty
    row = mrp.index[(mrp["item"] == "C1") & (mrp["scenario"] == "base")][0]
    wrong = mrp.copy()
    wrong.loc[row, "projected_on_hand"] += 1.0
    assert len(stock_balance_breaks(wrong, lots)) >= 1
    wrong = mrp.copy()
    wrong.loc[wrong["item"] == "C1", "gross_qty"] *= 1.01
    assert len(bom_consistency_breaks(wrong, bom, independent, open_orders_draw=True)) >= 1
