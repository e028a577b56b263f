"""Idempotent and crash-safe: a month run twice, or killed part-way and run again, leaves exactly
the warehouse of one uninterrupted run."""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

import sop_pipeline.definitions as definitions
from sop_pipeline.jobs import INGEST_GROUPS
from sop_pipeline.lib.instance import open_instance
from sop_pipeline.paths import Paths
from sop_pipeline.runner import run_pipeline
from sop_pipeline_tests.conftest import command_environment, copy_company

# Both tests compare with one uninterrupted run: keep them on one xdist worker.
pytestmark = pytest.mark.xdist_group("october_reference")

# Columns that record when or by which run a row was written: they differ between runs.
RUN_COLUMNS = re.compile(r"(_at|^run_id)$")
COMPARED_SCHEMAS = ("sop_mart", "staging")
SOP_PIPELINE = Path(sys.executable).with_name("sop-pipeline")
KILL_TIMEOUT_S = 240


def as_compared(frame: pd.DataFrame, root: Path) -> pd.DataFrame:
    """Without run-stamp columns, as text (floats to their last bit) with the company's folder
    spelled ``<root>``, rows in the order they are stored: two companies in different folders
    then compare equal, and a re-plan must write the same bytes in the same order."""
    frame = frame.drop(columns=[c for c in frame.columns if RUN_COLUMNS.search(c)])
    if "plan_month" in frame.columns:  # a re-planned month is appended after the others
        frame = frame.sort_values("plan_month", kind="stable")
    text = frame.astype(str).apply(lambda column: column.str.replace(str(root), "<root>"))
    return text.reset_index(drop=True)


def tables(
    db: Path, root: Path, schemas: tuple[str, ...] = COMPARED_SCHEMAS
) -> dict[str, pd.DataFrame]:
    """Every table of ``schemas`` of the warehouse ``db``, as :func:`as_compared` shows it."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables()"
            " where schema_name in (select unnest(?)) order by 1",
            [list(schemas)],
        ).fetchall()
        out = {}
        for (name,) in names:
            out[name] = as_compared(con.execute(f"select * from {name}").df(), root)
        return out
    finally:
        con.close()


def exports(folder: Path, root: Path) -> dict[str, pd.DataFrame]:
    """Every Parquet export under ``folder``, as :func:`as_compared` shows it."""
    return {
        str(path.relative_to(folder)): as_compared(pd.read_parquet(path), root)
        for path in sorted(folder.glob("*/*.parquet"))
    }


def warehouse_state(paths: Paths) -> dict[str, dict[str, pd.DataFrame]]:
    """The working file's marts and staging, the serving file's marts and the exports."""
    root = paths.data_dir.parent
    state = {"working": tables(paths.work_db, root)}
    if paths.db.exists():
        state["serving"] = tables(paths.db, root, ("sop_mart",))
        state["exports"] = exports(paths.db.parent / "exports", root)
    return state


def assert_same_state(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for part in expected:
        assert got[part].keys() == expected[part].keys(), part
        for name, frame in expected[part].items():
            pd.testing.assert_frame_equal(got[part][name], frame, obj=f"{part} {name}")


@pytest.fixture(scope="module")
def october_reference(planned_company: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The warehouse after October is run once, uninterrupted, on a copy of the planned
    company: what every rerun or crash-and-rerun must reproduce."""
    paths = copy_company(planned_company, tmp_path_factory.mktemp("october_reference"))
    run_pipeline(paths, echo=lambda _: None)  # October: ingest and plan
    return {"root": paths.data_dir.parent, "state": warehouse_state(paths)}


def test_running_the_same_month_twice_leaves_identical_rows(
    october_reference: dict, tmp_path: Path
) -> None:
    paths = copy_company(october_reference["root"], tmp_path / "company")

    summary = run_pipeline(paths, echo=lambda _: None)  # the plan month again

    # the Dagster instance says every month is ingested (October with the same files) and the
    # earlier months published: only October is planned again
    assert summary.ingested == [] and summary.planned == [summary.plan_month]
    assert_same_state(warehouse_state(paths), october_reference["state"])
    assert october_reference["state"]["working"], "nothing was compared"


def plan_assets_exist() -> bool:
    """Whether ``sop-pipeline run`` plans (runs beyond ingest) with the current definitions."""
    graph = definitions.defs.resolve_asset_graph()
    return any(
        graph.get(key).group_name not in INGEST_GROUPS
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    )


def wait_for_kill_point(
    process: subprocess.Popen, home: Path, *, plan_run: bool, timeout: float
) -> str:
    """Wait until a run of ``sop-pipeline run`` (recorded in the Dagster home ``home``) has
    materialized its first asset: the first plan-month run when the command plans, else the
    ingest run. Returns that run's id."""
    runs_db = home / "history" / "runs.db"
    deadline = time.monotonic() + timeout
    instance = None
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(
                    f"sop-pipeline ended (rc {process.returncode}) before the kill"
                )
            if instance is None and runs_db.exists():
                time.sleep(0.5)  # let the command finish creating its storage
                instance = open_instance(home)
            if instance is not None:
                started = dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
                for run in instance.get_runs(started):
                    if plan_run and not _is_plan_run(run):
                        continue
                    if instance.all_logs(
                        run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
                    ):
                        return run.run_id
            time.sleep(0.1)
    finally:
        if instance is not None:
            instance.dispose()
    raise AssertionError(f"no run reached the kill point within {timeout} s")


def _is_plan_run(run: dg.DagsterRun) -> bool:
    # ingest runs of several months carry a partition range; a plan run carries one month
    # and selects no ingest asset
    return "dagster/partition" in run.tags and not any(
        key.path[0] == "raw" for key in (run.asset_selection or ())
    )


@pytest.mark.slow  # seconds-long subprocess or whole-pipeline run; CI runs it
def test_a_run_killed_part_way_then_rerun_matches_an_uninterrupted_run(
    planned_company: Path, october_reference: dict, tmp_path: Path
) -> None:
    """From the same planned months as the reference, October is run, killed, run again."""
    killed = copy_company(planned_company, tmp_path / "killed")
    plan_run = plan_assets_exist()
    env = command_environment(DAGSTER_HOME=str(killed.dagster_home))
    command = [SOP_PIPELINE, "run", "--data-dir", str(killed.data_dir), "--db", str(killed.db)]
    log = (tmp_path / "killed.log").open("wb")
    process = subprocess.Popen(
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        run_id = wait_for_kill_point(
            process, killed.dagster_home, plan_run=plan_run, timeout=KILL_TIMEOUT_S
        )
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        log.close()
    assert process.returncode == -signal.SIGKILL
    with open_instance(killed.dagster_home) as instance:
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED  # cut short

    run_pipeline(killed, echo=lambda _: None)  # the same command again, after the crash
    with open_instance(killed.dagster_home) as instance:
        # the next run marks the killed one failed, so no tool shows it running forever
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE

    assert_same_state(warehouse_state(killed), october_reference["state"])
    leftovers = [p.name for p in killed.db.parent.iterdir() if ".tmp-" in p.name]
    assert leftovers == []
