"""Cash from the constrained plan (``sop_pipeline.balance.cash``) on figures worked by hand:
the runway, the dated working-capital path and collections."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sop_pipeline.balance.cash import (
    Commitment,
    PlanCash,
    collections,
    commitment,
    runway_months,
    runway_trough,
)

approx = pytest.approx
MONTH = pd.Timestamp


# --- runway ------------------------------------------------------------------------------------


def test_runway_follows_the_repeated_year_past_the_horizon() -> None:
    """Opening 1100; the year's flows: -500, -500, then +80 for ten months (net -200).
    In the horizon: 600, 100, then +80 a month up to 900 at month 12 - never below zero.
    The year repeated: month 13 900 - 500 = 400, month 14 400 - 500 = -100: it crosses in
    month 14, 400 / (400 + 100) = 0.8 into it -> 13.8 months.

    A straight line at the average outflow (1100 / (200 / 12) = 66 months) would be wrong:
    it ignores that the year's outflows come first."""
    flows = np.array([-500.0, -500.0] + [80.0] * 10)
    runway = runway_months(1100.0, flows)
    assert runway == approx(13.8)
    straight_line = 1100.0 / (-flows.mean())
    assert straight_line == approx(66.0)
    assert abs(runway - straight_line) > 50


def test_a_dip_past_the_horizon_that_the_cash_recovers_from_is_named() -> None:
    """Opening 210; the year: -50 x 3, +100, +20 x 2, -30 x 3, +50, 0 x 2 (net -50). The
    horizon ends at 160; the year repeated: 110, 60, 10 in month 15, then 110 (it recovers),
    ... 110 at month 24, then 60, 10 in month 26 and -40 in month 27: the runway is
    26 + 10 / 50 = 26.2 months. The dip to 10 in month 15 is what makes it fragile: with 10.01
    less cash it ends in month 15. A cash that only falls (no dip) or that never falls below
    its horizon's end names none."""
    year = np.array([-50, -50, -50, 100, 20, 20, -30, -30, -30, 50, 0, 0], dtype=float)
    assert runway_months(210.0, year) == approx(26.2)
    assert runway_trough(210.0, year) == (approx(10.0), 15)
    assert runway_months(199.99, year) == approx(14.0 + 49.99 / 50)
    assert runway_trough(1_000.0, np.full(12, -10.0)) is None
    assert runway_trough(1_000.0, np.full(12, 10.0)) is None


def test_the_cash_check_names_a_dip_below_the_horizons_low_point() -> None:
    from sop_pipeline.balance.feasibility import cash_check

    dip = (10.0, MONTH("2027-03-01"))
    row = cash_check(60.0, MONTH("2026-03-01"), 26.2, 0.0, True, dip)
    assert row["detail"] == (
        "low point 60 in Mar 2026; runway 26.2 months (past the horizon, on the plan's last 12 "
        "months repeated, cash dips to 10 in Mar 2027 before it recovers)"
    )
    above = cash_check(5.0, MONTH("2026-03-01"), 26.2, 0.0, True, dip)
    assert above["detail"] == "low point 5 in Mar 2026; runway 26.2 months"


def test_the_cash_check_says_when_cash_runs_out_past_the_horizon() -> None:
    """A runway of 17.9 months from an October close runs out in its 18th month, April of the
    year after next (:func:`runs_out_month`, tested below; the check says it)."""
    from sop_pipeline.balance.feasibility import cash_check

    row = cash_check(352.0, MONTH("2026-04-01"), 17.9, 0.0, True, None, MONTH("2027-04-01"))
    assert row["is_met"] and row["detail"] == (
        "low point 352 in Apr 2026; runway 17.9 months (past the horizon, on the plan's last 12 "
        "months repeated, it runs out in Apr 2027)"
    )
    dip = (10.0, MONTH("2027-03-01"))
    both = cash_check(60.0, MONTH("2026-03-01"), 26.2, 0.0, True, dip, MONTH("2028-01-01"))
    assert both["detail"].endswith(
        "cash dips to 10 in Mar 2027 before it recovers; it runs out in Jan 2028)"
    )


