"""The validation rules of the input files, each one object in :data:`RULES`.

A rule holds its name, severity, the files it applies to (with what it checks in each, in
words), the columns it derives and its Great Expectations expectations (see :mod:`.rule`).
Each rule becomes one Dagster asset check per input file it applies to (``raw/<file>``, check
``<rule>``) and one line of ``docs/INPUTS.md``. Errors block everything downstream of the month;
warnings are reported only. Adding a rule is adding its class here and its instance to
:data:`RULES`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sop_pipeline.ingest.contract import (
    ACTIONS,
    BOM,
    CAPACITY,
    CASH,
    FINANCIAL_PLAN,
    FORECAST_OVERRIDES,
    INPUT_FILES,
    INPUTS_BY_NAME,
    INVENTORY,
    ITEMS,
    OPEN_PURCHASE_ORDERS,
    PROMOTIONS,
    RESOURCES,
    ROUTINGS,
    SALES,
    InputFile,
    Kind,
)
from sop_pipeline.lib.graph import find_cycles
from sop_pipeline.lib.months import folder_name
from sop_pipeline.lib.visible import visible
from sop_pipeline.validate.rule import (
    Context,
    FileRule,
    Finding,
    FlagRule,
    RowRule,
    Rule,
    Severity,
    expect,
    passes,
    source_paths,
)

__all__ = ["ALL_RULES", "RULES", "RuleOnFile", "Severity", "rules_for"]

NUMBER_REGEX = r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$"
MONTH_REGEX = r"^\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?$"


def _months(rows: pd.DataFrame) -> list[dt.date]:
    return [m.date() for m in rows["plan_month"]]


# --- read off the load log ---------------------------------------------------------------------


class FilePresent(FileRule):
    name = "file_present"
    description = "the file is in the month folder (or master/)"

    def check(self, spec: InputFile, log: pd.DataFrame) -> Finding | None:
        missing = log[log["status"] == "missing"]
        if not spec.required or missing.empty:
            return None
        months = _months(missing)
        where = "the month folder"
        if spec.scope.value == "master":
            where = "master/ or the month folder"
        return Finding(
            f"{spec.filename} is missing from {where} for "
            f"{', '.join(folder_name(m) for m in months)}; it is required",
            months,
            [f"{folder_name(m)}/{spec.filename}" for m in months],
        )


class FileReadable(FileRule):
    name = "file_readable"
    description = "the file is UTF-8 CSV or Parquet that can be parsed"

    def check(self, spec: InputFile, log: pd.DataFrame) -> Finding | None:
        unreadable = log[log["status"] == "unreadable"]
        if unreadable.empty:
            return None
        message = "; ".join(f"{r.source_path}: {r.error}" for r in unreadable.itertuples())
        return Finding(message, _months(unreadable), sorted(unreadable["source_path"].dropna()))


class NotEmpty(FileRule):
    name = "not_empty"
    description = "the file has data rows, not only a header"

    def check(self, spec: InputFile, log: pd.DataFrame) -> Finding | None:
        loaded = log[log["status"] == "loaded"]
        empty = loaded[loaded["row_count"] == 0]
        if spec.may_be_empty or empty.empty:
            return None
        message = f"{spec.filename} has a header but no data rows"
        return Finding(message, _months(empty), source_paths(empty))


class RequiredColumns(FileRule):
    name = "required_columns"
    description = "every required column is in the header"
    one_of: Mapping[str, tuple[str, ...]] = {
        FORECAST_OVERRIDES.name: ("override_qty", "adjustment_pct")
    }  # files that need at least one of these columns

    def check(self, spec: InputFile, log: pd.DataFrame) -> Finding | None:
        loaded = log[log["status"] == "loaded"]
        problems, bad_months = [], []
        for row in loaded.itertuples():
            header = set(row.columns if row.columns is not None else [])
            lacking = [c for c in spec.required_columns if c not in header]
            alternatives = self.one_of.get(spec.name, ())
            if alternatives and not header & set(alternatives):
                lacking.append(" or ".join(alternatives))
            if lacking:
                problems.append(f"{row.source_path} lacks {', '.join(lacking)}")
                bad_months.append(row.plan_month)
        if not problems:
            return None
        return Finding(
            "; ".join(problems) + f" (required: {', '.join(spec.required_columns)})",
            [m.date() for m in bad_months],
            source_paths(loaded, bad_months),
        )


# --- checked on the rows -----------------------------------------------------------------------


class ValuesParse(RowRule):
    name = "values_parse"
    description = "numbers are numbers, dates are YYYY-MM-DD"

    def applies_to(self, spec: InputFile) -> bool:
        return any(c.kind is not Kind.TEXT for c in spec.columns)

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        # dates are parsed once, vectorised, with the typed shadows; GX's strftime expectation
        # calls strptime row by row (a third of all validation time at 10,000 items)
        for column in spec.columns:
            if column.kind is Kind.DATE:
                text, parsed = frame[column.name], frame[column.name + "__v"]
                frame[f"_{column.name}_is_date"] = text.isna() | parsed.notna()

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        out = []
        for column in spec.columns:
            name = column.name
            if column.kind is Kind.NUMBER:
                problem = f"{name} is not a number"
                out.append(self._regex(name, NUMBER_REGEX, problem))
            elif column.kind is Kind.DATE:
                problem = f"{name} is not a date (YYYY-MM-DD)"
                out.append(passes(f"_{name}_is_date", self.name, name, problem))
            elif column.kind is Kind.MONTH:
                out.append(self._regex(name, MONTH_REGEX, f"{name} is not a month (YYYY-MM)"))
        return out

    def _regex(self, name: str, regex: str, problem: str) -> Any:
        kind = "ExpectColumnValuesToMatchRegex"
        return expect(kind, self.name, name, problem, column=name, regex=regex)


class ValuesFinite(RowRule):
    name = "values_finite"
    description = "numbers are finite: a value like 1e400 overflows to infinity"

    def applies_to(self, spec: InputFile) -> bool:
        return any(c.kind is Kind.NUMBER for c in spec.columns)

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        for column in spec.columns:
            if column.kind is Kind.NUMBER:
                # pandas reads 1e400 as missing, DuckDB as infinity: decide from the text. Only
                # exponent notation or 309+ characters can overflow a float: the rest is finite
                text = frame[column.name]
                finite = pd.Series(True, index=frame.index)
                if text.dtype == object:
                    written = text.astype(str)
                    suspect = written.str.contains("[eE]", regex=True) | (written.str.len() >= 309)
                    suspect &= text.notna()
                    if suspect.any():
                        checked = map_distinct(text[suspect], _finite_or_not_a_number)
                        finite[suspect] = checked.to_numpy(dtype=bool)
                frame[f"_{column.name}_finite"] = finite

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        return [
            passes(f"_{c.name}_finite", self.name, c.name, f"{c.name} is not a finite number")
            for c in spec.columns
            if c.kind is Kind.NUMBER
        ]


def map_distinct(values: pd.Series, function: Callable[[Any], Any]) -> pd.Series:
    """``function`` of every value, called once per distinct value (a code repeats on every
    line of a file: millions of cells, thousands of codes); missing values stay missing."""
    distinct = values.dropna().unique()
    return values.map(dict(zip(distinct, map(function, distinct), strict=True)))


def _finite_or_not_a_number(text: object) -> bool:
    """False only for text that reads as a number but not a finite one (``1e400``, ``-1e999``);
    text that is no number at all is :class:`ValuesParse`'s to report."""
    if not isinstance(text, str) or not re.match(NUMBER_REGEX, text):
        return True
    return math.isfinite(float(text))


