"""Publish the working warehouse to the file BI tools read, without ever showing a half month.

The pipeline writes only its working DuckDB file. Publishing copies the ``sop_mart`` (and
``staging``) tables of every plan month into a *new* DuckDB file beside the serving file and
then ``os.replace``-s it over the serving file in one atomic rename. A BI tool that is connected
keeps reading the old file (its open handle still points at it) and never blocks the pipeline;
a tool that connects afterwards reads the new file. Nothing is ever written into the serving
file itself.

The new file is written in an explicit DuckDB storage format (``storage_version``, by default
one that DuckDB 1.1 and later clients read), whatever format the writing DuckDB would pick; the
working file keeps the newest.

The run's plan months are also exported as Parquet, hive-style:
``<serving dir>/exports/plan_month=YYYY-MM-01/<table>.parquet``. Each month folder is written
aside and renamed into place whole. ``<serving dir>/latest`` is a symbolic link to the newest
month's folder, swapped atomically, so a Parquet reader finds the newest month at a fixed path.

A killed publication leaves only ``<serving>.tmp-<pid>-<id>`` files (or ``.exports.tmp-*``
folders, ``latest.tmp-*`` links) behind; the next publication removes those whose process is gone.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from sop_pipeline.lib.duckdb_io import quote_ident, transaction
from sop_pipeline.lib.months import partition_key
from sop_pipeline.settings import SERVING_STORAGE_VERSION

SERVING_SCHEMAS: tuple[str, ...] = ("sop_mart", "staging")
EXPORT_SCHEMA = "sop_mart"
EXPORTS_DIR = "exports"
LATEST_LINK = "latest"
PACKS_DIR = "meeting_packs"
PARTITION_COLUMN = "plan_month"
INFO_TABLE = "meta.publication"
TMP_INFIX = ".tmp-"
_ATTACHED = "serving_new"
_STORAGE_VERSION = re.compile(r"v\d+\.\d+\.\d+|latest")

Describe = Callable[[str], tuple[str, Mapping[str, str]]]
"""``table -> (table description, {column: description})``, written as DuckDB comments."""


class PublishError(RuntimeError):
    """The new serving file does not match the working file; nothing was published."""


@dataclass(frozen=True)
class PublishedTable:
    table: str  # schema.name
    rows: int
    plan_month_rows: int  # rows of the publication's plan months (0 without plan_month)


@dataclass(frozen=True)
class Publication:
    """What one publication wrote."""

    serving_file: Path
    tables: tuple[PublishedTable, ...]
    file_size: int
    export_dirs: tuple[Path, ...]
    removed_stale: tuple[Path, ...]
    published_at: dt.datetime
    storage_version: str
    latest_export: Path | None = None  # the ``latest`` link, when Parquet was exported

    @property
    def mart_rows(self) -> int:
        return sum(t.rows for t in self.tables if t.table.startswith(EXPORT_SCHEMA + "."))


def sql_string(text: str) -> str:
    """A SQL string literal (for file paths, which DuckDB does not take as parameters)."""
    return "'" + text.replace("'", "''") + "'"


def list_tables(con: duckdb.DuckDBPyConnection, schemas: Sequence[str]) -> list[str]:
    """Base tables of ``schemas`` in the connection's default database, sorted."""
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables()"
        " where database_name = current_database() and schema_name in (select unnest(?))"
        " order by schema_name, table_name",
        [list(schemas)],
    ).fetchall()
    return [f"{schema}.{name}" for schema, name in rows]


def has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    schema, name = table.split(".", 1)
    found = con.execute(
        "select count(*) from duckdb_columns() where database_name = current_database()"
        " and schema_name = ? and table_name = ? and column_name = ?",
        [schema, name, column],
    ).fetchall()
    return bool(found[0][0])


def _qualified(table: str, database: str | None = None) -> str:
    parts = ([database] if database else []) + table.split(".", 1)
    return ".".join(quote_ident(p) for p in parts)


