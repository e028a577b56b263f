"""Publish each plan month's meeting tables as an Excel workbook beside its HTML pack."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Sequence
from pathlib import Path

import duckdb

from sop_pipeline.lib import planning_data as read
from sop_pipeline.meeting.assets import pack_path
from sop_pipeline.meeting.workbook import (
    WORKBOOK_TABLES,
    build_workbook,
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


def stage_workbooks(
    con: duckdb.DuckDBPyConnection,
    serving_file: Path,
    plan_months: Sequence[dt.date],
    *,
    currency: str,
    published_at: dt.datetime,
) -> list[tuple[Path, Path]]:
    """Write the workbook of every plan month from ``con``'s ``sop_mart`` tables (a table not
    built yet gives an empty sheet) beside its final path; returns ``(written aside, final
    path)`` pairs for the publication to rename into place."""
    present = _present(con)
    staged = []
    try:
        for month in plan_months:
            tables = {
                name: read.table(con, name, month) for name in WORKBOOK_TABLES if name in present
            }
            book = build_workbook(month, tables, currency=currency, published_at=published_at)
            final = workbook_path(serving_file, month)
            final.parent.mkdir(parents=True, exist_ok=True)
            aside = final.with_name(f".{final.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
            staged.append((aside, final))
            book.save(aside)
    except BaseException:
        for aside, _ in staged:
            aside.unlink(missing_ok=True)
        raise
    return staged
