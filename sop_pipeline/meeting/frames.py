"""Tolerant frame access: optional columns, DATE columns, the plan month's rows."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sop_pipeline.meeting.data import MeetingPackData

TOTAL = "__total__"
FAMILY_PREFIX = "family:"


def column(frame: pd.DataFrame, name: str, default: Any = np.nan) -> pd.Series:
    """``frame[name]``, or a column of ``default`` when the frame lacks it."""
    if name in frame.columns:
        return frame[name]
    return pd.Series(default, index=frame.index, dtype=object if isinstance(default, str) else None)


def numbers(frame: pd.DataFrame, name: str, default: float = np.nan) -> pd.Series:
    """A numeric column (missing column -> ``default``; unparsable values -> NaN)."""
    return pd.to_numeric(column(frame, name, default), errors="coerce").astype(float)


def months(frame: pd.DataFrame, name: str) -> pd.Series:
    """A DATE column as first-of-month timestamps (NaT when missing)."""
    values = dates(frame, name)
    if values.dt.tz is not None:
        values = values.dt.tz_localize(None)
    first = values.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    return pd.Series(first.astype("datetime64[ns]"), index=frame.index)


def dates(frame: pd.DataFrame, name: str) -> pd.Series:
    """A DATE column as timestamps (NaT when missing)."""
    values = column(frame, name, pd.NaT)
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return pd.to_datetime(values, errors="coerce")


def flags(frame: pd.DataFrame, name: str, default: bool = False) -> pd.Series:
    """A boolean column (missing values -> ``default``)."""
    values = column(frame, name, default)
    if values.dtype == object:
        values = values.map(
            lambda v: default if v is None or v is pd.NA or v != v else str(v).lower() in _TRUE
        )
    return values.fillna(default).astype(bool)


_TRUE = {"true", "1", "yes", "t", "y"}


def of_plan_month(frame: pd.DataFrame, plan: pd.Timestamp) -> pd.DataFrame:
    """The plan month's rows when the frame carries ``plan_month`` and has any, else all rows."""
    if frame.empty or "plan_month" not in frame.columns:
        return frame
    mask = months(frame, "plan_month") == plan
    return frame[mask] if mask.any() else frame


def item_descriptions(*frames: pd.DataFrame) -> dict[str, str]:
    """Item -> description, from any frame that has both columns (first one wins)."""
    out: dict[str, str] = {}
    for frame in frames:
        if frame.empty or "item" not in frame.columns or "description" not in frame.columns:
            continue
        pairs = frame[["item", "description"]].dropna().drop_duplicates("item")
        for item, description in zip(pairs["item"], pairs["description"], strict=True):
            out.setdefault(str(item), str(description))
    return out


def unit_prices(forecast: pd.DataFrame) -> pd.Series:
    """Item -> net unit price, from ``net_price`` or forecast revenue over forecast quantity."""
    if forecast.empty or "item" not in forecast.columns:
        return pd.Series(dtype=float)
    if "net_price" in forecast.columns:
        prices = forecast.assign(p=numbers(forecast, "net_price")).groupby("item")["p"].max()
    else:
        sums = (
            forecast.assign(
                r=numbers(forecast, "forecast_revenue"), q=numbers(forecast, "forecast_qty")
            )
            .groupby("item")[["r", "q"]]
            .sum()
        )
        prices = sums["r"] / sums["q"].where(sums["q"] > 0)
    return prices.dropna()


MONTH_COLUMNS = ("plan_month", "month", "start_month", "end_month", "opened_month")
# Frames that hold several plan months on purpose.
ALL_MONTHS = ("kpi_history", "demand_history")


def prepare(data: MeetingPackData) -> MeetingPackData:
    """The plan month's rows of every table, month columns as timestamps: done once per pack."""
    plan = data.plan_timestamp
    changes = {}
    for name in data.frame_names():
        frame = getattr(data, name)
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"MeetingPackData.{name} must be a pandas DataFrame, got {type(frame)}")
        if frame.empty:
            continue
        present = [c for c in MONTH_COLUMNS if c in frame.columns]
        if present:
            frame = frame.assign(**{c: months(frame, c) for c in present})
        changes[name] = frame if name in ALL_MONTHS else of_plan_month(frame, plan)
    return replace(data, **changes)