class MagnitudesPlausible(RowRule):
    """A stop by default: a quantity of 1e15 is a unit or typing error, and planned on it
    becomes a forecast of 1e17 and a top issue nobody can act on. A company whose lines do
    span such ranges lowers it to a warning (``validation.implausible_magnitudes``)."""

    name = "magnitudes_plausible"
    severity = Severity.ERROR
    ceiling = 1e9  # no line of a small company's files holds a billion units or dollars
    factor = 1000.0  # times the item's usual value in the same file
    description = {
        SALES.name: "quantities and revenue are below 1e9 and within 1,000x the item's usual line",
        INVENTORY.name: "on-hand quantities are below 1e9 and within 1,000x the item's usual lot",
        OPEN_PURCHASE_ORDERS.name: "open quantities are below 1e9 and within 1,000x the "
        "item's usual order",
        FORECAST_OVERRIDES.name: "override quantities are below 1e9",
    }
    columns: Mapping[str, tuple[str, ...]] = {
        SALES.name: ("ordered_qty", "shipped_qty", "net_revenue"),
        INVENTORY.name: ("on_hand_qty",),
        OPEN_PURCHASE_ORDERS.name: ("qty_open",),
        FORECAST_OVERRIDES.name: ("override_qty",),
    }

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        for name in self.columns[spec.name]:
            size = frame[name + "__v"].abs()
            extreme = (size >= self.ceiling) | (size > self.factor * self.usual(frame, size))
            frame[f"_{name}_plausible"] = ~extreme.fillna(False).astype(bool)

    @staticmethod
    def usual(frame: pd.DataFrame, size: pd.Series) -> pd.Series:
        """The item's usual value, per line: the median of its non-zero lines in the file (every
        month it holds), when it has at least three - one odd line among few says nothing, and
        a line not shipped (0) is no size (an item whose lines are mostly unshipped would
        otherwise make its one shipped order look a thousand times too large)."""
        sized = size.where(size > 0)
        group = sized.groupby(frame["item"], dropna=False)
        return group.transform("median").where(group.transform("count") >= 3)

    def detail(self, frame: pd.DataFrame, spec: InputFile) -> str:
        words = []
        for name in self.columns[spec.name]:
            flags = frame.get(f"_{name}_plausible")
            if flags is None or flags.all():
                continue
            values = frame[name + "__v"].abs()
            for _, row in frame[~flags].head(3).iterrows():
                others = values[(frame["item"] == row["item"]) & flags & (values > 0)]
                usual = (
                    f"its other non-zero lines' median is {others.median():,.6g}"
                    if len(others)
                    else "it has no other line"
                )
                words.append(f"item '{row['item']}' {name} {row[name]} where {usual}")
        return "; " + "; ".join(words) if words else ""

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        return [
            passes(
                f"_{name}_plausible",
                self.name,
                name,
                f"{name} is implausibly large (1e9 or more, or over 1,000x the item's usual "
                "value in the file): check the units",
            )
            for name in self.columns[spec.name]
        ]