def _pid_of(path: Path) -> int | None:
    """The process id in ``<name>.tmp-<pid>-<id>``, or None."""
    _, _, rest = path.name.partition(TMP_INFIX)
    head = rest.split("-", 1)[0].split(".", 1)[0]
    return int(head) if head.isdigit() else None


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def remove_stale_temporaries(serving: Path) -> list[Path]:
    """Delete what killed publications left beside ``serving`` (their process is gone)."""
    removed: list[Path] = []
    patterns = (
        f"{serving.name}{TMP_INFIX}*",
        f".{EXPORTS_DIR}{TMP_INFIX}*",
        f"{LATEST_LINK}{TMP_INFIX}*",
        f"{PACKS_DIR}/.*{TMP_INFIX}*",
    )
    for pattern in patterns:
        for path in sorted(serving.parent.glob(pattern)):
            pid = _pid_of(path)
            if pid is None or pid == os.getpid() or _process_alive(pid):
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _temporary_name(base: str) -> str:
    return f"{base}{TMP_INFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_storage_version(version: str) -> str:
    """``version`` if it names a DuckDB storage format (``vX.Y.Z`` or ``latest``).

    Raises:
        ValueError: for anything else (DuckDB itself then says which versions it knows).
    """
    if not _STORAGE_VERSION.fullmatch(version):
        raise ValueError(f"storage version {version!r}: expected 'vX.Y.Z' or 'latest'")
    return version


@contextmanager
def _attached(con: duckdb.DuckDBPyConnection, path: Path, storage_version: str) -> Iterator[str]:
    version = sql_string(check_storage_version(storage_version))
    con.execute(
        f"attach {sql_string(str(path))} as {_ATTACHED} (READ_WRITE, STORAGE_VERSION {version})"
    )
    try:
        yield _ATTACHED
    finally:
        con.execute(f"detach {_ATTACHED}")


def build_serving_file(
    con: duckdb.DuckDBPyConnection,
    target: Path,
    plan_months: Sequence[dt.date],
    *,
    schemas: Sequence[str] = SERVING_SCHEMAS,
    published_at: dt.datetime,
    describe: Describe | None = None,
    storage_version: str = SERVING_STORAGE_VERSION,
) -> list[PublishedTable]:
    """Copy every table of ``schemas`` from ``con``'s database into the new file ``target``,
    written in the DuckDB storage format ``storage_version``.

    Also writes :data:`INFO_TABLE` (when, which plan months, which storage format) and, with
    ``describe``, the data dictionary as table and column comments.
    """
    if target.exists():
        raise FileExistsError(f"{target} exists; a publication writes a new file only")
    source = con.execute("select current_database()").fetchall()[0][0]
    tables = list_tables(con, schemas)
    written: list[PublishedTable] = []
    # one transaction for the whole new file: hundreds of comments commit once, not one by one
    with _attached(con, target, storage_version) as db, transaction(con):
        for schema in sorted({t.split(".", 1)[0] for t in tables} | {INFO_TABLE.split(".")[0]}):
            con.execute(f"create schema {quote_ident(db)}.{quote_ident(schema)}")
        for table in tables:
            con.execute(
                f"create table {_qualified(table, db)} as select * from {_qualified(table, source)}"
            )
            rows = con.execute(f"select count(*) from {_qualified(table, db)}").fetchall()[0][0]
            month_rows = 0
            if has_column(con, table, PARTITION_COLUMN):
                month_rows = con.execute(
                    f"select count(*) from {_qualified(table, db)}"
                    f" where {quote_ident(PARTITION_COLUMN)} in (select unnest(?::DATE[]))",
                    [list(plan_months)],
                ).fetchall()[0][0]
            written.append(PublishedTable(table, int(rows), int(month_rows)))
            if describe is not None:
                _comment(con, db, table, *describe(table))
        con.execute(
            f"create table {_qualified(INFO_TABLE, db)} as select"
            " ?::TIMESTAMP as published_at, ?::DATE[] as plan_months, ?::VARCHAR[] as tables,"
            " ?::VARCHAR as storage_version",
            [published_at, list(plan_months), [t.table for t in written], storage_version],
        )
    return written


def _comment(
    con: duckdb.DuckDBPyConnection,
    db: str,
    table: str,
    description: str,
    columns: Mapping[str, str],
) -> None:
    if description:
        con.execute(f"comment on table {_qualified(table, db)} is {sql_string(description)}")
    schema, name = table.split(".", 1)
    present = {
        r[0]
        for r in con.execute(
            "select column_name from duckdb_columns()"
            " where database_name = ? and schema_name = ? and table_name = ?",
            [db, schema, name],
        ).fetchall()
    }
    for column, text in columns.items():
        if column in present and text:
            con.execute(
                f"comment on column {_qualified(table, db)}.{quote_ident(column)}"
                f" is {sql_string(text)}"
            )


