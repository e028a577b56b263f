"""One ``sop-pipeline run`` at a time per warehouse, and who holds it.

The lock is an advisory ``flock`` on a small file beside the working warehouse, holding the
holder's process id, command and start time. The operating system releases it when the holder
ends in any way (kill -9 included), so a lock file left behind by a dead run never blocks the next
one, and "a run holds the lock" is true exactly while that process lives.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path


class WarehouseBusy(RuntimeError):
    """Another run holds the warehouse's lock."""


@dataclass(frozen=True)
class LockHolder:
    pid: int
    started: str
    command: str

    def describe(self) -> str:
        return f"process {self.pid} ('{self.command}', started {self.started})"


def lock_path(work_db: Path) -> Path:
    """The lock file of the warehouse whose working file is ``work_db``."""
    return work_db.with_name(work_db.name + ".run-lock")


@contextlib.contextmanager
def run_lock(path: Path, *, wait_seconds: float, poll_seconds: float = 0.5) -> Iterator[None]:
    """Hold the lock at ``path`` for the block; wait up to ``wait_seconds`` for it.

    Raises:
        WarehouseBusy: naming the process that holds it, when it is not free in time.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_seconds
        while not _try_lock(fd, fcntl.LOCK_EX):
            if time.monotonic() >= deadline:
                holder = read_holder(path)
                who = holder.describe() if holder else "another process"
                raise WarehouseBusy(
                    f"another sop-pipeline run is using this warehouse: {who}; waited "
                    f"{wait_seconds:.0f} s for it to finish (lock file {path}). Run again when "
                    "it is done; `sop-pipeline status` shows it."
                )
            time.sleep(poll_seconds)
        os.ftruncate(fd, 0)
        record = {
            "pid": os.getpid(),
            "started": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        }
        os.pwrite(fd, json.dumps(record).encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def running_holder(path: Path) -> LockHolder | None:
    """The live process holding the lock at ``path``, or None when no run is going on.

    Read-only: it neither creates the file nor takes the lock for longer than a test.
    """
    if not path.is_file():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        if _try_lock(fd, fcntl.LOCK_SH):
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
    finally:
        os.close(fd)
    return read_holder(path) or LockHolder(pid=0, started="?", command="?")


def read_holder(path: Path) -> LockHolder | None:
    """What the lock file says about its last holder (which may have ended)."""
    try:
        record = json.loads(path.read_text() or "null")
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    return LockHolder(
        pid=int(record.get("pid", 0)),
        started=str(record.get("started", "?")),
        command=str(record.get("command", "?")),
    )


def _try_lock(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