def test_runway_repeats_the_last_twelve_months_of_a_longer_horizon() -> None:
    """18 months: +1000 for six months, then -100 for twelve (opening 50). Month 18 ends at
    50 + 6000 - 1200 = 4850; the last 12 months (-100 each) repeated cross zero after 48.5
    more months -> 66.5. (Repeating the first 12 months, net +4800, would never cross.)"""
    flows = np.array([1000.0] * 6 + [-100.0] * 12)
    assert runway_months(50.0, flows) == approx(66.5)


def test_an_options_runway_repeats_the_plans_year_not_its_one_off_flows() -> None:
    """An option loses 30 in month 1 and then burns 5 a month: 100 - 30 - 55 = 15 at the
    horizon's end. Repeating its own year (-30 again in month 13): 15 - 30 < 0, crossing
    half-way into month 13: 12.5. Past the horizon the company runs on the plan's year
    (-6 a month): 15, 9, 3, -3: crossing half-way into month 15: 14.5."""
    option = np.array([-30.0] + [-5.0] * 11)
    assert runway_months(100.0, option) == approx(12.5)
    assert runway_months(100.0, option, cycle=np.full(12, -6.0)) == approx(14.5)


def _the_year(**extra: object) -> PlanCash:
    """Each month collects 100, buys 20, its sales contain 40, burns 90; a premium of 6 in
    the first month."""
    twelve = np.ones(12)
    return PlanCash(
        inflow=100 * twelve,
        purchases=20 * twelve,
        overtime=0 * twelve,
        expedite=np.r_[6.0, np.zeros(11)],
        burn=90 * twelve,
        materials_sold=40 * twelve,
        **extra,
    )


def test_the_repeated_year_holds_stock_level_and_pays_no_premium() -> None:
    """Each month collects 100, buys 20 (its sales contain 40: the plan draws stock down) and
    burns 90; the first month pays a premium of 6: the horizon ends at 200 - 16 - 11 x 10 =
    74. Repeating the plan's own year (-16, then -10 a month) would last 13 + 5.8 = 18.8
    months; the year the company can repeat buys back the 40 and pays no premium: -30 a
    month, 74 / 30 = 2.47 months past the horizon: 14.47."""
    twelve = np.ones(12)
    flows = _the_year()
    assert flows.repeated_year == approx(-30 * twelve)
    assert runway_months(200.0, flows.net) == approx(18.8)
    assert flows.runway(200.0) == approx(12 + 74 / 30)
    # an option (one-off loss of 30 in month 1) runs on the same repeated year past the horizon
    option = flows.net - np.r_[30.0, np.zeros(11)]
    assert flows.runway(200.0, option) == approx(12 + 44 / 30)


def test_the_repeated_year_sells_what_the_plans_start_lost() -> None:
    """The year above, whose first month lost sales worth 60 (their bought content 24) to an
    order that could not arrive in time: the company orders in time a year later, so the
    repeated year sells them: month 1 of each repeated year is -30 + 60 - 24 = +6, the others
    -30. From 74 at the horizon's end: 80, then 11 months of -30 reach 80 - 330 < 0 in the
    3rd of them (80 - 60 = 20, 20 - 30 = -10: two thirds into it): 12 + 1 + 2 + 2/3."""
    lost = np.r_[60.0, np.zeros(11)]
    flows = _the_year(one_off_revenue=lost, one_off_materials=0.4 * lost)
    assert flows.repeated_year == approx(np.r_[6.0, -30 * np.ones(11)])
    assert flows.runway(200.0) == approx(12 + 1 + 2 + 2 / 3)
    # collected a month later, within the repeated year
    lagged = PlanCash(**{**flows.__dict__, "lag": 1})
    assert lagged.repeated_year == approx(np.r_[-54.0, 30.0, -30 * np.ones(10)])


