"""Can the working warehouse be opened? And if not, what a person should do about it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>\S+) \(PID (?P<pid>\d+)\)")


@dataclass(frozen=True)
class WarehouseProblem:
    kind: str  # 'in_use' (another program has it open) or 'damaged'
    message: str


def working_file_problem(work_db: Path, served_db: Path, *, write: bool) -> WarehouseProblem | None:
    """Open ``work_db`` as a run would (``write``) or as ``status`` does (read-only) and read
    its catalog; None when that works or the file does not exist yet."""
    if not work_db.exists():
        return None
    try:
        con = duckdb.connect(str(work_db), read_only=not write)
        try:
            con.execute("select count(*) from duckdb_tables()").fetchall()
        finally:
            con.close()
    except duckdb.Error as exc:
        return _explain(work_db, served_db, str(exc))
    return None


def _explain(work_db: Path, served_db: Path, error: str) -> WarehouseProblem:
    holder = _HOLDER.search(error)
    if holder or "Could not set lock" in error:
        who = f"process {holder['pid']} ({holder['program']})" if holder else "another program"
        return WarehouseProblem(
            "in_use",
            f"the working warehouse {work_db} is open in {who}, so a run cannot write it. Close "
            f"that program's connection. To read the warehouse while runs go on, open the served "
            f"file {served_db} instead: every run replaces it atomically and never waits for "
            "its readers.",
        )
    return WarehouseProblem(
        "damaged",
        f"the working warehouse {work_db} cannot be read ({error.splitlines()[0]}). It is "
        "rebuilt from the raw inputs: move it aside (e.g. `mv "
        f"{work_db} {work_db}.damaged`) and run `sop-pipeline run` again; every closed month "
        "is ingested and planned again from the data folder. The served file "
        f"{served_db} is not affected and stays readable meanwhile.",
    )
