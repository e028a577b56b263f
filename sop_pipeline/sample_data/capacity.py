"""Production capacity of the sample company: its lines, routings, a holiday and its cash.

Every finished good is filled on a filling line (tubes on the tube line, everything else on the
bottle, jar and dropper line; gift sets are only kitted) and packed on the packing line; a
company of more than a thousand products has one set of lines per product line. Capacity is
sized on the expected load of the coming year, so the plan meets the season the way a growing
startup does: the tube line's regular shifts and overtime cannot take the sun-care peak, the
filling line needs its overtime in the gift season, the packing line shuts down for Christmas
(capacity.csv of the last month). ``cash.csv`` holds the cash of the last months and an
operating burn about equal to the revenue, so the season and inventory decide the runway.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.sample_data.months import MonthAxis

RESOURCE_COLUMNS = (
    "resource",
    "description",
    "capacity_per_month",
    "overtime_capacity_per_month",
    "overtime_cost_per_unit",
)
ROUTING_COLUMNS = ("item", "resource", "hours_per_unit")
CAPACITY_COLUMNS = ("month", "resource", "capacity_per_month", "overtime_capacity_per_month")
CASH_COLUMNS = ("as_of_month", "opening_cash", "monthly_operating_burn")

FILL_HOURS = {  # filling hours a unit, by pack format
    "tube": 0.004,
    "bottle": 0.005,
    "spray": 0.005,
    "dropper": 0.008,
    "jar": 0.006,
    "pro_pump": 0.03,
    "pro_canister": 0.06,
}
PACK_HOURS, KIT_HOURS = 0.002, 0.02  # packing a unit; kitting a gift set


@dataclass(frozen=True)
class Line:
    """A kind of line: which formats it takes and how tight its capacity is."""

    code: str
    description: str
    formats: tuple[str, ...] | None  # None: every finished good
    peak_over_capacity: float  # the coming year's peak load / regular capacity
    overtime_share: float  # overtime a month, share of regular capacity
    overtime_cost: float  # per hour


LINES = (
    Line("FILL-T", "Tube filling line", ("tube",), 1.35, 0.12, 48.0),
    Line(
        "FILL-L",
        "Filling line (bottles, jars, droppers)",
        ("bottle", "spray", "dropper", "jar", "pro_pump", "pro_canister"),
        1.08,
        0.15,
        45.0,
    ),
    Line("PACK", "Packing and gift-set kitting", None, 0.98, 0.10, 38.0),
)
HOLIDAY_LINE = "PACK"
HOLIDAY_SHARE = 0.8  # regular capacity in the Christmas shutdown month (December)
CASH_ROWS = 6  # months of cash positions in cash.csv
BURN_SHARE = 1.0  # monthly operating burn, share of the last year's average monthly net revenue
CASH_MONTHS = 1.8  # cash at the end of history, in months of that revenue


@dataclass(frozen=True)
class CapacityFiles:
    resources: pd.DataFrame
    routings: pd.DataFrame
    holiday: pd.DataFrame  # capacity.csv of the last history month's folder
    cash: pd.DataFrame


def _product_line(fg: pd.DataFrame) -> np.ndarray:
    """The product line of each finished good ('' for the base range)."""
    family = fg["family"].astype(str).to_numpy()
    base = fg["_base_family"].astype(str).to_numpy()
    return np.array([f[len(b) :].strip() for f, b in zip(family, base, strict=True)], dtype=object)


def _line_suffixes(fg: pd.DataFrame) -> dict[str, str]:
    """Product line -> resource code suffix: '' for the base range, then -2, -3, ..."""
    names = sorted(set(_product_line(fg)))
    return {name: f"-{k + 1}" if k else "" for k, name in enumerate(names)}


def routings(fg: pd.DataFrame) -> pd.DataFrame:
    """Filling (not for gift sets) and packing routings of every finished good."""
    fmt = fg["_format"].astype(str).to_numpy()
    line = _product_line(fg)
    suffix = _line_suffixes(fg)
    rows = []
    for item, f, product_line in zip(fg["item"], fmt, line, strict=True):
        tail = suffix[product_line]
        for kind in LINES[:2]:
            if kind.formats and f in kind.formats:
                rows.append((item, kind.code + tail, FILL_HOURS[f]))
        rows.append((item, LINES[2].code + tail, KIT_HOURS if f == "gift" else PACK_HOURS))
    return pd.DataFrame(rows, columns=list(ROUTING_COLUMNS))


def _round_hours(value: np.ndarray) -> np.ndarray:
    return np.maximum(np.round(value / 5.0) * 5.0, 5.0)


def capacity_files(
    fg: pd.DataFrame, mean: np.ndarray, axis: MonthAxis, annual_revenue: float
) -> CapacityFiles:
    """Resources sized on the coming year's expected load, routings, the December shutdown of
    the packing line and the company's cash position.

    Args:
        fg: Finished goods (generator columns).
        mean: Expected demand, finished goods x months of the axis.
        axis: The month axis (history, then the coming year).
        annual_revenue: Net revenue of the last 12 months of history.
    """
    routes = routings(fg)
    ahead = slice(axis.n_hist, axis.n_hist + 12)
    position = pd.Series(np.arange(len(fg)), index=fg["item"].to_numpy())
    rows = position.reindex(routes["item"]).to_numpy()
    load = mean[rows, ahead] * routes["hours_per_unit"].to_numpy()[:, None]
    by_resource = pd.DataFrame(load).groupby(routes["resource"].to_numpy()).sum()
    line_of = {tail: name for name, tail in _line_suffixes(fg).items()}
    records = []
    for resource, months in by_resource.iterrows():
        kind = next(k for k in LINES if resource == k.code or resource.startswith(k.code + "-"))
        line = line_of.get(resource[len(kind.code) :], "")
        regular = _round_hours(np.array([months.max() / kind.peak_over_capacity]))[0]
        records.append(
            (
                resource,
                kind.description + (f", {line} line" if line else ""),
                regular,
                _round_hours(np.array([regular * kind.overtime_share]))[0],
                kind.overtime_cost,
            )
        )
    resources = pd.DataFrame(records, columns=list(RESOURCE_COLUMNS))
    cash = _cash(annual_revenue / 12, axis)
    return CapacityFiles(resources, routes, _holiday(resources, axis), cash)


def _holiday(resources: pd.DataFrame, axis: MonthAxis) -> pd.DataFrame:
    """The packing line runs at 80 % in the next December (Christmas shutdown)."""
    future = axis.labels[axis.n_hist : axis.n_hist + 12]
    december = [m for m in future if str(m).endswith("-12")][:1]
    lines = resources[resources["resource"].str.startswith(HOLIDAY_LINE)]
    return pd.DataFrame(
        {
            "month": np.repeat(december, len(lines)),
            "resource": np.tile(lines["resource"].to_numpy(), len(december)),
            "capacity_per_month": np.tile(
                _round_hours(lines["capacity_per_month"].to_numpy() * HOLIDAY_SHARE),
                len(december),
            ),
            "overtime_capacity_per_month": None,
        }
    )[list(CAPACITY_COLUMNS)]


def _cash(monthly_revenue: float, axis: MonthAxis) -> pd.DataFrame:
    """The rows of cash.csv for the last months of history with the operating burn: operations
    cost about what the company sells (BURN_SHARE), so inventory and the season decide the
    cash; the company holds CASH_MONTHS of revenue at the end of history (every row here: the
    months before are walked back on their own flows by :func:`cash_history`)."""
    months = axis.labels[max(0, axis.n_hist - CASH_ROWS) : axis.n_hist]
    return pd.DataFrame(
        {
            "as_of_month": months,
            "opening_cash": round(CASH_MONTHS * monthly_revenue, -3),
            "monthly_operating_burn": round(BURN_SHARE * monthly_revenue, -3),
        }
    )[list(CASH_COLUMNS)]


def cash_history(cash: pd.DataFrame, revenue: np.ndarray, purchases: np.ndarray) -> pd.DataFrame:
    """``cash`` (:func:`_cash`) with each month-end cash before the last one walked back on the
    month after it: ``cash(m - 1) = cash(m) - (revenue(m) - purchases(m) - burn)``, with the
    net revenue booked (and collected) and the purchases received in month ``m`` at cost, as
    the pipeline's cash projection counts them: the history's cash then moves as the
    company's flows do, not along a straight line.

    Args:
        cash: ``as_of_month, opening_cash, monthly_operating_burn``, the last row the cash at
            the end of history.
        revenue: Net revenue of each of ``cash``'s months.
        purchases: Purchases received in each of them, at cost.
    """
    out = cash.copy()
    flows = np.asarray(revenue, float) - np.asarray(purchases, float)
    flows = flows - out["monthly_operating_burn"].to_numpy(float)
    balance = out["opening_cash"].to_numpy(float).copy()
    for k in range(len(balance) - 1, 0, -1):
        balance[k - 1] = balance[k] - flows[k]
    out["opening_cash"] = np.round(balance, -3)
    return out
