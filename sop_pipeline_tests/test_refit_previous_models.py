"""Earlier plan months caught up by re-fitting the previous month's models (no cross-validation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose
from scipy.stats import norm

from sop_pipeline.forecast import EngineSettings, forecast_series
from sop_pipeline.forecast.pipeline import CarriedFit
from sop_pipeline.forecast.synthetic import seasonal_series

SETTINGS = EngineSettings(n_jobs=1)


def _errors(uid: str, rmse: float, level: float, horizon: int = 12) -> pd.DataFrame:
    months = np.arange(1, horizon + 1)
    return pd.DataFrame(
        {
            "unique_id": uid,
            "months_ahead": months,
            "rmse": rmse,
            "rmse_cumulative": rmse * np.sqrt(months),
            "error_level": level,
        }
    )


def _carried(models: dict[str, str], errors: pd.DataFrame) -> CarriedFit:
    selection = pd.DataFrame(
        {
            "unique_id": list(models),
            "cv_mae": 8.0,
            "cv_rmse": 10.0,
            "cv_wape": 0.1,
            "cv_bias": 0.0,
            "cv_horizon": 12,
        }
    )
    return CarriedFit(models, selection, errors)


def test_the_carried_model_is_refitted_and_its_errors_follow_the_new_level() -> None:
    history = seasonal_series(1, 48, level=300.0, noise=0.05, seed=4)
    uid = history["unique_id"].iloc[0]
    # SeasonalNaive is not what cross-validation picks here: carried, it must be what is used
    carried = _carried({uid: "SeasonalNaive"}, _errors(uid, rmse=10.0, level=100.0))
    result = forecast_series(history, SETTINGS, carried=carried)
    fc = result.forecast
    last_year = history["y"].to_numpy()[-12:]
    assert_allclose(fc["yhat"], last_year)
    assert (fc["model"] == "SeasonalNaive").all()
    level = last_year.mean()
    # 10 units at a level of 100 -> 10 x level / 100 at the new forecast's level
    errors = result.errors
    assert_allclose(errors["rmse"], 10.0 * level / 100.0)
    assert_allclose(errors["error_level"], level)
    assert_allclose(errors["rmse_cumulative"], 10.0 * level / 100.0 * np.sqrt(np.arange(1, 13)))
    # normal intervals from those errors, floored at zero
    expected_hi80 = last_year + norm.ppf(0.9) * 10.0 * level / 100.0
    assert_allclose(fc["hi-80"], expected_hi80)
    selection = result.selection.iloc[0]
    assert selection["error_source"] == "previous"
    assert_allclose(selection["cv_rmse"], 10.0 * level / 100.0)


def test_a_series_whose_model_left_its_class_is_cross_validated_afresh() -> None:
    history = seasonal_series(2, 48, noise=0.05, seed=9)
    first, second = history["unique_id"].unique()
    errors = pd.concat([_errors(first, 5.0, 100.0), _errors(second, 5.0, 100.0)])
    # 'SES' belongs to the short class: a 48-month series cannot keep it
    carried = _carried({first: "Combination(Theta+CES+ETS+AutoETS)", second: "SES"}, errors)
    result = forecast_series(history, SETTINGS, carried=carried).selection.set_index("unique_id")
    assert result.loc[first, "error_source"] == "previous"
    assert result.loc[second, "error_source"] == "cv"
    full = forecast_series(history, SETTINGS)
    # the combination re-fitted on the same history is the cross-validated run's combination
    refitted = forecast_series(history, SETTINGS, carried=carried).forecast
    mine = refitted[refitted["unique_id"] == first]["yhat"].to_numpy()
    theirs = full.forecast[full.forecast["unique_id"] == first]["yhat"].to_numpy()
    assert full.selection.set_index("unique_id").loc[first, "model"].startswith("Combination")
    assert_allclose(mine, theirs)


COMBINATION = "Combination(Theta+CES+ETS+AutoETS)"


def _refit(history: pd.DataFrame, forms: dict[str, str]) -> pd.DataFrame:
    """The combination carried for every series, with ``forms`` as their adjusted ETS forms."""
    ids = list(history["unique_id"].unique())
    errors = pd.concat([_errors(uid, 5.0, 100.0) for uid in ids])
    carried = _carried(dict.fromkeys(ids, COMBINATION), errors)
    carried = CarriedFit(carried.models, carried.selection, carried.errors, adjusted_forms=forms)
    return forecast_series(history, SETTINGS, carried=carried)


def test_the_adjusted_ets_form_found_is_reported_and_kept_when_refitting() -> None:
    history = seasonal_series(3, 48, noise=0.1, trend=0.01, seed=11)
    searched = forecast_series(history, SETTINGS).selection.set_index("unique_id")
    found = searched["adjusted_ets_form"]
    assert found.isin(["AAND", "MAND"]).all()
    # re-fitted without a form: searched again; with the form it found: the same forecasts
    again = _refit(history, {})
    kept = _refit(history, found.to_dict())
    assert_allclose(kept.forecast["yhat"], again.forecast["yhat"], rtol=1e-12)
    assert (kept.selection.set_index("unique_id")["adjusted_ets_form"] == found).all()
    # a different form kept is the one fitted (and reported)
    other = {uid: "AAND" if form == "MAND" else "MAND" for uid, form in found.items()}
    switched = _refit(history, other)
    assert switched.selection.set_index("unique_id")["adjusted_ets_form"].to_dict() == other
    assert not np.allclose(switched.forecast["yhat"], again.forecast["yhat"], rtol=1e-6)


def test_a_kept_form_that_no_longer_fits_is_searched_again() -> None:
    history = seasonal_series(1, 48, noise=0.1, seed=12)
    uid = history["unique_id"].iloc[0]
    history.loc[history.index[-2], "y"] = 0.0  # a multiplicative error needs positive data
    refitted = _refit(history, {uid: "MAND"})
    assert refitted.selection["adjusted_ets_form"].iloc[0] == "AAND"
    assert_allclose(refitted.forecast["yhat"], _refit(history, {}).forecast["yhat"], rtol=1e-12)
