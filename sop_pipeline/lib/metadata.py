"""Metadata helpers for materializations: previews, schemas and row counts."""

from __future__ import annotations

import dagster as dg
import pandas as pd

_DTYPE_NAMES = {
    "object": "string",
    "datetime64[ns]": "date",
    "float64": "double",
    "int64": "bigint",
}


def markdown_table(frame: pd.DataFrame, max_rows: int = 10, floatfmt: str = ",.2f") -> str:
    """A Markdown table of the first ``max_rows`` rows (blank cells for missing values)."""
    if frame.empty:
        return "_no rows_"
    return frame.head(max_rows).to_markdown(index=False, floatfmt=floatfmt, missingval="")


def column_schema(
    frame: pd.DataFrame, descriptions: dict[str, str] | None = None
) -> dg.TableSchema:
    """A ``dagster/column_schema`` value for a frame, with descriptions where known."""
    descriptions = descriptions or {}
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                name=str(name),
                type=_DTYPE_NAMES.get(str(dtype), str(dtype)),
                description=descriptions.get(str(name)),
            )
            for name, dtype in frame.dtypes.items()
        ]
    )


def table_metadata(
    frame: pd.DataFrame, descriptions: dict[str, str] | None = None, preview_rows: int = 10
) -> dict[str, object]:
    """Row count, column schema and a Markdown preview for a written table."""
    return {
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(frame, descriptions),
        "preview": dg.MetadataValue.md(markdown_table(frame, preview_rows)),
    }
