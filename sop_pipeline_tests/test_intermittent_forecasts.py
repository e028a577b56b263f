"""Intermittent demand: ADIDA or IMAPA by pooled evidence, another model only on strong
evidence, dormant series, late first sales."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.forecast import EngineSettings, forecast_series, seasonal_naive
from sop_pipeline.forecast.candidates import DORMANT_ZERO, candidate_set
from sop_pipeline.forecast.classify import INTERMITTENT, classify_series, dormant_series
from sop_pipeline.forecast.history import fill_months, trim_to_start, validate_history
from sop_pipeline.forecast.models import SeasonalADIDA
from sop_pipeline.forecast.selection import (
    POOL_MIN_SERIES,
    group_incumbent,
    pooled_default,
    select_models,
)


def frame(uid: str, values: list[float], start: str = "2022-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(values, dtype=float)})


def _chosen(forecasts: dict[str, np.ndarray]) -> list[str]:
    """The intermittent models picked (margin 0.5) for hold-out forecasts of series whose four
    hold-out months sold nothing: a forecast's squared error is its square."""
    n = len(forecasts["ADIDA"])
    chosen = select_models(
        np.array([f"s{i}" for i in range(n)]),
        np.zeros((n, 4)),
        forecasts,
        np.arange(1, 5),
        candidate_set(INTERMITTENT, EngineSettings()),
        [80],
        combination_margin=0.5,
    )
    return chosen["model"].tolist()


def _select(croston_mse_share: float) -> str:
    """The model picked when CrostonSBA's squared error is ``croston_mse_share`` of ADIDA's
    (and the others' far worse)."""
    forecasts = {
        "ADIDA": np.full((1, 4), 2.0),  # MSE 4
        "CrostonSBA": np.full((1, 4), 2.0 * np.sqrt(croston_mse_share)),
        "IMAPA": np.full((1, 4), 10.0),
        "TSB": np.full((1, 4), 10.0),
    }
    return _chosen(forecasts)[0]


def test_adida_is_kept_unless_another_model_halves_its_squared_error():
    assert candidate_set(INTERMITTENT, EngineSettings()).default == "ADIDA"
    assert _select(0.6) == "ADIDA"  # 40 % lower: noise on a few hold-out months
    assert _select(0.4) == "CrostonSBA"  # 60 % lower: strong evidence


def _pooled(n_series: int, imapa_ratios: list[float], incumbent: str | None = None) -> str:
    """The group default when IMAPA's squared error is ``imapa_ratios`` (cycled) of ADIDA's."""
    candidates = candidate_set(INTERMITTENT, EngineSettings())
    names = ["ADIDA", "CrostonSBA", "IMAPA", "TSB"]
    adida = np.linspace(1.0, 50.0, n_series)  # series of very different sizes
    ratios = np.resize(np.asarray(imapa_ratios, dtype=float), n_series)
    score = np.column_stack([adida, adida * 0.1, adida * ratios, adida * 0.1])
    return pooled_default(score, names, candidates, incumbent=incumbent, switch_margin=0.2)


def test_the_group_default_is_imapa_only_when_the_pooled_evidence_favours_it():
    assert candidate_set(INTERMITTENT, EngineSettings()).pooled == ("IMAPA",)
    # geometric mean of 0.5 and 1.6: sqrt(0.8) = 0.894 < 1 -> IMAPA for the whole group
    assert _pooled(POOL_MIN_SERIES, [0.5, 1.6]) == "IMAPA"
    # sqrt(0.5 x 2.2) = 1.049 > 1: IMAPA halves half the series' error, but not on the whole
    assert _pooled(POOL_MIN_SERIES, [0.5, 2.2]) == "ADIDA"
    # too few series: a handful of hold-out months is noise, the set's default stays
    assert _pooled(POOL_MIN_SERIES - 1, [0.5, 1.6]) == "ADIDA"
    # CrostonSBA's and TSB's far smaller errors never make them the group default
    assert _pooled(100, [1.01]) == "ADIDA"


def test_the_group_keeps_last_months_default_unless_another_is_better_by_the_switch_margin():
    # IMAPA's errors 10 % below ADIDA's: a new group takes IMAPA, a group on ADIDA stays
    assert _pooled(40, [0.9]) == "IMAPA"
    assert _pooled(40, [0.9], incumbent="ADIDA") == "ADIDA"  # 0.9 > 1 - 0.2
    assert _pooled(40, [0.75], incumbent="ADIDA") == "IMAPA"  # 0.75 < 0.8
    assert _pooled(40, [1.1], incumbent="IMAPA") == "IMAPA"  # 1.1 x 0.8 = 0.88 < 1
    assert _pooled(40, [1.3], incumbent="IMAPA") == "ADIDA"  # 1.3 x 0.8 = 1.04 > 1


def test_the_group_incumbent_is_the_default_most_of_its_series_had():
    candidates = candidate_set(INTERMITTENT, EngineSettings())
    ids = np.array(["a", "b", "c", "d"])
    previous = {"a": "IMAPA", "b": "TSB", "c": "IMAPA", "d": "ADIDA", "other": "ADIDA"}
    assert group_incumbent(ids, previous, candidates) == "IMAPA"
    assert group_incumbent(ids, {"b": "TSB"}, candidates) is None
    assert group_incumbent(ids, None, candidates) is None


