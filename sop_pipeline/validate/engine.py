"""Validate the raw input files of one or more months against the contract.

File-level rules (present, readable, not empty, required columns) are read off the load log;
row-level rules run as Great Expectations suites on the rows as delivered. Every rule is one
object of :data:`sop_pipeline.validate.rules.RULES`; this module only runs them. The result is
one :class:`RuleResult` per file and rule, phrased for a data lead to act on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sop_pipeline.ingest.contract import INPUT_FILES, ITEMS, RESOURCES, InputFile, Kind
from sop_pipeline.lib.visible import visible
from sop_pipeline.validate.gx_runner import ROW_ID, run_suite
from sop_pipeline.validate.rule import Context, FileRule, RowRule, Severity, source_paths
from sop_pipeline.validate.rules import rules_for

MAX_EXAMPLES = 10
DATE_FORMAT = "%Y-%m-%d"


@dataclass
class RuleResult:
    """The outcome of one rule on one input file over the months validated."""

    file: str
    rule: str
    severity: Severity
    passed: bool
    bad_rows: int = 0
    message: str = ""
    examples: pd.DataFrame = field(default_factory=pd.DataFrame)
    months: list[dt.date] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def blocking(self) -> bool:
        return not self.passed and self.severity is Severity.ERROR

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
        context = Context(items, horizon_months, resources, max(month_stamps, default=None))
        results.extend(_validate_file(spec, frame, file_log, context))
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


def _validate_file(
    spec: InputFile,
    frame: pd.DataFrame,
    file_log: pd.DataFrame,
    context: Context,
) -> list[RuleResult]:
    """Run every rule of ``spec``: file-level ones on the load log, then the row rules on the
    months whose files could be read with their columns."""
    rules = rules_for(spec)
    results: list[RuleResult] = []
    excluded: set[pd.Timestamp] = set()
    for applied in rules:
        if not isinstance(applied.rule, FileRule):
            continue
        finding = applied.rule.check(spec, file_log)
        if finding is None:
            results.append(RuleResult(spec.name, applied.name, applied.severity, True))
            continue
        excluded |= {pd.Timestamp(m) for m in finding.months}
        results.append(
            RuleResult(
                spec.name,
                applied.name,
                applied.severity,
                False,
                message=finding.message,
                months=finding.months,
                paths=finding.paths,
            )
        )
    loaded = set(file_log.loc[file_log["status"] == "loaded", "plan_month"])
    frame = frame[frame["plan_month"].isin(loaded - excluded)].reset_index(drop=True)
    frame[ROW_ID] = np.arange(len(frame))
    row_rules = [a for a in rules if isinstance(a.rule, RowRule)]
    for applied in row_rules:
        applied.rule.derive(frame, spec, context)
    expectations = [e for a in row_rules for e in a.rule.expectations(spec, context)]
    outcomes = run_suite(spec.name, frame[_columns_used(expectations, frame.columns)], expectations)
    by_rule: dict[str, list] = {}
    for outcome in outcomes:
        by_rule.setdefault(outcome.rule, []).append(outcome)
    for applied in row_rules:
        failed = [o for o in by_rule.get(applied.name, []) if not o.success]
        if not failed:
            results.append(RuleResult(spec.name, applied.name, applied.severity, True))
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
        for column in examples.columns[2:]:  # codes shown as they are, invisible characters too
            examples[column] = examples[column].map(visible, na_action="ignore")
        months = sorted({m.date() for m in rows["plan_month"]})
        results.append(
            RuleResult(
                spec.name,
                applied.name,
                applied.severity,
                False,
                bad_rows=len(rows),
                message=f"{problems} ({applied.description}); {_lines_words(rows)}"
                + applied.rule.detail(frame, spec),
                examples=examples,
                months=months,
                paths=source_paths(file_log, [pd.Timestamp(m) for m in months]),
            )
        )
    return results


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
