"""Accuracy of the forecasting engine on M3 monthly (1,428 series, h = 18).

    .venv/bin/python bench/m3_benchmark.py --data m3_monthly.csv [--meta m3_monthly_meta.csv] \
        [--selection standard|fast] [--cv-windows 2] [--cv-step 6] [--n-jobs -1] \
        [--out /tmp/m3_forecast.csv]

Runs ``forecast_series`` on the training part of the M3 monthly benchmark file (``unique_id, ds,
y, split``), with each series' category as its family when ``--meta`` is given, writes the
forecast CSV, scores it with the benchmark's ``score.py`` (next to ``--data``) and prints its
sMAPE / MASE lines, the coverage of the 80% and 95% intervals, the wall time and the chosen
models. ``bench/short_history.py`` scores the same on cuts of the history, beside statsforecast's
automatic models.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from sop_pipeline.forecast import EngineSettings, forecast_series


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--meta", type=Path, help="unique_id, category CSV (families)")
    parser.add_argument("--score", type=Path, help="score.py (default: next to --data)")
    parser.add_argument("--selection", choices=["standard", "fast"], default="standard")
    parser.add_argument("--cv-windows", type=int, default=EngineSettings.cv_windows)
    parser.add_argument("--cv-step", type=int, default=EngineSettings.cv_step)
    parser.add_argument("--cv-horizon", type=int, default=None)
    parser.add_argument("--margin", type=float, default=EngineSettings.combination_margin)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--out", type=Path, default=Path("/tmp/m3_forecast.csv"))
    args = parser.parse_args(argv)

    data = pd.read_csv(args.data, dtype={"unique_id": str})
    train = data.loc[data["split"] == "train", ["unique_id", "ds", "y"]]
    test = data.loc[data["split"] == "test"]
    horizon = int(test.groupby("unique_id").size().max())
    settings = EngineSettings(
        horizon=horizon,
        selection=args.selection,
        cv_windows=args.cv_windows,
        cv_step=args.cv_step,
        cv_horizon=args.cv_horizon,
        combination_margin=args.margin,
        n_jobs=args.n_jobs,
    )
    families = None
    if args.meta:
        meta = pd.read_csv(args.meta, dtype=str)
        families = meta.rename(columns={"category": "family"})[["unique_id", "family"]]
    started = time.perf_counter()
    result = forecast_series(train, settings, families=families)
    elapsed = time.perf_counter() - started
    fc = result.forecast
    fc.assign(ds=fc["ds"].dt.strftime("%Y-%m-%d")).to_csv(args.out, index=False)

    print(f"settings: {settings}")
    print(f"wall time: {elapsed:.1f} s for {fc['unique_id'].nunique()} series")
    score = args.score or args.data.parent / "score.py"
    subprocess.run(
        [sys.executable, str(score), str(args.out), "--data", str(args.data)], check=True
    )
    actual = test.assign(ds=pd.to_datetime(test["ds"])).merge(fc, on=["unique_id", "ds"])
    for level in settings.levels:
        inside = actual["y"].between(actual[f"lo-{level}"], actual[f"hi-{level}"])
        print(f"coverage {level}%: {inside.mean():.3f}")
    relative = (actual["yhat"] - actual["y"]) / actual["y"]
    bias = (actual["yhat"].sum() - actual["y"].sum()) / actual["y"].sum() * 100
    print(f"bias: {bias:+.2f} % of actual demand (median series {relative.median() * 100:+.2f} %)")
    print("chosen models:")
    print(result.selection.groupby(["series_class", "model"]).size().to_string())


if __name__ == "__main__":
    main()
