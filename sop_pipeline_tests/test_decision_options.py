"""The decision options priced against a closed-form Normal calculation, worked out by hand.

Item X sells at a net 10 and costs 4. Its forecast is 100 a month for Nov-Jan with an 80 %
interval of 100 -+ 1.2816 x 20, so demand is Normal(100, 20). The base MRP holds 10 units at
every month end, so the plan supplies S = 110 a month; the upside MRP (hi80 = 125.63, no safety
stock left) supplies 125.63.

Standard normal loss L(z) = phi(z) - z (1 - Phi(z)):
- plan: z = (110 - 100) / 20 = 0.5, phi(0.5) = 0.352065, 1 - Phi(0.5) = 0.308538,
  L = 0.352065 - 0.5 x 0.308538 = 0.197797; lost 20 x 0.197797 = 3.95593 units a month;
- upside: z = 1.28155, phi = 0.175498, 1 - Phi = 0.1, L = 0.175498 - 0.128155 = 0.047343;
  lost 0.946864 a month.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sop_pipeline.supply.options import (
    Z80,
    DecisionSettings,
    OptionInputs,
    expected_lost,
    normal_loss,
    runway_months,
    scenario_options,
)

NOV, DEC, JAN = (pd.Timestamp(m) for m in ("2025-11-01", "2025-12-01", "2026-01-01"))
MONTHS = pd.DatetimeIndex([NOV, DEC, JAN])
LOST_PLAN = 20 * 0.197797  # 3.95593
LOST_UPSIDE = 20 * 0.047343  # 0.946864


def _forecast(item: str, sigma: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": item,
            "month": MONTHS,
            "forecast_qty": 100.0,
            "lo80": 100 - Z80 * sigma,
            "hi80": 100 + Z80 * sigma,
            "net_price": 10.0,
        }
    )


def _mrp(item: str, stock: float, upside_stock: float) -> pd.DataFrame:
    rows = [("base", item, m, stock) for m in MONTHS] + [
        ("upside", item, m, upside_stock) for m in MONTHS
    ]
    return pd.DataFrame(rows, columns=["scenario", "item", "month", "projected_on_hand"])


ITEMS = pd.DataFrame(
    {
        "item": ["X", "Y", "C"],
        "unit_cost": [4.0, 4.0, 3.0],
        "unit_price": [12.0, 12.0, None],
        "lead_time_days": [30.0, 10.0, 45.0],
    }
)
BOM = pd.DataFrame({"parent": ["Y"], "component": ["C"], "qty_per": [2.0], "scrap_rate": [0.0]})
NO_GAPS = pd.DataFrame(
    {
        "item": pd.Series(dtype=object),
        "month": pd.Series(dtype="datetime64[ns]"),
        "shortage_qty": pd.Series(dtype=float),
        "margin_at_risk": pd.Series(dtype=float),
        "limiting_item": pd.Series(dtype=object),
        "gap_type": pd.Series(dtype=object),
    }
)
NO_CHANGES = pd.DataFrame(
    columns=[
        "item",
        "is_exception",
        "change_qty",
        "is_timing_shift",
        "change_margin",
        "abs_change_margin",
    ]
)


def forecast_change_inputs(**kwargs) -> OptionInputs:
    """X's forecast rose by 60 units (an exception, not a timing shift)."""
    changes = pd.DataFrame(
        {
            "item": ["X"],
            "is_exception": [True],
            "change_qty": [60.0],
            "is_timing_shift": [False],
            "change_margin": [360.0],
            "abs_change_margin": [360.0],
        }
    )
    return OptionInputs(
        months=MONTHS,
        forecast=_forecast("X", 20.0),
        items=ITEMS,
        bom=BOM,
        mrp=_mrp("X", 10.0, 0.0),
        gaps=NO_GAPS,
        forecast_changes=changes,
        **kwargs,
    )


def test_the_normal_loss_function_matches_its_closed_form() -> None:
    assert normal_loss(0.5) == pytest.approx(0.197797, abs=1e-6)
    assert normal_loss(Z80) == pytest.approx(0.047343, abs=1e-6)
    assert normal_loss(0.0) == pytest.approx(1 / np.sqrt(2 * np.pi))  # phi(0)
    assert expected_lost(100, 20, 110) == pytest.approx(LOST_PLAN, rel=1e-5)
    assert expected_lost(100, 0, 90) == 10.0  # no uncertainty: the plain shortfall
    assert expected_lost(100, 0, 130) == 0.0


