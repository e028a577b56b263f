"""Make the local Dagster instance's SQLite storage cheap to write.

Dagster commits every run event to SQLite, and on the small VMs this project targets each
commit's fsync costs ~19 ms: a cold ``sop-pipeline run`` commits several thousand events, most
of its wall time. So the CLI opens Dagster's SQLite files with ``synchronous=OFF``: an
application crash (or a killed run) loses nothing; only an operating-system crash or power cut
can lose the latest events. The instance is the record of what has run, and a lost event can only
make a month look not done yet, so the next ``sop-pipeline run`` does it again, which replaces
the month's rows with the same ones. Set ``SOP_DAGSTER_SQLITE_SYNC=FULL`` to keep SQLite's
default.
"""

from __future__ import annotations

import os
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

_installed = False


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
