"""Whole months or none: what a run changes in the working warehouse is undone if it fails.

Every asset replaces its plan month's rows in its own transaction, so a run that fails part-way
(a blocking check, an exception, a kill) would leave its months half re-planned: some tables of
the new run beside others of the old one, which a later run of another month would then
publish. Instead, before a run writes anything, the rows of its months in every table of
:data:`RESTORE_SCHEMAS` are copied into the ``restore_point`` schema, one copy per table, with
the run's id in ``restore_point.runs``. When the next run starts (the warehouse resource's
set-up, before any step), each restore point left by another run is settled by that run's
status in the Dagster instance:

- the run succeeded: its months are whole; the copy is dropped (likewise for a run the
  instance does not know - another Dagster home, a test's ephemeral instance - which cannot be
  judged: its months stay as it left them);
- it failed or was cancelled (a run killed with its process is marked failed by the next
  ``sop-pipeline run``): its months' rows are deleted from every table and the copies put
  back, in one transaction, so every table holds exactly what it held before that run started;
- it is still going on (a run launched from the UI beside this one): left alone, and this run
  stops before writing - one run changes a warehouse at a time.

A copy kept in the working file itself rather than a second file: it is as durable as the
tables it restores, is written and restored in DuckDB transactions, and costs the rows of one
run's months (a second copy of the whole file would cost the whole warehouse per run).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import duckdb

from sop_pipeline.lib.duckdb_io import quote_ident, table_exists, transaction

RESTORE_SCHEMAS: tuple[str, ...] = ("raw", "staging", "sop_mart")
RESTORE_SCHEMA = "restore_point"
RUNS_TABLE = f"{RESTORE_SCHEMA}.runs"
PARTITION_COLUMN = "plan_month"

RunState = Literal["succeeded", "failed", "running", "unknown"]
StateOf = Callable[[str], RunState]
"""The state of the run with this id in the Dagster instance's record."""


@dataclass(frozen=True)
class Settled:
    """A restore point settled at the start of a run."""

    run_id: str
    months: tuple[dt.date, ...]
    restored: bool  # True: the run had not succeeded and its months were put back


def _copy_name(table: str) -> str:
    schema, name = table.split(".", 1)
    return f"{RESTORE_SCHEMA}.{quote_ident(f'{schema}__{name}')}"


