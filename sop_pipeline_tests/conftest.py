"""Shared fixtures: a tiny company on disk and an isolated warehouse + Dagster home per test."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from filelock import FileLock

from sop_pipeline.runner import Paths, run_pipeline
from sop_pipeline_tests.tiny_company import write_tiny_company

ENV_VARS = (
    "SOP_DATA_DIR",
    "SOP_DUCKDB_PATH",
    "SOP_WORK_DUCKDB_PATH",
    "SOP_SETTINGS_FILE",
    "DAGSTER_HOME",
)


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs export paths into os.environ; restore it after every test."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def paths_for(root: Path) -> Paths:
    """Paths of a company under ``root/data`` with its warehouse under ``root/warehouse``."""
    warehouse = root / "warehouse"
    return Paths(
        data_dir=root / "data",
        db=warehouse / "sop.duckdb",
        work_db=warehouse / "sop.work.duckdb",
        settings_file=root / "data" / "settings.yaml",
        dagster_home=warehouse / "dagster_home",
    )


@pytest.fixture
def tiny_paths(tmp_path: Path) -> Paths:
    """A fresh tiny company (4 closed months, 2025-07..2025-10) and an empty warehouse."""
    paths = paths_for(tmp_path)
    write_tiny_company(paths.data_dir, "2025-07", 4)
    return paths


def snapshot(db: Path, months: list | None = None) -> dict[str, pd.DataFrame]:
    """Every table's rows (optionally only the given plan months), sorted, for comparison."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
        out = {}
        for (table,) in tables:
            frame = con.execute(f"select * from {table}").df()
            if months is not None and "plan_month" in frame:
                frame = frame[pd.to_datetime(frame["plan_month"]).isin(pd.to_datetime(months))]
            as_text = frame.astype(str)
            out[table] = as_text.sort_values(list(as_text.columns)).reset_index(drop=True)
        return out
    finally:
        con.close()


def copy_company(source: Path, target: Path) -> Paths:
    """Copy a company and its warehouse (files and Dagster home) to ``target``."""
    shutil.copytree(source, target, dirs_exist_ok=True)
    return paths_for(target)


def pytest_configure(config: pytest.Config) -> None:
    """Keep test warehouses in memory-backed /dev/shm where there is one: every DuckDB
    checkpoint and Dagster event commit would otherwise wait for a disk fsync."""
    shm = Path("/dev/shm")
    if config.option.basetemp is None and shm.is_dir() and not hasattr(config, "workerinput"):
        config.option.basetemp = shm / f"sop-pytest-{os.getpid()}"


def built_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]
) -> Path:
    """A folder ``build`` fills once per test session, shared by all pytest-xdist workers: the
    first worker to ask builds it under a file lock, the others wait for it and reuse it."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root, done = shared / name, shared / f"{name}.done"
    with FileLock(str(shared / f"{name}.lock")):
        if not done.exists():
            shutil.rmtree(root, ignore_errors=True)
            with pytest.MonkeyPatch.context() as mp:
                for variable in ENV_VARS:
                    mp.delenv(variable, raising=False)
                build(root)
            done.touch()
    return root


def _plan_tiny_company(root: Path) -> None:
    paths = paths_for(root)
    write_tiny_company(paths.data_dir, "2025-07", 4)
    run_pipeline(paths, dt.date(2025, 9, 1), echo=lambda _: None)


@pytest.fixture(scope="session")
def planned_company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny company with 2025-07..2025-09 ingested and planned (2025-10 closed, not run).

    Built once per session; tests that change it work on a copy (:func:`copy_company`).
    """
    return built_once(tmp_path_factory, "planned_company", _plan_tiny_company)


def read_table(db: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    """Query a warehouse file read-only."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).df()
    finally:
        con.close()
