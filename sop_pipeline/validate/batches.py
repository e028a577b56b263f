"""Validate a long range of months in batches, so memory stays bounded at any company size.

A cold warehouse validates every closed month at once (48 months of a 10,000-product company are
millions of rows). Master files are checked once per distinct copy (their representative
months); monthly files go through in batches of consecutive months holding about ``max_rows``
rows, each batch with the item master of its own months. The results of the batches are merged
into one per file and rule, as if validated together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pandas as pd

from sop_pipeline.ingest.contract import INPUT_FILES, ITEMS, RESOURCES, InputFile
from sop_pipeline.lib.months import folder_name
from sop_pipeline.validate.engine import (
    MAX_EXAMPLES,
    RuleResult,
    representative_months,
    validate_months,
)

# Rows of monthly files per batch: ~1 GB of text frames, typed shadows and GX work at most.
DEFAULT_MAX_ROWS = 600_000

# the rows of one input file for some months (None: nothing was loaded for it)
ReadRows = Callable[[InputFile, list[dt.date]], pd.DataFrame | None]


def month_batches(
    log: pd.DataFrame, months: Sequence[dt.date], max_rows: int
) -> list[list[dt.date]]:
    """Consecutive months grouped so each group's monthly files hold about ``max_rows`` rows
    (a month larger than that is a batch of its own)."""
    monthly = {spec.name for spec in INPUT_FILES if spec.scope.value != "master"}
    files = log[log["file"].isin(monthly)]
    per_month = files.groupby(pd.to_datetime(files["plan_month"]))["row_count"].sum()
    batches: list[list[dt.date]] = []
    current: list[dt.date] = []
    filled = 0
    for month in sorted(months):
        size = int(per_month.get(pd.Timestamp(month), 0) or 0)
        if current and filled + size > max_rows:
            batches.append(current)
            current, filled = [], 0
        current.append(month)
        filled += size
    if current:
        batches.append(current)
    return batches


def validate_in_batches(
    read: ReadRows,
    log: pd.DataFrame,
    months: Sequence[dt.date],
    horizon_months: int = 12,
    files: Sequence[InputFile] = INPUT_FILES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> list[RuleResult]:
    """:func:`~sop_pipeline.validate.engine.validate_months` over ``months``, reading rows
    through ``read(file, months)`` a batch at a time. Same results, bounded memory."""
    log = log.copy()
    log["plan_month"] = pd.to_datetime(log["plan_month"])
    stamps = [pd.Timestamp(m) for m in months]
    masters = [spec for spec in files if spec.scope.value == "master"]
    monthly = [spec for spec in files if spec.scope.value != "master"]
    parts: list[RuleResult] = []
    if masters:
        wanted = sorted({m for s in masters for m in representative_months(s, log, stamps)})
        with_items = [*masters, *(s for s in (ITEMS, RESOURCES) if s not in masters)]
        frames = {spec.name: read(spec, [m.date() for m in wanted]) for spec in with_items}
        parts += validate_months(frames, log, months, horizon_months, files=masters)
    if monthly:
        for batch in month_batches(log, months, max_rows):
            frames = {spec.name: read(spec, batch) for spec in [*monthly, ITEMS, RESOURCES]}
            parts += validate_months(frames, log, batch, horizon_months, files=monthly)
    return merge_results(parts)


def merge_results(parts: Sequence[RuleResult]) -> list[RuleResult]:
    """One result per file and rule from the results of several batches, in first-seen order."""
    grouped: dict[tuple[str, str], list[RuleResult]] = {}
    for part in parts:
        grouped.setdefault((part.file, part.rule), []).append(part)
    return [_merge(group) for group in grouped.values()]


def _merge(group: list[RuleResult]) -> RuleResult:
    failed = [r for r in group if not r.passed]
    if len(failed) <= 1:
        return failed[0] if failed else group[0]
    first = failed[0]
    later = failed[1:]
    later_months = sorted({m for r in later for m in r.months})
    later_rows = sum(r.bad_rows for r in later)
    message = first.message
    if later_rows:
        message += f"; and {later_rows} more row{'s' if later_rows != 1 else ''} in " + ", ".join(
            folder_name(m) for m in later_months
        )
    else:
        message += "; " + "; ".join(r.message for r in later)
    examples = pd.concat([r.examples for r in failed if not r.examples.empty] or [first.examples])
    return RuleResult(
        file=first.file,
        rule=first.rule,
        severity=first.severity,
        passed=False,
        bad_rows=first.bad_rows + later_rows,
        message=message,
        examples=examples.head(MAX_EXAMPLES).reset_index(drop=True),
        months=sorted({m for r in failed for m in r.months}),
        paths=sorted({p for r in failed for p in r.paths}),
    )
