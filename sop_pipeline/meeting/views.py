"""The pack's tables: which rows each agenda section shows, in which order (pure pandas).

Every view keeps all qualifying rows sorted by importance; renderers show the top rows and say
how many more there are, so a 10,000-item company gets the same short pack.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.meeting.data import MeetingPackData
from sop_pipeline.meeting.formatting import Formatter
from sop_pipeline.meeting.frames import (
    FAMILY_PREFIX,
    TOTAL,
    column,
    dates,
    flags,
    item_descriptions,
    months,
    numbers,
    of_plan_month,
)
from sop_pipeline.meeting.tables import ROW_CLASS, Column, TableView

ISSUE_CATEGORIES = {
    "supply_gap": "Supply gap",
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
    "months_of_supply": "Months of supply",
    "inventory_turns": "Inventory turns",
    "excess_obsolete_value": "Excess and obsolete stock",
}
KPI_ORDER = tuple(KPI_LABELS)


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


def kpi_unit(kpi: object, unit: object) -> str:
    """The KPI's unit, guessed from its name when the row has none."""
    if isinstance(unit, str) and unit:
        return unit
    name = str(kpi)
    if "value" in name or "cash" in name:
        return "currency"
    if "months" in name:
        return "months"
    if "turns" in name:
        return "turns"
    return "ratio"


def action_states(data: MeetingPackData) -> pd.DataFrame:
    """The action log with ``state`` (overdue, open, done) and ``days_overdue``."""
    frame = of_plan_month(data.actions, data.plan_timestamp).copy()
    if frame.empty:
        return frame.assign(state=pd.Series(dtype=object), days_overdue=pd.Series(dtype=float))
    status = column(frame, "status", "open").fillna("open").astype(str).str.lower()
    due = dates(frame, "due_date")
    meeting = dates(frame, "meeting_date").fillna(data.plan_timestamp + pd.offsets.MonthBegin(1))
    if "is_overdue" in frame.columns:
        overdue = flags(frame, "is_overdue")
    else:
        overdue = (status != "done") & (due < meeting)
    overdue &= status != "done"
    days = numbers(frame, "days_overdue")
    days = days.fillna((meeting - due).dt.days.astype(float)).where(overdue)
    frame["state"] = np.where(status == "done", "done", np.where(overdue, "overdue", "open"))
    frame["days_overdue"] = days
    return frame


