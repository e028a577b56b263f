"""The pack's capacity and options section: load against capacity per resource, the overloaded
months, the priced option table of each issue the meeting decides on, and the cash runway.

Views and charts in pure pandas and matplotlib, as :mod:`.views` and :mod:`.charts`; the
section itself is registered in :data:`sop_pipeline.meeting.sections.SECTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sop_pipeline.meeting.charts import FULL, HALF, PALETTE, _dates, _line, draw
from sop_pipeline.meeting.data import MeetingPackData
from sop_pipeline.meeting.formatting import Formatter, esc, month_label
from sop_pipeline.meeting.tables import ROW_CLASS, Column, TableView, html_table

OPTION_LABELS = {
    "plan_to_base": "Plan to base (take the stockout risk)",
    "produce_to_upside": "Produce to the upside",
    "overtime": "Overtime",
    "prebuild": "Pre-build",
    "spread_deliveries": "Spread deliveries",
    "expedite": "Expedite the limiting item",
}
CATEGORY_LABELS = {
    "supply_gap": "Supply gap",
    "capacity": "Capacity",
    "forecast_change": "Forecast up",
}
MAX_OPTION_TABLES = 6


def _base(data: MeetingPackData) -> pd.DataFrame:
    plan = data.capacity_plan
    return plan[plan["scenario"] == "base"]


def capacity_facts(data: MeetingPackData, fmt: Formatter) -> list[tuple[str, str]]:
    """Resources, overloaded months, overtime cost, expected margin at risk, cash runway."""
    base = _base(data)
    facts = [
        ("Resources", f"{base['resource'].nunique():,}"),
        ("Overloaded months", f"{int((base['overload'] > 0).sum()):,}"),
        ("Overtime cost", fmt.money(base["overtime_cost"].sum())),
        ("Margin at risk (expected)", fmt.money(base["margin_at_risk"].sum())),
    ]
    runway = data.cash_projection["runway_months"].dropna()
    cash_known = data.cash_projection["cash_as_of_month"].notna().any()
    if len(runway):
        facts.append(("Cash runway", f"{float(runway.iloc[0]):,.1f} months"))
    elif cash_known:
        facts.append(("Cash runway", "not consumed"))
    return facts


def overload_view(data: MeetingPackData) -> TableView:
    """Resource-months above regular capacity (base plan), the overloaded ones first."""
    base = _base(data)
    frame = base[base["load"] > base["capacity"]].copy()
    if not frame.empty:
        frame["resource_label"] = frame["description"].fillna(frame["resource"])
        frame = frame.sort_values(["overload", "utilisation"], ascending=False)
        frame[ROW_CLASS] = np.where(frame["overload"] > 0, "alert", "")
    columns = (
        Column("resource_label", "Resource"),
        Column("month", "Month", "month"),
        Column("load", "Load", "number"),
        Column("capacity", "Capacity", "number"),
        Column("utilisation", "Utilisation", "pct"),
        Column("overtime_used", "Overtime used", "number"),
        Column("overtime_cost", "Overtime cost", "money"),
        Column("overload", "Overload", "number"),
        Column("units_short", "Units not made", "qty"),
        Column("revenue_at_risk", "Expected revenue lost", "money"),
        Column("prebuild_load", "Pre-buildable", "number"),
    )
    empty = "No resource is loaded above its regular capacity."
    if data.capacity_plan.empty:
        empty = "No capacity planned: the company has no resources.csv."
    return TableView(frame, columns, empty, "resource-months")


def options_order(data: MeetingPackData) -> list[str]:
    """The issues whose option table the pack shows: the top issues that have one, by rank,
    then the overloaded resources, the most margin at risk first."""
    options = data.scenario_options
    if options.empty:
        return []
    issues = data.top_issues
    keys = (issues["category"].astype(str) + ":" + issues["item"].astype(str)).tolist()
    known = set(options["issue"])
    order = [k for k in keys if k in known]
    plan = _base(data)
    risk = plan.groupby("resource")["margin_at_risk"].sum().sort_values(ascending=False)
    order += [f"capacity:{r}" for r in risk.index if f"capacity:{r}" in known]
    return list(dict.fromkeys(order))[:MAX_OPTION_TABLES]


def option_view(data: MeetingPackData, issue: str) -> TableView:
    """One issue's options, in the order the table lists them; the suggestion flagged."""
    frame = data.scenario_options[data.scenario_options["issue"] == issue].copy()
    frame["option_label"] = frame["option"].map(OPTION_LABELS).fillna(frame["option"])
    frame["extra_cost"] = frame[["overtime_cost", "expedite_cost", "holding_cost"]].sum(axis=1)
    frame["state"] = np.where(
        frame["is_suggested"], "suggested", np.where(frame["is_feasible"], "option", "infeasible")
    )
    frame["what"] = np.where(
        frame["is_feasible"] & frame["decision"].fillna("").ne(""),
        frame["decision"].fillna(""),
        frame["note"].fillna(""),
    )
    frame[ROW_CLASS] = np.where(frame["is_suggested"], "suggested", "")
    columns = (
        Column("option_label", "Option"),
        Column("state", "", "badge"),
        Column("margin_vs_base", "Expected margin vs plan", "signed_money"),
        Column("service_level", "Fill rate", "pct"),
        Column("expected_revenue_at_risk", "Revenue at risk", "money"),
        Column("extra_inventory_cash_peak", "Extra stock at peak", "money"),
        Column("purchase_spend", "Extra purchases", "money"),
        Column("extra_cost", "Overtime, expedite, holding", "money"),
        Column("expected_excess_value", "Stock left at end", "money"),
        Column("runway_months", "Runway (months)", "number"),
        Column("what", "Decision, or why not"),
    )
    return TableView(frame, columns, "No options.", "options")


