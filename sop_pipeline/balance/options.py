"""The meeting's options, each a re-solve of the constrained plan with one change.

**Issues.** The options are priced for the largest issues of four kinds: a binding component
(``component``: its lever is expediting it), a binding resource (``resource``: overtime and
pre-building), the dated cash path when it binds (``cash``) and an upward forecast change
(``forecast_change``, a demand uncertainty: produce to the upside). Components that bind in
the same months for the same goods are one issue (:func:`_merge_components`): the goods need
all of them, so an expedite of one alone is worth nothing, and two issues would each claim
the goods' margin.

**Options.** For an issue, ``plan_to_base`` is the plan without the issue's levers (the
component not expedited; no overtime on the resource in the months it binds and no stock built
ahead for them by the items made on it; for a forecast change and the cash path, the plan
itself) - taking the stockout risk. Each other option adds one lever to it: ``expedite``,
``overtime``, ``prebuild``, ``spread_deliveries`` (``decisions.spread_share`` of the peak
month's demand of the items losing sales to the issue moved to the next month:
:func:`_spread`), ``produce_to_upside`` (the item planned to its upper 80 % bound),
``relax_cash_path`` (the plan without the cash path). ``constrained_plan`` is the plan with
every lever as the solver chose them. Every option is solved as the LP with that one change,
around the issue: the items it concerns (the finished goods built from the component or made
on the resource, their components and resources) are re-planned, everything else is held as
the plan has it (:func:`~sop_pipeline.balance.solver.solve_restricted`); the cash path is
re-solved whole.

**Pricing** (the LP plans the point forecast; the options are valued against the forecast's
uncertainty, as the plan's buffers are meant for): with ``S`` an item's stock available in a
month under the option (sold + left at the month's end; only what was sold in a month the
option loses sales, as the stock it left then could not be sold in time:
:attr:`~sop_pipeline.balance.solution.PlanArrays.supply`), Normal demand from the forecast and
its 80 % interval gives expected lost sales ``sigma L((S - mu) / sigma)``
(:mod:`sop_pipeline.supply.uncertainty`); ``expected_margin = sum (net price - unit cost) x
(mu - expected lost) - holding - overtime - expedite premiums`` over the issue's items and
months. ``margin_vs_base`` is against ``plan_to_base``; ``extra_inventory_cash_peak`` the most
extra stock at cost it holds in any month. Its cash balance, low point and runway follow the
plan's cash (``cash_projection``) shifted by the option's own flows month by month. The
suggested option has the highest expected margin among those that can help and whose extra
cash stays within ``decisions.max_extra_cash``; an option within ``MATERIAL`` of plan to base
is marked as not helping.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from sop_pipeline.balance.cash import PlanCash, balances, low_point
from sop_pipeline.balance.model import (
    BUFFER_PASSES,
    UNREACHABLE_PENALTY,
    LpModel,
    ModelSettings,
    build_model,
    drop_refused_buffers,
    firm_shortfall_cost,
    first_production_month,
)
from sop_pipeline.balance.prices import explosion
from sop_pipeline.balance.problem import PlanProblem, forced_stock, lead_split
from sop_pipeline.balance.solution import TOL, PlanArrays, read_plan
from sop_pipeline.balance.solver import (
    Solution,
    SolveError,
    SolverChoice,
    solve,
    solve_restricted,
)
from sop_pipeline.lib.cores import cores
from sop_pipeline.supply.uncertainty import Z80, expected_lost

COMPONENT, RESOURCE, CASH, FORECAST_CHANGE = "component", "resource", "cash", "forecast_change"
MATERIAL = 1.0
"""An option whose expected margin and cash differ from plan to base by less than this (in
money) does not help: it is listed as infeasible with the reason."""
MERGE_CANDIDATES = 4
"""Binding components considered per issue kept (``top_n`` x this): those the same goods need
in the same months merge into one issue, then the ``top_n`` largest are priced."""
MATERIAL_UNITS = 0.5
"""An option whose lever moves less than this many units (expedited, built ahead) does not
use it: it is listed as infeasible with the reason."""

OPTION_COLUMNS = [
    "issue",
    "category",
    "item",
    "partners",
    "option",
    "is_feasible",
    "first_month",
    "last_month",
    "affected_items",
    "extra_inventory_cash_peak",
    "purchase_spend",
    "overtime_cost",
    "expedite_cost",
    "holding_cost",
    "lost_sales_qty",
    "expected_revenue_at_risk",
    "expected_margin_at_risk",
    "expected_excess_value",
    "service_level",
    "expected_margin",
    "margin_vs_base",
    "cash_balance_end",
    "cash_low_point",
    "runway_months",
    "is_suggested",
    "decision",
    "note",
]


@dataclass(frozen=True)
class OptionSettings:
    """``decisions`` settings the options use beyond the model's (the expedite terms and the
    holding cost come from the :class:`ModelSettings` the plan was built with)."""

    max_extra_cash: float | None = None
    spread_share: float = 0.30
    top_issues: int = 5


@dataclass(frozen=True)
class Issue:
    """One issue: its kind, subject (component, resource or item name), the item positions
    re-planned for it, the months it binds in (positions), and the finished goods it
    concerns. A component issue's ``partners`` are the other binding components it was
    merged with (:func:`_merge_components`): the goods need all of them, so they are one
    decision."""

    category: str
    subject: str
    items: np.ndarray
    months: tuple[int, ...]
    affected: tuple[str, ...]
    stake: float
    partners: tuple[str, ...] = ()

    @property
    def components(self) -> tuple[str, ...]:
        """A component issue's components: its subject and its partners."""
        return (self.subject, *self.partners)

    @property
    def key(self) -> str:
        return f"{self.category}:{self.subject}"


@dataclass
class Context:
    """What pricing a variant needs: the base plan, its cash and the option settings."""

    problem: PlanProblem
    model: LpModel
    x: np.ndarray
    plan: PlanArrays
    cash: PlanCash
    opening_cash: float | None
    booked_revenue: Callable[[np.ndarray], np.ndarray]
    settings: OptionSettings
    method: SolverChoice
    model_settings: ModelSettings = ModelSettings()
    solution: Solution | None = None
    lost_causes: pd.DataFrame | None = None
    """The base plan's lost sales by root cause (:func:`~.prices.attribute_lost_sales`)."""


# --- issues ------------------------------------------------------------------------------------


