"""The meeting's options as re-solves of the constrained plan, on a toy company worked out by
hand (sop_pipeline.balance.plan.plan_balance, no warehouse).

Plan month Oct 2025, six months. Prices 10, costs 4: a unit sold earns 6. No uncertainty
(lo80 = hi80 = forecast), no safety stock, holding almost free (0.12 % a year: it only breaks
ties, a few cents at most), so expected margins are the point margins.

- A is made from one C a unit (not routed), demand 100 a month. C (cost 1) takes 60 days to
  buy (an order placed at the close arrives on 30 Dec, too late in the month to make
  December's A: it serves January's production) and 50 are on hand: Nov can make 50 A and
  Dec none - unless C is expedited (14 days, 15 % premium: 0.15 a unit; in by 14 Nov, in time
  for November's production).
- B is made on LINE, 1 h a unit, demand 100 a month (its component D is always there). LINE has
  120 h a month, 60 h in Jan 2026 (a capacity override), and 10 h of overtime at 2 an hour.

By hand, against each issue's plan to base (the issue's levers off):

C (component): plan to base sells 50 A in Nov and none in Dec: 150 lost, 900 of margin.
    expedite           150 expedited (50 for Nov, 100 for Dec): +900 - 150 x 0.15 = +877.5
    spread_deliveries  the peak is Dec: 30 % of it (30 A) to Jan: Dec loses 70, Jan makes all
                       130 (C ordered in Dec is in hand at Jan's start): 120 lost -> +180
    constrained_plan   the plan expedites: +877.5
LINE (resource) binds Nov-Jan (the plan builds ahead in Nov and Dec): plan to base - no
overtime in those months, nothing built ahead for them - makes 60 B in Jan: 40 lost, 240.
    overtime           10 h: 30 lost -> +60 - 20 = +40
    prebuild           40 B built in Nov and Dec's spare 20 h each: nothing lost -> +240
    spread_deliveries  30 % of Jan (30 B) to Feb: Jan sells 60 of 70; Feb (LINE does not bind
                       then) makes its 130 with 10 h of overtime: 10 lost -> +180 - 20 = +160
    constrained_plan   pre-building is free, overtime is not: +240
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sop_pipeline.balance.model import ModelSettings
from sop_pipeline.balance.options import OptionSettings
from sop_pipeline.balance.plan import BalanceInputs, PlanSettings, plan_balance
from sop_pipeline.supply.inputs import PlanningInputs

PLAN = pd.Timestamp("2025-10-01")
MONTHS = pd.date_range("2025-11-01", periods=6, freq="MS")
JAN = pd.Timestamp("2026-01-01")


def toy_inputs() -> BalanceInputs:
    items = pd.DataFrame(
        {
            "item": ["A", "B", "C", "D"],
            "item_type": ["finished_good", "finished_good", "component", "component"],
            "description": ["Serum", "Lotion", "Bottle", "Tube"],
            "unit_cost": [4.0, 4.0, 1.0, 0.5],
            "unit_price": [10.0, 10.0, None, None],
            "lead_time_days": [0.0, 0.0, 60.0, 0.0],
            "service_level": 0.95,
        }
    )
    bom = pd.DataFrame(
        {"parent": ["A", "B"], "component": ["C", "D"], "qty_per": 1.0, "scrap_rate": 0.0}
    )
    forecast = pd.DataFrame(
        [(item, month, 100.0) for item in ("A", "B") for month in MONTHS],
        columns=["item", "month", "forecast_qty"],
    ).assign(lo80=lambda f: f["forecast_qty"], hi80=lambda f: f["forecast_qty"], net_price=10.0)
    planning = PlanningInputs(
        plan_month=PLAN,
        items=items,
        bom=bom,
        forecast=forecast,
        on_hand=pd.DataFrame({"item": ["C", "D"], "on_hand_qty": [50.0, 10_000.0]}),
        open_orders=pd.DataFrame(
            {"item": pd.Series(dtype=object), "qty_open": [], "due_date": pd.Series(dtype="M8[ns]")}
        ),
        horizon=6,
        resources=pd.DataFrame(
            {
                "resource": ["LINE"],
                "description": ["Filling line"],
                "capacity_per_month": [120.0],
                "overtime_capacity_per_month": [10.0],
                "overtime_cost_per_unit": [2.0],
            }
        ),
        routings=pd.DataFrame({"item": ["B"], "resource": ["LINE"], "hours_per_unit": [1.0]}),
        capacity_overrides=pd.DataFrame(
            {"month": [JAN], "resource": ["LINE"], "capacity_per_month": [60.0]}
        ),
    )
    no_safety_stock = pd.DataFrame(
        {"item": pd.Series(dtype=object), "month": pd.Series(dtype="M8[ns]"), "safety_stock": []}
    )
    return BalanceInputs(
        planning=planning,
        safety_stock=no_safety_stock,
        shelf_risk=pd.DataFrame(columns=["item", "qty_at_risk", "reason"]),
        tradeoff=pd.DataFrame(),
        forecast_changes=pd.DataFrame(),
        stock_values=pd.Series(dtype=float),
        descriptions={"LINE": "Filling line"},
    )


def settings(max_extra_cash: float | None = None) -> PlanSettings:
    return PlanSettings(
        model=ModelSettings(holding_cost_rate=0.0012, cash_path="off"),
        options=OptionSettings(max_extra_cash=max_extra_cash),
        upside="never",
    )


@pytest.fixture(scope="module")
def plan():
    return plan_balance(toy_inputs(), settings())


def _issue(plan, issue: str) -> pd.DataFrame:
    options = plan.scenario_options
    return options[options["issue"] == issue].set_index("option")


def test_the_component_issue_prices_expediting_against_taking_the_risk(plan) -> None:
    rows = _issue(plan, "component:C")
    assert list(rows.index) == [
        "plan_to_base", "expedite", "spread_deliveries", "constrained_plan",
    ]  # fmt: skip
    assert rows["margin_vs_base"].to_numpy() == pytest.approx([0, 877.5, 180, 877.5], abs=0.5)
    assert rows.loc["plan_to_base", "lost_sales_qty"] == pytest.approx(150)
    assert rows.loc["spread_deliveries", "lost_sales_qty"] == pytest.approx(120)
    assert rows.loc["expedite", "expedite_cost"] == pytest.approx(22.5)
    assert rows.loc["expedite", "is_suggested"]  # the first of the equal best
    assert rows.loc["expedite", "decision"] == (
        "Expedite 150 of C at the meeting (14 days: in by 14 Nov 2025, 15% premium)"
        " for Nov 2025's production"
    )
    assert rows.loc["spread_deliveries", "decision"] == (
        "Ask customers to take 30% of Dec 2025's demand (30 units of A) in Jan 2026"
    )
    assert set(rows["affected_items"]) == {"A"}


def test_the_resource_issue_prices_overtime_prebuild_and_spreading(plan) -> None:
    rows = _issue(plan, "resource:LINE")
    assert list(rows.index) == [
        "plan_to_base", "overtime", "prebuild", "spread_deliveries", "constrained_plan",
    ]  # fmt: skip
    assert rows["margin_vs_base"].to_numpy() == pytest.approx([0, 40, 240, 160, 240], abs=0.5)
    assert rows["lost_sales_qty"].to_numpy() == pytest.approx([40, 30, 0, 10, 0])
    assert rows.loc["overtime", "overtime_cost"] == pytest.approx(20)
    # 40 B built ahead at 4 a unit are held at the end of Dec, their 40 D (0.5) used up early
    assert rows.loc["prebuild", "extra_inventory_cash_peak"] == pytest.approx(160 - 20)
    assert rows.loc["overtime", "extra_inventory_cash_peak"] == pytest.approx(0, abs=1e-6)
    assert rows.loc["prebuild", "is_suggested"]
    assert rows.loc["overtime", "decision"] == "Plan 10.0 h of overtime on LINE in Jan 2026"


def test_the_plan_is_the_best_option_of_each_issue(plan) -> None:
    """The constrained plan re-solved with every lever is what the plan does: its option row
    has the plan's own lost sales, and no single lever beats it."""
    base = plan.constrained_plan
    for issue in ("component:C", "resource:LINE"):
        rows = _issue(plan, issue)
        assert rows.loc["constrained_plan", "expected_margin"] >= (
            rows["expected_margin"].max() - 0.5
        )
    assert base["lost_sales_qty"].sum() == pytest.approx(0, abs=1e-6)


