"""End-to-end scale benchmark: ``sop-pipeline run`` on a generated company from a cold warehouse.

    .venv/bin/python bench/scale_benchmark.py --items 10000 --months 48 [--setting 'key: value']
    .venv/bin/python bench/scale_benchmark.py --items 1000 3000 10000   # the scaling curve
    .venv/bin/python bench/scale_benchmark.py --items 1000 3000 10000 --plot  # redraw the plot
    .venv/bin/python bench/scale_benchmark.py --items 10000 --profile   # pyinstrument call tree
    .venv/bin/python bench/scale_benchmark.py --items 10000 --bare-fit  # and bare fits around it

For each size it generates the company (``python -m sop_pipeline.sample_data``, not timed),
runs ``sop-pipeline run`` in a fresh process with an empty warehouse and Dagster home, samples the
resident memory of the whole process tree every 0.5 s (PSS near the peak only), and reads the
time of every step from the Dagster instance, summed by stage (ingest, validate, staging,
forecast, supply, marts, pack, publish). Results are printed as a Markdown table and appended
as JSON lines to ``bench/out/scale.jsonl``; ``--plot`` draws ``bench/scale_curve.png`` from it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"

# step key prefix -> stage; SQL models are split between staging and marts by their schema.
STAGE_OF_STEP = {
    "raw_inputs": "ingest",
    "validate_inputs": "validate",
    "statistical_forecast": "forecast",
    "balance_plan": "balance",
    "sop_mart__meeting_pack": "pack",
    "publish__serving_warehouse": "publish",
}
SUPPLY_STEPS = ("supply_plan",)
FORECAST_SQL = (
    "sop_mart__forecast_changes",
    "sop_mart__forecast_accuracy",
    "sop_mart__override_value",
    "sop_mart__override_scorecard",
)
STAGES = (
    "ingest",
    "validate",
    "staging",
    "forecast",
    "supply",
    "balance",
    "marts",
    "pack",
    "publish",
)


def stage_of(step_key: str) -> str:
    if step_key in STAGE_OF_STEP:
        return STAGE_OF_STEP[step_key]
    if step_key in SUPPLY_STEPS:
        return "supply"
    if step_key in FORECAST_SQL:
        return "forecast"
    if step_key.startswith("staging__"):
        return "staging"
    return "marts"


def generate(items: int, months: int, data_dir: Path) -> float | None:
    """Generate the company unless ``data_dir`` already holds this size; seconds taken."""
    stamp, wanted = data_dir / ".bench_generated", f"{items} {months}"
    if stamp.exists() and stamp.read_text() == wanted:
        return None
    if data_dir.exists():
        shutil.rmtree(data_dir)
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "python"),
            "-m",
            "sop_pipeline.sample_data",
            "--out",
            str(data_dir),
            "--items",
            str(items),
            "--months",
            str(months),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    shutil.copy(data_dir / "settings.yaml", data_dir / "settings.generated.yaml")
    stamp.write_text(wanted)
    return time.perf_counter() - started


def _pss(pid: int) -> int | None:
    """Proportional set size from ``/proc/<pid>/smaps_rollup`` (cheap, unlike full smaps)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def tree_memory(process: psutil.Process, with_pss: bool = True) -> tuple[int, int]:
    """Resident memory of a process and its children: (sum of RSS, sum of PSS).

    Forked workers share the parent's pages, so summed RSS counts them twice; PSS splits each
    shared page between its sharers and sums to what the tree really occupies."""
    rss = pss = 0
    for proc in [process, *process.children(recursive=True)]:
        try:
            resident = proc.memory_info().rss
        except psutil.Error:
            continue
        rss += resident
        proportional = _pss(proc.pid) if with_pss else None
        pss += resident if proportional is None else proportional
    return rss, pss