def _descendants(problem: PlanProblem, items: np.ndarray, ex=None) -> np.ndarray:
    ex = explosion(problem) if ex is None else ex
    below = ex[items].nonzero()[1] if len(items) else np.zeros(0, int)
    return np.unique(np.concatenate([items, below])).astype(np.int64)


def _routed(problem: PlanProblem, items: np.ndarray) -> np.ndarray:
    on = np.isin(problem.route_item, items)
    return np.unique(problem.route_resource[on]).astype(np.int64)


def find_issues(
    problem: PlanProblem, prices: pd.DataFrame, changes: pd.DataFrame, top_n: int
) -> list[Issue]:
    """The issues that get an option table: the binding components, resources and cash path
    of ``prices`` (``constraint_prices``), the most lost margin and shadow price first, and the
    upward forecast exceptions of ``changes`` (``forecast_changes``), ``top_n`` of each."""
    names = pd.Index(problem.items)
    months = pd.DatetimeIndex(problem.months)
    by_row = explosion(problem)
    ex = by_row.tocsc()
    issues: list[Issue] = []
    for category in (COMPONENT, RESOURCE, CASH):
        rows = prices[prices["constraint_type"] == category]
        if rows.empty:
            continue
        ranked = (
            rows.assign(weight=rows["shadow_price"] * (1 + rows["affected_item_count"]))
            .groupby("constraint")
            .agg(lost=("lost_margin", "sum"), weight=("weight", "max"))
            .sort_values(["lost", "weight"], ascending=False)
            # components merge (below): more candidates, so a partner ranked lower joins its
            # issue rather than being left out of it
            .head(top_n * MERGE_CANDIDATES if category == COMPONENT else top_n)
        )
        for subject in ranked.index:
            hit = rows[rows["constraint"] == subject]
            bound = tuple(sorted(months.get_indexer(pd.to_datetime(hit["month"]))))
            if category == COMPONENT:
                c = names.get_loc(subject)
                users = ex.indices[ex.indptr[c] : ex.indptr[c + 1]]
                users = users[problem.finished[users]]
                items = _descendants(problem, np.append(users, c), by_row)
            elif category == RESOURCE:
                r = pd.Index(problem.resources).get_loc(subject)
                users = np.unique(problem.route_item[problem.route_resource == r])
                items = _descendants(problem, users, by_row)
            else:
                users = np.flatnonzero(problem.finished)
                items = np.arange(problem.n_items)
            affected = tuple(names[users[problem.finished[users]]])
            issues.append(
                Issue(
                    category,
                    str(subject),
                    items,
                    bound,
                    affected,
                    float(ranked.loc[subject, "lost"]),
                )
            )
    merged = _merge_components(issues)
    components = [issue for issue in merged if issue.category == COMPONENT][:top_n]
    issues = components + [issue for issue in merged if issue.category != COMPONENT]
    if changes is not None and len(changes):
        up = changes[
            changes["is_exception"].fillna(False).astype(bool)
            & (changes["change_qty"] > 0)
            & ~changes["is_timing_shift"].fillna(False).astype(bool)
            & changes["item"].isin(names)
        ].copy()
        up["impact"] = np.maximum(up["change_margin"].abs(), up["abs_change_margin"] / 2)
        for row in (
            up.sort_values(["impact", "item"], ascending=[False, True]).head(top_n).itertuples()
        ):
            i = names.get_loc(row.item)
            issues.append(
                Issue(
                    FORECAST_CHANGE,
                    str(row.item),
                    _descendants(problem, np.array([i])),
                    tuple(range(problem.horizon)),
                    (str(row.item),),
                    float(row.impact),
                )
            )
    return issues


def _merge_components(issues: list[Issue]) -> list[Issue]:
    """Component issues that are one decision, merged into the first of them (the most lost
    margin): a component binding in a month in which another binds too, every finished good it
    goes into also made with the other (or the other way round). Those goods need both: an
    expedite of one alone makes none of them, and two issues would count the same goods'
    margin twice."""
    out: list[Issue] = []
    for issue in issues:
        home = None
        if issue.category == COMPONENT:
            for k, kept in enumerate(out):
                if kept.category != COMPONENT or not set(kept.months) & set(issue.months):
                    continue
                mine, theirs = set(issue.affected), set(kept.affected)
                if mine and theirs and (mine <= theirs or theirs <= mine):
                    home = k
                    break
        if home is None:
            out.append(issue)
            continue
        kept = out[home]
        out[home] = replace(
            kept,
            items=np.union1d(kept.items, issue.items),
            months=tuple(sorted(set(kept.months) | set(issue.months))),
            affected=tuple(dict.fromkeys((*kept.affected, *issue.affected))),
            stake=kept.stake + issue.stake,
            partners=(*kept.partners, issue.subject),
        )
    return out


# --- variants ---------------------------------------------------------------------------------


@dataclass
class Variant:
    """A change to the plan: new bounds (on the plan's model, or on the model of
    ``problem`` when the option changes demand: the same layout), and what it means in words.
    ``lower`` of None keeps the model's."""

    name: str
    upper: np.ndarray
    row_upper: np.ndarray
    mean: np.ndarray
    sigma: np.ndarray
    problem: PlanProblem | None = None
    lower: np.ndarray | None = None
    full_solve: bool = False
    cost: np.ndarray | None = None
    feasible: bool = True
    note: str = ""
    decision: str = ""


def _columns(model: LpModel, name: str, rows: np.ndarray) -> np.ndarray:
    index = model.columns[name][rows]
    return index[index >= 0]


def _issue_columns(model: LpModel, problem: PlanProblem, issue: Issue) -> np.ndarray:
    items = issue.items
    parts = [_columns(model, name, items) for name in ("y", "s", "b", "e", "f", "u")]
    z = model.columns["z"][items]
    parts.append(z[z >= 0])
    if len(problem.resources):
        parts.append(_columns(model, "ot", _routed(problem, items)).ravel())
    parts.append(model.columns["v"][model.columns["v"] >= 0])
    return np.unique(np.concatenate([p.ravel() for p in parts]))