def test_plan_to_base_and_produce_to_upside_against_the_closed_form() -> None:
    """Over Nov-Jan (3 months, demand 300):
    plan: revenue at risk 3 x 3.95593 x 10 = 118.678; margin at risk x 6 = 71.207; fill rate
    1 - 11.8678 / 300 = 0.960441; expected margin (300 - 11.8678) x 6 = 1728.79; stock left in
    Jan 3.95593 + 110 - 100 = 13.956 units, at cost 55.82.
    upside: Nov makes 15.631 (125.631 - 110); it sells 3.95593 - 0.946864 = 3.00907 more than
    the plan, so 12.622 are carried and Dec and Jan make 3.00907 each: 21.649 units, purchase
    spend 86.60; the position is 15.631 units (62.52 at cost) every month. Revenue at risk
    3 x 0.946864 x 10 = 28.406; holding 3 x 12.622 x 4 x 25 % / 12 = 3.155; expected margin
    (300 - 2.84059) x 6 - 3.155 = 1779.80; stock left in Jan 0.946864 + 25.631 = 26.578 (106.31).
    """
    table = scenario_options(forecast_change_inputs(), DecisionSettings()).set_index("option")
    assert list(table.index) == ["plan_to_base", "produce_to_upside", "spread_deliveries"]
    assert set(table["issue"]) == {"forecast_change:X"}
    plan, up = table.loc["plan_to_base"], table.loc["produce_to_upside"]
    assert plan["expected_revenue_at_risk"] == pytest.approx(118.678, rel=1e-4)
    assert plan["expected_margin_at_risk"] == pytest.approx(71.207, rel=1e-4)
    assert plan["service_level"] == pytest.approx(0.960441, rel=1e-5)
    assert plan["expected_margin"] == pytest.approx(1728.79, rel=1e-5)
    assert plan["expected_excess_value"] == pytest.approx(55.82, rel=1e-3)
    assert plan["purchase_spend"] == 0 and plan["extra_inventory_cash_peak"] == 0
    assert up["expected_revenue_at_risk"] == pytest.approx(28.406, rel=1e-4)
    assert up["purchase_spend"] == pytest.approx(86.60, rel=1e-3)
    assert up["extra_inventory_cash_peak"] == pytest.approx(62.52, rel=1e-3)
    assert up["holding_cost"] == pytest.approx(3.155, rel=1e-3)
    assert up["expected_margin"] == pytest.approx(1779.80, rel=1e-4)
    assert up["margin_vs_base"] == pytest.approx(1779.80 - 1728.79, rel=1e-3)
    assert up["expected_excess_value"] == pytest.approx(106.31, rel=1e-3)
    assert up["is_suggested"] and table["is_suggested"].sum() == 1
    assert up["decision"].startswith("Produce X to the upside: 22 more units")


def test_spread_deliveries_moves_a_share_of_the_peak_with_its_uncertainty() -> None:
    """Nov is the peak (every month 100; the first wins). 30 units move to Dec: Nov sells
    against Normal(70, 14) with 110 (z = 2.857, L = 0.000627, lost 0.0088), Dec against
    Normal(130, sqrt(20^2 + 6^2) = 20.881) with 110 + the 30 units Nov no longer needs
    (z = 0.4789, phi = 0.35572, 1 - Phi = 0.31600, L = 0.20438, lost 4.2676), Jan as planned
    (3.9559): 8.2323 units lost against 11.868."""
    table = scenario_options(forecast_change_inputs(), DecisionSettings()).set_index("option")
    spread = table.loc["spread_deliveries"]
    lost = 14 * normal_loss(40 / 14) + 20.881 * normal_loss(10 / 20.881) + LOST_PLAN
    assert lost == pytest.approx(8.2323, abs=2e-4)
    assert spread["expected_revenue_at_risk"] == pytest.approx(lost * 10, rel=1e-3)
    assert spread["extra_inventory_cash_peak"] == pytest.approx(30 * 4)  # carried into Dec
    assert spread["purchase_spend"] == 0
    assert "Nov 2025" in spread["decision"] and "Dec 2025" in spread["decision"]


