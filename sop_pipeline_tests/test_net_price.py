"""Realised net prices: own sales, else the family's or the company's net-to-list ratio."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.forecast.monthly import build_monthly_forecast
from sop_pipeline.forecast.net_price import realised_net_prices
from sop_pipeline.forecast.settings import EngineSettings

PLAN = pd.Timestamp("2025-10-01")
ITEMS = pd.DataFrame(
    {
        "item": ["A", "B", "C", "D", "E", "R", "P"],
        "item_type": ["finished_good"] * 6 + ["component"],
        "family": ["F", "F", "F", "G", "H", "F", None],
        "unit_price": [10.0, 20.0, 30.0, 8.0, np.nan, 5.0, np.nan],
    }
)


def _sales(rows: list[tuple[str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item", "month", "shipped_qty", "net_revenue"]).assign(
        month=lambda f: pd.to_datetime(f["month"])
    )


def test_net_prices_worked_by_hand() -> None:
    """Window: 2024-11 .. 2025-10 (12 months to the plan month).

    A: (700 + 800) / (100 + 100) = 7.50 (the 2024-10 line is outside the window); list 10.
    B: 900 / 50 = 18.00; list 20.
    R: returns exceed sales (net revenue -50): no own price.
    Family F ratio over the items priced from their own sales (A, B):
        (1500 + 900) / (200 x 10 + 50 x 20) = 2400 / 3000 = 0.80
    C (family F, no sales): 0.80 x 30 = 24.00; R: 0.80 x 5 = 4.00.
    D (family G, nothing sold in G): the company ratio, also 0.80 (only F sold): 0.80 x 8 = 6.40.
    E: no list price, no sales: no price.
    """
    sales = _sales(
        [
            ("A", "2025-10-01", 100, 700),
            ("A", "2025-05-01", 100, 800),
            ("A", "2024-10-01", 1000, 1),
            ("B", "2025-09-01", 50, 900),
            ("R", "2025-08-01", 10, -50),
            ("A", "2025-11-01", 100, 5),  # after the plan month: not known yet
        ]
    )
    out = realised_net_prices(sales, ITEMS, PLAN).set_index("item")
    assert list(out.index) == ["A", "B", "C", "D", "E", "R"]  # finished goods only
    assert_allclose(out.loc[["A", "B", "C", "D", "R"], "net_price"], [7.5, 18.0, 24.0, 6.4, 4.0])
    assert list(out.loc[["A", "B", "C", "D", "E", "R"], "price_source"]) == [
        "item",
        "item",
        "family",
        "company",
        "none",
        "family",
    ]
    assert_allclose(out.loc[["A", "C"], "net_to_list"], [0.75, 0.8])
    assert np.isnan(out.loc["E", "net_price"])


def test_without_any_sales_the_list_price_stands() -> None:
    out = realised_net_prices(_sales([]), ITEMS, PLAN).set_index("item")
    assert_allclose(out.loc[["A", "C", "D"], "net_price"], [10.0, 30.0, 8.0])
    assert set(out.loc[["A", "C", "D"], "price_source"]) == {"list"}


def test_a_shorter_window_drops_older_sales() -> None:
    """months=3: 2025-08 .. 2025-10; A only 700 / 100 = 7.00."""
    sales = _sales([("A", "2025-10-01", 100, 700), ("A", "2025-05-01", 100, 800)])
    out = realised_net_prices(sales, ITEMS, PLAN, months=3).set_index("item")
    assert out.loc["A", "net_price"] == pytest.approx(7.0)


def test_bad_window_raises() -> None:
    with pytest.raises(ValueError, match="months"):
        realised_net_prices(_sales([]), ITEMS, PLAN, months=0)


def test_forecast_revenue_is_quantity_times_net_price() -> None:
    """FLAT sells 50 a month at list 10; net price 7.5 gives revenue 7.5 x forecast_qty."""
    months = pd.date_range("2023-01-01", "2025-06-01", freq="MS")
    demand = pd.DataFrame({"item": "FLAT", "month": months, "demand_qty": 50.0})
    items = pd.DataFrame(
        {
            "item": ["FLAT"],
            "item_type": ["finished_good"],
            "family": ["Body"],
            "unit_price": [10.0],
            "launch_date": pd.to_datetime([None]),
        }
    )
    prices = pd.DataFrame({"item": ["FLAT"], "net_price": [7.5], "price_source": ["item"]})
    empty_overrides = pd.DataFrame(
        columns=["item", "month", "override_qty", "adjustment_pct", "reason", "owner"]
    )
    empty_promotions = pd.DataFrame(columns=["item", "start_month", "end_month", "uplift_pct"])
    fc = build_monthly_forecast(
        demand,
        items,
        empty_promotions,
        empty_overrides,
        pd.Timestamp("2025-06-01"),
        EngineSettings(horizon=3, n_jobs=1),
        net_prices=prices,
    ).forecast
    assert_allclose(fc["forecast_revenue"], fc["forecast_qty"] * 7.5)
    assert set(fc["price_source"]) == {"item"} and set(fc["unit_price"]) == {10.0}
