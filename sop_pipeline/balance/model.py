"""The constrained plan as a linear programme, built from a :class:`PlanProblem` with numpy.

Variables (all >= 0), per item ``i`` and month ``t`` unless said:

=========  ===================================================================================
``y``      releases: production started or purchase orders placed in month ``t``, received in
           month ``t + floor(l)`` (:mod:`.problem`)
``s``      sales of a finished good, at most its demand (what is not sold is lost)
``b``      buffer: the stock held at month end up to the safety-stock target
``e``      stock held at month end above the safety-stock target
``z``      per purchased item: units expedited at the meeting (``decision_delay_days`` after
           the plan month's close), received after the expedite lead time at the expedite
           premium (items whose lead time is longer)
``ot``     per resource and month: overtime hours, at most the overtime capacity
``v``      per month: inventory value above the dated cash path (a soft path's excess)
``f``      per item and month with firm production (a meeting's decided pre-build): units of
           it the plan does not release
``u``      per item and month in which an open production order that draws its components
           when received arrives: units of it not completed (its components short)
=========  ===================================================================================

Constraints:

- **Stock balance** (item, month; equality): stock at the end of the month before + receipts
  + open orders + expedited receipts = sales + components consumed by the parents released
  this month + stock at the month end (``b + e``). The opening stock enters month 0. Where
  the count still holds the components of open production orders
  (``PlanProblem.committed``), each order consumes them in the month it is received; ``u``
  of an order not completed neither arrives nor consumes, at
  :data:`FIRM_SHORTFALL_COST` x the item's price a unit (as decided production not made),
  so an open order is completed unless its components cannot be had.
- **Late arrivals** (finished good, month in which an order arrives a fraction ``f`` into the
  month): sales <= stock at the month's start + open orders + ``(1 - f)`` x demand; with units
  expedited to arrive earlier in that month (``f_e < f``) also counted at the start of the
  ordinary row, and a second row ``sales <= stock at the start + (1 - f_e) x demand``.
  An open order due a fraction ``g`` into its month (its due day) is stock at the start only
  for the rows of later arrivals; each distinct ``g`` of a finished good's month has its own
  row, ``sales <= stock at the start + what arrived before g + (1 - g) x demand``.
- **Components arriving late in a month** (component, month in which it arrives in the month's
  second half on a date the plan cannot move: an open order's due day, an expedite, the
  order placed at the close): such a component serves the next month's production,
  ``consumption <= stock at the month's start + what arrives in its first half``
  (:data:`LATE_IN_MONTH`).
- **Capacity** (resource, month): hours of the production received that month <= capacity
  + overtime, after the load of open production orders (open orders beyond capacity and
  overtime take all the overtime; an unfinished part ``u`` still holds its hours).
- **Shelf life** (item, month, where the holding window ends inside the horizon): the stock at
  a month end is used within the next ``window`` months, ``b + e <= use over the window +
  the stock that even selling everything possible would leave`` (:func:`forced_stock`).
- **Firm production** (item, month with a decided release): releases + ``f`` >= the firm
  quantity; ``f`` costs :data:`FIRM_SHORTFALL_COST` x the price a unit, so the plan makes what
  the meeting decided unless stock, capacity or materials no longer allow it.
- **Cash path** (month, when set): inventory value at cost ``sum_i cost_i (b + e) <= path``
  ``+ v``, less the stock the purchases' lots hold beyond the plan's quantities
  (``PlanProblem.lot_stock_value``, known after a first solve: see
  :func:`sop_pipeline.balance.plan.solve_scenario`). ``soft``: each dollar-month above the
  path costs ``cash_path_penalty`` (progress against the path is a target the plan weighs
  against margin); ``hard``: from the
  commitment's target month on, the path is a ceiling (``v`` at :data:`UNREACHABLE_PENALTY`,
  so exceeded only where no plan can meet it), before it soft; ``off``: no constraint.

Objective (minimised; the plan maximises the negative): ``- (price - cost) s`` (margin of
sales) ``+ h (b + e)`` (holding, ``holding_cost_rate / 12 x cost`` a month) ``+ penalty x
(safety stock - b)`` (a buffer shortfall, ``(1 - service level) x unit value`` a unit and
month: the expected margin the last unit of buffer protects) ``+ premium x cost x z +
overtime rate x ot + cash penalty x v``. The shortfall term is written ``- penalty x b`` and
its constant kept in :attr:`LpModel.constant`.

A buffer is stock kept while demand is served. Where the plan, short of supply, keeps one at
a month end while losing sales that month (other than the demand before a late order arrives),
it refuses a sale now to sell the same unit later and earn the buffer credit in between: the
same margin, plus the credit. No linear row rules that out without a cost of its own, so the
plan is re-solved without the credit at those item-months (:func:`buffer_while_short`; see
:func:`sop_pipeline.balance.plan.solve_scenario`).

**Purchased components beyond their lead time** (``ModelSettings.net_purchased``): a bought
component can be ordered in any quantity, to be in hand at a month's start, for every month
from its lead time rounded up to a whole month on (:func:`net_from`), and what it costs is
already in its parents' unit cost, so in those months it constrains nothing; it only holds
its buffer. Large models leave those item-months out of the LP and plan them afterwards
by netting (:class:`Netting`: each month's receipt tops its stock up to the safety stock after
the parents' consumption, exactly what the LP would do), which removes the components' rows
and columns (about half of a 10,000-item company's model). The months before, where stock,
open orders, expedites and the order placed at the close are all there is, stay in the LP
with their prices.
Only the objective's constant and, with a cash path, the component buffers' share of it
(counted at their targets) differ from the full model.

The model is laid out once as a column-wise sparse matrix (``scipy.sparse``), never by loops
over variables; see :mod:`.solver` for solving it whole or by independent blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import scipy.sparse as sp

from sop_pipeline.balance.problem import PlanProblem, forced_stock, lead_split

CashPathMode = Literal["off", "soft", "hard"]
UNREACHABLE_PENALTY = 1_000.0
"""Cost of a dollar-month of inventory above a hard cash path: above any margin a dollar of
stock earns, so the plan exceeds it only where no plan can meet it (and then by as little as
it can)."""
FIRM_SHORTFALL_COST = 10.0
"""Cost of a unit of decided (firm) production the plan does not make, in multiples of the
item's price (at least its cost, at least 1): far above what making it costs or earns, so the
plan makes what the meeting decided unless it cannot."""
BOUND_NOISE = 1e-9
"""Row bounds smaller than this (in units or dollars) are float noise and laid out as 0."""
MIN_UNIT_MARGIN = 1e-3
"""Margin counted on a sale whose price is unknown or below cost: such demand is served last
when supply is short, never refused when it is not."""


@dataclass(frozen=True)
class ModelSettings:
    """The economics and limits the model is built with (``balance``, ``decisions`` and
    ``capacity`` settings)."""

    holding_cost_rate: float = 0.25
    expedite_premium: float = 0.15
    expedite_lead_time_days: float = 14.0
    cash_path: CashPathMode = "soft"
    cash_path_penalty: float = 0.02
    net_purchased: bool = False
    decision_delay_days: float = 0.0
    """Days from the plan month's close to the meeting that decides the levers: an expedite
    is ordered then, so it arrives ``decision_delay_days + expedite_lead_time_days`` after
    the close."""

    @property
    def expedite_arrival_days(self) -> float:
        """Days from the plan month's close to an expedite's arrival."""
        return self.decision_delay_days + self.expedite_lead_time_days


LATE_IN_MONTH = 0.5
"""A component that arrives this fraction of a month or later into a month, on a date the plan
cannot move, serves the next month's production; one that arrives earlier serves its own
month's. The plan releases production once a month, so each arrival is put at the nearer
month start: production that waits for a delivery on the 10th still makes most of the
month's goods, one that waits for the 25th makes goods for the next month. Either way the
plan is off by at most half a month's production of the items it makes, never a whole month
(as counting every arrival from its month's start, or none before the next, would be)."""


def first_production_month(whole: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """The first month whose production a component arriving ``whole + fraction`` months
    after the close serves: its arrival month, or the next one when it arrives late in it
    (:data:`LATE_IN_MONTH`)."""
    return (np.asarray(whole) + (np.asarray(fraction) >= LATE_IN_MONTH)).astype(np.int64)


def net_from(problem: PlanProblem) -> np.ndarray:
    """The first month a bought component can be netted outside the LP: the first whose
    production the order placed at the close serves (a fixed date arriving late in a month
    serves the next month's: the LP keeps that month)."""
    return first_production_month(problem.lead_whole, problem.lead_fraction)


class Netting:
    """Purchased components' item-months planned outside the LP (module docstring).

    Rows ``items`` (bought components with a netted month) are netted from month ``start``
    (:func:`net_from`) on: the receipt of month ``t`` brings the stock, after the month's
    open orders and the parents' consumption, up to the safety stock (never below zero); it is
    ordered ``lead_whole`` months before. The last solution's netted blocks are kept, so the
    reads of one solution (``y``, ``b``, ``e``) net it once.
    """

    def __init__(self, problem: PlanProblem, items: np.ndarray) -> None:
        self.problem = problem
        self.items = items
        self.start = net_from(problem)[items]
        self.lead = problem.lead_whole[items].astype(np.int64)
        self._last: tuple[np.ndarray, dict[str, np.ndarray]] | None = None

    def fill(self, model: LpModel, x: np.ndarray) -> dict[str, np.ndarray]:
        """``y``, ``b`` and ``e`` of solution ``x`` with the netted item-months planned."""
        if self._last is not None and self._last[0] is x:
            return self._last[1]
        problem, rows, start = self.problem, self.items, self.start
        y, b, e = (model.raw_value(x, name) for name in ("y", "b", "e"))
        horizon = y.shape[1]
        unfinished = np.maximum(model.raw_value(x, "u"), 0.0)
        consumption = problem.consumption(np.maximum(y, 0.0)) + problem.component_draw(unfinished)
        stock = np.where(start > 0, (b + e)[rows, np.maximum(start - 1, 0)], 0.0)
        receipts = np.zeros((len(rows), horizon))
        for t in range(horizon):
            active = t >= start
            available = stock + problem.scheduled[rows, t] - consumption[rows, t]
            if t == 0:
                available = available + problem.initial_stock[rows]
            target = problem.safety_stock[rows, t]
            level = np.maximum(available, target)
            receipts[:, t] = np.where(active, level - available, 0.0)
            stock = np.where(active, level, stock)
            b[rows, t] = np.where(active, np.minimum(level, target), b[rows, t])
            e[rows, t] = np.where(active, level - b[rows, t], e[rows, t])
        months = np.arange(horizon)
        release = months[None, :] - self.lead[:, None]  # ordered lead_whole months before
        keep = (release >= 0) & (months[None, :] >= start[:, None])
        y[np.broadcast_to(rows[:, None], keep.shape)[keep], release[keep]] = receipts[keep]
        self._last = (x, {"y": y, "b": b, "e": e})
        return self._last[1]


@dataclass
class LpModel:
    """A minimisation ``min c x`` s.t. ``row_lower <= A x <= row_upper``, ``lower <= x <=
    upper``, with the index of every variable and constraint block.

    ``columns[name]`` and ``rows[name]`` hold the column (row) of each entry of a block
    (``(items, months)``, ``(resources, months)``, ``(items,)`` or ``(months,)``; -1 where the
    variable or constraint does not exist).
    """

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    matrix: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    columns: dict[str, np.ndarray]
    rows: dict[str, np.ndarray]
    constant: float = 0.0
    penalty: np.ndarray = field(default_factory=lambda: np.zeros(0))
    expedite_month: int = -1
    netting: Netting | None = None

    @property
    def n_cols(self) -> int:
        return len(self.cost)

    @property
    def n_rows(self) -> int:
        return len(self.row_lower)

    def value(self, x: np.ndarray, name: str) -> np.ndarray:
        """A variable block's values (0 where the variable does not exist; the planned
        quantities where purchased components are netted outside the LP)."""
        if self.netting is not None and name in ("y", "b", "e"):
            return self.netting.fill(self, x)[name].copy()  # the netted blocks are kept
        return self.raw_value(x, name)

    def raw_value(self, x: np.ndarray, name: str) -> np.ndarray:
        """A variable block's values in the LP (0 where the variable does not exist)."""
        index = self.columns[name]
        return np.where(index >= 0, x[np.maximum(index, 0)], 0.0) if index.size else index * 0.0

    def dual(self, row_dual: np.ndarray, name: str) -> np.ndarray:
        """A constraint block's shadow prices in margin terms (what one more unit of the
        constraint's right-hand side is worth; 0 where the constraint does not exist)."""
        index = self.rows[name]
        if not index.size:
            return index * 0.0
        return np.where(index >= 0, -row_dual[np.maximum(index, 0)], 0.0)


class _Layout:
    """Hands out column and row numbers block by block and collects matrix entries."""

    def __init__(self) -> None:
        self.n_cols = 0
        self.n_rows = 0
        self.columns: dict[str, np.ndarray] = {}
        self.rows: dict[str, np.ndarray] = {}
        self.cost: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.row_lower: list[np.ndarray] = []
        self.row_upper: list[np.ndarray] = []
        self.entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add_columns(self, name, mask, cost, upper, lower=0.0) -> np.ndarray:
        mask = np.asarray(mask, dtype=bool)
        index = np.full(mask.shape, -1, dtype=np.int64)
        count = int(mask.sum())
        index[mask] = self.n_cols + np.arange(count)
        self.n_cols += count
        self.columns[name] = index
        self.cost.append(np.broadcast_to(cost, mask.shape)[mask].astype(float))
        self.upper.append(np.broadcast_to(upper, mask.shape)[mask].astype(float))
        self.lower.append(np.broadcast_to(lower, mask.shape)[mask].astype(float))
        return index

    def add_rows(self, name, mask, lower, upper) -> np.ndarray:
        mask = np.asarray(mask, dtype=bool)
        index = np.full(mask.shape, -1, dtype=np.int64)
        count = int(mask.sum())
        index[mask] = self.n_rows + np.arange(count)
        self.n_rows += count
        self.rows[name] = index
        for bounds, value in ((self.row_lower, lower), (self.row_upper, upper)):
            value = np.broadcast_to(value, mask.shape)[mask].astype(float)
            # float noise of the input arithmetic (1e-16 of stock) is 0 to HiGHS, not a bound
            bounds.append(np.where(np.abs(value) < BOUND_NOISE, 0.0, value))
        return index

    def add(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        """Entries ``A[rows, cols] += values`` where both exist (row and column >= 0)."""
        rows, cols = np.broadcast_arrays(np.asarray(rows), np.asarray(cols))
        values = np.broadcast_to(np.asarray(values, dtype=float), rows.shape).ravel()
        rows, cols = rows.ravel(), cols.ravel()
        keep = (rows >= 0) & (cols >= 0) & (values != 0)
        self.entries.append((rows[keep], cols[keep], values[keep]))

    def finish(
        self,
        constant: float,
        penalty: np.ndarray,
        expedite_month: int,
        netting: Netting | None = None,
    ) -> LpModel:
        rows = np.concatenate([e[0] for e in self.entries]) if self.entries else np.zeros(0, int)
        cols = np.concatenate([e[1] for e in self.entries]) if self.entries else np.zeros(0, int)
        vals = np.concatenate([e[2] for e in self.entries]) if self.entries else np.zeros(0)
        matrix = sp.csc_matrix((vals, (rows, cols)), shape=(self.n_rows, self.n_cols))
        matrix.sum_duplicates()
        return LpModel(
            cost=np.concatenate(self.cost),
            lower=np.concatenate(self.lower),
            upper=np.concatenate(self.upper),
            matrix=matrix,
            row_lower=np.concatenate(self.row_lower) if self.row_lower else np.zeros(0),
            row_upper=np.concatenate(self.row_upper) if self.row_upper else np.zeros(0),
            columns=self.columns,
            rows=self.rows,
            constant=constant,
            penalty=penalty,
            expedite_month=expedite_month,
            netting=netting,
        )


def _shift(index: np.ndarray, months: np.ndarray, by: np.ndarray | int) -> np.ndarray:
    """``index`` moved ``by`` months later along axis 1 (-1 where it falls off the horizon):
    the target month of each entry of a ``(rows, months)`` block."""
    target = months[None, :] + np.asarray(by).reshape(-1, 1)
    return np.where(target < index.shape[1], target, -1)


def _at(block: np.ndarray, rows: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``block[rows, months]`` with -1 wherever the month is -1."""
    return np.where(months >= 0, block[rows, np.maximum(months, 0)], -1)


def _open_arrival_rows(
    layout: _Layout,
    problem: PlanProblem,
    opening: np.ndarray,
    s: np.ndarray,
    b: np.ndarray,
    e: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    sells: np.ndarray,
    fast_whole: int,
    fast_frac: float,
) -> None:
    """Rows ``arrival_open`` ``(items, months, k)``: an open order due a fraction ``g`` into
    its month serves only the demand after it, ``sales <= stock at the month's start + what
    arrived before g + (1 - g) x demand``, one row per distinct ``g`` of a finished good's
    month (``k`` the most in any month); receipts and expedites count where they arrive
    before ``g``."""
    n, horizon = problem.n_items, problem.horizon
    cuts = problem.open_order_cuts()
    cuts = cuts[sells[cuts["row"].to_numpy(int), cuts["col"].to_numpy(int)]]
    rank = cuts.groupby(["row", "col"]).cumcount().to_numpy()
    depth = int(rank.max()) + 1 if len(cuts) else 1
    at = (cuts["row"].to_numpy(int), cuts["col"].to_numpy(int), rank)
    g = np.full((n, horizon, depth), np.nan)
    g[at] = cuts["fraction"].to_numpy()
    mask = ~np.isnan(g)
    before = np.zeros_like(g)  # the month's open orders that arrive before each cut
    before[at] = cuts["before"].to_numpy()
    gap = np.nan_to_num(g)
    upper = opening[:, :, None] + before + (1 - gap) * problem.demand[:, :, None]
    rows = layout.add_rows("arrival_open", mask, -np.inf, upper)
    layout.add(rows, s[:, :, None], 1.0)
    for block in (b, e):
        layout.add(rows[:, 1:, :], block[:, :-1, None], -1.0)
    months = np.arange(horizon)
    source = months[None, :] - problem.lead_whole[:, None]
    item_rows = np.repeat(np.arange(n)[:, None], horizon, axis=1)
    arriving = np.where(source >= 0, y[item_rows, np.maximum(source, 0)], -1)
    earlier = problem.lead_fraction[:, None, None] < gap
    layout.add(np.where(earlier, rows, -1), arriving[:, :, None], -1.0)
    if fast_whole < horizon:
        fast_rows = np.where(fast_frac < gap[:, fast_whole, :], rows[:, fast_whole, :], -1)
        layout.add(fast_rows, z[:, None], -1.0)


def _component_start_rows(
    layout: _Layout,
    problem: PlanProblem,
    opening: np.ndarray,
    y: np.ndarray,
    b: np.ndarray,
    e: np.ndarray,
    z: np.ndarray,
    kept: np.ndarray,
    fast_whole: int,
    fast_frac: float,
) -> None:
    """Rows ``component_start`` ``(items, months)``: a component arriving in the second half of
    a month (:data:`LATE_IN_MONTH`) on a date the plan cannot move - an open order's due day,
    an expedite, the order placed at the close - serves the next month's production:
    ``consumption <= stock at the month's start + what arrives in its first half``. A later
    planned receipt counts from its month's start (it can be placed that fraction of a month
    earlier). Only where such an arrival exists; elsewhere the stock balance says the same."""
    n, horizon = problem.n_items, problem.horizon
    months = np.arange(horizon)
    component = np.zeros(n, bool)
    component[problem.edge_comp] = True
    whole, frac = problem.lead_whole, problem.lead_fraction
    in_time = problem.scheduled_before(LATE_IN_MONTH)
    late = problem.scheduled - in_time > BOUND_NOISE
    first = (frac >= LATE_IN_MONTH) & (y[:, 0] >= 0) & (whole < horizon)
    late[first, whole[first]] = True
    fast_late = fast_frac >= LATE_IN_MONTH
    if fast_whole < horizon and fast_late:
        late[:, fast_whole] |= z >= 0
    mask = component[:, None] & kept & late
    rows = layout.add_rows("component_start", mask, -np.inf, opening + in_time)
    if not mask.any():
        return
    layout.add(rows[problem.edge_comp], y[problem.edge_parent], problem.edge_factor[:, None])
    for block in (b, e):
        layout.add(rows[:, 1:], block[:, :-1], -1.0)
    item_rows = np.repeat(np.arange(n)[:, None], horizon, axis=1)
    arrival = _shift(y, months, whole)
    # released after the close (its order can be placed earlier), or arriving in time
    counted = (frac < LATE_IN_MONTH)[:, None] | (months[None, :] >= 1)
    layout.add(_at(rows, item_rows, np.where(counted, arrival, -1)), y, -1.0)
    if fast_whole < horizon and not fast_late:
        layout.add(rows[:, fast_whole], z, -1.0)


def component_dual(model: LpModel, row_dual: np.ndarray) -> np.ndarray:
    """``(items, months)``: what one more unit of a component in hand at a month's start is
    worth: its stock balance's shadow price plus its start-of-month row's."""
    return model.dual(row_dual, "balance") + model.dual(row_dual, "component_start")


ARRIVAL_ROWS = ("arrival", "arrival_fast", "arrival_open")
"""The row blocks that keep a month's sales to the demand after its supply arrives."""


def buffer_penalty(problem: PlanProblem) -> np.ndarray:
    """Cost of a unit-month of buffer below target: ``(1 - service level) x unit value``."""
    return (1.0 - problem.service_level) * problem.unit_value


def firm_shortfall_cost(problem: PlanProblem) -> np.ndarray:
    """Cost of a unit of firm production not made, per item (:data:`FIRM_SHORTFALL_COST`)."""
    return FIRM_SHORTFALL_COST * np.maximum(np.maximum(problem.price, problem.cost), 1.0)


def build_model(problem: PlanProblem, settings: ModelSettings = ModelSettings()) -> LpModel:
    """Lay ``problem`` out as an :class:`LpModel` (module docstring)."""
    n, horizon = problem.n_items, problem.horizon
    months = np.arange(horizon)
    item_rows = np.repeat(np.arange(n)[:, None], horizon, axis=1)
    whole, frac = problem.lead_whole, problem.lead_fraction
    holding = settings.holding_cost_rate / 12.0 * problem.cost
    penalty = buffer_penalty(problem)
    margin = np.maximum(np.nan_to_num(problem.margin, nan=0.0), MIN_UNIT_MARGIN)
    layout = _Layout()
    bought = ~problem.produced & ~problem.finished & settings.net_purchased
    netted = bought[:, None] & (months[None, :] >= net_from(problem)[:, None])
    kept = ~netted

    # --- variables -----------------------------------------------------------------------
    # a netted item's orders arrive in its netted months and are left out of the LP, but for
    # the order at the close that arrives late in a month (its date fixed: the month stays)
    fixed_first = (months[None, :] == 0) & (frac >= LATE_IN_MONTH)[:, None]
    arrives = (months[None, :] + whole[:, None] < horizon) & (~bought[:, None] | fixed_first)
    y = layout.add_columns("y", arrives, 0.0, np.inf)
    # every finished good and month has a sales column (demand 0: bounded at 0), so a model
    # of other demand has the same layout and a solution of one is a start for the other
    s = layout.add_columns(
        "s",
        np.repeat(problem.finished[:, None], horizon, axis=1),
        -margin[:, None],
        problem.demand,
    )
    has_buffer = (problem.safety_stock > 0) & kept
    b = layout.add_columns("b", has_buffer, (holding - penalty)[:, None], problem.safety_stock)
    e = layout.add_columns("e", kept, holding[:, None], np.inf)
    fast_whole, fast_frac = lead_split(np.array([settings.expedite_arrival_days]))
    lead = whole + frac
    expeditable = ~problem.produced & (lead > fast_whole[0] + fast_frac[0] + 1e-9)
    expeditable &= fast_whole[0] < horizon
    if fast_whole[0] < horizon:
        expeditable &= kept[:, fast_whole[0]]
    z = layout.add_columns("z", expeditable, settings.expedite_premium * problem.cost, np.inf)
    n_res = len(problem.resources)
    ot = layout.add_columns(
        "ot",
        np.ones((n_res, horizon), bool),
        problem.overtime_rate[:, None] if n_res else 0.0,
        problem.overtime_capacity,
        # approved overtime is worked (and paid) whatever the plan makes in it
        lower=np.minimum(problem.firm_overtime, problem.overtime_capacity),
    )
    path = problem.cash_path
    use_path = path is not None and settings.cash_path != "off"
    has_path = np.isfinite(path) if use_path else np.zeros(horizon, bool)
    path_cost = np.full(horizon, settings.cash_path_penalty)
    if settings.cash_path == "hard":
        path_cost[problem.cash_target_index :] = UNREACHABLE_PENALTY
    v = layout.add_columns("v", has_path, path_cost, np.inf)

    # open production orders not completed (their components short); see the docstring
    open_production = problem.open_production
    u = layout.add_columns(
        "u", (open_production > 0) & kept, firm_shortfall_cost(problem)[:, None], open_production
    )

    # --- stock balance: b + e - (b + e)[t-1] - receipts - z + s + consumption = open orders --
    # (less the components the open production orders draw when received)
    rhs = problem.scheduled - problem.committed
    rhs[:, 0] += problem.initial_stock
    balance = layout.add_rows("balance", kept, rhs, rhs)
    for block in (b, e):
        layout.add(balance, block, 1.0)
        layout.add(balance[:, 1:], block[:, :-1], -1.0)
    arrival = _shift(y, months, whole)
    layout.add(_at(balance, item_rows, arrival), y, -1.0)
    expedited = np.flatnonzero(z >= 0)
    if len(expedited):
        layout.add(balance[expedited, fast_whole[0]], z[expedited], -1.0)
    layout.add(balance, s, 1.0)
    layout.add(balance, u, 1.0)
    if len(problem.edge_parent):
        parent, comp, factor = problem.edge_parent, problem.edge_comp, problem.edge_factor
        layout.add(balance[comp], y[parent], factor[:, None])
        layout.add(balance[comp], u[parent], -factor[:, None])

    # --- late arrivals: sales <= stock at the month's start + (1 - f) x demand ---------------
    # an ordinary order received a fraction f into month a serves only the demand after it;
    # units expedited to arrive earlier in that month (f_e < f) serve from f_e: the demand
    # before f comes from the month's opening stock and those units, the demand before f_e
    # from the opening stock alone (two rows where both arrive in the month)
    opening = np.zeros((n, horizon))
    opening[:, 0] = problem.initial_stock
    sells = s >= 0
    late = sells & (frac > 0)[:, None] & (months[None, :] >= whole[:, None])
    bound = opening + problem.scheduled_before(frac) + (1 - frac)[:, None] * problem.demand
    arrive = layout.add_rows("arrival", late, -np.inf, bound)
    layout.add(arrive, s, 1.0)
    for block in (b, e):
        layout.add(arrive[:, 1:], block[:, :-1], -1.0)
    if len(expedited):
        layout.add(arrive[expedited, fast_whole[0]], z[expedited], -1.0)
    fast = np.zeros((n, horizon), bool)
    if len(expedited) and fast_frac[0] > 0:
        fast[expedited, fast_whole[0]] = sells[expedited, fast_whole[0]]
    fast_bound = (
        opening + problem.scheduled_before(fast_frac[0]) + (1 - fast_frac[0]) * problem.demand
    )
    arrive_fast = layout.add_rows("arrival_fast", fast, -np.inf, fast_bound)
    layout.add(arrive_fast, s, 1.0)
    for block in (b, e):
        layout.add(arrive_fast[:, 1:], block[:, :-1], -1.0)
    on_time = (frac == 0)[:, None] & (arrival >= 0)
    layout.add(_at(arrive_fast, item_rows, np.where(on_time, arrival, -1)), y, -1.0)
    _open_arrival_rows(layout, problem, opening, s, b, e, y, z, sells, fast_whole[0], fast_frac[0])
    _component_start_rows(layout, problem, opening, y, b, e, z, kept, fast_whole[0], fast_frac[0])

    # --- capacity: hours received - overtime <= capacity - open orders' load ---------------
    capacity = layout.add_rows(
        "capacity",
        np.ones((n_res, horizon), bool),
        -np.inf,
        # open orders beyond capacity and overtime take all the overtime and leave no room
        np.maximum(problem.capacity - problem.fixed_load, -problem.overtime_capacity),
    )
    if len(problem.route_item):
        item, res, hours = problem.route_item, problem.route_resource, problem.route_hours
        res_rows = np.repeat(res[:, None], horizon, axis=1)
        routed_y = y[item]
        received = _shift(routed_y, months, whole[item])
        layout.add(_at(capacity, res_rows, received), routed_y, hours[:, None])
    layout.add(capacity, ot, -1.0)

    # --- shelf life: stock at month end used within the window ------------------------------
    _shelf_rows(layout, problem, y, s, b, e, kept)

    # --- firm production: releases + shortfall >= what a meeting made firm ------------------
    # soft, so a plan whose stock, capacity or materials changed since the decision still
    # solves; each unit short costs FIRM_SHORTFALL_COST x its price, above any margin it earns
    firm = (problem.firm_release > BOUND_NOISE) & (y >= 0)
    short = layout.add_columns("f", firm, firm_shortfall_cost(problem)[:, None], np.inf)
    firm_rows = layout.add_rows("firm", firm, problem.firm_release, np.inf)
    layout.add(firm_rows, y, 1.0)
    layout.add(firm_rows, short, 1.0)

    # --- cash path: inventory value - v <= path ----------------------------------------------
    path_values = np.where(has_path, path, 0.0) if use_path else np.zeros(horizon)
    # netted components hold their buffers whatever the plan: their value takes its share;
    # so does the stock the purchases' lots hold beyond the plan's quantities
    path_values = path_values - (problem.cost[:, None] * problem.safety_stock * netted).sum(0)
    if problem.lot_stock_value is not None:
        path_values = path_values - problem.lot_stock_value
    cash = layout.add_rows("cash", has_path, -np.inf, path_values)
    if has_path.any():
        cash_rows = np.repeat(cash[None, :], n, axis=0)
        for block in (b, e):
            layout.add(cash_rows, block, problem.cost[:, None])
        layout.add(cash, v, -1.0)

    constant = float((penalty[:, None] * problem.safety_stock).sum())
    # a netted buffer is held at its target: its holding, and no shortfall
    constant += float(((holding - penalty)[:, None] * problem.safety_stock * netted).sum())
    netting = Netting(problem, np.flatnonzero(netted.any(axis=1))) if netted.any() else None
    return layout.finish(constant, penalty, int(fast_whole[0]) if (z >= 0).any() else -1, netting)


def _shelf_rows(layout: _Layout, problem: PlanProblem, y, s, b, e, kept) -> None:
    """``b + e - sum of use over the next window months <= forced leftover``, for every item
    and month whose window ends inside the horizon (and that the LP plans, ``kept``)."""
    n, horizon = problem.n_items, problem.horizon
    window = problem.window
    months = np.arange(horizon)
    limited = (window >= 0)[:, None] & (months[None, :] + window[:, None] <= horizon - 1)
    limited &= kept
    held, sold = forced_stock(problem)
    cum_sold = np.concatenate([np.zeros((n, 1)), np.cumsum(sold, axis=1)], axis=1)
    end = np.minimum(months[None, :] + np.maximum(window, 0)[:, None], horizon - 1)
    later_sales = cum_sold[np.arange(n)[:, None], end + 1] - cum_sold[:, 1:]
    rhs = np.maximum(held - later_sales, 0.0)
    shelf = layout.add_rows("shelf", limited, -np.inf, rhs)
    if not limited.any():
        return
    for block in (b, e):
        layout.add(shelf, block, 1.0)
    # use in month u enters every row t with t < u <= t + window
    for lag in range(1, min(int(window.max()), horizon - 1) + 1):
        rows = np.where(window[:, None] >= lag, shelf, -1)[:, : horizon - lag]
        layout.add(rows, s[:, lag:], -1.0)
        if len(problem.edge_parent):
            comp, parent = problem.edge_comp, problem.edge_parent
            layout.add(rows[comp], y[parent][:, lag:], -problem.edge_factor[:, None])


BUFFER_PASSES = 5
"""How many times a plan is solved again without the buffer credit where it keeps a buffer
while losing sales (:func:`drop_refused_buffers`)."""


def drop_refused_buffers(problem: PlanProblem, model: LpModel, x: np.ndarray) -> bool:
    """Take the buffer credit away (``model.upper`` of ``b`` set to 0, in place) at the
    item-months where solution ``x`` keeps a buffer while losing sales
    (:func:`buffer_while_short`); whether there were any, i.e. whether to solve again. A plan,
    and each option re-solved from it, is solved again until there are none, at most
    :data:`BUFFER_PASSES` times."""
    refused = buffer_while_short(problem, model, x)
    model.upper[model.columns["b"][refused]] = 0.0
    return bool(refused.any())


def buffer_while_short(
    problem: PlanProblem, model: LpModel, x: np.ndarray, tolerance: float = 1e-6
) -> np.ndarray:
    """Item-months (``(items, months)``, bool) where solution ``x`` keeps a buffer at the month
    end (``b > 0``) while losing sales that month for another reason than an order arriving
    late in it (no late-arrival row of the item and month is binding)."""
    lost = problem.demand - model.value(x, "s")
    short = (lost > tolerance * np.maximum(problem.demand, 1.0)) & (model.value(x, "b") > tolerance)
    if not short.any():
        return short
    activity = model.matrix @ x
    timed = np.zeros_like(short)
    for name in ARRIVAL_ROWS:
        index = model.rows[name]
        exists = index >= 0
        slack = np.full(index.shape, np.inf)
        slack[exists] = model.row_upper[index[exists]] - activity[index[exists]]
        if index.ndim == 3:  # arrival_open: any of the month's open orders
            slack = slack.min(axis=2, initial=np.inf)
        timed |= slack <= tolerance * np.maximum(problem.demand, 1.0)
    return short & ~timed


def arrival_dual(model: LpModel, row_dual: np.ndarray) -> np.ndarray:
    """``(items, months)``: the highest shadow price of an item-month's arrival rows (orders
    arriving late in the month: a planned receipt, an expedite, an open order)."""
    duals = []
    for name in ARRIVAL_ROWS:
        dual = model.dual(row_dual, name)
        duals.append(dual.max(axis=2, initial=0.0) if dual.ndim == 3 else dual)
    return np.maximum.reduce(duals)
