"""The constrained plan's LP (``sop_pipeline.balance``) on toy problems solved by hand.

Every expected number below is worked out by hand in the test's docstring: which option the
plan takes (pre-build, overtime, expedite, lost sales), the quantities it moves and the shadow
prices that follow. The toys keep the arithmetic short: unit cost 100 and
``holding_cost_rate`` 0.12, so holding one unit for a month costs 0.12 / 12 x 100 = 1; lead
time 0 unless the test is about lead time; months are positions 0..T-1.

The optima are chosen to be unique (no ties between options, no option exactly filling a
month), so the vertex HiGHS returns is the one derived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from sop_pipeline.balance.model import LpModel, ModelSettings, build_model
from sop_pipeline.balance.prices import attribute_lost_sales, constraint_prices
from sop_pipeline.balance.problem import PlanProblem, lead_split
from sop_pipeline.balance.solution import PlanArrays, lot_sized, read_plan
from sop_pipeline.balance.solver import Solution, solve
from sop_pipeline.supply.network import OpenArrivals

DAYS = 30.4375
TOY = ModelSettings(
    holding_cost_rate=0.12,  # cost 100 -> 1 per unit-month
    expedite_premium=0.15,
    expedite_lead_time_days=14.0,
    cash_path="off",
)


def toy_problem(
    demand: dict[str, Sequence[float]],
    *,
    cost: dict[str, float],
    price: dict[str, float] | None = None,
    produced: Sequence[str] = (),
    lead_days: dict[str, float] | None = None,
    initial: dict[str, float] | None = None,
    safety: dict[str, Sequence[float]] | None = None,
    service: dict[str, float] | None = None,
    window: dict[str, int] | None = None,
    moq: dict[str, float] | None = None,
    multiple: dict[str, float] | None = None,
    bom: Sequence[tuple[str, str, float]] = (),
    resources: dict[str, dict] | None = None,
    routes: Sequence[tuple[str, str, float]] = (),
) -> PlanProblem:
    """A :class:`PlanProblem` from per-item dicts (item order: ``demand``'s keys).

    Items with a ``price`` are finished goods; ``bom`` holds ``(parent, component, units per
    parent, scrap included)``; ``resources`` maps a name to ``capacity`` (a number or one per
    month), ``overtime`` (hours a month) and ``rate`` (cost per overtime hour); ``routes``
    holds ``(item, resource, hours per unit)``. A finished good's unit value is its margin, a
    component's the most margin a unit of it enables through one BOM level.
    """
    items = list(demand)
    n = len(items)
    horizon = len(next(iter(demand.values())))
    pos = {name: k for k, name in enumerate(items)}
    price = price or {}

    def per_item(values: dict | None, default: float) -> np.ndarray:
        values = values or {}
        return np.array([float(values.get(name, default)) for name in items])

    def per_month(values: dict | None) -> np.ndarray:
        values = values or {}
        return np.array(
            [np.asarray(values.get(name, np.zeros(horizon)), float) for name in items]
        ).reshape(n, horizon)

    whole, fraction = lead_split(per_item(lead_days, 0.0))
    finished = np.array([name in price for name in items])
    margin = per_item(price, 0.0) - per_item(cost, 0.0)
    unit_value = np.where(finished, margin, 0.0)
    for parent, comp, units in bom:
        unit_value[pos[comp]] = max(unit_value[pos[comp]], unit_value[pos[parent]] / units)
    dem = per_month(demand)
    res_names = list(resources or {})
    specs = list((resources or {}).values())
    capacity = np.array(
        [np.broadcast_to(np.asarray(r["capacity"], float), (horizon,)) for r in specs]
    ).reshape(len(specs), horizon)
    overtime = np.array([np.full(horizon, float(r.get("overtime", 0.0))) for r in specs])
    overtime = overtime.reshape(len(specs), horizon)
    return PlanProblem(
        items=pd.Index(items),
        months=pd.date_range("2025-01-01", periods=horizon, freq="MS"),
        finished=finished,
        produced=np.array([name in produced for name in items]),
        lead_whole=whole,
        lead_fraction=fraction,
        price=per_item(price, 0.0),
        cost=per_item(cost, 0.0),
        service_level=per_item(service, 0.95),
        unit_value=unit_value,
        demand=dem,
        mean_demand=dem.copy(),
        sigma=np.zeros_like(dem),
        safety_stock=per_month(safety),
        scheduled=np.zeros_like(dem),
        initial_stock=per_item(initial, 0.0),
        window=per_item(window, -1).astype(np.int64),
        moq=per_item(moq, 0.0),
        multiple=per_item(multiple, 0.0),
        edge_parent=np.array([pos[p] for p, _, _ in bom], dtype=np.int64),
        edge_comp=np.array([pos[c] for _, c, _ in bom], dtype=np.int64),
        edge_factor=np.array([u for _, _, u in bom], dtype=float),
        resources=pd.Index(res_names, dtype=object),
        route_item=np.array([pos[i] for i, _, _ in routes], dtype=np.int64),
        route_resource=np.array([res_names.index(r) for _, r, _ in routes], dtype=np.int64),
        route_hours=np.array([h for _, _, h in routes], dtype=float),
        capacity=capacity,
        overtime_capacity=overtime,
        overtime_rate=np.array([float(r.get("rate", 0.0)) for r in specs]),
        fixed_load=np.zeros((len(res_names), horizon)),
    )


def solved(
    problem: PlanProblem, settings: ModelSettings = TOY, split: bool = True
) -> tuple[LpModel, Solution, PlanArrays]:
    model = build_model(problem, settings)
    solution = solve(model, method="simplex", split=split)
    return model, solution, read_plan(problem, model, solution.x)


def row(problem: PlanProblem, array: np.ndarray, item: str) -> np.ndarray:
    return array[problem.items.get_loc(item)]


approx = pytest.approx


# --- 1. one resource, two items, a peak month ------------------------------------------------


def peak_problem(rate: float, price_b: float = 120.0) -> PlanProblem:
    """A (1 h/unit, margin 50) and B (2 h/unit, margin ``price_b - 100``) on R, 100 h a month
    (overtime up to 100 h at ``rate``). Demand A [20, 40, 60], B [10, 10, 50]: load [40, 60,
    160] h, so month 2 is 60 h over; months 0 and 1 have 60 and 40 h spare."""
    return toy_problem(
        {"A": [20, 40, 60], "B": [10, 10, 50]},
        price={"A": 150.0, "B": price_b},
        cost={"A": 100.0, "B": 100.0},
        produced=("A", "B"),
        resources={"R": {"capacity": 100.0, "overtime": 100.0, "rate": rate}},
        routes=[("A", "R", 1.0), ("B", "R", 2.0)],
    )


def test_peak_cheap_overtime_is_used_instead_of_prebuilding() -> None:
    """Overtime at 0.4 an hour. Ways to free an hour of month 2, per hour: overtime 0.4;
    pre-build B in month 1 (1 a unit-month / 2 h) 0.5; pre-build A in month 1 1.0; B two months
    ahead 1.0; lose B (margin 20 / 2 h) 10; lose A 50. Overtime is cheapest and not at its
    limit: all 60 h over go to overtime, production follows demand, nothing is lost, and the
    shadow price of R in month 2 is the overtime rate, 0.4 (months 0 and 1 have slack: 0).
    Objective: -(50 x 120 + 20 x 70) + 0.4 x 60 = -7400 + 24 = -7376."""
    problem = peak_problem(rate=0.4)
    model, solution, plan = solved(problem)
    np.testing.assert_allclose(row(problem, plan.releases, "A"), [20, 40, 60], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "B"), [10, 10, 50], atol=1e-6)
    np.testing.assert_allclose(plan.overtime[0], [0, 0, 60], atol=1e-6)
    np.testing.assert_allclose(plan.load[0], [40, 60, 160], atol=1e-6)
    np.testing.assert_allclose(plan.lost, 0.0, atol=1e-6)
    np.testing.assert_allclose(plan.inventory, 0.0, atol=1e-6)
    np.testing.assert_allclose(model.dual(solution.row_dual, "capacity")[0], [0, 0, 0.4], atol=1e-7)
    assert solution.objective == approx(-7376.0)


def test_peak_expensive_overtime_prebuilds_the_cheapest_hours_first() -> None:
    """Overtime at 30 an hour. Month 2's 60 h over are pre-built the cheapest way per hour:
    B in month 1 (0.5/h) up to month 1's 40 spare hours -> 20 B; the other 20 h as B in month
    0 (2 months x 1 / 2 h = 1.0/h, cheaper than A in month 0 at 2.0/h or overtime at 30/h)
    -> 10 B, leaving 40 of month 0's 60 spare hours unused. Production B [10 + 10, 10 + 20,
    50 - 30] = [20, 30, 20], A as demand [20, 40, 60]; load [60, 100, 100]; B stock at month
    ends [10, 30, 0] (holding 40). Shadow prices of R: month 0 has slack -> 0; month 1: one
    more hour makes 0.5 B there instead of in month 0, a month less holding -> 0.5; month 2:
    one more hour makes 0.5 B there instead of in month 0, two months less -> 1.0.
    Objective: -7400 + 40 = -7360."""
    problem = peak_problem(rate=30.0)
    model, solution, plan = solved(problem)
    np.testing.assert_allclose(row(problem, plan.releases, "A"), [20, 40, 60], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "B"), [20, 30, 20], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.inventory, "B"), [10, 30, 0], atol=1e-6)
    np.testing.assert_allclose(plan.overtime, 0.0, atol=1e-6)
    np.testing.assert_allclose(plan.load[0], [60, 100, 100], atol=1e-6)
    np.testing.assert_allclose(plan.lost, 0.0, atol=1e-6)
    np.testing.assert_allclose(
        model.dual(solution.row_dual, "capacity")[0], [0, 0.5, 1.0], atol=1e-7
    )
    assert solution.objective == approx(-7360.0)

    prices = constraint_prices(problem, model, solution.row_dual, solution.x, plan)
    resource = prices[prices["constraint_type"] == "resource"]
    assert resource["constraint"].tolist() == ["R", "R"]
    assert resource["shadow_price"].to_numpy() == approx([0.5, 1.0])
    assert resource["lost_margin"].sum() == approx(0.0)


def test_peak_low_margin_item_loses_its_sales() -> None:
    """Overtime at 30 an hour and B sold at 100.8 (margin 0.8, 0.4 an hour): losing B's sales
    (0.4/h) is now cheaper than pre-building B (0.5/h at best) or overtime. Month 2 drops 60 h
    of B = 30 units: B sells [10, 10, 20] and loses 30 in month 2; A is untouched, nothing is
    held. The shadow price of R in month 2 is B's margin per hour, 0.8 / 2 = 0.4 (B's sales
    there are between 0 and demand). The 30 lost units are put on R in month 2: lost margin
    30 x 0.8 = 24, both items listed. Objective: -(50 x 120 + 0.8 x 40) = -6032."""
    problem = peak_problem(rate=30.0, price_b=100.8)
    model, solution, plan = solved(problem)
    np.testing.assert_allclose(row(problem, plan.releases, "B"), [10, 10, 20], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.sales, "B"), [10, 10, 20], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.lost, "B"), [0, 0, 30], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.lost, "A"), 0.0, atol=1e-6)
    np.testing.assert_allclose(plan.inventory, 0.0, atol=1e-6)
    np.testing.assert_allclose(plan.overtime, 0.0, atol=1e-6)
    np.testing.assert_allclose(model.dual(solution.row_dual, "capacity")[0], [0, 0, 0.4], atol=1e-7)
    assert solution.objective == approx(-6032.0)

    lost = attribute_lost_sales(problem, model, solution.row_dual, plan)
    assert lost[
        ["item", "month", "constraint_type", "constraint", "cause_month"]
    ].values.tolist() == [["B", 2, "resource", "R", 2]]
    assert lost["lost_margin"].sum() == approx(24.0)
    prices = constraint_prices(problem, model, solution.row_dual, solution.x, plan)
    (only,) = prices.itertuples()
    assert (only.constraint_type, only.constraint, only.month) == (
        "resource",
        "R",
        pd.Timestamp("2025-03-01"),
    )
    assert only.shadow_price == approx(0.4)
    assert only.lost_sales_qty == approx(30.0)
    assert only.lost_margin == approx(24.0)
    assert only.affected_items == "A, B"


# --- 2. a short component shared by two finished goods ---------------------------------------


def short_component_problem() -> PlanProblem:
    """FG1 (margin 60, 1 C a unit) and FG2 (margin 50, 2.5 C a unit: 2 with 25 % scrap) are
    made from C (cost 10: holding 0.1 a unit-month), bought with a 100-day lead time (floor
    3 = the horizon: no order arrives in time). C's stock is 100. Demand FG1 30, FG2 20 a
    month; both made on R (1 h a unit, 40 h a month, no overtime)."""
    return toy_problem(
        {"FG1": [30, 30, 30], "FG2": [20, 20, 20], "C": [0, 0, 0]},
        price={"FG1": 100.0, "FG2": 90.0},
        cost={"FG1": 40.0, "FG2": 40.0, "C": 10.0},
        produced=("FG1", "FG2"),
        lead_days={"C": 100.0},
        initial={"C": 100.0},
        bom=[("FG1", "C", 1.0), ("FG2", "C", 2.5)],
        resources={"R": {"capacity": 40.0}},
        routes=[("FG1", "R", 1.0), ("FG2", "R", 1.0)],
    )


def test_short_component_goes_to_the_higher_margin_per_unit_of_component() -> None:
    """Margin per unit of C: FG1 60 / 1 = 60, FG2 50 / 2.5 = 20. FG1 takes 90 of the 100 C;
    the other 10 make 10 / 2.5 = 4 FG2, in month 0 (C held longer costs holding, holding FG2
    costs more). FG1 makes [30, 30, 30], FG2 [4, 0, 0]; C stock [60, 30, 0]. R is loaded only
    by this production: [34, 30, 30] h, below 40 (shadow price 0) - not by the 50 h a month
    the demand would need. FG2 loses [16, 20, 20] = 56 units, 56 x 50 = 2800 of margin.

    C's shadow price (balance row): month 0, the marginal use of a unit of C is 0.4 FG2
    -> 50 / 2.5 = 20; C is carried from month 0 to 1 and from 1 to 2, so each later month's
    unit is worth one month's holding more (it saves carrying one): [20, 20.1, 20.2].
    ``constraint_prices`` lists C as the one component constraint (a row a month), with FG1
    and FG2 affected, and every lost FG2 unit put on it: 16 x 50 = 800 in month 0, 1000 in
    months 1 and 2, 2800 in all, the plan's lost margin."""
    problem = short_component_problem()
    model, solution, plan = solved(problem, replace(TOY, expedite_lead_time_days=120.0))
    np.testing.assert_allclose(row(problem, plan.releases, "FG1"), [30, 30, 30], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "FG2"), [4, 0, 0], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "C"), 0.0, atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.expedited, "C"), 0.0, atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.consumption, "C"), [40, 30, 30], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.inventory, "C"), [60, 30, 0], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.lost, "FG2"), [16, 20, 20], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.lost, "FG1"), 0.0, atol=1e-6)
    np.testing.assert_allclose(plan.load[0], [34, 30, 30], atol=1e-6)
    np.testing.assert_allclose(model.dual(solution.row_dual, "capacity")[0], 0.0, atol=1e-7)
    balance = model.dual(solution.row_dual, "balance")
    np.testing.assert_allclose(row(problem, balance, "C"), [20.0, 20.1, 20.2], atol=1e-7)

    plan_lost_margin = float((plan.lost * problem.margin[:, None]).sum())
    assert plan_lost_margin == approx(2800.0)
    prices = constraint_prices(problem, model, solution.row_dual, solution.x, plan)
    component = prices[prices["constraint_type"] == "component"]
    assert component["constraint"].unique().tolist() == ["C"]
    assert component["shadow_price"].to_numpy() == approx([20.0, 20.1, 20.2])
    assert set(component["affected_items"]) == {"FG1, FG2"}
    assert component["lost_sales_qty"].to_numpy() == approx([16.0, 20.0, 20.0])
    assert component["lost_margin"].to_numpy() == approx([800.0, 1000.0, 1000.0])
    assert prices["lost_margin"].sum() == approx(plan_lost_margin)
    assert set(prices["constraint_type"]) == {"component"}


