"""Promotions: the lift of past ones, and the planned ones applied once to the baseline.

Past promoted months are taken out of the history before fitting (:mod:`.events`), so the
statistical forecast is a baseline; :func:`apply_promotions` then lifts it in the planned
promotions' months, once, and :func:`promotion_lifts` says what each promotion lifted or will.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.forecast.events import observed_lifts
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


LIFT_COLUMNS = [
    "promo_id",
    "item",
    "family",
    "start_month",
    "end_month",
    "phase",
    "months_observed",
    "actual_qty",
    "baseline_qty",
    "planned_uplift_pct",
    "observed_uplift_pct",
    "applied_uplift_pct",
    "uplift_source",
]


def promotion_months(promotions: pd.DataFrame, until: pd.Timestamp) -> pd.DataFrame:
    """``unique_id, ds``: every promoted month up to and including ``until``."""
    rows = []
    for item, start, end in zip(
        promotions["item"].astype(str),
        month_start(promotions["start_month"]),
        month_start(promotions["end_month"]),
        strict=True,
    ):
        last = min(end, until)
        if start <= last:
            rows += [(item, month) for month in pd.date_range(start, last, freq="MS")]
    return pd.DataFrame(rows, columns=["unique_id", "ds"]).drop_duplicates(ignore_index=True)


def promotion_lifts(
    promotions: pd.DataFrame,
    events: pd.DataFrame,
    families: pd.Series,
    plan_month: pd.Timestamp,
) -> pd.DataFrame:
    """What every promotion lifted (past ones) or will lift (planned ones), and why.

    A past promotion's observed uplift is its demand over its baseline (the demand the forecast
    engine estimated without it: :func:`.events.clean_events`). A planned promotion applies its
    own ``uplift_pct``; when that is blank, the lift measured on the item's past promotions
    (all their months pooled: ``100 * (sum of demand / sum of baseline - 1)``), else on its
    family's, else on every promotion's, else none (0).

    Args:
        promotions: ``promo_id, item, start_month, end_month, uplift_pct`` (blank allowed;
            without ``promo_id`` a promotion is named by its item and first month).
        events: ``unique_id, ds, y, baseline`` of the cleaned promoted months.
        families: item -> family.
        plan_month: the last month of history.

    Returns:
        One row per promotion, :data:`LIFT_COLUMNS`; ``phase`` is ``past`` (ended by the plan
        month), ``running`` or ``planned``; ``applied_uplift_pct`` is the uplift the forecast
        uses for its months after the plan month (NaN for past promotions).
    """
    promos = promotions.reset_index(drop=True).copy()
    promos["item"] = promos["item"].astype(str)
    promos["start_month"] = month_start(promos["start_month"]).to_numpy()
    promos["end_month"] = month_start(promos["end_month"]).to_numpy()
    if "promo_id" not in promos.columns:
        promos["promo_id"] = promos["item"] + " " + promos["start_month"].dt.strftime("%Y-%m")
    promos["family"] = promos["item"].map(families)
    windows = pd.DataFrame(
        {
            "event_id": promos.index,
            "unique_id": promos["item"],
            "start": promos["start_month"],
            "end": promos["end_month"],
        }
    )
    seen = observed_lifts(events, windows).set_index("event_id")
    promos["months_observed"] = seen["months"].reindex(promos.index, fill_value=0).astype(int)
    promos["actual_qty"] = seen["actual"].reindex(promos.index)
    promos["baseline_qty"] = seen["baseline"].reindex(promos.index)
    promos["planned_uplift_pct"] = pd.to_numeric(promos["uplift_pct"]).astype(float)
    promos["observed_uplift_pct"] = seen["lift_pct"].reindex(promos.index)
    promos["phase"] = np.where(
        promos["end_month"] <= plan_month,
        "past",
        np.where(promos["start_month"] <= plan_month, "running", "planned"),
    )
    measured = promos[promos["months_observed"] > 0]
    by_item = _pooled_lift(measured, "item")
    by_family = _pooled_lift(measured, "family")
    overall = _pooled_lift(measured.assign(all="all"), "all").get("all", np.nan)
    default = promos["item"].map(by_item)
    source = np.where(default.notna(), "item history", "")
    family_default = promos["family"].map(by_family)
    source = np.where((source == "") & family_default.notna(), "family history", source)
    default = default.fillna(family_default)
    source = np.where((source == "") & np.isfinite(overall), "portfolio history", source)
    default = default.fillna(overall).fillna(0.0)
    source = np.where(source == "", "none", source)
    given = promos["planned_uplift_pct"].notna()
    promos["applied_uplift_pct"] = np.where(given, promos["planned_uplift_pct"], default)
    promos["uplift_source"] = np.where(given, "plan", source)
    past = promos["phase"] == "past"
    promos.loc[past, "applied_uplift_pct"] = np.nan
    promos.loc[past, "uplift_source"] = None
    return promos[LIFT_COLUMNS]


def _pooled_lift(measured: pd.DataFrame, by: str) -> pd.Series:
    sums = measured.groupby(by)[["actual_qty", "baseline_qty"]].sum()
    sums = sums[sums["baseline_qty"] > 0]
    return 100.0 * (sums["actual_qty"] / sums["baseline_qty"] - 1.0)
