"""AutoETS forms kept across plan months: searched once, then only re-fitted, for a year."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsforecast.models import AutoETS

from sop_pipeline.forecast import EngineSettings, forecast_series
from sop_pipeline.forecast.models import ETS_FORMS, same_ets_form
from sop_pipeline.forecast.monthly import build_monthly_forecast, carried_fit, kept_forms
from sop_pipeline.forecast.synthetic import seasonal_series

PLAN = pd.Timestamp("2025-06-01")


def _previous(form_months: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": [f"I{k}" for k in range(len(form_months))],
            "model": "Combination(Theta+CES+ETS+AutoETS)",
            "ets_form": "MAMN",
            "ets_form_month": pd.to_datetime(form_months),
        }
    )


def test_a_form_is_kept_for_its_months_then_searched_again() -> None:
    previous = _previous(["2024-07-01", "2024-06-01", "2025-05-01"])
    # searched 11 months ago: kept; 12 months ago: searched again; last month: kept
    assert kept_forms(previous, PLAN, 12) == {
        "I0": ("MAMN", pd.Timestamp("2024-07-01")),
        "I2": ("MAMN", pd.Timestamp("2025-05-01")),
    }
    assert kept_forms(previous, PLAN, 0) == {}
    assert kept_forms(None, PLAN, 12) == {}
    no_form = previous.assign(ets_form=None)
    assert kept_forms(no_form, PLAN, 12) == {}


def test_a_damped_form_is_refitted_damped() -> None:
    y = seasonal_series(1, 48, trend=0.01, seed=3)["y"].to_numpy()
    fitted = AutoETS(season_length=12, model="AAA", damped=True).fit(y)
    assert fitted.model_["components"] == "AAAD"
    refit = same_ets_form(fitted)
    assert refit.model == "AAA" and refit.damped is True


def test_a_kept_form_is_fitted_instead_of_searched() -> None:
    history = seasonal_series(6, 48, noise=0.05, seed=11)
    settings = EngineSettings(n_jobs=1)
    searched = forecast_series(history, settings).selection.set_index("unique_id")["ets_form"]
    assert searched.isin(ETS_FORMS).all()
    # a form the search does not pick for the first series: keeping it must change its forecast
    other = next(form for form in ("ANNN", "ANAN", "MNMN") if form != searched.iloc[0])
    forms = dict(searched) | {searched.index[0]: other}
    kept = forecast_series(history, settings, forms=forms)
    assert kept.selection.set_index("unique_id")["ets_form"].to_dict() == forms
    again = forecast_series(history, settings, forms=dict(searched))
    first = forecast_series(history, settings)
    # the same forms on the same history: the same forecasts, with or without the search
    np.testing.assert_allclose(again.forecast["yhat"], first.forecast["yhat"])


def test_the_month_after_keeps_the_form_and_when_it_was_searched() -> None:
    history = seasonal_series(3, 40, end="2025-06-01", seed=5)
    demand = history.rename(columns={"unique_id": "item", "ds": "month", "y": "demand_qty"})
    items = pd.DataFrame(
        {
            "item": demand["item"].unique(),
            "item_type": "finished_good",
            "family": "Sun",
            "unit_price": 10.0,
            "launch_date": pd.NaT,
        }
    )
    none = pd.DataFrame(columns=["item", "start_month", "end_month", "uplift_pct"])
    overrides = pd.DataFrame(
        columns=["item", "month", "override_qty", "adjustment_pct", "reason", "owner"]
    )
    settings = EngineSettings(horizon=12, n_jobs=1)
    may = pd.Timestamp("2025-05-01")
    first = build_monthly_forecast(demand, items, none, overrides, may, settings).models
    assert (first["ets_form_month"] == may).all()
    june = build_monthly_forecast(
        demand, items, none, overrides, PLAN, settings, previous_models=first, ets_form_months=12
    ).models
    assert (june["ets_form"].to_numpy() == first["ets_form"].to_numpy()).all()
    assert (june["ets_form_month"] == may).all()
    fresh = build_monthly_forecast(
        demand, items, none, overrides, PLAN, settings, previous_models=first, ets_form_months=1
    ).models
    assert (fresh["ets_form_month"] == PLAN).all()


def test_a_refitted_month_keeps_the_adjusted_form_only_with_the_autoets_form() -> None:
    previous = _previous(["2025-05-01", "2024-06-01"]).assign(adjusted_ets_form=["AAND", "MAND"])
    errors = pd.DataFrame(
        {"item": ["I0", "I1"], "months_ahead": 1, "rmse": 1.0, "rmse_cumulative": 1.0,
         "error_level": 10.0}
    )  # fmt: skip
    kept = kept_forms(previous, PLAN, 4)
    assert list(kept) == ["I0"]  # I1's forms were found a year ago: both searched again
    carried = carried_fit(previous, errors, kept=kept)
    assert carried.adjusted_forms == {"I0": "AAND"}
    # a warehouse from before the adjusted form was recorded carries none
    older = carried_fit(previous.drop(columns="adjusted_ets_form"), errors, kept=kept)
    assert older.adjusted_forms == {}