class RequiredValues(RowRule):
    name = "required_values"
    description = "required fields are filled in"
    # columns that must be filled in for an active finished good, by file
    for_active_finished_goods: Mapping[str, tuple[str, ...]] = {
        ITEMS.name: ("family", "unit_price")
    }

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        if spec.name in self.for_active_finished_goods:
            frame["_active_finished_good"] = (frame["item_type"] == "finished_good") & (
                frame["status"].fillna("active") == "active"
            )

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        kind = "ExpectColumnValuesToNotBeNull"
        out = [
            expect(kind, self.name, c.name, f"{c.name} is blank", column=c.name)
            for c in spec.columns
            if c.not_null
        ]
        for name in self.for_active_finished_goods.get(spec.name, ()):
            problem = f"{name} is blank for an active finished good"
            out.append(
                expect(
                    kind,
                    self.name,
                    name,
                    problem,
                    column=name,
                    row_condition="_active_finished_good==True",
                    condition_parser="pandas",
                )
            )
        return out


class AllowedValues(RowRule):
    name = "allowed_values"
    description = {
        ITEMS.name: "item_type and status take their allowed values",
        "actions": "status is open or done",
    }

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        return [
            expect(
                "ExpectColumnValuesToBeInSet",
                self.name,
                c.name,
                f"{c.name} is not one of {', '.join(c.allowed)}",
                column=c.name,
                value_set=list(c.allowed),
            )
            for c in spec.columns
            if c.allowed
        ]


