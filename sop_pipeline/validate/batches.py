"""Validate a long range of months in batches, so memory stays bounded at any company size.

A cold warehouse validates every closed month at once (48 months of a 10,000-product company are
millions of rows). Master files are checked once per distinct copy (their representative
months); monthly files go through in batches of consecutive months holding about ``max_rows``
rows, each batch with the item master of its own months. The results of the batches are merged
into one per file and rule, as if validated together.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

import pandas as pd
import pyarrow as pa

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

# the rows of one input file for some months, as a frame or an Arrow table (None: nothing was
# loaded for it); Arrow goes to a worker process as it is
ReadRows = Callable[[InputFile, list[dt.date]], pd.DataFrame | pa.Table | None]


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
    workers: int = 1,
) -> list[RuleResult]:
    """:func:`~sop_pipeline.validate.engine.validate_months` over ``months``, reading rows
    through ``read(file, months)`` a batch at a time. Same results, bounded memory.

    With ``workers`` above 1 and months that fill more than one batch (a first run's years of
    history), that many processes validate at once (Great Expectations is Python: one core per
    process) while this one reads the next batch; batches are then ``max_rows / workers`` rows,
    so memory stays about the same, and results are merged in month order as one after the
    other. On 48 months of 10,000 items, 2 workers: 45 s against 60 s
    (``bench/validation_speed.py``)."""
    log = log.copy()
    log["plan_month"] = pd.to_datetime(log["plan_month"])
    stamps = [pd.Timestamp(m) for m in months]
    masters = [spec for spec in files if spec.scope.value == "master"]
    monthly = [spec for spec in files if spec.scope.value != "master"]
    # worker processes only pay off where the months fill more than one batch
    count = max(1, workers)
    if count > 1 and len(month_batches(log, months, max_rows)) <= 1:
        count = 1
    # each job: the months and files it checks, and the months whose rows it reads
    jobs: list[tuple[list[dt.date], list[InputFile], list[dt.date], list[InputFile]]] = []
    if masters:
        wanted = sorted({m for s in masters for m in representative_months(s, log, stamps)})
        with_items = [*masters, *(s for s in (ITEMS, RESOURCES) if s not in masters)]
        jobs.append((list(months), masters, [m.date() for m in wanted], with_items))
    if monthly:
        for batch in month_batches(log, months, max_rows // count):
            jobs.append((batch, monthly, batch, [*monthly, ITEMS, RESOURCES]))

    def frames(reads: list[dt.date], specs: list[InputFile]) -> dict[str, pd.DataFrame | None]:
        return {spec.name: _as_frame(read(spec, reads)) for spec in specs}

    def tables(reads: list[dt.date], specs: list[InputFile]) -> dict[str, pa.Table | None]:
        return {spec.name: _as_table(read(spec, reads)) for spec in specs}

    parts: list[RuleResult] = []
    if count == 1:
        for checked, specs, reads, read_specs in jobs:
            parts += validate_months(frames(reads, read_specs), log, checked, horizon_months, specs)
        return merge_results(parts)
    # a fresh server process forks the workers (not this one, which holds DuckDB's threads
    # and connection); each imports Great Expectations while the first rows are read
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        min(count, len(jobs)), mp_context=context, initializer=_import_validation
    ) as pool:
        pending: deque[Future[list[RuleResult]]] = deque()
        for checked, specs, reads, read_specs in jobs:
            if len(pending) > count:
                parts += pending.popleft().result()
            rows = tables(reads, read_specs)
            pending.append(pool.submit(_validate_arrow, rows, log, checked, horizon_months, specs))
        while pending:
            parts += pending.popleft().result()
    return merge_results(parts)


def _import_validation() -> None:
    import great_expectations  # noqa: F401


def _as_frame(rows: pd.DataFrame | pa.Table | None) -> pd.DataFrame | None:
    """Rows as the frame DuckDB's ``.df()`` gives (dates as microsecond timestamps)."""
    if not isinstance(rows, pa.Table):
        return rows
    frame = rows.to_pandas(date_as_object=False)
    for column in frame.columns[frame.dtypes.map(pd.api.types.is_datetime64_dtype)]:
        frame[column] = frame[column].astype("datetime64[us]")
    return frame


def _as_table(rows: pd.DataFrame | pa.Table | None) -> pa.Table | None:
    """Rows as an Arrow table: sent to a worker as buffers, not cell by cell (pickling millions
    of text cells cost as much as validating them)."""
    if rows is None or isinstance(rows, pa.Table):
        return rows
    return pa.Table.from_pandas(rows, preserve_index=False)


def _validate_arrow(
    tables: dict[str, pa.Table | None],
    log: pd.DataFrame,
    months: list[dt.date],
    horizon_months: int,
    files: Sequence[InputFile],
) -> list[RuleResult]:
    frames = {name: _as_frame(table) for name, table in tables.items()}
    return validate_months(frames, log, months, horizon_months, files=files)


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
