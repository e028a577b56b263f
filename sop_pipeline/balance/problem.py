"""The constrained plan's inputs as arrays: one :class:`PlanProblem` per demand scenario.

Everything is laid out over items (rows, item-master order) and the horizon's months (columns
0..T-1, month 0 being the first month after the plan month), or over resources and months.

Timing conventions (monthly buckets, as the supply stage):

- **Lead time.** ``l = lead_time_days / 30.4375`` months. An order released in month ``r``
  is received in month ``r + floor(l)``, a fraction ``f = l - floor(l)`` into it; month 0's
  releases go out at the plan month's close. Customers buy evenly through a month, so a
  finished good received a fraction ``f`` into a month serves at most ``1 - f`` of that
  month's demand, the rest coming from the stock on hand at the month's start (the supply gaps
  replay's rule): an item made in 10 days loses the first third of a month it starts without
  stock.
- **Components** are consumed (with the BOM's scrap) when their parent's order is released.
  The plan releases production once a month, so a component's arrival is put at the nearer
  month start: one that arrives in the second half of a month on a date the plan cannot move
  (an open order's due day, an expedite, the order placed at the close) serves the next
  month's production, one that arrives in the first half its own month's (production waits
  for it); a later planned receipt counts from its month's start (the order can be placed
  that fraction of a month earlier). The plan does not chain the days inside a month across
  BOM levels, so a month's production is off by at most half a month of what waits for a
  component (``model.LATE_IN_MONTH``).
- **Capacity** is loaded in the month the production order is received (the rough-cut plan's
  convention: an order loads the month it is due).
- **Stock.** Usable stock at the close, less what will expire before it can be used (the
  shelf-life risk's first-expiry-first-out projection), opens the plan; open orders arrive when
  due (late ones ``supply.late_po_delay_months`` after month 1, or their lead time after the
  close when sooner).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from sop_pipeline.supply._common import DAYS_PER_MONTH
from sop_pipeline.supply.network import OpenArrivals


def lead_split(lead_time_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole months and the fraction of a month of each lead time: ``(floor(l), l - floor(l))``
    with ``l = lead_time_days / 30.4375`` (a fraction within 1e-9 of a whole month is 0)."""
    months = np.nan_to_num(np.asarray(lead_time_days, dtype=float), nan=0.0) / DAYS_PER_MONTH
    whole = np.floor(months + 1e-9)
    fraction = months - whole
    fraction = np.where(fraction < 1e-9, 0.0, fraction)
    return whole.astype(np.int64), fraction