class ValueRanges(RowRule):
    name = "value_ranges"
    description = {
        ITEMS.name: "costs, prices and lead times are not negative",
        BOM.name: "qty_per above 0, scrap_rate in [0, 0.99]",
        PROMOTIONS.name: "uplift_pct not below -100",
        INVENTORY.name: "on-hand quantities and unit costs are not negative",
        OPEN_PURCHASE_ORDERS.name: "open quantities are not negative",
        FORECAST_OVERRIDES.name: "override_qty >= 0 and adjustment_pct >= -100",
        RESOURCES.name: "capacities and overtime costs are not negative",
        ROUTINGS.name: "hours_per_unit above 0",
        CAPACITY.name: "capacities are not negative",
        CASH.name: "monthly_operating_burn is not negative",
    }

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        out = []
        for c in spec.columns:
            if c.min_value is None and c.max_value is None:
                continue
            if c.max_value is None and c.min_exclusive:
                words = "not positive" if c.min_value == 0 else f"not above {c.min_value:g}"
            elif c.max_value is None:
                words = "negative" if c.min_value == 0 else f"below {c.min_value:g}"
            else:
                words = f"outside {c.min_value:g}..{c.max_value:g}"
            out.append(
                expect(
                    "ExpectColumnValuesToBeBetween",
                    self.name,
                    c.name,
                    f"{c.name} is {words}",
                    column=c.name + "__v",
                    min_value=c.min_value,
                    max_value=c.max_value,
                    strict_min=c.min_exclusive,
                )
            )
        return out


class KeysUnique(RowRule):
    name = "keys_unique"
    description = {
        ITEMS.name: "each item appears once",
        BOM.name: "each parent-component pair appears once",
        "financial_plan": "one plan value per month and family",
        PROMOTIONS.name: "each promotion names an item once",
        "actions": "each action_id appears once",
        INVENTORY.name: "one row per item, location and lot",
        OPEN_PURCHASE_ORDERS.name: "one row per po and item",
        FORECAST_OVERRIDES.name: "one override per item and month",
        RESOURCES.name: "each resource appears once",
        ROUTINGS.name: "each item-resource pair appears once",
        CAPACITY.name: "one row per month and resource",
        CASH.name: "one row per as_of_month",
    }

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        # one integer per distinct (month, key): hashing beats building millions of strings
        key = ["plan_month", *spec.key]
        frame["_key"] = frame.groupby(key, dropna=False, sort=False).ngroup()

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        problem = f"{' + '.join(spec.key)} repeats another row's"
        kind = "ExpectColumnValuesToBeUnique"
        return [expect(kind, self.name, "+".join(spec.key), problem, column="_key")]


class DatesInMonth(FlagRule):
    name = "dates_in_month"
    description = {SALES.name: "every order line is dated inside the month"}
    column, problem = "date", "date lies outside the month of its folder"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        month = frame["date__v"].dt.to_period("M").dt.to_timestamp()
        return frame["date__v"].isna() | (month == frame["plan_month"])


