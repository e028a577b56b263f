"""The KPI stage on a tiny hand-made warehouse, every number worked out by hand: financial
reconciliation, the cash projection against a dated path (sop_pipeline.balance.cash, written
as the constrained plan's asset writes it) and the KPI scorecard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.balance.cash import PlanCash, cash_projection, commitment
from sop_pipeline.kpis.invariants import (
    kpi_cross_foot_breaks,
    plan_total_disagreement,
    reconciliation_breaks,
)
from sop_pipeline.settings import load_settings
from sop_pipeline_tests.sql_fixtures import PLAN, connect, run_sql_model

MONTH = pd.Timestamp
NOV, DEC, JAN = MONTH("2025-11-01"), MONTH("2025-12-01"), MONTH("2026-01-01")


def _forecast() -> pd.DataFrame:
    """Net forecast revenue: Nov A 100 + B 50 (family F), C 30 (G); Dec A 120, B 0, C 40."""
    rows = [
        ("A", NOV, "F", 100.0),
        ("B", NOV, "F", 50.0),
        ("C", NOV, "G", 30.0),
        ("A", DEC, "F", 120.0),
        ("B", DEC, "F", 0.0),
        ("C", DEC, "G", 40.0),
    ]
    frame = pd.DataFrame(rows, columns=["item", "month", "family", "forecast_revenue"])
    return frame.assign(plan_month=MONTH(PLAN), forecast_qty=1.0)


def _plan(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["month", "family", "planned_revenue"])
    return frame.assign(plan_month=MONTH(PLAN))


FAMILY_ONLY_PLAN = [(NOV, "F", 200.0), (NOV, "G", 20.0), (DEC, "F", 100.0), (DEC, "G", 50.0)]


def test_a_family_only_plan_sums_to_the_company_total() -> None:
    """Plan by family only. Nov: F 200 + G 20 = 220 against forecast 100 + 50 + 30 = 180,
    gap -40 (-18.2 %); F gap 150 - 200 = -50. Dec: 100 + 50 = 150 against 160, gap +10.
    A plan row outside the forecast months (Jan) is left out."""
    plan = _plan([*FAMILY_ONLY_PLAN, (JAN, "F", 999.0)])
    con = connect({"sop_mart.forecast": _forecast(), "staging.financial_plan": plan})
    out = run_sql_model(con, "marts/financial_reconciliation")
    out = out.set_index(["month", "family"]).sort_index()
    assert_allclose(
        out.loc[(NOV, "__total__"), ["forecast_revenue", "planned_revenue", "gap"]].astype(float),
        [180, 220, -40],
    )
    assert out.loc[(NOV, "__total__"), "gap_pct"] == pytest.approx(-40 / 220)
    assert out.loc[(NOV, "__total__"), "plan_basis"] == "sum_of_families"
    assert_allclose(out.loc[(NOV, "F"), ["forecast_revenue", "gap"]].astype(float), [150, -50])
    assert_allclose(
        out.loc[(DEC, "__total__"), ["planned_revenue", "gap"]].astype(float), [150, 10]
    )
    assert JAN not in out.index.get_level_values("month")
    forecast = _forecast()[["month", "forecast_revenue"]]
    assert reconciliation_breaks(out.reset_index(), forecast).empty


def test_a_company_row_wins_and_the_disagreement_is_measured() -> None:
    """Nov also has a company row of 250: the total uses it (gap 180 - 250 = -70) and the
    plan check reports 250 - (200 + 20) = +30 (+13.6 %). Dec has no company row: 150."""
    plan = _plan([*FAMILY_ONLY_PLAN, (NOV, None, 250.0)])
    con = connect({"sop_mart.forecast": _forecast(), "staging.financial_plan": plan})
    out = run_sql_model(con, "marts/financial_reconciliation").set_index(["month", "family"])
    assert_allclose(
        out.loc[(NOV, "__total__"), ["planned_revenue", "gap"]].astype(float), [250, -70]
    )
    assert out.loc[(NOV, "__total__"), "plan_basis"] == "company_row"
    assert out.loc[(DEC, "__total__"), "plan_basis"] == "sum_of_families"
    disagreement = plan_total_disagreement(plan)
    assert list(disagreement["month"]) == [NOV]
    assert_allclose(
        disagreement[["company_row", "sum_of_families", "difference"]].iloc[0], [250, 220, 30]
    )
    assert disagreement["difference_pct"].iloc[0] == pytest.approx(30 / 220)
    assert plan_total_disagreement(_plan(FAMILY_ONLY_PLAN)).empty


def test_reconciliation_check_finds_a_total_that_does_not_foot() -> None:
    """A deliberately wrong table: Nov's company forecast 190 instead of 150 + 30 = 180, and a
    gap that is not forecast - plan."""
    recon = pd.DataFrame(
        {
            "month": [NOV, NOV, NOV],
            "family": ["F", "G", "__total__"],
            "forecast_revenue": [150.0, 30.0, 190.0],
            "planned_revenue": [200.0, 20.0, 220.0],
            "gap": [-50.0, 10.0, -30.0],
            "plan_basis": ["family", "family", "sum_of_families"],
        }
    )
    forecast = _forecast()[["month", "forecast_revenue"]]
    breaks = reconciliation_breaks(recon, forecast[forecast["month"] == NOV])
    assert set(breaks["rule"]) == {
        "company forecast = sum of families",
        "company forecast = sum of the forecast table",
    }
    assert_allclose(breaks["expected"], [180, 180])
    recon.loc[2, "forecast_revenue"] = 180.0
    recon.loc[2, "gap"] = -40.0
    recon.loc[0, "gap"] = -49.0
    breaks = reconciliation_breaks(recon, forecast[forecast["month"] == NOV])
    assert list(breaks["rule"]) == ["gap = forecast - plan"] and breaks["family"].iloc[0] == "F"


# --- cash projection and KPIs -------------------------------------------------------------


def _items() -> pd.DataFrame:
    """X (cost 2, purchased) and Y (cost 5, made from X); finished goods A, B, C for the
    forecast-based KPIs (cost 10, 4, 1). Same master in every month."""
    master = pd.DataFrame(
        {
            "item": ["X", "Y", "A", "B", "C"],
            "item_type": [
                "component",
                "component",
                "finished_good",
                "finished_good",
                "finished_good",
            ],
            "unit_cost": [2.0, 5.0, 10.0, 4.0, 1.0],
        }
    )
    months = pd.date_range("2025-06-01", "2025-10-01", freq="MS")
    return pd.concat([master.assign(plan_month=m) for m in months], ignore_index=True)


def _counts() -> pd.DataFrame:
    """Month-end stock counts, valued at the lot's cost, else the item's:
    Jun  X 1000 x 2                                   = 2000 (before the baseline)
    Jul  X 500 x 2 + Y 200 x 5                        = 1000 + 1000 = 2000 (the baseline)
    Aug  X 450 x 2 + Y 200 x 5                        =  900 + 1000 = 1900
    Sep  X 400 x 2 + Y 180 x 5                        =  800 +  900 = 1700
    Oct  X 300 x 2 + Y 100 x 5 + Y 60 x 4 (lot cost)  =  600 +  500 + 240 = 1340
    """
    rows = [
        ("2025-06-01", "X", "L1", 1000, None),
        ("2025-07-01", "X", "L1", 500, None),
        ("2025-07-01", "Y", "L2", 200, None),
        ("2025-08-01", "X", "L1", 450, None),
        ("2025-08-01", "Y", "L2", 200, None),
        ("2025-09-01", "X", "L1", 400, None),
        ("2025-09-01", "Y", "L2", 180, None),
        ("2025-10-01", "X", "L1", 300, None),
        ("2025-10-01", "Y", "L2", 100, None),
        ("2025-10-01", "Y", "L3", 60, 4.0),
    ]
    frame = pd.DataFrame(rows, columns=["plan_month", "item", "lot", "on_hand_qty", "unit_cost"])
    return frame.assign(plan_month=pd.to_datetime(frame["plan_month"]), location="WH1")


def _stock_values() -> pd.Series:
    """The counts above, valued: Jun 2000, Jul 2000, Aug 1900, Sep 1700, Oct 1340."""
    lots = _counts()
    cost = _items().drop_duplicates("item").set_index("item")["unit_cost"]
    value = lots["on_hand_qty"] * lots["unit_cost"].fillna(lots["item"].map(cost))
    return value.groupby(lots["plan_month"]).sum()


def project_cash(overrides: dict) -> pd.DataFrame:
    """The cash projection of Oct under ``overrides``: the counts above, then the constrained
    plan's stock Nov X 200 x 2 + Y 150 x 5 = 1150, Dec X 100 x 2 + Y 100 x 5 = 700, purchases
    X 100 x 2 = 200 in Nov and 50 x 2 = 100 in Dec (Y is made). A supply plan of Aug exists
    (it makes Aug the first planned month). No cash.csv: no balance."""
    targets = load_settings(None, overrides).kpi_targets
    stock = _stock_values()
    promise = commitment(
        stock,
        MONTH(PLAN),
        MONTH("2025-08-01"),
        targets.cash_baseline_month,
        targets.cash_target_month,
        targets.inventory_value,
        targets.cash_reduction,
    )
    zero = np.zeros(2)
    bought = np.array([200.0, 100.0])
    flows = PlanCash(zero, bought, zero, zero, zero, materials_sold=bought)
    frame = cash_projection(
        MONTH(PLAN),
        pd.DatetimeIndex([NOV, DEC]),
        np.array([1150.0, 700.0]),
        flows,
        None,
        stock,
        promise,
    )
    return frame.assign(plan_month=MONTH(PLAN))


def with_cash(con, overrides: dict) -> pd.DataFrame:
    """Write :func:`project_cash` as ``sop_mart.cash_projection`` (replacing any before)."""
    frame = project_cash(overrides)
    con.execute("create schema if not exists sop_mart")
    con.execute("drop table if exists sop_mart.cash_projection")
    con.register("frame", frame)
    con.execute("create table sop_mart.cash_projection as select * from frame")
    con.unregister("frame")
    return frame


def _cash_tables() -> dict[str, pd.DataFrame]:
    return {"staging.items": _items(), "staging.inventory": _counts()}


COMMITMENT = {"kpi_targets": {"cash_reduction": 1200, "cash_baseline_month": "2025-07"}}


def test_cash_projection_follows_a_dated_path() -> None:
    """Baseline Jul 2025 (inventory 2000), release 1200 by Jul 2026 (12 months): the path is
    2000 - 1200 x months since Jul / 12 = 2000 - 100 per month, Jul 2000 ... Dec 1500.

    month  inventory  path   gap   released  path release  purchases
    Jul    2000       2000     0      0         0          -
    Aug    1900       1900     0    100       100          -
    Sep    1700       1800  -100    300       200          -
    Oct    1340       1700  -360    660       300          -
    Nov    1150       1600  -450    850       400        200
    Dec     700       1500  -800   1300       500        100
    """
    out = project_cash(COMMITMENT).set_index("month")
    months = pd.date_range("2025-07-01", "2025-12-01", freq="MS")
    assert list(out.index) == list(months)
    assert_allclose(out["inventory_value"], [2000, 1900, 1700, 1340, 1150, 700])
    assert_allclose(out["target_inventory_value"], [2000, 1900, 1800, 1700, 1600, 1500])
    assert_allclose(out["gap_to_target"], [0, 0, -100, -360, -450, -800])
    assert_allclose(out["cash_released"], [0, 100, 300, 660, 850, 1300])
    assert_allclose(out["target_cash_released"], [0, 100, 200, 300, 400, 500])
    assert list(out["is_actual"]) == [True] * 4 + [False] * 2
    assert out["purchase_spend"].iloc[:4].isna().all()
    assert_allclose(out["purchase_spend"].iloc[4:], [200, 100])
    assert set(out["baseline_month"]) == {MONTH("2025-07-01")}
    assert set(out["target_month"]) == {MONTH("2026-07-01")}
    assert set(out["baseline_inventory_value"]) == {2000.0}


def test_cash_path_defaults_and_other_settings() -> None:
    """Default baseline: the first plan month with a supply plan (Aug, inventory 1900); target
    Aug 2026: Oct path = 1900 - 1200 x 2/12 = 1700.
    Target month Dec 2025 (5 months from Jul): Oct 2000 - 1200 x 3/5 = 1280, Dec 800 (done).
    Inventory value target 1000 instead of a reduction: Oct 2000 - 1000 x 3/12 = 1750."""
    reduction = {"kpi_targets": {"cash_reduction": 1200}}
    out = project_cash(reduction).set_index("month")
    assert out.index[0] == MONTH("2025-08-01")
    assert out.loc[MONTH(PLAN), "target_inventory_value"] == pytest.approx(1700)
    dated = {"kpi_targets": {**COMMITMENT["kpi_targets"], "cash_target_month": "2025-12"}}
    path = project_cash(dated).set_index("month")["target_inventory_value"]
    assert_allclose(path[[MONTH(PLAN), NOV, DEC]], [1280, 1040, 800])
    level = {"kpi_targets": {"cash_baseline_month": "2025-07", "inventory_value": 1000}}
    out = project_cash(level)
    assert out.set_index("month").loc[MONTH(PLAN), "target_inventory_value"] == pytest.approx(1750)


def _kpi_tables() -> dict[str, pd.DataFrame]:
    plan = MONTH(PLAN)
    history = pd.DataFrame(
        [
            ("2024-10-01", "A", 1000, 1000, None),  # 12 months back: outside the window
            ("2025-07-01", "A", 20, 20, 1.0),
            ("2025-08-01", "A", 20, 20, 1.0),
            ("2025-09-01", "A", 20, 20, 1.0),
            ("2025-10-01", "A", 100, 90, 0.9),
            ("2025-10-01", "B", 50, 50, 1.0),
            ("2025-10-01", "C", 0, 0, None),
        ],
        columns=["plan_month", "item", "ordered_qty", "shipped_qty", "fill_rate"],
    ).assign(
        plan_month=lambda f: pd.to_datetime(f["plan_month"]), demand_qty=lambda f: f["ordered_qty"]
    )
    accuracy = pd.DataFrame(
        {
            "plan_month": plan,
            "item": ["__total__", "__total__", "A"],
            "lag": [1, 3, 1],
            "wape": [0.25, 0.38, 0.9],
            "bias": [-0.04, 0.1, 0.5],
        }
    )
    forecast = pd.DataFrame(
        {
            "plan_month": plan,
            "item": "A",
            "month": [NOV, DEC, JAN, MONTH("2026-02-01")],
            "forecast_qty": [10.0, 10.0, 10.0, 100.0],
            "forecast_revenue": [100.0, 100.0, 100.0, 1000.0],
        }
    )
    # revisions since Sep: A moved 22 units over the 11 compared months, B 55
    changes = pd.DataFrame(
        {
            "plan_month": plan,
            "item": ["A", "B"],
            "months_compared": 11,
            "abs_change_qty": [22.0, 55.0],
        }
    )
    return {
        **_cash_tables(),
        "staging.demand_history": history,
        "sop_mart.forecast_changes": changes,
        "sop_mart.forecast_accuracy": accuracy,
        "sop_mart.forecast": forecast,
        "sop_mart.excess_obsolete": pd.DataFrame(
            {"plan_month": plan, "item": ["X", "Y"], "total_value": [300.0, 200.0]}
        ),
        "sop_mart.constrained_plan": pd.DataFrame(
            {
                "plan_month": plan,
                "scenario": ["base", "base", "upside"],
                "item": ["A", "A", "A"],
                "month": [NOV, DEC, NOV],
                "lost_sales_qty": [100.0, 23.4, 999.0],
                "net_price": [10.0, 10.0, 10.0],
            }
        ),
        "sop_mart.shelf_life_risk": pd.DataFrame(
            {
                "plan_month": plan,
                "item": ["X", "X", "Y"],
                "value_at_risk": [10.0, 20.0, 99.0],
                "reason": ["expired", "expiry", "slow_mover"],
            }
        ),
        "sop_mart.financial_reconciliation": pd.DataFrame(
            {
                "plan_month": plan,
                "month": [NOV, DEC, NOV],
                "family": ["__total__", "__total__", "F"],
                "gap": [-40.0, 10.0, -50.0],
                "planned_revenue": [220.0, 150.0, 200.0],
            }
        ),
    }


def test_kpis_match_hand_computed_numbers() -> None:
    """With the cash projection above (Oct: inventory 1340, path 1700, released 660 of 300):

    inventory_value           1340 vs 1700 (lower)            on_track
    cash_released              660 vs  300 (higher)           on_track
    cash_vs_target     1340 - 1700 = -360 vs 0                on_track
    projected_inventory_value  700 vs 1500 (Dec)              on_track
    fill_rate   (0.9 x 100 + 1 x 50) / 150 = 0.9333 vs 0.95   watch (band 0.095)
    wape_lag1 0.25 vs 0.30 on_track; bias_lag1 -0.04 within 0.05 on_track
    wape_lag3 0.38 vs its own target 0.40                     on_track (lag 1's 0.30: off)
    months_of_supply  1340 / ((10 + 10 + 10) x 10 / 3) = 13.4 vs 2.5   off_track
    inventory_turns   COGS Jul-Oct: A (20 + 20 + 20 + 90) x 10 + B 50 x 4 = 1700 over 4
                      months -> 5100 a year; average month-end inventory of those months
                      (2000 + 1900 + 1700 + 1340) / 4 = 1735 -> 2.9395 (month-end: 3.81)
    excess_obsolete_value 300 + 200 = 500; revenue_at_risk (the constrained plan's base lost
                      sales at their net price) (100 + 23.4) x 10 = 1234;
    shelf_life_value_at_risk 10 + 20 = 30 (slow movers excluded)
    forecast_vs_plan (-40 + 10) / (220 + 150) = -0.0811       off_track
    forecast_revision (22 + 55) / (11 x 40 + 11 x 50) = 0.0778 vs 0.15   on_track
                      (mean demand of the last 12 months: A (20 + 20 + 20 + 100) / 4 = 40,
                      B 50)
    """
    con = connect(_kpi_tables())
    with_cash(con, COMMITMENT)
    out = run_sql_model(con, "marts/kpis", COMMITMENT).set_index("kpi")
    expected = {
        "inventory_value": (1340, 1700, "on_track"),
        "cash_released": (660, 300, "on_track"),
        "cash_vs_target": (-360, 0, "on_track"),
        "projected_inventory_value": (700, 1500, "on_track"),
        "fill_rate": (140 / 150, 0.95, "watch"),
        "wape_lag1": (0.25, 0.30, "on_track"),
        "bias_lag1": (-0.04, 0.05, "on_track"),
        "wape_lag3": (0.38, 0.40, "on_track"),
        "months_of_supply": (13.4, 2.5, "off_track"),
        "inventory_turns": (5100 / 1735, 5.0, "off_track"),
        "excess_obsolete_value": (500, 25000, "on_track"),
        # no target a company can meet: shown, never off track
        "revenue_at_risk": (1234, None, "no_target"),
        "shelf_life_value_at_risk": (30, None, "no_target"),
        "forecast_vs_plan": (-30 / 370, 0, "off_track"),
        "forecast_revision": (77 / 990, 0.15, "on_track"),
    }
    for kpi, (value, target, status) in expected.items():
        row = out.loc[kpi]
        assert row["value"] == pytest.approx(value), kpi
        if target is None:
            assert pd.isna(row["target"]), kpi
        else:
            assert row["target"] == pytest.approx(target), kpi
        assert row["status"] == status, kpi
    lots = _counts()
    lots = lots[lots["plan_month"] == MONTH(PLAN)]
    items = _items()[_items()["plan_month"] == MONTH(PLAN)]
    cash = con.execute("select * from sop_mart.cash_projection").df()
    assert kpi_cross_foot_breaks(out.reset_index(), cash, lots, items, MONTH(PLAN)).empty


def test_cash_behind_the_path_is_off_track_and_watch_uses_the_commitment() -> None:
    """Release 1200 from Jul by Sep 2025: the path is done by Oct (2000 - 1200 = 800) and stock
    1340 is 540 above it. The watch band is 10 % of the 1200 committed (120): 540 > 120 ->
    off_track; cash released 660 against 1200 -> 540 short -> off_track.
    By Dec 2025 instead (5 months): Oct path 2000 - 1200 x 3/5 = 1280, 60 above it -> watch;
    released 660 against 720 -> watch."""
    con = connect(_kpi_tables())
    base = {"cash_reduction": 1200, "cash_baseline_month": "2025-07"}
    behind = {"kpi_targets": {**base, "cash_target_month": "2025-09"}}
    with_cash(con, behind)
    out = run_sql_model(con, "marts/kpis", behind).set_index("kpi")
    assert out.loc["cash_vs_target", "value"] == pytest.approx(540)
    assert out.loc["cash_vs_target", "status"] == "off_track"
    assert out.loc["cash_released", "target"] == pytest.approx(1200)
    assert out.loc["cash_released", "status"] == "off_track"
    closer = {"kpi_targets": {**base, "cash_target_month": "2025-12"}}
    with_cash(con, closer)
    out = run_sql_model(con, "marts/kpis", closer).set_index("kpi")
    assert out.loc["cash_vs_target", "value"] == pytest.approx(60)
    assert out.loc["cash_vs_target", "status"] == "watch"
    assert out.loc["cash_released", "target"] == pytest.approx(720)
    assert out.loc["cash_released", "status"] == "watch"


def test_kpi_cross_foot_check_finds_a_wrong_inventory_value() -> None:
    """A deliberately wrong scorecard: inventory_value 1400 where the Oct count is worth 1340."""
    lots = _counts()
    lots = lots[lots["plan_month"] == MONTH(PLAN)]
    items = _items()[_items()["plan_month"] == MONTH(PLAN)]
    kpis = pd.DataFrame({"kpi": ["inventory_value"], "value": [1400.0]})
    cash = pd.DataFrame({"month": [MONTH(PLAN)], "inventory_value": [1340.0]})
    breaks = kpi_cross_foot_breaks(kpis, cash, lots, items, MONTH(PLAN))
    assert list(breaks["rule"]) == ["inventory_value KPI = sum of lots x cost"]
    assert_allclose(breaks[["expected", "actual"]].iloc[0], [1340, 1400])
    assert np.isfinite(breaks["expected"]).all()


def test_cash_months_are_validated_settings() -> None:
    """Months are written YYYY-MM (or as a first-of-month date); the target month must come
    after the baseline month."""
    import datetime as dt

    from sop_pipeline.settings import load_settings

    targets = load_settings(
        None, {"kpi_targets": {"cash_baseline_month": "2025-07", "cash_target_month": "2026-01"}}
    ).kpi_targets
    assert (targets.cash_baseline_month, targets.cash_target_month) == (
        dt.date(2025, 7, 1),
        dt.date(2026, 1, 1),
    )
    for bad in (
        {"cash_baseline_month": "2025-07", "cash_target_month": "2025-07"},
        {"cash_baseline_month": "July"},
        {"cash_baseline_month": dt.date(2025, 7, 15)},
        {"cash_reduction": -1},
    ):
        with pytest.raises(ValueError):
            load_settings(None, {"kpi_targets": bad})


def test_a_baseline_after_the_plan_month_has_no_cash_kpis_yet() -> None:
    """Baseline Nov 2025 for plan month Oct: nothing is released yet and the path is not
    known - the cash KPIs show no_data (inventory_value keeps its value: no_target)."""
    later = {"kpi_targets": {"cash_reduction": 1200, "cash_baseline_month": "2025-11"}}
    con = connect(_kpi_tables())
    cash = with_cash(con, later).set_index("month")
    assert cash.loc[MONTH(PLAN), "inventory_value"] == pytest.approx(1340)
    assert cash["baseline_inventory_value"].isna().all()
    out = run_sql_model(con, "marts/kpis", later).set_index("kpi")
    assert out.loc[["cash_released", "cash_vs_target"], "status"].tolist() == ["no_data"] * 2
    assert out.loc["inventory_value", "value"] == pytest.approx(1340)
    assert out.loc["inventory_value", "status"] == "no_target"