def test_a_cash_ceiling_of_zero_suggests_what_ties_up_no_stock() -> None:
    """max_extra_cash 0: pre-building (140 at peak) and the plan (the same) are above it;
    spreading the peak (+160, nothing held) is the best left."""
    rows = _issue(plan_balance(toy_inputs(), settings(max_extra_cash=0.0)), "resource:LINE")
    assert rows.loc["spread_deliveries", "is_suggested"]
    assert "above the cash ceiling of 0" in rows.loc["prebuild", "note"]


def test_an_issue_without_a_lever_says_why() -> None:
    """With no overtime on LINE the overtime option cannot help and says so."""
    inputs = toy_inputs()
    resources = inputs.planning.resources.assign(overtime_capacity_per_month=0.0)
    planning = PlanningInputs(**{**inputs.planning.__dict__, "resources": resources})
    inputs = BalanceInputs(**{**inputs.__dict__, "planning": planning})
    rows = _issue(plan_balance(inputs, settings()), "resource:LINE")
    assert not rows.loc["overtime", "is_feasible"]
    assert rows.loc["overtime", "note"] == "the resource has no overtime"
    assert rows.loc["overtime", "decision"] == ""


def test_issues_priced_at_the_same_time_give_the_same_tables(plan) -> None:
    """Two issues priced in two threads (HiGHS releases Python's lock while it solves): the
    same options, levers and plans, in the same order, as one after the other."""
    from dataclasses import replace

    together = plan_balance(toy_inputs(), replace(settings(), workers=2))
    alone = plan_balance(toy_inputs(), replace(settings(), workers=1))
    assert together.scenario_options["issue"].nunique() == 2
    for name in ("scenario_options", "option_levers", "option_plans"):
        pd.testing.assert_frame_equal(getattr(together, name), getattr(alone, name))
        pd.testing.assert_frame_equal(getattr(together, name), getattr(plan, name))


