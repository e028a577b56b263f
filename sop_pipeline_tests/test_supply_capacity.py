"""Rough-cut capacity on a two-resource company, every number worked out by hand.

Resources: FILL (100 h a month, 20 h of overtime at 30 an hour) and PACK (200 h, no overtime).
Routings: A takes 0.1 h of FILL and 0.05 h of PACK a unit, B 0.2 h of FILL.
Production orders (open + planned receipts) of the base MRP:

| month | A   | B   | FILL load             | PACK load |
|-------|-----|-----|-----------------------|-----------|
| Nov   | 500 | 200 | 50 + 40 = 90          | 25        |
| Dec   | 600 | 400 | 60 + 80 = 140 (peak)  | 30        |
| Jan   | 300 | 100 | 30 + 20 = 50          | 15        |

In December FILL needs 140 h: 100 regular, 20 overtime (cost 600), 20 h overloaded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.supply.capacity import (
    capacity_gaps,
    combine_gaps,
    plan_rough_cut,
    prebuild_window,
)

PLAN = pd.Timestamp("2025-10-01")
NOV, DEC, JAN = (pd.Timestamp(m) for m in ("2025-11-01", "2025-12-01", "2026-01-01"))
MONTHS = [NOV, DEC, JAN]

RESOURCES = pd.DataFrame(
    {
        "resource": ["FILL", "PACK"],
        "description": ["Filling line", "Packing line"],
        "capacity_per_month": [100.0, 200.0],
        "overtime_capacity_per_month": [20.0, None],
        "overtime_cost_per_unit": [30.0, None],
    }
)
ROUTINGS = pd.DataFrame(
    {
        "item": ["A", "A", "B"],
        "resource": ["FILL", "PACK", "FILL"],
        "hours_per_unit": [0.1, 0.05, 0.2],
    }
)
ITEMS = pd.DataFrame(
    {"item": ["A", "B", "C1"], "unit_cost": [4.0, 5.0, 1.0], "shelf_life_days": [365, None, None]}
)


def mrp(scenario: str = "base", factor: float = 1.0) -> pd.DataFrame:
    """Receipts of A and B (the table above; A's Nov order is 100 open + 400 planned), with
    the projected stock at month end: A 60, 50, 40; B 90, 80, 70."""
    rows = []
    for month, a, b, stock_a, stock_b in zip(
        MONTHS, (500, 600, 300), (200, 400, 100), (60, 50, 40), (90, 80, 70), strict=True
    ):
        open_a = 100.0 if month == NOV else 0.0
        rows.append((scenario, "A", month, open_a, a * factor - open_a, stock_a))
        rows.append((scenario, "B", month, 0.0, b * factor, stock_b))
        rows.append((scenario, "C1", month, 0.0, 999.0, 0.0))  # not routed: no load
    return pd.DataFrame(
        rows,
        columns=[
            "scenario",
            "item",
            "month",
            "scheduled_receipts",
            "planned_receipt_qty",
            "projected_on_hand",
        ],
    )


def rough_cut(**kwargs):
    plan = pd.concat([mrp("base"), mrp("upside", 1.2)], ignore_index=True)
    return plan_rough_cut(
        plan, ITEMS, RESOURCES, ROUTINGS, kwargs.pop("overrides", None), PLAN, horizon=3, **kwargs
    )


def test_load_overtime_and_overload_per_resource_and_month() -> None:
    plan = rough_cut().plan.set_index(["scenario", "resource", "month"]).sort_index()
    assert len(plan) == 2 * 2 * 3  # scenarios x resources x months, every one
    fill = plan.loc[("base", "FILL")]
    assert_allclose(fill["load"], [90, 140, 50])
    assert_allclose(fill["overtime_used"], [0, 20, 0])
    assert_allclose(fill["overtime_cost"], [0, 600, 0])
    assert_allclose(fill["overload"], [0, 20, 0])
    assert_allclose(fill["utilisation"], [0.9, 1.4, 0.5])
    assert list(fill["items_loaded"]) == [2, 2, 2]
    pack = plan.loc[("base", "PACK")]
    assert_allclose(pack["load"], [25, 30, 15])  # 0.05 h x A's 500, 600, 300
    assert_allclose(pack["overload"], [0, 0, 0])
    # upside: 1.2 x the orders; Dec FILL 168 h = 100 + 20 overtime + 48 overloaded
    assert plan.loc[("upside", "FILL", DEC), "load"] == pytest.approx(168)
    assert plan.loc[("upside", "FILL", DEC), "overload"] == pytest.approx(48)
    assert set(plan["capacity_source"]) == {"resources"}


def test_overload_is_split_by_load_and_eats_the_stock_before_demand() -> None:
    """December's 20 h overload is split by load: A 20 x 60/140 = 8.571 h / 0.1 = 85.714
    units, B 20 x 80/140 = 11.429 h / 0.2 = 57.143 units. A holds 50 at month end: 35.714 units
    of demand are lost (revenue at 10: 357.14; margin at 10 - 4: 214.29). B holds 80 > 57.1:
    only its safety stock is eaten, no gap."""
    cut = rough_cut()
    lost = cut.lost.set_index("item")
    assert_allclose(lost.loc[["A", "B"], "units"], [20 * 600 / 140, 20 * 400 / 140])
    assert set(lost["resource"]) == {"FILL"}
    demand = pd.DataFrame({"item": ["A", "B"], "month": [DEC, DEC], "qty": [550.0, 380.0]})
    gaps = capacity_gaps(
        cut.lost,
        mrp("base"),
        demand,
        prices=pd.Series({"A": 10.0, "B": 12.0}),
        unit_cost=ITEMS.set_index("item")["unit_cost"],
    )
    assert list(gaps["item"]) == ["A"]
    row = gaps.iloc[0]
    shortage = 20 * 600 / 140 - 50
    assert row["shortage_qty"] == pytest.approx(shortage)  # 35.714
    assert row["available_qty"] == pytest.approx(550 - shortage)
    assert row["revenue_at_risk"] == pytest.approx(shortage * 10)
    assert row["margin_at_risk"] == pytest.approx(shortage * 6)
    assert row["limiting_item"] == "FILL" and row["gap_type"] == "capacity"
    assert row["binding_component"] is None


def test_a_material_gap_and_a_capacity_gap_combine_into_the_larger() -> None:
    """A in Dec: material shortage 20 (C1) against capacity 35.7 -> one row, capacity binds.
    B in Jan: material only -> kept as material."""
    cut = rough_cut()
    demand = pd.DataFrame({"item": ["A"], "month": [DEC], "qty": [550.0]})
    capacity = capacity_gaps(
        cut.lost,
        mrp("base"),
        demand,
        pd.Series({"A": 10.0}),
        ITEMS.set_index("item")["unit_cost"],
    )
    material = pd.DataFrame(
        {
            "item": ["A", "B"],
            "month": [DEC, JAN],
            "demand_qty": [550.0, 100.0],
            "available_qty": [530.0, 90.0],
            "shortage_qty": [20.0, 10.0],
            "revenue_at_risk": [200.0, 120.0],
            "limiting_item": ["C1", "B"],
            "binding_component": ["C1", None],
            "margin_at_risk": [120.0, 70.0],
        }
    )
    both = combine_gaps(material, capacity).set_index(["item", "month"])
    assert len(both) == 2
    assert both.loc[("A", DEC), "gap_type"] == "capacity"
    assert both.loc[("A", DEC), "limiting_item"] == "FILL"
    assert both.loc[("A", DEC), "shortage_qty"] == pytest.approx(20 * 600 / 140 - 50)
    assert both.loc[("B", JAN), "gap_type"] == "material"
    assert both.loc[("B", JAN), "shortage_qty"] == 10.0


def test_prebuild_moves_overload_into_earlier_spare_capacity() -> None:
    """November FILL has 100 - 90 = 10 h spare (PACK 175 h). A (shortest window first, tie:
    name) pre-builds all 85.714 units: 8.571 h of FILL, leaving 1.429 h; B then gets
    1.429 / 0.2 = 7.143 units. prebuild_load of Dec FILL = 8.571 + 1.429 = 10 h of the 20."""
    cut = rough_cut()
    built = cut.prebuilt.set_index("item")
    assert set(built["build_month"]) == {NOV} and set(built["for_month"]) == {DEC}
    assert built.loc["A", "qty"] == pytest.approx(20 * 600 / 140)
    assert built.loc["B", "qty"] == pytest.approx((10 - 20 * 60 / 140) / 0.2)
    plan = cut.plan.set_index(["scenario", "resource", "month"])
    assert plan.loc[("base", "FILL", DEC), "prebuild_load"] == pytest.approx(10)
    assert plan.loc[("base", "PACK", DEC), "prebuild_load"] == 0  # PACK is not overloaded


def test_prebuild_stops_where_shelf_life_or_the_setting_says() -> None:
    """A's 365 days are floor(11.99) = 11 months of shelf life. The window is min(setting,
    11 - months it must still be sellable): 3 with 6 months to sell, 1 with 10, 0 with 12;
    B never expires: the setting's 3. With max_prebuild_months 0 nothing is pre-built."""
    shelf = ITEMS.set_index("item")["shelf_life_days"]
    assert list(prebuild_window(shelf, 3, 6.0)) == [3, 3, 3]
    assert list(prebuild_window(shelf, 3, 10.0)) == [1, 3, 3]
    assert list(prebuild_window(shelf, 3, 12.0)) == [0, 3, 3]
    no_window = rough_cut(max_prebuild_months=0)
    assert no_window.prebuilt.empty
    assert (no_window.plan["prebuild_load"] == 0).all()
    a_cannot = rough_cut(min_remaining_shelf_months=12.0)
    assert list(a_cannot.prebuilt["item"]) == ["B"]  # B takes the 10 h: 50 units
    assert a_cannot.prebuilt["qty"].iloc[0] == pytest.approx(50)


