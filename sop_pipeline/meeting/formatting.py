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


NUMBER_KINDS: dict[str, tuple[str, float, int]] = {
    "qty": ("{:,.0f}", 1, 0),
    "int": ("{:,.0f}", 1, 0),
    "money": ("{symbol}{:,.0f}", 1, 0),
    "pct": ("{:,.1f}%", 100, 1),
    "points": ("{:.1f} pt", 100, 1),
    "number": ("{:,.1f}", 1, 1),
    "decimal": ("{:,.2f}", 1, 2),
}
"""Numeric kind -> (format of the absolute value times the scale, scale, decimals):
``12,345``, ``$12,345``, ``12.3%``, ``3.1 pt`` (percentage points of a ratio difference)."""

PRICE = "price"
"""The kind of a shadow price: money with two decimals, a price under one with three
significant digits (``$48.00``, ``$0.0585``)."""


def price_decimals(value: float) -> int:
    """Decimals of a price: 2, more below one (three significant digits, at most 6)."""
    size = abs(value)
    if size >= 1 or size == 0:
        return 2
    return min(6, max(2, 2 - math.floor(math.log10(size))))


@dataclass(frozen=True)
class Formatter:
    """Formats values in the pack's currency."""

    currency: str = "USD"

    @property
    def symbol(self) -> str:
        """The currency's symbol, or its code and a space."""
        return CURRENCY_SYMBOLS.get(self.currency.upper(), f"{self.currency.upper()} ")

    def by_kind(self, kind: str, value: Any) -> str:
        """``value`` as a column kind (see :mod:`sop_pipeline.meeting.tables`): a kind of
        :data:`NUMBER_KINDS`, ``signed_`` and one (``+`` before a positive value; points are
        always signed), ``month``, ``date``, ``price`` (:meth:`price`), else text. A value that
        rounds to a negative number carries a real minus (never ``-0``); a missing value is
        empty."""
        if kind in ("month", "date"):
            return month_label(value) if kind == "month" else date_label(value)
        if kind == PRICE:
            return self.price(value)
        spec = NUMBER_KINDS.get(kind.removeprefix("signed_"))
        if spec is None:
            return text(value)
        number = _number(value)
        if number is None:
            return ""
        body, scale, decimals = spec
        rounded = round(number * scale, decimals)
        signed = kind.startswith("signed_") or kind == "points"
        sign = MINUS if rounded < 0 else "+" if signed and rounded > 0 else ""
        return sign + body.format(abs(number) * scale, symbol=self.symbol)

    def qty(self, value: Any) -> str:
        """A quantity with thousands separators: ``12,345``."""
        return self.by_kind("qty", value)

    def money(self, value: Any) -> str:
        """Money in the currency: ``$12,345``."""
        return self.by_kind("money", value)

    def price(self, value: Any) -> str:
        """A shadow price in the currency (:data:`PRICE`): ``$48.00``, ``$0.0585``."""
        number = _number(value)
        if number is None:
            return ""
        decimals = price_decimals(number)
        body = f"{abs(number):,.{decimals}f}"
        if decimals > 2:
            body = body.rstrip("0")
            body += "0" * max(0, 2 - len(body.partition(".")[2]))
        sign = MINUS if round(number, decimals) < 0 else ""
        return sign + self.symbol + body

    def pct(self, value: Any) -> str:
        """A ratio as a percentage: ``0.123`` -> ``12.3%``."""
        return self.by_kind("pct", value)

    def compact_money(self, value: Any) -> str:
        """Money shortened for axes and annotations: ``$1.2M``, ``−$850k``."""
        number = _number(value)
        if number is None:
            return ""
        body = compact(number)
        sign = MINUS if body.startswith(MINUS) else ""
        return sign + self.symbol.strip() + body.removeprefix(MINUS)

    def kpi(self, unit: Any, value: Any) -> str:
        """A KPI value in its unit (``currency``, ``ratio``, ``months``, ``turns``; other units
        as a plain number)."""
        if _number(value) is None:
            return ""
        number = self.by_kind("number", value)
        units = {
            "currency": self.money(value),
            "ratio": self.pct(value),
            "months": f"{number} months",
            "turns": f"{number}×",
        }
        return units.get(text(unit), self.by_kind("decimal", value))