def test_no_binding_constraint_gives_no_options() -> None:
    """Enough C and a big enough line: nothing binds, no issue, an empty table with its
    columns."""
    inputs = toy_inputs()
    planning = PlanningInputs(
        **{
            **inputs.planning.__dict__,
            "on_hand": pd.DataFrame({"item": ["C", "D"], "on_hand_qty": [10_000.0, 10_000.0]}),
            "capacity_overrides": inputs.planning.capacity_overrides.iloc[0:0],
        }
    )
    result = plan_balance(BalanceInputs(**{**inputs.__dict__, "planning": planning}), settings())
    assert result.scenario_options.empty
    assert "expected_margin" in result.scenario_options.columns
    assert np.isclose(result.constrained_plan["lost_sales_qty"].sum(), 0)


@pytest.mark.parametrize(
    "overrides",
    [
        {"decisions": {"spread_share": 1.2}},
        {"decisions": {"max_extra_cash": -1}},
        {"decisions": {"holding_cost_rate": -0.1}},
        {"capacity": {"max_prebuild_months": 13}},
        {"capacity": {"min_remaining_shelf_life_months": -1}},
        {"decisions": {"expedite_days": 10}},  # a typo is an error, not a default
        {"balance": {"cash_path": "strict"}},
        {"balance": {"cash_path_penalty": -0.01}},
        {"balance": {"solver": "gurobi"}},
        {"balance": {"workers": 0}},
        {"finance": {"collection_lag_months": -1}},
    ],
)
def test_capacity_balance_and_decision_settings_are_validated(overrides: dict) -> None:
    from sop_pipeline.settings import load_settings

    with pytest.raises(ValueError, match="invalid settings"):
        load_settings(None, overrides)
    defaults = load_settings(None, {})
    assert defaults.decisions.max_extra_cash is None and defaults.decisions.spread_share == 0.3
    assert defaults.capacity.max_prebuild_months == 3
    assert defaults.balance.cash_path == "soft" and defaults.finance.collection_lag_months == 0