def _no_levers(
    ctx: Context, issue: Issue, model: LpModel | None = None, problem: PlanProblem | None = None
) -> np.ndarray:
    """Upper bounds of plan to base: the issue's levers off."""
    model, problem = model or ctx.model, problem or ctx.problem
    upper = model.upper.copy()
    if issue.category == COMPONENT:
        z = model.columns["z"][problem.items.get_indexer(list(issue.components))]
        upper[z[z >= 0]] = 0.0
    elif issue.category == RESOURCE:
        r = pd.Index(problem.resources).get_loc(issue.subject)
        binding = np.array(issue.months, dtype=np.int64)
        ot = model.columns["ot"][r][binding]
        # the overtime open production orders already need stays: they are made regardless
        committed = np.clip(problem.fixed_load[r] - problem.capacity[r], 0.0, None)[binding]
        upper[ot] = np.minimum(committed, problem.overtime_capacity[r][binding])
        _no_prebuild(model, problem, issue, upper)
    # what an earlier meeting made firm (approved overtime, a decided pre-build) stays
    return np.maximum(upper, model.lower)


def _ahead_months(problem: PlanProblem, issue: Issue) -> np.ndarray:
    """The months in which stock could be built ahead for the issue's binding months: the
    holding window before each (the items' longest, at most the horizon)."""
    windows = problem.window[issue.items]
    longest = int(windows.max()) if (windows >= 0).all() and len(windows) else problem.horizon
    ahead = np.zeros(problem.horizon, bool)
    for month in issue.months:
        ahead[max(0, month - max(longest, 1)) : month] = True
    return ahead


def _no_prebuild(model: LpModel, problem: PlanProblem, issue: Issue, upper: np.ndarray) -> None:
    """No stock built ahead for the binding months: at the end of a month before one (within
    the holding window), a produced item's stock above the safety stock only for the next
    month's first days (what its late-arriving orders cannot serve, ``f x demand``) or where
    nothing new can avoid it (the opening stock, open orders)."""
    held, _ = forced_stock(problem)
    next_days = np.zeros_like(held)
    next_days[:, :-1] = problem.lead_fraction[:, None] * problem.demand[:, 1:]
    # what the buffer column may hold: the safety stock, or 0 where the plan lost its credit
    # (a buffer kept while losing sales, see solve_scenario)
    b = model.columns["b"]
    buffer = np.where(b >= 0, model.upper[np.maximum(b, 0)], 0.0)
    room = np.maximum(np.maximum(held, next_days + problem.safety_stock) - buffer, 0)
    # produced items only: building ahead on a resource is producing early; a bought component
    # may be shared with finished goods outside the issue (held at their plan), whose
    # consumption it must still be able to stock for
    rows = issue.items[problem.produced[issue.items]]
    # items with firm production from an earlier decision hold what it brings
    rows = rows[~problem.firm_release[rows].any(axis=1)]
    index = model.columns["e"][rows]
    keep = (index >= 0) & _ahead_months(problem, issue)[None, :]
    upper[index[keep]] = np.minimum(upper[index[keep]], room[rows][keep])


def lost_to_issue(ctx: Context, issue: Issue, base: PlanArrays) -> np.ndarray:
    """``(items, months)``: the sales an issue's constraint loses - those the plan recovers
    with the issue's levers (lost under plan to ``base``, sold by the plan) and those the plan
    still loses to it (its root cause, :attr:`Context.lost_causes`)."""
    lost = np.maximum(base.lost - ctx.plan.lost, 0.0)
    causes = ctx.lost_causes
    if causes is not None and len(causes):
        subjects = issue.components if issue.category == COMPONENT else (issue.subject,)
        mine = causes[
            (causes["constraint_type"] == issue.category) & causes["constraint"].isin(subjects)
        ]
        rows = ctx.problem.items.get_indexer(mine["item"])
        np.add.at(lost, (rows, mine["month"].to_numpy(int)), mine["lost_qty"].to_numpy())
    return lost


def _spread(ctx: Context, issue: Issue, base: PlanArrays) -> Variant:
    """Move ``spread_share`` of the peak month's demand of the finished goods that lose sales
    to the issue's constraint (:func:`lost_to_issue`) to the next month. The peak is the last
    month of a run of months losing sales to it - the month after has the supply to take the
    demand - that loses the most margin. Sales lost to other causes are not the issue's to
    spread: a resource that loses no sale of its own has nothing to spread."""
    problem = ctx.problem
    share = ctx.settings.spread_share
    affected = np.array([problem.items.get_loc(i) for i in issue.affected], dtype=np.int64)
    lost_qty = lost_to_issue(ctx, issue, base)[affected]
    lost_margin = lost_qty * np.maximum(problem.margin[affected], 0)[:, None]
    lost = lost_margin.sum(axis=0)
    mean, sigma = problem.mean_demand.copy(), problem.sigma.copy()

    def infeasible(note: str) -> Variant:
        model = ctx.model
        return Variant(
            "spread_deliveries",
            model.upper,
            model.row_upper,
            mean,
            sigma,
            feasible=False,
            note=note,
        )

    losing = lost > MATERIAL
    if not len(affected) or not losing.any():
        return infeasible(f"no sales are lost to {issue.subject}: nothing to spread")
    ends = losing[:-1] & ~losing[1:]
    if not ends.any():
        last = _label(problem.months[-1])
        return infeasible(f"{issue.subject} loses sales up to {last}: no later month to take them")
    peak = int(np.argmax(np.where(ends, lost[:-1], -np.inf)))
    nxt = peak + 1
    users = affected[lost_qty[:, peak] > MATERIAL_UNITS]
    demand = problem.demand.copy()
    moved = share * demand[users, peak]
    demand[users, peak] -= moved
    demand[users, nxt] += moved
    mean[users, peak] *= 1 - share
    mean[users, nxt] += share * problem.mean_demand[users, peak]
    sigma[users, nxt] = np.sqrt(sigma[users, nxt] ** 2 + (share * sigma[users, peak]) ** 2)
    sigma[users, peak] *= 1 - share
    moved_problem = problem.replace_demand(demand, mean, sigma)
    model = build_model(moved_problem, ctx.model_settings)
    upper = _no_levers(ctx, issue, model, moved_problem)
    movers = problem.items[users].tolist()
    names = ", ".join(movers[:4]) + (" ..." if len(movers) > 4 else "")
    decision = (
        f"Ask customers to take {share:.0%} of {_label(problem.months[peak])}'s demand "
        f"({moved.sum():,.0f} units of {names}) in {_label(problem.months[nxt])}"
    )
    return Variant(
        "spread_deliveries",
        upper,
        model.row_upper,
        mean,
        sigma,
        problem=moved_problem,
        note="any price concession is not included",
        decision=decision,
    )


