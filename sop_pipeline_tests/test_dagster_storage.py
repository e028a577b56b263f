"""What a run costs in bookkeeping: the company's Dagster home keeps every run's events in one
SQLite file through one reused engine (a ``dagster.yaml`` that follows the home when it moves,
older homes left as they were), and a run holds the working DuckDB file open."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from sop_pipeline.lib.dagster_storage import (
    LEGACY_DAGSTER_YAML,
    OneFileEventLogStorage,
    prepare_dagster_home,
)
from sop_pipeline.lib.instance import open_instance
from sop_pipeline.paths import Paths
from sop_pipeline.resources import WarehouseResource
from sop_pipeline.runner import plan_selections
from sop_pipeline.status import status_lines
from sop_pipeline_tests.test_cli import tree

MONTHS = dg.MonthlyPartitionsDefinition(start_date="2025-01-01", end_date="2025-07-01")


@dg.asset(partitions_def=MONTHS)
def monthly_rows() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 1})


def _run_months(instance: dg.DagsterInstance, first: str, last: str) -> None:
    job = dg.Definitions(
        assets=[monthly_rows], jobs=[dg.define_asset_job("rows", partitions_def=MONTHS)]
    ).resolve_job_def("rows")
    for key in MONTHS.get_partition_keys():
        if first <= key <= last:
            assert job.execute_in_process(instance=instance, partition_key=key).success


def _months(instance: dg.DagsterInstance) -> set[str]:
    return set(instance.get_materialized_partitions(monthly_rows.key))


def test_a_new_home_keeps_every_runs_events_in_one_file(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    prepare_dagster_home(home)

    with open_instance(home) as instance:
        assert isinstance(instance.event_log_storage, OneFileEventLogStorage)
        _run_months(instance, "2025-01-01", "2025-03-01")
        assert _months(instance) == {"2025-01-01", "2025-02-01", "2025-03-01"}

    history = home / "history"
    assert (history / "event_log.db").is_file() and (history / "runs.db").is_file()
    assert not (history / "runs").exists()  # the default's file per run and index
    assert "enabled: false" in (home / "dagster.yaml").read_text()  # telemetry off


def test_the_event_log_opens_one_connection_for_many_events(tmp_path: Path) -> None:
    """Dagster's own storage opens (and closes) a database connection for every event it
    writes; this one keeps its engine and its pool's few connections for the instance's life."""
    home = tmp_path / "dagster_home"
    prepare_dagster_home(home)
    opened: list[str] = []

    def count(dbapi_connection: object, _record: object) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            opened.append(dbapi_connection.execute("pragma database_list").fetchone()[2])

    with open_instance(home) as instance:
        event.listen(Engine, "connect", count)
        try:
            _run_months(instance, "2025-01-01", "2025-03-01")
        finally:
            event.remove(Engine, "connect", count)
        stored = len(instance.get_records_for_run(instance.get_runs()[0].run_id).records)

    event_log = [path for path in opened if path.endswith("event_log.db")]
    assert stored >= 10  # a run is a dozen events or more
    assert 1 <= len(event_log) <= 5, f"{len(event_log)} connections for 3 runs"


def test_a_moved_home_reads_its_own_events_and_its_file_follows(tmp_path: Path) -> None:
    home = tmp_path / "first" / "dagster_home"
    prepare_dagster_home(home)
    with open_instance(home) as instance:
        _run_months(instance, "2025-01-01", "2025-02-01")
    moved = tmp_path / "second" / "dagster_home"
    shutil.copytree(home, moved)
    shutil.rmtree(tmp_path / "first")

    before = tree(tmp_path)
    with open_instance(moved) as instance:  # reading, as `status` does, creates nothing
        assert _months(instance) == {"2025-01-01", "2025-02-01"}
    assert tree(tmp_path) == before

    prepare_dagster_home(moved)  # what a run does first
    assert str(moved / "history") in (moved / "dagster.yaml").read_text()
    with open_instance(moved) as instance:
        _run_months(instance, "2025-03-01", "2025-03-01")
        assert _months(instance) == {"2025-01-01", "2025-02-01", "2025-03-01"}
    assert not (tmp_path / "first").exists()


def test_an_older_home_keeps_its_layout_and_its_record(tmp_path: Path) -> None:
    """A home made before the one-file event log keeps Dagster's default storage (its runs are
    recorded there); one that never ran, and a dagster.yaml written by someone else, too."""
    used = tmp_path / "used"
    used.mkdir()
    (used / "dagster.yaml").write_text(LEGACY_DAGSTER_YAML)
    with dg.DagsterInstance.from_config(str(used)) as instance:
        _run_months(instance, "2025-01-01", "2025-01-01")
    prepare_dagster_home(used)
    assert (used / "dagster.yaml").read_text() == LEGACY_DAGSTER_YAML
    with open_instance(used) as instance:
        assert not isinstance(instance.event_log_storage, OneFileEventLogStorage)
        assert _months(instance) == {"2025-01-01"}

    unused = tmp_path / "unused"
    unused.mkdir()
    (unused / "dagster.yaml").write_text(LEGACY_DAGSTER_YAML)
    prepare_dagster_home(unused)
    with open_instance(unused) as instance:
        assert isinstance(instance.event_log_storage, OneFileEventLogStorage)

    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    prepare_dagster_home(theirs)
    assert (theirs / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"


def test_an_earlier_month_is_planned_up_to_its_tables_or_only_its_forecast() -> None:
    from sop_pipeline.definitions import defs

    plan, tables = plan_selections(defs, "full")
    names = {"/".join(key.path) for key in tables}
    assert {"sop_mart/kpis", "sop_mart/forecast", "sop_mart/supply_gaps"} <= names
    assert names == {"/".join(key.path) for key in plan} - {
        "sop_mart/meeting_pack",
        "publish/serving_warehouse",
    }
    _, forecast = plan_selections(defs, "forecast")
    assert {"sop_mart/forecast", "sop_mart/forecast_models"} <= {"/".join(k.path) for k in forecast}
    assert "sop_mart/kpis" not in {"/".join(k.path) for k in forecast}


@pytest.mark.usefixtures("planned_company")
def test_status_counts_earlier_months_planned_without_their_packs(planned_company: Path) -> None:
    from sop_pipeline_tests.conftest import paths_for

    paths: Paths = paths_for(planned_company)
    lines = {line.split()[0]: line for line in status_lines(paths) if line.strip()}
    assert lines["planned"].split()[1:] == ["2025-07,", "2025-08,", "2025-09"]
    assert lines["meeting"].split()[2:] == ["2025-09", "(published)"]


def test_a_run_holds_the_working_file_open_and_checkpoints_it_once(tmp_path: Path) -> None:
    """Between two steps of one run the working file is still open (its write-ahead log not
    yet folded in, as it would be after every step's connection closed); after the run it is."""
    db = tmp_path / "sop.work.duckdb"
    wal = db.with_name(db.name + ".wal")
    seen: dict[str, bool] = {}

    @dg.asset
    def first_table(warehouse: WarehouseResource) -> None:
        with warehouse.get_connection() as con:
            con.execute("create table first_table as select 1 as x")

    @dg.asset(deps=[first_table])
    def second_table(warehouse: WarehouseResource) -> None:
        seen["wal_between_steps"] = wal.exists()
        with warehouse.get_connection() as con:
            con.execute("create table second_table as select x + 1 as x from first_table")

    resource = WarehouseResource(database=str(db))
    assert dg.materialize([first_table, second_table], resources={"warehouse": resource}).success

    assert seen["wal_between_steps"]
    assert not wal.exists()
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select x from second_table").fetchall() == [(2,)]