def test_a_capacity_override_replaces_a_month_and_keeps_the_overtime() -> None:
    """capacity.csv: FILL 40 h in January (overtime blank: the resource's 20 h). January's 50 h
    -> 10 h of overtime (cost 300), no overload; the other months keep 100 h."""
    overrides = pd.DataFrame(
        {
            "month": [JAN, pd.Timestamp("2027-01-01")],  # outside the horizon: ignored
            "resource": ["FILL", "FILL"],
            "capacity_per_month": [40.0, 0.0],
            "overtime_capacity_per_month": [None, None],
        }
    )
    plan = rough_cut(overrides=overrides).plan.set_index(["scenario", "resource", "month"])
    jan = plan.loc[("base", "FILL", JAN)]
    assert jan["capacity"] == 40 and jan["overtime_capacity"] == 20
    assert jan["overtime_used"] == pytest.approx(10) and jan["overtime_cost"] == 300
    assert jan["overload"] == 0 and jan["capacity_source"] == "override"
    assert plan.loc[("base", "FILL", NOV), "capacity"] == 100


def test_without_resources_there_is_no_plan_and_no_loss() -> None:
    cut = plan_rough_cut(
        mrp(), ITEMS, RESOURCES.iloc[0:0], ROUTINGS.iloc[0:0], None, PLAN, horizon=3
    )
    assert cut.plan.empty and cut.lost.empty and cut.prebuilt.empty