def test_the_upside_solved_beside_the_base_plan_gives_the_same_tables(monkeypatch) -> None:
    """With two workers the upside scenario (solved from scratch, needing nothing of the base
    plan) is solved in a thread of its own while the base plan is solved and its options
    priced: the same plans, capacity and options as one after the other."""
    import threading
    from dataclasses import replace

    from sop_pipeline.balance import plan as plan_module

    threads: dict[str, list[bool]] = {}
    solve_scenario = plan_module.solve_scenario

    def recorded(problem, settings, *args, **kwargs):
        beside = threading.current_thread() is not threading.main_thread()
        threads.setdefault(run, []).append(beside)
        return solve_scenario(problem, settings, *args, **kwargs)

    monkeypatch.setattr(plan_module, "solve_scenario", recorded)
    run = "together"
    together = plan_balance(toy_inputs(), replace(settings(), upside="always", workers=2))
    run = "alone"
    alone = plan_balance(toy_inputs(), replace(settings(), upside="always", workers=1))

    assert sorted(threads["together"]) == [False, True]  # the upside in a thread of its own
    assert threads["alone"] == [False, False]
    assert set(together.constrained_plan["scenario"]) == {"base", "upside"}
    for name in (
        "constrained_plan",
        "constrained_capacity",
        "constraint_prices",
        "scenario_options",
        "option_levers",
        "option_plans",
        "plan_feasibility",
    ):
        pd.testing.assert_frame_equal(getattr(together, name), getattr(alone, name))


def test_only_the_sales_lost_to_an_issue_are_its_to_spread() -> None:
    """An issue's lost sales are those its levers recover (lost under plan to base, sold by
    the plan) plus those the plan still puts on it: A's 8 in month 0 (the overtime recovers
    them) and 5 in month 1 (still lost to LINE); B's 10 are lost to B's own lead time in
    both plans - not LINE's to spread, though B is made on it."""
    from types import SimpleNamespace

    from sop_pipeline.balance.options import Issue, lost_to_issue

    ctx = SimpleNamespace(
        problem=SimpleNamespace(items=pd.Index(["A", "B"])),
        plan=SimpleNamespace(lost=np.array([[0.0, 5.0], [10.0, 0.0]])),
        lost_causes=pd.DataFrame(
            {
                "item": ["A", "B"],
                "month": [1, 0],
                "lost_qty": [5.0, 10.0],
                "constraint_type": ["resource", "lead_time"],
                "constraint": ["LINE", "B"],
            }
        ),
    )
    base = SimpleNamespace(lost=np.array([[8.0, 5.0], [10.0, 0.0]]))
    issue = Issue("resource", "LINE", np.array([0, 1]), (0, 1), ("A", "B"), 0.0)
    np.testing.assert_allclose(lost_to_issue(ctx, issue, base), [[8.0, 5.0], [0.0, 0.0]])


def test_keeping_to_a_cash_path_no_plan_can_meet_says_how_far_above_it_stays() -> None:
    """100 units at cost 10 ($1,000) and no demand: nothing sells, so keeping to a path of
    $500 from February still leaves $500 above it; with 60 sold in January $400 is left, the
    path is met and nothing is said. A purchase rounded up to its lot after the solve holds
    stock the path's rows did not see: the plan meets the path, the stock held does not."""
    from dataclasses import replace

    from sop_pipeline.balance.options import _path_out_of_reach
    from sop_pipeline_tests.test_balance_model import TOY, solved, toy_problem

    def keep(demand: list[float]) -> str:
        problem = toy_problem(
            {"FG": demand}, cost={"FG": 10.0}, price={"FG": 30.0}, initial={"FG": 100.0}
        )
        problem = replace(problem, cash_path=np.full(3, 500.0), cash_target_index=1)
        _, _, plan = solved(problem, replace(TOY, cash_path="hard"))
        return _path_out_of_reach(problem, plan)

    assert keep([0.0, 0.0, 0.0]) == (
        "the path cannot be met: stock stays 500 above the path in Feb 2025 even so (0 of it "
        "purchases rounded up to their lots)"
    )
    assert keep([60.0, 0.0, 0.0]) == ""
    # C: bought for February's 30 of demand, in lots of 100 at cost 10: the plan's 30 meet a
    # path of 500, the 100 it buys (70 left at the month's end: 700) do not
    problem = toy_problem(
        {"C": [0.0, 30.0, 0.0]},
        cost={"C": 10.0},
        price={"C": 30.0},
        moq={"C": 100.0},
        multiple={"C": 100.0},
    )
    problem = replace(problem, cash_path=np.full(3, 500.0), cash_target_index=1)
    _, _, plan = solved(problem, replace(TOY, cash_path="hard"))
    assert _path_out_of_reach(problem, plan) == (
        "stock stays 200 above the path in Feb 2025: purchases rounded up to their lots"
    )


