"""BI-safe publishing: a new serving file swapped in atomically, Parquet exports per plan month,
and BI readers that neither block a run nor ever see half a month."""

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from sop_pipeline.publish import PUBLISH_KEY
from sop_pipeline.publish import assets as publish_assets
from sop_pipeline.publish import serving as serving_module
from sop_pipeline.publish.assets import build_publish_asset
from sop_pipeline.publish.serving import (
    INFO_TABLE,
    Publication,
    PublishError,
    publish,
    publish_file,
)
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.runner import run_pipeline
from sop_pipeline_tests.conftest import copy_company

SEP, OCT = dt.date(2025, 9, 1), dt.date(2025, 10, 1)

# A BI client in its own process. "hold": one read-only connection kept for the whole test;
# "reconnect": a new connection for every look (each sees the file the path names right now).
# Every look records each table's row count and a hash over all its rows.
READER = r"""
import duckdb, json, pathlib, sys, time
serving, out, stop, mode = sys.argv[1:5]

def look(con):
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() order by 1, 2"
    ).fetchall()
    return {
        f"{s}.{t}": list(con.execute(
            f'select count(*), coalesce(bit_xor(hash(x)), 0)::VARCHAR from "{s}"."{t}" x'
        ).fetchall()[0])
        for s, t in tables
    }

looks = []
con = duckdb.connect(serving, read_only=True) if mode == "hold" else None
pathlib.Path(out + ".ready").touch()
while True:
    stopping = mode == "once" or pathlib.Path(stop).exists()
    if mode == "hold":
        looks.append(look(con))
    else:
        fresh = duckdb.connect(serving, read_only=True)
        looks.append(look(fresh))
        fresh.close()
    if stopping:
        break
    time.sleep(0.05)
pathlib.Path(out).write_text(json.dumps(looks))
"""


