"""Intermittent demand: ADIDA unless the evidence is strong, dormant series, late first sales."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.forecast import EngineSettings, forecast_series, seasonal_naive
from sop_pipeline.forecast.candidates import DORMANT_ZERO, candidate_set
from sop_pipeline.forecast.classify import INTERMITTENT, classify_series, dormant_series
from sop_pipeline.forecast.history import fill_months, trim_to_start, validate_history
from sop_pipeline.forecast.selection import select_models


def frame(uid: str, values: list[float], start: str = "2022-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(values, dtype=float)})


def _select(croston_mse_share: float) -> str:
    """The model picked when CrostonSBA's squared error is ``croston_mse_share`` of ADIDA's
    (and the others' far worse)."""
    candidates = candidate_set(INTERMITTENT, EngineSettings())
    actual = np.zeros((1, 4))
    adida = np.full((1, 4), 2.0)  # MSE 4
    forecasts = {
        "ADIDA": adida,
        "CrostonSBA": np.full((1, 4), 2.0 * np.sqrt(croston_mse_share)),
        "IMAPA": np.full((1, 4), 10.0),
        "TSB": np.full((1, 4), 10.0),
    }
    chosen = select_models(
        np.array(["x"]),
        actual,
        forecasts,
        np.arange(1, 5),
        candidates,
        [80],
        combination_margin=0.5,
    )
    return chosen["model"].iloc[0]


def test_adida_is_kept_unless_another_model_halves_its_squared_error():
    assert candidate_set(INTERMITTENT, EngineSettings()).default == "ADIDA"
    assert _select(0.6) == "ADIDA"  # 40 % lower: noise on a few hold-out months
    assert _select(0.4) == "CrostonSBA"  # 60 % lower: strong evidence


def test_dormant_series_by_hand():
    history = pd.concat(
        [
            # sales at months 0, 3, 5 (gaps 3, 2; ADI 12/3 = 4); then 6 months without: 6 > 3
            # but not > 2 x 4 = 8 -> not dormant
            frame("quiet", [1, 0, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0]),
            # sales at 0, 2, 4, 6 (gaps 2; ADI 20/4 = 5); then 13 without: > 2 and > 10
            frame("dead", [1, 0, 1, 0, 1, 0, 1] + [0] * 13),
            # one sale: no gap to compare with
            frame("once", [0, 3] + [0] * 18),
            # sells in the last month
            frame("alive", [1, 0, 0, 0, 0, 0, 0, 0, 0, 2]),
        ]
    )
    assert list(dormant_series(history)) == ["dead"]


@pytest.mark.parametrize("option,model", [("tsb", "TSB"), ("zero", DORMANT_ZERO)])
def test_dormant_option_gives_the_dormant_series_its_model_and_no_other(option, model):
    rng = np.random.default_rng(3)
    lively = (rng.random(40) < 0.4) * rng.integers(1, 6, 40)
    history = pd.concat(
        [frame("dead", [2, 0, 3, 0, 2, 0, 4, 0, 2] + [0] * 31), frame("lively", list(lively))]
    )
    settings = EngineSettings(horizon=6, n_jobs=1, dormant_demand=option)
    result = forecast_series(history, settings)
    models = result.selection.set_index("unique_id")["model"]
    assert models["dead"] == model
    assert models["lively"] not in (model, DORMANT_ZERO)
    dead = result.forecast[result.forecast["unique_id"] == "dead"]
    if option == "zero":
        assert_allclose(dead["yhat"], 0.0)
    kept = forecast_series(history, EngineSettings(horizon=6, n_jobs=1))
    assert kept.selection.set_index("unique_id")["model"]["dead"] != DORMANT_ZERO


def test_a_late_first_sale_without_launch_date_is_intermittent_not_new():
    # recorded for 30 months, first sold in month 27: an existing item that rarely sells
    history = frame("late", [0] * 27 + [4, 0, 5])
    filled = fill_months(validate_history(history))
    trimmed, n_obs = trim_to_start(filled)
    classes = classify_series(trimmed, n_obs, EngineSettings()).set_index("unique_id")
    assert classes.loc["late", "series_class"] == INTERMITTENT
    assert classes.loc["late", "n_obs"] == 30
    # with a launch date in month 27 it is new
    launch = pd.DataFrame({"unique_id": ["late"], "launch_date": ["2024-04-01"]})
    trimmed, n_obs = trim_to_start(filled, launch)
    classes = classify_series(trimmed, n_obs, EngineSettings()).set_index("unique_id")
    assert classes.loc["late", "series_class"] == "new"


def test_the_seasonal_naive_baseline_starts_at_the_launch_like_the_forecast():
    # launched in month 21 of 24 recorded months: the baseline repeats its last month, not a
    # season of zeros from before the launch
    history = frame("n", [0] * 20 + [5, 6, 7, 8])
    launch = pd.DataFrame({"unique_id": ["n"], "launch_date": ["2023-09-01"]})
    naive = seasonal_naive(history, 3, launch_dates=launch)
    assert_allclose(naive["yhat"], [8.0, 8.0, 8.0])
    # without a launch date the recorded zeros are history: the last season repeats
    assert_allclose(seasonal_naive(history, 3)["yhat"], [0.0, 0.0, 0.0])