def test_the_cash_path_leaves_room_for_the_stock_the_purchases_lots_hold(monkeypatch) -> None:
    """A sells 40 a month, keeps 60 of safety stock, costs 10 and is bought in lots of 100;
    a hard path allows 1,000 of stock. The plan buys 100 in January and 40 in February
    (60 held each month: 600, within the path), but its lots are 100 and 100: February
    ends with 120 (1,200, above the path). The path's rows then leave room for the 600 the
    lots hold beyond the plan in February (and 200 in March): the plan keeps 40 and buys 20,
    whose lot of 100 holds 800 beyond it; with that room the plan keeps 20 in February (it
    buys nothing then) and its lot of 100 comes in March: 60, 20 and 80 held (600, 200, 800),
    within the path, no sale lost, the buffer short in February instead."""
    from dataclasses import replace

    import sop_pipeline.balance.plan as balance_plan
    from sop_pipeline.balance.plan import PlanSettings, solve_scenario
    from sop_pipeline_tests.test_balance_model import TOY, toy_problem

    problem = toy_problem(
        {"A": [40.0, 40.0, 40.0]}, cost={"A": 10.0}, price={"A": 30.0},
        moq={"A": 100.0}, multiple={"A": 100.0}, safety={"A": [60.0, 60.0, 60.0]},
    )  # fmt: skip
    problem = replace(problem, cash_path=np.full(3, 1000.0), cash_target_index=0)
    settings = PlanSettings(model=replace(TOY, cash_path="hard"))
    plan = solve_scenario(problem, settings)
    np.testing.assert_allclose(plan.plan.inventory[0], [60.0, 20.0, 80.0])
    np.testing.assert_allclose(plan.plan.releases[0], [100.0, 0.0, 100.0])
    assert plan.plan.lost.sum() == 0.0
    np.testing.assert_allclose(plan.problem.lot_stock_value, [0.0, 800.0, 200.0])
    monkeypatch.setattr(balance_plan, "LOT_PASSES", 0)  # the lots unseen: 120 in February
    unseen = solve_scenario(problem, settings)
    np.testing.assert_allclose(unseen.plan.inventory[0], [60.0, 120.0, 80.0])


def test_the_cash_path_lists_the_items_it_holds_down() -> None:
    """Relaxing the path: A holds 10 more in November, B 0.2 more (nothing), C 5 more in
    December and A 3 less: the path's November row lists A, its December row C, whatever the
    rows said before (items below their buffers for another reason), and the cash issue's
    options list A and C; other rows keep theirs, and without a relax option nothing
    changes."""
    from sop_pipeline.balance.prices import held_by_cash_path

    nov, dec = pd.Timestamp("2025-11-01"), pd.Timestamp("2025-12-01")
    prices = pd.DataFrame(
        {
            "constraint_type": ["cash", "cash", "component"],
            "constraint": ["cash path", "cash path", "C1"],
            "month": [nov, dec, nov],
            "affected_items": ["A, B, HC", "HC", "A, B"],
            "affected_item_count": [3, 1, 2],
        }
    )
    base = {("A", nov): 50.0, ("B", nov): 20.0, ("C", nov): 0.0,
            ("A", dec): 40.0, ("B", dec): 20.0, ("C", dec): 10.0}  # fmt: skip
    relaxed = base | {("A", nov): 60.0, ("B", nov): 20.2, ("A", dec): 37.0, ("C", dec): 15.0}
    plans = pd.DataFrame(
        [
            {"issue": "cash:cash path", "option": option, "item": item, "month": month,
             "inventory_qty": qty}
            for option, quantities in (("plan_to_base", base), ("relax_cash_path", relaxed))
            for (item, month), qty in quantities.items()
        ]
    )  # fmt: skip
    options = pd.DataFrame(
        {"issue": ["cash:cash path", "component:C1"], "affected_items": ["A, B, C, HC", "A, B"]}
    )
    out, listed = held_by_cash_path(prices, options, plans)
    assert out["affected_items"].tolist() == ["A", "C", "A, B"]
    assert out["affected_item_count"].tolist() == [1, 1, 2]
    assert listed["affected_items"].tolist() == ["A, C", "A, B"]  # the cash issue: both months
    unchanged = held_by_cash_path(prices, options, plans[plans["option"] == "plan_to_base"])
    pd.testing.assert_frame_equal(unchanged[0], prices)
    pd.testing.assert_frame_equal(unchanged[1], options)


