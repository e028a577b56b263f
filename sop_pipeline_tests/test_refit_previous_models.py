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
