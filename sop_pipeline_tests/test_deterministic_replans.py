"""Re-planning gives the same bytes whatever the process: no float sum may depend on the order
Python happens to iterate a set of item codes in (which changes with ``PYTHONHASHSEED`` from
one process to the next)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from sop_pipeline_tests.conftest import command_environment, paths_for

SOP_PIPELINE = str(Path(sys.executable).with_name("sop-pipeline"))
RUN_DEPENDENT = {
    # when and where a run wrote, not what it planned
    "sop_mart.meeting_pack": {"generated_at", "html_path"},
    "staging.ingest_summary": {"staged_at"},
}


def _seasonal_panel(path: Path) -> None:
    """24 seasonal series in two families, 36 months: enough mature series for the family and
    portfolio seasonal indices, which average over the family's members."""
    rng = np.random.default_rng(3)
    months = pd.date_range("2022-11-01", periods=36, freq="MS")
    frames = []
    for i in range(24):
        family = "AB"[i % 2]
        phase = 0.3 if family == "A" else 1.5
        season = 1 + 0.4 * np.sin(np.arange(36) * 2 * np.pi / 12 + phase)
        y = np.round(rng.uniform(50, 500) * season * rng.lognormal(0, 0.15, 36))
        frames.append(
            pd.DataFrame({"unique_id": f"S{i:02d}", "family": family, "ds": months, "y": y})
        )
    pd.concat(frames).to_csv(path, index=False)


@pytest.mark.slow
def test_the_forecast_is_the_same_bytes_under_two_hash_seeds(tmp_path: Path) -> None:
    panel = tmp_path / "panel.csv"
    _seasonal_panel(panel)
    processes = []
    for seed in ("1", "2"):
        out = tmp_path / f"forecast_{seed}.csv"
        command = [SOP_PIPELINE, "forecast", "--input", str(panel), "--output", str(out)]
        command += ["--n-jobs", "1", "--selection-output", str(tmp_path / f"models_{seed}.csv")]
        env = command_environment(PYTHONHASHSEED=seed)
        processes.append(subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL))
    assert [p.wait(timeout=300) for p in processes] == [0, 0]
    for name in ("forecast", "models"):
        first = (tmp_path / f"{name}_1.csv").read_bytes()
        assert first == (tmp_path / f"{name}_2.csv").read_bytes(), name


def _tables(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_schema in ('sop_mart', 'staging') order by 1"
        ).fetchall()
        out = {}
        for (table,) in names:
            columns = [
                c[0]
                for c in con.execute(f"describe {table}").fetchall()
                if c[0] not in RUN_DEPENDENT.get(table, set())
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            out[table] = con.execute(f"select {select} from {table} order by all").fetchall()
        return out
    finally:
        con.close()


@pytest.mark.slow
def test_two_re_plans_in_processes_with_different_hash_seeds_write_the_same_tables(
    tmp_path: Path,
) -> None:
    """A generated company with three years of history, planned once, then re-planned from
    two copies at the same time under PYTHONHASHSEED 1 and 2: every value of every table is
    the same (compared exactly, floats included)."""
    from sop_pipeline.runner import run_pipeline
    from sop_pipeline.sample_data import generate_company

    base = paths_for(tmp_path / "base")
    generate_company(base.data_dir, n_items=12, n_months=30)
    with base.settings_file.open("a") as handle:
        handle.write("planning_months_back: 0\n")
    month = dt.date(2025, 10, 1)
    run_pipeline(base, month, echo=lambda _: None)
    processes = []
    copies = []
    for seed in ("1", "2"):
        root = tmp_path / f"seed{seed}"
        shutil.copytree(tmp_path / "base", root)
        paths = paths_for(root)
        copies.append(paths)
        command = [SOP_PIPELINE, "run", "--data-dir", str(paths.data_dir), "--db", str(paths.db)]
        env = command_environment(DAGSTER_HOME=str(paths.dagster_home), PYTHONHASHSEED=seed)
        log = (tmp_path / f"seed{seed}.log").open("wb")
        processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
    codes = [p.wait(timeout=900) for p in processes]
    assert codes == [0, 0], [(tmp_path / f"seed{s}.log").read_text()[-2000:] for s in "12"]
    first, second = (_tables(p.work_db) for p in copies)
    assert first.keys() == second.keys()
    different = [table for table in first if first[table] != second[table]]
    assert different == []
    assert os.path.getsize(copies[0].work_db) > 0