def test_the_suggestion_respects_the_cash_ceiling() -> None:
    """The upside ties up 62.52 at peak and spreading 120: a ceiling of 60 leaves only the
    plan; 100 lets the upside (the best expected margin) back in."""
    tight = scenario_options(
        forecast_change_inputs(), DecisionSettings(max_extra_cash=60.0)
    ).set_index("option")
    assert tight["is_suggested"].idxmax() == "plan_to_base"
    assert "above the cash ceiling of 60" in tight.loc["produce_to_upside", "note"]
    loose = scenario_options(
        forecast_change_inputs(), DecisionSettings(max_extra_cash=100.0)
    ).set_index("option")
    assert loose["is_suggested"].idxmax() == "produce_to_upside"
    assert "cash ceiling" in loose.loc["spread_deliveries", "note"]


def test_runway_under_each_option() -> None:
    """Opening cash 1000, base balances 800, 600, 400: it never goes negative, so the runway
    is extrapolated: 3 + 400 / ((1000 - 400) / 3) = 5.0 months.
    The upside's cash: Nov +30.09 revenue (3.00907 more units sold x 10) - 62.52 bought =
    -32.43; Dec and Jan +30.09 - 12.04 = +18.05 each -> 767.57, 585.62, 403.68; runway
    3 + 403.68 / ((1000 - 403.68) / 3) = 5.031."""
    assert runway_months(1000.0, np.array([800.0, 600.0, 400.0])) == pytest.approx(5.0)
    assert runway_months(1000.0, np.array([500.0, -500.0])) == pytest.approx(1.5)
    assert runway_months(1000.0, np.array([1100.0, 1200.0])) is None
    assert runway_months(-5.0, np.array([100.0])) == 0.0
    inputs = forecast_change_inputs(
        opening_cash=1000.0, base_balances=np.array([800.0, 600.0, 400.0])
    )
    table = scenario_options(inputs, DecisionSettings()).set_index("option")
    assert table.loc["plan_to_base", "runway_months"] == pytest.approx(5.0)
    assert table.loc["plan_to_base", "cash_balance_end"] == pytest.approx(400.0)
    assert table.loc["produce_to_upside", "cash_balance_end"] == pytest.approx(403.68, abs=0.02)
    assert table.loc["produce_to_upside", "runway_months"] == pytest.approx(5.031, abs=1e-3)


def gap_inputs(**settings) -> tuple[OptionInputs, DecisionSettings]:
    """Y (made from 2 C, C costs 3) has no demand uncertainty (sigma 0), a forecast of 100 and
    a plan stock of 10; component C makes it short by 40 in Dec and 30 in Jan."""
    gaps = pd.DataFrame(
        {
            "item": ["Y", "Y"],
            "month": [DEC, JAN],
            "shortage_qty": [40.0, 30.0],
            "margin_at_risk": [240.0, 180.0],
            "limiting_item": ["C", "C"],
            "gap_type": ["material", "material"],
        }
    )
    inputs = OptionInputs(
        months=MONTHS,
        forecast=_forecast("Y", 0.0),
        items=ITEMS,
        bom=BOM,
        mrp=_mrp("Y", 10.0, 10.0),
        gaps=gaps,
        forecast_changes=NO_CHANGES,
    )
    return inputs, DecisionSettings(**settings)


