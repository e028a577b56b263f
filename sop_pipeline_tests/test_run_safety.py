"""Runs that know about each other, a working file that fails in words, a status that tells the
truth about runs that died. None of these needs the pipeline to plan anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from sop_pipeline.lib.instance import open_instance
from sop_pipeline.lib.run_lock import lock_path, run_lock
from sop_pipeline.runner import LAUNCHED_BY, PipelineFailed, fail_abandoned_runs, run_pipeline
from sop_pipeline.status import status_lines
from sop_pipeline_tests.conftest import paths_for


def _company(root: Path, folders: tuple[str, ...] = ("2025-10",)):
    paths = paths_for(root)
    for name in folders:
        (paths.data_dir / name).mkdir(parents=True)
        (paths.data_dir / name / "_CLOSED").write_text("")
    return paths


def test_a_second_run_waits_then_exits_3_naming_the_first(tmp_path: Path) -> None:
    paths = _company(tmp_path, ("2025-10", "2025-10 copy"))
    said: list[str] = []
    paths.work_db.parent.mkdir(parents=True)
    with (
        run_lock(lock_path(paths.work_db), wait_seconds=0),
        pytest.raises(PipelineFailed) as failure,
    ):
        run_pipeline(paths, echo=said.append, lock_wait_seconds=0.5)
    assert failure.value.exit_code == 3
    message = str(failure.value)
    assert "another sop-pipeline run is using this warehouse: process" in message
    assert "waited 0 s" in message or "waited 1 s" in message
    # and the folder that looks like a month was not passed over in silence
    assert said and said[0].startswith("warning: folder '2025-10 copy' (it holds _CLOSED)")


def test_a_damaged_working_file_stops_the_run_with_the_way_to_rebuild(tmp_path: Path) -> None:
    paths = _company(tmp_path)
    paths.work_db.parent.mkdir(parents=True)
    paths.work_db.write_bytes(b"not a database" * 1000)
    with pytest.raises(PipelineFailed) as failure:
        run_pipeline(paths, echo=lambda _: None)
    message = str(failure.value)
    assert "cannot be read" in message and "not a valid DuckDB database file" in message
    assert f"mv {paths.work_db} {paths.work_db}.damaged" in message
    assert "Traceback" not in message


def test_a_reader_on_the_working_file_is_named_at_once(tmp_path: Path) -> None:
    paths = _company(tmp_path)
    paths.work_db.parent.mkdir(parents=True)
    duckdb.connect(str(paths.work_db)).close()
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(60)",
            str(paths.work_db),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == b"open"
        with pytest.raises(PipelineFailed) as failure:
            run_pipeline(paths, echo=lambda _: None)
    finally:
        reader.kill()
        reader.wait(timeout=30)
    message = str(failure.value)
    assert f"is open in process {reader.pid}" in message
    assert f"open the served file {paths.db} instead" in message


def _record_run(paths, status: dg.DagsterRunStatus) -> str:
    paths.prepare()
    with open_instance(paths.dagster_home) as instance:
        run = instance.add_run(
            dg.DagsterRun(
                job_name="monthly_plan_job",
                status=status,
                tags={**LAUNCHED_BY, "dagster/partition": "2025-10-01"},
            )
        )
        return run.run_id


def test_status_shows_a_run_whose_process_died_and_the_next_run_marks_it_failed(
    tmp_path: Path,
) -> None:
    paths = _company(tmp_path)
    run_id = _record_run(paths, dg.DagsterRunStatus.STARTED)

    lines = status_lines(paths)
    last = next(line for line in lines if line.startswith("last run"))
    assert "died (monthly_plan_job, 2025-10-01)" in last
    assert "running now" not in "\n".join(lines)

    with run_lock(lock_path(paths.work_db), wait_seconds=0):  # while a run is on, it is running
        lines = status_lines(paths)
        assert any(line.startswith("running now     process") for line in lines)
        assert not any("died" in line for line in lines)
        with open_instance(paths.dagster_home) as instance:
            assert fail_abandoned_runs(instance) == [run_id]
            assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
    last = next(line for line in status_lines(paths) if line.startswith("last run"))
    assert last.startswith("last run        failure (monthly_plan_job")


def test_status_reports_a_damaged_working_file_and_odd_folders(tmp_path: Path) -> None:
    paths = _company(tmp_path, ("2025-09", "2025-13"))
    paths.work_db.parent.mkdir(parents=True)
    paths.work_db.write_bytes(b"x" * 5000)
    lines = status_lines(paths)
    damaged = [line for line in lines if line.startswith("working file    DAMAGED: ")]
    assert damaged and f"mv {paths.work_db}" in damaged[0]
    assert any(
        line.startswith("warning         folder '2025-13' (it holds _CLOSED) is ignored")
        for line in lines
    )


def test_status_names_the_step_that_failed_when_every_check_passed(tmp_path: Path) -> None:
    @dg.asset
    def inventory_policy() -> None:
        raise ValueError("BOM row FG1 -> C2 has qty_per 0")

    paths = _company(tmp_path)
    paths.prepare()
    duckdb.connect(str(paths.work_db)).close()
    with open_instance(paths.dagster_home) as instance:
        dg.materialize([inventory_policy], instance=instance, raise_on_error=False)
    lines = status_lines(paths)
    assert "failing checks  none" in lines
    failed = [line for line in lines if line.startswith("  failed step inventory_policy: ")]
    assert failed and "BOM row FG1 -> C2 has qty_per 0" in failed[0]
