"""Lift the statistical baseline in the months of planned promotions."""

from __future__ import annotations

import pandas as pd

from sop_pipeline.forecast.history import month_start

PROMOTION_COLUMNS = ("item", "start_month", "end_month", "uplift_pct")


def apply_promotions(forecast: pd.DataFrame, promotions: pd.DataFrame) -> pd.DataFrame:
    """Split each forecast month into a baseline and a promotion part.

    A promotion multiplies demand by ``1 + uplift_pct / 100`` in every month from
    ``start_month`` to ``end_month`` (inclusive). The whole predictive distribution is scaled,
    so the interval bounds are multiplied by the same factor and stay nested. When promotions
    of one item overlap in a month, the largest uplift applies (overlapping entries usually
    describe the same event twice; adding them would double count it).

    Args:
        forecast: ``unique_id, ds, yhat`` and any ``lo-<level>``/``hi-<level>`` columns; other
            columns are kept.
        promotions: ``item, start_month, end_month, uplift_pct`` (percent: 20 means +20%;
            above -100).

    Returns:
        The forecast without ``yhat`` but with ``baseline_qty`` (the statistical forecast),
        ``promo_qty`` (the lift), ``forecast_qty`` (their sum) and ``uplift_pct`` (0 outside
        promotions), the interval bounds scaled like ``forecast_qty``.

    Raises:
        ValueError: on missing columns, an end before a start or an uplift of -100% or less.
    """
    missing = [c for c in PROMOTION_COLUMNS if c not in promotions.columns]
    if missing:
        raise ValueError(f"promotions lack column(s) {missing}")
    promos = pd.DataFrame(
        {
            "unique_id": promotions["item"].astype(str).to_numpy(),
            "start": month_start(promotions["start_month"]).to_numpy(),
            "end": month_start(promotions["end_month"]).to_numpy(),
            "uplift_pct": pd.to_numeric(promotions["uplift_pct"]).astype(float).to_numpy(),
        }
    )
    backwards = promos["end"] < promos["start"]
    if backwards.any():
        raise ValueError(
            f"{int(backwards.sum())} promotion(s) end before they start, "
            f"e.g. {promotions.loc[backwards.to_numpy()].iloc[0].to_dict()}"
        )
    if (promos["uplift_pct"] <= -100).any() or promos["uplift_pct"].isna().any():
        raise ValueError("uplift_pct must be a number above -100 (percent)")

    out = forecast.reset_index(drop=True).copy()
    rows = out[["unique_id", "ds"]].reset_index().merge(promos, on="unique_id")
    active = rows[(rows["ds"] >= rows["start"]) & (rows["ds"] <= rows["end"])]
    uplift = active.groupby("index")["uplift_pct"].max().reindex(out.index, fill_value=0.0)
    factor = 1.0 + uplift.to_numpy() / 100.0

    baseline = out["yhat"].to_numpy(dtype=float)
    out.insert(out.columns.get_loc("yhat"), "baseline_qty", baseline)
    out.insert(out.columns.get_loc("yhat"), "promo_qty", baseline * (factor - 1.0))
    out.insert(out.columns.get_loc("yhat"), "forecast_qty", baseline * factor)
    out["uplift_pct"] = uplift.to_numpy()
    for col in out.columns:
        if col.startswith(("lo-", "hi-")):
            out[col] = out[col].to_numpy(dtype=float) * factor
    return out.drop(columns="yhat")
