"""A damaged or busy working warehouse is explained in words, with what to do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from sop_pipeline.lib.warehouse_health import working_file_problem


def _warehouse(path: Path) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create table t as select range as i from range(300000)")
    con.close()
    return path


def test_a_healthy_or_absent_file_has_no_problem(tmp_path: Path) -> None:
    work = _warehouse(tmp_path / "sop.work.duckdb")
    assert working_file_problem(work, tmp_path / "sop.duckdb", write=True) is None
    assert working_file_problem(work, tmp_path / "sop.duckdb", write=False) is None
    assert working_file_problem(tmp_path / "none.duckdb", tmp_path / "s", write=False) is None


def test_a_truncated_file_is_reported_damaged_with_the_way_to_rebuild(tmp_path: Path) -> None:
    work = _warehouse(tmp_path / "sop.work.duckdb")
    work.write_bytes(work.read_bytes()[: work.stat().st_size // 3])
    problem = working_file_problem(work, tmp_path / "sop.duckdb", write=False)
    assert problem is not None and problem.kind == "damaged"
    assert "Could not read enough bytes" in problem.message
    assert f"mv {work} {work}.damaged" in problem.message
    assert "sop-pipeline run" in problem.message


def test_a_reader_on_the_working_file_is_named_and_sent_to_the_served_file(tmp_path: Path) -> None:
    work = _warehouse(tmp_path / "sop.work.duckdb")
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(60)",
            str(work),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == b"open"
        problem = working_file_problem(work, tmp_path / "sop.duckdb", write=True)
    finally:
        reader.kill()
        reader.wait(timeout=30)
    assert problem is not None and problem.kind == "in_use"
    assert f"process {reader.pid}" in problem.message
    assert str(tmp_path / "sop.duckdb") in problem.message
