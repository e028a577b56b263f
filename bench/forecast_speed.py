"""Speed of the forecast stage on a generated portfolio of 48-month series.

    .venv/bin/python bench/forecast_speed.py --series 1000 10000 [--selection fast] [--n-jobs -1]

For each size, in one process: ``forecast_series`` twice (cold: the first call of the process,
worker pool started from scratch; warm: the second call), then a bare
``StatsForecast.forecast`` with every candidate model of each class on the same series (no
cross-validation, no selection), and the ratio of the warm time to the bare time; and the
forecast of the month after, which keeps each series' AutoETS form (``forecast.ets_form_months``)
and only re-fits its parameters (timed on the same history: the cost of a month whose forms are
kept). CPU seconds
(this process and its worker processes) are printed beside wall seconds because the machine's
cores are shared. Peak memory is the largest resident set of this process and its worker
processes together, sampled every 0.2 s.
The portfolio is :func:`sop_pipeline.forecast.synthetic.product_portfolio` (70% smooth,
20% intermittent, 6% short, 4% new products).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import threading
import time

IMPORT_STARTED = time.perf_counter()

import pandas as pd  # noqa: E402
import psutil  # noqa: E402
from statsforecast import StatsForecast  # noqa: E402

from sop_pipeline.forecast import EngineSettings, forecast_series  # noqa: E402
from sop_pipeline.forecast.candidates import candidate_set  # noqa: E402
from sop_pipeline.forecast.classify import classify_series  # noqa: E402
from sop_pipeline.forecast.history import (  # noqa: E402
    fill_months,
    trim_to_start,
    validate_history,
)
from sop_pipeline.forecast.models import Candidate  # noqa: E402
from sop_pipeline.forecast.synthetic import product_portfolio  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - IMPORT_STARTED


class PeakMemory:
    """Largest summed RSS of this process and its children while the block runs."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak = max(self.peak, total)
            self._stop.wait(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """CPU time used so far by this process and its finished worker processes."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def bare_statsforecast(history: pd.DataFrame, settings: EngineSettings) -> tuple[float, float]:
    """Wall and CPU seconds of one ``StatsForecast.forecast`` per class with its candidates
    (on the raw series: no seasonal adjustment, no rolling origins, no selection)."""
    filled = fill_months(validate_history(history))
    trimmed, n_obs = trim_to_start(filled)
    classes = classify_series(trimmed, n_obs, settings)
    started, cpu = time.perf_counter(), cpu_seconds()
    for series_class, ids in classes.groupby("series_class")["unique_id"]:
        if series_class in ("new", "inactive"):
            continue
        candidates = candidate_set(series_class, settings)
        models = [Candidate(model.factory(), alias=model.name) for model in candidates.models]
        data = trimmed[trimmed["unique_id"].isin(ids)]
        StatsForecast(models=models, freq="MS", n_jobs=settings.n_jobs).forecast(
            df=data, h=settings.horizon
        )
    return time.perf_counter() - started, cpu_seconds() - cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--months", type=int, default=48)
    parser.add_argument("--selection", choices=["standard", "fast"], default="standard")
    parser.add_argument("--cv-windows", type=int, default=EngineSettings.cv_windows)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--engine", choices=["local", "dask"], default="local")
    args = parser.parse_args(argv)
    settings = EngineSettings(
        selection=args.selection,
        cv_windows=args.cv_windows,
        n_jobs=args.n_jobs,
        engine=args.engine,
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB; load average at start "
        f"{os.getloadavg()[0]:.2f}"
    )
    print(f"settings: {settings}")
    print(f"import of statsforecast + sop_pipeline.forecast: {IMPORT_SECONDS:.1f} s")
    for n_series in args.series:
        portfolio = product_portfolio(n_series, args.months, seed=n_series)
        history = portfolio[["unique_id", "ds", "y"]]
        families = portfolio[["unique_id", "family"]].drop_duplicates()
        times, cpus = [], []
        with PeakMemory() as memory:
            for _ in range(2):
                started, cpu = time.perf_counter(), cpu_seconds()
                result = forecast_series(history, settings, families=families)
                times.append(time.perf_counter() - started)
                cpus.append(cpu_seconds() - cpu)
        forms = result.selection.set_index("unique_id")["ets_form"].dropna().to_dict()
        started, cpu = time.perf_counter(), cpu_seconds()
        forecast_series(history, settings, families=families, forms=forms)
        kept, kept_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        bare, bare_cpu = bare_statsforecast(history, settings)
        models = result.selection["model"].value_counts().head(8).to_dict()
        print(
            f"{n_series} series x {args.months} months: cold {times[0]:.1f} s "
            f"(cpu {cpus[0]:.1f} s), warm {times[1]:.1f} s (cpu {cpus[1]:.1f} s), peak memory "
            f"{memory.peak / 2**20:.0f} MB; bare StatsForecast.forecast {bare:.1f} s "
            f"(cpu {bare_cpu:.1f} s); warm / bare = {times[1] / bare:.2f} wall, "
            f"{cpus[1] / bare_cpu:.2f} cpu; load average {os.getloadavg()[0]:.2f}"
        )
        print(
            f"  the month after (AutoETS forms kept, forecast.ets_form_months): {kept:.1f} s "
            f"(cpu {kept_cpu:.1f} s); kept / bare = {kept / bare:.2f} wall, "
            f"{kept_cpu / bare_cpu:.2f} cpu"
        )
        print(f"  classes {result.selection['series_class'].value_counts().to_dict()}")
        print(f"  models {models}")


if __name__ == "__main__":
    main()