def test_expediting_the_limiting_component_closes_the_gap_it_can_reach() -> None:
    """Expedited to 14 days, C plus Y's own 10 days is 24 days: 0.79 months, it arrives in Nov
    (serving 21 % of it; Nov has no gap) and supplies in full from Dec. Dec and Jan get their
    full plan back: 100 + 10 - 60 = 50 and 100 + 10 - 70 = 40 units, 90 x 2 C = 180 C at a
    premium of 15 % x 3 = 81. Window Dec-Jan (demand 200): the plan loses 70 (revenue 700,
    margin 780 = 130 x 6); expediting loses none, holds 10 extra units at each month end
    (holding 20 x 4 x 25 % / 12 = 1.667): 1200 - 81 - 1.667."""
    inputs, settings = gap_inputs()
    table = scenario_options(inputs, settings).set_index("option")
    assert list(table.index) == ["plan_to_base", "spread_deliveries", "expedite"]
    assert table.loc["plan_to_base", "expected_revenue_at_risk"] == pytest.approx(700.0)
    assert table.loc["plan_to_base", "expected_margin"] == pytest.approx(780.0)
    expedite = table.loc["expedite"]
    assert expedite["expedite_cost"] == pytest.approx(81.0)
    assert expedite["purchase_spend"] == pytest.approx(90 * 4)
    assert expedite["expected_revenue_at_risk"] == pytest.approx(0.0)
    assert expedite["service_level"] == pytest.approx(1.0)
    assert expedite["expected_margin"] == pytest.approx(1200 - 81 - 20 * 4 * 0.25 / 12)
    assert expedite["is_suggested"]
    assert expedite["decision"] == (
        "Expedite C (14 days, 15% premium) so Y is supplied in full from Dec 2025"
    )


def test_an_expedite_that_arrives_too_late_is_listed_as_infeasible() -> None:
    """90 + 10 days = 3.29 months: after the horizon (Nov-Jan): infeasible. 60 + 10 days =
    2.2998 months: it arrives 30 % into Jan (0-based month 2) and serves 70.02 % of Jan's
    40 units: 28.01 units, 56.02 C, premium 56.02 x 3 x 15 % = 25.21; Dec stays short."""
    inputs, settings = gap_inputs(expedite_lead_time_days=90.0)
    late = scenario_options(inputs, settings).set_index("option").loc["expedite"]
    assert not late["is_feasible"] and not late["is_suggested"]
    assert "after the gap months (Dec 2025-Jan 2026)" in late["note"]
    inputs, settings = gap_inputs(expedite_lead_time_days=60.0)
    partial = scenario_options(inputs, settings).set_index("option").loc["expedite"]
    assert partial["is_feasible"] and "Dec 2025 stays short" in partial["note"]
    assert "it arrives in Jan 2026, serving 70% of that month" in partial["note"]
    share = 1 - (70 / 30.4375 - 2)
    assert share == pytest.approx(0.7002, abs=1e-4)
    assert partial["expedite_cost"] == pytest.approx(40 * share * 2 * 3 * 0.15)


def test_spreading_a_short_month_into_a_short_month_saves_nothing() -> None:
    """Dec (lost 40) is the peak: 30 units move to Jan, Dec sells its 60 of 70, no stock
    carries over, Jan has 70 for 130: 70 lost as before - spreading earns nothing here."""
    inputs, settings = gap_inputs()
    table = scenario_options(inputs, settings).set_index("option")
    assert table.loc["spread_deliveries", "expected_revenue_at_risk"] == pytest.approx(700.0)
    assert table.loc["spread_deliveries", "margin_vs_base"] == pytest.approx(0.0)


def test_no_issue_gives_no_options() -> None:
    inputs = OptionInputs(
        months=MONTHS,
        forecast=_forecast("X", 20.0),
        items=ITEMS,
        bom=BOM,
        mrp=_mrp("X", 10.0, 0.0),
        gaps=NO_GAPS,
        forecast_changes=NO_CHANGES,
    )
    table = scenario_options(inputs, DecisionSettings())
    assert table.empty and "expected_margin" in table.columns


@pytest.mark.parametrize(
    "overrides",
    [
        {"decisions": {"spread_share": 1.2}},
        {"decisions": {"max_extra_cash": -1}},
        {"decisions": {"holding_cost_rate": -0.1}},
        {"capacity": {"max_prebuild_months": 13}},
        {"capacity": {"min_remaining_shelf_life_months": -1}},
        {"decisions": {"expedite_days": 10}},  # a typo is an error, not a default
    ],
)
def test_capacity_and_decision_settings_are_validated(overrides: dict) -> None:
    from sop_pipeline.settings import load_settings

    with pytest.raises(ValueError, match="invalid settings"):
        load_settings(None, overrides)
    defaults = load_settings(None, {})
    assert defaults.decisions.max_extra_cash is None and defaults.decisions.spread_share == 0.3
    assert defaults.capacity.max_prebuild_months == 3
