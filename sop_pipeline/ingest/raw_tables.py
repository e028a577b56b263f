"""The ``raw`` schema: one text table per input file, plus ``raw.load_log`` of every file read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import duckdb
import pandas as pd

from sop_pipeline.ingest.contract import InputFile
from sop_pipeline.ingest.readers import LoadedFile
from sop_pipeline.lib.duckdb_io import quote_ident, table_columns, transaction

LOAD_LOG = "raw.load_log"

_LOAD_LOG_DDL = f"""
create table if not exists {LOAD_LOG} (
    plan_month DATE,
    file VARCHAR,
    source_path VARCHAR,
    source_scope VARCHAR,
    status VARCHAR,
    error VARCHAR,
    columns VARCHAR[],
    row_count BIGINT,
    loaded_at TIMESTAMP
)
"""


def raw_table(spec: InputFile) -> str:
    return f"raw.{spec.name}"


def _ensure_raw_table(con: duckdb.DuckDBPyConnection, spec: InputFile, extra: list[str]) -> None:
    con.execute("create schema if not exists raw")
    con.execute(_LOAD_LOG_DDL)
    columns = ", ".join(f"{quote_ident(c)} VARCHAR" for c in spec.column_names)
    con.execute(
        f"create table if not exists {raw_table(spec)} (plan_month DATE, _line BIGINT, "
        f"{columns}, _source_file VARCHAR, _loaded_at TIMESTAMP)"
    )
    existing = set(table_columns(con, raw_table(spec)))
    for column in extra:
        if column not in existing:
            con.execute(f"alter table {raw_table(spec)} add column {quote_ident(column)} VARCHAR")


def write_raw_month(
    con: duckdb.DuckDBPyConnection,
    spec: InputFile,
    loads: Sequence[LoadedFile],
    loaded_at: dt.datetime,
) -> int:
    """Replace the months of ``loads`` in ``raw.<file>`` and ``raw.load_log``, atomically.

    Columns the contract does not know are kept (added to the table as text).

    Returns:
        The number of data rows written.
    """
    extra = sorted({c for ld in loads for c in ld.columns if c not in spec.column_names})
    extra = [c for c in extra if not c.startswith("_")]
    months = [ld.month for ld in loads]
    frames = []
    for ld in loads:
        if ld.frame is None or ld.frame.empty:
            continue
        frame = ld.frame[[c for c in ld.frame.columns if not c.startswith("_") or c == "_line"]]
        frame = frame.loc[:, ~frame.columns.duplicated()].copy()
        frame.insert(0, "plan_month", pd.Timestamp(ld.month))
        frame["_source_file"] = str(ld.path)
        frame["_loaded_at"] = pd.Timestamp(loaded_at)
        frames.append(frame)
    log = pd.DataFrame(
        {
            "plan_month": [pd.Timestamp(ld.month) for ld in loads],
            "file": spec.name,
            "source_path": [str(ld.path) if ld.path else None for ld in loads],
            "source_scope": [ld.scope for ld in loads],
            "status": [ld.status for ld in loads],
            "error": [ld.error for ld in loads],
            "columns": [list(ld.columns) for ld in loads],
            "row_count": [ld.row_count for ld in loads],
            "loaded_at": pd.Timestamp(loaded_at),
        }
    )
    table = raw_table(spec)
    with transaction(con):
        _ensure_raw_table(con, spec, extra)
        con.execute(f"delete from {table} where plan_month in (select unnest(?::DATE[]))", [months])
        con.execute(
            f"delete from {LOAD_LOG} where file = ? and plan_month in (select unnest(?::DATE[]))",
            [spec.name, months],
        )
        con.register("__load_log", log)
        con.execute(f"insert into {LOAD_LOG} by name select * from __load_log")
        con.unregister("__load_log")
        if not frames:
            return 0
        rows = pd.concat(frames, ignore_index=True)
        text_columns = [c for c in rows.columns if c not in ("plan_month", "_line", "_loaded_at")]
        select = ", ".join(
            ["plan_month::DATE as plan_month", "_line::BIGINT as _line", "_loaded_at"]
            + [f"{quote_ident(c)}::VARCHAR as {quote_ident(c)}" for c in text_columns]
        )
        con.register("__raw_frame", rows)
        con.execute(f"insert into {table} by name select {select} from __raw_frame")
        con.unregister("__raw_frame")
    return len(rows)
