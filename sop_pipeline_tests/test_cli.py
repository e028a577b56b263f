"""The ``sop-pipeline`` command: exit codes and messages.

One test starts the installed command in its own process, as a user does; the others call
``sop_pipeline.cli.main`` in the test process (the same code, without a new interpreter's
imports).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sop_pipeline.cli import main
from sop_pipeline.status import status_lines
from sop_pipeline_tests.conftest import LOCATION_VARIABLES, copy_company, paths_for
from sop_pipeline_tests.tiny_company import write_tiny_company

SOP_PIPELINE = Path(sys.executable).with_name("sop-pipeline")


def _run(args: list[str], home: Path) -> subprocess.CompletedProcess:
    """The installed command in a new process, with ``home`` as its Dagster home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOP_", "DAGSTER_"))}
    env["DAGSTER_HOME"] = str(home)
    return subprocess.run(
        [str(SOP_PIPELINE), *args], capture_output=True, text=True, env=env, timeout=600
    )


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """``cli(args, home)``: ``main(args)`` in this process, with ``home`` as the Dagster home
    and no other location variable set."""

    def run(args: list[str], home: Path) -> Result:
        for name in LOCATION_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        capsys.readouterr()
        code = main(args)
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def test_bad_input_exits_non_zero_naming_file_check_and_rows(
    planned_company: Path, tmp_path: Path
) -> None:
    paths = copy_company(planned_company, tmp_path / "company")
    inventory = paths.data_dir / "2025-10" / "inventory.csv"
    inventory.write_text(inventory.read_text().replace("FG3,60,", "FG3,-60,"))

    result = _run(
        ["run", "--data-dir", str(paths.data_dir), "--db", str(paths.db)], paths.dagster_home
    )

    assert result.returncode == 1
    assert "2025-10/inventory.csv" in result.stderr
    assert "check 'value_ranges'" in result.stderr
    assert "1 row where on_hand_qty is negative" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow  # seconds-long subprocess or whole-pipeline run; CI runs it
def test_the_installed_command_ends_with_its_exit_code_and_all_its_output(
    planned_company: Path,
) -> None:
    """The console script ends the process without the interpreter's teardown: the exit code
    and every line printed must still come out."""
    paths = paths_for(planned_company)
    where = ["--data-dir", str(paths.data_dir), "--db", str(paths.db)]

    status = _run(["status", *where], paths.dagster_home)
    assert status.returncode == 0, status.stderr
    assert status.stdout.rstrip().splitlines()[-1].startswith("failing checks")

    assert _run(["--help"], paths.dagster_home).returncode == 0
    wrong = _run(["plan"], paths.dagster_home)
    assert wrong.returncode == 2 and "invalid choice: 'plan'" in wrong.stderr
    not_closed = _run(["run", "--month", "2031-01", *where], paths.dagster_home)
    assert not_closed.returncode == 2 and "2031-01 is not a closed month" in not_closed.stderr


def test_a_month_that_is_not_closed_is_refused(tmp_path: Path, cli) -> None:
    paths = paths_for(tmp_path)
    write_tiny_company(paths.data_dir, "2025-07", 2)
    result = cli(
        ["run", "--month", "2025-12", "--data-dir", str(paths.data_dir), "--db", str(paths.db)],
        paths.dagster_home,
    )
    assert result.returncode == 2
    assert "2025-12 is not a closed month" in result.stderr


def test_invalid_settings_exit_2_naming_the_setting(tmp_path: Path, cli) -> None:
    paths = paths_for(tmp_path)
    write_tiny_company(paths.data_dir, "2025-07", 1)
    paths.settings_file.write_text("planning_months_back: -1\n")

    result = cli(["run", "--data-dir", str(paths.data_dir)], tmp_path / "home")

    assert result.returncode == 2
    assert str(paths.settings_file) in result.stderr
    assert "planning_months_back" in result.stderr
    assert "Traceback" not in result.stderr


def test_status_reports_closed_ingested_and_planned_months(planned_company: Path, cli) -> None:
    paths = paths_for(planned_company)
    result = cli(
        ["status", "--data-dir", str(paths.data_dir), "--db", str(paths.db)], paths.dagster_home
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "2025-07..2025-10 (4)" in lines["closed"]
    assert "2025-07..2025-09 (3)" in lines["ingested"] and "not yet: 2025-10" in lines["ingested"]
    assert "2025-07, 2025-08, 2025-09" in lines["planned"]
    assert lines["meeting"].split()[2:] == ["2025-09", "(published)"]
    assert "success" in lines["last"]


def tree(root: Path) -> dict[str, tuple[int, int] | None]:
    """Every file under ``root`` with its size and modification time, and every folder.

    (Reading Dagster's SQLite files makes SQLite create and delete its transient ``-wal`` and
    ``-shm`` files, which changes the folders' modification times but no file.)
    """
    return {
        str(path.relative_to(root)): (
            (path.stat().st_size, path.stat().st_mtime_ns) if path.is_file() else None
        )
        for path in sorted(root.rglob("*"))
    }


def _lines(paths) -> dict[str, str]:
    return {line.split()[0]: line for line in status_lines(paths) if line.strip()}


def test_status_writes_nothing_and_claims_only_what_the_warehouse_holds(
    planned_company: Path, tmp_path: Path
) -> None:
    paths = copy_company(planned_company, tmp_path / "company")
    before = tree(tmp_path)
    lines = _lines(paths)
    assert tree(tmp_path) == before
    assert "2025-07..2025-09 (3)" in lines["ingested"]
    assert "2025-07, 2025-08, 2025-09" in lines["planned"]

    # the Dagster record still lists the months; the warehouse no longer holds August's plan
    # nor any month's ingest summary
    con = duckdb.connect(str(paths.work_db))
    con.execute("drop table staging.ingest_summary")
    con.execute("delete from sop_mart.forecast where plan_month = '2025-08-01'")
    con.close()
    lines = _lines(paths)
    assert lines["ingested"].startswith("ingested        none")
    assert "2025-07, 2025-09" in lines["planned"] and "2025-08" not in lines["planned"]


def test_status_of_a_company_never_run_creates_nothing(tmp_path: Path) -> None:
    paths = paths_for(tmp_path)
    write_tiny_company(paths.data_dir, "2025-07", 2)
    before = tree(tmp_path)

    lines = _lines(paths)

    assert tree(tmp_path) == before and not paths.db.parent.exists()
    assert "2025-07..2025-08 (2)" in lines["closed"]
    assert "none" in lines["ingested"] and "none" in lines["planned"]
    assert "none" in lines["last"]


def test_forecast_command_writes_the_contracted_columns(tmp_path: Path, cli) -> None:
    months = pd.date_range("2021-01-01", periods=48, freq="MS")
    series = pd.concat(
        pd.DataFrame({"unique_id": uid, "ds": months, "y": base + 10 * (months.month % 12)})
        for uid, base in (("a", 100.0), ("b", 40.0))
    )
    source, target = tmp_path / "in.csv", tmp_path / "out.csv"
    series.to_csv(source, index=False)
    result = cli(
        ["forecast", "--input", str(source), "--horizon", "6", "--output", str(target)], tmp_path
    )
    assert result.returncode == 0, result.stderr
    out = pd.read_csv(target)
    assert list(out.columns) == [
        "unique_id",
        "ds",
        "yhat",
        "lo-80",
        "hi-80",
        "lo-95",
        "hi-95",
        "model",
    ]
    assert len(out) == 12 and (out["lo-95"] <= out["yhat"]).all()
