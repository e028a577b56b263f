"""Shared helpers of the supply package: month buckets, lead times and argument checks.

Everything in ``sop_pipeline.supply`` works in monthly buckets: bucket ``t`` (1..horizon) is the
``t``-th month after the plan month; bucket 0 is the plan month itself (the month just closed).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

DAYS_PER_MONTH = 365.25 / 12
"""Average days in a month, used to turn day-denominated lead times into months."""

QTY_TOL = 1e-9
"""Quantities below this are treated as zero (floating-point noise of the netting)."""


def as_plan_month(plan_month: object) -> pd.Timestamp:
    """Return ``plan_month`` as a Timestamp, checking that it is the first day of a month.

    Raises:
        ValueError: if it is not a date or not the first day of a month.
    """
    try:
        ts = pd.Timestamp(plan_month)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"plan_month must be a date, got {plan_month!r}") from exc
    if pd.isna(ts) or ts != ts.normalize() or ts.day != 1:
        raise ValueError(f"plan_month must be the first day of a month, got {plan_month!r}")
    return ts


def check_horizon(horizon: int) -> int:
    """Return ``horizon`` if it is a positive whole number of months.

    Raises:
        ValueError: otherwise.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a positive number of months, got {horizon!r}")
    return int(horizon)


def require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise a ValueError naming ``name`` when ``frame`` lacks any of ``columns``."""
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing column(s) {missing}; it has {list(frame.columns)}")


def month_index(dates: pd.Series | pd.Index | np.ndarray, plan_month: pd.Timestamp) -> np.ndarray:
    """Months between each date's month and the plan month (plan month = 0, next month = 1).

    NaT gives -1 (callers mask missing dates before using the result).
    """
    dt = pd.DatetimeIndex(pd.to_datetime(np.asarray(dates)))
    missing = np.asarray(dt.isna())
    year = np.nan_to_num(np.asarray(dt.year, dtype=float), nan=plan_month.year)
    month = np.nan_to_num(np.asarray(dt.month, dtype=float), nan=plan_month.month)
    idx = (year - plan_month.year) * 12 + (month - plan_month.month)
    return np.where(missing, -1, idx).astype(np.int64)


def horizon_months(plan_month: pd.Timestamp, horizon: int) -> pd.DatetimeIndex:
    """The first days of the ``horizon`` months after ``plan_month``."""
    return pd.date_range(plan_month + pd.offsets.MonthBegin(1), periods=horizon, freq="MS")


def lead_time_months(lead_time_days: np.ndarray) -> np.ndarray:
    """Lead time in whole monthly buckets, rounded up: ``ceil(lead_time_days / 30.4375)``.

    Monthly-bucket MRP offsets an order by a whole number of buckets (Ptak & Smith, *Orlicky's
    Material Requirements Planning*, 3rd ed., lead-time offsetting): an order released at the
    start of bucket ``r`` is available in bucket ``r + L``. Rounding up never shortens a lead
    time (45 days is 2 months, not 1), so a release is never planned too late; an exact
    multiple of 30.4375 days stays that many months.
    """
    days = np.asarray(lead_time_days, dtype=float)
    return np.ceil(days / DAYS_PER_MONTH - 1e-9).clip(min=0).astype(np.int64)


def shelf_life_months(shelf_life_days: np.ndarray, horizon: int) -> np.ndarray:
    """Months a fresh receipt stays usable: ``max(1, floor(shelf_life_days / 30.4375))``.

    A receipt arriving in bucket ``t`` is usable through bucket ``t + months - 1``. Missing shelf
    life means the item does not expire; it gets ``horizon + 1`` (never expires in the horizon).
    """
    days = np.asarray(shelf_life_days, dtype=float)
    months = np.floor(days / DAYS_PER_MONTH + 1e-9)
    months = np.where(np.isnan(days), horizon + 1, np.maximum(months, 1))
    return np.minimum(months, horizon + 1).astype(np.int64)


def usable_through(expiry: pd.Series, plan_month: pd.Timestamp, horizon: int) -> np.ndarray:
    """The last monthly bucket in which a lot is usable, clipped to ``0..horizon + 1``.

    Convention: a lot counts as usable in month ``t`` only if it is still in date on the last day
    of month ``t`` (``expiry_date >= month_end(t)``), so a lot expiring on 10 March is usable
    through February and one expiring on 31 March through March. ``0`` means expired at the plan
    date; ``horizon + 1`` means no expiry date or expiry after the horizon.
    """
    exp = pd.Series(pd.to_datetime(np.asarray(expiry)))
    idx = month_index(exp + pd.Timedelta(days=1), plan_month) - 1
    idx = np.where(exp.isna().to_numpy(), horizon + 1, idx)
    return np.clip(idx, 0, horizon + 1).astype(np.int64)


def unknown_items(values: pd.Series, known: pd.Index, name: str) -> None:
    """Raise a ValueError when ``values`` hold items missing from the item master."""
    unknown = pd.Index(values.dropna().unique()).difference(known)
    if len(unknown):
        examples = ", ".join(map(str, unknown[:5]))
        raise ValueError(
            f"{name} has {len(unknown)} item(s) not in the item master, e.g. {examples}"
        )