def compare_row_counts(
    con: duckdb.DuckDBPyConnection, built: Path, tables: Sequence[PublishedTable]
) -> list[str]:
    """Tables whose row count in the file ``built`` differs from ``con``'s database."""
    other = duckdb.connect(str(built), read_only=True)
    try:
        mismatched = []
        for table in tables:
            name = _qualified(table.table)
            served = other.execute(f"select count(*) from {name}").fetchall()[0][0]
            working = con.execute(f"select count(*) from {name}").fetchall()[0][0]
            if served != working:
                mismatched.append(f"{table.table}: {served} rows published, {working} in work")
    finally:
        other.close()
    return mismatched


def replace_file(source: Path, target: Path) -> None:
    """Make ``source`` durable, then atomically rename it over ``target``."""
    _fsync(source)
    os.replace(source, target)
    _fsync(target.parent)


def stage_exports(
    con: duckdb.DuckDBPyConnection,
    exports_dir: Path,
    plan_months: Sequence[dt.date],
    *,
    schema: str = EXPORT_SCHEMA,
) -> Path:
    """Write ``plan_month=YYYY-MM-01/<table>.parquet`` for each plan month into a new folder
    beside ``exports_dir`` (returned); :func:`swap_exports` moves them into place."""
    tables = [t for t in list_tables(con, [schema]) if has_column(con, t, PARTITION_COLUMN)]
    exports_dir.mkdir(parents=True, exist_ok=True)
    staging = exports_dir.parent / _temporary_name(f".{exports_dir.name}")
    staging.mkdir()
    try:
        for month in plan_months:
            folder = staging / f"{PARTITION_COLUMN}={partition_key(month)}"
            folder.mkdir()
            for table in tables:
                out = folder / f"{table.split('.', 1)[1]}.parquet"
                con.execute(
                    f"copy (select * from {_qualified(table)}"
                    f" where {quote_ident(PARTITION_COLUMN)} = ?)"
                    f" to {sql_string(str(out))} (format parquet)",
                    [month],
                )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def swap_exports(staging: Path, exports_dir: Path) -> list[Path]:
    """Rename each month folder of ``staging`` (:func:`stage_exports`) into ``exports_dir``,
    replacing the old one, then remove ``staging``."""
    written: list[Path] = []
    try:
        for folder in sorted(p for p in staging.iterdir() if p.name.startswith(PARTITION_COLUMN)):
            final = exports_dir / folder.name
            if final.exists():
                final.rename(staging / f"{folder.name}.old")
            folder.rename(final)
            written.append(final)
        _fsync(exports_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def exported_months(
    con: duckdb.DuckDBPyConnection, plan_months: Sequence[dt.date], schema: str = EXPORT_SCHEMA
) -> list[dt.date]:
    """``plan_months`` and every other plan month the ``sop_mart`` forecast holds, oldest
    first."""
    held: set[dt.date] = set()
    forecast = f"{schema}.forecast"
    if forecast in list_tables(con, [schema]):
        rows = con.execute(f"select distinct {PARTITION_COLUMN} from {_qualified(forecast)}")
        held = {r[0] for r in rows.fetchall()}
    return sorted(held | set(plan_months))


def export_plan_months(
    con: duckdb.DuckDBPyConnection,
    exports_dir: Path,
    plan_months: Sequence[dt.date],
    *,
    schema: str = EXPORT_SCHEMA,
) -> list[Path]:
    """Write ``<exports_dir>/plan_month=YYYY-MM-01/<table>.parquet`` for each plan month.

    Each month folder is built aside and renamed into place whole, replacing the old one.
    """
    return swap_exports(stage_exports(con, exports_dir, plan_months, schema=schema), exports_dir)


def point_latest(exports_dir: Path, link: Path) -> Path | None:
    """Point the symbolic link ``link`` at the newest ``plan_month=*`` folder of
    ``exports_dir`` (a relative link, swapped in by one atomic rename); None without months."""
    months = sorted(p.name for p in exports_dir.glob(f"{PARTITION_COLUMN}=*") if p.is_dir())
    if not months:
        return None
    target = Path(os.path.relpath(exports_dir / months[-1], link.parent))
    if link.is_symlink() and Path(os.readlink(link)) == target:
        return link
    temporary = link.with_name(_temporary_name(link.name))
    if link.is_dir() and not link.is_symlink():  # a copy of the warehouse turned it into a folder
        link.rename(temporary)
        shutil.rmtree(temporary)
    temporary.symlink_to(target, target_is_directory=True)
    try:
        os.replace(temporary, link)
    finally:
        if temporary.is_symlink():
            temporary.unlink()
    _fsync(link.parent)
    return link


def publish(
    con: duckdb.DuckDBPyConnection,
    serving: Path,
    plan_months: Sequence[dt.date],
    *,
    schemas: Sequence[str] = SERVING_SCHEMAS,
    export: bool = True,
    describe: Describe | None = None,
    storage_version: str = SERVING_STORAGE_VERSION,
    also: Sequence[tuple[Path, Path]] = (),
    published_at: dt.datetime | None = None,
) -> Publication:
    """Publish ``con``'s warehouse to ``serving`` (new file in the storage format
    ``storage_version``, row counts checked, atomic replace), export ``plan_months`` as
    Parquet and point the ``latest`` link at the newest exported month.

    Everything is written aside first - the new serving file, the Parquet month folders, and
    the files of ``also`` (``(written aside, final path)`` pairs: the meeting pack and the
    workbooks) - and only then renamed into place, one rename each: a publication that fails
    before that (a check, a full disk) changes nothing a reader sees.

    Hold ``con`` (the working file, read-write or read-only) for the whole call: publications
    then follow one another in the order they read the working file.

    Raises:
        PublishError: if the new file does not hold the working file's rows (the serving file
            is then left as it was).
    """
    serving = serving.resolve()
    serving.parent.mkdir(parents=True, exist_ok=True)
    removed = remove_stale_temporaries(serving)
    if published_at is None:
        published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    temporary = serving.with_name(_temporary_name(serving.name))
    exports_dir = serving.parent / EXPORTS_DIR
    staged_exports: Path | None = None
    committed = False
    try:
        tables = build_serving_file(
            con,
            temporary,
            plan_months,
            schemas=schemas,
            published_at=published_at,
            describe=describe,
            storage_version=storage_version,
        )
        mismatched = compare_row_counts(con, temporary, tables)
        if mismatched:
            raise PublishError("the new serving file is incomplete: " + "; ".join(mismatched))
        if export:
            # every planned month, not only the run's: a month planned for accuracy and trends
            # (or rebuilt) is read from Parquet like the plan month
            staged_exports = stage_exports(con, exports_dir, exported_months(con, plan_months))
        for aside, _ in also:
            _fsync(aside)
        # everything is written: from here on only renames
        replace_file(temporary, serving)
        committed = True
        for aside, final in also:
            os.replace(aside, final)
    finally:
        temporary.unlink(missing_ok=True)
        temporary.with_name(temporary.name + ".wal").unlink(missing_ok=True)
        for aside, _ in also:
            aside.unlink(missing_ok=True)
        if staged_exports is not None and not committed:
            shutil.rmtree(staged_exports, ignore_errors=True)
    exports: list[Path] = []
    latest = None
    if staged_exports is not None:
        exports = swap_exports(staged_exports, exports_dir)
        latest = point_latest(exports_dir, serving.parent / LATEST_LINK)
    return Publication(
        serving_file=serving,
        tables=tuple(tables),
        file_size=serving.stat().st_size,
        export_dirs=tuple(exports),
        removed_stale=tuple(removed),
        published_at=published_at,
        storage_version=storage_version,
        latest_export=latest,
    )


def publish_file(
    work_db: Path,
    serving: Path,
    plan_months: Sequence[dt.date],
    *,
    schemas: Sequence[str] = SERVING_SCHEMAS,
    export: bool = True,
    describe: Describe | None = None,
    storage_version: str = SERVING_STORAGE_VERSION,
) -> Publication:
    """:func:`publish` from the working file at ``work_db``, opened read-only."""
    con = duckdb.connect(str(work_db), read_only=True)
    try:
        return publish(
            con,
            serving,
            plan_months,
            schemas=schemas,
            export=export,
            describe=describe,
            storage_version=storage_version,
        )
    finally:
        con.close()