# --- 3. shelf life: no stock held beyond the window ------------------------------------------


def shelf_problem(rate: float, window: int) -> PlanProblem:
    """A (margin 50, holding 1) made on R (1 h a unit, 100 h a month, overtime up to 20 h at
    ``rate``); demand only in month 3: 250. Stock may be held ``window`` months."""
    return toy_problem(
        {"A": [0, 0, 0, 250]},
        price={"A": 150.0},
        cost={"A": 100.0},
        produced=("A",),
        window={"A": window},
        resources={"R": {"capacity": 100.0, "overtime": 20.0, "rate": rate}},
        routes=[("A", "R", 1.0)],
    )


@pytest.mark.parametrize(
    ("rate", "window", "made", "overtime", "lost"),
    [
        # window 1: stock at month 1's end must be sold in month 2 (no demand): months 0 and 1
        # make nothing although R is free. Overtime 49.5 an hour: worth it in month 3 (49.5
        # < 50) but not for a unit held from month 2 (49.5 + 1 > 50): make [0, 0, 100, 120],
        # sell 220, lose 30.
        (49.5, 1, [0, 0, 100, 120], [0, 0, 0, 20], 30.0),
        # overtime at 2 an hour: also worth it held a month (2 + 1 < 50): [0, 0, 120, 120],
        # sell 240, lose 10.
        (2.0, 1, [0, 0, 120, 120], [0, 0, 20, 20], 10.0),
        # no window, overtime 49.5: the 50 units beyond months 2 and 3 are made in month 1
        # (2 months' holding = 2 < 49.5 overtime), none lost.
        (49.5, -1, [0, 50, 100, 100], [0, 0, 0, 0], 0.0),
    ],
)
def test_shelf_life_window_limits_prebuilding(rate, window, made, overtime, lost) -> None:
    problem = shelf_problem(rate, window)
    _, _, plan = solved(problem)
    np.testing.assert_allclose(plan.releases[0], made, atol=1e-6)
    np.testing.assert_allclose(plan.overtime[0], overtime, atol=1e-6)
    np.testing.assert_allclose(plan.lost[0], [0, 0, 0, lost], atol=1e-6)
    np.testing.assert_allclose(plan.load[0], made, atol=1e-6)
    if window == 1:
        # nothing held at a month end beyond next month's sales (none until month 3)
        np.testing.assert_allclose(plan.inventory[0, :2], 0.0, atol=1e-6)
        assert plan.inventory[0, 2] <= plan.sales[0, 3] + 1e-6


