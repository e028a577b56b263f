"""Validate the raw input files of one or more months against the contract (SPEC §3).

File-level rules (present, readable, not empty, required columns) are read off the load log;
row-level rules run as Great Expectations suites on the rows as delivered. The result is one
:class:`RuleResult` per file and rule, phrased for a data lead to act on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sop_pipeline.ingest.contract import (
    BOM,
    FORECAST_OVERRIDES,
    INPUT_FILES,
    INVENTORY,
    ITEMS,
    OPEN_PURCHASE_ORDERS,
    PROMOTIONS,
    RESOURCES,
    SALES,
    InputFile,
    Kind,
)
from sop_pipeline.lib.months import folder_name
from sop_pipeline.supply.bom import detect_bom_cycles
from sop_pipeline.validate import rules as R
from sop_pipeline.validate.gx_runner import ROW_ID, run_suite

MAX_EXAMPLES = 10
NUMBER_REGEX = r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$"
MONTH_REGEX = r"^\d{4}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?$"
DATE_FORMAT = "%Y-%m-%d"


@dataclass
class RuleResult:
    """The outcome of one rule on one input file over the months validated."""

    file: str
    rule: str
    severity: R.Severity
    passed: bool
    bad_rows: int = 0
    message: str = ""
    examples: pd.DataFrame = field(default_factory=pd.DataFrame)
    months: list[dt.date] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return not self.passed and self.severity is R.Severity.ERROR

    def describe(self) -> str:
        """One paragraph: file, rule, how many rows, what to do."""
        where = _where(self.paths) or self.file
        status = "passed" if self.passed else ("FAILED" if self.blocking else "warning")
        return f"{where}: rule '{self.rule}' {status}: {self.message}"


def _where(paths: Sequence[str], shown: int = 3) -> str:
    """The failing files, the first few by name: a rule can fail in every month of a backfill."""
    if len(paths) <= shown:
        return ", ".join(paths)
    return ", ".join(paths[: shown - 1]) + f" and {len(paths) - shown + 1} more files"


def validate_months(
    frames: Mapping[str, pd.DataFrame | None],
    load_log: pd.DataFrame,
    months: Sequence[dt.date],
    horizon_months: int = 12,
    files: Sequence[InputFile] = INPUT_FILES,
) -> list[RuleResult]:
    """Check every input file of ``months``.

    Args:
        frames: raw rows per file name (text, as delivered) with ``plan_month`` and ``_line``.
        load_log: one row per file and month: ``plan_month, file, source_path, status, error,
            columns, row_count``.
        months: the months being validated.
        horizon_months: how far ahead forecast overrides may reach.
        files: the input files to check (default: all).

    Returns:
        One result per file and rule of :func:`sop_pipeline.validate.rules.rules_for`.
    """
    month_stamps = [pd.Timestamp(m) for m in months]
    log = load_log[pd.to_datetime(load_log["plan_month"]).isin(month_stamps)].copy()
    log["plan_month"] = pd.to_datetime(log["plan_month"])
    items = _prepare(ITEMS, frames.get(ITEMS.name), month_stamps)
    resources = _prepare(RESOURCES, frames.get(RESOURCES.name), month_stamps)
    results: list[RuleResult] = []
    for spec in files:
        if spec.scope.value == "master":
            month_stamps_for_spec = representative_months(spec, log, month_stamps)
        else:
            month_stamps_for_spec = month_stamps
        file_log = log[(log["file"] == spec.name) & log["plan_month"].isin(month_stamps_for_spec)]
        frame = _prepare(spec, frames.get(spec.name), month_stamps_for_spec)
        results.extend(_validate_file(spec, frame, file_log, items, horizon_months, resources))
    return results


def representative_months(
    spec: InputFile, log: pd.DataFrame, months: list[pd.Timestamp]
) -> list[pd.Timestamp]:
    """One month per distinct copy of a master file (and of the item master it is checked
    against): months served by the same ``master/`` files hold the same rows."""

    def sources(name: str) -> pd.Series:
        rows = log[log["file"] == name].set_index("plan_month")["source_path"]
        return rows.reindex(months).fillna("(missing)")

    signature = pd.DataFrame({"own": sources(spec.name), "items": sources(ITEMS.name)})
    if spec.resource_columns:
        signature["resources"] = sources(RESOURCES.name)
    return list(signature.drop_duplicates().index)


def _prepare(
    spec: InputFile, frame: pd.DataFrame | None, months: list[pd.Timestamp]
) -> pd.DataFrame:
    """The file's rows with typed shadow columns ``<col>__v`` for numbers, dates and months."""
    if frame is None:
        frame = pd.DataFrame(columns=["plan_month", "_line", *spec.column_names])
    frame = frame[pd.to_datetime(frame["plan_month"]).isin(months)].copy()
    frame["plan_month"] = pd.to_datetime(frame["plan_month"])
    for column in spec.columns:
        if column.name not in frame.columns:
            frame[column.name] = None
        text = frame[column.name].astype(object).where(frame[column.name].notna(), None)
        frame[column.name] = text
        if column.kind is Kind.NUMBER:
            frame[column.name + "__v"] = pd.to_numeric(text, errors="coerce")
        elif column.kind is Kind.DATE:
            frame[column.name + "__v"] = pd.to_datetime(text, format=DATE_FORMAT, errors="coerce")
        elif column.kind is Kind.MONTH:
            frame[column.name + "__v"] = pd.to_datetime(
                text.map(lambda v: v[:7] + "-01" if isinstance(v, str) else None),
                format=DATE_FORMAT,
                errors="coerce",
            )
    frame = frame.reset_index(drop=True)
    frame[ROW_ID] = np.arange(len(frame))
    return frame


