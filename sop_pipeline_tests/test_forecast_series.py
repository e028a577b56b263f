"""End-to-end tests of ``forecast_series`` on small generated portfolios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.forecast import EngineSettings, forecast_series
from sop_pipeline.forecast.synthetic import intermittent_series, seasonal_series

SETTINGS = EngineSettings(n_jobs=1)
BOUNDS = ["lo-95", "lo-80", "yhat", "hi-80", "hi-95"]


def frame(uid: str, start: str, values) -> pd.DataFrame:
    ds = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(values, dtype=float)})


@pytest.fixture(scope="module")
def portfolio() -> tuple[pd.DataFrame, pd.DataFrame]:
    history = pd.concat(
        [
            seasonal_series(8, 48, amplitude=0.4, prefix="seasonal", seed=1),
            seasonal_series(4, 48, amplitude=0.0, trend=0.01, prefix="trend", seed=2),
            intermittent_series(5, 48, p_demand=0.25, size=4, prefix="sparse", seed=3),
            seasonal_series(3, 14, amplitude=0.0, prefix="short", seed=4),
            seasonal_series(2, 3, amplitude=0.0, prefix="new", seed=5),
            frame("dead", "2023-01-01", [0.0] * 24),
            frame("single", "2024-12-01", [7.0]),
        ],
        ignore_index=True,
    )
    families = pd.DataFrame(
        {"unique_id": [f"seasonal-{i}" for i in range(8)] + ["new-0", "new-1"], "family": "A"}
    )
    return history, families


@pytest.fixture(scope="module")
def result(portfolio):
    history, families = portfolio
    calls = []
    out = forecast_series(
        history, SETTINGS, families=families, progress=lambda done, total: calls.append(done)
    )
    out.progress_calls = calls
    return out


def test_every_series_gets_horizon_rows_with_the_documented_columns(portfolio, result):
    history, _ = portfolio
    fc = result.forecast
    bounds = ["lo-80", "hi-80", "lo-95", "hi-95"]
    assert list(fc.columns) == ["unique_id", "ds", "yhat", *bounds, "model"]
    assert fc.groupby("unique_id").size().eq(12).all()
    assert set(fc["unique_id"]) == set(history["unique_id"])
    assert (fc.groupby("unique_id")["ds"].min() == pd.Timestamp("2025-01-01")).all()
    assert list(result.selection.columns[:8]) == [
        "unique_id", "series_class", "model", "n_obs", "cv_mae", "cv_rmse", "cv_wape", "cv_bias",
    ]  # fmt: skip
    assert result.selection["cv_rmse"].notna().all()
    assert result.progress_calls[-1] == history["unique_id"].nunique()


def test_intervals_are_nested_and_non_negative_on_every_row(result):
    values = result.forecast[BOUNDS].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert (np.diff(values, axis=1) >= 0).all()
    # the intervals are real intervals, not points, for the cross-validated series
    cv = result.selection.loc[result.selection["error_source"] == "cv", "unique_id"]
    widths = result.forecast[result.forecast["unique_id"].isin(cv)]
    assert (widths["hi-95"] > widths["lo-95"]).all()


def test_classes_and_models(result):
    sel = result.selection.set_index("unique_id")
    assert (sel.loc[[f"seasonal-{i}" for i in range(8)], "series_class"] == "seasonal").all()
    assert (sel.loc[[f"sparse-{i}" for i in range(5)], "series_class"] == "intermittent").all()
    assert sel.loc["dead", "model"] == "Zero"
    assert sel.loc["single", "series_class"] == "new"
    assert set(sel.loc[[f"sparse-{i}" for i in range(5)], "model"]) <= {
        "CrostonSBA", "ADIDA", "IMAPA", "TSB",
    }  # fmt: skip


def test_intermittent_series_forecast_their_demand_rate(portfolio, result):
    history, _ = portfolio
    for uid in [f"sparse-{i}" for i in range(5)]:
        fc = result.forecast.loc[result.forecast["unique_id"] == uid]
        rate = history.loc[history["unique_id"] == uid, "y"].mean()
        # Croston-type models weight recent demand, so the rate is only roughly matched
        assert 0.2 * rate < fc["yhat"].mean() < 2.0 * rate
        assert fc["hi-95"].max() > fc["yhat"].max()


def test_short_and_inactive_series(portfolio, result):
    history, _ = portfolio
    fc = result.forecast.set_index("unique_id")
    for uid in ["short-0", "short-1", "short-2"]:
        level = history.loc[history["unique_id"] == uid, "y"].mean()
        assert_allclose(fc.loc[uid, "yhat"].mean(), level, rtol=0.25)
    assert (fc.loc["dead", BOUNDS].to_numpy() == 0).all()


def test_a_trend_is_continued_rather_than_repeated():
    t = np.arange(48)
    y = 100 + 5 * t + 20 * np.sin(2 * np.pi * t / 12)
    out = forecast_series(frame("up", "2021-01-01", y), SETTINGS)
    assert out.selection.loc[0, "model"] != "SeasonalNaive"
    assert out.forecast["yhat"].mean() > y[-12:].mean() + 30


def test_selection_picks_the_model_built_for_the_series():
    # a short series growing by 10 a month: the level models lag behind, the combination of
    # Theta and SES too; the trend models (Theta's drift, the damped trend) forecast it well
    out = forecast_series(frame("ramp", "2024-01-01", 10.0 * np.arange(1, 15)), SETTINGS)
    assert out.selection.loc[0, "series_class"] == "short"
    assert out.selection.loc[0, "model"] in {"DampedTrend", "Theta"}
    assert out.forecast["yhat"].iloc[0] > 140


def test_a_new_product_gets_its_family_profile_at_its_launch_level():
    ds = pd.date_range("2021-01-01", periods=48, freq="MS")
    profile = 1 + 0.5 * np.sin(2 * np.pi * ds.month.to_numpy() / 12)
    rng = np.random.default_rng(0)
    noise = 1 + 0.03 * rng.standard_normal((4, 48))
    members = [
        frame(f"old-{i}", "2021-01-01", 200 * (i + 1) * profile * noise[i]) for i in range(4)
    ]
    launch = 40 * profile[-3:]  # three months at a deseasonalised level of 40
    history = pd.concat([*members, frame("fresh", ds[-3].strftime("%Y-%m-%d"), launch)])
    families = pd.DataFrame(
        {"unique_id": ["old-0", "old-1", "old-2", "old-3", "fresh"], "family": "F"}
    )
    out = forecast_series(history, SETTINGS, families=families)
    fc = out.forecast[out.forecast["unique_id"] == "fresh"]
    expected = 40 * (1 + 0.5 * np.sin(2 * np.pi * fc["ds"].dt.month.to_numpy() / 12))
    assert out.selection.set_index("unique_id").loc["fresh", "model"] == "FamilyProfile"
    assert_allclose(fc["yhat"], expected, rtol=0.06)
    assert (fc["hi-95"] > fc["yhat"]).all()


def test_a_product_without_history_takes_its_analogues_launch_level():
    ds = pd.date_range("2022-01-01", periods=36, freq="MS")
    launched = [
        frame(f"launched-{i}", f"{ds[12 + 6 * i]:%Y-%m-%d}", np.full(24 - 6 * i, 30.0 + i))
        for i in range(3)
    ]
    # "old" sells since the data starts: its first months are no launch, so it is no analogue
    old = frame("old", "2022-01-01", np.full(36, 100.0))
    history = pd.concat([old, *launched, frame("coming", "2024-12-01", [0.0])])
    launch_dates = pd.DataFrame({"unique_id": ["coming"], "launch_date": ["2025-01-01"]})
    families = pd.DataFrame(
        {"unique_id": ["old", "launched-0", "launched-1", "launched-2", "coming"], "family": "G"}
    )
    out = forecast_series(history, SETTINGS, families=families, launch_dates=launch_dates)
    sel = out.selection.set_index("unique_id")
    assert sel.loc["coming", ["series_class", "n_obs"]].tolist() == ["new", 0]
    fc = out.forecast[out.forecast["unique_id"] == "coming"]
    assert_allclose(fc["yhat"], 31.0, rtol=1e-6)


def test_history_end_aligns_series_that_stopped_selling():
    history = pd.concat(
        [seasonal_series(1, 36, prefix="a"), frame("b", "2022-01-01", np.full(30, 5.0))]
    )
    out = forecast_series(history, SETTINGS, history_end=pd.Timestamp("2024-12-01"))
    first = out.forecast.groupby("unique_id")["ds"].min()
    assert (first == pd.Timestamp("2025-01-01")).all()
    # b sold nothing in its last 6 (zero-filled) months: a low forecast
    assert out.forecast.loc[out.forecast["unique_id"] == "b", "yhat"].mean() < 5.0


def test_other_levels_and_horizons():
    settings = EngineSettings(horizon=6, levels=(50, 90), n_jobs=1)
    out = forecast_series(seasonal_series(2, 40, seed=9), settings)
    assert out.forecast.groupby("unique_id").size().eq(6).all()
    values = out.forecast[["lo-90", "lo-50", "yhat", "hi-50", "hi-90"]].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all()


def test_empty_history_gives_empty_frames():
    out = forecast_series(pd.DataFrame(columns=["unique_id", "ds", "y"]), SETTINGS)
    assert out.forecast.empty and out.selection.empty
    assert "lo-95" in out.forecast.columns


def test_a_portfolio_of_only_new_products():
    history = pd.concat(
        [frame("n1", "2024-10-01", [3.0, 4.0, 5.0]), frame("n2", "2024-12-01", [2.0])]
    )
    out = forecast_series(history, SETTINGS)
    assert set(out.selection["series_class"]) == {"new"}
    assert_allclose(out.forecast.groupby("unique_id")["yhat"].mean(), [4.0, 2.0])
    assert (out.forecast["hi-95"] > out.forecast["yhat"]).all()


def test_a_short_series_can_keep_its_family_seasonality():
    ds = pd.date_range("2021-01-01", periods=48, freq="MS")
    profile = 1 + 0.6 * np.sin(2 * np.pi * ds.month.to_numpy() / 12)
    rng = np.random.default_rng(3)
    members = [
        frame(f"old-{i}", "2021-01-01", 100 * (i + 1) * profile * (1 + 0.02 * rng.random(48)))
        for i in range(3)
    ]
    young = frame("young", f"{ds[-15]:%Y-%m-%d}", 50 * profile[-15:])
    families = pd.DataFrame({"unique_id": ["old-0", "old-1", "old-2", "young"], "family": "S"})
    out = forecast_series(pd.concat([*members, young]), SETTINGS, families=families)
    sel = out.selection.set_index("unique_id").loc["young"]
    assert (sel["series_class"], sel["seasonality_source"]) == ("short", "family")
    fc = out.forecast[out.forecast["unique_id"] == "young"]
    expected = 50 * (1 + 0.6 * np.sin(2 * np.pi * fc["ds"].dt.month.to_numpy() / 12))
    assert_allclose(fc["yhat"], expected, rtol=0.05)
