"""The statistical forecast on the sample company from many plan months: WAPE and value added.

    make run   # plans the sample company, so the warehouse holds its staging tables
    .venv/bin/python bench/sample_company_backtest.py [--db data/warehouse/sop.duckdb] \
        [--first 2024-07 --last 2025-09] [--selection standard] [--ets-form-months 4] [--refit]

For every plan month from ``--first`` to ``--last`` it forecasts every finished good from the
demand known then (``build_monthly_forecast``, the function the forecast asset runs, with the
promotions file and without planners' overrides), and scores the statistical forecast and
seasonal naive 1 and 3 months ahead against the demand that followed, summed over the items
as ``sop_mart.forecast_accuracy`` does: WAPE = sum |forecast - actual| / sum actual, and the
forecast value added of the statistical forecast over seasonal naive (WAPE points; positive:
the model beats the naive forecast), each beside its bias (sum of forecast - actual over sum
actual: positive over-forecasts; the summary's over all plan months). Each plan month also
passes the previous one's models and AutoETS forms, as the pipeline does (forms kept
``--ets-form-months``). ``--refit``: every month
after the first re-fits the previous month's models without cross-validation, as a first run
catches up on its earlier months (here for up to 15 months in a row, the worst case).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from sop_pipeline.forecast import EngineSettings
from sop_pipeline.forecast.monthly import build_monthly_forecast

LAGS = (1, 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("data/warehouse/sop.duckdb"))
    parser.add_argument("--first", default="2024-07")
    parser.add_argument("--last", default="2025-09")
    parser.add_argument("--selection", choices=["standard", "fast"], default="standard")
    parser.add_argument("--ets-form-months", type=int, default=4)
    parser.add_argument("--refit", action="store_true")
    args = parser.parse_args(argv)
    con = duckdb.connect(str(args.db), read_only=True)
    last_month = con.execute("select max(plan_month) from staging.demand_history").fetchone()[0]
    items = con.execute(
        "select * exclude (plan_month) from staging.items where plan_month = ?", [last_month]
    ).df()
    promotions = con.execute(
        "select promo_id, item, start_month, end_month, uplift_pct"
        " from staging.promotions where plan_month = ?",
        [last_month],
    ).df()
    demand = con.execute(
        "select item, plan_month as month, demand_qty from staging.demand_history"
    ).df()
    for frame in (items, promotions, demand):
        for column in frame.columns:
            if pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = frame[column].astype("datetime64[ns]")
    no_overrides = pd.DataFrame(
        columns=["item", "month", "override_qty", "adjustment_pct", "reason", "owner"]
    )
    settings = EngineSettings(selection=args.selection)
    actual = demand.set_index(["item", "month"])["demand_qty"]
    rows, previous, errors = [], None, None
    started = time.perf_counter()
    for origin in pd.date_range(f"{args.first}-01", f"{args.last}-01", freq="MS"):
        result = build_monthly_forecast(
            demand,
            items,
            promotions,
            no_overrides,
            origin,
            settings,
            previous_models=previous,
            ets_form_months=args.ets_form_months,
            previous_errors=errors if args.refit else None,
        )
        previous, errors = result.models, result.errors
        fc = result.forecast
        for lag in LAGS:
            target = origin + pd.DateOffset(months=lag)
            if target > pd.Timestamp(last_month):
                continue
            month = fc[fc["month"] == target]
            truth = actual.reindex(list(zip(month["item"], month["month"], strict=True)))
            truth = truth.fillna(0.0).to_numpy()
            total = truth.sum()
            stat_err = month["statistical_qty"].to_numpy() - truth
            naive_err = month["naive_qty"].to_numpy() - truth
            rows.append(
                {
                    "origin": origin,
                    "lag": lag,
                    "wape": np.abs(stat_err).sum() / total,
                    "wape_naive": np.abs(naive_err).sum() / total,
                    "actual": total,
                    "error": stat_err.sum(),
                    "error_naive": naive_err.sum(),
                }
            )
    out = pd.DataFrame(rows)
    out["fva"] = out["wape_naive"] - out["wape"]
    print(f"{len(out['origin'].unique())} plan months in {time.perf_counter() - started:.0f} s")
    table = out.pivot(index="origin", columns="lag", values=["wape", "wape_naive", "fva"])
    print(table.round(3).to_string())
    summary = out.groupby("lag").agg(
        wape=("wape", "mean"),
        wape_naive=("wape_naive", "mean"),
        fva=("fva", "mean"),
        fva_min=("fva", "min"),
        months_fva_positive=("fva", lambda v: f"{int((v >= 0).sum())} of {len(v)}"),
        actual=("actual", "sum"),
        error=("error", "sum"),
        error_naive=("error_naive", "sum"),
    )
    # bias over all plan months: summed forecast minus actual over summed actual
    summary["bias"] = summary.pop("error") / summary["actual"]
    summary["bias_naive"] = summary.pop("error_naive") / summary.pop("actual")
    print(summary.round(3).to_string())


if __name__ == "__main__":
    main()
