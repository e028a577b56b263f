"""Write one plan month of a ``sop_mart`` table and describe it for the Dagster UI."""

import datetime as dt

import dagster as dg
import duckdb
import pandas as pd

from sop_pipeline.data_dictionary import column_descriptions, column_types
from sop_pipeline.lib.duckdb_io import replace_partitions
from sop_pipeline.lib.metadata import table_metadata


def write_plan_month(
    con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame, plan_month: dt.date
) -> pd.DataFrame:
    """Replace ``plan_month``'s rows of ``table`` with ``frame`` (``plan_month`` added first)."""
    rows = frame.copy()
    if "plan_month" in rows.columns:
        rows = rows.drop(columns="plan_month")
    for column in rows.columns:
        if is_month_column(rows[column]):
            rows[column] = rows[column].dt.date
    rows.insert(0, "plan_month", plan_month)
    replace_partitions(con, table, rows, [plan_month], types=column_types(table))
    return rows


def is_month_column(values: pd.Series) -> bool:
    """Datetimes that are all midnights are dates (DATE in DuckDB), e.g. ``month``."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        return False
    present = values.dropna()
    return bool((present == present.dt.normalize()).all())


def mart_result(
    table: str,
    rows: pd.DataFrame,
    *,
    asset_key: dg.AssetKey | None = None,
    metadata: dict[str, object] | None = None,
    check_results: list[dg.AssetCheckResult] | None = None,
) -> dg.MaterializeResult:
    """Row count, column schema with the data dictionary's descriptions, and a preview."""
    meta = table_metadata(rows, column_descriptions(table))
    meta.update(metadata or {})
    return dg.MaterializeResult(
        asset_key=asset_key, metadata=meta, check_results=check_results or None
    )
