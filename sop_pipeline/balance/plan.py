"""One plan month's constrained plan, from its typed inputs to its six tables.

The order of the month: the dated cash path; the problem of each scenario
(:func:`~sop_pipeline.balance.inputs.plan_problems`); the LP of each built and solved
(:mod:`.model`, :mod:`.solver`); the base plan's binding constraints and their prices
(:mod:`.prices`); its cash, balance, low point and runway (:mod:`.cash`); the meeting's options
as re-solves (:mod:`.options`); whether the targets are met (:mod:`.feasibility`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from sop_pipeline.balance import feasibility
from sop_pipeline.balance.cash import (
    Commitment,
    cash_position,
    cash_projection,
    collections,
    commitment,
    one_off_losses,
    plan_cash_flows,
    runs_out_month,
)
from sop_pipeline.balance.inputs import SCENARIOS, HoldingLimits, plan_problems
from sop_pipeline.balance.model import (
    BUFFER_PASSES,
    LpModel,
    ModelSettings,
    build_model,
    drop_refused_buffers,
    first_production_month,
)
from sop_pipeline.balance.options import (
    CASH,
    Context,
    OptionSettings,
    find_issues,
    option_tables,
)
from sop_pipeline.balance.prices import (
    attribute_lost_sales,
    constraint_prices,
    held_by_cash_path,
)
from sop_pipeline.balance.problem import PlanProblem
from sop_pipeline.balance.solution import PlanArrays, read_plan
from sop_pipeline.balance.solver import Solution, SolverChoice, solve
from sop_pipeline.balance.tables import (
    capacity_frame,
    materials_in,
    materials_sold,
    plan_frame,
    purchases,
)
from sop_pipeline.lib.cores import cores
from sop_pipeline.supply.inputs import PlanningInputs

UPSIDE_MAX_COLUMNS = 150_000
"""``balance.upside: auto`` plans the upside scenario up to this many variables in the base
plan (about 1,200 finished goods with two components each). The upside has most resources
binding: on 2 cores HiGHS takes 58 s for it on the generated 1,000-item company (121,507
variables; its base plan 12 s), 43 s at 3,000 synthetic finished goods and about 9 minutes at
10,000."""
NETTING_MIN_ITEM_MONTHS = 60_000
"""``balance.net_purchased: auto`` nets bought components outside the LP above this many
item-months (5,000 items over 12 months). Below it the full model solves in seconds and is
exact; above it the components' rows make HiGHS' dual simplex crawl: the generator's
10,000-item company (30,020 items) did not solve in 600 s whole and solves in 25 s netted
(bench/RESULTS.md)."""


@dataclass(frozen=True)
class PlanSettings:
    """Everything the constrained plan is computed with."""

    model: ModelSettings = ModelSettings()
    options: OptionSettings = OptionSettings()
    limits: HoldingLimits = HoldingLimits()
    solver: SolverChoice = "auto"
    time_limit_seconds: float = 600.0
    collection_lag_months: int = 0
    min_cash_balance: float = 0.0
    upside: str = "auto"
    upside_max_columns: int = UPSIDE_MAX_COLUMNS
    net_purchased: str = "auto"
    netting_min_item_months: int = NETTING_MIN_ITEM_MONTHS
    workers: int = -1

    def nets_purchased(self, problem: PlanProblem) -> bool:
        """Whether bought components beyond their lead time are netted outside the LP
        (:class:`sop_pipeline.balance.model.Netting`) for ``problem``."""
        if self.net_purchased == "auto":
            return problem.n_items * problem.horizon > self.netting_min_item_months
        return self.net_purchased == "always"

    def plans_upside(self, columns: int) -> bool:
        """Whether the upside is planned beside a base plan of ``columns`` variables."""
        if self.upside == "auto":
            return columns <= self.upside_max_columns
        return self.upside == "always"


@dataclass(frozen=True)
class CommitmentTargets:
    """The ``kpi_targets`` of the working-capital commitment."""

    baseline_month: object = None
    target_month: object = None
    inventory_value: float | None = None
    cash_reduction: float = 250_000.0


@dataclass(frozen=True)
class BalanceInputs:
    """What the constrained plan reads besides the planning inputs.

    Attributes:
        planning: The plan month's planning inputs (as the supply stage reads them).
        safety_stock: ``inventory_targets`` (``item, month, safety_stock``).
        shelf_risk: ``shelf_life_risk`` rows.
        tradeoff: ``service_cash_tradeoff`` rows.
        forecast_changes: ``forecast_changes`` rows.
        stock_values: Inventory value of each month-end stock count up to the plan month.
        first_plan_month: The first plan month with a supply plan (the default baseline).
        cash: ``cash.csv`` rows (``as_of_month, opening_cash, monthly_operating_burn``).
        booked_revenue: Net revenue booked per closed month (collections of a lag).
        planned_revenue: The financial plan's company net revenue over the horizon (None: no
            plan for those months).
        targets: The working-capital commitment's settings.
        descriptions: Item and resource descriptions.
    """

    planning: PlanningInputs
    safety_stock: pd.DataFrame
    shelf_risk: pd.DataFrame
    tradeoff: pd.DataFrame
    forecast_changes: pd.DataFrame
    stock_values: pd.Series
    first_plan_month: pd.Timestamp | None = None
    cash: pd.DataFrame = field(default_factory=pd.DataFrame)
    booked_revenue: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    planned_revenue: float | None = None
    targets: CommitmentTargets = CommitmentTargets()
    descriptions: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BalancePlan:
    """The tables of the constrained plan and what solving it took."""

    constrained_plan: pd.DataFrame
    constraint_prices: pd.DataFrame
    constrained_capacity: pd.DataFrame
    cash_projection: pd.DataFrame
    plan_feasibility: pd.DataFrame
    scenario_options: pd.DataFrame
    option_levers: pd.DataFrame
    option_plans: pd.DataFrame
    stats: dict[str, object] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Solved:
    problem: PlanProblem
    model: LpModel
    solution: Solution
    plan: PlanArrays


LOT_PASSES = 2
"""Solves again at most this often so that the cash path leaves room for the stock the
purchases' lots hold: the lots are rounded after a solve, and the room they need moves a
little with the plan (one pass is usually enough)."""
LOT_VALUE_TOL = 1.0
"""A change of the lots' stock below this (dollars in every month) needs no new solve."""