def _paths(file_log: pd.DataFrame, months: Sequence[pd.Timestamp] | None = None) -> list[str]:
    rows = file_log if months is None else file_log[file_log["plan_month"].isin(months)]
    return sorted({p for p in rows["source_path"].dropna()})


def _file_level(spec: InputFile, file_log: pd.DataFrame) -> tuple[list[RuleResult], set]:
    """Present, readable, not empty, required columns. Returns the results and the months
    whose rows can be checked further."""
    out: list[RuleResult] = []
    missing = file_log[file_log["status"] == "missing"]
    if spec.required and not missing.empty:
        months = [m.date() for m in missing["plan_month"]]
        where = (
            "master/ or the month folder" if spec.scope.value == "master" else "the month folder"
        )
        out.append(
            RuleResult(
                spec.name,
                R.FILE_PRESENT,
                R.Severity.ERROR,
                False,
                message=f"{spec.filename} is missing from {where} for "
                f"{', '.join(folder_name(m) for m in months)}; it is required",
                months=months,
                paths=[f"{folder_name(m)}/{spec.filename}" for m in months],
            )
        )
    else:
        out.append(RuleResult(spec.name, R.FILE_PRESENT, R.Severity.ERROR, True))

    unreadable = file_log[file_log["status"] == "unreadable"]
    if not unreadable.empty:
        msgs = [f"{r.source_path}: {r.error}" for r in unreadable.itertuples()]
        out.append(
            RuleResult(
                spec.name,
                R.FILE_READABLE,
                R.Severity.ERROR,
                False,
                message="; ".join(msgs),
                months=[m.date() for m in unreadable["plan_month"]],
                paths=sorted(unreadable["source_path"].dropna()),
            )
        )
    else:
        out.append(RuleResult(spec.name, R.FILE_READABLE, R.Severity.ERROR, True))

    loaded = file_log[file_log["status"] == "loaded"]
    empty = loaded[loaded["row_count"] == 0]
    if not spec.may_be_empty and not empty.empty:
        out.append(
            RuleResult(
                spec.name,
                R.NOT_EMPTY,
                R.Severity.ERROR,
                False,
                message=f"{spec.filename} has a header but no data rows",
                months=[m.date() for m in empty["plan_month"]],
                paths=_paths(empty),
            )
        )
    else:
        out.append(RuleResult(spec.name, R.NOT_EMPTY, R.Severity.ERROR, True))

    problems, bad_months = [], []
    for row in loaded.itertuples():
        header = set(row.columns if row.columns is not None else [])
        lacking = [c for c in spec.required_columns if c not in header]
        if spec is FORECAST_OVERRIDES and not header & {"override_qty", "adjustment_pct"}:
            lacking.append("override_qty or adjustment_pct")
        if lacking:
            problems.append(f"{row.source_path} lacks {', '.join(lacking)}")
            bad_months.append(row.plan_month)
    if problems:
        out.append(
            RuleResult(
                spec.name,
                R.REQUIRED_COLUMNS,
                R.Severity.ERROR,
                False,
                message="; ".join(problems) + f" (required: {', '.join(spec.required_columns)})",
                months=[m.date() for m in bad_months],
                paths=_paths(loaded, bad_months),
            )
        )
    else:
        out.append(RuleResult(spec.name, R.REQUIRED_COLUMNS, R.Severity.ERROR, True))
    checkable = set(loaded["plan_month"]) - set(bad_months)
    return out, checkable


