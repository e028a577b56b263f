"""Numbers, money, percentages and dates as the meeting reads them; text escaped for HTML.

Negative numbers carry a real minus sign (never ``-0``); missing values format as nothing.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF "}
MINUS = "\u2212"


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas NA."""
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(value: Any) -> str:
    """``str(value)`` with missing values (None, NaN, NaT) as an empty string."""
    return "" if is_missing(value) else str(value)


def esc(value: Any) -> str:
    """Text from data, escaped for HTML (missing values become an empty string)."""
    return html.escape(text(value), quote=True)


def _number(value: Any) -> float | None:
    if is_missing(value) or isinstance(value, str | bytes):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def compact(value: float) -> str:
    """A number shortened for axes and annotations: ``1.2k``, ``3M``, ``−40``."""
    size = abs(value)
    sign = MINUS if value < 0 and round(size, 6) > 0 else ""
    for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return sign + f"{size / limit:,.1f}".rstrip("0").rstrip(".") + suffix
    return sign + (f"{size:,.0f}" if size >= 10 or size == int(size) else f"{size:,.1f}")


def _stamp(value: Any, pattern: str) -> str:
    stamp = pd.NaT if is_missing(value) else pd.to_datetime(value, errors="coerce")
    return "" if pd.isna(stamp) else stamp.strftime(pattern)


def month_label(value: Any) -> str:
    """A month as ``Nov 2025``."""
    return _stamp(value, "%b %Y")


def date_label(value: Any) -> str:
    """A day as ``19 Jan 2026``."""
    return _stamp(value, "%-d %b %Y")


@dataclass(frozen=True)
class Formatter:
    """Formats values in the pack's currency."""

    currency: str = "USD"

    @property
    def symbol(self) -> str:
        """The currency's symbol, or its code and a space."""
        return CURRENCY_SYMBOLS.get(self.currency.upper(), f"{self.currency.upper()} ")

    def _format(self, value: Any, body: str, scale: float = 1.0, decimals: int = 0) -> str:
        """``body`` (a format of the absolute value times ``scale``) with a minus when the
        value rounds to a negative number; empty for a missing value."""
        number = _number(value)
        if number is None:
            return ""
        formatted = body.format(abs(number) * scale, symbol=self.symbol)
        return MINUS + formatted if round(number * scale, decimals) < 0 else formatted

    def _signed(self, value: Any, formatted: str, scale: float = 1.0, decimals: int = 0) -> str:
        number = _number(value)
        return (
            "+" if number is not None and round(number * scale, decimals) > 0 else ""
        ) + formatted

    def qty(self, value: Any, decimals: int = 0) -> str:
        """A quantity with thousands separators: ``12,345``."""
        return self._format(value, f"{{:,.{decimals}f}}", decimals=decimals)

    def signed_qty(self, value: Any) -> str:
        """A change in units with its sign: ``+1,200``."""
        return self._signed(value, self.qty(value))

    def money(self, value: Any, decimals: int = 0) -> str:
        """Money in the currency: ``$12,345``."""
        return self._format(value, f"{{symbol}}{{:,.{decimals}f}}", decimals=decimals)

    def signed_money(self, value: Any) -> str:
        """A change in money with its sign: ``+$12,345``."""
        return self._signed(value, self.money(value))

    def compact_money(self, value: Any) -> str:
        """Money shortened for axes and annotations: ``$1.2M``, ``−$850k``."""
        number = _number(value)
        if number is None:
            return ""
        body = compact(number)
        sign = MINUS if body.startswith(MINUS) else ""
        return sign + self.symbol.strip() + body.removeprefix(MINUS)

    def pct(self, value: Any, decimals: int = 1) -> str:
        """A ratio as a percentage: ``0.123`` -> ``12.3%``."""
        return self._format(value, f"{{:,.{decimals}f}}%", 100, decimals)

    def signed_pct(self, value: Any) -> str:
        """A ratio change with its sign: ``+12.3%``."""
        return self._signed(value, self.pct(value), 100, 1)

    def points(self, value: Any) -> str:
        """Percentage points from a ratio difference: ``0.031`` -> ``+3.1 pt``."""
        body = self._format(value, "{:.1f}", 100, 1)
        return self._signed(value, body, 100, 1) + " pt" if body else ""

    def number(self, value: Any, decimals: int = 1) -> str:
        """A plain number: ``4.2``."""
        return self._format(value, f"{{:,.{decimals}f}}", decimals=decimals)

    def by_kind(self, kind: str, value: Any) -> str:
        """Format ``value`` by a column kind (see :mod:`sop_pipeline.meeting.tables`)."""
        formats = {
            "qty": self.qty,
            "signed_qty": self.signed_qty,
            "money": self.money,
            "signed_money": self.signed_money,
            "pct": self.pct,
            "signed_pct": self.signed_pct,
            "points": self.points,
            "number": self.number,
            "int": self.qty,
            "month": month_label,
            "date": date_label,
        }
        return formats.get(kind, text)(value)

    def kpi(self, unit: Any, value: Any) -> str:
        """A KPI value in its unit (``currency``, ``ratio``, ``months``, ``turns``; other units
        as a plain number)."""
        if _number(value) is None:
            return ""
        units = {
            "currency": self.money,
            "ratio": self.pct,
            "months": lambda v: f"{self.number(v)} months",
            "turns": lambda v: f"{self.number(v)}×",
        }
        return units.get(text(unit), lambda v: self.number(v, 2))(value)
