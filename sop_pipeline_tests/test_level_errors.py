"""Forecast errors measured at one level are applied at another in proportion, and series of
24-41 months are scored at the months ahead safety stock protects."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from sop_pipeline.forecast import EngineSettings, forecast_series
from sop_pipeline.forecast.errors import horizon_errors
from sop_pipeline.supply.safety_stock import time_phased_targets


def test_errors_proportional_to_the_level_are_applied_at_the_forecast_level():
    # one series, two hold-out windows of two months: forecasts 100 then 300, every error 10 %
    # of its forecast; the horizon's mean forecast is 50
    forecasts = np.array([[100.0, 100.0, 300.0, 300.0]])
    errors = np.array([[10.0, 10.0, 30.0, 30.0]])
    table = horizon_errors(
        np.array(["a"]), errors, 2, 0.0, 4, forecasts=forecasts, level=np.array([50.0])
    )
    # relative error 0.1 at every month ahead -> 5 units at the level 50, not the RMSE in
    # units where the errors were made (sqrt((100 + 100 + 900 + 900) / 4) = 22.4)
    assert_allclose(table["rmse"], 5.0)
    assert_allclose(table["error_level"], 50.0)
    # demand summed over k months: relative errors 0.1 + 0.1 in both windows -> 5, 10
    assert_allclose(table["rmse_cumulative"].iloc[:2], [5.0, 10.0])
    absolute = horizon_errors(np.array(["a"]), errors, 2, 0.0, 4)
    assert_allclose(absolute["rmse"].iloc[0], np.sqrt(500.0))
    assert absolute["error_level"].isna().all()


def test_safety_stock_follows_each_months_forecast():
    # the series above planned with a review period of one month and no lead time: the stock
    # at the end of month t protects month t + 1, so SS_t = z x 0.1 x f_{t+1} (z = 1.645 at
    # 95 %); after the 4-month horizon, the horizon's mean (50)
    forecast = np.array([[25.0, 75.0, 25.0, 75.0]])  # mean 50
    sigma = np.full((1, 4), 5.0)  # rmse at the level 50 (test above)
    targets = time_phased_targets(
        forecast, sigma, np.array([0.0]), np.array([0.0]), 1.0, np.array([0.95])
    )
    z = 1.6448536269514722
    assert_allclose(targets.safety_stock[0], z * 0.1 * np.array([75.0, 25.0, 75.0, 50.0]))


def test_a_seasonal_series_with_errors_proportional_to_its_level():
    # 36 months, peak season three times the trough, noise 10 % of the level: the error the
    # forecast reports, relative to the level it is expressed at, is the noise's size whether
    # the hold-out months fell in a high or a low season (within 0.05 to 0.2 of the level)
    rng = np.random.default_rng(7)
    months = np.arange(36)
    season = 1.0 + 0.5 * np.sin(2 * np.pi * months / 12)
    ratios = {}
    for name, shift in (("ends_high", 0), ("ends_low", 6)):
        level = 1000.0 * (1.0 + 0.5 * np.sin(2 * np.pi * (months + shift) / 12))
        y = level * (1 + 0.1 * rng.standard_normal(36))
        history = pd.DataFrame(
            {"unique_id": name, "ds": pd.date_range("2022-01-01", periods=36, freq="MS"), "y": y}
        )
        result = forecast_series(history, EngineSettings(n_jobs=1))
        errors = result.errors.set_index("months_ahead")
        ratios[name] = errors.loc[1, "rmse"] / errors.loc[1, "error_level"]
        selection = result.selection.iloc[0]
        # 36 months: scored 6 months ahead from 12 origins, not 3 ahead from 3
        assert (selection["cv_horizon"], selection["cv_windows"]) == (6, 12)
    assert season.max() / season.min() == 3.0
    for name, ratio in ratios.items():
        assert 0.05 < ratio < 0.2, (name, ratio)