def solve_scenario(
    problem: PlanProblem,
    settings: PlanSettings,
    like: Solution | None = None,
    model: LpModel | None = None,
) -> Solved:
    """Build and solve one scenario's LP and read its plan back; ``like`` is another
    scenario's solution to start from (the models have the same layout), ``model`` the
    scenario's LP when already built (it is changed in place).

    Item-months where the plan keeps a buffer while losing sales (:func:`drop_refused_buffers`)
    lose their buffer credit and the model is solved again from where it stopped, at most
    :data:`BUFFER_PASSES` times (two or three at most on the sample company's upside, each a
    small share of the first solve)."""
    model = build_model(problem, settings.model) if model is None else model
    solution = solve(model, settings.solver, settings.time_limit_seconds, like=like)
    for _ in range(BUFFER_PASSES):
        if not drop_refused_buffers(problem, model, solution.x):
            break
        solution = solve(model, settings.solver, settings.time_limit_seconds, like=solution)
    short = np.concatenate([model.columns[n][model.columns[n] >= 0] for n in ("f", "u")])
    if len(short):
        # the decided production the plan can make is now a hard floor, and its shortfall a
        # fixed quantity at no cost (so is the part of an open production order its
        # components do not allow): the prices of capacity and materials are those of the
        # plan, not of the penalty that kept the decision firm
        model.lower[short] = model.upper[short] = solution.x[short]
        model.cost[short] = 0.0
        solution = solve(model, settings.solver, settings.time_limit_seconds, like=solution)
    plan = read_plan(problem, model, solution.x)
    for _ in range(LOT_PASSES):
        held = _lot_stock_value(problem, plan, settings.model)
        if held is None:
            break
        before = np.zeros_like(held) if problem.lot_stock_value is None else problem.lot_stock_value
        # never less room than before: a plan that buys less to make room would hold fewer
        # lots, and taking the room back would buy them again
        held = np.maximum(held, before)
        if (held - before).max() < LOT_VALUE_TOL:
            break
        # the path's rows leave room for the stock the lots hold (model.py): moved by the
        # change since the rows were laid out, and solved again from where it stopped
        rows = model.rows["cash"]
        live = rows >= 0
        model.row_upper[rows[live]] -= (held - before)[live]
        problem = replace(problem, lot_stock_value=held)
        solution = solve(model, settings.solver, settings.time_limit_seconds, like=solution)
        plan = read_plan(problem, model, solution.x)
    return Solved(problem, model, solution, plan)


