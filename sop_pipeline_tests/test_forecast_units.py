"""Unit tests of the forecasting building blocks: history, classes, intervals, selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from sop_pipeline.forecast import EngineSettings, seasonal_naive
from sop_pipeline.forecast.candidates import COMBINATION, CandidateSet, Model
from sop_pipeline.forecast.classify import classify_series
from sop_pipeline.forecast.history import fill_months, trim_to_start, validate_history
from sop_pipeline.forecast.intervals import (
    check_intervals,
    conformal_halfwidths,
    finalize_intervals,
)
from sop_pipeline.forecast.selection import select_models, with_combination
from sop_pipeline.forecast.synthetic import intermittent_series, seasonal_series


def frame(uid: str, start: str, values: list[float]) -> pd.DataFrame:
    ds = pd.date_range(start, periods=len(values), freq="MS")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": np.asarray(values, dtype=float)})


class TestHistory:
    def test_months_are_summed_and_gaps_are_zero_demand(self):
        raw = pd.DataFrame(
            {
                "unique_id": ["a", "a", "a", "a"],
                "ds": ["2024-01-05", "2024-01-20", "2024-03-01", "2024-04-30"],
                "y": [1.0, 2.0, 5.0, 4.0],
            }
        )
        filled = fill_months(validate_history(raw))
        assert_array_equal(filled["y"], [3.0, 0.0, 5.0, 4.0])
        assert list(filled["ds"].dt.strftime("%Y-%m")) == [
            "2024-01",
            "2024-02",
            "2024-03",
            "2024-04",
        ]

    def test_common_end_zero_fills_series_that_stopped(self):
        raw = pd.concat([frame("a", "2024-01-01", [1, 2, 3]), frame("b", "2024-01-01", [4])])
        filled = fill_months(validate_history(raw), pd.Timestamp("2024-04-01"))
        assert filled.groupby("unique_id").size().to_dict() == {"a": 4, "b": 4}
        assert_array_equal(filled.loc[filled["unique_id"] == "b", "y"], [4, 0, 0, 0])

    def test_history_after_the_end_is_an_error(self):
        with pytest.raises(ValueError, match="after the last month"):
            fill_months(
                validate_history(frame("a", "2024-01-01", [1, 2])), pd.Timestamp("2024-01-01")
            )

    @pytest.mark.parametrize(
        ("column", "value", "message"),
        [("y", -1.0, "must be a finite demand"), ("y", np.nan, "must be a finite demand")],
    )
    def test_bad_demand_is_rejected_with_examples(self, column, value, message):
        raw = frame("a", "2024-01-01", [1, 2])
        raw.loc[1, column] = value
        with pytest.raises(ValueError, match=message):
            validate_history(raw)

    def test_missing_columns_are_named(self):
        with pytest.raises(ValueError, match=r"\['y'\]"):
            validate_history(pd.DataFrame({"unique_id": ["a"], "ds": ["2024-01-01"]}))

    def test_months_before_launch_are_dropped_and_recorded_zeros_kept(self):
        # 'a' has no launch date: its recorded zeros before the first sale are months it could
        # have sold and did not (a late first sale does not make an item new); 'b' launched in
        # February, so January is not demand; 'c' records nothing before its first sale
        raw = pd.concat(
            [
                frame("a", "2024-01-01", [0, 0, 3, 0, 4]),
                frame("b", "2024-01-01", [0, 0, 0, 2, 1]),
                frame("c", "2024-03-01", [3, 0, 4]),
            ]
        )
        launch = pd.DataFrame({"unique_id": ["b"], "launch_date": ["2024-02-15"]})
        trimmed, n_obs = trim_to_start(fill_months(validate_history(raw)), launch)
        assert n_obs.to_dict() == {"a": 5, "b": 4, "c": 3}
        assert_array_equal(trimmed.loc[trimmed["unique_id"] == "b", "y"], [0, 0, 2, 1])
        assert_array_equal(trimmed.loc[trimmed["unique_id"] == "a", "y"], [0, 0, 3, 0, 4])


class TestClassify:
    def test_each_class_is_recognised(self):
        settings = EngineSettings()
        history = pd.concat(
            [
                seasonal_series(1, 48, amplitude=0.5, noise=0.02, prefix="seasonal"),
                seasonal_series(1, 48, amplitude=0.0, noise=0.05, prefix="smooth"),
                intermittent_series(1, 48, p_demand=0.2, prefix="sparse"),
                seasonal_series(1, 15, prefix="short"),
                seasonal_series(1, 4, prefix="new"),
                frame("dead", "2021-01-01", [0.0] * 12),
            ]
        )
        filled = fill_months(validate_history(history))
        trimmed, n_obs = trim_to_start(filled)
        classes = classify_series(trimmed, n_obs, settings).set_index("unique_id")
        # no seasonality test decides the class: seasonal and flat long series are both long
        assert classes["series_class"].to_dict() == {
            "seasonal-0": "long",
            "smooth-0": "long",
            "sparse-0": "intermittent",
            "short-0": "short",
            "new-0": "new",
            "dead": "inactive",
        }


class TestIntervals:
    def test_conformal_halfwidth_is_the_conformal_rank_of_the_scores(self):
        scores = np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]])
        # n = 9: 80% -> rank ceil(10 * 0.8) = 8; 95% -> rank ceil(9.5) = 10 > 9, capped at 9
        assert_allclose(conformal_halfwidths(scores, [80, 95]), [[8.0, 9.0]])

    def test_missing_scores_are_ignored(self):
        scores = np.array([[np.nan, 2.0, 1.0], [np.nan, np.nan, np.nan]])
        out = conformal_halfwidths(scores, [50])
        assert_allclose(out[0], [2.0])
        assert np.isnan(out[1, 0])

    def test_finalize_floors_at_zero_and_nests(self):
        fc = pd.DataFrame(
            {
                "yhat": [-1.0, 5.0, 5.0],
                "lo-80": [-3.0, 6.0, 1.0],
                "hi-80": [1.0, 4.0, 9.0],
                "lo-95": [-5.0, 2.0, 2.0],
                "hi-95": [3.0, 3.0, 8.0],
            }
        )
        finalize_intervals(fc, [80, 95])
        values = fc[["lo-95", "lo-80", "yhat", "hi-80", "hi-95"]].to_numpy()
        assert (values >= 0).all()
        assert (np.diff(values, axis=1) >= 0).all()
        assert_allclose(fc.loc[1].to_numpy(), [5.0, 5.0, 5.0, 2.0, 5.0])

    def test_check_rejects_swapped_bounds(self):
        fc = pd.DataFrame(
            {"yhat": [5.0], "lo-80": [2.0], "hi-80": [8.0], "lo-95": [3.0], "hi-95": [9.0]}
        )
        with pytest.raises(ValueError, match="nested"):
            check_intervals(fc, [80, 95])


class TestSelection:
    candidates = CandidateSet(
        "t", (Model("good", object), Model("bad", object)), combination=("good", "bad")
    )
    y = np.array([[10.0, 12.0, 11.0, 13.0]])
    step = np.array([1, 2, 1, 2])

    def select(self, good_error: float, bad_error: float, **kwargs) -> pd.DataFrame:
        forecasts = {"good": self.y + good_error, "bad": self.y - bad_error}
        return select_models(
            np.array(["a"]),
            self.y,
            with_combination(forecasts, self.candidates),
            self.step,
            self.candidates,
            [80],
            **kwargs,
        )

    def test_the_candidate_with_the_smaller_error_is_chosen(self):
        chosen = self.select(1.0, 5.0)
        assert chosen.loc[0, "model"] == "good"
        assert_allclose(chosen.loc[0, ["cv_mae", "cv_rmse"]].astype(float), [1.0, 1.0])
        assert_allclose(chosen.loc[0, "cv_bias"], 4.0 / 46.0)

    def test_the_combination_is_a_candidate(self):
        forecasts = with_combination({"good": self.y + 2.0, "bad": self.y - 2.0}, self.candidates)
        assert_allclose(forecasts[COMBINATION], self.y)
        assert self.select(2.0, 2.0).loc[0, "model"] == COMBINATION

    def test_a_margin_keeps_the_combination_unless_a_model_is_clearly_better(self):
        # combination error = |1 - 3| / 2 = 1: "good" (1.0) only ties it
        assert self.select(1.0, 3.0, combination_margin=0.2).loc[0, "model"] == COMBINATION

    def test_the_previous_model_stays_unless_another_is_clearly_better(self):
        # errors: good 1.0, bad 1.1, combination |1 - 1.1| / 2 = 0.05 -> the combination wins
        assert self.select(1.0, 1.1).loc[0, "model"] == COMBINATION
        # last month the series had "bad": 1.1 x (1 - 0.2) = 0.88 still loses to 0.05
        kept = self.select(1.0, 1.1, previous={"a": "bad"}, switch_margin=0.2)
        assert kept.loc[0, "model"] == COMBINATION
        # errors good 1.0, bad 1.1, combination 1.05 (both over-forecast): "good" wins alone...
        assert self.select(1.0, -1.1).loc[0, "model"] == "good"
        # ...but a series that had "bad" keeps it: 1.1 x 0.8 = 0.88 < 1.0
        kept = self.select(1.0, -1.1, previous={"a": "bad"}, switch_margin=0.2)
        assert kept.loc[0, "model"] == "bad"
        # and an unknown previous model changes nothing
        assert (
            self.select(1.0, -1.1, previous={"a": "gone"}, switch_margin=0.2).loc[0, "model"]
            == "good"
        )


def test_seasonal_naive_repeats_the_last_season_or_the_last_value():
    history = pd.concat(
        [frame("a", "2023-01-01", list(range(1, 15))), frame("b", "2024-01-01", [0, 0, 7, 9])]
    )
    fc = seasonal_naive(history, horizon=13)
    a = fc[fc["unique_id"] == "a"]
    assert a["ds"].iloc[0] == pd.Timestamp("2024-03-01")
    assert_array_equal(a["yhat"], [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 3])
    assert_array_equal(fc.loc[fc["unique_id"] == "b", "yhat"], [9] * 13)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"horizon": 0}, "horizon"),
        ({"levels": (80, 100)}, "levels"),
        ({"selection": "best"}, "selection"),
        ({"engine": "spark"}, "engine"),
        ({"cv_windows": 0}, "cv_windows"),
        ({"new_product_months": 3}, "new_product_months"),
        ({"combination_margin": 1.0}, "combination_margin"),
        ({"switch_margin": -0.1}, "switch_margin"),
    ],
)
def test_settings_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EngineSettings(**kwargs)


def test_levels_are_sorted_and_deduplicated():
    assert EngineSettings(levels=(95, 80, 95)).levels == (80, 95)


def test_seasonal_naive_aligns_to_the_plan_month():
    fc = seasonal_naive(frame("a", "2024-01-01", [5, 6]), 2, history_end=pd.Timestamp("2024-04-01"))
    assert list(fc["ds"].dt.strftime("%Y-%m")) == ["2024-05", "2024-06"]
    assert_array_equal(fc["yhat"], [0, 0])


@pytest.mark.parametrize("series_class", ["long", "short", "intermittent"])
def test_candidate_models_travel_to_worker_processes(series_class):
    """Worker processes and Dask tasks receive the models pickled: no lambdas inside."""
    import pickle

    from sop_pipeline.forecast.candidates import candidate_set

    candidates = candidate_set(series_class, EngineSettings())
    for models in (
        candidates.build(adjusted=True),
        candidates.build(adjusted=True, form="MAND"),
        candidates.build_rolling([5, 4, 3, 0], [3, 3, 3, 12]),
    ):
        assert len(pickle.loads(pickle.dumps(models))) == len(models)
