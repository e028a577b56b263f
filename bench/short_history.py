"""The forecaster on short histories: a monthly benchmark cut to its last N training months.

    .venv/bin/python bench/short_history.py --data m3_monthly.csv [--meta m3_monthly_meta.csv] \
        [--cuts 36 24 full] [--out bench/out/short_history] [--no-references] [--n-jobs -1]

A startup has 12-36 months of history. For each cut, every series keeps its last N training
months and the same test months (the benchmark's hold-out, ``split == test``); the cut file is
written to ``--out`` and every forecast is scored by the benchmark's own ``score.py --data
<cut file>`` (next to ``--data``, or ``--score``), so MASE is scaled on the cut training part.
Beside ours it scores statsforecast's automatic models with season length 12 (AutoETS,
AutoTheta, AutoCES, their plain mean, SeasonalNaive) and score.py's Naive2 on the same cut.
``full`` is the benchmark uncut.

With ``--meta`` (a CSV with ``unique_id, category``) the category is the series' family: what a
company's item master gives the forecaster (seasonal indices are pooled per family and weighed
by how coherent the family is). Without it the series form one portfolio.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sop_pipeline.forecast import EngineSettings, forecast_series

REFERENCES = ("AutoETS", "AutoTheta", "AutoCES", "SeasonalNaive")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="unique_id, ds, y, split CSV")
    parser.add_argument("--meta", type=Path, help="unique_id, category CSV (families)")
    parser.add_argument("--score", type=Path, help="score.py (default: next to --data)")
    parser.add_argument("--cuts", nargs="+", default=["36", "24"], help="months kept, or 'full'")
    parser.add_argument("--out", type=Path, default=Path("bench/out/short_history"))
    parser.add_argument("--selection", choices=["standard", "fast"], default="standard")
    parser.add_argument("--no-references", action="store_true", help="score ours only")
    parser.add_argument("--n-jobs", type=int, default=-1)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    score_py = args.score or args.data.parent / "score.py"
    data = pd.read_csv(args.data, dtype={"unique_id": str})
    families = None
    if args.meta:
        meta = pd.read_csv(args.meta, dtype=str)
        families = meta.rename(columns={"category": "family"})[["unique_id", "family"]]

    table = []
    for cut in args.cuts:
        cut_data = cut_history(data, None if cut == "full" else int(cut))
        cut_file = args.out / f"{args.data.stem}_cut{cut}.csv"
        cut_data.to_csv(cut_file, index=False)
        train = cut_data.loc[cut_data["split"] == "train", ["unique_id", "ds", "y"]]
        horizon = int((cut_data["split"] == "test").groupby(cut_data["unique_id"]).sum().max())
        settings = EngineSettings(horizon=horizon, selection=args.selection, n_jobs=args.n_jobs)
        started = time.perf_counter()
        result = forecast_series(train, settings, families=families)
        seconds = time.perf_counter() - started
        rows = {"ours": _write(result.forecast, args.out / f"ours_cut{cut}.csv")}
        if not args.no_references:
            rows.update(_references(train, horizon, args.out, cut, args.n_jobs))
        scores = {name: _score(score_py, path, cut_file) for name, path in rows.items()}
        scores["Naive2"] = _score(score_py, None, cut_file)
        test = cut_data.loc[cut_data["split"] == "test", ["unique_id", "ds", "y"]]
        for name, (smape, mase) in scores.items():
            bias = _bias(rows[name], test) if name in rows else float("nan")
            table.append({"cut": cut, "model": name, "sMAPE": smape, "MASE": mase, "bias": bias})
        print(f"cut {cut}: ours in {seconds:.0f} s; " + "; ".join(
            f"{name} {mase:.3f}" for name, (_, mase) in scores.items()
        ), flush=True)  # fmt: skip
        print(result.selection.groupby(["series_class", "seasonality_source"]).size().to_string())
    out = pd.DataFrame(table)
    print()
    print(out.pivot(index="model", columns="cut", values="MASE").round(3).to_string())
    print(out.pivot(index="model", columns="cut", values="sMAPE").round(2).to_string())
    print("bias, % of actual demand (forecast - actual):")
    print(out.pivot(index="model", columns="cut", values="bias").round(2).to_string())


def cut_history(data: pd.DataFrame, months: int | None) -> pd.DataFrame:
    """Each series' last ``months`` training rows and all its test rows (``None``: all)."""
    data = data.sort_values(["unique_id", "ds"], kind="stable")
    if months is None:
        return data.reset_index(drop=True)
    train = data[data["split"] == "train"].groupby("unique_id").tail(months)
    test = data[data["split"] == "test"]
    return pd.concat([train, test]).sort_values(["unique_id", "ds"], kind="stable")


def _references(
    train: pd.DataFrame, horizon: int, out: Path, cut: str, n_jobs: int
) -> dict[str, Path]:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoCES, AutoETS, AutoTheta, SeasonalNaive

    from sop_pipeline.forecast.models import Candidate

    models = [
        Candidate(AutoETS(season_length=12), alias="AutoETS"),
        Candidate(AutoTheta(season_length=12), alias="AutoTheta"),
        Candidate(AutoCES(season_length=12), alias="AutoCES"),
        Candidate(SeasonalNaive(season_length=12), alias="SeasonalNaive"),
    ]
    frame = train.assign(ds=pd.to_datetime(train["ds"]))
    fc = StatsForecast(models=models, freq="MS", n_jobs=n_jobs).forecast(df=frame, h=horizon)
    fc = fc.reset_index() if "unique_id" not in fc.columns else fc
    fc["Mean(AutoETS,AutoTheta,AutoCES)"] = fc[["AutoETS", "AutoTheta", "AutoCES"]].mean(axis=1)
    paths = {}
    for name in [*REFERENCES, "Mean(AutoETS,AutoTheta,AutoCES)"]:
        slug = re.sub(r"\W+", "_", name).strip("_")
        paths[name] = _write(
            fc[["unique_id", "ds", name]].rename(columns={name: "yhat"}),
            out / f"{slug}_cut{cut}.csv",
        )
    return paths


def _write(forecast: pd.DataFrame, path: Path) -> Path:
    fc = forecast[["unique_id", "ds", "yhat"]].copy()
    fc["yhat"] = np.maximum(fc["yhat"].to_numpy(dtype=float), 0.0)
    fc.assign(ds=pd.to_datetime(fc["ds"]).dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    return path


def _bias(forecast: Path, test: pd.DataFrame) -> float:
    """(sum of forecasts - sum of actuals) / sum of actuals over the test months, in percent."""
    fc = pd.read_csv(forecast, dtype={"unique_id": str}, parse_dates=["ds"])
    actual = test.assign(ds=pd.to_datetime(test["ds"]), unique_id=test["unique_id"].astype(str))
    both = actual.merge(fc, on=["unique_id", "ds"])
    return float((both["yhat"].sum() - both["y"].sum()) / both["y"].sum() * 100)


def _score(score_py: Path, forecast: Path | None, data: Path) -> tuple[float, float]:
    """sMAPE and MASE from score.py (Naive2 when ``forecast`` is None)."""
    cmd = [sys.executable, str(score_py), "--data", str(data)]
    cmd += [str(forecast)] if forecast else ["--baseline", "naive2"]
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    smape = float(re.search(r"^sMAPE\s+([\d.]+)", text, re.M).group(1))
    mase = float(re.search(r"^MASE\s+([\d.]+)", text, re.M).group(1))
    return smape, mase


if __name__ == "__main__":
    main()