class ItemsKnown(RowRule):
    name = "items_known"
    description = {
        BOM.name: "parents and components are in the item master",
        PROMOTIONS.name: "promoted items are in the item master",
        SALES.name: "every item sold is in the item master",
        INVENTORY.name: "every stocked item is in the item master",
        OPEN_PURCHASE_ORDERS.name: "every ordered item is in the item master",
        FORECAST_OVERRIDES.name: "overridden items are finished goods in the master",
        ROUTINGS.name: "routed items are finished goods in the master",
    }
    finished_goods_only = frozenset({FORECAST_OVERRIDES.name, ROUTINGS.name})

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        pool = context.items
        if spec.name in self.finished_goods_only:
            pool = pool[pool["item_type"] == "finished_good"]
        known = pd.MultiIndex.from_arrays([pool["plan_month"], pool["item"]])
        for name in spec.item_columns:
            wanted = pd.MultiIndex.from_arrays([frame["plan_month"], frame[name]])
            frame[f"_{name}_known"] = wanted.isin(known) | frame[name].isna().to_numpy()
            # an unknown code that is a known one plus invisible characters
            unknown = ~frame[f"_{name}_known"]
            cleaned = map_distinct(frame.loc[unknown, name], _without_invisible)
            lookalike = pd.MultiIndex.from_arrays([frame.loc[unknown, "plan_month"], cleaned]).isin(
                known
            )
            frame[f"_{name}_lookalike"] = False
            frame.loc[unknown, f"_{name}_lookalike"] = lookalike

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        return [
            passes(f"_{name}_known", self.name, name, f"{name} is not in items.csv")
            for name in spec.item_columns
        ]

    def detail(self, frame: pd.DataFrame, spec: InputFile) -> str:
        words = []
        for name in spec.item_columns:
            flags = frame.get(f"_{name}_lookalike")
            if flags is None or not flags.any():
                continue
            codes = frame.loc[flags, name].drop_duplicates().head(3)
            words += [
                f"'{visible(code)}' is the known '{_without_invisible(code)}' with invisible "
                "characters (remove them)"
                for code in codes
            ]
        return "; " + "; ".join(words) if words else ""


def _without_invisible(code: str) -> str:
    return "".join(ch for ch in code if visible(ch) == ch).strip()


class CodesVisible(RowRule):
    """A family, owner or resource written with a zero-width space or a non-breaking space
    looks identical to the real one and silently becomes a second one (a family with its own
    plan line, an owner with their own scorecard)."""

    name = "codes_visible"
    columns: Mapping[str, tuple[str, ...]] = {
        ITEMS.name: ("item", "family"),
        BOM.name: ("parent", "component"),
        FINANCIAL_PLAN.name: ("family",),
        PROMOTIONS.name: ("promo_id", "item"),
        ACTIONS.name: ("action_id", "owner"),
        SALES.name: ("item", "customer", "channel", "location"),
        INVENTORY.name: ("item", "location", "lot"),
        OPEN_PURCHASE_ORDERS.name: ("po", "item"),
        FORECAST_OVERRIDES.name: ("item", "owner"),
        RESOURCES.name: ("resource",),
        ROUTINGS.name: ("item", "resource"),
        CAPACITY.name: ("resource",),
    }
    description = {
        name: f"codes ({', '.join(columns)}) hold no invisible or non-printing character"
        for name, columns in columns.items()
    }

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        for name in self.columns[spec.name]:
            text = frame[name]
            # printable ASCII hides nothing: only the other cells are looked at one by one
            plain = text.astype(object).str.fullmatch(r"[ -~]*", na=True).astype(bool)
            shown = pd.Series(True, index=frame.index)
            rest = ~plain & text.notna()
            if rest.any():
                same = map_distinct(text[rest], visible) == text[rest]
                shown[rest] = same.to_numpy(dtype=bool)
            frame[f"_{name}_visible"] = shown

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        return [
            passes(
                f"_{name}_visible",
                self.name,
                name,
                f"{name} holds an invisible character (it would look identical to another)",
            )
            for name in self.columns[spec.name]
        ]

    def detail(self, frame: pd.DataFrame, spec: InputFile) -> str:
        words = []
        for name in self.columns[spec.name]:
            flags = frame.get(f"_{name}_visible")
            if flags is None or flags.all():
                continue
            for code in frame.loc[~flags, name].drop_duplicates().head(3):
                words.append(f"{name} '{visible(code)}' (remove the escaped characters)")
        return "; " + "; ".join(words) if words else ""