def _meta(rule: str, column: str, problem: str) -> dict[str, str]:
    return {"rule": rule, "column": column, "problem": problem}


def _expectations(spec: InputFile, frame: pd.DataFrame, horizon_months: int) -> list:
    """The GX expectations of one file; each names its rule and the problem in words."""
    import great_expectations as gx

    E = gx.expectations
    out: list = []
    wanted = {r.name for r in R.rules_for(spec)}
    for column in spec.columns:
        name = column.name
        if column.kind is Kind.NUMBER:
            out.append(
                E.ExpectColumnValuesToMatchRegex(
                    column=name,
                    regex=NUMBER_REGEX,
                    meta=_meta(R.VALUES_PARSE, name, f"{name} is not a number"),
                )
            )
        elif column.kind is Kind.DATE:
            # parsed once, vectorised, in _prepare; GX's strftime expectation calls strptime
            # row by row (a third of all validation time at 10,000 items)
            out.append(
                E.ExpectColumnValuesToBeInSet(
                    column=f"_{name}_is_date",
                    value_set=[True],
                    meta=_meta(R.VALUES_PARSE, name, f"{name} is not a date (YYYY-MM-DD)"),
                )
            )
        elif column.kind is Kind.MONTH:
            out.append(
                E.ExpectColumnValuesToMatchRegex(
                    column=name,
                    regex=MONTH_REGEX,
                    meta=_meta(R.VALUES_PARSE, name, f"{name} is not a month (YYYY-MM)"),
                )
            )
        if column.not_null:
            out.append(
                E.ExpectColumnValuesToNotBeNull(
                    column=name, meta=_meta(R.REQUIRED_VALUES, name, f"{name} is blank")
                )
            )
        if column.allowed and R.ALLOWED_VALUES in wanted:
            out.append(
                E.ExpectColumnValuesToBeInSet(
                    column=name,
                    value_set=list(column.allowed),
                    meta=_meta(
                        R.ALLOWED_VALUES, name, f"{name} is not one of {', '.join(column.allowed)}"
                    ),
                )
            )
        if (column.min_value is not None or column.max_value is not None) and (
            R.VALUE_RANGES in wanted
        ):
            if column.max_value is None and column.min_exclusive:
                words = (
                    "not positive" if column.min_value == 0 else f"not above {column.min_value:g}"
                )
                problem = f"{name} is {words}"
            elif column.max_value is None:
                words = "negative" if column.min_value == 0 else f"below {column.min_value:g}"
                problem = f"{name} is {words}"
            else:
                problem = f"{name} is outside {column.min_value:g}..{column.max_value:g}"
            out.append(
                E.ExpectColumnValuesToBeBetween(
                    column=name + "__v",
                    min_value=column.min_value,
                    max_value=column.max_value,
                    strict_min=column.min_exclusive,
                    meta=_meta(R.VALUE_RANGES, name, problem),
                )
            )
    if spec is ITEMS:
        for name in ("family", "unit_price"):
            out.append(
                E.ExpectColumnValuesToNotBeNull(
                    column=name,
                    row_condition="_active_finished_good==True",
                    condition_parser="pandas",
                    meta=_meta(
                        R.REQUIRED_VALUES, name, f"{name} is blank for an active finished good"
                    ),
                )
            )
    if spec.key and R.KEYS_UNIQUE in wanted:
        out.append(
            E.ExpectColumnValuesToBeUnique(
                column="_key",
                meta=_meta(
                    R.KEYS_UNIQUE,
                    "+".join(spec.key),
                    f"{' + '.join(spec.key)} repeats another row's",
                ),
            )
        )
    if R.ITEMS_KNOWN in wanted:
        for name in spec.item_columns:
            out.append(
                E.ExpectColumnValuesToBeInSet(
                    column=f"_{name}_known",
                    value_set=[True],
                    meta=_meta(R.ITEMS_KNOWN, name, f"{name} is not in items.csv"),
                )
            )
    if R.RESOURCES_KNOWN in wanted:
        for name in spec.resource_columns:
            out.append(
                E.ExpectColumnValuesToBeInSet(
                    column=f"_{name}_known_resource",
                    value_set=[True],
                    meta=_meta(R.RESOURCES_KNOWN, name, f"{name} is not in resources.csv"),
                )
            )
    if spec is SALES:
        out.append(
            E.ExpectColumnValuesToBeInSet(
                column="_in_month",
                value_set=[True],
                meta=_meta(R.DATES_IN_MONTH, "date", "date lies outside the month of its folder"),
            )
        )
        out.append(
            E.ExpectColumnValuesToBeInSet(
                column="_consistent",
                value_set=[True],
                meta=_meta(
                    R.SHIPPED_WITHIN_ORDERED,
                    "shipped_qty",
                    "shipped_qty exceeds ordered_qty, or a return mixes signs",
                ),
            )
        )
    if spec is BOM:
        out.append(
            E.ExpectColumnValuesToBeInSet(
                column="_in_cycle",
                value_set=[False],
                meta=_meta(R.BOM_ACYCLIC, "component", "the line is part of a BOM cycle"),
            )
        )
    if spec is PROMOTIONS:
        out.append(
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="end_month__v",
                column_B="start_month__v",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                meta=_meta(R.PERIOD_ORDERED, "end_month", "end_month is before start_month"),
            )
        )
    if spec is INVENTORY:
        out.append(
            E.ExpectColumnValuesToBeInSet(
                column="_not_expired",
                value_set=[True],
                meta=_meta(
                    R.NO_EXPIRED_STOCK,
                    "expiry_date",
                    "the lot is past its expiry date at month end",
                ),
            )
        )
    if spec is OPEN_PURCHASE_ORDERS:
        out.append(
            E.ExpectColumnValuesToBeInSet(
                column="_not_past_due",
                value_set=[True],
                meta=_meta(R.NO_PAST_DUE_ORDERS, "due_date", "due_date is before the month began"),
            )
        )
    if spec is FORECAST_OVERRIDES:
        out.append(
            E.ExpectColumnValuesToBeInSet(
                column="_one_kind",
                value_set=[True],
                meta=_meta(
                    R.ONE_ADJUSTMENT_KIND,
                    "override_qty",
                    "both or neither of override_qty and adjustment_pct are given",
                ),
            )
        )
        out.append(
            E.ExpectColumnValuesToBeInSet(
                column="_in_horizon",
                value_set=[True],
                meta=_meta(
                    R.MONTHS_IN_HORIZON,
                    "month",
                    f"month is outside the {horizon_months} months after the plan month",
                ),
            )
        )
    return out


