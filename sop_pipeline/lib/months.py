"""Month arithmetic and the spellings of a month used across the project."""

from __future__ import annotations

import datetime as dt
import re

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_month(text: str) -> dt.date:
    """Parse ``YYYY-MM`` or ``YYYY-MM-DD`` into the first day of that month.

    Raises:
        ValueError: if the text is not a month.
    """
    m = _MONTH_RE.match(text.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month: {text!r} (expected YYYY-MM or YYYY-MM-DD)")
    return dt.date(int(m.group(1)), int(m.group(2)), 1)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month ``n`` months after ``month`` (negative ``n``: before)."""
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from ``first`` to ``last`` inclusive."""
    out: list[dt.date] = []
    current = first.replace(day=1)
    while current <= last:
        out.append(current)
        current = add_months(current, 1)
    return out


def month_end(month: dt.date) -> dt.date:
    """The last day of ``month``."""
    return add_months(month, 1) - dt.timedelta(days=1)


def folder_name(month: dt.date) -> str:
    """The data folder of a month: ``YYYY-MM``."""
    return f"{month.year:04d}-{month.month:02d}"


def partition_key(month: dt.date) -> str:
    """The Dagster partition key of a month: ``YYYY-MM-01``."""
    return month.strftime("%Y-%m-01")
