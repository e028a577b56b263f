"""The pack's tables: which rows each agenda section shows, in which order (pure pandas).

Every view keeps all qualifying rows sorted by importance; renderers show the top rows and say
how many more there are, so a 10,000-item company gets the same short pack. Frames are typed
(:meth:`MeetingPackData.typed`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.lib.months import month_end
from sop_pipeline.meeting.data import FAMILY_PREFIX, TOTAL, MeetingPackData
from sop_pipeline.meeting.formatting import Formatter
from sop_pipeline.meeting.tables import ROW_CLASS, Column, TableView
from sop_pipeline.supply._common import DAYS_PER_MONTH

ISSUE_CATEGORIES = {
    "component": "Component",
    "resource": "Resource",
    "lead_time": "Lead time",
    "cash": "Cash path",
    "late_order": "Late order",
    "shelf_life": "Shelf life",
    "forecast_change": "Forecast change",
    "plan_shortfall": "Plan shortfall",
    "overdue_action": "Overdue action",
}
KPI_LABELS = {
    "fill_rate": "Fill rate",
    "wape_lag1": "Forecast error (WAPE, lag 1)",
    "wape_lag3": "Forecast error (WAPE, lag 3)",
    "bias_lag1": "Forecast bias (lag 1)",
    "bias_lag3": "Forecast bias (lag 3)",
    "forecast_revision": "Forecast revision since last month",
    "inventory_value": "Inventory value",
    "cash_released": "Cash released since baseline",
    "cash_vs_target": "Cash in inventory vs path",
    "cash_low_point": "Cash low point",
    "cash_runway_months": "Cash runway",
    "cash_path_service_level": "Service level within the cash path",
    "months_of_supply": "Months of supply",
    "inventory_turns": "Inventory turns",
    "excess_obsolete_value": "Excess and obsolete stock",
}
KPI_ORDER = tuple(KPI_LABELS)
RUNWAY_NOT_USED_UP = 999.0
"""``cash_runway_months`` when the cash is not used up (``sop_mart.kpis``)."""


def kpi_value_text(fmt: Formatter, kpi: object, unit: object, value: object) -> str:
    """A KPI's value in its unit; the runway of cash that is not used up in words."""
    if kpi == "cash_runway_months" and not pd.isna(value) and value >= RUNWAY_NOT_USED_UP:
        return "not used up"
    return fmt.kpi(unit, value)


def kpi_label(kpi: object) -> str:
    """A KPI's name for people: ``wape_lag1`` -> ``Forecast error (WAPE, lag 1)``."""
    name = str(kpi)
    return KPI_LABELS.get(name, name.replace("_", " ").capitalize())


def kpi_direction(better: object) -> str:
    """``higher`` -> ``Higher is better``; ``closer_to_zero`` -> ``Closer to zero is better``."""
    if not isinstance(better, str) or not better:
        return ""
    words = {"target": "closer_to_target"}.get(better, better).replace("_", " ")
    return f"{words.capitalize()} is better"


def _rank(values: pd.Series, order: tuple[str, ...]) -> pd.Series:
    rank = {name: i for i, name in enumerate(order)}
    return values.map(lambda k: rank.get(str(k), len(rank)))


def item_descriptions(*frames: pd.DataFrame) -> dict[str, str]:
    """Item -> description, from the frames that have both columns (first one wins)."""
    out: dict[str, str] = {}
    for frame in frames:
        if {"item", "description"} <= set(frame.columns):
            pairs = frame[["item", "description"]].dropna().drop_duplicates("item")
            for item, description in zip(pairs["item"], pairs["description"], strict=True):
                out.setdefault(str(item), str(description))
    return out


def action_states(data: MeetingPackData) -> pd.DataFrame:
    """The action log with ``state`` (overdue, open, done) and its ``days_overdue``."""
    frame = data.actions.copy()
    done = frame["status"] == "done"
    overdue = frame["is_overdue"] & ~done
    frame["state"] = np.where(done, "done", np.where(overdue, "overdue", "open"))
    frame["days_overdue"] = frame["days_overdue"].where(overdue)
    return frame