def _lot_stock_value(
    problem: PlanProblem, plan: PlanArrays, economics: ModelSettings
) -> np.ndarray | None:
    """Value at cost, per month, of the stock the purchases' lots (and an expedite's) hold
    beyond the plan's own quantities, where the plan keeps to a cash path; None without one."""
    if problem.cash_path is None or economics.cash_path == "off":
        return None
    return ((plan.inventory - plan.plan_inventory) * problem.cost[:, None]).sum(axis=0)


def _month_flows(solved: Solved, settings: PlanSettings):
    problem, plan = solved.problem, solved.plan
    revenue = (plan.sales * problem.price[:, None]).sum(axis=0)
    spend = (purchases(problem, plan) * problem.cost[:, None]).sum(axis=0)
    overtime = (
        (plan.overtime * problem.overtime_rate[:, None]).sum(axis=0)
        if len(problem.resources)
        else np.zeros(problem.horizon)
    )
    premium = settings.model.expedite_premium
    expedite = (plan.expedited * problem.cost[:, None] * premium).sum(axis=0)
    return revenue, spend, overtime, expedite, materials_sold(problem, plan)


def scenario_problems(
    inputs: BalanceInputs, settings: PlanSettings
) -> tuple[dict[str, PlanProblem], Commitment | None, PlanSettings]:
    """Each scenario's problem with the dated cash path of the working-capital commitment (if
    any), that commitment, and ``settings`` with the netting of bought components decided for
    the base problem's size: what the LPs of :func:`plan_balance` are built from."""
    t = inputs.targets
    promise = commitment(
        inputs.stock_values,
        inputs.planning.plan_month,
        inputs.first_plan_month,
        t.baseline_month,
        t.target_month,
        t.inventory_value,
        t.cash_reduction,
    )
    problems = plan_problems(
        inputs.planning, inputs.safety_stock, inputs.shelf_risk, None, settings.limits, SCENARIOS
    )
    if promise is not None:
        months = problems["base"].months
        path = promise.path(months)
        target = int(np.searchsorted(months, promise.target_month))
        problems = {s: _with_path(p, path, target) for s, p in problems.items()}
    netting = settings.nets_purchased(problems["base"])
    model = replace(settings.model, net_purchased=netting)
    return problems, promise, replace(settings, model=model)