def actions_view(data: MeetingPackData) -> TableView:
    """Overdue actions first (longest overdue), then open ones by due date, then done ones."""
    frame = action_states(data)
    if not frame.empty:
        frame = frame.assign(_due=dates(frame, "due_date"))
        parts = [
            frame[frame["state"] == "overdue"].sort_values("days_overdue", ascending=False),
            frame[frame["state"] == "open"].sort_values("_due"),
            frame[frame["state"] == "done"].sort_values("_due", ascending=False),
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
    """The top issues by rank (gross margin at stake)."""
    frame = of_plan_month(data.top_issues, data.plan_timestamp).copy()
    if not frame.empty:
        rank = numbers(frame, "rank")
        frame = frame.assign(
            _rank=rank.fillna(-numbers(frame, "impact_value")),
            category_label=column(frame, "category", "").map(
                lambda c: (
                    ISSUE_CATEGORIES.get(str(c), str(c).replace("_", " ").capitalize())
                    if isinstance(c, str)
                    else ""
                )
            ),
        ).sort_values("_rank", kind="stable")
    columns = (
        Column("rank", "#", "int"),
        Column("category_label", "Category"),
        Column("topic", "Issue"),
        Column("item", "Item", "code"),
        Column("impact_value", "Margin at stake", "money"),
        Column("revenue_value", "Revenue at stake", "money"),
        Column("suggested_decision", "Suggested decision"),
    )
    return TableView(frame, columns, "No issues stand out this month.", "issues")


def exceptions_view(data: MeetingPackData) -> TableView:
    """Forecast changes beyond the thresholds, largest revenue change first."""
    changes = of_plan_month(data.forecast_changes, data.plan_timestamp)
    if changes.empty:
        empty = "No prior forecast to compare with yet (first planned month)."
        return TableView(changes, (), empty, "items")
    keep = flags(changes, "is_exception", default=True)
    frame = changes[keep].copy()
    size = numbers(frame, "change_revenue").abs().fillna(numbers(frame, "change_qty").abs())
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
    return TableView(
        frame, columns, "No forecast changes beyond the exception thresholds.", "items"
    )


def accuracy_view(data: MeetingPackData) -> TableView:
    """Accuracy and forecast value added for the company and each family, lag 1 then lag 3."""
    frame = of_plan_month(data.forecast_accuracy, data.plan_timestamp)
    if not frame.empty:
        item = column(frame, "item", "").astype(str)
        level = column(frame, "level", "").astype(str)
        keep = (
            (item == TOTAL) | item.str.startswith(FAMILY_PREFIX) | level.isin(["total", "family"])
        )
        frame = frame[keep].copy()
        item = item[keep]
        frame["name"] = np.where(
            item == TOTAL, "Company total", item.str.removeprefix(FAMILY_PREFIX)
        )
        frame = frame.assign(
            _total=(item != TOTAL).astype(int), _actual=-numbers(frame, "actual_qty")
        ).sort_values(["lag", "_total", "_actual"] if "lag" in frame else ["_total", "_actual"])
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


def scorecard_view(data: MeetingPackData) -> TableView:
    """Overrides by owner and reason, most overrides first."""
    frame = of_plan_month(data.override_scorecard, data.plan_timestamp)
    if not frame.empty:
        frame = frame.assign(_n=-numbers(frame, "overrides")).sort_values("_n", kind="stable")
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
    return TableView(frame, columns, "No planner overrides have been scored yet.", "rows")


def gaps_by_item(data: MeetingPackData) -> pd.DataFrame:
    """Supply gaps summed per item: first month short, months short, shortage, revenue at risk."""
    gaps = of_plan_month(data.supply_gaps, data.plan_timestamp)
    if gaps.empty or "item" not in gaps.columns:
        return pd.DataFrame()
    frame = gaps.assign(
        month=months(gaps, "month"),
        shortage_qty=numbers(gaps, "shortage_qty"),
        revenue_at_risk=numbers(gaps, "revenue_at_risk").fillna(0.0),
        limiting_item=column(gaps, "limiting_item", ""),
    )
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
    return (
        totals.reset_index()
        .sort_values(["revenue_at_risk", "shortage_qty"], ascending=False, kind="stable")
        .reset_index(drop=True)
    )


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


def past_due_view(data: MeetingPackData) -> TableView:
    """Planned orders (base scenario) whose release is already past due, largest first."""
    mrp = of_plan_month(data.material_requirements, data.plan_timestamp)
    frame = pd.DataFrame()
    if not mrp.empty:
        scenario = column(mrp, "scenario", "base").fillna("base").astype(str)
        frame = mrp[(scenario == "base") & flags(mrp, "release_past_due")].copy()
        qty = numbers(frame, "past_due_release_qty").fillna(numbers(frame, "planned_release_qty"))
        frame = frame.assign(past_due_qty=qty).sort_values("past_due_qty", ascending=False)
    columns = (
        Column("item", "Item", "code"),
        Column("month", "Month", "month"),
        Column("level_code", "BOM level", "int"),
        Column("past_due_qty", "Release past due", "qty"),
        Column("planned_receipt_qty", "Planned receipt", "qty"),
    )
    return TableView(frame, columns, "No planned order release is past due.", "orders")


def late_orders_view(data: MeetingPackData) -> TableView:
    """Open orders already past due, the ones behind supply gaps first, then the latest."""
    frame = of_plan_month(data.late_purchase_orders, data.plan_timestamp)
    if not frame.empty:
        frame = frame.assign(
            _m=-numbers(frame, "margin_at_risk").fillna(0.0),
            _d=-numbers(frame, "days_late").fillna(0.0),
        ).sort_values(["_m", "_d"], kind="stable")
    columns = (
        Column("po", "Order", "code"),
        Column("item", "Item", "code"),
        Column("qty_open", "Open", "qty"),
        Column("due_date", "Due", "date"),
        Column("days_late", "Days late", "int"),
        Column("assumed_arrival_month", "Assumed arrival", "month"),
        Column("margin_at_risk", "Margin at risk", "money"),
    )
    return TableView(frame, columns, "No open order is past due.", "orders")


def kpi_view(data: MeetingPackData, fmt: Formatter) -> TableView:
    """The scorecard: each KPI with value, target, status and direction."""
    frame = of_plan_month(data.kpis, data.plan_timestamp).copy()
    if not frame.empty and "kpi" in frame.columns:
        units = [
            kpi_unit(k, u) for k, u in zip(frame["kpi"], column(frame, "unit", None), strict=True)
        ]
        rank = {name: i for i, name in enumerate(KPI_ORDER)}
        frame = frame.assign(
            label=frame["kpi"].map(kpi_label),
            value_text=[fmt.kpi(u, v) for u, v in zip(units, column(frame, "value"), strict=True)],
            target_text=[
                fmt.kpi(u, v) for u, v in zip(units, column(frame, "target"), strict=True)
            ],
            direction=column(frame, "better", "").map(kpi_direction),
            _rank=frame["kpi"].map(lambda k: rank.get(str(k), len(rank))),
        ).sort_values("_rank", kind="stable")
        frame[ROW_CLASS] = np.where(column(frame, "status", "") == "off_track", "alert", "")
    columns = (
        Column("label", "KPI"),
        Column("value_text", "Value", "formatted"),
        Column("target_text", "Target", "formatted"),
        Column("status", "Status", "badge"),
        Column("direction", "Direction"),
        Column("description", "What it measures"),
    )
    return TableView(frame, columns, "No KPIs computed for this month.", "KPIs")


def reconciliation_by_family(data: MeetingPackData) -> pd.DataFrame:
    """Forecast against the financial plan over the horizon, company total first."""
    recon = of_plan_month(data.financial_reconciliation, data.plan_timestamp)
    if recon.empty:
        return pd.DataFrame()
    frame = recon.assign(
        family=column(recon, "family", TOTAL).fillna(TOTAL).astype(str).replace("", TOTAL),
        forecast_revenue=numbers(recon, "forecast_revenue"),
        planned_revenue=numbers(recon, "planned_revenue"),
    )
    sums = frame.groupby("family")[["forecast_revenue", "planned_revenue"]].sum(min_count=1)
    if TOTAL not in sums.index:
        sums.loc[TOTAL] = sums.sum(min_count=1)
    sums["gap"] = sums["forecast_revenue"] - sums["planned_revenue"]
    sums["gap_pct"] = sums["gap"] / sums["planned_revenue"].where(sums["planned_revenue"] != 0)
    sums["name"] = np.where(sums.index == TOTAL, "Company total", sums.index)
    sums["_total"] = (sums.index != TOTAL).astype(int)
    sums[ROW_CLASS] = np.where(sums.index == TOTAL, "total", "")
    return sums.sort_values(["_total", "gap"], kind="stable").reset_index(drop=True)


def reconciliation_view(data: MeetingPackData) -> TableView:
    """Forecast revenue against the financial plan by family over the horizon."""
    columns = (
        Column("name", "Family"),
        Column("forecast_revenue", "Forecast net revenue", "money"),
        Column("planned_revenue", "Financial plan (net)", "money"),
        Column("gap", "Gap", "signed_money"),
        Column("gap_pct", "Gap %", "signed_pct"),
    )
    empty = "No financial plan covers the horizon."
    return TableView(reconciliation_by_family(data), columns, empty, "families")


def promotions_view(data: MeetingPackData) -> TableView:
    """Promotions in the horizon, soonest first, then the largest lift."""
    frame = of_plan_month(data.promotions_ahead, data.plan_timestamp)
    if not frame.empty:
        frame = frame.assign(
            start_month=months(frame, "start_month"),
            uplift=numbers(frame, "uplift_pct") / 100.0,
            _revenue=-numbers(frame, "promo_revenue"),
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
    frame = of_plan_month(data.shelf_life_risk, data.plan_timestamp)
    if not frame.empty:
        frame = frame.assign(_v=-numbers(frame, "value_at_risk")).sort_values("_v", kind="stable")
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
    return TableView(frame, columns, "No lots at risk of expiry or obsolescence.", "lots")


def excess_view(data: MeetingPackData) -> TableView:
    """Excess and obsolete stock per item, most value first."""
    frame = of_plan_month(data.excess_obsolete, data.plan_timestamp)
    if not frame.empty:
        frame = frame.assign(_v=-numbers(frame, "total_value")).sort_values("_v", kind="stable")
    columns = (
        Column("item", "Item", "code"),
        Column("reason", "Main reason", "badge"),
        Column("excess_qty", "Excess", "qty"),
        Column("excess_value", "Excess value", "money"),
        Column("obsolete_qty", "Obsolete", "qty"),
        Column("obsolete_value", "Obsolete value", "money"),
        Column("total_value", "Total value", "money"),
    )
    return TableView(frame, columns, "No excess or obsolete stock.", "items")