def actions_view(data: MeetingPackData) -> TableView:
    """Overdue actions first (longest overdue), then open ones by due date, then done ones."""
    frame = action_states(data)
    if not frame.empty:
        state = frame["state"]
        parts = [
            frame[state == "overdue"].sort_values("days_overdue", ascending=False),
            frame[state == "open"].sort_values("due_date"),
            frame[state == "done"].sort_values("due_date", ascending=False),
        ]
        frame = pd.concat([part for part in parts if not part.empty])
        frame[ROW_CLASS] = np.where(frame["state"] == "overdue", "alert", "")
    columns = (
        Column("action_id", "Action", "code"),
        Column("topic", "Topic"),
        Column("owner", "Owner"),
        Column("opened_month", "Opened", "month"),
        Column("due_date", "Due", "date"),
        Column("state", "Status", "badge"),
        Column("days_overdue", "Days overdue", "int"),
        Column("decision", "Decision"),
    )
    return TableView(frame, columns, "No actions in the S&OP log.", "actions")


def issues_view(data: MeetingPackData) -> TableView:
    """The decisions needed, by rank (expected gross margin at stake), one per root cause."""
    frame = data.top_issues
    if not frame.empty:
        category = frame["category"].map(
            lambda c: (
                ISSUE_CATEGORIES.get(c, c.replace("_", " ").capitalize())
                if isinstance(c, str)
                else ""
            )
        )
        rank = frame["rank"].fillna(-frame["impact_value"])
        frame = frame.assign(_rank=rank, category_label=category).sort_values(
            "_rank", kind="stable"
        )
    columns = (
        Column("rank", "#", "int"),
        Column("category_label", "Category"),
        Column("topic", "Issue"),
        Column("impact_value", "Margin at stake", "money"),
        Column("drivers", "Drivers"),
        Column("open_actions", "Open actions"),
        Column("suggested_decision", "Suggested decision"),
        Column("option_cash", "Extra stock (peak)", "money"),
    )
    return TableView(frame, columns, "No issues stand out this month.", "issues")


def planner_tasks_view(data: MeetingPackData) -> TableView:
    """What the planners settle outside the agenda, most money first."""
    frame = data.planner_tasks
    if not frame.empty:
        category = frame["category"].map(
            lambda c: ISSUE_CATEGORIES.get(c, str(c).replace("_", " ").capitalize())
        )
        frame = frame.assign(category_label=category).sort_values("rank", kind="stable")
    columns = (
        Column("category_label", "Kind"),
        Column("task_topic", "What"),
        Column("impact_value", "Money concerned", "money"),
        Column("task", "Task"),
    )
    return TableView(frame, columns, "Nothing for the planners this month.", "planner_tasks")


def exceptions_view(data: MeetingPackData) -> TableView:
    """Forecast changes beyond the thresholds, largest revenue change first."""
    changes = data.forecast_changes
    if changes.empty:
        empty = "No prior forecast to compare with yet (first planned month)."
        return TableView(changes, (), empty, "items")
    frame = changes[changes["is_exception"]]
    size = frame["change_revenue"].abs().fillna(frame["change_qty"].abs())
    frame = frame.assign(_size=size).sort_values("_size", ascending=False, kind="stable")
    columns = (
        Column("item", "Item", "code"),
        Column("description", "Description"),
        Column("family", "Family"),
        Column("prior_qty", "Prior forecast", "qty"),
        Column("current_qty", "Current forecast", "qty"),
        Column("change_qty", "Change", "signed_qty"),
        Column("change_pct", "Change %", "signed_pct"),
        Column("change_revenue", "Revenue change", "signed_money"),
        Column("revision_pct", "Revision", "pct"),
        Column("change_cause", "Cause"),
    )
    empty = "No forecast changes beyond the exception thresholds."
    return TableView(frame, columns, empty, "items")


