"""Inventory policy: safety stock per demand class from the error at the horizons that matter,
time-phased for seasonal items; reorder point, target stock, cover without expiring lots.

Lead times are given as multiples of 30.4375 days (365.25 / 12) so they are whole months.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from sop_pipeline.supply.forecast_errors import horizon_errors, pooled_to_horizons
from sop_pipeline.supply.policy import (
    discrete_expected_shortage,
    discrete_order_up_to,
    plan_inventory,
    unit_normal_loss,
)
from sop_pipeline.supply.safety_stock import (
    protection_variance,
    time_phased_targets,
    window_demand,
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
    out = plan_inventory(items, bom, demand, errors, stock, orders, PLAN, **kw).policy
    return out.set_index("item")


def _errors(item: str, *rmse: float, **extra: object) -> pd.DataFrame:
    """One item's forecast error by months ahead: ``rmse_h1``, ``rmse_h2``, ... (the last
    repeats beyond)."""
    row = {"item": item, **{f"rmse_h{h}": v for h, v in enumerate(rmse, start=1)}, **extra}
    return pd.DataFrame([row])


def test_normal_policy_worked_by_hand() -> None:
    """Smooth item S: forecast 100 a month, error 20 at every horizon, lead 2 months, review 1,
    SL 95 %.

    Protection 3 months: V = 3 · 20² = 1200, sigma_P = 34.641; k = Phi^-1(0.95) = 1.644854;
    SS = 56.98; target = 100 · 3 + 56.98 = 356.98.
    Order point over the lead time only: 100 · 2 + 1.644854 · sqrt(2 · 20²) = 200 + 46.52.
    Q = 100 (one month) → cycle stock 50; value at cost 2 = (56.98 + 50) · 2 = 213.96.
    Fill rate = 1 − 34.641 · G(1.644854) / 100 = 1 − 34.641 · 0.020893 / 100 = 0.992762.
    Stock 250 → 2.5 months of cover; open orders 30 + 20 = 50 on order.
    """
    items = _items(
        [{"item": "S", "unit_cost": 2.0, "lead_time_days": 2 * MONTH_DAYS, "service_level": 0.95}]
    )
    errors = _errors("S", 20.0, series_class="smooth")
    stock = pd.DataFrame({"item": ["S", "S"], "lot": ["a", "b"], "on_hand_qty": [200.0, 50.0]})
    orders = pd.DataFrame(
        {"po": ["1", "2"], "item": ["S", "S"], "qty_open": [30.0, 20.0], "due_date": MONTHS[:2]}
    )
    row = _policy(items, _flat("S", 100.0), errors, stock, orders=orders).loc["S"]
    ss = 1.644854 * 20 * np.sqrt(3)
    assert row["policy_method"] == "normal"
    assert_allclose(row["safety_stock"], ss, rtol=1e-6)
    assert_allclose(row["safety_stock"], 56.98, atol=0.005)
    assert_allclose(row["reorder_point"], 200 + 1.644854 * 20 * np.sqrt(2), rtol=1e-6)
    assert_allclose(row["reorder_point"], 246.52, atol=0.005)
    assert_allclose(row["target_stock"], 300 + ss, rtol=1e-6)
    assert_allclose(row[["protection_months", "protection_demand"]].astype(float), [3, 300])
    assert_allclose(row["protection_error"], 20 * np.sqrt(3), rtol=1e-9)
    assert_allclose(row["demand_std"], 20)
    assert_allclose(row["cycle_stock"], 50)
    assert_allclose(row["target_inventory_value"], (ss + 50) * 2, rtol=1e-6)
    assert_allclose(row["expected_fill_rate"], 0.992762, atol=1e-6)
    assert_allclose(
        row[["on_hand_qty", "on_order_qty", "months_of_cover"]].astype(float), [250, 50, 2.5]
    )
    assert_allclose(row["on_hand_value"], 500)


def test_pooled_error_is_split_into_horizons() -> None:
    """The engine reports only the error pooled over 1..12 months ahead: cv_rmse 50.990 =
    20 · sqrt(6.5). Errors growing like sqrt(h) (level and seasonal models): mean of h over
    1..12 = 6.5, so sigma_1 = 50.990 / sqrt(6.5) = 20, sigma_h = 20 · sqrt(h).
    Same item S (protection 3 months): V = 20² (1 + 2 + 3) = 2400, sigma_P = 48.990,
    SS = 1.644854 · 48.990 = 80.58 - against 1.644854 · sqrt(3) · 50.990 = 145.27 if the pooled
    error were taken as the 1-month error."""
    items = _items([{"item": "S", "lead_time_days": 2 * MONTH_DAYS}])
    errors = pd.DataFrame(
        {"item": ["S"], "cv_rmse": [20 * np.sqrt(6.5)], "series_class": ["smooth"]}
    )
    row = _policy(items, _flat("S", 100.0), errors).loc["S"]
    assert_allclose(row["demand_std"], 20, rtol=1e-9)
    assert_allclose(row["safety_stock"], 1.644854 * np.sqrt(2400), rtol=1e-6)
    assert_allclose(row["safety_stock"], 80.58, atol=0.005)


def test_seasonal_item_gets_a_seasonal_buffer() -> None:
    """Sun cream U: forecast 50, 50, 50, 100, 150, 200, 200, 150, 100, 50, 50, 50 (mean 100),
    errors 10 and 14 one and two months ahead, lead 1 month, review 1: protection 2 months,
    V = 10² + 14² = 296, average window 2 · 100 = 200.

    The stock at the end of month t protects the months after it: its window is t+1 and t+2.
    month 1: window 50 (month 2) + 50 (month 3) = 100, scale 100 / 200 = 0.5,
             sigma = 0.5 · sqrt(296) = 8.602, SS = 1.644854 · 8.602 = 14.15, target 114.15
    month 5: window 200 + 200 (months 6 and 7) = 400, scale 2, sigma = 34.409, SS = 56.60,
             target 456.60: the largest buffer, held at the end of month 5 ahead of the peak
    month 12: months 13 and 14 (the first two months again) 50 + 50 = 100: as month 1.
    The order point covers the lead time only, from now: 50 + 1.644854 · (50 / 100) · 10 = 58.22.
    """
    season = [50, 50, 50, 100, 150, 200, 200, 150, 100, 50, 50, 50]
    items = _items([{"item": "U", "lead_time_days": MONTH_DAYS}])
    demand = pd.DataFrame({"item": "U", "month": MONTHS, "qty": np.array(season, float)})
    plan = plan_inventory(
        items, NO_BOM, demand, _errors("U", 10.0, 14.0), NO_STOCK, NO_ORDERS, PLAN
    )
    targets = plan.targets.set_index("month")
    root = np.sqrt(296)
    expected_ss = 1.644854 * root * np.array([0.5, 2.0, 0.5])
    picked = targets.loc[[MONTHS[0], MONTHS[4], MONTHS[11]]]
    assert_allclose(picked["window_demand"], [100, 400, 100])
    assert_allclose(picked["window_error"], root * np.array([0.5, 2.0, 0.5]), rtol=1e-9)
    assert_allclose(picked["safety_stock"], expected_ss, rtol=1e-6)
    assert_allclose(picked["safety_stock"], [14.15, 56.60, 14.15], atol=0.01)
    assert_allclose(picked["target_stock"], [114.15, 456.60, 114.15], atol=0.01)
    assert targets["safety_stock"].idxmax() == MONTHS[4]
    row = plan.policy.set_index("item").loc["U"]
    assert_allclose(row["safety_stock"], expected_ss[0], rtol=1e-6)
    assert_allclose(row["reorder_point"], 50 + 1.644854 * 0.5 * 10, rtol=1e-6)


def test_fractional_protection_and_cumulative_error() -> None:
    """Flat 100 a month, errors 10 and 14; lead half a month, review 1: P = 1.5,
    window 100 + 0.5 · 100 = 150, V = 10² + 0.5 · 14² = 198, SS = 1.644854 · 14.071 = 23.15.
    With the error of cumulative demand known (10 over one month, 25 over two: errors of
    consecutive months correlated), V = 10² + 0.5 · (25² − 10²) = 362.5, SS = 31.32; over a
    whole two months (lead 1): V = 25² = 625, SS = 41.12."""
    half = _items([{"item": "F", "lead_time_days": MONTH_DAYS / 2}])
    row = _policy(half, _flat("F", 100.0), _errors("F", 10.0, 14.0)).loc["F"]
    assert_allclose(row["protection_demand"], 150)
    assert_allclose(row["safety_stock"], 1.644854 * np.sqrt(198), rtol=1e-6)
    cumulative = _errors("F", 10.0, 14.0, rmse_cum1=10.0, rmse_cum2=25.0)
    row = _policy(half, _flat("F", 100.0), cumulative).loc["F"]
    assert_allclose(row["safety_stock"], 1.644854 * np.sqrt(362.5), rtol=1e-6)
    whole = _items([{"item": "F", "lead_time_days": MONTH_DAYS}])
    row = _policy(whole, _flat("F", 100.0), cumulative).loc["F"]
    assert_allclose(row["safety_stock"], 1.644854 * 25, rtol=1e-6)


def test_cover_leaves_out_stock_that_expires_before_use() -> None:
    """E sells 10 a month. Lot a (50) expires 10 April 2025: usable through March (month 2),
    so the forecast uses 20 of it first-expiry-first-out and 30 expire; lot b (30) does not
    expire. Usable 20 + 30 = 50 → 5 months of cover (on hand 80 would say 8)."""
    items = _items([{"item": "E"}])
    stock = pd.DataFrame(
        {
            "item": ["E", "E"],
            "lot": ["a", "b"],
            "expiry_date": pd.to_datetime(["2025-04-10", None]),
            "on_hand_qty": [50.0, 30.0],
        }
    )
    row = _policy(items, _flat("E", 10.0), _errors("E", 2.0), stock).loc["E"]
    assert_allclose(row[["on_hand_qty", "usable_on_hand_qty"]].astype(float), [80, 50])
    assert_allclose(row["months_of_cover"], 5.0)


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
    row = _policy(items, _flat("S", 100.0), _errors("S", 20.0), default_service_level=0.95)
    row = row.loc["S"]
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
    """A (10/month, RMSE 3 at every horizon) uses 1 C; B (5/month, RMSE 4) uses 2 C per unit
    with 0 scrap.

    C: mean 10 + 2·5 = 20, sigma_h = sqrt(1·9 + 4·16) = sqrt(73) at every horizon; lead 1
    month, review 1 → V = 2 · 73, SS = 1.644854 · sqrt(146) = 19.875.
    """
    items = _items(
        [
            {"item": "A"},
            {"item": "B"},
            {"item": "C", "item_type": "component", "lead_time_days": MONTH_DAYS},
        ]
    )
    bom = pd.DataFrame({"parent": ["A", "B"], "component": ["C", "C"], "qty_per": [1.0, 2.0]})
    errors = pd.concat([_errors("A", 3.0), _errors("B", 4.0)])
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


def test_pooled_to_horizons_by_hand() -> None:
    """a = 0.5, H = 3 (short series): mean(1, 2, 3) = 2, sigma_h = 6 · sqrt(h / 2) = 4.243,
    6, 7.348; a = 0 (intermittent): the pooled error at every horizon."""
    out = pooled_to_horizons(np.array([6.0, 6.0]), np.array([3, 12]), np.array([0.5, 0.0]), 3)
    assert_allclose(out[0], 6 * np.sqrt(np.array([1, 2, 3]) / 2))
    assert_allclose(out[1], [6, 6, 6])


def test_horizon_errors_choose_the_best_source_per_item() -> None:
    """A: per-horizon errors 5, 7 (then 7); B: pooled 6 of a short series (H = 3, as above);
    C: pooled 6, intermittent (flat); D: none → 0.5 · mean 40 = 20 at every horizon."""
    names = pd.Index(["A", "B", "C", "D"])
    frame = pd.DataFrame(
        {
            "item": ["A", "B", "C"],
            "rmse_h1": [5.0, np.nan, np.nan],
            "rmse_h2": [7.0, np.nan, np.nan],
            "cv_rmse": [99.0, 6.0, 6.0],
            "series_class": ["smooth", "short", "intermittent"],
        }
    )
    errors = horizon_errors(frame, names, pd.Series({"D": 40.0}), 3).by_horizon
    assert_allclose(errors.loc["A"], [5, 7, 7])
    assert_allclose(errors.loc["B"], 6 * np.sqrt(np.array([1, 2, 3]) / 2))
    assert_allclose(errors.loc["C"], [6, 6, 6])
    assert_allclose(errors.loc["D"], [20, 20, 20])


def test_protection_variance_and_window_demand_by_hand() -> None:
    """sigma 3, 4, 12: P = 2 → 9 + 16 = 25; P = 2.5 → 25 + 0.5 · 144 = 97; P = 0 → 0.
    Windows of 1.5 months over 1, 2, 3, 4 (beyond the horizon: the mean 2.5):
    1 + 1, 2 + 1.5, 3 + 2, 4 + 1.25."""
    sigma = np.array([[3.0, 4.0, 12.0]] * 3)
    assert_allclose(protection_variance(sigma, np.array([2.0, 2.5, 0.0])), [25, 97, 0])
    windows = window_demand(np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([1.5]))
    assert_allclose(windows, [[2.0, 3.5, 5.0, 5.25]])


def test_time_phased_targets_reject_bad_arguments() -> None:
    forecast, sigma = np.ones((1, 3)), np.ones((1, 3))
    with pytest.raises(ValueError, match="review_months"):
        time_phased_targets(forecast, sigma, np.zeros(1), np.zeros(1), 0.0, np.array([0.9]))
    with pytest.raises(ValueError, match="service levels"):
        time_phased_targets(forecast, sigma, np.zeros(1), np.zeros(1), 1.0, np.array([1.2]))