def test_relaxing_the_cash_path_says_when_it_holds_more_stock_and_in_what() -> None:
    """Relaxed, the plan holds 100 more of A (cost 10) in December and 50 in January, and 50
    more of B (cost 2) in December: more stock from December to January, A first (1,000 more
    at cost against B's 100). No change: the plain decision."""
    from types import SimpleNamespace

    from sop_pipeline.balance.options import _relaxed_path

    problem = SimpleNamespace(
        finished=np.array([True, True]),
        cost=np.array([10.0, 2.0]),
        months=pd.date_range("2025-11-01", periods=3, freq="MS"),
        items=pd.Index(["A", "B"]),
    )
    base = SimpleNamespace(inventory=np.array([[5.0, 5.0, 5.0], [0.0, 0.0, 0.0]]))
    relaxed = SimpleNamespace(inventory=np.array([[5.0, 105.0, 55.0], [0.0, 50.0, 0.0]]))
    ctx = SimpleNamespace(problem=problem, plan=base)
    assert _relaxed_path(ctx, relaxed) == (
        "Relax the cash path: let the plan hold more stock in Dec 2025-Jan 2026 (A, B)"
    )
    assert _relaxed_path(ctx, base) == (
        "Relax the cash path: hold the stock the plan needs above the dated target"
    )


def test_components_the_same_goods_need_in_the_same_months_are_one_issue() -> None:
    """A also takes one E a unit (cost 0.5, 60 days, 50 on hand, like C): November makes 50 A
    and December none unless both are expedited. Expediting either alone makes nothing, so
    they are one issue (C's, ranked first by its shadow price; E its partner): plan to base
    expedites neither (150 lost, 900); the expedite takes 150 of each, +900 - 150 x 0.15 -
    150 x 0.075 = +866.25, and its decision names both."""
    from dataclasses import replace

    inputs = toy_inputs()
    p = inputs.planning
    items = pd.concat(
        [p.items, pd.DataFrame({"item": ["E"], "item_type": ["component"], "description": ["Cap"],
                                "unit_cost": [0.5], "lead_time_days": [60.0],
                                "service_level": [0.95]})],
        ignore_index=True,
    )  # fmt: skip
    bom = pd.concat(
        [p.bom, pd.DataFrame({"parent": ["A"], "component": ["E"], "qty_per": [1.0],
                              "scrap_rate": [0.0]})],
        ignore_index=True,
    )  # fmt: skip
    on_hand = pd.DataFrame({"item": ["C", "D", "E"], "on_hand_qty": [50.0, 10_000.0, 50.0]})
    both = replace(inputs, planning=replace(p, items=items, bom=bom, on_hand=on_hand))
    options = plan_balance(both, settings()).scenario_options
    components = options[options["category"] == "component"]
    assert set(components["issue"]) == {"component:C"}
    rows = components.set_index("option")
    assert rows.loc["plan_to_base", "partners"] == "E"
    assert rows.loc["plan_to_base", "lost_sales_qty"] == pytest.approx(150)
    assert rows.loc["expedite", "margin_vs_base"] == pytest.approx(866.25, abs=0.5)
    assert rows.loc["expedite", "decision"] == (
        "Expedite 150 of C and 150 of E at the meeting (14 days: in by 14 Nov 2025, 15% premium)"
        " for Nov 2025's production"
    )


def test_only_components_binding_the_same_goods_in_a_common_month_merge() -> None:
    """A jar of FG1 and FG2 and a lid of FG1 binding in month 1: one issue (every good of the
    lid needs the jar). A label of FG1 and FG3 (not within the jar's goods, nor the jar's
    within its) and a cap of FG1 binding only in month 4 stay issues of their own."""
    from sop_pipeline.balance.options import Issue, _merge_components

    def component(name, affected, months):
        return Issue("component", name, np.array([len(name)]), months, affected, 1.0)

    issues = [
        component("JAR", ("FG1", "FG2"), (0, 1)),
        component("LID", ("FG1",), (1, 2)),
        component("LABEL", ("FG1", "FG3"), (1,)),
        component("CAP", ("FG1",), (4,)),
    ]
    merged = _merge_components(issues)
    assert [(i.subject, i.partners) for i in merged] == [
        ("JAR", ("LID",)), ("LABEL", ()), ("CAP", ()),
    ]  # fmt: skip
    jar = merged[0]
    assert jar.months == (0, 1, 2) and jar.affected == ("FG1", "FG2") and jar.stake == 2.0
