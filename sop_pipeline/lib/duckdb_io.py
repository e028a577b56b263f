"""Writing to the warehouse: partitions are replaced whole, inside one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import duckdb
import pandas as pd

Connection = duckdb.DuckDBPyConnection
"""A warehouse connection, for the type hints of code that must not import DuckDB itself."""


def quote_ident(name: str) -> str:
    """Quote an identifier for DuckDB (column names come from user files)."""
    return '"' + name.replace('"', '""') + '"'


def split_table(table: str) -> tuple[str, str]:
    schema, _, name = table.partition(".")
    if not name:
        raise ValueError(f"table name must be schema-qualified: {table!r}")
    return schema, name


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block in one transaction: all of it lands, or none of it."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = split_table(table)
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()
    return bool(found[0][0])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = split_table(table)
    rows = con.execute(
        "select column_name from information_schema.columns"
        " where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]


def ensure_table_like(
    con: duckdb.DuckDBPyConnection, table: str, frame_name: str, partition_column: str
) -> None:
    """Create ``table`` with the columns of the registered relation ``frame_name`` if missing,
    and add any column the relation has that the table lacks (schemas only grow)."""
    schema, _ = split_table(table)
    con.execute(f"create schema if not exists {quote_ident(schema)}")
    if not table_exists(con, table):
        con.execute(f"create table {table} as select * from {frame_name} limit 0")
        return
    existing = set(table_columns(con, table))
    if partition_column not in existing:
        raise ValueError(f"{table} has no {partition_column} column; cannot replace partitions")
    described = con.execute(f"describe select * from {frame_name}").fetchall()
    for column_name, column_type, *_ in described:
        if column_name not in existing:
            con.execute(f"alter table {table} add column {quote_ident(column_name)} {column_type}")


def _typed_select(con: duckdb.DuckDBPyConnection, frame_name: str, types: Mapping[str, str]) -> str:
    """A SELECT over the registered frame that casts columns to their declared types (and
    columns pandas could not type, e.g. of an empty frame, to VARCHAR)."""
    described = con.execute(f"describe select * from {frame_name}").fetchall()
    parts = []
    for column_name, column_type, *_ in described:
        target = types.get(column_name) or ("VARCHAR" if column_type == "NULL" else None)
        quoted = quote_ident(column_name)
        parts.append(f"cast({quoted} as {target}) as {quoted}" if target else quoted)
    return f"select {', '.join(parts)} from {frame_name}"


def replace_partitions(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    months: Sequence[dt.date],
    partition_column: str = "plan_month",
    types: Mapping[str, str] | None = None,
) -> int:
    """Replace the rows of ``months`` in ``table`` with ``frame``, atomically.

    Rows of other months are never touched. ``frame`` must carry ``partition_column`` and its
    values must lie in ``months``. ``types`` casts columns to declared DuckDB types, so a table
    first created from an empty frame still gets the right column types.

    Returns:
        The number of rows written.
    """
    if partition_column not in frame.columns:
        raise ValueError(f"rows for {table} lack the {partition_column} column")
    wanted = {pd.Timestamp(m) for m in months}
    present = set(pd.to_datetime(frame[partition_column]).unique())
    if not present <= wanted:
        stray = sorted(str(p.date()) for p in present - wanted)
        raise ValueError(f"rows for {table} fall outside the months being written: {stray}")
    con.register("__replace_input", frame)
    frame_name = "__replace_frame"
    try:
        con.execute(
            f"create or replace temp view {frame_name} as "
            + _typed_select(con, "__replace_input", types or {})
        )
        with transaction(con):
            ensure_table_like(con, table, frame_name, partition_column)
            con.execute(
                f"delete from {table} where {quote_ident(partition_column)} in "
                f"(select unnest(?::DATE[]))",
                [list(months)],
            )
            con.execute(f"insert into {table} by name select * from {frame_name}")
    finally:
        con.execute(f"drop view if exists {frame_name}")
        con.unregister("__replace_input")
    return len(frame)