# --- 4. a safety-stock build spread over months with spare capacity --------------------------


def test_safety_stock_build_is_spread_over_spare_capacity() -> None:
    """A (margin 50, holding 1, service 0.9: a unit-month below target costs 0.1 x 50 = 5) on
    R (1 h, 100 h a month, no overtime), demand 60 a month; safety stock 100 from month 3.
    Month 3 can make only 40 beyond demand. A buffer unit at month 3's end is worth 5 - 1 = 4
    made in month 3, 3 made in month 2 (a month more holding), 2 in month 1, 1 in month 0:
    the LP fills month 3 (40), month 2 (40), then 20 in month 1 - the last month with the
    cheapest spare hours - and nothing early in month 0. Production [60, 80, 100, 100]; stock
    [0, 20, 60, 100]: the buffer is full at month 3. Shadow prices of R: month 1 has slack
    -> 0; an hour more in month 2 moves a unit from month 1 -> 1; in month 3 -> 2.
    Objective: -50 x 240 + holding (20 + 60 + 100) + shortfall 0 = -11820."""
    problem = toy_problem(
        {"A": [60, 60, 60, 60]},
        price={"A": 150.0},
        cost={"A": 100.0},
        produced=("A",),
        service={"A": 0.9},
        safety={"A": [0, 0, 0, 100]},
        resources={"R": {"capacity": 100.0}},
        routes=[("A", "R", 1.0)],
    )
    model, solution, plan = solved(problem)
    np.testing.assert_allclose(plan.releases[0], [60, 80, 100, 100], atol=1e-6)
    assert (plan.load[0] <= problem.capacity[0] + 1e-6).all()
    np.testing.assert_allclose(plan.inventory[0], [0, 20, 60, 100], atol=1e-6)
    np.testing.assert_allclose(plan.buffer[0], [0, 0, 0, 100], atol=1e-6)
    np.testing.assert_allclose(plan.lost, 0.0, atol=1e-6)
    np.testing.assert_allclose(
        model.dual(solution.row_dual, "capacity")[0], [0, 0, 1.0, 2.0], atol=1e-7
    )
    assert solution.objective == approx(-11820.0)