def _upside(ctx: Context, issue: Issue) -> Variant:
    """Make the item's upper 80 % bound available every month it can be made for: the stock
    left at each month end at least ``hi80 - forecast`` (the upside not sold at the
    forecast)."""
    problem, model = ctx.problem, ctx.model
    i = problem.items.get_loc(issue.subject)
    extra = Z80 * problem.sigma[i]
    lower = model.lower.copy()
    start = int(problem.lead_whole[i]) + 1
    e = model.columns["e"][i]
    months = np.arange(problem.horizon)
    keep = (e >= 0) & (months >= start)
    lower[e[keep]] = np.maximum(extra[keep] - problem.safety_stock[i][keep], 0.0)
    return Variant(
        "produce_to_upside",
        model.upper,
        model.row_upper,
        problem.mean_demand,
        problem.sigma,
        lower=lower,
    )


# --- pricing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Priced:
    row: dict[str, object]
    inventory_value: np.ndarray
    flows: np.ndarray


def _label(month) -> str:
    return pd.Timestamp(month).strftime("%b %Y")


def price(
    ctx: Context,
    issue: Issue,
    plan: PlanArrays,
    mean: np.ndarray,
    sigma: np.ndarray,
    x: np.ndarray,
) -> Priced:
    """An option's figures over the issue's items (module docstring)."""
    problem = ctx.problem
    items = issue.items
    fin = items[problem.finished[items]]
    lost = expected_lost(mean[fin], sigma[fin], plan.supply[fin])
    margin = np.maximum(problem.margin[fin], 0.0)[:, None]
    cost = problem.cost[items][:, None]
    economics = ctx.model_settings
    holding = float((plan.inventory[items] * cost).sum() * economics.holding_cost_rate / 12)
    resources = _routed(problem, items) if len(problem.resources) else np.zeros(0, int)
    ot_by_month = (plan.overtime[resources] * problem.overtime_rate[resources][:, None]).sum(0)
    expedited = plan.expedited[items] * cost * economics.expedite_premium
    bought = items[~problem.produced[items]]
    purchases = (
        (plan.receipts[bought] + plan.expedited[bought] + plan.scheduled[bought])
        * problem.cost[bought][:, None]
    ).sum(axis=0)
    revenue = (plan.sales[fin] * problem.price[fin][:, None]).sum(axis=0)
    flows = ctx.booked_revenue(revenue) - purchases - ot_by_month - expedited.sum(axis=0)
    expected = float(((mean[fin] - lost) * margin).sum())
    demand = float(mean[fin].sum())
    value = (plan.inventory[items] * cost).sum(axis=0)
    row = {
        "purchase_spend": float(purchases.sum()),
        "overtime_cost": float(ot_by_month.sum()),
        "expedite_cost": float(expedited.sum()),
        "holding_cost": holding,
        "lost_sales_qty": float(plan.lost[fin].sum()),
        "expected_revenue_at_risk": float((lost * problem.price[fin][:, None]).sum()),
        "expected_margin_at_risk": float((lost * margin).sum()),
        "expected_excess_value": float((plan.inventory[fin, -1] * problem.cost[fin]).sum()),
        "service_level": 1.0 - float(lost.sum()) / demand if demand > 0 else 1.0,
        "expected_margin": expected - float(ot_by_month.sum()) - float(expedited.sum()) - holding,
    }
    return Priced(row, value, flows)


# --- one issue --------------------------------------------------------------------------------


def _soft_firm(model: LpModel, problem: PlanProblem) -> LpModel:
    """The model with the decided production soft again (the plan fixed what it could make),
    and the open production orders' unfinished part too: an option without a lever the plan
    used (overtime, building ahead, an expedite of an open order's components) may make less
    of them, at the shortfall's cost, rather than be impossible."""
    lower, upper, cost = model.lower.copy(), model.upper.copy(), model.cost.copy()
    changed = False
    shortfall = firm_shortfall_cost(problem)
    for name, limit, price in (
        ("f", None, shortfall),
        ("u", problem.open_production, shortfall),
    ):
        short = model.columns[name]
        index = short[short >= 0]
        if not len(index):
            continue
        rows = np.nonzero(short >= 0)
        lower[index] = 0.0
        upper[index] = np.inf if limit is None else limit[rows]
        cost[index] = price[rows[0]]
        changed = True
    return replace(model, lower=lower, upper=upper, cost=cost) if changed else model


def _path_out_of_reach(problem: PlanProblem, plan: PlanArrays) -> str:
    """Where keeping to the cash path still leaves the stock the company would hold above it
    from the target month, how far above and why, in words; empty when the path is met. The
    plan's rows keep the planned stock within the path where they can (what is on hand and
    on order no plan can cut), leaving room for the base plan's lots; an option's purchases,
    rounded up to their lots after its solve (:mod:`.solution`), may hold more."""
    if problem.cash_path is None:
        return ""
    target = problem.cash_target_index
    cost = problem.cost[:, None]
    planned = (plan.plan_inventory * cost).sum(axis=0)[target:]
    held = (plan.inventory * cost).sum(axis=0)[target:]
    path = np.nan_to_num(problem.cash_path[target:], nan=np.inf)
    over = held - path
    if not len(over) or over.max() < MATERIAL:
        return ""
    lots = held[0] - planned[0]
    where = f"stock stays {over[0]:,.0f} above the path in {_label(problem.months[target])}"
    if (planned - path).max() >= MATERIAL:
        return (
            f"the path cannot be met: {where} even so ({lots:,.0f} of it purchases rounded up "
            "to their lots)"
        )
    return f"{where}: purchases rounded up to their lots"


def _solve_variant(ctx: Context, issue: Issue, variant: Variant) -> tuple[PlanArrays, np.ndarray]:
    problem = variant.problem or ctx.problem
    model = ctx.model if variant.problem is None else build_model(problem, ctx.model_settings)
    model = replace(
        model,
        upper=variant.upper.copy(),  # the buffer credits it refuses are taken away in it
        row_upper=variant.row_upper,
        lower=model.lower if variant.lower is None else variant.lower,
        cost=model.cost if variant.cost is None else variant.cost,
    )
    model = _soft_firm(model, problem)
    if variant.full_solve:  # the whole plan again, from the plan's basis, then from its own
        last = ctx.solution

        def resolve(start: np.ndarray) -> np.ndarray:
            nonlocal last
            last = solve(model, ctx.method, like=last)
            return last.x
    else:
        columns = _issue_columns(model, problem, issue)

        def resolve(start: np.ndarray) -> np.ndarray:
            return solve_restricted(model, columns, start, like=ctx.solution)

    # as the plan: no buffer kept at a month end while that month's sales are lost
    x = resolve(ctx.x)
    for _ in range(BUFFER_PASSES):
        if not drop_refused_buffers(problem, model, x):
            break
        x = resolve(x)
    return read_plan(problem, model, x), x


