"""Validation in batches of months: the same results as all months at once, bounded memory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sop_pipeline.ingest.contract import INVENTORY, InputFile
from sop_pipeline.ingest.raw_tables import LOAD_LOG, raw_table
from sop_pipeline.validate.batches import merge_results, month_batches, validate_in_batches
from sop_pipeline.validate.checks import read_months
from sop_pipeline.validate.engine import RuleResult
from sop_pipeline.validate.rules import Severity
from sop_pipeline_tests.conftest import paths_for

MONTHS = [dt.date(2025, 7, 1), dt.date(2025, 8, 1), dt.date(2025, 9, 1)]


def _log(rows_per_month: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "plan_month": MONTHS[: len(rows_per_month)],
            "file": "sales",
            "row_count": rows_per_month,
        }
    )


def test_months_are_batched_by_rows_and_a_large_month_stands_alone() -> None:
    log = pd.concat([_log([40, 30, 50]), _log([1_000, 0, 0]).assign(file="items")])

    assert month_batches(log, MONTHS, max_rows=70) == [MONTHS[:2], MONTHS[2:]]
    assert month_batches(log, MONTHS, max_rows=10) == [[m] for m in MONTHS]
    assert month_batches(log, MONTHS, max_rows=10**6) == [MONTHS]


def test_merged_failures_add_their_rows_and_keep_the_first_message() -> None:
    def result(month: dt.date, passed: bool, rows: int) -> RuleResult:
        return RuleResult(
            "inventory",
            "value_ranges",
            Severity.ERROR,
            passed,
            bad_rows=rows,
            message=f"{rows} rows where on_hand_qty is negative",
            examples=pd.DataFrame({"line": [rows]}),
            months=[month],
            paths=[f"data/{month:%Y-%m}/inventory.csv"],
        )

    [merged] = merge_results(
        [result(MONTHS[0], False, 2), result(MONTHS[1], True, 0), result(MONTHS[2], False, 3)]
    )

    assert not merged.passed and merged.bad_rows == 5
    assert merged.message == "2 rows where on_hand_qty is negative; and 3 more rows in 2025-09"
    assert merged.months == [MONTHS[0], MONTHS[2]]
    assert merged.paths == ["data/2025-07/inventory.csv", "data/2025-09/inventory.csv"]
    assert list(merged.examples["line"]) == [2, 3]
    [passed] = merge_results([result(MONTHS[0], True, 0), result(MONTHS[1], True, 0)])
    assert passed.passed


@pytest.fixture
def raw_reader(planned_company: Path):
    """Rows of the planned company's raw tables, with a negative stock in July and September."""
    con = duckdb.connect(str(paths_for(planned_company).work_db), read_only=True)

    def read(spec: InputFile, months: list[dt.date]) -> pd.DataFrame:
        frame = read_months(con, raw_table(spec), months)
        if spec is INVENTORY:
            month = pd.to_datetime(frame["plan_month"]).dt.month
            for bad_month in (7, 9):
                frame.loc[frame.index[month == bad_month][:1], "on_hand_qty"] = "-5"
        return frame

    log = con.execute(f"select * from {LOAD_LOG}").df()
    yield read, log
    con.close()


@pytest.mark.slow  # seconds-long subprocess or whole-pipeline run; CI runs it
def test_batches_of_one_month_give_the_results_of_one_batch(raw_reader) -> None:
    """Batches of one month, one after the other or in two processes at once, merge into the
    results of all months validated together (the merged message in month order)."""
    read, log = raw_reader

    together = validate_in_batches(read, log, MONTHS, max_rows=10**9)
    by_month = validate_in_batches(read, log, MONTHS, max_rows=1)
    in_two_processes = validate_in_batches(read, log, MONTHS, max_rows=1, workers=2)

    def summary(results: list[RuleResult]) -> dict:
        return {(r.file, r.rule): (r.passed, r.bad_rows, r.months, r.paths) for r in results}

    assert summary(by_month) == summary(together)
    assert summary(in_two_processes) == summary(together)
    assert [r.message for r in in_two_processes] == [r.message for r in by_month]
    failed = {key: value for key, value in summary(together).items() if not value[0]}
    assert list(failed) == [("inventory", "value_ranges")]
    assert failed[("inventory", "value_ranges")][1] == 2
    assert failed[("inventory", "value_ranges")][2] == [MONTHS[0], MONTHS[2]]
