"""Numbers, money, percentages and dates as the meeting reads them; text escaped for HTML."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF "}
MINUS = "\u2212"


def esc(value: Any) -> str:
    """Text from data, escaped for HTML (missing values become an empty string)."""
    return html.escape(text(value), quote=True)


def text(value: Any) -> str:
    """``str(value)`` with missing values (None, NaN, NaT) as an empty string."""
    if is_missing(value):
        return ""
    return str(value)


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _number(value: Any) -> float | None:
    if is_missing(value) or isinstance(value, str | bytes):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else number


def _signed(body: str, negative: bool) -> str:
    return f"{MINUS}{body}" if negative else body


def month_label(value: Any) -> str:
    """A month as ``Nov 2025``."""
    stamp = pd.to_datetime(value, errors="coerce") if not is_missing(value) else pd.NaT
    return "" if pd.isna(stamp) else stamp.strftime("%b %Y")


def date_label(value: Any) -> str:
    """A day as ``19 Jan 2026``."""
    stamp = pd.to_datetime(value, errors="coerce") if not is_missing(value) else pd.NaT
    return "" if pd.isna(stamp) else stamp.strftime("%-d %b %Y")


@dataclass(frozen=True)
class Formatter:
    """Formats values in the pack's currency."""

    currency: str = "USD"

    @property
    def symbol(self) -> str:
        """The currency's symbol, or its code and a space."""
        return CURRENCY_SYMBOLS.get(self.currency.upper(), f"{self.currency.upper()} ")

    def qty(self, value: Any, decimals: int = 0) -> str:
        """A quantity with thousands separators: ``12,345``."""
        number = _number(value)
        if number is None:
            return ""
        return _signed(f"{abs(number):,.{decimals}f}", round(number, decimals) < 0)

    def signed_qty(self, value: Any) -> str:
        """A change in units with its sign: ``+1,200``."""
        number = _number(value)
        if number is None:
            return ""
        return ("+" if round(number) > 0 else "") + self.qty(number)

    def money(self, value: Any, decimals: int = 0) -> str:
        """Money in the currency: ``$12,345``."""
        number = _number(value)
        if number is None:
            return ""
        body = f"{self.symbol}{abs(number):,.{decimals}f}"
        return _signed(body, round(number, decimals) < 0)

    def signed_money(self, value: Any) -> str:
        """A change in money with its sign: ``+$12,345``."""
        number = _number(value)
        if number is None:
            return ""
        return ("+" if round(number) > 0 else "") + self.money(number)

    def compact_money(self, value: Any) -> str:
        """Money shortened for headlines and axes: ``$1.2M``, ``$850k``."""
        number = _number(value)
        if number is None:
            return ""
        size = abs(number)
        for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
            if size >= limit:
                scaled = size / limit
                body = f"{scaled:,.1f}" if scaled < 100 else f"{scaled:,.0f}"
                return _signed(f"{self.symbol}{body}{suffix}", number < 0)
        return self.money(number)

    def pct(self, value: Any, decimals: int = 1) -> str:
        """A ratio as a percentage: ``0.123`` -> ``12.3%``."""
        number = _number(value)
        if number is None:
            return ""
        return _signed(f"{abs(number) * 100:,.{decimals}f}%", round(number * 100, decimals) < 0)

    def signed_pct(self, value: Any) -> str:
        """A ratio change with its sign: ``+12.3%``."""
        number = _number(value)
        if number is None:
            return ""
        return ("+" if round(number * 100, 1) > 0 else "") + self.pct(number)

    def points(self, value: Any) -> str:
        """Percentage points from a ratio difference: ``0.031`` -> ``+3.1 pt``."""
        number = _number(value)
        if number is None:
            return ""
        sign = "+" if round(number * 100, 1) > 0 else ""
        return f"{sign}{_signed(f'{abs(number) * 100:.1f}', round(number * 100, 1) < 0)} pt"

    def number(self, value: Any, decimals: int = 1) -> str:
        """A plain number: ``4.2``."""
        number = _number(value)
        if number is None:
            return ""
        return _signed(f"{abs(number):,.{decimals}f}", round(number, decimals) < 0)

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
        """A KPI value in its unit (currency, ratio, months, turns)."""
        unit = text(unit).lower()
        if _number(value) is None:
            return ""
        if unit in {"currency", "money", self.currency.lower()}:
            return self.money(value)
        if unit in {"ratio", "pct", "percent"}:
            return self.pct(value)
        if unit == "months":
            return f"{self.number(value)} months"
        if unit == "turns":
            return f"{self.number(value)}×"
        return self.number(value, 2)