def test_a_buffer_is_not_kept_while_sales_are_lost() -> None:
    """A (margin 50, holding 1, service 0.9: buffer credit 0.1 x 50 = 5 a unit-month) has 100
    on hand and nothing more within the horizon (bought, 200 days to arrive, no expedite);
    demand 80 a
    month, safety stock 50. Total sales are 100 whatever the plan, so the LP alone would
    refuse sales to keep the buffer: sell 50, hold 50 for two months (credit 2 x 50 x 4 =
    400), sell 50 in month 2. A buffer held while refusing a customer is not a buffer: the
    months that lose sales with a buffer lose its credit and the plan is solved again. Stock is
    then only held at a cost, so it is sold first come, first served: sales [80, 20, 0], lost
    [0, 60, 80], 20 units carried through month 0 (shown as buffer, below the target of 50)."""
    from sop_pipeline.balance.model import buffer_while_short
    from sop_pipeline.balance.plan import PlanSettings, solve_scenario

    problem = toy_problem(
        {"A": [80, 80, 80]},
        price={"A": 150.0},
        cost={"A": 100.0},
        lead_days={"A": 200.0},
        initial={"A": 100.0},
        service={"A": 0.9},
        safety={"A": [50, 50, 50]},
    )
    settings = replace(TOY, expedite_lead_time_days=400.0)
    model, solution, first = solved(problem, settings)
    assert first.sales.sum() == approx(100.0)
    assert buffer_while_short(problem, model, solution.x)[0, :2].all()  # the LP alone refuses

    plan = solve_scenario(problem, PlanSettings(model=settings, solver="simplex")).plan
    np.testing.assert_allclose(plan.sales[0], [80, 20, 0], atol=1e-6)
    np.testing.assert_allclose(plan.lost[0], [0, 60, 80], atol=1e-6)
    np.testing.assert_allclose(plan.inventory[0], [20, 0, 0], atol=1e-6)
    np.testing.assert_allclose(plan.buffer[0], [20, 0, 0], atol=1e-6)


def test_plan_to_base_leaves_room_for_the_stock_on_hand_where_the_buffer_lost_its_credit() -> None:
    """Plan to base of a resource issue caps the stock held ahead of its binding month at what
    cannot be avoided: A has 150 on hand and demand 20, so it holds 130 at month 0's end
    whatever the plan. With the safety stock (50) in the buffer column, the cap on stock above
    it is 80; where the buffer lost its credit (its column capped at 0, as solve_scenario
    does where a buffer was kept while losing sales) all 130 must fit above it, or the
    re-solve is infeasible. Its bought component C is not capped: building ahead on a resource
    is producing early, and C may be stocked for parents outside the issue."""
    from sop_pipeline.balance.options import RESOURCE, Issue, _no_levers

    problem = toy_problem(
        {"A": [20, 200], "C": [0, 0]},
        price={"A": 150.0},
        cost={"A": 100.0, "C": 10.0},
        produced=("A",),
        initial={"A": 150.0, "C": 500.0},
        safety={"A": [50, 50]},
        bom=[("A", "C", 1.0)],
        resources={"R": {"capacity": 100.0}},
        routes=[("A", "R", 1.0)],
    )
    model = build_model(problem, TOY)
    issue = Issue(RESOURCE, "R", np.array([0, 1]), (1,), ("A",), 0.0)
    e, b = model.columns["e"][0, 0], model.columns["b"][0, 0]
    ctx = SimpleNamespace(model=model, problem=problem)  # what _no_levers reads of a Context
    assert _no_levers(ctx, issue)[e] == approx(80.0)
    assert _no_levers(ctx, issue)[model.columns["e"][1, 0]] == np.inf
    model.upper[b] = 0.0
    assert _no_levers(ctx, issue)[e] == approx(130.0)
    solution = solve(replace(model, upper=_no_levers(ctx, issue)), method="simplex")
    assert read_plan(problem, model, solution.x).inventory[0, 0] == approx(130.0)


def test_the_demand_before_a_late_order_keeps_its_buffer_credit() -> None:
    """An order received a third into a month cannot serve that month's first third: A
    (produced, 10 days, no stock) loses 30 of month 0's 90 whatever the plan. The buffer it
    keeps at month 0's end (safety stock 40, built from the same order) is a buffer, not a
    refused sale: :func:`buffer_while_short` leaves it alone."""
    from sop_pipeline.balance.model import buffer_while_short

    problem = toy_problem(
        {"A": [90, 90]},
        price={"A": 150.0},
        cost={"A": 100.0},
        produced=("A",),
        lead_days={"A": DAYS / 3},
        service={"A": 0.9},
        safety={"A": [40, 40]},
    )
    model, solution, plan = solved(problem)
    assert plan.lost[0, 0] == approx(30.0)
    assert plan.buffer[0, 0] == approx(40.0)
    assert not buffer_while_short(problem, model, solution.x).any()


# --- 5. expedite -------------------------------------------------------------------------------


def expedite_problem() -> PlanProblem:
    """FG (margin 40, made with 1 C a unit, lead 0), demand 50 a month. C (cost 20) is bought
    with a 60-day lead time: l = 1.971, floor 1, fraction 0.971; no stock. C released at the
    close (month 0) is received 0.971 into month 1, late in the month on a date the plan
    cannot move: it serves month 2's production; released in month 1 it is received in month
    2 and counts from its start (it could be placed that much earlier); month 2's release
    arrives beyond the horizon. Expedited 14 days (l = 0.46, floor 0, in the first half of the
    month) at the close, C serves month 0's production."""
    return toy_problem(
        {"FG": [50, 50, 50], "C": [0, 0, 0]},
        price={"FG": 100.0},
        cost={"FG": 60.0, "C": 20.0},
        produced=("FG",),
        lead_days={"C": 60.0},
        bom=[("FG", "C", 1.0)],
    )


