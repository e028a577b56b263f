"""The data dictionary of the warehouse tables (``data_dictionary.yaml``), for docs and the UI."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DICTIONARY_FILE = Path(__file__).with_name("data_dictionary.yaml")


@cache
def load_dictionary() -> dict[str, Any]:
    """``{table: {"description": str, "columns": {column: description}}}``."""
    return yaml.safe_load(DICTIONARY_FILE.read_text(encoding="utf-8")) or {}


def column_descriptions(table: str) -> dict[str, str]:
    return dict(load_dictionary().get(table, {}).get("columns", {}))


def table_description(table: str) -> str:
    return str(load_dictionary().get(table, {}).get("description", ""))