def _describe(ctx: Context, issue: Issue, name: str, plan: PlanArrays, base: PlanArrays) -> str:
    problem = ctx.problem
    months = problem.months
    if name == "plan_to_base":
        return {
            COMPONENT: f"Plan without expediting {' or '.join(issue.components)} and take the "
            "stockout risk",
            RESOURCE: f"Plan without overtime or building ahead on {issue.subject} and take "
            "the stockout risk",
            CASH: "Plan as it stands, the cash path a target it may exceed",
            FORECAST_CHANGE: "Plan to the base forecast and take the stockout risk",
        }[issue.category]
    items = issue.items
    if name == "expedite":
        rows = _expedited(ctx, issue, plan, base)  # what the option records (option_levers)
        qty, economics = plan.expedited[rows].sum(axis=1), ctx.model_settings
        named = [f"{q:,.0f} of {problem.items[r]}" for r, q in zip(rows, qty, strict=True)]
        what = _and(named or [f"0 of {issue.subject}"])
        close = pd.Timestamp(months[0]) - pd.Timedelta(days=1)
        arrival = close + pd.Timedelta(days=economics.expedite_arrival_days)
        serves = ""
        if not problem.finished[rows].all():  # a component arriving late in a month serves
            first = int(first_production_month(*lead_split(economics.expedite_arrival_days)))
            if first < problem.horizon:  # the next month's production
                serves = f" for {_label(months[first])}'s production"
        return (
            f"Expedite {what} at the meeting"
            f" ({economics.expedite_lead_time_days:g} days: in by {arrival:%d %b %Y},"
            f" {economics.expedite_premium:.0%} premium){serves}"
        )
    if name == "overtime":
        r = pd.Index(problem.resources).get_loc(issue.subject)
        hours = plan.overtime[r]
        used = np.flatnonzero(hours > TOL)
        span = _span(months[used]) if len(used) else ""
        return f"Plan {hours.sum():,.1f} h of overtime on {issue.subject} in {span}"
    if name == "prebuild":
        made = items[problem.finished[items]]
        extra = np.maximum(plan.inventory[made] - base.inventory[made], 0.0)
        by_month = extra.sum(axis=0)
        used = np.flatnonzero(by_month > TOL)
        span = _span(months[used]) if len(used) else ""
        return (
            f"Build {by_month.max():,.0f} units ahead on {issue.subject}'s spare capacity ({span})"
        )
    if name == "produce_to_upside":
        i = problem.items.get_loc(issue.subject)
        more = np.maximum(plan.inventory[i] - ctx.plan.inventory[i], 0.0).max()
        return (
            f"Produce {issue.subject} to the upside: hold up to {more:,.0f} more units for "
            "demand above the forecast"
        )
    if name == "relax_cash_path":
        return _relaxed_path(ctx, plan)
    if name == "keep_to_cash_path":
        return "Keep inventory within the dated cash path, whatever it costs in service"
    if name == "constrained_plan":
        return "Approve the constrained plan: " + _levers(ctx, issue, plan, base)
    return name


def _expedited(ctx: Context, issue: Issue, plan: PlanArrays, base: PlanArrays) -> np.ndarray:
    """The items (positions) an option expedites that plan to ``base`` does not: the issue's
    components, then any of its other items of which the option expedites at least half
    again (a component the extra goods also need), the most units first. An expedite the
    plan makes either way - give or take a lot's rounding - is not the option's decision."""
    problem = ctx.problem
    own = problem.items.get_indexer(list(issue.components)) if issue.category == COMPONENT else []
    own = np.asarray(own, dtype=np.int64)
    own = own[plan.expedited[own].sum(axis=1) > MATERIAL_UNITS]
    others = np.setdiff1d(issue.items, own)
    qty = plan.expedited[others].sum(axis=1)
    extra = qty - base.expedited[others].sum(axis=1)
    others = others[(extra > MATERIAL_UNITS) & (extra >= 0.5 * qty)]
    others = others[np.argsort(-plan.expedited[others].sum(axis=1), kind="stable")]
    return np.concatenate([own, others]).astype(np.int64)