def month_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of :data:`RESTORE_SCHEMAS` partitioned by ``plan_month``, sorted."""
    rows = con.execute(
        "select table_schema || '.' || table_name from information_schema.columns"
        " where table_catalog = current_database() and column_name = ?"
        f" and table_schema in ({', '.join('?' * len(RESTORE_SCHEMAS))})"
        " order by 1",
        [PARTITION_COLUMN, *RESTORE_SCHEMAS],
    ).fetchall()
    return [r[0] for r in rows]


def _ensure_runs_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RESTORE_SCHEMA}")
    con.execute(
        f"create table if not exists {RUNS_TABLE} ("
        " run_id varchar, plan_month date, tables varchar[], created_at timestamp)"
    )


def pending(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[dt.date, ...]]:
    """The restore points the working file holds: run id -> its months."""
    if not table_exists(con, RUNS_TABLE):
        return {}
    found: dict[str, list[dt.date]] = {}
    for run_id, month in con.execute(
        f"select run_id, plan_month from {RUNS_TABLE} order by run_id, plan_month"
    ).fetchall():
        found.setdefault(run_id, []).append(month)
    return {run_id: tuple(months) for run_id, months in found.items()}


def create(con: duckdb.DuckDBPyConnection, run_id: str, months: Sequence[dt.date]) -> bool:
    """Copy the rows of ``months`` of every month table before run ``run_id`` writes; False
    (nothing done) when that run already has its restore point (a run's later step). Another
    run's restore point must have been settled first."""
    months = sorted(set(months))
    if not months:
        return False
    existing = pending(con)
    if run_id in existing:
        return False
    if existing:
        other, months = next(iter(existing.items()))
        raise RuntimeError(
            f"run {other} is still changing {', '.join(m.isoformat()[:7] for m in months)} in "
            "this warehouse: one run changes a warehouse at a time; launch this one when it ends"
        )
    with transaction(con):
        _ensure_runs_table(con)
        tables = _tables_holding(con, month_tables(con), months)
        for table in tables:
            con.execute(
                f"create or replace table {_copy_name(table)} as select * from {table}"
                f" where {PARTITION_COLUMN} in (select unnest(?::DATE[]))",
                [months],
            )
        con.execute(
            f"insert into {RUNS_TABLE} select ?, unnest(?::DATE[]), ?, now()::timestamp",
            [run_id, months, tables],
        )
    return True


def _tables_holding(
    con: duckdb.DuckDBPyConnection, tables: Sequence[str], months: Sequence[dt.date]
) -> list[str]:
    """The tables among ``tables`` with rows for ``months``, in one query (a first plan of a
    month copies nothing; the others are restored by deleting the months' rows)."""
    if not tables:
        return []
    counts = " union all ".join(
        f"(select '{table}' as t from {table} where {PARTITION_COLUMN} in"
        " (select unnest($months::DATE[])) limit 1)"
        for table in tables
    )
    found = {
        r[0] for r in con.execute(f"select t from ({counts})", {"months": list(months)}).fetchall()
    }
    return [t for t in tables if t in found]


def restore(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[dt.date, ...]:
    """Put the months of ``run_id``'s restore point back as they were before it, in one
    transaction: every month table loses those months' rows and gets the copy back (a table
    the run created holds none of them afterwards). Returns the months."""
    rows = con.execute(
        f"select plan_month, tables from {RUNS_TABLE} where run_id = ? order by plan_month",
        [run_id],
    ).fetchall()
    months = [r[0] for r in rows]
    copied = set(rows[0][1]) if rows else set()
    with transaction(con):
        for table in month_tables(con):
            con.execute(
                f"delete from {table} where {PARTITION_COLUMN} in (select unnest(?::DATE[]))",
                [months],
            )
            if table in copied:
                con.execute(f"insert into {table} by name select * from {_copy_name(table)}")
        _drop(con, run_id, copied)
    return tuple(months)


def _drop(con: duckdb.DuckDBPyConnection, run_id: str, copied: set[str]) -> None:
    for table in sorted(copied):
        con.execute(f"drop table if exists {_copy_name(table)}")
    con.execute(f"delete from {RUNS_TABLE} where run_id = ?", [run_id])
    if not con.execute(f"select count(*) from {RUNS_TABLE}").fetchone()[0]:
        con.execute(f"drop table {RUNS_TABLE}")  # a warehouse with no run going on has none


def discard(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Drop ``run_id``'s restore point: its months stay as the run left them."""
    rows = con.execute(f"select tables from {RUNS_TABLE} where run_id = ? limit 1", [run_id])
    found = rows.fetchone()
    with transaction(con):
        _drop(con, run_id, set(found[0]) if found else set())


def settle(
    con: duckdb.DuckDBPyConnection, state_of: StateOf, current_run_id: str | None = None
) -> list[Settled]:
    """Settle the restore point of every finished run other than ``current_run_id`` by its
    state (module docstring): discard it, or restore its months."""
    out = []
    for run_id, months in pending(con).items():
        state = state_of(run_id) if run_id != current_run_id else "running"
        if state in ("succeeded", "unknown"):
            discard(con, run_id)
            out.append(Settled(run_id, months, restored=False))
        elif state == "failed":
            restore(con, run_id)
            out.append(Settled(run_id, months, restored=True))
    return out


def state_in(instance: object) -> StateOf:
    """:data:`StateOf` read from a Dagster instance (None: every run is unknown)."""
    import dagster as dg

    def state_of(run_id: str) -> RunState:
        record = instance.get_run_by_id(run_id) if instance is not None else None
        if record is None:
            return "unknown"
        if record.status == dg.DagsterRunStatus.SUCCESS:
            return "succeeded"
        if record.status in (dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED):
            return "failed"
        return "running"

    return state_of
