"""Nothing in the data folder or the files is passed over without a word: misplaced or
unmarked folders and files, codes with invisible characters, rows outside the months they
could apply to, a corrected file delivered again, a warehouse path that is a folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from sop_pipeline.cli import main
from sop_pipeline.ingest.contract import CAPACITY, CASH, ITEMS, RESOURCES, InputFile
from sop_pipeline.ingest.folder_checks import data_folder_warnings, missing_month_warnings
from sop_pipeline.runner import run_pipeline
from sop_pipeline.validate.engine import validate_months
from sop_pipeline_tests.conftest import copy_company, read_table

MONTH = dt.date(2025, 10, 1)


def _month(root: Path, name: str, *files: str) -> None:
    folder = root / name
    folder.mkdir(parents=True)
    for file in files:
        (folder / file).write_text("")


def test_folders_not_closed_closed_wrongly_or_misplaced_files_are_each_named(
    tmp_path: Path,
) -> None:
    _month(tmp_path, "2025-07")  # between closed months, unmarked
    _month(tmp_path, "2025-08", "_CLOSED")
    _month(tmp_path, "2025-09", "_closed")  # the marker misspelt
    _month(tmp_path, "2025-10", "_CLOSED")
    _month(tmp_path, "2025-11")  # the month going on
    _month(tmp_path, "master", "capacity.csv")  # a month file in master/
    (tmp_path / "items.csv").write_text("")  # a master file at the top

    warnings = data_folder_warnings(tmp_path)

    assert warnings == [
        "month folder 2025-07 has no _CLOSED file though later months do: it is skipped (its "
        "sales are missing from the history)",
        "month folder 2025-09 holds '_closed', not '_CLOSED' (the marker's exact name): the "
        "month is not closed, so it is not ingested or planned",
        "month folder 2025-11 is not closed yet (no _CLOSED file): it is ingested and planned "
        f"once `touch {tmp_path / '2025-11' / '_CLOSED'}`",
        "master/capacity.csv is not read: capacity.csv belongs in the month folder it describes "
        "(YYYY-MM/)",
        "items.csv is not read: it belongs in master/ (or a month folder, for that month only)",
    ]
    assert missing_month_warnings(tmp_path, [dt.date(2025, 6, 1), MONTH]) == [
        "month folder 2025-06 is gone but the warehouse holds it as ingested: its tables stay "
        "as they were loaded (restore the folder, or keep them knowingly)"
    ]


def test_a_warehouse_path_that_is_a_folder_stops_before_any_work(tmp_path: Path, capsys) -> None:
    _month(tmp_path / "data", "2025-10", "_CLOSED")
    folder = tmp_path / "some_folder"
    folder.mkdir()

    code = main(["run", "--data-dir", str(tmp_path / "data"), "--db", str(folder)])

    assert code == 2
    assert f"must be a file path, e.g. {folder / 'sop.duckdb'}" in capsys.readouterr().err
    assert list(folder.iterdir()) == []
    assert not (tmp_path / "data" / "warehouse").exists()


def _raw(spec: InputFile, rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(spec.column_names))
    frame.insert(0, "_line", range(2, len(rows) + 2))
    frame.insert(0, "plan_month", pd.Timestamp(MONTH))
    frame["_source_file"] = f"data/2025-10/{spec.filename}"
    return frame


def _validate(frames: dict[str, list[dict]], specs: list[InputFile]) -> dict:
    raw = {spec.name: _raw(spec, frames[spec.name]) for spec in specs}
    log = pd.DataFrame(
        {
            "plan_month": pd.Timestamp(MONTH),
            "file": [s.name for s in specs],
            "source_path": [f"data/2025-10/{s.filename}" for s in specs],
            "status": "loaded",
            "error": None,
            "columns": [list(s.column_names) for s in specs],
            "row_count": [len(raw[s.name]) for s in specs],
        }
    )
    return {(r.file, r.rule): r for r in validate_months(raw, log, [MONTH], files=specs)}


ITEM = {"item": "FG1", "item_type": "finished_good", "family": "Face", "unit_cost": "5",
        "unit_price": "20", "lead_time_days": "14"}  # fmt: skip


def test_a_family_with_a_zero_width_space_stops_the_month_showing_it() -> None:
    second = ITEM | {"item": "FG2", "family": "Face\u200b"}
    result = _validate({ITEMS.name: [ITEM, second]}, [ITEMS])[("items", "codes_visible")]
    assert not result.passed and result.blocking
    assert "family holds an invisible character" in result.message
    assert "family 'Face\\u200b'" in result.message
    assert "data/2025-10/items.csv line 3" in result.message


def test_capacity_beyond_the_horizon_and_cash_known_only_later_are_warned() -> None:
    line = {"resource": "LINE", "capacity_per_month": "100"}
    capacity = [
        {"month": "2025-12", "resource": "LINE", "capacity_per_month": "80"},
        {"month": "2205-12", "resource": "LINE", "capacity_per_month": "0"},
    ]
    cash = [{"as_of_month": "2026-03", "opening_cash": "1000", "monthly_operating_burn": "10"}]
    results = _validate(
        {RESOURCES.name: [line], CAPACITY.name: capacity, CASH.name: cash},
        [RESOURCES, CAPACITY, CASH],
    )
    ahead = results[("capacity", "capacity_months_ahead")]
    assert not ahead.passed and not ahead.blocking
    assert "1 row where month is outside the 12 months after the plan month: ignored" in (
        ahead.message
    )
    assert "line 3" in ahead.message
    known = results[("cash", "cash_known_at_plan_month")]
    assert not known.passed and not known.blocking
    assert "no row is at or before the plan month: no opening cash" in known.message


@pytest.mark.slow  # a whole plan; run by .ci/run with -m slow
def test_a_corrected_file_for_an_ingested_month_is_ingested_again(
    planned_company: Path, tmp_path: Path
) -> None:
    paths = copy_company(planned_company, tmp_path / "co")
    sales = paths.data_dir / "2025-08" / "sales.csv"
    lines = sales.read_text().splitlines()
    fields = lines[1].split(",")
    fields[2] = fields[3] = str(int(fields[2]) + 1000)  # ordered and shipped
    lines[1] = ",".join(fields)
    sales.write_text("\n".join(lines) + "\n")
    said: list[str] = []

    summary = run_pipeline(paths, dt.date(2025, 9, 1), echo=said.append)

    assert dt.date(2025, 8, 1) in summary.ingested
    assert "2025-08: its files changed since it was ingested; ingesting it again" in said
    replan = [w for w in summary.warnings if "keep their plans" in w]
    assert replan == [
        "months planned on the files before they changed keep their plans: 2025-08; re-plan "
        "each with `sop-pipeline run --month YYYY-MM`"
    ]
    staged = read_table(
        paths.work_db,
        "select max(shipped_qty) as q from staging.sales where plan_month = '2025-08-01'",
    )
    assert staged["q"].iloc[0] >= 1000
