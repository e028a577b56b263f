"""Generate the whole sample company and write it in the layout of the input contract."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from sop_pipeline.sample_data.actions import action_log
from sop_pipeline.sample_data.capacity import capacity_files, cash_history
from sop_pipeline.sample_data.company_settings import write_settings
from sop_pipeline.sample_data.demand import Demand, generate_demand
from sop_pipeline.sample_data.files import check_format, clear_company, mark_closed, write_table
from sop_pipeline.sample_data.finance import expected_revenue, financial_plan
from sop_pipeline.sample_data.inventory import inventory_frame
from sop_pipeline.sample_data.master import BOM_COLUMNS, ITEM_COLUMNS, Catalog, build_catalog
from sop_pipeline.sample_data.months import MonthAxis, build_axis
from sop_pipeline.sample_data.orders import open_orders_frame, order_book
from sop_pipeline.sample_data.overrides import forecast_overrides
from sop_pipeline.sample_data.promotions import plan_promotions, promo_multiplier
from sop_pipeline.sample_data.sales import SalesLines, generate_sales, sales_frame
from sop_pipeline.sample_data.supply import Disruption, SupplyResult, Surcharge, simulate

PROMO_COLUMNS = ("promo_id", "item", "start_month", "end_month", "uplift_pct", "description")
SURCHARGE = 1.18  # the one-month supplier surcharge on butters, shown by a month-folder items file
SURCHARGE_MONTHS_BACK = 3  # the month folder holding it: 2025-07 for a history ending 2025-10
RICH_LINES_UP_TO = 200  # companies this small get more order lines per item-month
DISRUPTION_MONTHS_BACK = 1  # a supplier rations one item from 2025-09 (history to 2025-10)
DISRUPTION_RESUME_AHEAD = 2  # its new orders are due from this month after the history on
DISRUPTION_ALLOCATION = 0.4  # share of each open and new order it confirms
DISRUPTION_SHARE = 0.10  # the hit item goes into finished goods with about this revenue share
DISRUPTION_MIN_LEAD = 45  # days: too long to re-source before the next two months
DISRUPTION_MIN_USERS = 3  # active finished goods using the item


@dataclass(frozen=True)
class CompanySummary:
    """What was written, in counts, plus the items with a special demand story."""

    out_dir: Path
    fmt: str
    first_month: str
    last_month: str
    n_months: int
    n_finished_goods: int
    n_components: int
    n_families: int
    n_bom_lines: int
    bom_depth: int
    n_sales_lines: int
    n_return_lines: int
    n_stockout_item_months: int
    n_inventory_rows: int
    n_open_order_rows: int
    n_promotions: int
    n_override_rows: int
    n_actions: int
    disrupted_item: str  # the purchased item whose supplier fails at the end ('' if none)
    launches: tuple[str, ...]
    phase_out: tuple[str, ...]
    intermittent: tuple[str, ...]
    n_resources: int = 0
    n_routings: int = 0


def default_components(n_items: int) -> int:
    """Two components per finished good plus a core of shared materials."""
    return 2 * n_items + 20


def _surcharge(catalog: Catalog, axis: MonthAxis) -> Surcharge | None:
    if axis.n_hist <= SURCHARGE_MONTHS_BACK:
        return None
    kind = catalog.items.get("_raw_kind", pd.Series(dtype=object)).fillna("").to_numpy()
    return Surcharge(axis.n_hist - 1 - SURCHARGE_MONTHS_BACK, kind == "butter", SURCHARGE)


def _disruption(catalog: Catalog, demand: Demand, axis: MonthAxis) -> Disruption | None:
    """The supplier problem of the last months: a purchased container or closure with a long
    lead time, shared by several active finished goods and only by finished goods, whose
    users make the revenue share closest to ``DISRUPTION_SHARE`` over the coming year."""
    if axis.n_hist <= DISRUPTION_MONTHS_BACK + 3:
        return None
    items, bom, n_fg = catalog.items, catalog.index, catalog.n_fg
    kind = items["_kind"].fillna("").to_numpy()
    lead = pd.to_numeric(items["lead_time_days"]).to_numpy(dtype=float)
    active = np.zeros(len(items))
    active[:n_fg] = catalog.fg["status"].to_numpy() == "active"
    users = np.bincount(bom.child, weights=active[bom.parent], minlength=len(items))
    under_made = np.zeros(len(items), dtype=bool)
    under_made[bom.child[bom.parent >= n_fg]] = True
    candidate = np.isin(kind, ["container", "closure"]) & ~under_made
    candidate &= (lead >= DISRUPTION_MIN_LEAD) & (users >= DISRUPTION_MIN_USERS)
    if not candidate.any():
        return None
    ahead = slice(axis.n_hist, axis.n_hist + 12)
    revenue = expected_revenue(catalog.fg, demand.mean)[:, ahead].sum(axis=1)
    on_fg = bom.parent < n_fg
    used_for = np.bincount(
        bom.child[on_fg], weights=revenue[bom.parent[on_fg]], minlength=len(items)
    )
    score = np.abs(used_for / max(revenue.sum(), 1e-9) - DISRUPTION_SHARE)
    start = axis.n_hist - 1 - DISRUPTION_MONTHS_BACK
    return Disruption(
        item=int(np.argmin(np.where(candidate, score, np.inf))),
        start=start,
        start_day=int(axis.start_days[start]),
        resume_day=int(axis.start_days[axis.n_hist - 1 + DISRUPTION_RESUME_AHEAD]),
        allocation=DISRUPTION_ALLOCATION,
    )


def _subjects(
    catalog: Catalog,
    demand: Demand,
    result: SupplyResult,
    plan_gap: pd.Series,
    surcharge: Surcharge | None,
    disruption: Disruption | None,
) -> dict[str, str]:
    """Names the action log talks about."""
    items = catalog.items
    fg = catalog.fg
    desc = items["description"].to_numpy()

    def first(mask: np.ndarray, fallback: str) -> str:
        hits = np.flatnonzero(mask)
        return str(desc[hits[0]]) if len(hits) else fallback

    lost = (demand.qty[:, : result.shipped.shape[1]] - result.shipped)[:, -6:].sum(axis=1)
    kind = items["_kind"].fillna("").to_numpy()
    shelf = pd.to_numeric(items["shelf_life_days"]).to_numpy(dtype=float)
    rows, cols, _ = result.snapshots[-1]
    expiry = result.lot_day[rows, cols] + np.nan_to_num(shelf[rows], nan=1e9)
    expiry[kind[rows] != "raw"] = np.inf
    soonest = rows[np.argmin(expiry)] if len(rows) and np.isfinite(expiry.min()) else -1
    raw = surcharge.mask if surcharge is not None else kind == "raw"
    return {
        "phase_out": first(fg["status"].to_numpy() == "phase_out", "the phase-out range"),
        "launch": first(fg["_launch_idx"].to_numpy() >= 0, "the new launches"),
        "glass": str(desc[disruption.item])
        if disruption is not None
        else first(np.char.find(desc.astype(str), "glass") >= 0, "glass bottles"),
        "raw": first(raw, "raw materials"),
        "perishable": str(desc[soonest]) if soonest >= 0 else "raw materials",
        "stockout": str(desc[int(np.argmax(lost))]),
        "family": str(plan_gap.idxmax()) if len(plan_gap) else "the portfolio",
    }


def _plan_gap(fg: pd.DataFrame, demand: Demand, plan: pd.DataFrame, axis: MonthAxis) -> pd.Series:
    """Planned over expected revenue per family over the coming year."""
    future = axis.labels[axis.n_hist :]
    rows = plan[plan["month"].isin(future) & plan["family"].notna()]
    planned = rows.groupby("family")["planned_revenue"].sum()
    expected = expected_revenue(fg, demand.mean)[:, axis.n_hist :].sum(axis=1)
    return planned / pd.Series(expected).groupby(fg["family"].to_numpy()).sum()


def generate_company(
    out_dir: Path,
    n_items: int = 40,
    n_components: int | None = None,
    n_months: int = 36,
    end_month: str = "2025-10",
    seed: int = 42,
    fmt: str = "csv",
) -> CompanySummary:
    """Generate the seeded sample company into ``out_dir`` (same seed, same bytes).

    Args:
        out_dir: the data directory; its ``master/`` and ``YYYY-MM/`` folders and its
            ``settings.yaml`` are replaced, anything else in it is left alone.
        n_items: finished goods (at least 6).
        n_components: components; default two per finished good plus 20.
        n_months: closed months of history.
        end_month: the last closed month, ``YYYY-MM``.
        seed: the random seed.
        fmt: ``csv`` or ``parquet``.

    Returns:
        Counts of what was written.
    """
    fmt = check_format(fmt)
    out_dir = Path(out_dir)
    axis = build_axis(end_month, n_months)
    rngs = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    n_components = default_components(n_items) if n_components is None else n_components
    catalog = build_catalog(n_items, n_components, axis, rngs[0])
    fg = catalog.fg
    promos = plan_promotions(fg, axis, rngs[1])
    demand = generate_demand(fg, axis, promo_multiplier(promos, len(fg), axis), rngs[2])
    surcharge = _surcharge(catalog, axis)
    disruption = _disruption(catalog, demand, axis)
    result = simulate(
        catalog.items,
        catalog.index,
        demand.qty,
        demand.mean,
        axis,
        rngs[3],
        surcharge,
        disruption,
    )
    max_lines = 12 if n_items <= RICH_LINES_UP_TO else 4
    lines = generate_sales(fg, demand.qty, result.shipped, demand.promo, axis, rngs[4], max_lines)
    plan = financial_plan(fg, demand.mean, axis, rngs[5])
    gap = _plan_gap(fg, demand, plan, axis)
    subjects = _subjects(catalog, demand, result, gap, surcharge, disruption)
    actions = action_log(subjects, len(fg), axis, rngs[6])
    overrides = forecast_overrides(fg, demand, axis, rngs[7])
    year_revenue = float(lines.revenue[lines.month >= axis.n_hist - 12].sum())
    capacity = capacity_files(fg, demand.mean, axis, year_revenue)
    book = order_book(catalog, result, axis)
    capacity = replace(capacity, cash=_cash_on_flows(capacity.cash, lines, book, catalog, axis))

    clear_company(out_dir)
    master = out_dir / "master"
    items = catalog.items[list(ITEM_COLUMNS)]
    write_table(items, master, "items", fmt)
    write_table(catalog.bom[list(BOM_COLUMNS)], master, "bom", fmt)
    write_table(plan, master, "financial_plan", fmt)
    write_table(promos[list(PROMO_COLUMNS)], master, "promotions", fmt)
    write_table(actions, master, "actions", fmt)
    write_table(capacity.resources, master, "resources", fmt)
    write_table(capacity.routings, master, "routings", fmt)
    write_table(capacity.cash, master, "cash", fmt)

    bounds = lines.month_bounds(axis.n_hist)
    codes = catalog.items["item"].to_numpy()
    n_inventory = n_open = 0
    master_cost = catalog.items.set_index("item")["unit_cost"]
    stock_value = 0.0
    for t, label in enumerate(axis.labels[: axis.n_hist]):
        folder = out_dir / label
        write_table(sales_frame(lines, bounds[t], bounds[t + 1], codes), folder, "sales", fmt)
        stock = inventory_frame(t, catalog, result)
        write_table(stock, folder, "inventory", fmt)
        cost = stock["unit_cost"].fillna(stock["item"].map(master_cost))
        stock_value = float((stock["on_hand_qty"] * cost).sum())
        open_orders = open_orders_frame(book, t)
        write_table(open_orders, folder, "open_purchase_orders", fmt)
        n_inventory, n_open = n_inventory + len(stock), n_open + len(open_orders)
        if t in overrides:
            write_table(overrides[t], folder, "forecast_overrides", fmt)
        if surcharge is not None and t == surcharge.month:
            changed = items.copy()
            cost = changed["unit_cost"].to_numpy(dtype=float)
            changed["unit_cost"] = np.where(surcharge.mask, np.round(cost * SURCHARGE, 4), cost)
            write_table(changed, folder, "items", fmt)
        if t == axis.n_hist - 1 and len(capacity.holiday):
            write_table(capacity.holiday, folder, "capacity", fmt)
        mark_closed(folder)
    year = lines.month >= axis.n_hist - 12
    last = str(axis.labels[axis.n_hist - 1])
    write_settings(out_dir, stock_value, float(lines.revenue[year].sum()), len(fg), last)

    arche = fg["_archetype"].to_numpy()
    shipped_short = demand.qty[:, : axis.n_hist] > result.shipped
    return CompanySummary(
        out_dir=out_dir,
        fmt=fmt,
        first_month=str(axis.labels[0]),
        last_month=str(axis.labels[axis.n_hist - 1]),
        n_months=axis.n_hist,
        n_finished_goods=len(fg),
        n_components=len(catalog.items) - len(fg),
        n_families=fg["family"].nunique(),
        n_bom_lines=len(catalog.bom),
        bom_depth=catalog.index.depth,
        n_sales_lines=len(lines.month),
        n_return_lines=int((lines.ordered < 0).sum()),
        n_stockout_item_months=int(shipped_short.sum()),
        n_inventory_rows=n_inventory,
        n_open_order_rows=n_open,
        n_promotions=len(promos),
        n_override_rows=sum(len(f) for f in overrides.values()),
        n_actions=len(actions),
        disrupted_item="" if disruption is None else str(codes[disruption.item]),
        launches=tuple(fg["item"][arche == "launch"]),
        phase_out=tuple(fg["item"][arche == "phase_out"]),
        intermittent=tuple(fg["item"][arche == "intermittent"]),
        n_resources=len(capacity.resources),
        n_routings=len(capacity.routings),
    )


def _cash_on_flows(
    cash: pd.DataFrame, lines: SalesLines, book: pd.DataFrame, catalog: Catalog, axis: MonthAxis
) -> pd.DataFrame:
    """cash.csv's month-end cash walked back from the end of history on each month's net
    revenue and the purchase orders received in it at cost (:func:`cash_history`)."""
    months = np.arange(axis.n_hist - len(cash), axis.n_hist)
    revenue = np.array([lines.revenue[lines.month == m].sum() for m in months])
    bought = book[book["po"].str.startswith("PO-")]
    cost = bought["item"].map(catalog.items.set_index("item")["unit_cost"]).to_numpy(float)
    spend = (
        pd.Series(bought["qty_open"].to_numpy(float) * cost)
        .groupby(bought["_arrive_month"].to_numpy())
        .sum()
    )
    return cash_history(cash, revenue, spend.reindex(months).fillna(0.0).to_numpy())