def _and(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _relaxed_path(ctx: Context, plan: PlanArrays) -> str:
    """The relaxed path: when it holds more stock than the plan, and in which finished goods
    (the most value first), so the meeting can raise the path there by the option's peak."""
    problem = ctx.problem
    more = (plan.inventory - ctx.plan.inventory) * problem.cost[:, None]
    by_month = more.sum(axis=0)
    if by_month.max(initial=0.0) < MATERIAL:
        return "Relax the cash path: hold the stock the plan needs above the dated target"
    months = np.flatnonzero(by_month >= MATERIAL)
    when = _label(problem.months[months[0]])
    if months[-1] > months[0]:
        when += f"-{_label(problem.months[months[-1]])}"
    value = np.where(problem.finished, more.max(axis=1), 0.0)  # named: the finished goods
    held = np.flatnonzero(value >= MATERIAL)
    held = held[np.argsort(-value[held], kind="stable")]
    names = ", ".join(problem.items[held[:5]]) + (" and more" if len(held) > 5 else "")
    # how much: the option's extra_inventory_cash_peak, which the pack shows beside it
    return f"Relax the cash path: let the plan hold more stock in {when} ({names})"


def _levers(ctx: Context, issue: Issue, plan: PlanArrays, base: PlanArrays) -> str:
    problem = ctx.problem
    parts = []
    items = issue.items
    expedited = _expedited(ctx, issue, plan, base)
    if len(expedited):
        parts.append(f"expedite {', '.join(problem.items[expedited[:3]])}")
    resources = _routed(problem, items) if len(problem.resources) else np.zeros(0, int)
    hours = plan.overtime[resources].sum()
    if hours > TOL:
        parts.append(f"{hours:,.1f} h of overtime")
    made = items[problem.finished[items]]
    held = np.maximum(plan.inventory[made] - problem.safety_stock[made], 0).sum(axis=0).max()
    if held > TOL:
        parts.append(f"up to {held:,.0f} finished units held above their buffers")
    return ", ".join(parts) if parts else "no extra lever"


def _span(months) -> str:
    months = sorted(pd.DatetimeIndex(months))
    if not months:
        return ""
    if len(months) == 1:
        return _label(months[0])
    return f"{_label(months[0])}-{_label(months[-1])}"


def _variants(ctx: Context, issue: Issue, base_plan: PlanArrays) -> list[Variant]:
    model, problem = ctx.model, ctx.problem
    mean, sigma = problem.mean_demand, problem.sigma
    no_levers = _no_levers(ctx, issue)
    base = Variant("plan_to_base", no_levers, model.row_upper, mean, sigma)
    out = [base]
    if issue.category == COMPONENT:
        z = model.columns["z"][problem.items.get_indexer(list(issue.components))]
        if (z >= 0).any():
            out.append(Variant("expedite", model.upper, model.row_upper, mean, sigma))
        else:
            out.append(
                Variant(
                    "expedite",
                    model.upper,
                    model.row_upper,
                    mean,
                    sigma,
                    feasible=False,
                    note=(
                        "their lead times are no longer than an expedited order's"
                        if issue.partners
                        else "its lead time is no longer than an expedited order's"
                    ),
                )
            )
    if issue.category == RESOURCE:
        r = pd.Index(problem.resources).get_loc(issue.subject)
        overtime = no_levers.copy()
        overtime[model.columns["ot"][r]] = model.upper[model.columns["ot"][r]]
        note = "" if problem.overtime_capacity[r].sum() > 0 else "the resource has no overtime"
        out.append(
            Variant(
                "overtime", overtime, model.row_upper, mean, sigma, feasible=not note, note=note
            )
        )
        prebuild = no_levers.copy()
        e = model.columns["e"][issue.items]
        prebuild[e[e >= 0]] = model.upper[e[e >= 0]]
        if not _ahead_months(problem, issue).any():
            out.append(
                Variant(
                    "prebuild",
                    prebuild,
                    model.row_upper,
                    mean,
                    sigma,
                    feasible=False,
                    note="it binds in the first month: nothing can be built before it",
                )
            )
            prebuild = None
        if prebuild is not None:
            out.append(Variant("prebuild", prebuild, model.row_upper, mean, sigma))
    if issue.category in (COMPONENT, RESOURCE):
        out.append(_spread(ctx, issue, base_plan))
    if issue.category == FORECAST_CHANGE:
        out.append(_upside(ctx, issue))
    if issue.category == CASH:
        cash_rows, excess = model.rows["cash"], model.columns["v"]
        if ctx.model_settings.cash_path != "hard":  # the path a ceiling from its target month
            kept = model.cost.copy()
            hard = excess[problem.cash_target_index :]
            kept[hard[hard >= 0]] = UNREACHABLE_PENALTY
            out.append(
                Variant(
                    "keep_to_cash_path",
                    model.upper,
                    model.row_upper,
                    mean,
                    sigma,
                    full_solve=True,
                    cost=kept,
                )
            )
        relaxed = model.row_upper.copy()
        relaxed[cash_rows[cash_rows >= 0]] = np.inf
        relaxed_cost = model.cost.copy()
        relaxed_cost[excess[excess >= 0]] = 0.0
        out.append(
            Variant(
                "relax_cash_path",
                model.upper,
                relaxed,
                mean,
                sigma,
                full_solve=True,
                cost=relaxed_cost,
            )
        )
    if issue.category in (COMPONENT, RESOURCE):
        out.append(Variant("constrained_plan", model.upper, model.row_upper, mean, sigma))
    return out


@dataclass(frozen=True)
class OptionTables:
    """The option table of issues, what each option commits the company to (``levers``) and
    its plan for the issues' finished goods (``plans``), for applying and scoring a
    decision."""

    options: pd.DataFrame
    levers: pd.DataFrame
    plans: pd.DataFrame


def issue_tables(ctx: Context, issue: Issue) -> OptionTables:
    """The option table of one issue (the suggestion marked), its options' levers and
    plans."""
    problem = ctx.problem
    variants = _variants(ctx, issue, ctx.plan)
    solved: list[tuple[Variant, PlanArrays, np.ndarray]] = []
    if issue.category in (CASH, FORECAST_CHANGE):  # plan to base is the plan itself
        base_plan, base_x = ctx.plan, ctx.x
    else:
        try:
            base_plan, base_x = _solve_variant(ctx, issue, variants[0])
        except SolveError:  # no room with the rest of the plan held: re-plan every item
            variants[0].full_solve = True
            base_plan, base_x = _solve_variant(ctx, issue, variants[0])
    solved.append((variants[0], base_plan, base_x))
    if issue.category in (COMPONENT, RESOURCE):  # spread needs plan to base's lost sales
        variants = _variants(ctx, issue, base_plan)
    for variant in variants[1:]:
        if not variant.feasible:
            solved.append((variant, base_plan, base_x))
            continue
        if variant.name == "constrained_plan":
            solved.append((variant, ctx.plan, ctx.x))
            continue
        try:
            plan, x = _solve_variant(ctx, issue, variant)
        except SolveError:
            variant.feasible = False
            variant.note = "cannot be planned within the capacity, materials and lead times"
            plan, x = base_plan, base_x
        solved.append((variant, plan, x))
    priced = [price(ctx, issue, plan, v.mean, v.sigma, x) for v, plan, x in solved]
    base = priced[0]
    plan_flows = price(ctx, issue, ctx.plan, problem.mean_demand, problem.sigma, ctx.x).flows
    rows = []
    months = problem.months
    for (variant, plan, _), p in zip(solved, priced, strict=True):
        row = dict(p.row)
        row["option"] = variant.name
        row["extra_inventory_cash_peak"] = float(
            max(0.0, (p.inventory_value - base.inventory_value).max())
        )
        same = abs(p.row["expected_margin"] - base.row["expected_margin"]) < MATERIAL and (
            row["extra_inventory_cash_peak"] < MATERIAL
        )
        same = same or not _lever_used(ctx, issue, variant.name, plan, base_plan)
        feasible = variant.feasible and (variant.name == "plan_to_base" or not same)
        note = variant.note
        if variant.feasible and variant.name != "plan_to_base" and same:
            note = "does not change the plan: " + _why_not(ctx, variant.name, issue)
        row["is_feasible"] = bool(feasible)
        if not feasible:
            row["decision"] = ""
        else:
            row["decision"] = variant.decision or _describe(
                ctx, issue, variant.name, plan, base_plan
            )
        if variant.name == "keep_to_cash_path" and feasible:
            note = _path_out_of_reach(problem, plan) or note
        row["note"] = note
        if ctx.opening_cash is not None:
            net = ctx.cash.net + (p.flows - plan_flows)
            path = balances(ctx.opening_cash, net)
            row["cash_balance_end"] = float(path[-1])
            row["cash_low_point"] = float(path[low_point(path)])
            runway = ctx.cash.runway(ctx.opening_cash, net)
            row["runway_months"] = np.nan if runway is None else runway
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("cash_balance_end", "cash_low_point", "runway_months"):
        if column not in table.columns:
            table[column] = np.nan
    table["margin_vs_base"] = table["expected_margin"] - table["expected_margin"].iloc[0]
    allowed = table["is_feasible"].astype(bool).copy()
    if ctx.settings.max_extra_cash is not None:
        over = table["extra_inventory_cash_peak"] > ctx.settings.max_extra_cash + 1e-9
        table.loc[allowed & over, "note"] = table.loc[allowed & over, "note"].map(
            lambda n: (
                (n + "; " if n else "")
                + f"above the cash ceiling of {ctx.settings.max_extra_cash:,.0f}"
            )
        )
        allowed &= ~over
    allowed.iloc[0] = True
    best = table["expected_margin"].where(allowed).idxmax()
    table["is_suggested"] = table.index == best
    bound = [months[t] for t in issue.months] or list(months)
    table["first_month"] = min(bound)
    table["last_month"] = max(bound)
    table["issue"] = issue.key
    table["category"] = issue.category
    table["item"] = issue.subject
    table["partners"] = ", ".join(issue.partners)
    table["affected_items"] = ", ".join(issue.affected[:25]) + (
        f" and {len(issue.affected) - 25} more" if len(issue.affected) > 25 else ""
    )
    feasible = dict(zip(table["option"], table["is_feasible"].astype(bool), strict=True))
    levers = [
        option_levers(ctx, issue, variant, plan, base_plan, priced_row.row)
        for (variant, plan, _), priced_row in zip(solved, priced, strict=True)
        if feasible[variant.name]
    ]
    levers = [frame for frame in levers if len(frame)]
    plans = [
        option_plan(ctx, issue, variant, plan)
        for variant, plan, _ in solved
        if feasible[variant.name]
    ]
    plans = [frame for frame in plans if len(frame)]
    return OptionTables(
        table[OPTION_COLUMNS],
        pd.concat(levers, ignore_index=True) if levers else empty_levers(),
        pd.concat(plans, ignore_index=True) if plans else empty_option_plans(),
    )


# --- what a decision commits to -----------------------------------------------------------

LEVER_COLUMNS = ["issue", "option", "lever", "item", "resource", "month", "to_month", "qty"]
"""One row per commitment of an option: ``expedite`` (item, arrival month, units),
``production`` (item, month received, units made firm), ``overtime`` (resource, month,
hours), ``demand_shift`` (item, from ``month`` to ``to_month``, units), ``cash_path`` (the
path's mode for the next plan in ``item``: ``off`` or ``hard``), ``accept_risk`` (the expected
margin at risk plan to base accepts, in ``qty``)."""
PLAN_COLUMNS = [
    "issue",
    "option",
    "item",
    "month",
    "opening_qty",
    "supply_qty",
    "consumption_qty",
    "sales_qty",
    "lost_sales_qty",
    "inventory_qty",
    "unit_price",
    "unit_cost",
]


def _lever_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    if not rows:
        return empty_levers()
    frame = pd.DataFrame(rows, columns=LEVER_COLUMNS)
    for column in ("month", "to_month"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ns]")
    return frame.astype({"qty": float})


def option_levers(
    ctx: Context,
    issue: Issue,
    variant: Variant,
    plan: PlanArrays,
    base: PlanArrays,
    figures: dict[str, object],
) -> pd.DataFrame:
    """What choosing ``variant`` commits the company to (:data:`LEVER_COLUMNS`): its
    expedites, overtime, production above plan to base, or moved demand, in the issue's items
    and resources; plan to base the margin at risk it accepts."""
    problem, months, name = ctx.problem, ctx.problem.months, variant.name
    rows: list[dict[str, object]] = []

    def add(lever: str, item=None, resource=None, month=None, to=None, qty=np.nan) -> None:
        rows.append(
            {
                "issue": issue.key,
                "option": name,
                "lever": lever,
                "item": item,
                "resource": resource,
                "month": month,
                "to_month": to,
                "qty": float(qty),
            }
        )

    items = issue.items
    if name == "plan_to_base":
        add("accept_risk", qty=figures["expected_margin_at_risk"])
    if name in ("expedite", "constrained_plan"):
        chosen = _expedited(ctx, issue, plan, base)
        for i, t in zip(*np.nonzero(plan.expedited[chosen] > MATERIAL_UNITS), strict=True):
            add(
                "expedite",
                problem.items[chosen[i]],
                month=months[t],
                qty=plan.expedited[chosen[i], t],
            )
    if name in ("overtime", "constrained_plan") and len(problem.resources):
        # the overtime option approves hours on its resource; the constrained plan on every
        # resource its items are made on
        routed = (
            np.array([pd.Index(problem.resources).get_loc(issue.subject)])
            if name == "overtime"
            else _routed(problem, items)
        )
        hours = plan.overtime[routed]
        for r, t in zip(*np.nonzero(hours > 0.01), strict=True):
            add("overtime", resource=problem.resources[routed[r]], month=months[t], qty=hours[r, t])
    if name in ("prebuild", "produce_to_upside", "constrained_plan"):
        made = items[problem.produced[items] & problem.finished[items]]
        more = plan.receipts[made] > base.receipts[made] + MATERIAL_UNITS
        if name != "produce_to_upside":  # a pre-build is made firm where it builds ahead
            more &= _ahead_months(problem, issue)[None, :]
        for i, t in zip(*np.nonzero(more), strict=True):
            add(
                "production", problem.items[made[i]], month=months[t], qty=plan.receipts[made[i], t]
            )
    if name == "spread_deliveries" and variant.problem is not None:
        moved = problem.demand - variant.problem.demand
        for i, t in zip(*np.nonzero(moved > MATERIAL_UNITS), strict=True):
            to = months[t + 1] if t + 1 < problem.horizon else None
            add("demand_shift", problem.items[i], month=months[t], to=to, qty=moved[i, t])
    if name in ("relax_cash_path", "keep_to_cash_path"):
        add("cash_path", "off" if name == "relax_cash_path" else "hard")
    return _lever_frame(rows)


def option_plan(ctx: Context, issue: Issue, variant: Variant, plan: PlanArrays) -> pd.DataFrame:
    """The option's plan for the issue's finished goods (:data:`PLAN_COLUMNS`): what arrives
    each month (production, purchases, open orders, expedites), is consumed by other products,
    sold, lost and left; what a decision is replayed on once its months close."""
    problem = ctx.problem
    fin = issue.items[problem.finished[issue.items]]
    if not len(fin):
        return empty_option_plans()
    horizon = problem.horizon
    supply = plan.receipts[fin] + plan.expedited[fin] + plan.scheduled[fin]
    frame = pd.DataFrame(
        {
            "issue": issue.key,
            "option": variant.name,
            "item": np.repeat(np.asarray(problem.items[fin], dtype=object), horizon),
            "month": np.tile(problem.months, len(fin)),
            "opening_qty": np.repeat(problem.initial_stock[fin], horizon),
            "supply_qty": supply.ravel(),
            "consumption_qty": plan.consumption[fin].ravel(),
            "sales_qty": plan.sales[fin].ravel(),
            "lost_sales_qty": plan.lost[fin].ravel(),
            "inventory_qty": plan.inventory[fin].ravel(),
            "unit_price": np.repeat(problem.price[fin], horizon),
            "unit_cost": np.repeat(problem.cost[fin], horizon),
        }
    )
    return frame[PLAN_COLUMNS]


def empty_levers() -> pd.DataFrame:
    kinds = {c: "object" for c in LEVER_COLUMNS}
    kinds.update({"month": "datetime64[ns]", "to_month": "datetime64[ns]", "qty": "float"})
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in kinds.items()})[LEVER_COLUMNS]