@dataclass(frozen=True)
class PlanProblem:
    """One scenario's planning problem as arrays.

    Attributes:
        items: Item names (rows).
        months: First days of the horizon's months (columns).
        finished: Finished goods (their demand is sold; the rest only feeds production).
        produced: Items made from components (parents in the BOM); the others are bought.
        lead_whole, lead_fraction: The lead time split (:func:`lead_split`).
        price: Net price a unit is sold at (the forecast's realised net price, else the item
            master's ``unit_price``; 0 where neither is known).
        cost: Unit cost (the item master's standard cost).
        service_level: Cycle service level of each item.
        unit_value: What one unit enables: a finished good's margin, a component's the most
            margin it enables per unit through the BOM (prices the safety-stock shortfall).
        demand: Independent demand the plan may sell, ``(items, months)``.
        mean_demand, sigma: The demand distribution (the forecast and its 80 % interval) the
            expected figures are priced against; the same shape as ``demand``.
        safety_stock: The policy's time-phased safety stock (the soft target).
        scheduled: Open orders by arrival month.
        open_arrivals: When in its month each open order arrives (``None``: at the start of
            it); an order due later in a month serves only the demand after its due date.
        committed: Components the open production orders consume in the month they are
            received (the count still holds them; ``None``: none,
            :func:`~sop_pipeline.supply.network.committed_components`).
        initial_stock: Usable stock opening the plan.
        moq, multiple: Minimum order quantity and order multiple of purchases (0: none).
        window: Months a receipt may be held before it is used (shelf life with the remaining
            shelf life a customer needs, and the pre-build limit for produced items); -1: no
            limit.
        edge_parent, edge_comp, edge_factor: BOM edges (item positions) and units of the
            component per unit of the parent, scrap included.
        resources: Resource names.
        route_item, route_resource, route_hours: Routings (positions) and hours per unit.
        capacity, overtime_capacity: Regular and overtime capacity, ``(resources, months)``.
        overtime_rate: Cost of an hour of overtime, per resource.
        fixed_load: Load of open production orders, ``(resources, months)``.
        cash_path: The highest inventory value (at cost) the working-capital commitment allows
            at each month end (NaN: no limit), or None.
        cash_target_index: The first month (position) at or after the commitment's target
            month (the horizon's length when it is later).
        lot_stock_value: Value at cost, per month, of the stock the purchases' lots hold
            beyond the plan's own quantities (they are rounded up after the solve): the cash
            path's rows leave room for it (None: none).
        firm_release: Production the meeting made firm (a decided pre-build), by release
            month: the plan releases at least this much (``(items, months)``; None: none).
        firm_overtime: Overtime hours the meeting approved: the plan works at least these
            hours (``(resources, months)``; None: none).
    """

    items: pd.Index
    months: pd.DatetimeIndex
    finished: np.ndarray
    produced: np.ndarray
    lead_whole: np.ndarray
    lead_fraction: np.ndarray
    price: np.ndarray
    cost: np.ndarray
    service_level: np.ndarray
    unit_value: np.ndarray
    demand: np.ndarray
    mean_demand: np.ndarray
    sigma: np.ndarray
    safety_stock: np.ndarray
    scheduled: np.ndarray
    initial_stock: np.ndarray
    window: np.ndarray
    moq: np.ndarray
    multiple: np.ndarray
    edge_parent: np.ndarray
    edge_comp: np.ndarray
    edge_factor: np.ndarray
    resources: pd.Index = field(default_factory=lambda: pd.Index([], dtype=object))
    route_item: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    route_resource: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    route_hours: np.ndarray = field(default_factory=lambda: np.zeros(0))
    capacity: np.ndarray | None = None
    overtime_capacity: np.ndarray | None = None
    overtime_rate: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fixed_load: np.ndarray | None = None
    cash_path: np.ndarray | None = None
    cash_target_index: int = 0
    lot_stock_value: np.ndarray | None = None
    firm_release: np.ndarray | None = None
    firm_overtime: np.ndarray | None = None
    open_arrivals: OpenArrivals | None = None
    committed: np.ndarray | None = None

    def __post_init__(self) -> None:
        shape = (len(self.items), len(self.months))
        if self.committed is None:
            object.__setattr__(self, "committed", np.zeros(shape))
        for name in ("demand", "mean_demand", "sigma", "safety_stock", "scheduled", "committed"):
            value = np.asarray(getattr(self, name), dtype=float)
            if value.shape != shape:
                raise ValueError(f"{name} must have shape {shape}, got {value.shape}")
            if not np.isfinite(value).all() or (value < 0).any():
                raise ValueError(f"{name} must be finite and not negative")
        width = (len(self.resources), len(self.months))
        for name in ("capacity", "overtime_capacity", "fixed_load", "firm_overtime"):
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.zeros(width))
        if self.firm_release is None:
            object.__setattr__(self, "firm_release", np.zeros(shape))
        if self.cash_path is not None and len(self.cash_path) != len(self.months):
            raise ValueError("cash_path must give one value per month (NaN: no limit)")

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def horizon(self) -> int:
        return len(self.months)

    @property
    def margin(self) -> np.ndarray:
        """Net price less unit cost per unit sold."""
        return self.price - self.cost

    def consumption(self, releases: np.ndarray) -> np.ndarray:
        """Components used by ``releases`` (``(items, months)``): each parent's release times
        its units per parent, in the release month."""
        used = np.zeros_like(releases, dtype=float)
        if len(self.edge_parent):
            np.add.at(used, self.edge_comp, releases[self.edge_parent] * self.edge_factor[:, None])
        return used

    @property
    def open_production(self) -> np.ndarray:
        """Open production orders that draw their components when received, by arrival month,
        ``(items, months)`` (none when nothing is :attr:`committed`)."""
        if not self.committed.any():
            return np.zeros_like(self.scheduled)
        return np.where(self.produced[:, None], self.scheduled, 0.0)

    def component_draw(self, unfinished: np.ndarray) -> np.ndarray:
        """Components the open production orders consume when ``unfinished`` (``(items,
        months)``) of them is not completed: :attr:`committed` less what the unfinished part
        would have drawn."""
        return self.committed - self.consumption(unfinished)

    def scheduled_before(self, fraction: np.ndarray | float) -> np.ndarray:
        """Open orders that arrive before ``fraction`` of their month (per item, or one value),
        ``(items, months)``: all of ``scheduled`` without :attr:`open_arrivals`."""
        arrivals = self.open_arrivals
        if arrivals is None:
            return self.scheduled.copy()
        cut = np.broadcast_to(np.asarray(fraction, dtype=float), (self.n_items,))
        early = arrivals.fraction < cut[arrivals.row]
        out = np.zeros_like(self.scheduled)
        np.add.at(out, (arrivals.row[early], arrivals.col[early]), arrivals.qty[early])
        return out

    def open_order_cuts(self) -> pd.DataFrame:
        """The days in a month after which an open order arrives: ``row, col, fraction`` (one row
        per distinct fraction > 0 of an item-month) and ``before``, the open orders of that
        item-month that arrive earlier."""
        arrivals = self.open_arrivals
        columns = ["row", "col", "fraction", "before"]
        if arrivals is None or not len(arrivals.qty):
            return pd.DataFrame(columns=columns)
        orders = pd.DataFrame(
            {"row": arrivals.row, "col": arrivals.col, "fraction": arrivals.fraction,
             "qty": arrivals.qty}
        )  # fmt: skip
        cuts = orders.groupby(["row", "col", "fraction"], as_index=False)["qty"].sum()
        cuts["before"] = cuts.groupby(["row", "col"])["qty"].cumsum() - cuts["qty"]
        return cuts.loc[cuts["fraction"] > 0, columns].reset_index(drop=True)

    def open_order_limit(self) -> np.ndarray:
        """``(items, months)``: the most a month can sell beyond its opening stock given when
        its open orders arrive, ``min over orders (what arrived before it + (1 - its
        fraction) x demand)``; ``inf`` where no open order arrives after the month's start."""
        out = np.full(self.scheduled.shape, np.inf)
        cuts = self.open_order_cuts()
        if cuts.empty:
            return out
        row, col = cuts["row"].to_numpy(int), cuts["col"].to_numpy(int)
        bound = (
            cuts["before"].to_numpy() + (1 - cuts["fraction"].to_numpy()) * self.demand[row, col]
        )
        np.minimum.at(out, (row, col), bound)
        return out

    def replace_demand(self, demand: np.ndarray, mean: np.ndarray, sigma: np.ndarray):
        """The same problem with another demand (and its distribution)."""
        return replace(self, demand=demand, mean_demand=mean, sigma=sigma)


def forced_stock(problem: PlanProblem) -> tuple[np.ndarray, np.ndarray]:
    """Stock held and sold if nothing new were made or bought: ``(stock at each month end,
    sales from it)``, ``(items, months)`` each. Any plan holds at least this stock at a month
    end only by selling less; the plan's holding limits leave room for it, so the plan without
    new orders is always feasible."""
    stock = problem.initial_stock.astype(float).copy()
    held = np.zeros((problem.n_items, problem.horizon))
    sold = np.zeros_like(held)
    limit = problem.open_order_limit()  # an order due late in a month sells only after it
    for t in range(problem.horizon):
        opening = stock
        stock = stock + problem.scheduled[:, t]
        sold[:, t] = np.minimum(np.minimum(stock, problem.demand[:, t]), opening + limit[:, t])
        stock = stock - sold[:, t]
        held[:, t] = stock
    return held, sold