@pytest.mark.parametrize(
    ("resources", "routings", "message"),
    [
        (RESOURCES.assign(capacity_per_month=[-1.0, 200.0]), ROUTINGS, "not negative"),
        (pd.concat([RESOURCES, RESOURCES.iloc[:1]]), ROUTINGS, "duplicate resource"),
        (RESOURCES, ROUTINGS.assign(resource=["FILL", "PACK", "MIX"]), "MIX"),
        (RESOURCES, ROUTINGS.assign(hours_per_unit=[0.1, 0.0, 0.2]), "above 0"),
    ],
)
def test_bad_capacity_inputs_are_refused_with_the_reason(
    resources: pd.DataFrame, routings: pd.DataFrame, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plan_rough_cut(mrp(), ITEMS, resources, routings, None, PLAN, horizon=3)


def test_zero_capacity_has_no_utilisation_and_overloads_everything_beyond_overtime() -> None:
    resources = RESOURCES.assign(capacity_per_month=[0.0, 200.0])
    plan = plan_rough_cut(mrp(), ITEMS, resources, ROUTINGS, None, PLAN, horizon=3).plan
    fill = plan[(plan["scenario"] == "base") & (plan["resource"] == "FILL")]
    assert fill["utilisation"].isna().all()
    assert_allclose(fill["overload"], np.array([90, 140, 50]) - 20)


def test_the_overload_puts_expected_margin_at_risk_even_when_it_only_eats_safety_stock() -> None:
    """December, with demand A ~ Normal(550, 100) (80 % interval 550 -+ 128.16) and B 380 with
    no uncertainty. A's plan supplies S = 550 + 50 = 600; the overload takes 85.714 units, so
    z falls from (600 - 550) / 100 = 0.5 to (514.286 - 550) / 100 = -0.35714:
    L(0.5) = 0.197797; L(-0.35714) = phi(0.35714) - (-0.35714) x (1 - Phi(-0.35714)) =
    0.374294 + 0.35714 x 0.639508 = 0.602689; expected lost sales rise by
    100 x (0.602689 - 0.197797) = 40.489 units: revenue 404.89 at 10, margin 242.94 at 6.
    B keeps 460 - 57.14 = 402.86 >= 380: nothing. FILL's 142.857 units short are A's and B's."""
    forecast = pd.DataFrame(
        {
            "item": ["A", "B"],
            "month": [DEC, DEC],
            "forecast_qty": [550.0, 380.0],
            "lo80": [550 - 128.155, 380.0],
            "hi80": [550 + 128.155, 380.0],
            "net_price": [10.0, 12.0],
        }
    )
    plan = rough_cut(forecast=forecast).plan.set_index(["scenario", "resource", "month"])
    dec = plan.loc[("base", "FILL", DEC)]
    assert dec["units_short"] == pytest.approx(20 * 600 / 140 + 20 * 400 / 140)
    assert dec["revenue_at_risk"] == pytest.approx(404.89, abs=0.05)
    assert dec["margin_at_risk"] == pytest.approx(242.94, abs=0.05)
    assert plan.loc[("base", "FILL", NOV), "margin_at_risk"] == 0
    assert (plan.loc["upside", "margin_at_risk"] == 0).all()
