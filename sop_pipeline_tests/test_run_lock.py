"""One run at a time per warehouse: the second waits a bounded time, then names the first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sop_pipeline.lib.run_lock import WarehouseBusy, lock_path, run_lock, running_holder

HOLD = """
import sys, time
from pathlib import Path
from sop_pipeline.lib.run_lock import run_lock
with run_lock(Path(sys.argv[1]), wait_seconds=0):
    print("held", flush=True)
    time.sleep(60)
"""


def test_lock_file_sits_beside_the_working_file(tmp_path: Path) -> None:
    assert lock_path(tmp_path / "sop.work.duckdb") == tmp_path / "sop.work.duckdb.run-lock"


def test_a_second_run_waits_then_names_the_running_one(tmp_path: Path) -> None:
    path = tmp_path / "sop.work.duckdb.run-lock"
    with run_lock(path, wait_seconds=0):
        holder = running_holder(path)
        assert holder is not None and holder.pid == os.getpid()
        started = time.monotonic()
        with (
            pytest.raises(WarehouseBusy) as busy,
            run_lock(path, wait_seconds=0.6, poll_seconds=0.1),
        ):
            pass  # pragma: no cover - must not be reached
        waited = time.monotonic() - started
        assert 0.5 <= waited < 5
        assert f"process {os.getpid()}" in str(busy.value)
        assert "waited 1 s" in str(busy.value)
    assert running_holder(path) is None
    with run_lock(path, wait_seconds=0):  # free again
        pass


def test_a_killed_run_leaves_no_lock(tmp_path: Path) -> None:
    path = tmp_path / "sop.work.duckdb.run-lock"
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == b"held"
        holder = running_holder(path)
        assert holder is not None and holder.pid == process.pid
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert running_holder(path) is None
    with run_lock(path, wait_seconds=0):
        pass


def test_status_reading_the_lock_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "absent" / "sop.work.duckdb.run-lock"
    assert running_holder(path) is None
    assert not path.parent.exists()
