"""Make the local Dagster instance's SQLite storage cheap to write.

A cold ``sop-pipeline run`` of a three-year company records about 3,300 Dagster events (every
asset of every month: planned, materialized, checked). Dagster's default local storage writes each
asset event twice, into the run's own SQLite file and into a cross-run index file, and creates a
new database engine for every write (so SQLAlchemy also compiles every statement afresh); on 2
cores that bookkeeping was a third of a cold run. Three settings make it cheap, and none changes
what is recorded:

* A new company's ``dagster.yaml`` (:func:`prepare_dagster_home`) keeps every run's events in
  one SQLite file, ``history/event_log.db``, through :class:`OneFileEventLogStorage`: Dagster's
  public ``ConsolidatedSqliteEventLogStorage`` (one write per event) with one engine kept for the
  life of the instance, its connections reused. The run storage (``history/runs.db``) stays
  Dagster's default. One file suits this instance: one run at a time writes to it (the
  warehouse's run lock), in one process; Dagster's default shards events by run so that many
  processes can write at once. A Dagster home made before this setting keeps its layout and its
  record.
* :func:`relax_sqlite_sync` opens those files with ``synchronous=OFF`` for the CLI's runs: an
  application crash (or a killed run) loses nothing; only an operating-system crash or power
  cut can lose the latest events. The instance is the record of what has run, and a lost event
  can only make a month look not done yet, so the next ``sop-pipeline run`` does it again, which
  replaces the month's rows with the same ones. Set ``SOP_DAGSTER_SQLITE_SYNC=FULL`` to keep
  SQLite's default.

Measured on the sample company (36 months, 2 cores): a cold run's pipeline took 65 s with the
default storage, 55 s with one file, 45 s with one reused engine (``bench/RESULTS.md``).
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from dagster._core.storage.event_log.sqlite.consolidated_sqlite_event_log import (
    ConsolidatedSqliteEventLogStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_installed = False

WRITTEN_BY = "# Written by sop-pipeline for this Dagster home; rewritten when the home moves."
EVENT_LOG_DIR = "history"
LEGACY_DAGSTER_YAML = "telemetry:\n  enabled: false\n"
"""What sop-pipeline wrote into a Dagster home before the events were consolidated."""


_live_storages: weakref.WeakSet[OneFileEventLogStorage] = weakref.WeakSet()


class OneFileEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """Dagster's one-file SQLite event log with one engine for the instance's life.

    The parent class creates an engine (with no connection pool) on every read and write; this
    one creates it once, with SQLAlchemy's default pool for a SQLite file, so a connection is
    opened once and reused and each statement is compiled once (and whether a table exists is
    asked once, not before every asset event). Every use still takes its own
    connection and transaction, as before, so nothing changes in what is written or when it is
    committed. A forked child process starts without the parent's connections."""

    _engine: sa.Engine | None = None
    _tables_seen: frozenset[str] = frozenset()  # tables are added by migrations, never dropped

    def _shared_engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = sa.create_engine(
                self._conn_string, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
            )
            _live_storages.add(self)
        return self._engine

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        with self._shared_engine().connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        # asked before every asset event is written (the parent opens a new engine to answer)
        if table_name not in self._tables_seen:
            with self._shared_engine().connect() as conn:
                if not conn.dialect.has_table(conn, table_name):
                    return False
            self._tables_seen = self._tables_seen | {table_name}
        return True

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        super().dispose()


def _forget_parent_connections() -> None:
    for storage in list(_live_storages):
        if storage._engine is not None:
            storage._engine.dispose(close=False)  # the parent's connections stay the parent's


os.register_at_fork(after_in_child=_forget_parent_connections)


def dagster_yaml(home: Path) -> str:
    """The ``dagster.yaml`` of a company's Dagster home ``home`` (an absolute path): telemetry
    off (nothing leaves the machine, nothing is written to ``~/.dagster``) and every run's events
    in one SQLite file under ``home/history``."""
    return (
        f"{WRITTEN_BY}\n"
        "telemetry:\n"
        "  enabled: false\n"
        "# Every run's events in one SQLite file, history/event_log.db, through one reused engine\n"
        "# (the default keeps a file per run plus an index, writes asset events twice and opens\n"
        "# a new engine for every write): see sop_pipeline/lib/dagster_storage.py.\n"
        + yaml.safe_dump({"event_log_storage": event_log_storage(home)}, sort_keys=False)
    )


def event_log_storage(home: Path) -> dict[str, Any]:
    """The ``event_log_storage`` block of the ``dagster.yaml`` of ``home``."""
    return {
        "module": __name__,
        "class": OneFileEventLogStorage.__name__,
        "config": {"base_dir": str(home / EVENT_LOG_DIR)},
    }


def instance_overrides(home: Path) -> dict[str, Any]:
    """What the CLI overrides in ``home``'s ``dagster.yaml`` when it opens the instance: the
    one-file event log at ``home/history``, wherever the file says it is (an absolute path, out of
    date when the home was moved or copied, until the next run rewrites it). Nothing for a home
    whose ``dagster.yaml`` names another event log."""
    try:
        config = yaml.safe_load((home / "dagster.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    storage = config.get("event_log_storage") if isinstance(config, dict) else None
    if not isinstance(storage, dict) or storage.get("class") != OneFileEventLogStorage.__name__:
        return {}
    return {"event_log_storage": event_log_storage(home)}


def prepare_dagster_home(home: Path) -> None:
    """Create the Dagster home ``home`` with its ``dagster.yaml``, or bring the file up to date:
    one this project wrote is rewritten when the home has moved (its event-log folder is an
    absolute path), and the earlier telemetry-only file is replaced while the home has not run
    anything (a home with runs keeps its layout, which holds its record). A ``dagster.yaml``
    someone else wrote is left alone."""
    home = home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = dagster_yaml(home)
    if config.exists():
        current = config.read_text(encoding="utf-8")
        ours = current.startswith(WRITTEN_BY)
        unused_legacy = current == LEGACY_DAGSTER_YAML and not (home / EVENT_LOG_DIR).exists()
        if current == wanted or not (ours or unused_legacy):
            return
    config.write_text(wanted, encoding="utf-8")


def relax_sqlite_sync() -> None:
    """Set ``PRAGMA synchronous`` on every SQLite connection SQLAlchemy opens in this process."""
    global _installed
    mode = os.environ.get("SOP_DAGSTER_SQLITE_SYNC", "OFF").upper()
    if _installed or mode not in {"OFF", "NORMAL", "FULL"}:
        return

    @event.listens_for(Engine, "connect")
    def _set_synchronous(dbapi_connection: object, _record: object) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.execute(f"PRAGMA synchronous={mode}")

    _installed = True
