"""Which months the working warehouse really holds.

The Dagster instance records what ran; the warehouse is what the meeting reads. They part
when the working file is lost, moved aside or replaced while the Dagster home stays: the
record then still lists months the file no longer holds. ``sop-pipeline run`` and ``status``
count a month as ingested or planned only when both agree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from sop_pipeline.lib.duckdb_io import table_exists

INGESTED_TABLE = "staging.ingest_summary"
PLANNED_TABLES: tuple[str, ...] = ("sop_mart.forecast", "sop_mart.kpis")
"""Tables every planned month has rows in (every item has a forecast; every month has KPIs)."""
FORECAST_TABLES: tuple[str, ...] = ("sop_mart.forecast",)
"""The same for months planned up to their forecast only (``earlier_months_scope: forecast``)."""


def months_in(con: duckdb.DuckDBPyConnection, table: str) -> set[dt.date]:
    """The plan months ``table`` has rows for (none when it does not exist)."""
    if not table_exists(con, table):
        return set()
    return {r[0] for r in con.execute(f"select distinct plan_month from {table}").fetchall()}


def months_in_all(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> set[dt.date]:
    """The plan months every one of ``tables`` has rows for."""
    found: set[dt.date] | None = None
    for table in tables:
        months = months_in(con, table)
        found = months if found is None else found & months
    return found or set()


def held_months(work_db: Path, tables: tuple[str, ...], *, read_only: bool = True) -> set[dt.date]:
    """:func:`months_in_all` of the working file ``work_db`` (none when it does not exist)."""
    if not work_db.exists():
        return set()
    if read_only:
        con = duckdb.connect(str(work_db), read_only=True)
        try:
            return months_in_all(con, tables)
        finally:
            con.close()
    from sop_pipeline.resources import WarehouseResource

    # the resource's connection settings: DuckDB shares an open database only between
    # connections configured alike
    with WarehouseResource(database=str(work_db)).get_connection() as con:
        return months_in_all(con, tables)


def latest_planned_month(work_db: Path) -> dt.date | None:
    """The latest month the working warehouse holds a constrained plan for (None: none)."""
    try:
        con = duckdb.connect(str(work_db), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute("select max(plan_month) from sop_mart.plan_feasibility").fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return row[0] if row and row[0] is not None else None