def test_expedite_covers_exactly_the_months_before_the_first_receipt() -> None:
    """Premium 0.15 x 20 = 3 a unit of C, below FG's margin 40. Months 0 and 1 get their 50
    units of C each from the expedite (the order placed at the close arrives too late in
    month 1 to make its goods), month 1's held over month 0's end; month 2's come from the
    release of month 1 (at the close they would be held a month longer). Nothing is lost.
    Objective: -40 x 150 + 3 x 100 + 50 held a month at 0.12 / 12 x 20 = -5690."""
    problem = expedite_problem()
    model, solution, plan = solved(problem)
    assert model.expedite_month == 0
    np.testing.assert_allclose(row(problem, plan.expedited, "C"), [100, 0, 0], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "C"), [0, 50, 0], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.receipts, "C"), [0, 0, 50], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "FG"), [50, 50, 50], atol=1e-6)
    np.testing.assert_allclose(plan.lost, 0.0, atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.inventory, "C"), [50, 0, 0], atol=1e-6)
    assert solution.objective == approx(-40 * 150 + 0.15 * 20 * 100 + 0.12 / 12 * 20 * 50)


def test_an_expedite_is_rounded_to_its_lot_and_the_extra_carried() -> None:
    """The same plan with C bought in lots of at least 120, in multiples of 25: the 100 the
    plan expedites are ordered as 125, and the 25 over stay in stock; month 1's ordinary
    order of 50 becomes 125 as well (75 over from month 2): stock [75, 25, 25 + 75]."""
    lots = {"moq": np.array([0.0, 120.0]), "multiple": np.array([0.0, 25.0])}
    problem = replace(expedite_problem(), **lots)
    _, _, plan = solved(problem)
    np.testing.assert_allclose(row(problem, plan.expedited, "C"), [125, 0, 0], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "C"), [0, 125, 0], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.inventory, "C"), [75, 25, 100], atol=1e-6)


def test_expedite_premium_above_the_margin_is_not_paid() -> None:
    """Premium 3.0 x 20 = 60 a unit of C, above FG's margin 40: no expedite; FG loses months
    0 and 1 (the order placed at the close arrives 0.971 into month 1) and sells month 2
    from month 1's release. Objective: -40 x 50 = -2000."""
    problem = expedite_problem()
    settings = replace(TOY, expedite_premium=3.0)
    _, solution, plan = solved(problem, settings)
    np.testing.assert_allclose(plan.expedited, 0.0, atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "C"), [0, 50, 0], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.lost, "FG"), [50, 50, 0], atol=1e-6)
    assert solution.objective == approx(-2000.0)


def bought_finished_good() -> PlanProblem:
    """B, a bought finished good (cost 20, price 60, 60-day lead time), demand 100 in month 0
    of three, no stock."""
    return toy_problem(
        {"B": [100, 0, 0]}, price={"B": 60.0}, cost={"B": 20.0}, lead_days={"B": 60.0}
    )


def test_expedited_finished_good_serves_the_rest_of_month_zero_only() -> None:
    """B, a bought finished good (cost 20, margin 40, 60-day lead time), demand 100 in month
    0 only, no stock. Expedited 14 days, it arrives 14 / 30.4375 = 0.460 into month 0, so it
    sells at most (1 - 0.460) x 100 = 54.004 there; the plan expedites exactly that (premium
    3 a unit < 40) and loses the rest, 45.996."""
    _, solution, plan = solved(bought_finished_good())
    share = 1 - 14 / DAYS
    np.testing.assert_allclose(plan.expedited[0], [100 * share, 0, 0], atol=1e-6)
    np.testing.assert_allclose(plan.sales[0], [100 * share, 0, 0], atol=1e-6)
    np.testing.assert_allclose(plan.lost[0], [100 * (1 - share), 0, 0], atol=1e-6)
    np.testing.assert_allclose(plan.releases, 0.0, atol=1e-6)
    assert solution.objective == approx(-(40 - 3) * 100 * share)


def test_an_expedite_is_ordered_at_the_meeting_not_at_the_close() -> None:
    """The same B, the meeting 15 days after the close: ordered then, the expedite arrives
    15 + 14 = 29 days in (f = 29 / 30.4375 = 0.953) and sells (1 - 0.953) x 100 = 4.723 of
    month 0; the rest is lost."""
    _, _, plan = solved(bought_finished_good(), replace(TOY, decision_delay_days=15.0))
    share = 1 - 29 / DAYS
    assert share == approx(0.04723, abs=1e-5)
    np.testing.assert_allclose(plan.sales[0], [100 * share, 0, 0], atol=1e-6)
    np.testing.assert_allclose(plan.lost[0], [100 * (1 - share), 0, 0], atol=1e-6)


# --- 6. the late-arrival rule -----------------------------------------------------------------


def test_ten_day_lead_time_sells_two_thirds_of_the_first_month() -> None:
    """A (margin 50, holding 1) made in 10 days: f = 10 / 30.4375 = 0.3285, no stock. Month 0
    sells at most (1 - f) x 300 = 201.437; the other 98.563 are lost. For month 1 the plan
    makes 98.563 ahead in month 0 (holding 1 < margin 50), so month 1 starts with the stock
    its first third needs and sells all 300: production [300, 201.437], stock [98.563, 0].
    The arrival row's price in month 0 is A's margin, 50 (a unit more of the bound is a sale);
    the lost units are put on A's lead time in month 0: 98.563 x 50 = 4928.1."""
    problem = toy_problem(
        {"A": [300, 300]},
        price={"A": 150.0},
        cost={"A": 100.0},
        produced=("A",),
        lead_days={"A": 10.0},
    )
    model, solution, plan = solved(problem)
    sold0 = (1 - 10 / DAYS) * 300
    late = 300 - sold0
    assert sold0 == approx(201.4374, abs=1e-4)
    np.testing.assert_allclose(plan.sales[0], [sold0, 300], atol=1e-6)
    np.testing.assert_allclose(plan.lost[0], [late, 0], atol=1e-6)
    np.testing.assert_allclose(plan.releases[0], [300, sold0], atol=1e-6)
    np.testing.assert_allclose(plan.inventory[0], [late, 0], atol=1e-6)
    np.testing.assert_allclose(model.dual(solution.row_dual, "arrival")[0], [50.0, 1.0], atol=1e-7)
    prices = constraint_prices(problem, model, solution.row_dual, solution.x, plan)
    # month 1's price (1, a month's holding) is timing, not a constraint: not listed
    (only,) = prices.itertuples()
    assert (only.constraint_type, only.constraint, only.month) == (
        "lead_time",
        "A",
        pd.Timestamp("2025-01-01"),
    )
    assert only.shadow_price == approx(50.0)
    assert only.lost_sales_qty == approx(late)
    assert only.lost_margin == approx(late * 50)
    # month 0 ends with 98.563 in stock and 98.563 lost: that stock came too late to sell in
    # the month, so it is not supply the month could have sold (an option priced on it would
    # count the plan's own lost sales as served); month 1 lost nothing: sold + left
    np.testing.assert_allclose(plan.supply[0], [sold0, 300], atol=1e-6)