def look(serving: Path) -> dict[str, list]:
    """What a BI client connecting now sees (in a separate process, as BI would)."""
    done = subprocess.run(
        [sys.executable, "-c", READER, str(serving), str(serving) + ".look", "-", "once"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0
    out = Path(str(serving) + ".look")
    looks = json.loads(out.read_text())
    out.unlink()
    Path(str(out) + ".ready").unlink()
    return looks[0]


class Reader:
    """A BI client process reading the serving file until stopped."""

    def __init__(self, serving: Path, workdir: Path, mode: str) -> None:
        self.out = workdir / f"reader-{mode}.json"
        self.stop_file = workdir / f"reader-{mode}.stop"
        self.process = subprocess.Popen(
            [sys.executable, "-c", READER, str(serving), str(self.out), str(self.stop_file), mode]
        )
        deadline = time.monotonic() + 60
        while not Path(str(self.out) + ".ready").exists():
            assert self.process.poll() is None, "the reader process died"
            assert time.monotonic() < deadline, "the reader did not start"
            time.sleep(0.05)

    def stop(self) -> list[dict[str, list]]:
        self.stop_file.touch()
        assert self.process.wait(timeout=60) == 0
        return json.loads(self.out.read_text())

    def kill(self) -> None:
        """End the reader if it still runs (a test that failed before :meth:`stop`)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=60)


def write_working(db: Path, months: list[dt.date], *, bump: int = 0) -> None:
    """A small working warehouse: two ``sop_mart`` tables, ``staging`` and ``raw``."""
    con = duckdb.connect(str(db))
    try:
        con.execute("create schema if not exists sop_mart")
        con.execute("create schema if not exists staging")
        con.execute("create schema if not exists raw")
        con.execute(
            "create or replace table sop_mart.forecast "
            "(plan_month DATE, item VARCHAR, month DATE, forecast_qty DOUBLE)"
        )
        con.execute(
            "create or replace table sop_mart.kpis (plan_month DATE, kpi VARCHAR, value DOUBLE)"
        )
        con.execute("create or replace table staging.items (item VARCHAR, unit_cost DOUBLE)")
        con.execute("create or replace table raw.sales (item VARCHAR, qty VARCHAR)")
        con.execute("insert into staging.items values ('FG1', 5), ('FG2', 6)")
        con.execute("insert into raw.sales values ('FG1', '3')")
        for k, month in enumerate(months):
            for item in ("FG1", "FG2"):
                for h in range(1, 4):
                    con.execute(
                        "insert into sop_mart.forecast values (?, ?, ? + to_months(?), ?)",
                        [month, item, month, h, 100.0 * (k + 1) + h + bump],
                    )
            con.execute(
                "insert into sop_mart.kpis values (?, 'fill_rate', ?)", [month, 0.9 + bump / 100]
            )
    finally:
        con.close()


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_publish_copies_marts_and_staging_and_exports_every_planned_month(tmp_path: Path) -> None:
    work, serving = tmp_path / "sop.work.duckdb", tmp_path / "serve" / "sop.duckdb"
    write_working(work, [SEP, OCT])

    publication = publish_file(work, serving, [OCT])

    tables = {t.table: t for t in publication.tables}
    assert set(tables) == {"sop_mart.forecast", "sop_mart.kpis", "staging.items"}
    assert tables["sop_mart.forecast"].rows == 12
    assert tables["sop_mart.forecast"].plan_month_rows == 6
    assert publication.mart_rows == 14
    served = rows(serving, "select schema_name || '.' || table_name from duckdb_tables()")
    assert sorted(r[0] for r in served) == sorted([*tables, INFO_TABLE])  # raw stays private
    assert rows(serving, "select count(*), sum(forecast_qty) from sop_mart.forecast") == rows(
        work, "select count(*), sum(forecast_qty) from sop_mart.forecast"
    )
    assert rows(serving, f"select plan_months from {INFO_TABLE}") == [([OCT],)]

    # September was planned too (for accuracy): its month is exported beside October's
    earlier = serving.parent / "exports" / "plan_month=2025-09-01"
    folder = serving.parent / "exports" / "plan_month=2025-10-01"
    assert publication.export_dirs == (earlier, folder)
    assert sorted(p.name for p in folder.iterdir()) == ["forecast.parquet", "kpis.parquet"]
    exported = pd.read_parquet(folder / "forecast.parquet")
    assert len(exported) == 6 and set(pd.to_datetime(exported["plan_month"]).dt.date) == {OCT}
    hive = rows(
        serving,
        "select plan_month, count(*) from read_parquet(?, hive_partitioning = true) group by all",
        [str(serving.parent / "exports" / "*" / "forecast.parquet")],
    )
    assert sorted(hive) == [(SEP, 6), (OCT, 6)]
    leftovers = [p.name for p in serving.parent.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


def test_publish_writes_the_data_dictionary_as_comments(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_working(work, [OCT])

    def describe(table: str) -> tuple[str, dict[str, str]]:
        return f"about {table}", {"plan_month": "the month just closed", "nope": "absent"}

    publish_file(work, serving, [OCT], describe=describe, export=False)

    assert rows(serving, "select comment from duckdb_tables() where table_name = 'kpis'") == [
        ("about sop_mart.kpis",)
    ]
    assert rows(
        serving,
        "select comment from duckdb_columns() where table_name = 'kpis' and column_name = ?",
        ["plan_month"],
    ) == [("the month just closed",)]
    assert not (tmp_path / "exports").exists()


def test_republishing_a_month_replaces_its_export_folder_whole(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_working(work, [OCT])
    publish_file(work, serving, [OCT])
    write_working(work, [OCT], bump=1)
    con = duckdb.connect(str(work))
    con.execute("drop table sop_mart.kpis")
    con.close()

    publish_file(work, serving, [OCT])

    folder = tmp_path / "exports" / "plan_month=2025-10-01"
    assert [p.name for p in folder.iterdir()] == ["forecast.parquet"]
    assert pd.read_parquet(folder / "forecast.parquet")["forecast_qty"].min() == 102.0
    assert rows(serving, "select count(*) from duckdb_tables() where table_name = 'kpis'") == [(0,)]


def test_stale_temporaries_of_a_killed_publication_do_not_break_the_next(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_working(work, [OCT])
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale_file = tmp_path / f"s.duckdb.tmp-{gone.pid}-deadbeef"
    stale_file.write_bytes(b"half a duckdb file")
    Path(str(stale_file) + ".wal").write_bytes(b"junk")
    stale_dir = tmp_path / f".exports.tmp-{gone.pid}-deadbeef" / "plan_month=2025-10-01"
    stale_dir.mkdir(parents=True)
    (stale_dir / "forecast.parquet").write_bytes(b"half")
    alive = tmp_path / f"s.duckdb.tmp-{os.getppid()}-0badc0de"  # a publication still running
    alive.write_bytes(b"in progress")

    publication = publish_file(work, serving, [OCT])

    assert sorted(p.name for p in publication.removed_stale) == sorted(
        [stale_file.name, stale_file.name + ".wal", stale_dir.parent.name]
    )
    assert not stale_file.exists() and not stale_dir.parent.exists()
    assert alive.exists()
    assert rows(serving, "select count(*) from sop_mart.kpis") == [(1,)]


def test_an_incomplete_copy_is_not_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_working(work, [SEP])
    publish_file(work, serving, [SEP])
    before = look(serving)
    write_working(work, [SEP, OCT])
    monkeypatch.setattr(serving_module, "compare_row_counts", lambda *_: ["sop_mart.kpis: 1 vs 2"])

    with pytest.raises(PublishError, match="incomplete: sop_mart.kpis"):
        publish_file(work, serving, [OCT])

    assert look(serving) == before
    assert [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name] == []


def test_connected_reader_keeps_its_snapshot_and_new_readers_see_the_new_month(
    tmp_path: Path,
) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "s.duckdb"
    write_working(work, [SEP])
    publish_file(work, serving, [SEP])
    before = look(serving)
    holder = Reader(serving, tmp_path, "hold")
    try:
        write_working(work, [SEP, OCT])
        publish_file(work, serving, [OCT])  # does not wait for, or disturb, the reader
        after = look(serving)
        held = holder.stop()
    finally:
        holder.kill()

    assert before["sop_mart.kpis"][0] == 1 and after["sop_mart.kpis"][0] == 2
    assert all(seen == before for seen in held)


def test_publish_asset_materializes_with_metadata(tmp_path: Path) -> None:
    work, serving = tmp_path / "w.duckdb", tmp_path / "out" / "sop.duckdb"
    write_working(work, [SEP, OCT])
    asset = build_publish_asset([dg.AssetKey(["sop_mart", "forecast"])])
    warehouse = WarehouseResource(database=str(work), serving_path=str(serving))
    resources = {"warehouse": warehouse, "settings": SettingsResource()}

    result = dg.materialize([asset], resources=resources, partition_key="2025-10-01")

    assert result.success
    metadata = result.asset_materializations_for_node(asset.node_def.name)[0].metadata
    assert metadata["dagster/row_count"].value == 14
    assert metadata["table_count"].value == 3
    assert metadata["serving_file"].value == str(serving)
    assert metadata["file_size_bytes"].value == serving.stat().st_size
    assert "sop_mart.forecast" in metadata["tables"].value
    assert metadata["export_folders"].value.endswith("plan_month=2025-10-01")
    assert metadata["row_counts_verified"].value is True
    assert metadata["storage_version"].value == "v1.1.0"
    workbook = serving.parent / "meeting_packs" / "sop_pack_2025-10.xlsx"
    assert metadata["workbook"].value == str(workbook) and workbook.is_file()
    assert metadata["latest_export"].value == str(serving.parent / "latest")
    assert asset.group_names_by_key[PUBLISH_KEY] == "publish"


@pytest.mark.slow  # a whole run with a reader attached: run by .ci/run with -m slow
def test_bi_reader_connected_through_a_whole_run(
    planned_company: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A BI process holds a read-only connection to the serving file during a whole run, and
    another keeps reconnecting: the run succeeds; the held connection keeps the old warehouse;
    every fresh look is a complete publication (the old one, one of the run's, or the final)."""
    company = copy_company(planned_company, tmp_path / "company")  # up to September
    serving = company.db
    old = look(serving)
    published: list[dict[str, list]] = []

    def publish_and_record(*args: object, **kwargs: object) -> Publication:
        publication = publish(*args, **kwargs)
        published.append(look(publication.serving_file))
        return publication

    monkeypatch.setattr(publish_assets, "publish", publish_and_record)
    holder = Reader(serving, tmp_path, "hold")
    poller = Reader(serving, tmp_path, "reconnect")
    try:
        summary = run_pipeline(company, OCT, echo=lambda _: None)  # raises if a run fails
        held, polled = holder.stop(), poller.stop()
    finally:
        holder.kill()
        poller.kill()
    assert OCT in summary.planned and published
    new = published[-1]
    assert new != old and look(serving) == new
    assert all(seen == old for seen in held)
    assert polled[0] == old and polled[-1] == new
    torn = [seen for seen in polled if seen != old and seen not in published]
    assert torn == [], "a reader saw a warehouse that was never published whole"
    assert rows(serving, f"select plan_months from {INFO_TABLE}") == [([OCT],)]
    assert (serving.parent / "exports" / "plan_month=2025-10-01").is_dir()