def _issue_title(data: MeetingPackData, issue: str) -> str:
    rows = data.scenario_options[data.scenario_options["issue"] == issue]
    first = rows.iloc[0]
    category = CATEGORY_LABELS.get(str(first["category"]), str(first["category"]))
    topic = data.top_issues.loc[
        (data.top_issues["category"] + ":" + data.top_issues["item"]) == issue, "topic"
    ]
    subject = topic.iloc[0] if len(topic) else str(first["item"])
    if first["category"] == "capacity" and not len(topic):
        described = _base(data).loc[_base(data)["resource"] == first["item"], "description"]
        subject = str(described.dropna().iloc[0]) if described.notna().any() else subject
    months = f"{month_label(first['first_month'])}-{month_label(first['last_month'])}"
    return f"{category}: {subject} ({months})"


@dataclass(frozen=True)
class OptionTables:
    """The option table of each issue of :func:`options_order`, one titled table each."""

    def html(self, data: MeetingPackData, fmt: Formatter) -> str:
        issues = options_order(data)
        if not issues:
            return (
                '<p class="empty">No supply gap, overload or upward forecast change to decide '
                "on.</p>"
            )
        parts = []
        for issue in issues:
            title = esc(_issue_title(data, issue))
            table = html_table(option_view(data, issue), fmt, data.max_rows)
            parts.append(
                f'<div class="option-table" data-issue="{esc(issue)}"><h4>{title}</h4>{table}</div>'
            )
        return "".join(parts)


def suggestions_view(data: MeetingPackData) -> TableView:
    """The suggested option of each issue shown (for the Markdown agenda)."""
    options = data.scenario_options
    order = {issue: k for k, issue in enumerate(options_order(data))}
    frame = options[options["is_suggested"] & options["issue"].isin(order)].copy()
    if not frame.empty:
        frame["option_label"] = frame["option"].map(OPTION_LABELS).fillna(frame["option"])
        frame = frame.assign(_order=frame["issue"].map(order)).sort_values("_order")
    columns = (
        Column("issue", "Issue", "code"),
        Column("option_label", "Suggested"),
        Column("margin_vs_base", "Expected margin vs plan", "signed_money"),
        Column("decision", "Decision"),
    )
    return TableView(frame, columns, "No options to decide on.", "issues")