def open_order_problem(orders: Sequence[tuple[int, float]]) -> PlanProblem:
    """A (margin 50) made in 60 days (nothing it releases arrives in January), no stock,
    demand 310 in January 2025 (31 days) and 0 in February; open orders ``(day due in
    January, qty)``."""
    problem = toy_problem(
        {"A": [310, 0]},
        price={"A": 150.0},
        cost={"A": 100.0},
        produced=("A",),
        lead_days={"A": 60.0},
    )
    days = np.array([d for d, _ in orders])
    qty = np.array([q for _, q in orders], dtype=float)
    arrivals = OpenArrivals(
        row=np.zeros(len(orders), dtype=np.int64),
        col=np.zeros(len(orders), dtype=np.int64),
        fraction=(days - 1) / 31.0,
        qty=qty,
    )
    scheduled = np.zeros_like(problem.demand)
    scheduled[0, 0] = qty.sum()
    return replace(problem, scheduled=scheduled, open_arrivals=arrivals)


def test_an_open_order_due_mid_month_serves_only_the_demand_after_it() -> None:
    """200 due on 16 January (15 of 31 days gone) serve at most (1 - 15/31) x 310 = 160 of
    January's 310: 160 sold, 150 lost, 40 left at the month's end. The same order due on the
    1st sells all 200. The lost units are put on A's lead time (its order's timing), priced at
    A's margin, 50, plus the two months' holding (1 a month) the unit sold saves: 52."""
    problem = open_order_problem([(16, 200.0)])
    model, solution, plan = solved(problem)
    np.testing.assert_allclose(plan.sales[0], [160.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(plan.lost[0], [150.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(plan.inventory[0], [40.0, 40.0], atol=1e-6)
    prices = constraint_prices(problem, model, solution.row_dual, solution.x, plan)
    (only,) = prices.itertuples()
    assert (only.constraint_type, only.constraint) == ("lead_time", "A")
    assert only.shadow_price == approx(52.0)
    assert only.lost_sales_qty == approx(150.0)
    _, _, early = solved(open_order_problem([(1, 200.0)]))
    np.testing.assert_allclose(early.sales[0], [200.0, 0.0], atol=1e-6)


def test_two_open_orders_in_a_month_each_serve_the_demand_after_their_own_day() -> None:
    """50 due on the 1st and 200 on the 16th: before the 16th only the 50 (a 150 of demand
    goes unserved), after it 160 of demand: 50 + 160 = 210 sold of 250 arrived, 40 left. One
    row per order day: the 1st's row is the month's start (no row), the 16th's bounds sales
    at 50 + 160."""
    model, _, plan = solved(open_order_problem([(1, 50.0), (16, 200.0)]))
    np.testing.assert_allclose(plan.sales[0], [210.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(plan.inventory[0, 0], 40.0, atol=1e-6)
    assert (model.rows["arrival_open"] >= 0).sum() == 1
    # with a third order on the 26th (25 of 31 days gone): 50 + 200 before it, 60 of demand
    # after it; the 16th's row still bounds: min(50 + 160, 250 + 60) = 210
    _, _, three = solved(open_order_problem([(1, 50.0), (16, 200.0), (26, 100.0)]))
    np.testing.assert_allclose(three.sales[0, 0], 210.0, atol=1e-6)


def component_due_problem(day: int) -> PlanProblem:
    """FG (margin 40, made with 1 C a unit, lead 0), demand 100 in January and February 2025.
    C (cost 20) is bought with a 60-day lead time (the order placed at the close arrives late
    in February: it serves March), 30 in stock; 150 of it are on order, due on ``day``
    January."""
    problem = toy_problem(
        {"FG": [100, 100], "C": [0, 0]},
        price={"FG": 100.0},
        cost={"FG": 60.0, "C": 20.0},
        produced=("FG",),
        lead_days={"C": 60.0},
        initial={"C": 30.0},
        bom=[("FG", "C", 1.0)],
    )
    arrivals = OpenArrivals(
        row=np.array([1]),
        col=np.array([0]),
        fraction=np.array([(day - 1) / 31.0]),
        qty=np.array([150.0]),
    )
    scheduled = np.zeros_like(problem.demand)
    scheduled[1, 0] = 150.0
    return replace(problem, scheduled=scheduled, open_arrivals=arrivals)


def test_a_component_due_late_in_a_month_serves_the_next_months_production() -> None:
    """150 C due on 20 January (19 of 31 days gone, in the month's second half): January's
    goods cannot wait for it, so FG makes 30 in January from the stock (70 lost) and
    February's 100 (50 C left). The lost units are put on C in January at FG's margin per
    unit of C, 40 (what a unit in hand at January's start earns). Due on the 16th (15 of 31
    days: the first half), the production waits for it: January's 100 and 80 of February's."""
    problem = component_due_problem(20)
    model, solution, plan = solved(problem, replace(TOY, expedite_premium=3.0))
    # January (the open order) and February (the order placed at the close)
    assert (model.rows["component_start"][1] >= 0).tolist() == [True, True]
    np.testing.assert_allclose(row(problem, plan.releases, "FG"), [30, 100], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.lost, "FG"), [70, 0], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.inventory, "C"), [150, 50], atol=1e-6)
    prices = constraint_prices(problem, model, solution.row_dual, solution.x, plan)
    january = prices[prices["month"] == pd.Timestamp("2025-01-01")]
    (only,) = january.itertuples()
    assert (only.constraint_type, only.constraint) == ("component", "C")
    assert only.shadow_price == approx(40.0)
    assert only.lost_sales_qty == approx(70.0)
    assert only.lost_margin == approx(2800.0)
    in_time = component_due_problem(16)
    model, _, plan = solved(in_time, replace(TOY, expedite_premium=3.0))
    assert (model.rows["component_start"][1] >= 0).tolist() == [False, True]
    np.testing.assert_allclose(row(in_time, plan.releases, "FG"), [100, 80], atol=1e-6)
    np.testing.assert_allclose(row(in_time, plan.lost, "FG"), [0, 20], atol=1e-6)


def test_a_lead_time_loss_after_a_component_shortage_is_the_components() -> None:
    """FG (margin 50) is made in 10 days (f = 0.3285) from one C a unit; no C until 900 arrive
    on the 1st of month 1, demand 300 a month. Month 0 makes nothing: 300 lost to C. Month 1's
    goods arrive a third into it and the month started without stock (month 0 could not
    build ahead): 300 x 0.3285 = 98.56 lost. That is C's shortage too, not FG's lead time
    (the release month before, C was worth about FG's margin, 50, at least half the
    lead-time price): one row, C in month 0, 398.56 units and 19,928 of margin. Month 2 is
    served from stock built in month 1. (A lead-time loss with no month before it stays the
    lead time's: test_ten_day_lead_time_sells_two_thirds_of_the_first_month.)"""
    problem = toy_problem(
        {"FG": [300, 300, 300], "C": [0, 0, 0]},
        price={"FG": 150.0},
        cost={"FG": 100.0, "C": 10.0},
        produced=("FG",),
        lead_days={"FG": 10.0, "C": 60.0},
        bom=[("FG", "C", 1.0)],
    )
    arrivals = OpenArrivals(
        row=np.array([1]), col=np.array([1]), fraction=np.array([0.0]), qty=np.array([900.0])
    )
    scheduled = np.zeros_like(problem.demand)
    scheduled[1, 1] = 900.0
    problem = replace(problem, scheduled=scheduled, open_arrivals=arrivals)
    # an expedite (premium 6 x 10 = 60 a unit) costs more than the sale earns
    model, solution, plan = solved(problem, replace(TOY, expedite_premium=6.0))
    late = 300 * 10 / DAYS
    np.testing.assert_allclose(row(problem, plan.lost, "FG"), [300, late, 0], atol=1e-6)
    prices = constraint_prices(problem, model, solution.row_dual, solution.x, plan)
    losing = prices[prices["lost_sales_qty"] > 0]
    assert losing[["constraint_type", "constraint", "month"]].values.tolist() == [
        ["component", "C", pd.Timestamp("2025-01-01")]
    ]
    assert losing["lost_sales_qty"].iloc[0] == approx(300 + late)
    assert losing["lost_margin"].iloc[0] == approx((300 + late) * 50)


# --- 7. lot sizing after the solve --------------------------------------------------------------


def test_purchases_are_lot_sized_after_the_solve_production_is_not() -> None:
    """P (bought) and Q (made), both lead 0, demand [40, 70, 90], MOQ 100 and multiple 30 on
    both. The LP buys / makes the demand each month. P's orders are rounded in order against
    the cumulative plan [40, 110, 200]: month 0 needs 40 -> max(40, 100) = 100 -> 120 (4 x
    30); month 1 needs 110 - 120 < 0 -> 0; month 2 needs 200 - 120 = 80 -> 100 -> 120.
    Receipts [120, 0, 120]; the extra stock carried is cumsum(rounded - plan) = [80, 10, 40].
    Q keeps [40, 70, 90] and holds nothing."""
    problem = toy_problem(
        {"P": [40, 70, 90], "Q": [40, 70, 90]},
        price={"P": 150.0, "Q": 150.0},
        cost={"P": 100.0, "Q": 100.0},
        produced=("Q",),
        moq={"P": 100.0, "Q": 100.0},
        multiple={"P": 30.0, "Q": 30.0},
    )
    _, _, plan = solved(problem)
    np.testing.assert_allclose(row(problem, plan.releases, "P"), [120, 0, 120], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.receipts, "P"), [120, 0, 120], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.plan_inventory, "P"), 0.0, atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.inventory, "P"), [80, 10, 40], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.releases, "Q"), [40, 70, 90], atol=1e-6)
    np.testing.assert_allclose(row(problem, plan.inventory, "Q"), 0.0, atol=1e-6)
    np.testing.assert_allclose(plan.sales, [[40, 70, 90], [40, 70, 90]], atol=1e-6)


