"""Accuracy and bias on intermittent monthly demand built from public data.

    .venv/bin/python bench/intermittent_benchmark.py --pbs PBS.parquet \
        --livestock aus_livestock.parquet

The data are two public monthly panels of the R package ``tsibbledata`` (as the Rdatasets
project publishes them, ``parquet/tsibbledata/PBS.parquet`` and ``aus_livestock.parquet``):

- ``PBS``: Australian prescriptions (scripts) per month, July 1991 - June 2008, by concession,
  type and ATC2 drug class: 336 series, many of them small counts with zero months;
- ``aus_livestock``: animals slaughtered per month by animal and state, 1976-2018: 54 series,
  those of the small states intermittent.

Every series is cut at origins twelve months apart; each cut keeps the ``--train`` months
before the origin (39 by default, a startup's three years) and the ``--horizon`` months after it
(12). A cut enters the benchmark when its training months are intermittent (average demand
interval >= 1.32: at least one month in four without demand) and sold at least once; cuts of one
series are distinct series to the forecasters (ids ``<series>@<origin>``). Scores over all cuts:

- MASE: mean absolute error over the naive forecast's in-sample one-step MAE, averaged over cuts
  (``utilsforecast.losses.mase``, seasonality 1); cuts whose training months are constant are
  left out of the MASE (scale 0) but not of the bias;
- bias: (sum of forecasts - sum of actuals) / sum of actuals over every cut and month, in percent
  (dominated by the large series);
- median cut bias: the median over cuts (that sold in the test year) of each cut's own bias,
  the typical item's;
- RMSSE (the M5 competition's score: root mean squared error over the naive one's).

Beside ``sop-pipeline forecast`` (``forecast_series``, default settings, and with each
``dormant_demand`` option) it scores
statsforecast's CrostonOptimized, CrostonSBA, ADIDA, IMAPA and TSB (0.1 / 0.1) used for every
series. Output: one Markdown table, and ``--out`` the long forecast of every model.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import ADIDA, IMAPA, TSB, CrostonOptimized, CrostonSBA
from utilsforecast.losses import mase, rmsse

from sop_pipeline.forecast import EngineSettings, forecast_series

INTERMITTENT_ADI = 1.32


def load_panels(pbs: Path | None, livestock: Path | None) -> pd.DataFrame:
    """``unique_id, ds, y`` of every series of the panels given."""
    frames = []
    if pbs is not None:
        d = pd.read_parquet(pbs)
        key = d["Concession"] + "|" + d["Type"] + "|" + d["ATC2"]
        frames.append(
            pd.DataFrame({"unique_id": "PBS|" + key, "ds": d["Month"], "y": d["Scripts"]})
        )
    if livestock is not None:
        d = pd.read_parquet(livestock)
        key = d["Animal"] + "|" + d["State"]
        frames.append(pd.DataFrame({"unique_id": "LIV|" + key, "ds": d["Month"], "y": d["Count"]}))
    data = pd.concat(frames, ignore_index=True)
    data["ds"] = pd.to_datetime(data["ds"], format="%Y %b")
    data["y"] = pd.to_numeric(data["y"]).astype(float)
    return data.sort_values(["unique_id", "ds"], ignore_index=True)


def cuts(data: pd.DataFrame, train: int, horizon: int, spacing: int = 12):
    """(training, test) long frames of every intermittent cut of every series."""
    trains, tests = [], []
    for uid, series in data.groupby("unique_id", sort=True):
        y = series["y"].to_numpy()
        ds = series["ds"].to_numpy()
        for end in range(len(y) - horizon, train - 1, -spacing):
            history = y[end - train : end]
            nonzero = int((history > 0).sum())
            if nonzero == 0 or train / nonzero < INTERMITTENT_ADI:
                continue
            cut = f"{uid}@{pd.Timestamp(ds[end]):%Y-%m}"
            before, after = slice(end - train, end), slice(end, end + horizon)
            trains.append(pd.DataFrame({"unique_id": cut, "ds": ds[before], "y": history}))
            tests.append(pd.DataFrame({"unique_id": cut, "ds": ds[after], "y": y[after]}))
    return pd.concat(trains, ignore_index=True), pd.concat(tests, ignore_index=True)


def score(name: str, forecast: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame) -> dict:
    merged = test.merge(forecast[["unique_id", "ds", name]], on=["unique_id", "ds"], how="left")
    if merged[name].isna().any():
        raise ValueError(f"{name}: forecast missing for {int(merged[name].isna().sum())} rows")
    scale = train.groupby("unique_id")["y"].apply(lambda s: np.abs(np.diff(s.to_numpy())).mean())
    scaled = merged[merged["unique_id"].isin(scale[scale > 0].index)]
    scored_train = train[train["unique_id"].isin(scale[scale > 0].index)]
    m = mase(scaled, [name], seasonality=1, train_df=scored_train)[name].mean()
    r = rmsse(scaled, [name], seasonality=1, train_df=scored_train)[name].mean()
    bias = (merged[name].sum() - merged["y"].sum()) / merged["y"].sum() * 100
    per_cut = merged.groupby("unique_id")[[name, "y"]].sum()
    sold = per_cut[per_cut["y"] > 0]
    typical = ((sold[name] - sold["y"]) / sold["y"]).median() * 100
    return {"model": name, "MASE": m, "RMSSE": r, "bias %": bias, "median cut bias %": typical}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pbs", type=Path, help="tsibbledata PBS.parquet")
    parser.add_argument("--livestock", type=Path, help="tsibbledata aus_livestock.parquet")
    parser.add_argument("--train", type=int, default=39)
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--out", type=Path, help="write every model's forecast here (CSV)")
    args = parser.parse_args(argv)
    if args.pbs is None and args.livestock is None:
        parser.error("give --pbs and/or --livestock")

    data = load_panels(args.pbs, args.livestock)
    train, test = cuts(data, args.train, args.horizon)
    zeros = (train["y"] == 0).mean() * 100
    print(
        f"{train['unique_id'].nunique()} cuts of {data['unique_id'].nunique()} series, "
        f"{args.train} training months ({zeros:.0f} % of them zero), h = {args.horizon}"
    )

    started = time.perf_counter()
    ours = forecast_series(train, EngineSettings(horizon=args.horizon, n_jobs=args.n_jobs))
    ours_seconds = time.perf_counter() - started
    forecast = ours.forecast[["unique_id", "ds", "yhat"]].rename(columns={"yhat": "sop_pipeline"})
    for option in ("tsb", "zero"):
        settings = EngineSettings(horizon=args.horizon, n_jobs=args.n_jobs, dormant_demand=option)
        other = forecast_series(train, settings).forecast
        name = f"sop_pipeline (dormant {option})"
        forecast = forecast.merge(
            other[["unique_id", "ds", "yhat"]].rename(columns={"yhat": name}),
            on=["unique_id", "ds"],
        )

    references = [
        CrostonOptimized(),
        CrostonSBA(),
        ADIDA(),
        IMAPA(),
        TSB(alpha_d=0.1, alpha_p=0.1),
    ]
    started = time.perf_counter()
    sf = StatsForecast(models=references, freq="MS", n_jobs=args.n_jobs)
    reference = sf.forecast(df=train, h=args.horizon)
    ref_seconds = time.perf_counter() - started
    forecast = forecast.merge(reference, on=["unique_id", "ds"], how="left")
    if args.out:
        forecast.to_csv(args.out, index=False)

    names = [c for c in forecast.columns if c not in ("unique_id", "ds")]
    table = pd.DataFrame([score(name, forecast, train, test) for name in names])
    print(table.to_markdown(index=False, floatfmt=".3f"))
    models = ours.selection["model"].value_counts()
    print("models chosen:", ", ".join(f"{k} {v}" for k, v in models.items()))
    classes = ours.selection["series_class"].value_counts()
    print("classes:", ", ".join(f"{k} {v}" for k, v in classes.items()))
    print(f"wall: sop_pipeline {ours_seconds:.0f} s, the references {ref_seconds:.0f} s")


if __name__ == "__main__":
    main()
