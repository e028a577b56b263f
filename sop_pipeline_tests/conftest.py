"""Shared fixtures: a tiny company on disk and an isolated warehouse + Dagster home per test."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from filelock import FileLock

from sop_pipeline.paths import Paths
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.runner import run_pipeline
from sop_pipeline_tests.tiny_company import write_tiny_company

LOCATION_VARIABLES = (
    "SOP_DATA_DIR",
    "SOP_DUCKDB_PATH",
    "SOP_WORK_DUCKDB_PATH",
    "SOP_SETTINGS_FILE",
    "DAGSTER_HOME",
)
"""The variables ``sop-pipeline`` and ``dagster dev`` read for a company's paths: left out of
the environment of the commands tests start, which name their company explicitly."""


def command_environment(**variables: str) -> dict[str, str]:
    """This process's environment without :data:`LOCATION_VARIABLES`, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if k not in LOCATION_VARIABLES}
    return env | variables


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


SHM = Path("/dev/shm")
_SHM_BASETEMP = pytest.StashKey[Path]()


def _shm_prefix(config: pytest.Config) -> str:
    """``sop-pytest-<checkout>-``: the temporary folders of this checkout's sessions."""
    checkout = hashlib.sha1(str(config.rootpath).encode()).hexdigest()[:8]
    return f"sop-pytest-{checkout}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def pytest_configure(config: pytest.Config) -> None:
    """Keep test warehouses in memory-backed /dev/shm where there is one: every DuckDB
    checkpoint and Dagster event commit would otherwise wait for a disk fsync.

    Memory is scarce too: a session removes its folder when it passes (see
    :func:`pytest_sessionfinish`) and the folders of this checkout's finished sessions, so a
    failed session's files stay for a look until the next one starts.
    """
    if config.option.basetemp is None and SHM.is_dir() and not hasattr(config, "workerinput"):
        prefix = _shm_prefix(config)
        for stale in SHM.glob(f"{prefix}*"):
            pid = stale.name.removeprefix(prefix)
            if pid.isdigit() and not _alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)
        config.option.basetemp = SHM / f"{prefix}{os.getpid()}"
        config.stash[_SHM_BASETEMP] = config.option.basetemp


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Remove this session's /dev/shm folder once every test passed."""
    basetemp = session.config.stash.get(_SHM_BASETEMP, None)
    if basetemp is not None and exitstatus == pytest.ExitCode.OK:
        shutil.rmtree(basetemp, ignore_errors=True)


SESSION_COMPANIES = ("planned_company", "generated_company")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the tests so that the two pytest-xdist workers build the two session companies at
    the same time instead of one waiting for the other: the tests of the first company open
    the first half of the list (the first worker's share), those of the second open the second
    half. Collection order is kept within each part."""
    first, second = (
        [item for item in items if company in getattr(item, "fixturenames", ())]
        for company in SESSION_COMPANIES
    )
    second = [item for item in second if item not in first]
    taken = {id(item) for item in first + second}
    rest = [item for item in items if id(item) not in taken]
    middle = max(0, len(items) // 2 - len(first))  # where pytest-xdist cuts the list in two
    items[:] = first + rest[:middle] + second + rest[middle:]


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


def run_check(
    db: Path, asset: dg.AssetsDefinition, check: dg.AssetChecksDefinition, month: str
) -> dg.AssetCheckEvaluation:
    """Run only ``check`` (not its asset) for the plan month ``month`` (``YYYY-MM-01``) against
    the warehouse ``db``."""
    result = dg.materialize(
        [asset, check],
        selection=dg.AssetSelection.checks(check),
        tags={"dagster/partition": month},
        resources={
            "warehouse": WarehouseResource(database=str(db)),
            "settings": SettingsResource(),
        },
        raise_on_error=False,
    )
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) == 1, [e.check_name for e in evaluations]
    return evaluations[0]
