"""Run one SQL model of ``dbt_like_sql/`` on hand-made tables in an in-memory DuckDB."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from sop_pipeline.data_dictionary import column_types
from sop_pipeline.lib.sql_models import (
    SQL_DIR,
    flatten_settings,
    macro_statements,
    parse_model,
    run_model,
)
from sop_pipeline.settings import load_settings

PLAN = dt.date(2025, 10, 1)


def connect(tables: dict[str, pd.DataFrame]) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse holding ``tables`` (``schema.name`` -> rows)."""
    con = duckdb.connect()
    for table, frame in tables.items():
        schema = table.split(".")[0]
        con.execute(f"create schema if not exists {schema}")
        con.register("frame", frame)
        con.execute(f"create table {table} as select * from frame")
        con.unregister("frame")
    return con


def run_sql_model(
    con: duckdb.DuckDBPyConnection,
    model: str,
    overrides: dict | None = None,
    plan: dt.date = PLAN,
) -> pd.DataFrame:
    """Build ``model`` (``marts/<name>`` or ``staging/<name>``) for ``plan``; return its rows."""
    folder, name = model.split("/")
    schema = {"marts": "sop_mart", "staging": "staging"}[folder]
    parsed = parse_model(SQL_DIR / folder / f"{name}.sql", schema, folder)
    _create_missing_inputs(con, parsed.reads)
    variables = flatten_settings(load_settings(None, overrides).model_dump())
    run_model(con, parsed, [plan], variables, macro_statements())
    return con.execute(f"select * from {schema}.{name} where plan_month = ?", [plan]).df()


def _create_missing_inputs(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> None:
    """Empty tables (typed by the data dictionary) for the inputs a test gave no rows for."""
    existing = {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }
    for table in set(tables) - existing:
        types = column_types(table)
        if types:
            columns = ", ".join(f'"{name}" {kind}' for name, kind in types.items())
            con.execute(f"create schema if not exists {table.split('.')[0]}")
            con.execute(f"create table {table} ({columns})")