def test_one_off_losses_are_the_plans_start() -> None:
    """Lost sales by root cause: 10 of FG1 to its own lead time in month 0; 20 of FG1 to
    component C in month 1, C bound in month 0, before an order placed at the close reaches
    production (month 2): one-off; 30 of FG2 to C bound in month 2 (a new order serves it),
    40 of FG2 to the line, 5 to a shelf life: the company's year, repeated."""
    from sop_pipeline.balance.cash import one_off_losses

    items = pd.Index(["FG1", "FG2", "C"])
    causes = pd.DataFrame(
        {
            "item": ["FG1", "FG1", "FG2", "FG2", "FG2"],
            "month": [0, 1, 3, 3, 4],
            "lost_qty": [10.0, 20.0, 30.0, 40.0, 5.0],
            "constraint_type": ["lead_time", "component", "component", "resource", "shelf_life"],
            "constraint": ["FG1", "C", "C", "LINE", "FG2"],
            "cause_month": [0, 0, 2, 3, 4],
        }
    )
    out = one_off_losses(causes, items, 6, first_supply=np.array([0, 0, 2]))
    assert out.tolist() == [[10, 20, 0, 0, 0, 0], [0] * 6, [0] * 6]
    assert not one_off_losses(causes.iloc[0:0], items, 6, np.zeros(3, int)).any()
    # a lead-time loss in month 3 of an item whose order placed at the close arrives in month
    # 0 is the plan's own timing: it repeats
    later = pd.concat([causes, causes.iloc[[0]].assign(month=3, cause_month=3)])
    out = one_off_losses(later, items, 6, np.array([0, 0, 2]), arrives=np.array([0, 0, 0]))
    assert out.tolist() == [[10, 20, 0, 0, 0, 0], [0] * 6, [0] * 6]


def test_a_longer_horizon_sells_its_start_in_the_same_calendar_month() -> None:
    """Fourteen months (Nov 2025 - Dec 2026): the repeated year is its last twelve (Jan -
    Dec 2026); 60 lost in November 2025 is sold in that year's November (slot 10), collected
    a month later with a lag of 1 (slot 11)."""
    months = np.ones(14)
    lost = np.r_[60.0, np.zeros(13)]
    flows = PlanCash(
        inflow=100 * months, purchases=0 * months, overtime=0 * months,
        expedite=0 * months, burn=90 * months, materials_sold=10 * months,
        one_off_revenue=lost, one_off_materials=0.5 * lost,
    )  # fmt: skip
    expected = np.zeros(12)
    expected[10] = 60 - 30
    assert flows.repeated_year == approx(expected)
    lagged = PlanCash(**{**flows.__dict__, "lag": 1})
    expected = np.zeros(12)
    expected[10], expected[11] = -30, 60
    assert lagged.repeated_year == approx(expected)


def test_the_month_the_cash_runs_out_past_the_horizon() -> None:
    """From an October close (first planned month November 2025): 17.9 months runs out in
    the 18th month, April 2027; exactly 18.0 in the 18th too; 12 or less is inside the
    horizon (the low point says it); no runway, never."""
    from sop_pipeline.balance.cash import runs_out_month

    nov = MONTH("2025-11-01")
    assert runs_out_month(nov, 17.9, 12) == MONTH("2027-04-01")
    assert runs_out_month(nov, 18.0, 12) == MONTH("2027-04-01")
    assert runs_out_month(nov, 12.0, 12) is None and runs_out_month(nov, None, 12) is None


def test_runway_of_a_short_horizon_repeats_it_whole() -> None:
    """Six months of -10 from 95: 85 .. 35 in the horizon, then 25, 15, 5, -5: the tenth
    month crosses, 5 / 10 = 0.5 into it -> 9.5."""
    assert runway_months(95.0, np.full(6, -10.0)) == approx(9.5)