def test_lot_sized_rounds_in_order_following_the_cumulative_plan() -> None:
    """Releases [50, 10, 200, 0], MOQ 100, multiple 30 (cumulative plan [50, 60, 260, 260]):
    month 0: 50 -> 100 -> 120; month 1: 60 - 120 < 0 -> 0; month 2: 260 - 120 = 140 -> 150;
    month 3: 260 - 270 < 0 -> 0. Rounded [120, 0, 150, 0] (cumulative [120, 120, 270, 270]:
    never short of the plan, at most a lot ahead). A produced item is kept as planned."""
    problem = toy_problem(
        {"P": [0, 0, 0, 0], "Q": [0, 0, 0, 0]},
        cost={"P": 1.0, "Q": 1.0},
        produced=("Q",),
        moq={"P": 100.0, "Q": 100.0},
        multiple={"P": 30.0, "Q": 30.0},
    )
    releases = np.array([[50.0, 10.0, 200.0, 0.0], [50.0, 10.0, 200.0, 0.0]])
    rounded = lot_sized(problem, releases)
    np.testing.assert_allclose(rounded[0], [120, 0, 150, 0])
    np.testing.assert_allclose(rounded[1], [50, 10, 200, 0])


# --- 8. independent blocks -------------------------------------------------------------------


def test_a_large_restricted_re_solve_from_the_plan_basis_gives_the_cold_optimum() -> None:
    """Re-planning item A of the peak problem (overtime at 0.4, then capped at 10 h) with B
    held: the restricted model solved cold, and the whole model with B's columns fixed solved
    from the plan's basis (used from a quarter of the columns up), reach the same plan."""
    from sop_pipeline.balance.solver import solve_restricted

    problem = peak_problem(0.4)
    model, solution, _ = solved(problem)
    ot = model.columns["ot"][0]
    capped = replace(model, upper=np.where(np.isin(np.arange(model.n_cols), ot), 10.0, model.upper))
    item_a = np.concatenate([model.columns[n][0] for n in ("y", "s", "b", "e")] + [ot])
    item_a = item_a[item_a >= 0]
    cold = solve_restricted(capped, item_a, solution.x)
    warm = solve_restricted(capped, item_a, solution.x, like=solution)
    np.testing.assert_allclose(warm, cold, atol=1e-6)
    assert capped.cost @ warm == approx(capped.cost @ cold)
    assert (model.value(warm, "ot")[0] <= 10.0 + 1e-9).all()
    np.testing.assert_allclose(warm[model.columns["s"][1]], solution.x[model.columns["s"][1]])


