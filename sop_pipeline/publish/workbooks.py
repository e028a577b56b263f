"""Publish each plan month's meeting tables as an Excel workbook beside its HTML pack."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import duckdb

from sop_pipeline.lib import planning_data as read
from sop_pipeline.meeting.assets import pack_path
from sop_pipeline.meeting.workbook import (
    WORKBOOK_TABLES,
    build_workbook,
    save_workbook,
    workbook_name,
)


def workbook_path(serving_file: Path, plan_month: dt.date) -> Path:
    """``<serving dir>/meeting_packs/sop_pack_YYYY-MM.xlsx``, beside the month's HTML pack."""
    return pack_path(serving_file, plan_month).with_name(workbook_name(plan_month))


def _present(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "select table_name from duckdb_tables()"
        " where database_name = current_database() and schema_name = 'sop_mart'"
    ).fetchall()
    return {name for (name,) in rows}


def publish_workbooks(
    con: duckdb.DuckDBPyConnection,
    serving_file: Path,
    plan_months: Sequence[dt.date],
    *,
    currency: str,
    published_at: dt.datetime,
) -> list[Path]:
    """Write the workbook of every plan month from ``con``'s ``sop_mart`` tables (a table not
    built yet gives an empty sheet); returns the files written."""
    present = _present(con)
    written = []
    for month in plan_months:
        tables = {name: read.table(con, name, month) for name in WORKBOOK_TABLES if name in present}
        book = build_workbook(month, tables, currency=currency, published_at=published_at)
        written.append(save_workbook(book, workbook_path(serving_file, month)))
    return written