def empty_option_plans() -> pd.DataFrame:
    kinds: dict[str, str] = {c: "float" for c in PLAN_COLUMNS}
    kinds.update({"issue": "object", "option": "object", "item": "object"})
    kinds["month"] = "datetime64[ns]"
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in kinds.items()})[PLAN_COLUMNS]


def _lever_used(ctx: Context, issue: Issue, name: str, plan: PlanArrays, base: PlanArrays) -> bool:
    """Whether an option's own lever changes the plan at all (an expedite expedites, overtime
    adds hours, a pre-build holds finished goods ahead), beyond the solver's tolerance."""
    problem = ctx.problem
    if name == "expedite":
        rows = problem.items.get_indexer(list(issue.components))
        return bool(plan.expedited[rows].sum() > MATERIAL_UNITS)
    if name == "overtime":
        r = pd.Index(problem.resources).get_loc(issue.subject)
        return bool(plan.overtime[r].sum() - base.overtime[r].sum() > 0.01)
    if name == "prebuild":
        made = issue.items[problem.finished[issue.items]]
        extra = (plan.inventory[made] - base.inventory[made]).sum(axis=0)
        return bool(extra.max(initial=0.0) > MATERIAL_UNITS)
    return True


def _overtime_why_not(ctx: Context, issue: Issue) -> str:
    """Why overtime on a binding resource changes nothing: it costs more than an hour earns
    where the resource binds, or there is none to add."""
    problem = ctx.problem
    r = pd.Index(problem.resources).get_loc(issue.subject)
    months = np.array(issue.months, dtype=np.int64)
    if not (problem.overtime_capacity[r][months] > MATERIAL_UNITS).any():
        return "the resource has no overtime in the months it binds"
    if ctx.solution is None:
        return "overtime costs more than it earns"
    worth = ctx.model.dual(ctx.solution.row_dual, "capacity")[r][months].max()
    if worth >= problem.overtime_rate[r]:
        return "what overtime would make, the plan's other levers already make"
    return (
        f"an hour of overtime costs {problem.overtime_rate[r]:,.2f}, more than the "
        f"{worth:,.2f} an hour of {issue.subject} earns where it binds"
    )


