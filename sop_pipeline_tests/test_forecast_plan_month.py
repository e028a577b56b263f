"""The plan month's forecast: as-of history, promotions in their months, exceptions on a jump."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from sop_pipeline.forecast.monthly import build_monthly_forecast
from sop_pipeline.forecast.settings import EngineSettings
from sop_pipeline.lib.sql_models import (
    SQL_DIR,
    flatten_settings,
    macro_statements,
    parse_model,
    run_model,
)
from sop_pipeline.settings import load_settings

PLAN = pd.Timestamp("2025-06-01")
MONTHS = pd.date_range("2022-01-01", PLAN, freq="MS")
ITEMS = pd.DataFrame(
    {
        "item": ["SEASONAL", "FLAT", "PART"],
        "item_type": ["finished_good", "finished_good", "component"],
        "family": ["Sun", "Body", None],
        "unit_price": [20.0, 10.0, None],
        "launch_date": pd.to_datetime([None, None, None]),
    }
)
NO_OVERRIDES = pd.DataFrame(
    columns=["item", "month", "override_qty", "adjustment_pct", "reason", "owner"]
)
NO_PROMOTIONS = pd.DataFrame(columns=["item", "start_month", "end_month", "uplift_pct"])


def _demand(months: pd.DatetimeIndex) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    season = 100 + 80 * np.sin(2 * np.pi * (months.month - 3) / 12)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "item": "SEASONAL",
                    "month": months,
                    "demand_qty": season + rng.normal(0, 5, len(months)),
                }
            ),
            pd.DataFrame(
                {"item": "FLAT", "month": months, "demand_qty": 50 + rng.normal(0, 3, len(months))}
            ),
        ]
    )


def _forecast(demand: pd.DataFrame, promotions: pd.DataFrame = NO_PROMOTIONS) -> pd.DataFrame:
    settings = EngineSettings(horizon=12, n_jobs=1)
    return build_monthly_forecast(
        demand, ITEMS, promotions, NO_OVERRIDES, PLAN, settings
    ).forecast.set_index(["item", "month"])


def test_the_forecast_sees_only_demand_known_at_the_plan_month() -> None:
    known = _demand(MONTHS)
    future = _demand(pd.date_range("2025-07-01", periods=6, freq="MS")).assign(demand_qty=1e6)
    with_future = _forecast(pd.concat([known, future]))
    pd.testing.assert_frame_equal(_forecast(known), with_future)
    assert with_future.index.get_level_values("month").min() == pd.Timestamp("2025-07-01")
    assert set(with_future.index.get_level_values("item")) == {"SEASONAL", "FLAT"}


def test_a_promotion_lifts_only_its_months_and_the_parts_add_up() -> None:
    promotions = pd.DataFrame(
        {
            "item": ["FLAT"],
            "start_month": [pd.Timestamp("2025-09-01")],
            "end_month": [pd.Timestamp("2025-10-01")],
            "uplift_pct": [40.0],
        }
    )
    plain, promoted = _forecast(_demand(MONTHS)), _forecast(_demand(MONTHS), promotions)
    flat = promoted.loc["FLAT"]
    in_promo = flat.index.isin(pd.to_datetime(["2025-09-01", "2025-10-01"]))
    np.testing.assert_allclose(
        flat.loc[in_promo, "promo_qty"], 0.4 * flat.loc[in_promo, "baseline_qty"]
    )
    assert (flat.loc[~in_promo, "promo_qty"] == 0).all()
    np.testing.assert_allclose(flat["baseline_qty"] + flat["promo_qty"], flat["forecast_qty"])
    np.testing.assert_allclose(flat["baseline_qty"], plain.loc["FLAT", "forecast_qty"])
    np.testing.assert_allclose(flat["forecast_revenue"], flat["forecast_qty"] * 10.0)


def test_the_seasonal_item_keeps_its_season() -> None:
    seasonal = _forecast(_demand(MONTHS)).loc["SEASONAL", "forecast_qty"]
    assert seasonal.loc["2025-12-01"] < 60 < 140 < seasonal.loc["2026-06-01"]


def test_a_planted_demand_jump_shows_as_an_exception() -> None:
    """Prior forecast: 100 a month for both items. This month A jumps to 200 (+100 %, +1,100 a
    month of revenue at 11 x 10); B moves to 105 (+5 %): only A is an exception. A's model
    changed too, so its row names the method switch as the cause."""
    plan = dt.date(2025, 6, 1)
    rows = []
    for plan_month, a_qty in ((dt.date(2025, 5, 1), 100.0), (plan, 200.0)):
        for k in range(12):
            month = pd.Timestamp(plan_month) + pd.DateOffset(months=k + 1)
            rows.append((plan_month, "A", month, a_qty, a_qty * 10))
            rows.append(
                (
                    plan_month,
                    "B",
                    month,
                    100.0 if plan_month < plan else 105.0,
                    (100.0 if plan_month < plan else 105.0) * 10,
                )
            )
    forecast = pd.DataFrame(
        rows, columns=["plan_month", "item", "month", "forecast_qty", "forecast_revenue"]
    )
    items = pd.DataFrame(
        {
            "plan_month": [plan] * 2,
            "item": ["A", "B"],
            "family": ["F", "F"],
            "description": ["a", "b"],
            "unit_cost": [4.0, 4.0],
        }
    )
    # both items sold 100 a month over the last year
    history = pd.DataFrame(
        [(month.date(), item, 100.0) for month in pd.date_range("2024-07-01", plan, freq="MS")
         for item in ("A", "B")],
        columns=["plan_month", "item", "demand_qty"],
    )  # fmt: skip
    models = pd.DataFrame(
        {
            "plan_month": [dt.date(2025, 5, 1)] * 2 + [plan] * 2,
            "item": ["A", "B", "A", "B"],
            "model": ["Combination(Theta+SES)", "Theta", "SeasonalNaive", "Theta"],
            "seasonality_source": ["family", "item", "family", "item"],
        }
    )
    con = duckdb.connect()
    con.execute("create schema sop_mart; create schema staging")
    for name, frame in (("forecast_rows", forecast), ("item_rows", items),
                        ("history_rows", history), ("model_rows", models)):  # fmt: skip
        con.register(name, frame)
    con.execute("create table sop_mart.forecast as select * from forecast_rows")
    con.execute("create table staging.items as select * from item_rows")
    con.execute("create table staging.demand_history as select * from history_rows")
    con.execute("create table sop_mart.forecast_models as select * from model_rows")
    model = parse_model(SQL_DIR / "marts" / "forecast_changes.sql", "sop_mart", "marts")
    settings = flatten_settings(load_settings().model_dump())
    run_model(con, model, [plan], settings, macro_statements())
    out = con.execute("select * from sop_mart.forecast_changes").df().set_index("item")
    assert out.loc["A", "months_compared"] == 11
    assert out.loc["A", "change_qty"] == 1100 and out.loc["A", "change_revenue"] == 11000
    assert out["is_exception"].to_dict() == {"A": True, "B": False}
    # revision: mean |change| over the 11 months / mean demand 100: A 100 / 100, B 5 / 100
    assert out["revision_pct"].to_dict() == {"A": 1.0, "B": 0.05}
    assert out.loc["A", "change_cause"] == (
        "method switch: model Combination(Theta+SES) -> SeasonalNaive"
    )
    assert out["is_method_switch"].to_dict() == {"A": True, "B": False}
    assert pd.isna(out.loc["B", "change_cause"])


def test_a_product_launching_in_the_horizon_sells_nothing_before_its_launch() -> None:
    items = pd.concat(
        [
            ITEMS,
            pd.DataFrame(
                {
                    "item": ["LAUNCH"],
                    "item_type": ["finished_good"],
                    "family": ["Body"],
                    "unit_price": [12.0],
                    "launch_date": [pd.Timestamp("2025-09-15")],
                }
            ),
        ],
        ignore_index=True,
    )
    demand = pd.concat(
        [_demand(MONTHS), pd.DataFrame({"item": "LAUNCH", "month": MONTHS, "demand_qty": 0.0})]
    )
    settings = EngineSettings(horizon=12, n_jobs=1)
    result = build_monthly_forecast(demand, items, NO_PROMOTIONS, NO_OVERRIDES, PLAN, settings)
    launch = result.forecast[result.forecast["item"] == "LAUNCH"].set_index("month")
    assert (launch.loc[:"2025-08-01", ["forecast_qty", "hi95"]] == 0).all().all()
    assert (launch.loc["2025-09-01":, "forecast_qty"] > 0).all()
    assert "LAUNCH" not in result.skipped