def run_pipeline(
    data_dir: Path,
    warehouse: Path,
    settings_lines: list[str],
    profile: Path | None = None,
    watch_benchmark: bool = False,
) -> dict:
    """Run ``sop-pipeline run`` cold; return wall time, peak tree RSS and the run ids' stages.

    With ``profile``, the command runs under pyinstrument (10 ms sampling) and its call tree
    is written there as text (slower: for finding hot spots, not for the figures). With
    ``watch_benchmark``, memory is that of this benchmark's whole tree (the Dask cluster it
    started, scheduler included, and the pipeline), not only the pipeline's."""
    if warehouse.exists():
        shutil.rmtree(warehouse)
    warehouse.mkdir(parents=True)
    home = warehouse / "dagster_home"
    generated = (data_dir / "settings.generated.yaml").read_text()
    (data_dir / "settings.yaml").write_text(generated + "\n" + "\n".join(settings_lines) + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOP_")}
    env["DAGSTER_HOME"] = str(home)
    command = [str(BIN / "sop-pipeline")]
    if profile is not None:
        command = [str(BIN / "python"), "-m", "pyinstrument", "-i", "0.01", "-o", str(profile)]
        command += ["-m", "sop_pipeline.cli"]
    command += [
        "run",
        "--data-dir",
        str(data_dir),
        "--db",
        str(warehouse / "sop.duckdb"),
    ]
    started = time.perf_counter()
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    watcher = psutil.Process(os.getpid() if watch_benchmark else process.pid)
    peak_rss = peak_pss = 0
    pss_read = 0.0
    while process.poll() is None:
        # PSS walks the page tables of every (forked, gigabyte-sized) worker: half a core when
        # read every 0.5 s. It is read at a new RSS peak, and near the peak every 5 s.
        rss, _ = tree_memory(watcher, with_pss=False)
        now = time.perf_counter()
        if rss > peak_rss or (rss >= 0.9 * peak_rss and now - pss_read >= 5.0):
            rss, pss = tree_memory(watcher)
            peak_pss, pss_read = max(peak_pss, pss), now
        peak_rss = max(peak_rss, rss)
        time.sleep(0.5)
    wall = time.perf_counter() - started
    # the run and every worker it started and waited for (statsforecast's, validation's)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(getattr(children, f) - getattr(children_before, f) for f in ("ru_utime", "ru_stime"))
    output = process.stdout.read().decode() if process.stdout else ""
    if process.returncode != 0:
        raise SystemExit(f"sop-pipeline run failed ({process.returncode}):\n{output}")
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": peak_rss / 2**20,
        "peak_pss_mb": peak_pss / 2**20,
        "output": output,
        "home": str(home),
    }


def stage_times(home: str) -> dict[str, float]:
    """Seconds per stage over every run the Dagster home ``home`` records."""
    from sop_pipeline.lib.instance import open_instance

    totals = dict.fromkeys(STAGES, 0.0)
    with open_instance(Path(home)) as instance:
        for record in instance.get_run_records():
            for step in instance.get_run_step_stats(record.dagster_run.run_id):
                if step.end_time and step.start_time:
                    totals[stage_of(step.step_key)] += step.end_time - step.start_time
    return totals


def forecast_rows(warehouse: Path) -> pd.DataFrame:
    """Every forecast row of a finished run's working file, in a fixed order."""
    con = duckdb.connect(str(warehouse / "sop.work.duckdb"), read_only=True)
    try:
        frame = con.execute("select * from sop_mart.forecast").df()
    finally:
        con.close()
    frame = frame.drop(columns=[c for c in frame.columns if c.endswith("_at") or c == "run_id"])
    return frame.sort_values(["plan_month", "item", "month"]).reset_index(drop=True)


def pack_table_rows(pack: Path) -> int:
    """Table rows in the meeting pack: what the meeting has to read."""
    return pack.read_text(encoding="utf-8").count("<tr")


def count_rows(warehouse: Path, table: str) -> int:
    con = duckdb.connect(str(warehouse / "sop.work.duckdb"), read_only=True)
    try:
        plan_month = con.execute(f"select max(plan_month) from {table}").fetchall()[0][0]
        sql = f"select count(*) from {table} where plan_month = ?"
        return con.execute(sql, [plan_month]).fetchall()[0][0]
    finally:
        con.close()


