"""Turn the plain SQL files of ``dbt_like_sql/`` into Dagster assets, one table a file.

A model file ``dbt_like_sql/<folder>/<name>.sql`` becomes the table ``<schema>.<name>`` and the
asset of the same key. Its dependencies are the tables its query reads, found by parsing the SQL
with sqlglot. A model selects the rows of one plan month: it reads the month with
``getvariable('plan_month')`` and every setting with ``getvariable('<section>_<name>')``
(e.g. ``getvariable('meeting_overdue_grace_days')``); values are bound, never spliced into text.
Leading ``--`` comment lines are the asset's description; a ``-- group: <name>`` line sets the
asset group (default: the folder). Files whose name starts with ``_`` hold macros run before
every model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp

from sop_pipeline.lib.duckdb_io import ensure_table_like, quote_ident, transaction
from sop_pipeline.lib.package_files import package_folder

SQL_PACKAGE = "sop_pipeline.dbt_like_sql"
SQL_DIR = package_folder(SQL_PACKAGE)
"""``dbt_like_sql/`` of the repository, shipped in the package as ``sop_pipeline.dbt_like_sql``."""
FOLDER_SCHEMAS = {"staging": "staging", "marts": "sop_mart"}
PARTITION_COLUMN = "plan_month"


class SqlModelError(ValueError):
    """A model file that cannot be turned into a table (the message names the file)."""


@dataclass(frozen=True)
class SqlModel:
    path: Path
    schema: str
    name: str
    sql: str
    description: str
    group: str
    reads: tuple[str, ...]  # schema-qualified tables the query reads
    ordered: bool = False  # the query ends with its own ORDER BY (rows are written in it)

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"


def parse_model(path: Path, schema: str, default_group: str) -> SqlModel:
    """Read one model file; raise :class:`SqlModelError` naming the file if it is not one
    valid SELECT statement."""
    sql = path.read_text(encoding="utf-8").strip().rstrip(";").strip()
    comments, group = [], default_group
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        text = stripped.lstrip("-").strip()
        if text.lower().startswith("group:"):
            group = text.split(":", 1)[1].strip()
        elif text:
            comments.append(text)
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise SqlModelError(f"{path}: the SQL does not parse: {exc}") from exc
    statements = [s for s in statements if s is not None]
    if len(statements) != 1 or not isinstance(statements[0], exp.Query):
        raise SqlModelError(f"{path}: a model must be exactly one SELECT query")
    query = statements[0]
    # a CTE is referred to by its bare name: every schema-qualified name is a table, even one
    # named like a CTE (``with bom as (select ... from staging.bom)``)
    reads = sorted({f"{table.db}.{table.name}" for table in query.find_all(exp.Table) if table.db})
    return SqlModel(
        path=path,
        schema=schema,
        name=path.stem,
        sql=sql,
        description=" ".join(comments) or f"{schema}.{path.stem}",
        group=group,
        reads=tuple(reads),
        ordered=query.args.get("order") is not None,
    )


def discover_models(sql_dir: Path = SQL_DIR) -> list[SqlModel]:
    """Every model under ``sql_dir``, in folder then file order."""
    models = []
    for folder, schema in FOLDER_SCHEMAS.items():
        for path in sorted((sql_dir / folder).glob("*.sql")):
            if not path.name.startswith("_"):
                models.append(parse_model(path, schema, default_group=folder))
    names = [m.table for m in models]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SqlModelError(f"two model files define {', '.join(sorted(duplicates))}")
    return models


def macro_statements(sql_dir: Path = SQL_DIR) -> list[str]:
    """The statements of the ``_*.sql`` macro files, run on each connection before models."""
    statements = []
    for path in sorted(sql_dir.rglob("_*.sql")):
        for statement in sqlglot.parse(path.read_text(encoding="utf-8"), read="duckdb"):
            if statement is not None:
                statements.append(statement.sql(dialect="duckdb"))
    return statements


def flatten_settings(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{'meeting': {'top_issues': 5}}`` -> ``{'meeting_top_issues': 5}``."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten_settings(value, prefix=f"{name}_"))
        else:
            flat[name] = list(value) if isinstance(value, tuple) else value
    return flat


def bind_variables(con: duckdb.DuckDBPyConnection, variables: Mapping[str, Any]) -> None:
    for name, value in variables.items():
        con.execute(f"set variable {quote_ident(name)} = ?", [value])


def run_model(
    con: duckdb.DuckDBPyConnection,
    model: SqlModel,
    months: Sequence[dt.date],
    variables: Mapping[str, Any] | None = None,
    macros: Sequence[str] = (),
) -> dict[dt.date, int]:
    """Rebuild the model's rows for each month: delete the month, insert the query's rows.

    All months land in one transaction. Returns the number of rows written per month.
    """
    for statement in macros:
        con.execute(statement)
    bind_variables(con, variables or {})
    view = f"__model_{model.name}"
    written: dict[dt.date, int] = {}
    with transaction(con):
        con.execute(f"create schema if not exists {quote_ident(model.schema)}")
        con.execute("set variable plan_month = ?::DATE", [months[0]])
        try:
            con.execute(f"create or replace temp view {view} as {model.sql}")
            columns = [r[0] for r in con.execute(f"describe {view}").fetchall()]
        except duckdb.Error as exc:
            raise SqlModelError(f"{model.path}: {exc}") from exc
        if PARTITION_COLUMN not in columns:
            raise SqlModelError(f"{model.path}: the query must return a plan_month column")
        ensure_table_like(con, model.table, view, PARTITION_COLUMN)
        for month in months:
            con.execute("set variable plan_month = ?::DATE", [month])
            con.execute(f"create or replace temp table __model_rows as select * from {view}")
            counts = con.execute(
                "select count(*), count(*) filter (where plan_month is distinct from "
                "getvariable('plan_month')) from __model_rows"
            ).fetchall()[0]
            if counts[1]:
                raise SqlModelError(
                    f"{model.path}: {counts[1]} rows carry a plan_month other than {month}"
                )
            con.execute(f"delete from {model.table} where plan_month = getvariable('plan_month')")
            # in the query's own order, else sorted on every column: a re-plan writes the same
            # rows in the same order
            order = "" if model.ordered else " order by all"
            con.execute(f"insert into {model.table} by name select * from __model_rows{order}")
            written[month] = counts[0]
        con.execute("drop table if exists __model_rows")
        con.execute(f"drop view if exists {view}")
    return written