def cash_view(data: MeetingPackData) -> TableView:
    """The base plan's cash balance month by month (with cash.csv)."""
    cash = data.cash_projection
    frame = cash[~cash["is_actual"] & cash["cash_balance"].notna()].sort_values("month")
    columns = (
        Column("month", "Month", "month"),
        Column("cash_inflow", "Sales collected", "money"),
        Column("purchase_spend", "Purchases", "money"),
        Column("overtime_cost", "Overtime", "money"),
        Column("operating_burn", "Operating burn", "money"),
        Column("cash_balance", "Cash at month end", "money"),
    )
    return TableView(frame, columns, "No cash position: the company has no cash.csv.", "months")


# --- charts ------------------------------------------------------------------------------------


def charted_resources(data: MeetingPackData) -> list[str]:
    """The resources charted: the most utilised at their peak first, ``chart_items`` of them."""
    base = _base(data)
    if base.empty or data.chart_items == 0:
        return []
    peak = base.groupby("resource")["utilisation"].max().sort_values(ascending=False)
    return [str(r) for r in peak.index[: data.chart_items]]


def resource_chart(data: MeetingPackData, resource: str, title: str) -> tuple[str, str]:
    """Load by month as bars against regular capacity and capacity with overtime."""
    rows = _base(data)
    rows = rows[rows["resource"] == resource].sort_values("month")
    described = rows["description"].dropna()
    name = f"{resource} · {described.iloc[0]}" if len(described) else resource

    def paint(ax: Axes) -> None:
        when = _dates(rows["month"])
        over = (rows["load"] > rows["capacity"] + rows["overtime_capacity"]).to_numpy()
        colors = np.where(over, PALETTE["bad"], PALETTE["bars"])
        ax.bar(when, rows["load"], width=18, color=colors, label="Load")
        ax.step(when, rows["capacity"], where="mid", color=PALETTE["forecast"], linewidth=1.3,
                label="Regular capacity")  # fmt: skip
        ax.step(when, rows["capacity"] + rows["overtime_capacity"], where="mid",
                color=PALETTE["upside"], linewidth=1.1, linestyle="--",
                label="With overtime")  # fmt: skip
        ax.set_ylim(bottom=0)
        ax.set_ylabel("hours")

    order = ("Load", "Regular capacity", "With overtime")
    svg = draw(f"Load against capacity: {name}", paint, title=name, y="qty", legend=3,
               order=order)  # fmt: skip
    caption = (
        f"{name}: load of the base plan's production orders by month (red: beyond capacity and "
        "overtime) against regular capacity and capacity with overtime."
    )
    return svg, caption


def cash_series(data: MeetingPackData) -> pd.DataFrame:
    cash = data.cash_projection
    return cash[~cash["is_actual"] & cash["cash_balance"].notna()].sort_values("month")


def cash_balance_chart(series: pd.DataFrame, fmt: Formatter) -> str:
    """The base plan's month-end cash balance, with the zero line."""

    def paint(ax: Axes) -> None:
        balance = series["cash_balance"].to_numpy(dtype=float)
        _line(ax, series["month"], balance, "forecast", "Cash at month end", dot=2.6)
        low = balance < 0
        if low.any():
            when = _dates(series["month"])
            ax.plot(when[low], balance[low], linestyle="none", marker="o", markersize=5,
                    color=PALETTE["bad"], label="Below zero")  # fmt: skip
        ax.axhline(0, color="#9aa5b1", linewidth=0.8)
        ax.set_ylim(bottom=min(0.0, float(np.nanmin(balance)) * 1.1))

    return draw("Cash balance under the base plan", paint, title="Cash balance, base plan",
                y="money", fmt=fmt, size=HALF if len(series) < 4 else FULL, legend=2)  # fmt: skip


def cash_caption(series: pd.DataFrame) -> str:
    runway = series["runway_months"].dropna()
    words = (
        f"runway {float(runway.iloc[0]):,.1f} months"
        if len(runway)
        else "the plan does not consume cash over the horizon"
    )
    return (
        "Opening cash (cash.csv) plus the sales the plan collects, less purchases, overtime and "
        f"the operating burn; {words}."
    )