def accuracy_view(data: MeetingPackData) -> TableView:
    """Accuracy and forecast value added for the company and each family, lag 1 then lag 3."""
    frame = data.forecast_accuracy
    if not frame.empty:
        item = frame["item"].astype(str)
        keep = (
            (item == TOTAL)
            | item.str.startswith(FAMILY_PREFIX)
            | frame["level"].isin(["total", "family"])
        )
        frame, item = frame[keep].copy(), item[keep]
        frame["name"] = np.where(
            item == TOTAL, "Company total", item.str.removeprefix(FAMILY_PREFIX)
        )
        frame = frame.assign(_total=(item != TOTAL).astype(int), _actual=-frame["actual_qty"])
        frame = frame.sort_values(["lag", "_total", "_actual"])
        frame[ROW_CLASS] = np.where(frame["_total"] == 0, "total", "")
    columns = (
        Column("name", "Level"),
        Column("lag", "Lag", "int"),
        Column("actual_qty", "Actual", "qty"),
        Column("forecast_qty", "Forecast", "qty"),
        Column("wape", "WAPE", "pct"),
        Column("bias", "Bias", "signed_pct"),
        Column("wape_naive", "WAPE naive", "pct"),
        Column("wape_statistical", "WAPE statistical", "pct"),
        Column("fva_statistical_vs_naive", "FVA stat. vs naive", "points"),
        Column("fva_consensus_vs_statistical", "FVA overrides", "points"),
        Column("fva_consensus_vs_naive", "FVA total", "points"),
    )
    empty = "No accuracy yet: no earlier forecast has met its actual demand."
    return TableView(frame, columns, empty, "rows")