def plan_month_history(warehouse: Path) -> pd.DataFrame | None:
    """``unique_id, ds, y`` of the plan month's series in ``warehouse`` (None: no finished run
    there)."""
    work = warehouse / "sop.work.duckdb"
    if not work.exists():
        return None
    con = duckdb.connect(str(work), read_only=True)
    try:
        history = con.execute(
            "select item as unique_id, plan_month as ds, demand_qty as y"
            " from staging.demand_history"
            " where plan_month <= (select max(plan_month) from sop_mart.forecast)"
            " order by item, plan_month"
        ).df()
    except duckdb.Error:
        return None
    finally:
        con.close()
    history["ds"] = pd.to_datetime(history["ds"])
    return history


def bare_fit(history: pd.DataFrame) -> dict:
    """A bare ``StatsForecast.forecast`` of the plan month's series (every candidate of each
    class once, no cross-validation, no selection: ``bench/forecast_speed.py``): the yardstick
    of the same machine in the same hour."""
    from forecast_speed import bare_statsforecast

    from sop_pipeline.forecast import EngineSettings

    wall, cpu = bare_statsforecast(history, EngineSettings())
    return {"series": int(history["unique_id"].nunique()), "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1)}  # fmt: skip


def bare_fits(before: dict | None, after: dict, forecast_s: float) -> dict:
    """The bare fits timed before and after the run, and the forecast stage against their
    mean (the machine's speed moves with the hour: a fit on each side of the run brackets it)."""
    walls = [fit["wall_s"] for fit in (before, after) if fit]
    mean = sum(walls) / len(walls)
    return {
        "before": before,
        "after": after,
        "mean_wall_s": round(mean, 1),
        "forecast_stage_vs_bare": round(forecast_s / mean, 2),
        "forecast_stage_vs_bare_after": round(forecast_s / after["wall_s"], 2),
    }


def compare_with_local(items: int, work: Path, dask_warehouse: Path) -> dict:
    """Whether the Dask run's forecasts equal those of the in-process run of the same company."""
    local = work / f"warehouse_{items}"
    if not (local / "sop.work.duckdb").exists():
        return {"compared": False, "why": f"no in-process run in {local}: run it first"}
    expected, got = forecast_rows(local), forecast_rows(dask_warehouse)
    try:
        pd.testing.assert_frame_equal(got, expected)
    except AssertionError as difference:
        return {"compared": True, "identical": False, "difference": str(difference)[:2000]}
    return {"compared": True, "identical": True, "rows": len(got)}


@contextlib.contextmanager
def local_dask_cluster(workers: int) -> Iterator[str]:
    """A ``LocalCluster`` of single-threaded worker processes; yields its scheduler address."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def measure(
    items: int,
    months: int,
    work: Path,
    settings_lines: list[str],
    profile: bool = False,
    dask_workers: int = 0,
    with_bare_fit: bool = False,
) -> dict:
    data_dir = work / f"company_{items}"
    warehouse = work / f"warehouse_{items}{'_dask' if dask_workers else ''}"
    generate_s = generate(items, months, data_dir)
    # the same company was run here before (not generated again): a bare fit of it first
    earlier = plan_month_history(warehouse) if with_bare_fit and generate_s is None else None
    before = bare_fit(earlier) if earlier is not None else None
    del earlier
    profile_path = OUT / f"profile_{items}x{months}.txt" if profile else None
    dask_check: dict = {}
    if dask_workers:
        with local_dask_cluster(dask_workers) as address:
            dask_lines = ["forecast:", "  engine: dask", f"  dask_address: {address}"]
            result = run_pipeline(
                data_dir, warehouse, settings_lines + dask_lines, profile_path, True
            )
        dask_check = compare_with_local(items, work, warehouse)
    else:
        result = run_pipeline(data_dir, warehouse, settings_lines, profile_path)
    stages = stage_times(result.pop("home"))
    bare: dict = {}
    if with_bare_fit:
        history = plan_month_history(warehouse)
        assert history is not None, f"no forecast in {warehouse}"
        bare = bare_fits(before, bare_fit(history), stages["forecast"])
    from constrained_plan_benchmark import cpu_model

    size = sum(p.stat().st_size for p in warehouse.glob("*.duckdb"))
    packs = sorted((warehouse / "meeting_packs").glob("*.html"))
    return {
        "items": items,
        "months": months,
        "generate_s": None if generate_s is None else round(generate_s, 1),
        "wall_s": round(result["wall_s"], 1),
        "cpu_s": round(result["cpu_s"], 1),
        "peak_rss_mb": round(result["peak_rss_mb"]),
        "peak_pss_mb": round(result["peak_pss_mb"]),
        "warehouse_mb": round(size / 2**20, 1),
        "stages_s": {k: round(v, 1) for k, v in stages.items()},
        "settings": settings_lines,
        "profiled": profile,
        "dask_workers": dask_workers,
        "pack_kb": round(packs[-1].stat().st_size / 1024) if packs else None,
        "pack_table_rows": pack_table_rows(packs[-1]) if packs else None,
        "top_issues": count_rows(warehouse, "sop_mart.top_issues"),
        "dask_vs_local": dask_check,
        "bare_fit": bare,
        "machine": f"{cpu_model()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{round(psutil.virtual_memory().total / 2**30)} GiB",
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "summary": result["output"].strip().splitlines()[-8:],
    }


def markdown(rows: list[dict]) -> str:
    head = (
        "| items | wall (s) | CPU (s) | peak PSS / RSS (MB) | warehouse (MB) | "
        + " | ".join(STAGES)
        + " |"
    )
    lines = [head, "|" + "---|" * (5 + len(STAGES))]
    for r in rows:
        stages = " | ".join(f"{r['stages_s'][s]:.0f}" for s in STAGES)
        lines.append(
            f"| {r['items']:,} | {r['wall_s']:.0f} | {r.get('cpu_s', '–')} | "
            f"{r.get('peak_pss_mb', '–'):,} / "
            f"{r['peak_rss_mb']:,} | "
            f"{r['warehouse_mb']:.0f} | {stages} |"
        )
    return "\n".join(lines)


def plot(rows: list[dict], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted(rows, key=lambda r: r["items"])
    items = [r["items"] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    left.plot(items, [r["wall_s"] / 60 for r in rows], marker="o")
    left.set(xlabel="finished goods", ylabel="minutes", title="sop-pipeline run, cold")
    memory = [r.get("peak_pss_mb", r["peak_rss_mb"]) / 1024 for r in rows]
    right.plot(items, memory, marker="o", color="tab:orange")
    right.set(xlabel="finished goods", ylabel="GiB", title="peak memory (PSS), process tree")
    for axis in (left, right):
        axis.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(target, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[10_000])
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sop_scale"))
    parser.add_argument(
        "--setting", action="append", default=[], help="a settings.yaml line, e.g. 'x: 1'"
    )
    parser.add_argument("--plot", action="store_true", help="redraw bench/scale_curve.png")
    parser.add_argument(
        "--profile", action="store_true", help="run under pyinstrument; tree in bench/out/"
    )
    parser.add_argument(
        "--dask",
        type=int,
        default=0,
        metavar="WORKERS",
        help="forecast on a LocalCluster of this many workers started here; compare the "
        "forecasts with the in-process run of the same size (run that first)",
    )
    parser.add_argument(
        "--bare-fit",
        action="store_true",
        help="time a bare statsforecast fit of the plan month's series after the run, and "
        "before it when the same company's warehouse is there from an earlier run",
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = OUT / "scale.jsonl"
    if args.plot:
        rows = [json.loads(line) for line in results.read_text().splitlines() if line.strip()]
        # the latest unprofiled run of each size with the settings given now
        latest = {
            r["items"]: r
            for r in rows
            if not r.get("profiled")
            and not r.get("dask_workers")
            and r["settings"] == args.setting
            and r["months"] == args.months
        }
        rows = sorted(latest.values(), key=lambda r: r["items"])
        plot(rows, ROOT / "bench" / "scale_curve.png")
        print(markdown(rows))
        return
    rows = []
    for items in args.items:
        row = measure(
            items, args.months, args.work, args.setting, args.profile, args.dask, args.bare_fit
        )
        rows.append(row)
        with results.open("a") as handle:
            handle.write(json.dumps(row) + "\n")
        print(markdown([row]), flush=True)
        print(f"machine: {row['machine']}", flush=True)
        if args.dask:
            print("Dask against in-process:", json.dumps(row["dask_vs_local"]), flush=True)
        if args.bare_fit:
            print("Bare statsforecast fit:", json.dumps(row["bare_fit"]), flush=True)
    print(markdown(rows))


if __name__ == "__main__":
    main()