def test_unrelated_items_solve_as_two_blocks_with_the_same_plan() -> None:
    """A on RA (pre-builds 50 in month 1 for its peak: month 1 is its cheapest spare month)
    and B on RB (10-day lead time) share no BOM edge, resource or cash path: two blocks. The
    whole-model solve gives the same optimum (unique by construction)."""
    problem = toy_problem(
        {"A": [20, 40, 150], "B": [300, 300, 0]},
        price={"A": 150.0, "B": 150.0},
        cost={"A": 100.0, "B": 100.0},
        produced=("A", "B"),
        lead_days={"B": 10.0},
        resources={
            "RA": {"capacity": 100.0, "overtime": 100.0, "rate": 30.0},
            "RB": {"capacity": 1000.0},
        },
        routes=[("A", "RA", 1.0), ("B", "RB", 1.0)],
    )
    model, split, plan = solved(problem, split=True)
    _, whole, _ = solved(problem, split=False)
    assert split.blocks == 2
    assert whole.blocks == 1
    np.testing.assert_allclose(split.x, whole.x, atol=1e-7)
    assert split.objective == approx(whole.objective)
    np.testing.assert_allclose(row(problem, plan.releases, "A"), [20, 90, 100], atol=1e-6)
    sold0 = (1 - 10 / DAYS) * 300
    np.testing.assert_allclose(row(problem, plan.releases, "B"), [300, sold0, 0], atol=1e-6)


def test_expedite_option_does_not_make_ordinary_orders_arrive_earlier() -> None:
    """B (bought finished good, cost 20, margin 40) with a 20-day lead time: l = 0.657,
    floor 0, f = 0.657, so an ordinary order released at the close arrives 20 days into
    month 0 and sells at most (1 - 0.657) x 300 = 102.875 of month 0's 300. The expedite
    (14 days, f = 0.460) at premium 3.0 x 20 = 60 a unit costs more than B's margin, so it is
    not used and the plan must be the plan without the option: 102.875 sold, 197.125 lost.
    (With expedite_lead_time_days 25, where B is not expeditable, the LP gives exactly that.)
    """
    problem = toy_problem(
        {"B": [300, 0]}, price={"B": 60.0}, cost={"B": 20.0}, lead_days={"B": 20.0}
    )
    no_option = replace(TOY, expedite_lead_time_days=25.0)
    _, _, reference = solved(problem, no_option)
    ordinary = (1 - 20 / DAYS) * 300
    np.testing.assert_allclose(reference.sales[0], [ordinary, 0], atol=1e-6)

    expensive = replace(TOY, expedite_premium=3.0)
    _, _, plan = solved(problem, expensive)
    np.testing.assert_allclose(plan.expedited, 0.0, atol=1e-6)
    # got 162.012 = (1 - 14 / 30.4375) x 300 sold from the ordinary release, nothing expedited
    np.testing.assert_allclose(plan.sales[0], [ordinary, 0], atol=1e-6)


# --- purchased components beyond their lead time, netted outside the LP ----------------------


def netted_component_problem() -> PlanProblem:
    """FG (margin 60, no buffer) is made on R (1 h a unit, 100 h a month) from one C a unit.
    C is bought with a 40-day lead time (floor 1: an order placed in month t arrives in t + 1),
    costs 10, has 50 in stock and a safety stock of 10 every month. FG demand 30 a month."""
    return toy_problem(
        {"FG": [30, 30, 30], "C": [0, 0, 0]},
        price={"FG": 100.0},
        cost={"FG": 40.0, "C": 10.0},
        produced=("FG",),
        lead_days={"C": 40.0},
        initial={"C": 50.0},
        safety={"C": [10, 10, 10]},
        bom=[("FG", "C", 1.0)],
        resources={"R": {"capacity": 100.0}},
        routes=[("FG", "R", 1.0)],
    )


def test_purchased_components_beyond_their_lead_time_are_netted_to_the_lps_plan() -> None:
    """Month 0 of C is in the LP (nothing ordered arrives before month 1): 50 - 30 = 20 left.
    Months 1 and 2 are netted: 20 - 30 = -10 -> top up to the safety stock 10: receipt 20,
    ordered in month 0; then 10 - 30 = -20 -> receipt 30, ordered in month 1. The full LP
    does the same (a unit of C's buffer earns more than its holding costs), so releases
    [20, 30, 0], stock [20, 10, 10], and FG sells all 90 either way - with C's months 1-2
    (two balance rows, their b, e and the releases) out of the LP."""
    problem = netted_component_problem()
    full_model, _, full = solved(problem)
    model, _, netted = solved(problem, replace(TOY, net_purchased=True))
    for plan in (full, netted):
        np.testing.assert_allclose(row(problem, plan.releases, "C"), [20, 30, 0], atol=1e-6)
        np.testing.assert_allclose(row(problem, plan.inventory, "C"), [20, 10, 10], atol=1e-6)
        np.testing.assert_allclose(row(problem, plan.receipts, "C"), [0, 20, 30], atol=1e-6)
        np.testing.assert_allclose(row(problem, plan.sales, "FG"), [30, 30, 30], atol=1e-6)
    assert (model.rows["balance"] >= 0).sum() == (full_model.rows["balance"] >= 0).sum() - 2
    assert model.n_cols < full_model.n_cols


def test_a_component_short_within_its_lead_time_keeps_its_rows_and_prices_when_netting() -> None:
    """The short component of the test above it (lead time beyond the horizon) has no month to
    net: the same plan and the same shadow prices [20, 20.1, 20.2]."""
    problem = short_component_problem()
    settings = replace(TOY, expedite_lead_time_days=120.0, net_purchased=True)
    model, solution, plan = solved(problem, settings)
    assert model.netting is None
    np.testing.assert_allclose(row(problem, plan.lost, "FG2"), [16, 20, 20], atol=1e-6)
    balance = model.dual(solution.row_dual, "balance")
    np.testing.assert_allclose(row(problem, balance, "C"), [20.0, 20.1, 20.2], atol=1e-7)


def test_netting_is_automatic_above_sixty_thousand_item_months() -> None:
    """``balance.net_purchased: auto`` nets a plan of more than 60,000 item-months (the toy: 2
    items x 3 months = 6); ``always`` and ``never`` say so whatever the size."""
    from sop_pipeline.balance.plan import PlanSettings

    problem = netted_component_problem()
    assert not PlanSettings().nets_purchased(problem)
    assert PlanSettings(netting_min_item_months=5).nets_purchased(problem)
    assert PlanSettings(net_purchased="always").nets_purchased(problem)
    assert not PlanSettings(net_purchased="never", netting_min_item_months=0).nets_purchased(
        problem
    )
