"""The data dictionary of the warehouse tables (``data_dictionary.yaml``), for docs and the UI."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sop_pipeline.lib.package_files import package_folder

DICTIONARY_FILE = package_folder("sop_pipeline") / "data_dictionary.yaml"


@cache
def load_dictionary() -> dict[str, Any]:
    """``{table: {"description": str, "columns": {column: description}}}``."""
    return yaml.safe_load(DICTIONARY_FILE.read_text(encoding="utf-8")) or {}


def column_descriptions(table: str) -> dict[str, str]:
    """``{column: description}`` of a table (empty if the dictionary does not list it)."""
    columns = load_dictionary().get(table, {}).get("columns", {})
    return {name: str(entry[1]) for name, entry in columns.items()}


def column_types(table: str) -> dict[str, str]:
    """``{column: DuckDB type}`` of a table (empty if the dictionary does not list it)."""
    columns = load_dictionary().get(table, {}).get("columns", {})
    return {name: str(entry[0]) for name, entry in columns.items()}


def table_description(table: str) -> str:
    return str(load_dictionary().get(table, {}).get("description", ""))


def render_markdown() -> str:
    """``docs/DATA_DICTIONARY.md``: every table and column of the dictionary."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from `sop_pipeline/data_dictionary.yaml` by "
        "`python -m sop_pipeline.data_dictionary`; the same descriptions show in the Dagster UI.",
        "Every `sop_mart` table is keyed by `plan_month` (DATE, first day of the month just "
        "closed); money is in the settings' currency; `month` is the first day of a month.",
        "",
    ]
    for table, entry in load_dictionary().items():
        lines += [f"## `{table}`", "", str(entry.get("description", "")), ""]
        lines += ["| column | type | description |", "|---|---|---|"]
        for column, (kind, text) in entry.get("columns", {}).items():
            lines.append(f"| `{column}` | {kind} | {text} |")
        lines.append("")
    return "\n".join(lines)


if (
    __name__ == "__main__"
):  # from the repository's root: python -m sop_pipeline.data_dictionary [path]
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/DATA_DICTIONARY.md")
    target.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {target}")