def _why_not(ctx: Context, name: str, issue: Issue) -> str:
    if name == "overtime" and issue.category == RESOURCE:
        return _overtime_why_not(ctx, issue)
    return {
        "expedite": f"{' and '.join(issue.components)} arrive in time or are not short"
        if issue.partners
        else f"{issue.subject} arrives in time or is not short",
        "prebuild": "no spare capacity before, within the shelf life, or nothing to gain",
        "produce_to_upside": "the plan already covers the upside or cannot make more",
        "relax_cash_path": "the cash path does not bind",
        "keep_to_cash_path": "the plan already keeps to the cash path",
        "constrained_plan": "the plan uses none of the levers",
    }.get(name, "no gain")


def option_tables(ctx: Context, issues: list[Issue], workers: int = 1) -> OptionTables:
    """The option tables of ``issues`` in order, with their levers and plans; empty (with
    their columns) when none.

    ``workers`` issues are priced at once (-1: one per core). Each issue's options are re-solves
    of their own models around the same base plan, nothing shared is written, and HiGHS
    releases Python's lock while it solves: the tables are the same as one after the other.
    The largest issues start first (the cash path's whole-plan re-solves, then the issues
    with the most items), so the last one to finish is a small one."""
    count = cores(workers)
    order = sorted(
        range(len(issues)),
        key=lambda k: (issues[k].category != CASH, -len(issues[k].items), k),
    )
    tables: list[OptionTables] = [None] * len(issues)  # type: ignore[list-item]
    if count <= 1 or len(issues) <= 1:
        for k in order:
            tables[k] = issue_tables(ctx, issues[k])
    else:
        with ThreadPoolExecutor(min(count, len(issues))) as pool:
            futures = {k: pool.submit(issue_tables, ctx, issues[k]) for k in order}
            for k, future in futures.items():
                tables[k] = future.result()
    levers = [t.levers for t in tables if len(t.levers)]
    plans = [t.plans for t in tables if len(t.plans)]
    return OptionTables(
        (
            pd.concat([t.options for t in tables], ignore_index=True)[OPTION_COLUMNS]
            if tables
            else empty_options()
        ),
        pd.concat(levers, ignore_index=True)[LEVER_COLUMNS] if levers else empty_levers(),
        pd.concat(plans, ignore_index=True)[PLAN_COLUMNS] if plans else empty_option_plans(),
    )


def empty_options() -> pd.DataFrame:
    kinds: dict[str, str] = {c: "float" for c in OPTION_COLUMNS}
    for column in ("issue", "category", "item", "option", "decision", "note", "affected_items"):
        kinds[column] = "object"
    kinds.update({"first_month": "datetime64[ns]", "last_month": "datetime64[ns]"})
    kinds.update({"is_feasible": "bool", "is_suggested": "bool"})
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in kinds.items()})[OPTION_COLUMNS]