def plan_balance(inputs: BalanceInputs, settings: PlanSettings = PlanSettings()) -> BalancePlan:
    """The constrained plan of the month (module docstring).

    Raises:
        ValueError: on bad inputs, as the supply stage's planning network.
        sop_pipeline.balance.solver.SolveError: when HiGHS does not solve a scenario.
    """
    started = time.perf_counter()
    plan_month = inputs.planning.plan_month
    problems, promise, settings = scenario_problems(inputs, settings)
    months = problems["base"].months
    built = time.perf_counter()
    base_model = build_model(problems["base"], settings.model)
    upside = _upside_beside(problems["upside"], settings, base_model.n_cols)
    base = solve_scenario(problems["base"], settings, model=base_model)
    solve_seconds = time.perf_counter() - built

    lost_causes = attribute_lost_sales(base.problem, base.model, base.solution.row_dual, base.plan)
    prices = constraint_prices(
        base.problem,
        base.model,
        base.solution.row_dual,
        base.solution.x,
        base.plan,
        inputs.descriptions,
        _timing_rate(settings.model),
        lost=lost_causes,
    )
    position = cash_position(inputs.cash, plan_month)
    lag = settings.collection_lag_months
    revenue, spend, overtime, expedite, materials = _month_flows(base, settings)
    first_supply = first_production_month(base.problem.lead_whole, base.problem.lead_fraction)
    one_off = one_off_losses(
        lost_causes, base.problem.items, base.problem.horizon, first_supply,
        arrives=base.problem.lead_whole,
    )  # fmt: skip
    flows = plan_cash_flows(
        revenue,
        spend,
        overtime,
        expedite,
        position,
        inputs.booked_revenue,
        months,
        lag,
        materials_sold=materials,
        one_off=(
            (one_off * base.problem.price[:, None]).sum(axis=0),
            materials_in(base.problem, one_off),
        ),
    )
    inventory_value = (base.plan.inventory * base.problem.cost[:, None]).sum(axis=0)
    projection = cash_projection(
        plan_month, months, inventory_value, flows, position, inputs.stock_values, promise
    )

    context = Context(
        problem=base.problem,
        model=base.model,
        x=base.solution.x,
        plan=base.plan,
        cash=flows,
        opening_cash=position.opening_cash if position else None,
        booked_revenue=lambda r: collections(r, pd.Series(dtype=float), months, lag),
        settings=settings.options,
        method=settings.solver,
        model_settings=settings.model,
        solution=base.solution,
        lost_causes=lost_causes,
    )
    issues = find_issues(base.problem, prices, inputs.forecast_changes, settings.options.top_issues)
    pricing = time.perf_counter()
    tables = option_tables(context, issues, settings.workers)
    options_seconds = time.perf_counter() - pricing
    prices, options = held_by_cash_path(prices, tables.options, tables.plans)
    waited = time.perf_counter()
    solved = {"base": base} | ({"upside": upside()} if upside is not None else {})
    solve_seconds += time.perf_counter() - waited  # the upside's solve beyond the options'
    frames = [plan_frame(s.problem, s.plan, name) for name, s in solved.items()]
    capacity = [
        capacity_frame(
            s.problem,
            s.plan,
            s.model.dual(s.solution.row_dual, "capacity"),
            name,
            inputs.descriptions,
        )
        for name, s in solved.items()
    ]

    given_up = _cost_of_path(options, promise is not None and settings.model.cash_path != "off")
    demand_by_month = (base.problem.mean_demand * base.problem.price[:, None]).sum(axis=0)
    planned = projection[~projection["is_actual"]]
    low = low_month = runway = dip = runs_out = None
    if position is not None:
        lowest = planned.loc[planned["is_cash_low_point"].astype(bool)]
        low, low_month = float(lowest["cash_balance"].iloc[0]), lowest["month"].iloc[0]
        runway = flows.runway(position.opening_cash)
        trough = flows.trough(position.opening_cash)
        if trough is not None:
            dip = (trough[0], base.problem.months[0] + pd.DateOffset(months=trough[1] - 1))
        runs_out = runs_out_month(base.problem.months[0], runway, base.problem.horizon)
    rows = [
        feasibility.revenue_check(
            float(demand_by_month.sum()),
            float(revenue.sum()),
            inputs.planned_revenue,
            (base.problem.months, demand_by_month, revenue),
        ),
        feasibility.cash_check(
            low, low_month, runway, settings.min_cash_balance, position is not None, dip, runs_out
        ),
        feasibility.working_capital_check(
            promise, inputs.tradeoff, given_up, _held_at_target(planned, promise)
        ),
    ]
    releasable = base.model.columns["y"] >= 0
    decided = float(np.where(releasable, base.problem.firm_release, 0.0).sum())
    if decided > 0:
        short = base.model.raw_value(base.solution.x, "f").clip(min=0).sum(axis=1)
        names = [str(base.problem.items[i]) for i in np.flatnonzero(short > 0.5)]
        rows.append(feasibility.decisions_check(decided, float(short.sum()), names))
    checks = feasibility.feasibility_frame(rows)
    stats = {
        "variables": int(base.model.n_cols),
        "constraints": int(base.model.n_rows),
        "nonzeros": int(base.model.matrix.nnz),
        "sub_networks": int(base.solution.blocks),
        "solve_seconds": round(solve_seconds, 3),
        "seconds": round(time.perf_counter() - started, 3),
        "issues_priced": len(issues),
        "options_seconds": round(options_seconds, 3),
        "scenarios": ", ".join(solved),
    }
    return BalancePlan(
        constrained_plan=pd.concat(frames, ignore_index=True),
        constraint_prices=prices,
        constrained_capacity=pd.concat(capacity, ignore_index=True),
        cash_projection=projection,
        plan_feasibility=checks,
        scenario_options=options,
        option_levers=tables.levers,
        option_plans=tables.plans,
        stats=stats,
    )