def _columns_used(expectations: list, columns: pd.Index) -> list[str]:
    """The columns the expectations read (row conditions included), and the row id: GX
    copies the frame it is given for every expectation, so it gets no more than that."""
    used = [ROW_ID]
    for expectation in expectations:
        names = [getattr(expectation, a, None) for a in ("column", "column_A", "column_B")]
        condition = str(getattr(expectation, "row_condition", None) or "")
        names += [c for c in columns if condition and c in condition]
        used += [n for n in names if n and n not in used]
    return used


def _derive(
    spec: InputFile,
    frame: pd.DataFrame,
    items: pd.DataFrame,
    horizon: int,
    resources: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Add the derived columns the cross-row and cross-file expectations look at."""
    frame = frame.copy()
    for column in spec.columns:
        if column.kind is Kind.DATE:
            text, parsed = frame[column.name], frame[column.name + "__v"]
            frame[f"_{column.name}_is_date"] = text.isna() | parsed.notna()
    if spec.key:
        # one integer per distinct (month, key): hashing beats building millions of strings
        key = ["plan_month", *spec.key]
        frame["_key"] = frame.groupby(key, dropna=False, sort=False).ngroup()
    for name in spec.item_columns:
        pool = (
            items if not spec.finished_goods_only else items[items["item_type"] == "finished_good"]
        )
        keys = pd.MultiIndex.from_arrays([pool["plan_month"], pool["item"]])
        wanted = pd.MultiIndex.from_arrays([frame["plan_month"], frame[name]])
        frame[f"_{name}_known"] = wanted.isin(keys) | frame[name].isna().to_numpy()
    for name in spec.resource_columns:
        pool = resources if resources is not None else pd.DataFrame(columns=["plan_month"])
        known = pool.get("resource", pd.Series(dtype=object))
        keys = pd.MultiIndex.from_arrays([pool["plan_month"], known])
        wanted = pd.MultiIndex.from_arrays([frame["plan_month"], frame[name]])
        frame[f"_{name}_known_resource"] = wanted.isin(keys) | frame[name].isna().to_numpy()
    if spec is ITEMS:
        frame["_active_finished_good"] = (frame["item_type"] == "finished_good") & (
            frame["status"].fillna("active") == "active"
        )
    if spec is SALES:
        date_month = frame["date__v"].dt.to_period("M").dt.to_timestamp()
        frame["_in_month"] = frame["date__v"].isna() | (date_month == frame["plan_month"])
        ordered, shipped = frame["ordered_qty__v"], frame["shipped_qty__v"]
        positive_ok = (ordered >= 0) & (shipped >= 0) & (shipped <= ordered)
        return_ok = (ordered <= 0) & (shipped <= 0)
        frame["_consistent"] = ordered.isna() | shipped.isna() | positive_ok | return_ok
    if spec is BOM:
        frame["_in_cycle"] = False
        for _, lines in frame.dropna(subset=["parent", "component"]).groupby("plan_month"):
            on_cycle = {node for cycle in detect_bom_cycles(lines) for node in cycle}
            if on_cycle:
                cyclic = lines["parent"].isin(on_cycle) & lines["component"].isin(on_cycle)
                frame.loc[lines.index[cyclic], "_in_cycle"] = True
    if spec is INVENTORY:
        month_end = frame["plan_month"] + pd.offsets.MonthEnd(0)
        frame["_not_expired"] = frame["expiry_date__v"].isna() | (
            frame["expiry_date__v"] >= month_end
        )
    if spec is OPEN_PURCHASE_ORDERS:
        frame["_not_past_due"] = frame["due_date__v"].isna() | (
            frame["due_date__v"] >= frame["plan_month"]
        )
    if spec is FORECAST_OVERRIDES:
        has_qty = frame["override_qty"].notna()
        has_pct = frame["adjustment_pct"].notna()
        frame["_one_kind"] = has_qty ^ has_pct
        first = frame["plan_month"] + pd.DateOffset(months=1)
        last = frame["plan_month"] + pd.DateOffset(months=horizon)
        frame["_in_horizon"] = frame["month__v"].isna() | (
            (frame["month__v"] >= first) & (frame["month__v"] <= last)
        )
    return frame


def _validate_file(
    spec: InputFile,
    frame: pd.DataFrame,
    file_log: pd.DataFrame,
    items: pd.DataFrame,
    horizon_months: int,
    resources: pd.DataFrame | None = None,
) -> list[RuleResult]:
    results, checkable = _file_level(spec, file_log)
    frame = frame[frame["plan_month"].isin(checkable)].reset_index(drop=True)
    frame[ROW_ID] = np.arange(len(frame))
    frame = _derive(spec, frame, items, horizon_months, resources)
    expectations = _expectations(spec, frame, horizon_months)
    outcomes = run_suite(spec.name, frame[_columns_used(expectations, frame.columns)], expectations)
    by_rule: dict[str, list] = {}
    for outcome in outcomes:
        by_rule.setdefault(outcome.rule, []).append(outcome)
    file_level = {r.rule for r in results}
    for rule in R.rules_for(spec):
        if rule.name in file_level:
            continue
        failed = [o for o in by_rule.get(rule.name, []) if not o.success]
        if not failed:
            results.append(RuleResult(spec.name, rule.name, rule.severity, True))
            continue
        bad = sorted({row for o in failed for row in o.bad_rows})
        rows = _distinct_lines(frame.iloc[bad] if bad else frame.iloc[0:0])
        problems = "; ".join(
            f"{_count_rows(frame, o.bad_rows)} {o.meta['problem']}" for o in failed
        )
        shown = [c for c in ("plan_month", "_line", *spec.column_names) if c in rows.columns]
        examples = rows[shown].head(MAX_EXAMPLES).copy()
        examples["plan_month"] = examples["plan_month"].dt.strftime("%Y-%m")
        examples = examples.rename(columns={"plan_month": "month", "_line": "line"})
        months = sorted({m.date() for m in rows["plan_month"]})
        results.append(
            RuleResult(
                spec.name,
                rule.name,
                rule.severity,
                False,
                bad_rows=len(rows),
                message=f"{problems} ({rule.description}); {_lines_words(rows)}"
                + _cycle_words(spec, frame, rule.name),
                examples=examples,
                months=months,
                paths=_paths(file_log, [pd.Timestamp(m) for m in months]),
            )
        )
    return results


def _distinct_lines(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per line of a file: a master file read for several months counts once."""
    if "_source_file" not in rows.columns:
        return rows
    return rows.drop_duplicates(subset=["_source_file", "_line"])


def _count_rows(frame: pd.DataFrame, positions: list[int]) -> str:
    count = len(_distinct_lines(frame.iloc[positions]))
    return f"{count} row{'s' if count != 1 else ''} where"


def _lines_words(rows: pd.DataFrame) -> str:
    shown = rows.head(MAX_EXAMPLES)
    parts = []
    for path, group in shown.groupby("_source_file", sort=False) if "_source_file" in shown else []:
        parts.append(
            f"{path} line{'s' if len(group) > 1 else ''} "
            + ", ".join(str(v) for v in group["_line"])
        )
    more = len(rows) - len(shown)
    return "; ".join(parts) + (f" and {more} more" if more > 0 else "")


def _cycle_words(spec: InputFile, frame: pd.DataFrame, rule: str) -> str:
    if spec is not BOM or rule != R.BOM_ACYCLIC:
        return ""
    latest = frame[frame["plan_month"] == frame["plan_month"].max()]
    cycles = detect_bom_cycles(latest.dropna(subset=["parent", "component"]))
    return "; cycle: " + " | ".join(" -> ".join(c) for c in cycles) if cycles else ""