def _by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` sorted by ``column``, largest first (stable; NaN last)."""
    return frame.assign(_key=-frame[column]).sort_values("_key", kind="stable")


def decision_status(data: MeetingPackData) -> pd.DataFrame:
    """The earlier meetings' decisions with their value so far (``decision_outcomes``) and
    whether their action is on track (``track``: done, on track, overdue)."""
    log = data.decisions
    if log.empty:
        return log
    frame = log.copy()
    scored = (
        data.decision_outcomes.set_index("decision_id") if len(data.decision_outcomes) else None
    )
    for column in ("value_added_margin", "value_added_cash", "months_closed", "is_final"):
        frame[column] = frame["decision_id"].map(scored[column]) if scored is not None else np.nan
    actions = data.actions.set_index("action_id") if len(data.actions) else None
    overdue = (
        frame["action_id"].map(actions["is_overdue"]).fillna(False).astype(bool)
        if actions is not None and "is_overdue" in actions.columns
        else pd.Series(False, index=frame.index)
    )
    frame["track"] = np.where(
        frame["status"] == "done", "done", np.where(overdue, "overdue", "on track")
    )
    frame["choice"] = frame["issue"] + " → " + frame["option"].str.replace("_", " ")
    frame["in_plan"] = frame["decision_id"].map(_lever_summaries(data.decisions_applied))
    frame[ROW_CLASS] = np.where(frame["track"] == "overdue", "alert", "")
    return frame.sort_values(["decided_month", "issue"], ascending=[False, True])


LEVER_STATES = (
    ("applied", "applied"),
    ("replaced_by_po", "replaced by the real order"),
    ("passed", "passed (month closed)"),
)


def _lever_summaries(applied: pd.DataFrame) -> pd.Series:
    """Per decision, its levers by what the plan did with them, with the reason of any not
    applied: ``13 applied; 2 passed (month closed); 1 not applicable: FG9 is being phased
    out``."""
    if applied.empty:
        return pd.Series(dtype=object)
    out = {}
    for decision, levers in applied.groupby("decision_id", sort=False):
        counts = levers["status"].value_counts()
        parts = [f"{int(counts[k])} {label}" for k, label in LEVER_STATES if k in counts.index]
        refused = levers[levers["status"] == "not_applicable"]["note"].dropna().unique()
        if len(refused):
            parts.append(f"{len(refused)} not applicable: " + "; ".join(refused[:2]))
        text = "; ".join(parts) or str(levers["note"].iloc[0] or "")
        out[decision] = text
    return pd.Series(out, dtype=object)


def decisions_view(data: MeetingPackData) -> TableView:
    """The earlier meetings' decisions, latest meeting first."""
    columns = (
        Column("decided_month", "Meeting", "month"),
        Column("choice", "Decision"),
        Column("decision", "What it means"),
        Column("owner", "Owner"),
        Column("due_date", "Due", "date"),
        Column("track", "Action", "badge"),
        Column("application", "In this plan", "badge"),
        Column("in_plan", "Its levers"),
        Column("expected_margin_vs_base", "Expected value", "signed_money"),
        Column("value_added_margin", "Value added so far", "signed_money"),
        Column("months_closed", "Months closed", "int"),
    )
    return TableView(
        decision_status(data), columns, "No decision has been recorded yet.", "decisions"
    )


def decision_scorecard_view(data: MeetingPackData) -> TableView:
    """The decisions scored so far by issue type, then by owner."""
    columns = (
        Column("dimension", "By"),
        Column("value", "Issue type or owner"),
        Column("decisions", "Decisions", "int"),
        Column("final", "Final", "int"),
        Column("paid_off", "Paid off", "int"),
        Column("hit_rate", "Hit rate", "pct"),
        Column("expected_value_added", "Expected", "signed_money"),
        Column("value_added_margin", "Margin added", "signed_money"),
        Column("value_added_cash", "Cash added", "signed_money"),
    )
    frame = data.decision_scorecard
    if not frame.empty:
        frame = frame.sort_values(["dimension", "decisions"], ascending=[True, False])
    return TableView(frame, columns, "No decision has been scored yet.", "rows")


def scorecard_view(data: MeetingPackData) -> TableView:
    """Overrides by owner and reason, most overrides first."""
    columns = (
        Column("owner", "Owner"),
        Column("reason", "Reason"),
        Column("overrides", "Overrides", "int"),
        Column("helped", "Helped", "int"),
        Column("hurt", "Hurt", "int"),
        Column("hit_rate", "Hit rate", "pct"),
        Column("error_reduction", "Error removed (units)", "signed_qty"),
        Column("wape_points_added", "WAPE points", "points"),
        Column("verdict", "Verdict", "badge"),
    )
    frame = _by(data.override_scorecard, "overrides")
    return TableView(frame, columns, "No planner overrides have been scored yet.", "rows")


def gaps_by_item(data: MeetingPackData) -> pd.DataFrame:
    """Supply gaps summed per item: first month short, months short, shortage, revenue at risk."""
    gaps = data.supply_gaps
    if gaps.empty:
        return pd.DataFrame()
    frame = gaps.assign(revenue_at_risk=gaps["revenue_at_risk"].fillna(0.0))
    worst = frame.sort_values("shortage_qty", ascending=False).drop_duplicates("item")
    totals = frame.groupby("item", sort=False).agg(
        first_month=("month", "min"),
        months_short=("month", "nunique"),
        shortage_qty=("shortage_qty", "sum"),
        revenue_at_risk=("revenue_at_risk", "sum"),
    )
    totals["limiting_item"] = worst.set_index("item")["limiting_item"]
    descriptions = item_descriptions(data.forecast_changes, data.forecast, gaps)
    totals["description"] = totals.index.map(descriptions)
    order = ["revenue_at_risk", "shortage_qty"]
    totals = totals.reset_index().sort_values(order, ascending=False, kind="stable")
    return totals.reset_index(drop=True)


def gaps_view(data: MeetingPackData) -> TableView:
    """Items that cannot be supplied in full, most revenue at risk first."""
    columns = (
        Column("item", "Item", "code"),
        Column("description", "Description"),
        Column("first_month", "First short", "month"),
        Column("months_short", "Months short", "int"),
        Column("shortage_qty", "Shortage", "qty"),
        Column("revenue_at_risk", "Revenue at risk", "money"),
        Column("limiting_item", "Limited by", "code"),
    )
    return TableView(gaps_by_item(data), columns, "No supply gaps in the horizon.", "items")


PURPOSE_GAP = "covers a supply gap"
PURPOSE_BUFFER = "refills safety stock"


def past_due_releases(data: MeetingPackData) -> pd.DataFrame:
    """Planned orders (base scenario) whose release is already past due, with ``covers_gap``:
    the item, or a finished good it limits, is short that month or in another month within
    the item's lead time (the receipts the release is for: a supply gap, or sales the
    constrained plan loses); the others only refill safety stock. Beside the requirements'
    release (what the company would need), ``plan_releases_now``: what the constrained plan
    releases at the close (its first month's releases and expedites: what the company can
    do), and ``waits_for``: the component a finished good short of it cannot be made without
    (the plan releases less than the requirements ask and the item's own supply gap names
    that component). ``purpose`` says which: a release waiting for a component only loads a
    line once the component is in."""
    mrp = data.material_requirements
    frame = mrp[(mrp["scenario"] == "base") & mrp["release_past_due"]]
    if frame.empty:
        return frame.assign(
            past_due_qty=pd.Series(dtype=float),
            covers_gap=pd.Series(dtype=bool),
            for_receipts=pd.Series(dtype=object),
            plan_releases_now=pd.Series(dtype=float),
            waits_for=pd.Series(dtype=object),
            purpose=pd.Series(dtype=object),
        )
    gaps, plan = data.supply_gaps, data.constrained_plan
    parts = [
        gaps[[column, "month"]].set_axis(["item", "month"], axis=1)
        for column in ("item", "limiting_item", "binding_component")
    ]
    if not plan.empty:
        losing = (plan["scenario"] == "base") & (plan["lost_sales_qty"] > 0.5)
        parts.append(plan.loc[losing, ["item", "month"]])
    short = pd.concat([part for part in parts if not part.empty] or parts[:1]).dropna()
    covers = pd.MultiIndex.from_frame(frame[["item", "month"]]).isin(
        pd.MultiIndex.from_frame(short)
    )
    # a release past due is for the receipts within the item's lead time of the horizon's
    # start: it covers a gap when the item is short (or limits another) in any of them
    first = mrp["month"].min()
    months = pd.to_datetime(short["month"])
    position = _months_after(months, first)
    earliest = position.groupby(short["item"].to_numpy()).min()
    lead = frame.get("lead_time_months", pd.Series(0.0, index=frame.index))
    covers = covers | (frame["item"].map(earliest).to_numpy(float) < lead.to_numpy(float))
    qty = frame["past_due_release_qty"].fillna(frame["planned_release_qty"])
    plan_now = frame["item"].map(_plan_releases_now(data))
    waits = frame["item"].map(_components_awaited(data)).where(plan_now < qty - 0.5)
    purpose = np.where(covers, PURPOSE_GAP, PURPOSE_BUFFER).astype(object)
    purpose = np.where(waits.notna(), "waits for " + waits.fillna(""), purpose)
    return frame.assign(
        past_due_qty=qty,
        covers_gap=covers,
        for_receipts=frame["item"].map(_receipts_due(mrp)),
        in_by=frame["item"].map(_in_by_if_released_now(data)),
        plan_releases_now=plan_now,
        waits_for=waits,
        purpose=purpose,
    )


def _plan_releases_now(data: MeetingPackData) -> pd.Series:
    """Per item, what the constrained plan (base) releases at the plan month's close: its
    first month's releases (production started, orders placed) and expedites. Empty without a
    constrained plan."""
    plan = data.constrained_plan
    if plan.empty:
        return pd.Series(dtype=float)
    first = plan[(plan["scenario"] == "base") & (plan["month"] == plan["month"].min())]
    released = first["release_qty"].fillna(0.0) + first["expedited_qty"].fillna(0.0)
    return released.groupby(first["item"]).sum()


def _components_awaited(data: MeetingPackData) -> pd.Series:
    """Per finished good, the component named by its own supply gaps as binding (the first
    month's, then by shortage), for the items that cannot be made before it arrives."""
    gaps = data.supply_gaps
    if gaps.empty:
        return pd.Series(dtype=object)
    own = gaps[gaps["binding_component"].notna() & (gaps["binding_component"] != gaps["item"])]
    own = own.sort_values(["month", "shortage_qty"], ascending=[True, False])
    return own.drop_duplicates("item").set_index("item")["binding_component"]


def _in_by_if_released_now(data: MeetingPackData) -> pd.Series:
    """Per item, the day an order released at the plan month's close arrives: the close plus
    the item's lead time (``inventory_policy``); a past-due release cannot be in before."""
    policy = data.inventory_policy
    if policy.empty or "lead_time_months" not in policy:
        return pd.Series(dtype="datetime64[ns]")
    lead = policy.drop_duplicates("item").set_index("item")["lead_time_months"]
    close = pd.Timestamp(month_end(data.plan_month))
    return close + pd.to_timedelta((lead * DAYS_PER_MONTH).round(), unit="D")


def _months_after(months: pd.Series, first: pd.Timestamp) -> pd.Series:
    """Month positions counted from ``first`` (0 = its month)."""
    return (months.dt.year - first.year) * 12 + months.dt.month - first.month


def _receipts_due(mrp: pd.DataFrame) -> pd.Series:
    """Per item, the base plan's receipts that a past-due release is for, as text ('Nov 2025:
    12,500; Dec 2025: 5,000'): those within the item's lead time of the horizon's start, whose
    release month has passed (the release of a receipt in month ``t`` is ``t - lead``)."""
    base = mrp[(mrp["scenario"] == "base") & (mrp["planned_receipt_qty"] > 0)]
    if base.empty:
        return pd.Series(dtype=object)
    first = mrp["month"].min()
    position = _months_after(base["month"], first)
    due = base[position < base["lead_time_months"]].sort_values("month")
    lines = (
        due["month"].dt.strftime("%b %Y") + ": " + due["planned_receipt_qty"].map("{:,.0f}".format)
    )
    return lines.groupby(due["item"]).agg("; ".join)


def past_due_view(data: MeetingPackData) -> TableView:
    """Past-due releases: those covering a supply gap first, then those waiting for a
    component, then the buffer refills; by quantity within each."""
    frame = past_due_releases(data)
    if not frame.empty:
        rank = frame["purpose"].map({PURPOSE_GAP: 0, PURPOSE_BUFFER: 2}).fillna(1)
        frame = (
            frame.assign(
                _rank=rank, **{ROW_CLASS: np.where(frame["purpose"] == PURPOSE_GAP, "alert", "")}
            )
            .sort_values(["_rank", "past_due_qty"], ascending=[True, False])
            .drop(columns="_rank")
        )
    columns = (
        Column("item", "Item", "code"),
        Column("level_code", "BOM level", "int"),
        Column("past_due_qty", "Release past due", "qty"),
        Column("for_receipts", "For the receipts of"),
        Column("in_by", "Released now, in by", "date"),
        Column("plan_releases_now", "The plan releases now", "qty"),
        Column("purpose", "Purpose"),
    )
    return TableView(frame, columns, "No planned order release is past due.", "orders")


def late_orders_view(data: MeetingPackData) -> TableView:
    """Open orders already past due, the ones costing the most margin first, then the latest."""
    frame = data.late_purchase_orders
    if not frame.empty:
        if "plan_lost_margin" not in frame:
            frame = frame.assign(plan_lost_margin=np.nan)
        stake = np.fmax(frame["margin_at_risk"], frame["plan_lost_margin"]).fillna(0.0)
        keys = {"_m": -stake, "_d": -frame["days_late"].fillna(0.0)}
        frame = frame.assign(**keys).sort_values(["_m", "_d"], kind="stable")
    columns = (
        Column("po", "Order", "code"),
        Column("item", "Item", "code"),
        Column("qty_open", "Open", "qty"),
        Column("due_date", "Due", "date"),
        Column("days_late", "Days late", "int"),
        Column("assumed_arrival_month", "Assumed arrival", "month"),
        Column("margin_at_risk", "Margin at risk before decisions", "money"),
        Column("plan_lost_margin", "The plan loses until it arrives", "money"),
    )
    return TableView(frame, columns, "No open order is past due.", "orders")


def kpi_view(data: MeetingPackData) -> TableView:
    """The scorecard: each KPI with value, target, status and direction."""
    fmt, frame = Formatter(data.currency), data.kpis
    if not frame.empty:
        units = frame["unit"]
        frame = frame.assign(
            label=frame["kpi"].map(kpi_label),
            value_text=[
                kpi_value_text(fmt, k, u, v)
                for k, u, v in zip(frame["kpi"], units, frame["value"], strict=True)
            ],
            target_text=[fmt.kpi(u, v) for u, v in zip(units, frame["target"], strict=True)],
            direction=frame["better"].map(kpi_direction),
            _rank=_rank(frame["kpi"], KPI_ORDER),
        ).sort_values("_rank", kind="stable")
        frame[ROW_CLASS] = np.where(frame["status"] == "off_track", "alert", "")
    columns = (
        Column("label", "KPI"),
        Column("value_text", "Value", "formatted"),
        Column("target_text", "Target", "formatted"),
        Column("status", "Status", "badge"),
        Column("direction", "Direction"),
        Column("description", "What it measures"),
    )
    return TableView(frame, columns, "No KPIs computed for this month.", "KPIs")


def company_or_family(family: pd.Series) -> pd.Series:
    """A reconciliation's family, :data:`TOTAL` for the company row (blank family)."""
    return family.fillna(TOTAL).replace("", TOTAL)


def reconciliation_by_family(data: MeetingPackData) -> pd.DataFrame:
    """Forecast and constrained plan revenue against the financial plan over the horizon,
    company total first."""
    recon = data.financial_reconciliation
    if recon.empty:
        return pd.DataFrame()
    frame = recon.assign(family=company_or_family(recon["family"]))
    revenue = ["forecast_revenue", "constrained_revenue", "planned_revenue"]
    sums = frame.groupby("family")[revenue].sum(min_count=1)
    if TOTAL not in sums.index:
        sums.loc[TOTAL] = sums.sum(min_count=1)
    planned = sums["planned_revenue"].where(sums["planned_revenue"] != 0)
    sums["gap"] = sums["forecast_revenue"] - sums["planned_revenue"]
    sums["gap_pct"] = sums["gap"] / planned
    sums["constrained_gap"] = sums["constrained_revenue"] - sums["planned_revenue"]
    sums["constrained_gap_pct"] = sums["constrained_gap"] / planned
    sums["name"] = np.where(sums.index == TOTAL, "Company total", sums.index)
    sums["_total"] = (sums.index != TOTAL).astype(int)
    sums[ROW_CLASS] = np.where(sums.index == TOTAL, "total", "")
    gap = sums["constrained_gap"].fillna(sums["gap"])
    return (
        sums.assign(_gap=gap).sort_values(["_total", "_gap"], kind="stable").reset_index(drop=True)
    )


def reconciliation_view(data: MeetingPackData) -> TableView:
    """Forecast (demand) and constrained plan revenue against the financial plan by family
    over the horizon."""
    columns = (
        Column("name", "Family"),
        Column("forecast_revenue", "Forecast net revenue", "money"),
        Column("constrained_revenue", "Constrained plan (net)", "money"),
        Column("planned_revenue", "Financial plan (net)", "money"),
        Column("gap", "Forecast gap", "signed_money"),
        Column("gap_pct", "Forecast gap %", "signed_pct"),
        Column("constrained_gap", "Constrained gap", "signed_money"),
        Column("constrained_gap_pct", "Constrained gap %", "signed_pct"),
    )
    empty = "No financial plan covers the horizon."
    return TableView(reconciliation_by_family(data), columns, empty, "families")


def promotions_view(data: MeetingPackData) -> TableView:
    """Promotions in the horizon, soonest first, then the largest lift."""
    frame = data.promotions_ahead
    if not frame.empty:
        frame = frame.assign(
            uplift=frame["uplift_pct"] / 100.0, _revenue=-frame["promo_revenue"]
        ).sort_values(["start_month", "_revenue"], kind="stable")
    columns = (
        Column("promo_id", "Promotion", "code"),
        Column("item", "Item", "code"),
        Column("description", "Description"),
        Column("start_month", "From", "month"),
        Column("end_month", "To", "month"),
        Column("uplift", "Planned uplift", "pct"),
        Column("promo_qty", "Forecast lift", "qty"),
        Column("promo_revenue", "Lift revenue", "money"),
    )
    return TableView(frame, columns, "No promotions planned in the horizon.", "promotions")


def lots_view(data: MeetingPackData) -> TableView:
    """Lots at risk (expiry, obsolete, slow movers), most value at risk first."""
    columns = (
        Column("item", "Item", "code"),
        Column("location", "Location"),
        Column("lot", "Lot", "code"),
        Column("expiry_date", "Expires", "date"),
        Column("on_hand_qty", "On hand", "qty"),
        Column("qty_at_risk", "At risk", "qty"),
        Column("value_at_risk", "Value at risk", "money"),
        Column("reason", "Reason", "badge"),
    )
    frame = _by(data.shelf_life_risk, "value_at_risk")
    return TableView(frame, columns, "No lots at risk of expiry or obsolescence.", "lots")


def excess_view(data: MeetingPackData) -> TableView:
    """Excess and obsolete stock per item, most value first."""
    columns = (
        Column("item", "Item", "code"),
        Column("reason", "Main reason", "badge"),
        Column("excess_qty", "Excess", "qty"),
        Column("excess_value", "Excess value", "money"),
        Column("obsolete_qty", "Obsolete", "qty"),
        Column("obsolete_value", "Obsolete value", "money"),
        Column("total_value", "Total value", "money"),
    )
    frame = _by(data.excess_obsolete, "total_value")
    return TableView(frame, columns, "No excess or obsolete stock.", "items")
