"""The plan-month partitions: one partition per closed month, keyed ``YYYY-MM-01``.

They start at the company's first data month - the oldest ``YYYY-MM`` folder of the data
directory named by ``SOP_DATA_DIR`` when the definitions load (``dagster dev`` reads it from
``.env``) - so the UI's partition bars show the company's months, not years of empty ones
before it. Without that variable (or a month folder) they start at :data:`DEFAULT_FIRST_MONTH`.
A month keeps its key whatever the start: runs recorded under another start stay valid.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import dagster as dg

DEFAULT_FIRST_MONTH = "2018-01-01"
_MONTH_FOLDER = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def first_plan_month(environ: Mapping[str, str] | None = None) -> str:
    """``YYYY-MM-01`` of the oldest month folder under ``SOP_DATA_DIR``, else the default."""
    env = os.environ if environ is None else environ
    folder = env.get("SOP_DATA_DIR")
    if not folder or not Path(folder).expanduser().is_dir():
        return DEFAULT_FIRST_MONTH
    months = sorted(
        p.name
        for p in Path(folder).expanduser().iterdir()
        if p.is_dir() and _MONTH_FOLDER.match(p.name)
    )
    return f"{months[0]}-01" if months else DEFAULT_FIRST_MONTH


FIRST_PLAN_MONTH = first_plan_month()

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_PLAN_MONTH)