def test_runway_is_none_when_the_repeated_year_does_not_consume_cash() -> None:
    """-300, -300, then +100 for ten months (net +400) from 700: the low point is 100 at
    month 2 and every later year starts higher: no runway limit."""
    flows = np.array([-300.0, -300.0] + [100.0] * 10)
    assert runway_months(700.0, flows) is None


def test_runway_crossing_inside_the_horizon_is_interpolated() -> None:
    """100 - 30 - 50 = 20 at month 2, 20 - 40 = -20 at month 3: 20 / 40 = 0.5 into month 3
    -> 2.5."""
    assert runway_months(100.0, np.array([-30.0, -50.0, -40.0, 10.0])) == approx(2.5)


def test_runway_is_zero_with_negative_opening_cash() -> None:
    assert runway_months(-1.0, np.array([500.0, 500.0])) == 0.0


# --- the dated working-capital commitment -------------------------------------------------------


STOCK_VALUES = pd.Series(
    [950_000.0, 1_000_000.0, 990_000.0, 985_000.0],
    index=pd.DatetimeIndex(["2024-12-01", "2025-01-01", "2025-02-01", "2025-03-01"]),
)


def test_commitment_defaults_to_a_year_from_the_first_plan_month() -> None:
    """Baseline: the first plan month with a supply plan, 2025-01 (value 1,000,000); target
    12 months later, 2026-01, at 1,000,000 - 120,000 = 880,000."""
    promise = commitment(
        STOCK_VALUES,
        plan_month=MONTH("2025-03-01"),
        first_plan_month=MONTH("2025-01-01"),
        baseline_month=None,
        target_month=None,
        target_value=None,
        cash_reduction=120_000.0,
    )
    assert promise == Commitment(MONTH("2025-01-01"), MONTH("2026-01-01"), 1_000_000.0, 880_000.0)


def test_commitment_path_is_a_straight_line_then_flat() -> None:
    """From 1,000,000 at 2025-01 to 880,000 at 2026-01: 10,000 less a month (2025-04: 3
    months -> 970,000; 2025-07: 940,000), 880,000 from the target month on; the baseline
    value before the baseline month."""
    promise = Commitment(MONTH("2025-01-01"), MONTH("2026-01-01"), 1_000_000.0, 880_000.0)
    months = pd.DatetimeIndex(
        ["2024-12-01", "2025-01-01", "2025-04-01", "2025-07-01", "2026-01-01", "2026-06-01"]
    )
    np.testing.assert_allclose(
        promise.path(months), [1_000_000, 1_000_000, 970_000, 940_000, 880_000, 880_000]
    )


def test_commitment_with_explicit_dates_and_value() -> None:
    """Baseline 2024-12 (950,000), target 2025-06 at 800,000 (the reduction is ignored):
    25,000 less a month; 2025-03 (3 of 6 months) -> 875,000."""
    promise = commitment(
        STOCK_VALUES,
        plan_month=MONTH("2025-03-01"),
        first_plan_month=MONTH("2025-01-01"),
        baseline_month=dt.date(2024, 12, 1),
        target_month=dt.date(2025, 6, 1),
        target_value=800_000.0,
        cash_reduction=120_000.0,
    )
    assert promise == Commitment(MONTH("2024-12-01"), MONTH("2025-06-01"), 950_000.0, 800_000.0)
    assert promise.path(pd.DatetimeIndex(["2025-03-01"]))[0] == approx(875_000.0)