def _upside_beside(
    problem: PlanProblem, settings: PlanSettings, columns: int
) -> Callable[[], Solved] | None:
    """The upside scenario's plan, when it is planned beside a base plan of ``columns``
    variables: a call that returns it. It is solved from scratch (started from the base
    plan's basis HiGHS takes 2-7 times longer: its demand is higher everywhere, so most of
    that basis must change), so it needs nothing of the base plan: with more than one worker
    (``workers``) it is solved in a thread of its own while the base plan is solved and its
    options priced (HiGHS releases Python's lock while it solves), else when it is asked for."""
    if not settings.plans_upside(columns):
        return None
    if cores(settings.workers) <= 1:
        return lambda: solve_scenario(problem, settings)
    beside = ThreadPoolExecutor(1)
    future = beside.submit(solve_scenario, problem, settings)
    beside.shutdown(wait=False)  # its thread ends with this one solve
    return future.result


def _timing_rate(settings: ModelSettings) -> float:
    """What holding a dollar of stock a month costs the plan (holding, a soft path's
    penalty)."""
    soft = settings.cash_path_penalty if settings.cash_path == "soft" else 0.0
    return settings.holding_cost_rate / 12.0 + soft


def _held_at_target(planned: pd.DataFrame, promise: Commitment | None) -> float | None:
    """The plan's inventory value in the commitment's target month (None outside the
    horizon)."""
    if promise is None:
        return None
    at = planned.loc[planned["month"] == pd.Timestamp(promise.target_month), "inventory_value"]
    return float(at.iloc[0]) if len(at) else None


def _cost_of_path(options: pd.DataFrame, planned: bool) -> float | None:
    """Expected margin that keeping within the cash path costs against the plan as it stands,
    as the options table shows it: the cash issue's plan to base against keeping to the path,
    or, where the plan already keeps to it (a hard path), relaxing the path against the plan;
    0 when the path does not bind; None when the plan does not plan to a path."""
    if not planned:
        return None
    cash = options[(options["category"] == CASH) & options["is_feasible"].astype(bool)]
    margin = cash.set_index("option")["expected_margin"]
    if "plan_to_base" not in margin.index:
        return 0.0
    if "keep_to_cash_path" in margin.index:
        return max(0.0, float(margin["plan_to_base"] - margin["keep_to_cash_path"]))
    if "relax_cash_path" in margin.index:
        return max(0.0, float(margin["relax_cash_path"] - margin["plan_to_base"]))
    return 0.0


def _with_path(problem: PlanProblem, path: np.ndarray, target: int) -> PlanProblem:
    return replace(problem, cash_path=path, cash_target_index=target)
