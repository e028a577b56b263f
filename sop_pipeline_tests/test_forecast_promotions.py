"""Promotions lift the baseline only in their months; baseline + promotion = forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.forecast import apply_promotions


@pytest.fixture
def forecast() -> pd.DataFrame:
    ds = pd.date_range("2025-01-01", periods=6, freq="MS")
    yhat = np.array([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    rows = []
    for item in ("a", "b"):
        rows.append(
            pd.DataFrame(
                {
                    "unique_id": item,
                    "ds": ds,
                    "yhat": yhat,
                    "lo-80": 0.8 * yhat,
                    "hi-80": 1.2 * yhat,
                    "lo-95": 0.6 * yhat,
                    "hi-95": 1.4 * yhat,
                    "model": "Theta",
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def promos(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item", "start_month", "end_month", "uplift_pct"])


def test_only_the_promoted_months_of_the_promoted_item_are_lifted(forecast):
    out = apply_promotions(forecast, promos(("a", "2025-02-01", "2025-03-01", 20.0)))
    a = out[out["unique_id"] == "a"].reset_index(drop=True)
    assert_allclose(a["baseline_qty"], [10, 20, 30, 40, 50, 60])
    assert_allclose(a["promo_qty"], [0, 4, 6, 0, 0, 0])
    assert_allclose(a["forecast_qty"], a["baseline_qty"] + a["promo_qty"])
    b = out[out["unique_id"] == "b"]
    assert_allclose(b["promo_qty"], 0.0)
    assert_allclose(b["forecast_qty"], b["baseline_qty"])
    assert "yhat" not in out.columns and "model" in out.columns


def test_intervals_scale_with_the_lift_and_stay_nested(forecast):
    out = apply_promotions(forecast, promos(("a", "2025-02", "2025-02", 50.0)))
    row = out[(out["unique_id"] == "a") & (out["ds"] == "2025-02-01")].iloc[0]
    assert_allclose(row[["lo-95", "lo-80", "forecast_qty", "hi-80", "hi-95"]].astype(float),
                    [18.0, 24.0, 30.0, 36.0, 42.0])  # fmt: skip
    values = out[["lo-95", "lo-80", "forecast_qty", "hi-80", "hi-95"]].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all()


def test_overlapping_promotions_apply_the_largest_uplift(forecast):
    out = apply_promotions(
        forecast,
        promos(("a", "2025-01-01", "2025-03-01", 10.0), ("a", "2025-03-01", "2025-04-01", 30.0)),
    )
    a = out[out["unique_id"] == "a"]
    assert_allclose(a["uplift_pct"], [10, 10, 30, 30, 0, 0])
    assert_allclose(a["promo_qty"], [1, 2, 9, 12, 0, 0])


def test_no_promotions_leave_the_forecast_unchanged(forecast):
    out = apply_promotions(forecast, promos())
    assert_allclose(out["forecast_qty"], forecast["yhat"])
    assert_allclose(out["hi-95"], forecast["hi-95"])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("a", "2025-03-01", "2025-02-01", 10.0), "end before they start"),
        (("a", "2025-01-01", "2025-02-01", -100.0), "above -100"),
    ],
)
def test_bad_promotions_are_rejected(forecast, row, message):
    with pytest.raises(ValueError, match=message):
        apply_promotions(forecast, promos(row))
