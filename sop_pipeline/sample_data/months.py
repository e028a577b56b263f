"""The month axis of the generated company: the closed months, then the future horizon."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class MonthAxis:
    """Closed months ``0..n_hist-1`` followed by ``horizon`` future months.

    Dates are ``datetime64[D]``; ``*_days`` arrays are the same dates as integer days since
    1970-01-01, which the simulation uses for cheap arithmetic.
    """

    first: np.datetime64  # datetime64[M] of month 0
    n_hist: int
    horizon: int = 12

    @property
    def n_all(self) -> int:
        return self.n_hist + self.horizon

    @property
    def months(self) -> np.ndarray:
        return self.first + np.arange(self.n_all)

    @property
    def starts(self) -> np.ndarray:
        return self.months.astype("datetime64[D]")

    @property
    def ends(self) -> np.ndarray:
        return (self.months + 1).astype("datetime64[D]") - np.timedelta64(1, "D")

    @property
    def start_days(self) -> np.ndarray:
        return self.starts.astype(np.int64)

    @property
    def end_days(self) -> np.ndarray:
        return self.ends.astype(np.int64)

    @property
    def days_in_month(self) -> np.ndarray:
        return self.end_days - self.start_days + 1

    @property
    def calendar_month(self) -> np.ndarray:
        """1..12 for every month of the axis."""
        return self.months.astype(np.int64) % 12 + 1

    @property
    def labels(self) -> np.ndarray:
        """``YYYY-MM`` for every month of the axis."""
        return np.datetime_as_string(self.months, unit="M")

    def month_of_days(self, days: np.ndarray) -> np.ndarray:
        """Month index (may be out of the axis) of integer days."""
        months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
        return (months - self.first).astype(np.int64)


def build_axis(end_month: str, n_months: int, horizon: int = 12) -> MonthAxis:
    """The axis of ``n_months`` closed months ending with ``end_month`` (``YYYY-MM``).

    Raises:
        ValueError: if ``end_month`` is not ``YYYY-MM`` or ``n_months`` is below 1.
    """
    if not _MONTH.match(end_month):
        raise ValueError(f"end_month must be YYYY-MM, got {end_month!r}")
    if n_months < 1:
        raise ValueError(f"n_months must be at least 1, got {n_months}")
    first = np.datetime64(end_month, "M") - np.timedelta64(n_months - 1, "M")
    return MonthAxis(first=first, n_hist=n_months, horizon=horizon)


def days_to_iso(days: np.ndarray) -> np.ndarray:
    """Integer days since 1970-01-01 as ``YYYY-MM-DD`` strings."""
    return np.datetime_as_string(np.asarray(days, dtype=np.int64).astype("datetime64[D]"))
