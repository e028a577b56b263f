"""What older readers get: the serving file in an explicit DuckDB storage format that keeps
every type the warehouse writes, and the newest Parquet month at a fixed path."""

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sop_pipeline.publish.serving import (
    INFO_TABLE,
    check_storage_version,
    publish_file,
    remove_stale_temporaries,
)
from sop_pipeline.settings import load_settings
from sop_pipeline_tests.conftest import paths_for
from sop_pipeline_tests.test_publish import look, rows, write_working

SEP, OCT = dt.date(2025, 9, 1), dt.date(2025, 10, 1)

# One column of every type the warehouse holds, with a value that shows a lossy copy.
TYPED_COLUMNS = {
    "plan_month": ("DATE", "DATE '2025-10-01'"),
    "stamp": ("TIMESTAMP", "TIMESTAMP '2025-11-02 06:00:01.123456'"),
    "stamp_utc": ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ '2025-11-02 06:00:01.5+00'"),
    "amount": ("DECIMAL(18,3)", "123456789012345.678"),
    "flag": ("BOOLEAN", "true"),
    "n": ("BIGINT", "9007199254740993"),
    "x": ("DOUBLE", "0.1"),
    "label": ("VARCHAR", "'déjà vu ✓'"),
    "labels": ("VARCHAR[]", "['a', NULL, 'c']"),
    "months": ("DATE[]", "[DATE '2025-09-01', DATE '2025-10-01']"),
}


def storage_tag(db: Path) -> str:
    """The oldest DuckDB version that reads ``db``, as DuckDB itself reports it."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db}' as probe (read_only)")
        return con.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'probe'"
        ).fetchall()[0][0]
    finally:
        con.close()


def write_typed_working(db: Path, extra: str = "") -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema sop_mart")
        columns = ", ".join(f"{name} {sql_type}" for name, (sql_type, _) in TYPED_COLUMNS.items())
        con.execute(f"create table sop_mart.typed ({columns}{extra})")
        values = ", ".join(value for _, value in TYPED_COLUMNS.values())
        con.execute(f"insert into sop_mart.typed select {values}" + (", 1" if extra else ""))
    finally:
        con.close()


def test_the_serving_file_is_written_in_the_compatible_format(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_working(work, [OCT])

    publication = publish_file(work, serving, [OCT])

    assert publication.storage_version == "v1.1.0"
    assert storage_tag(serving) == "v1.0.0+"  # DuckDB: readable by 1.0 and later
    assert storage_tag(work) != storage_tag(serving)  # the working file keeps the newest
    assert rows(serving, f"select storage_version from {INFO_TABLE}") == [("v1.1.0",)]


def test_latest_format_on_request(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_working(work, [OCT])

    publish_file(work, serving, [OCT], storage_version="latest", export=False)

    assert storage_tag(serving) == storage_tag(work) != "v1.0.0+"


def test_every_type_the_warehouse_writes_survives_the_storage_format(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_typed_working(work)

    publish_file(work, serving, [OCT], export=False)

    assert rows(serving, "select * from sop_mart.typed") == rows(
        work, "select * from sop_mart.typed"
    )
    amount, labels = rows(serving, "select amount, labels from sop_mart.typed")[0]
    assert amount == Decimal("123456789012345.678") and labels == ["a", None, "c"]
    served_types = rows(
        serving,
        "select column_name, data_type from duckdb_columns() where table_name = 'typed'",
    )
    assert dict(served_types) == {name: t for name, (t, _) in TYPED_COLUMNS.items()}


def test_the_planned_warehouse_holds_only_types_checked_here(planned_company: Path) -> None:
    """A new column type needs a look at the storage format (and a line in TYPED_COLUMNS)."""
    serving = paths_for(planned_company).db
    used = {
        t
        for (t,) in rows(
            serving, "select distinct data_type from duckdb_columns() where internal=0"
        )
    }
    checked = {sql_type.split("(")[0] for sql_type, _ in TYPED_COLUMNS.values()}
    assert {t.split("(")[0] for t in used} <= checked


def test_a_type_the_format_cannot_store_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_working(work, [SEP])
    publish_file(work, serving, [SEP])
    before = look(serving)
    work.unlink()
    write_typed_working(work, extra=", v VARIANT")  # VARIANT: storage v1.5.0 and later only

    with pytest.raises(duckdb.Error, match="VARIANT"):
        publish_file(work, serving, [OCT])

    assert look(serving) == before
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


@pytest.mark.parametrize("bad", ["1.1.0", "v1.1", "v1.1.0' (read_only", "newest"])
def test_a_malformed_storage_version_is_refused(bad: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="storage"):
        load_settings(overrides={"publish": {"storage_version": bad}})
    with pytest.raises(ValueError, match="storage version"):
        check_storage_version(bad)
    assert load_settings().publish.storage_version == "v1.1.0"


def test_latest_links_the_newest_month_whatever_month_is_republished(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    latest = tmp_path / "latest"
    write_working(work, [SEP])

    assert publish_file(work, serving, [SEP]).latest_export == latest
    assert os.readlink(latest) == "exports/plan_month=2025-09-01"
    write_working(work, [SEP, OCT])  # October planned since
    publish_file(work, serving, [OCT])
    assert os.readlink(latest) == "exports/plan_month=2025-10-01"
    publish_file(work, serving, [SEP])  # re-running an older month keeps the newest linked

    assert os.readlink(latest) == "exports/plan_month=2025-10-01"
    kpis = pd.read_parquet(latest / "kpis.parquet")
    assert list(pd.to_datetime(kpis["plan_month"]).dt.date) == [OCT]
    assert sorted(p.name for p in latest.iterdir()) == ["forecast.parquet", "kpis.parquet"]
    hive = rows(
        serving,
        "select plan_month, count(*) from read_parquet(?, hive_partitioning = true)"
        " group by all order by all",
        [str(tmp_path / "exports" / "plan_month=*" / "forecast.parquet")],
    )
    assert hive == [(SEP, 6), (OCT, 6)]


def test_a_latest_link_left_by_a_killed_publication_is_removed(tmp_path: Path) -> None:
    serving = tmp_path / "s.duckdb"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f"latest.tmp-{gone.pid}-deadbeef"
    (tmp_path / "exports" / "plan_month=2025-10-01").mkdir(parents=True)
    stale.symlink_to("exports/plan_month=2025-10-01", target_is_directory=True)

    assert remove_stale_temporaries(serving) == [stale]

    assert not stale.is_symlink() and (tmp_path / "exports" / "plan_month=2025-10-01").is_dir()


def test_a_latest_folder_copied_as_a_folder_becomes_a_link_again(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_working(work, [OCT])
    (tmp_path / "latest").mkdir()
    (tmp_path / "latest" / "kpis.parquet").write_bytes(b"an old copy")

    publish_file(work, serving, [OCT])

    assert os.readlink(tmp_path / "latest") == "exports/plan_month=2025-10-01"
