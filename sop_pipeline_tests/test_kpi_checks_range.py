"""The KPI-stage checks run for every month of a single-run backfill of a range."""

from __future__ import annotations

import contextlib
import datetime as dt
from types import SimpleNamespace

import dagster as dg
import pandas as pd

from sop_pipeline.kpis.checks import _every_month


def test_a_range_of_months_is_checked_month_by_month() -> None:
    """A backfill of Sep-Oct 2025 runs the SQL assets once for both months; their checks read
    each month and report a failing row with its plan month (reading ``partition_key`` of a
    range raised instead)."""
    context = SimpleNamespace(
        has_partition_key_range=True,
        partition_key_range=dg.PartitionKeyRange("2025-09-01", "2025-10-01"),
    )
    warehouse = SimpleNamespace(get_connection=lambda: contextlib.nullcontext("con"))
    seen: list[dt.date] = []

    def breaks_of(con: str, month: dt.date) -> pd.DataFrame:
        seen.append(month)
        failing = month == dt.date(2025, 10, 1)
        return pd.DataFrame({"kpi": ["inventory_value"] if failing else []})

    breaks = _every_month(context, warehouse, breaks_of)
    assert seen == [dt.date(2025, 9, 1), dt.date(2025, 10, 1)]
    assert breaks.to_dict("records") == [
        {"kpi": "inventory_value", "plan_month": pd.Timestamp("2025-10-01")}
    ]
