"""Inventory policy: safety stock per demand class, reorder point, target stock, cover.

Lead times are given as multiples of 30.4375 days (365.25 / 12) so they are whole months.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from sop_pipeline.supply.policy import (
    compute_inventory_policy,
    discrete_expected_shortage,
    discrete_order_up_to,
    unit_normal_loss,
)

PLAN = pd.Timestamp("2025-01-01")
MONTHS = pd.date_range("2025-02-01", periods=12, freq="MS")
MONTH_DAYS = 365.25 / 12
NO_BOM = pd.DataFrame(columns=["parent", "component", "qty_per"])
NO_ORDERS = pd.DataFrame({"po": [], "item": [], "qty_open": [], "due_date": []})
NO_STOCK = pd.DataFrame(columns=["item", "on_hand_qty"])


def _items(rows: list[dict]) -> pd.DataFrame:
    base = {"item_type": "finished_good", "unit_cost": 1.0, "lead_time_days": 0.0}
    return pd.DataFrame([{**base, **row} for row in rows])


def _flat(item: str, qty: float) -> pd.DataFrame:
    return pd.DataFrame({"item": item, "month": MONTHS, "qty": qty})


def _policy(items, demand, errors, stock=NO_STOCK, bom=NO_BOM, orders=NO_ORDERS, **kw):
    out = compute_inventory_policy(items, bom, demand, errors, stock, orders, PLAN, **kw)
    return out.set_index("item")


def test_normal_policy_worked_by_hand() -> None:
    """Smooth item S: forecast 100 a month, CV RMSE 20, lead 2 months, review 1, SL 95 %.

    sigma_P = sqrt((2 + 1) · 20²) = 34.641; k = Phi^-1(0.95) = 1.644854; SS = 56.98.
    reorder point = 100 · 2 + 56.98 = 256.98; target = 100 · 3 + 56.98 = 356.98.
    Q = 100 (one month) → cycle stock 50; value at cost 2 = (56.98 + 50) · 2 = 213.96.
    Fill rate = 1 − 34.641 · G(1.644854) / 100 = 1 − 34.641 · 0.020893 / 100 = 0.992762.
    Stock 250 → 2.5 months of cover; open orders 30 + 20 = 50 on order.
    """
    items = _items(
        [{"item": "S", "unit_cost": 2.0, "lead_time_days": 2 * MONTH_DAYS, "service_level": 0.95}]
    )
    errors = pd.DataFrame({"item": ["S"], "cv_rmse": [20.0], "series_class": ["smooth"]})
    stock = pd.DataFrame({"item": ["S", "S"], "lot": ["a", "b"], "on_hand_qty": [200.0, 50.0]})
    orders = pd.DataFrame(
        {"po": ["1", "2"], "item": ["S", "S"], "qty_open": [30.0, 20.0], "due_date": MONTHS[:2]}
    )
    row = _policy(items, _flat("S", 100.0), errors, stock, orders=orders).loc["S"]
    ss = 1.644854 * 20 * np.sqrt(3)
    assert row["policy_method"] == "normal"
    assert_allclose(row["safety_stock"], ss, rtol=1e-6)
    assert_allclose(row["safety_stock"], 56.98, atol=0.005)
    assert_allclose(row["reorder_point"], 200 + ss, rtol=1e-6)
    assert_allclose(row["target_stock"], 300 + ss, rtol=1e-6)
    assert_allclose(row["cycle_stock"], 50)
    assert_allclose(row["target_inventory_value"], (ss + 50) * 2, rtol=1e-6)
    assert_allclose(row["expected_fill_rate"], 0.992762, atol=1e-6)
    assert_allclose(
        row[["on_hand_qty", "on_order_qty", "months_of_cover"]].astype(float), [250, 50, 2.5]
    )
    assert_allclose(row["on_hand_value"], 500)


def test_lead_time_variability_adds_to_safety_stock() -> None:
    """Same item with lead-time std of half a month: sigma_P² = 3·20² + 100²·0.5² = 3700,
    SS = 1.644854 · sqrt(3700) = 100.05."""
    items = _items(
        [
            {
                "item": "S",
                "lead_time_days": 2 * MONTH_DAYS,
                "lead_time_std_days": MONTH_DAYS / 2,
            }
        ]
    )
    errors = pd.DataFrame({"item": ["S"], "cv_rmse": [20.0]})
    row = _policy(items, _flat("S", 100.0), errors, default_service_level=0.95).loc["S"]
    assert_allclose(row["safety_stock"], 1.644854 * np.sqrt(3700), rtol=1e-6)


def test_intermittent_item_uses_negative_binomial_quantile() -> None:
    """Slow mover I: 1 a month, CV RMSE 2, lead 0, review 1 month, SL 90 %.

    Demand over P = 1 month: mean 1, variance 4 > mean → negative binomial n = 1/3, p = 1/4.
    pmf: P0 = 0.25^(1/3) = 0.62996, P1 = n(1−p)P0 = 0.15749, P2 = P1·(1+n)/2·(1−p) = 0.07875,
    P3 = P2·(2+n)/3·(1−p) = 0.04593; cdf 0.62996, 0.78745, 0.86620, 0.91213 → S = 3 (first
    ≥ 0.90), SS = 3 − 1 = 2 (a normal-z formula would give 1.2816 · 2 = 2.56).
    Expected shortage E[(X−3)+] = 1 − (0.37004 + 0.21255 + 0.13380) = 0.28361; Q = 1 →
    fill rate 0.71639.
    """
    items = _items([{"item": "I", "service_level": 0.90}])
    errors = pd.DataFrame({"item": ["I"], "cv_rmse": [2.0], "series_class": ["intermittent"]})
    row = _policy(items, _flat("I", 1.0), errors).loc["I"]
    assert row["policy_method"] == "negative_binomial"
    assert_allclose(row["safety_stock"], 2.0)
    assert_allclose(row["target_stock"], 3.0)
    assert_allclose(row["expected_fill_rate"], 0.71639, atol=2e-5)


def test_underdispersed_intermittent_item_uses_poisson() -> None:
    """Mean 2, CV RMSE 1 (variance 1 < mean 2): Poisson(2); cdf 0.1353, 0.4060, 0.6767,
    0.8571, 0.9473, 0.9834 → S = 5 at 95 %, SS = 3."""
    items = _items([{"item": "P"}])
    errors = pd.DataFrame({"item": ["P"], "cv_rmse": [1.0], "series_class": ["intermittent"]})
    row = _policy(items, _flat("P", 2.0), errors).loc["P"]
    assert row["policy_method"] == "poisson"
    assert_allclose(row["safety_stock"], 3.0)


@pytest.mark.parametrize(("mean", "var"), [(1.0, 4.0), (2.0, 1.0), (6.5, 20.0)])
@pytest.mark.parametrize("level", [0.0, 2.0, 3.0, 4.6, 9.0])
def test_discrete_shortage_matches_direct_sum(mean: float, var: float, level: float) -> None:
    """The closed form equals sum_x max(x − s, 0) P(x) for negative binomial and Poisson."""
    x = np.arange(2000)
    if var > mean:
        pmf = stats.nbinom.pmf(x, mean**2 / (var - mean), mean / var)
    else:
        pmf = stats.poisson.pmf(x, mean)
    expected = np.sum(np.maximum(x - level, 0) * pmf)
    got = discrete_expected_shortage(np.array([level]), np.array([mean]), np.array([var]))
    assert_allclose(got, [expected], rtol=1e-9, atol=1e-12)


def test_discrete_order_up_to_is_the_quantile() -> None:
    """NB(1/3, 1/4) at 90 %: 3 (see the intermittent test); Poisson(2) at 95 %: 5."""
    s = discrete_order_up_to(np.array([0.9, 0.95]), np.array([1.0, 2.0]), np.array([4.0, 1.0]))
    assert_allclose(s, [3, 5])


def test_unit_normal_loss() -> None:
    """G(0) = phi(0) = 0.398942; G(1.644854) = 0.103136 − 1.644854 · 0.05 = 0.020893."""
    assert_allclose(unit_normal_loss(np.array([0.0, 1.644854])), [0.398942, 0.020893], atol=1e-6)


def test_component_error_comes_from_the_bom() -> None:
    """A (10/month, RMSE 3) uses 1 C; B (5/month, RMSE 4) uses 2 C per unit with 0 scrap.

    C: mean 10 + 2·5 = 20, sigma sqrt(1·9 + 4·16) = sqrt(73); lead 1 month, review 1 →
    SS = 1.644854 · sqrt(2 · 73) = 19.875.
    """
    items = _items(
        [
            {"item": "A"},
            {"item": "B"},
            {"item": "C", "item_type": "component", "lead_time_days": MONTH_DAYS},
        ]
    )
    bom = pd.DataFrame({"parent": ["A", "B"], "component": ["C", "C"], "qty_per": [1.0, 2.0]})
    errors = pd.DataFrame({"item": ["A", "B"], "cv_rmse": [3.0, 4.0]})
    demand = pd.concat([_flat("A", 10.0), _flat("B", 5.0)])
    row = _policy(items, demand, errors, bom=bom).loc["C"]
    assert row["series_class"] == "dependent"
    assert_allclose(row[["avg_monthly_demand", "demand_std"]].astype(float), [20, np.sqrt(73)])
    assert_allclose(row["safety_stock"], 1.644854 * np.sqrt(146), rtol=1e-6)


def test_zero_demand_phase_out_and_missing_error() -> None:
    """Z: stock 40, no demand → no safety stock, cover undefined (NaN).
    O: phase-out with demand 10 → no safety stock, reorder point = 10 · 1 month lead = 10.
    N: new item without CV error → sigma = 0.5 · 8 = 4, SS = 1.644854 · 4 = 6.579 (lead 0).
    """
    items = _items(
        [
            {"item": "Z"},
            {"item": "O", "status": "phase_out", "lead_time_days": MONTH_DAYS},
            {"item": "N"},
        ]
    )
    errors = pd.DataFrame({"item": ["O"], "cv_rmse": [5.0]})
    demand = pd.concat([_flat("O", 10.0), _flat("N", 8.0)])
    stock = pd.DataFrame({"item": ["Z"], "on_hand_qty": [40.0]})
    policy = _policy(items, demand, errors, stock)
    assert policy.loc["Z", "policy_method"] == "no_demand"
    assert policy.loc["Z", "safety_stock"] == 0
    assert np.isnan(policy.loc["Z", "months_of_cover"])
    assert policy.loc["O", "policy_method"] == "phase_out"
    assert_allclose(policy.loc["O", ["safety_stock", "reorder_point"]].astype(float), [0, 10])
    assert_allclose(policy.loc["N", "safety_stock"], 1.644854 * 4, rtol=1e-6)


def test_lot_cost_values_on_hand() -> None:
    """Lots at their own cost (3), the master's (1) when the count gives none: 2·3 + 4·1."""
    items = _items([{"item": "V"}])
    stock = pd.DataFrame({"item": ["V", "V"], "on_hand_qty": [2.0, 4.0], "unit_cost": [3.0, None]})
    policy = _policy(items, _flat("V", 1.0), pd.DataFrame({"item": [], "cv_rmse": []}), stock)
    assert_allclose(policy.loc["V", "on_hand_value"], 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"default_service_level": 95}, "service_level"),
        ({"review_period_months": 0}, "review_period_months"),
        ({"default_cv": -1}, "default_cv"),
    ],
)
def test_bad_settings_raise(change: dict, message: str) -> None:
    items = _items([{"item": "S"}])
    with pytest.raises(ValueError, match=message):
        _policy(items, _flat("S", 1.0), pd.DataFrame({"item": ["S"], "cv_rmse": [1.0]}), **change)


def test_item_service_level_out_of_range_raises() -> None:
    items = _items([{"item": "S", "service_level": 1.5}])
    with pytest.raises(ValueError, match="service_level"):
        _policy(items, _flat("S", 1.0), pd.DataFrame({"item": ["S"], "cv_rmse": [1.0]}))