def test_a_series_of_a_group_that_favours_imapa_keeps_imapa_unless_another_halves_its_error():
    n = POOL_MIN_SERIES
    forecasts = {
        "ADIDA": np.full((n, 4), 2.0),  # MSE 4
        "IMAPA": np.full((n, 4), 1.8),  # MSE 3.24: 19 % lower, everywhere
        "CrostonSBA": np.full((n, 4), 10.0),
        "TSB": np.full((n, 4), 10.0),
    }
    forecasts["CrostonSBA"][0] = 1.2  # MSE 1.44: 56 % below IMAPA's -> strong evidence
    forecasts["TSB"][1] = 1.5  # MSE 2.25: 31 % below IMAPA's, 44 % below ADIDA's -> noise
    chosen = _chosen(forecasts)
    assert chosen[0] == "CrostonSBA"
    assert chosen[1:] == ["IMAPA"] * (n - 1)


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


def test_seasonal_adida_spreads_last_years_demand_over_a_pattern_that_repeats_exactly():
    # sells only May-September, the same every year; 39 months, so the forecast starts in April
    pattern = np.array([0, 0, 0, 0, 4, 8, 12, 8, 4, 0, 0, 0], dtype=float)
    y = np.r_[np.tile(pattern, 3), pattern[:3]]
    # the pattern repeats exactly, so the own indices (pattern / its mean 3) carry no noise
    # and are not shrunk; the months without demand are floored at 0.05 (an index is never
    # zero), and the indices keep mean 1: any twelve months sold 36, so 3 a month times them
    indices = np.maximum(pattern / 3.0, 0.05)
    indices /= indices.mean()
    expected = 3.0 * np.roll(indices, -3)
    forecast = SeasonalADIDA().forecast(y, 12)["mean"]
    assert_allclose(forecast, expected)
    # seven floored months: mean index (12 + 7 x 0.05) / 12 = 1.0291667; May, June, July
    assert_allclose(forecast[1:4], np.array([4.0, 8.0, 12.0]) / 1.0291667, rtol=1e-6)
    assert_allclose(forecast[[0, 9, 10, 11]], 0.15 / 1.0291667, rtol=1e-6)
    assert forecast.sum() == pytest.approx(36.0)


def test_seasonal_adida_sells_what_the_last_year_sold_and_nothing_after_a_dead_year():
    rng = np.random.default_rng(5)
    noisy = (rng.random(40) < 0.3) * rng.integers(1, 9, 40).astype(float)
    forecast = SeasonalADIDA().forecast(noisy, 24)["mean"]
    assert forecast[:12].sum() == pytest.approx(noisy[-12:].sum())
    assert_allclose(forecast[12:], forecast[:12])  # the year repeats
    # a pattern that does not repeat across years is pulled toward an even spread
    raw = SeasonalADIDA().indices(noisy)
    assert np.ptp(raw) < np.ptp(noisy[-36:].reshape(3, 12).sum(axis=0) / noisy[-36:].mean() / 3)
    # sold for two years, then nothing for a year: forecast zero, where ADIDA keeps selling
    dead = np.r_[np.tile([0.0, 3.0, 0.0, 5.0], 6), np.zeros(12)]
    assert_allclose(SeasonalADIDA().forecast(dead, 12)["mean"], 0.0)
    # a pattern seen once is not spread by: 23 months of the exact summer pattern, spread evenly
    summer = np.tile([0.0, 0, 0, 0, 0, 6, 9, 6, 0, 0, 0, 0], 2)[:23]
    assert_allclose(SeasonalADIDA().forecast(summer, 12)["mean"], 21.0 / 12)
    # less than a year: the mean of the months it has, not a fall-back to another model
    assert_allclose(SeasonalADIDA().forecast(np.array([0.0, 4, 0, 0, 2, 0, 1]), 3)["mean"], 1.0)


def test_a_slow_mover_that_sells_only_in_summer_is_forecast_in_summer():
    # three years of a sun-care slow mover (a few units June-August, none otherwise) among
    # slow movers without a season: its own hold-out errors choose the seasonal spread
    rng = np.random.default_rng(11)
    months = pd.date_range("2022-01-01", periods=36, freq="MS")
    summer = np.where(months.month.isin([6, 7, 8]), rng.poisson(9, 36), 0).astype(float)
    others = [(rng.random(36) < 0.35) * rng.integers(1, 6, 36) for _ in range(4)]
    history = pd.concat(
        [frame("summer", list(summer))]
        + [frame(f"plain-{i}", list(o)) for i, o in enumerate(others)]
    )
    result = forecast_series(history, EngineSettings(horizon=12, n_jobs=1))
    models = result.selection.set_index("unique_id")["model"]
    assert models["summer"] == "SeasonalADIDA"
    fc = result.forecast[result.forecast["unique_id"] == "summer"].set_index("ds")["yhat"]
    in_season = fc[fc.index.month.isin([6, 7, 8])].sum()
    assert in_season > 0.9 * fc.sum()
    assert fc.sum() == pytest.approx(summer[-12:].sum())
    # the slow movers without a season keep the group's default
    assert "SeasonalADIDA" not in set(models[[f"plain-{i}" for i in range(4)]])
    # and the table of models says where the summer item's seasonality comes from: its own
    sources = result.selection.set_index("unique_id")
    assert sources.loc["summer", "seasonality_source"] == "item"
    assert sources.loc["summer", "seasonal_weight"] > 0.5
    assert (sources.loc[[f"plain-{i}" for i in range(4)], "seasonality_source"] == "none").all()