def test_commitment_needs_a_stock_count_up_to_the_plan_month() -> None:
    """No count for the baseline month, or a baseline after the plan month: no commitment;
    a reduction larger than the baseline value targets 0."""
    kwargs = dict(first_plan_month=None, target_month=None, target_value=None)
    assert (
        commitment(
            STOCK_VALUES,
            plan_month=MONTH("2025-03-01"),
            baseline_month=dt.date(2024, 6, 1),
            cash_reduction=1.0,
            **kwargs,
        )
        is None
    )
    assert (
        commitment(
            STOCK_VALUES,
            plan_month=MONTH("2025-01-01"),
            baseline_month=dt.date(2025, 2, 1),
            cash_reduction=1.0,
            **kwargs,
        )
        is None
    )
    promise = commitment(
        STOCK_VALUES,
        plan_month=MONTH("2025-03-01"),
        baseline_month=None,
        cash_reduction=5_000_000.0,
        **kwargs,
    )
    assert promise is not None
    assert (promise.baseline_month, promise.target_value) == (MONTH("2025-03-01"), 0.0)


# --- collections ------------------------------------------------------------------------------


def test_collections_lag_one_month() -> None:
    """Horizon 2025-01..03, plan month 2024-12 with booked net revenue 80 (2024-11: 70).
    Lag 1: January collects December's booked 80, then the plan's revenue a month late:
    [80, 100, 200]. Lag 2: [70, 80, 100]. Lag 0: the revenue itself."""
    months = pd.date_range("2025-01-01", periods=3, freq="MS")
    revenue = np.array([100.0, 200.0, 300.0])
    booked = pd.Series([70.0, 80.0], index=pd.DatetimeIndex(["2024-11-01", "2024-12-01"]))
    np.testing.assert_allclose(collections(revenue, booked, months, 1), [80, 100, 200])
    np.testing.assert_allclose(collections(revenue, booked, months, 2), [70, 80, 100])
    np.testing.assert_allclose(collections(revenue, booked, months, 0), revenue)
    # a month with no booked revenue collects nothing
    np.testing.assert_allclose(collections(revenue, booked.iloc[:1], months, 1), [0, 100, 200])


def test_the_cost_of_keeping_to_the_path_is_measured_against_the_plan_as_it_stands() -> None:
    """Soft path: the plan as it stands expects 1,000, keeping to the path 700, relaxing it
    1,030: keeping costs 300 against this plan, the figure the options table shows (not the
    330 against no path). Hard path (no keep option): relaxing gains 330 over the plan, which
    already keeps to the path. An infeasible keep option does not count; no path: None."""
    from sop_pipeline.balance.plan import _cost_of_path

    options = pd.DataFrame(
        {
            "category": "cash",
            "option": ["plan_to_base", "keep_to_cash_path", "relax_cash_path"],
            "is_feasible": True,
            "expected_margin": [1_000.0, 700.0, 1_330.0 - 300.0],
        }
    )
    assert _cost_of_path(options, planned=True) == 300.0
    hard = options[options["option"] != "keep_to_cash_path"].assign(
        expected_margin=[700.0, 1_030.0]
    )
    assert _cost_of_path(hard, planned=True) == 330.0
    unused = options.assign(is_feasible=[True, False, True])
    assert _cost_of_path(unused, planned=True) == 30.0
    assert _cost_of_path(options, planned=False) is None


def test_the_revenue_check_names_the_month_the_plan_serves_worst() -> None:
    """Demand 100 a month for three months, the plan delivers 100, 75, 96: 271 of 300 over
    the horizon, and February at 75 % is named; at 96 % and above no month is."""
    from sop_pipeline.balance.feasibility import revenue_check

    months = pd.date_range("2026-01-01", periods=3, freq="MS")
    demand = np.full(3, 100.0)
    row = revenue_check(300.0, 271.0, 280.0, (months, demand, np.array([100.0, 75.0, 96.0])))
    assert row["detail"] == (
        "demand 300, the constrained plan delivers 271, the financial plan assumed 280; "
        "Feb 2026 delivers 75% of its demand (75 of 100)"
    )
    fine = revenue_check(300.0, 292.0, None, (months, demand, np.array([100.0, 96.0, 96.0])))
    assert fine["detail"] == "demand 300, the constrained plan delivers 292"