class ResourcesKnown(RowRule):
    name = "resources_known"
    description = {
        ROUTINGS.name: "every resource is in resources.csv",
        CAPACITY.name: "every resource is in resources.csv",
    }

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        pool = context.resources
        if pool is None:
            pool = pd.DataFrame({"plan_month": pd.Series(dtype="datetime64[ns]"), "resource": []})
        known = pd.MultiIndex.from_arrays([pool["plan_month"], pool["resource"]])
        for name in spec.resource_columns:
            wanted = pd.MultiIndex.from_arrays([frame["plan_month"], frame[name]])
            frame[f"_{name}_known_resource"] = wanted.isin(known) | frame[name].isna().to_numpy()

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        return [
            passes(f"_{name}_known_resource", self.name, name, f"{name} is not in resources.csv")
            for name in spec.resource_columns
        ]


class BomAcyclic(FlagRule):
    name = "bom_acyclic"
    description = {BOM.name: "no item is (indirectly) a component of itself"}
    column, problem = "component", "the line is part of a BOM cycle"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        acyclic = pd.Series(True, index=frame.index)
        for _, lines in frame.dropna(subset=["parent", "component"]).groupby("plan_month"):
            on_cycle = {node for cycle in _cycles(lines) for node in cycle}
            if on_cycle:
                cyclic = lines["parent"].isin(on_cycle) & lines["component"].isin(on_cycle)
                acyclic.loc[lines.index[cyclic]] = False
        return acyclic

    def detail(self, frame: pd.DataFrame, spec: InputFile) -> str:
        latest = frame[frame["plan_month"] == frame["plan_month"].max()]
        cycles = _cycles(latest.dropna(subset=["parent", "component"]))
        return "; cycle: " + " | ".join(" -> ".join(c) for c in cycles) if cycles else ""


def _cycles(lines: pd.DataFrame) -> list[list[str]]:
    parents, components = lines["parent"].astype(str), lines["component"].astype(str)
    return find_cycles(zip(parents, components, strict=True))


