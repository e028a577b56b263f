"""The startup regime: two or three years of history, young items, promotions, month after month."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.forecast import EngineSettings, forecast_series
from sop_pipeline.forecast.events import clean_events, observed_lifts
from sop_pipeline.forecast.monthly import build_monthly_forecast
from sop_pipeline.forecast.promotions import promotion_lifts

SETTINGS = EngineSettings(n_jobs=1)
DATA = Path(__file__).resolve().parents[1] / "data"
NO_OVERRIDES = pd.DataFrame(
    columns=["item", "month", "override_qty", "adjustment_pct", "reason", "owner"]
)


def frame(uid: str, start: str, values) -> pd.DataFrame:
    ds = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(values, dtype=float)})


def season(months: pd.DatetimeIndex, amplitude: float, peak_month: int = 7) -> np.ndarray:
    return 1 + amplitude * np.cos(2 * np.pi * (months.month.to_numpy() - peak_month) / 12)


def test_thirty_months_of_a_strong_season_keep_their_peak_and_trough():
    ds = pd.date_range("2023-01-01", periods=30, freq="MS")
    rng = np.random.default_rng(4)
    y = 1000 * season(ds, 0.7) * (1 + 0.1 * rng.standard_normal(30))
    out = forecast_series(frame("sun", "2023-01-01", y), SETTINGS)
    fc = out.forecast.set_index("ds")["yhat"]
    assert out.selection.loc[0, "series_class"] == "seasonal"
    # peak in July and trough in January, as in the history; not a flat line
    assert fc.idxmax().month == 7 and fc.idxmin().month == 1
    assert fc.max() > 3 * fc.min()


def test_a_fifteen_month_item_takes_its_familys_seasonal_shape():
    ds = pd.date_range("2022-01-01", periods=48, freq="MS")
    rng = np.random.default_rng(0)
    members = [
        frame(
            f"old-{i}", "2022-01-01", 300 * (i + 1) * season(ds, 0.6) * (1 + 0.05 * rng.random(48))
        )
        for i in range(4)
    ]
    # 15 months in the family's season, but so noisy (20 %) that on their own they would
    # hardly show it
    young = 80 * season(ds[-15:], 0.6) * (1 + 0.2 * rng.standard_normal(15))
    # 15 months of a flat level: clear evidence against the family's season
    flat = 80 * (1 + 0.03 * rng.standard_normal(15))
    history = pd.concat(
        [*members, frame("young", f"{ds[-15]:%Y-%m-%d}", young),
         frame("flat", f"{ds[-15]:%Y-%m-%d}", flat)]
    )  # fmt: skip
    families = pd.DataFrame(
        {"unique_id": ["old-0", "old-1", "old-2", "old-3", "young", "flat"], "family": "F"}
    )
    out = forecast_series(history, SETTINGS, families=families)
    sel = out.selection.set_index("unique_id")
    assert sel.loc["young", ["series_class", "seasonality_source"]].tolist() == ["short", "family"]
    assert sel.loc["young", "seasonal_weight"] < 0.5
    fc = out.forecast[out.forecast["unique_id"] == "young"]
    shape = season(pd.DatetimeIndex(fc["ds"]), 0.6)
    assert np.corrcoef(fc["yhat"], shape)[0, 1] > 0.95
    assert fc["yhat"].max() > 2 * fc["yhat"].min()
    # the flat item's own months outweigh its family: no borrowed season
    assert sel.loc["flat", "seasonality_source"] in {"item", "none"}
    flat_fc = out.forecast.loc[out.forecast["unique_id"] == "flat", "yhat"]
    assert flat_fc.max() < 1.3 * flat_fc.min()


def test_a_past_promotion_is_replaced_by_its_baseline_and_its_lift_measured():
    history = frame("a", "2024-01-01", [100, 100, 100, 150, 100, 100, 100])
    events = pd.DataFrame({"unique_id": ["a"], "ds": [pd.Timestamp("2024-04-01")]})
    cleaned, replaced = clean_events(history, events, {}, 12)
    # the neighbours (100, 100, 100 | 100, 100, 100) have no season: the baseline is 100
    assert cleaned["y"].tolist() == [100.0] * 7
    assert replaced[["y", "baseline"]].to_numpy().tolist() == [[150.0, 100.0]]
    windows = pd.DataFrame(
        {"event_id": ["P1"], "unique_id": ["a"], "start": [pd.Timestamp("2024-04-01")],
         "end": [pd.Timestamp("2024-04-01")]}
    )  # fmt: skip
    lift = observed_lifts(replaced, windows)
    assert_allclose(lift["lift_pct"], [50.0])


def test_a_planned_promotion_without_an_uplift_takes_the_measured_one():
    promotions = pd.DataFrame(
        {
            "promo_id": ["P1", "P2", "P3", "P4"],
            "item": ["a", "a", "a", "b"],
            "start_month": ["2024-04", "2024-09", "2025-04", "2025-05"],
            "end_month": ["2024-04", "2024-09", "2025-04", "2025-05"],
            "uplift_pct": [30.0, 30.0, None, None],
        }
    )
    events = pd.DataFrame(
        {
            "unique_id": ["a", "a"],
            "ds": pd.to_datetime(["2024-04-01", "2024-09-01"]),
            "y": [150.0, 110.0],
            "baseline": [100.0, 100.0],
        }
    )
    families = pd.Series({"a": "F", "b": "F"})
    lifts = promotion_lifts(promotions, events, families, pd.Timestamp("2024-12-01")).set_index(
        "promo_id"
    )
    assert_allclose(lifts.loc[["P1", "P2"], "observed_uplift_pct"], [50.0, 10.0])
    # P3: the item's past promotions pooled: (150 + 110) / (100 + 100) - 1 = +30 %
    assert lifts.loc["P3", ["phase", "uplift_source"]].tolist() == ["planned", "item history"]
    assert_allclose(lifts.loc["P3", "applied_uplift_pct"], 30.0)
    # P4: item b never promoted: its family's lift, the same +30 %
    assert lifts.loc["P4", "uplift_source"] == "family history"
    assert np.isnan(lifts.loc["P1", "applied_uplift_pct"])


def test_a_recurring_promotion_is_not_counted_twice():
    # every November +50 % on a flat 100; next November is planned at +50 % again
    months = pd.date_range("2022-01-01", "2025-06-01", freq="MS")
    rng = np.random.default_rng(2)
    demand = 100 * (1 + 0.03 * rng.standard_normal(len(months)))
    demand[months.month == 11] *= 1.5
    novembers = [f"{year}-11" for year in (2022, 2023, 2024, 2025)]
    promotions = pd.DataFrame(
        {
            "promo_id": [f"BF-{m}" for m in novembers],
            "item": "A",
            "start_month": novembers,
            "end_month": novembers,
            "uplift_pct": 50.0,
        }
    )
    items = pd.DataFrame(
        {"item": ["A"], "item_type": ["finished_good"], "family": ["F"], "unit_price": [1.0],
         "launch_date": pd.to_datetime([None])}
    )  # fmt: skip
    history = pd.DataFrame({"item": "A", "month": months, "demand_qty": demand})
    result = build_monthly_forecast(history, items, promotions, NO_OVERRIDES, months[-1], SETTINGS)
    fc = result.forecast.set_index("month")
    november = fc.loc[pd.Timestamp("2025-11-01")]
    # the baseline has no November peak left in it; the plan's +50 % is applied once
    assert november["baseline_qty"] == pytest.approx(fc["baseline_qty"].median(), rel=0.08)
    assert november["forecast_qty"] == pytest.approx(150, rel=0.1)
    lifts = result.promotion_lifts.set_index("promo_id")
    assert_allclose(lifts.loc[["BF-2022-11", "BF-2023-11", "BF-2024-11"], "observed_uplift_pct"],
                    50.0, atol=10)  # fmt: skip


def _sample_company_demand() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Monthly demand of the committed sample company, as staging computes it."""
    con = duckdb.connect()
    sales = con.execute(
        "select date, item, ordered_qty, shipped_qty from read_csv(?, union_by_name = true)",
        [str(DATA / "20*" / "sales.csv")],
    ).df()
    sales["month"] = pd.to_datetime(sales["date"]).dt.to_period("M").dt.to_timestamp()
    ordered, shipped = sales["ordered_qty"], sales["shipped_qty"]
    sales["demand_qty"] = np.where(
        ordered > 0, ordered, np.where(ordered.fillna(0) == 0, shipped.clip(lower=0), 0)
    )
    demand = sales.groupby(["item", "month"], as_index=False)["demand_qty"].sum()
    items = pd.read_csv(DATA / "master" / "items.csv", parse_dates=["launch_date"])
    promotions = pd.read_csv(DATA / "master" / "promotions.csv")
    return demand, items, promotions


def test_the_sample_companys_sun_care_items_do_not_flip_between_plan_months():
    demand, items, promotions = _sample_company_demand()
    sun = ["SC-020", "SC-022"]
    seen = []
    previous = None
    for plan in pd.date_range("2025-07-01", "2025-10-01", freq="MS"):
        result = build_monthly_forecast(
            demand[demand["item"].str.startswith("SC")],
            items[items["family"] == "Sun Care"],
            promotions,
            NO_OVERRIDES,
            plan,
            SETTINGS,
            previous_models=previous,
        )
        previous = result.models[["item", "model"]]
        models = result.models.set_index("item").loc[sun]
        seen.append(models[["series_class", "model"]])
        fc = result.forecast[result.forecast["item"] == "SC-022"].set_index("month")
        # summer above winter in every version: never the flat line of the first release
        summer = fc.loc[fc.index.month.isin([6, 7, 8]), "forecast_qty"].mean()
        winter = fc.loc[fc.index.month.isin([12, 1, 2]), "forecast_qty"].mean()
        assert summer > 3 * winter, plan
    for before, after in zip(seen[:-1], seen[1:], strict=True):
        pd.testing.assert_frame_equal(before, after)
    assert set(seen[0]["series_class"]) == {"seasonal"}