class PeriodOrdered(RowRule):
    name = "period_ordered"
    description = {PROMOTIONS.name: "end_month is not before start_month"}

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        return [
            expect(
                "ExpectColumnPairValuesAToBeGreaterThanB",
                self.name,
                "end_month",
                "end_month is before start_month",
                column_A="end_month__v",
                column_B="start_month__v",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        ]


class ShippedWithinOrdered(FlagRule):
    name = "shipped_within_ordered"
    severity = Severity.WARNING
    description = {
        SALES.name: "order lines ship no more than ordered; returns have both quantities negative"
    }
    column, problem = "shipped_qty", "shipped_qty exceeds ordered_qty, or a return mixes signs"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        ordered, shipped = frame["ordered_qty__v"], frame["shipped_qty__v"]
        positive_ok = (ordered >= 0) & (shipped >= 0) & (shipped <= ordered)
        return_ok = (ordered <= 0) & (shipped <= 0)
        return ordered.isna() | shipped.isna() | positive_ok | return_ok


class NoExpiredStock(FlagRule):
    name = "no_expired_stock"
    severity = Severity.WARNING
    description = {INVENTORY.name: "no lot on hand is past its expiry date"}
    column, problem = "expiry_date", "the lot is past its expiry date at month end"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        month_end = frame["plan_month"] + pd.offsets.MonthEnd(0)
        return frame["expiry_date__v"].isna() | (frame["expiry_date__v"] >= month_end)


class NoPastDueOrders(FlagRule):
    name = "no_past_due_orders"
    severity = Severity.WARNING
    description = {OPEN_PURCHASE_ORDERS.name: "open orders are not already past due"}
    column, problem = "due_date", "due_date is before the month began"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        return frame["due_date__v"].isna() | (frame["due_date__v"] >= frame["plan_month"])


class OneAdjustmentKind(FlagRule):
    name = "one_adjustment_kind"
    description = {FORECAST_OVERRIDES.name: "each row gives override_qty or adjustment_pct"}
    column, problem = "override_qty", "both or neither of override_qty and adjustment_pct are given"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        return frame["override_qty"].notna() ^ frame["adjustment_pct"].notna()


class MonthsInHorizon(FlagRule):
    name = "months_in_horizon"
    description = {FORECAST_OVERRIDES.name: "overridden months lie in the forecast horizon"}
    column, problem = "month", "month is outside the {horizon} months after the plan month"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        first = frame["plan_month"] + pd.DateOffset(months=1)
        last = frame["plan_month"] + pd.DateOffset(months=context.horizon_months)
        month = frame["month__v"]
        return month.isna() | ((month >= first) & (month <= last))


class CapacityMonthsAhead(MonthsInHorizon):
    """The same window as overrides, but a capacity row outside it only changes nothing."""

    name = "capacity_months_ahead"
    severity = Severity.WARNING
    description = {
        CAPACITY.name: "capacity months lie in the forecast horizon after the plan month "
        "(others change nothing)"
    }
    problem = "month is outside the {horizon} months after the plan month: ignored"


class CashKnownAtPlanMonth(FlagRule):
    """Without a row at or before the plan month the cash projection has no opening balance:
    every cash column of the plan would be empty without a word. A ``master/cash.csv`` serves
    every month up to the latest one checked, so it is judged at that month; a month folder's
    copy at its own month."""

    name = "cash_known_at_plan_month"
    severity = Severity.WARNING
    description = {
        CASH.name: "a row's as_of_month is at or before the plan month (the latest such row "
        "opens the cash projection)"
    }
    column, problem = "as_of_month", "no row is at or before the plan month: no opening cash"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        month = frame["as_of_month__v"]
        in_master = frame.get("_source_file", pd.Series("", index=frame.index)).astype(str)
        in_master = in_master.str.contains(r"(?:^|/)master/", regex=True)
        reference = frame["plan_month"].where(
            ~in_master | (context.last_month is None), context.last_month
        )
        known = (month <= reference).groupby(frame["plan_month"]).transform("any")
        return month.isna() | known


RULES: list[Rule] = [
    FilePresent(),
    FileReadable(),
    NotEmpty(),
    RequiredColumns(),
    ValuesParse(),
    ValuesFinite(),
    RequiredValues(),
    AllowedValues(),
    ValueRanges(),
    KeysUnique(),
    DatesInMonth(),
    CodesVisible(),
    ItemsKnown(),
    ResourcesKnown(),
    BomAcyclic(),
    PeriodOrdered(),
    ShippedWithinOrdered(),
    MagnitudesPlausible(),
    NoExpiredStock(),
    NoPastDueOrders(),
    OneAdjustmentKind(),
    MonthsInHorizon(),
    CapacityMonthsAhead(),
    CashKnownAtPlanMonth(),
]
"""Every rule, in the order they are reported (file-level rules first)."""


@dataclass(frozen=True)
class RuleOnFile:
    """A rule as it applies to one input file, with what it checks there."""

    rule: Rule
    description: str

    @property
    def name(self) -> str:
        return self.rule.name

    @property
    def severity(self) -> Severity:
        return self.rule.severity


def rules_for(spec: InputFile) -> tuple[RuleOnFile, ...]:
    """The rules that apply to one input file, in the order they are reported."""
    return tuple(RuleOnFile(r, r.describe(spec)) for r in RULES if r.applies_to(spec))


class _RulesByFile(Mapping[str, tuple[RuleOnFile, ...]]):
    """File name -> :func:`rules_for`, read from :data:`RULES` when asked."""

    def __getitem__(self, name: str) -> tuple[RuleOnFile, ...]:
        return rules_for(INPUTS_BY_NAME[name])

    def __iter__(self) -> Iterator[str]:
        return (spec.name for spec in INPUT_FILES)

    def __len__(self) -> int:
        return len(INPUT_FILES)


ALL_RULES: Mapping[str, tuple[RuleOnFile, ...]] = _RulesByFile()
"""The rules of every input file, by file name."""
