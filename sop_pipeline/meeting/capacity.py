"""The pack's capacity, options and cash section, read from the constrained plan (what the
company can do; ``sop_pipeline/balance/``):

- load against capacity and overtime per resource (``constrained_capacity``, base) and the
  binding resource-months with the price of one more hour;
- the binding constraints (``constraint_prices``: components, resources, lead times, shelf
  life, the cash path), one row per constraint with its months, highest price, the items it
  touches and the margin the plan loses to it;
- what the unconstrained MRP would need (``capacity_plan``'s rough-cut overload), as a short
  secondary table;
- the priced options of each issue the meeting decides on (``scenario_options``);
- the plan against its targets (``plan_feasibility``) and the cash balance with its low point
  and runway (``cash_projection``).

Views and charts in pure pandas and matplotlib, as :mod:`.views` and :mod:`.charts`; the
section itself is registered in :data:`sop_pipeline.meeting.sections.SECTIONS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from sop_pipeline.balance.cash import RUNWAY_REPEAT
from sop_pipeline.meeting.charts import FULL, HALF, PALETTE, _dates, _line, draw
from sop_pipeline.meeting.data import TOTAL, MeetingPackData
from sop_pipeline.meeting.formatting import Formatter, esc, is_missing, month_label, text
from sop_pipeline.meeting.tables import ROW_CLASS, Column, TableView, badge_class, html_table
from sop_pipeline.meeting.views import company_or_family, item_descriptions

OPTION_LABELS = {
    "plan_to_base": "Plan to base (take the stockout risk)",
    "expedite": "Expedite the component",
    "overtime": "Overtime",
    "prebuild": "Pre-build",
    "spread_deliveries": "Spread deliveries",
    "constrained_plan": "The constrained plan (every lever)",
    "keep_to_cash_path": "Keep to the cash path",
    "relax_cash_path": "Relax the cash path",
    "produce_to_upside": "Produce to the upside",
}
CATEGORY_LABELS = {
    "component": "Component",
    "resource": "Resource",
    "lead_time": "Lead time",
    "shelf_life": "Shelf life",
    "cash": "Cash path",
    "forecast_change": "Forecast up",
}
CATEGORY_OPTION_LABELS = {("cash", "plan_to_base"): "Plan as it stands (the path a target)"}
CHECK_LABELS = {"revenue": "Revenue", "cash": "Cash", "working_capital": "Working capital"}
MAX_OPTION_TABLES = 6
MAX_HOUR_LINES = 5
MRP_NEED_ROWS = 5
AFFECTED_SHOWN = 6
BINDING = 1e-4
"""A shadow price above this binds (as ``balance.prices.PRICE_TOL``)."""


def _base(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["scenario"] == "base"]


def _resource_name(rows: pd.DataFrame, resource: str) -> str:
    """``FILL-T · Tube filling line`` (the resource alone without a description)."""
    described = rows.loc[rows["resource"] == resource, "description"].dropna()
    return f"{resource} · {described.iloc[0]}" if len(described) else resource


def _span(first: object, last: object) -> str:
    """``Nov 2025`` or ``Apr 2026–Jun 2026``."""
    start, end = month_label(first), month_label(last)
    return start if start == end or not end else f"{start}–{end}"


def _months_between(first: object, last: object) -> int:
    """Months from ``first`` to ``last``, both counted."""
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    return (end.year - start.year) * 12 + end.month - start.month + 1


def affected_text(items: object, count: object = None, shown: int = AFFECTED_SHOWN) -> str:
    """A comma-separated list of items cut to ``shown`` of them: ``A, B and 4 more`` (the
    count, when known, is the whole number of items)."""
    listed = text(items).strip()
    more = 0
    if listed.endswith(" more") and " and " in listed:
        listed, _, tail = listed.rpartition(" and ")
        more = int("".join(ch for ch in tail if ch.isdigit()) or 0)
    names = [name.strip() for name in listed.split(",") if name.strip()]
    total = len(names) + more
    if not is_missing(count) and int(count) > total:
        total = int(count)
    if total <= len(names[:shown]):
        return ", ".join(names)
    return f"{', '.join(names[:shown])} and {total - len(names[:shown]):,} more"


# --- headline figures --------------------------------------------------------------------------


def cash_low_point(cash: pd.DataFrame) -> pd.Series | None:
    """The ``cash_projection`` row of the projected month with the lowest cash balance
    (``is_cash_low_point``)."""
    low = cash[cash["is_cash_low_point"] & cash["cash_balance"].notna()]
    return low.iloc[0] if len(low) else None


def runway_words(cash: pd.DataFrame) -> str:
    """The runway of ``cash_projection`` as the meeting reads it: ``runway 41 months on the
    plan's own flows, then its last 12 months at level stock``, ``runway 7.3 months on the
    plan's own flows`` (within the horizon), ``the cash is not used up``; empty without a cash
    position."""
    projected = cash[~cash["is_actual"] & cash["cash_balance"].notna()]
    if projected.empty:
        return ""
    runway = cash["runway_months"].dropna()
    if not len(runway):
        return "the cash is not used up"
    months, horizon = float(runway.iloc[0]), len(projected)
    if months <= horizon:
        return f"runway {months:,.1f} months on the plan's own flows"
    repeat = min(RUNWAY_REPEAT, horizon)
    return (
        f"runway {months:,.0f} months on the plan's own flows, "
        f"then its last {repeat} months at level stock"
    )


def capacity_facts(data: MeetingPackData, fmt: Formatter) -> list[tuple[str, str]]:
    """From the constrained plan: binding resources, overtime cost, lost margin, the cash low
    point and the runway."""
    base = _base(data.constrained_capacity)
    binding = base.loc[base["shadow_price"] > BINDING, "resource"].nunique()
    resources = base["resource"].nunique()
    facts = [
        ("Binding resources", f"{binding:,} of {resources:,}" if resources else "none planned"),
        ("Overtime cost", fmt.money(base["overtime_cost"].sum())),
        ("Lost margin", fmt.money(data.constraint_prices["lost_margin"].sum())),
    ]
    low = cash_low_point(data.cash_projection)
    if low is not None:
        facts.append(
            ("Cash low point", f"{fmt.money(low['cash_balance'])} in {month_label(low['month'])}")
        )
    if runway_words(data.cash_projection):
        runway = data.cash_projection["runway_months"].dropna()
        value = f"{float(runway.iloc[0]):,.1f} months" if len(runway) else "not used up"
        facts.append(("Cash runway", value))
    return facts


# --- capacity and constraints ------------------------------------------------------------------


def binding_months_view(data: MeetingPackData) -> TableView:
    """The constrained plan's binding resource-months (base), the highest price of an hour
    first."""
    base = _base(data.constrained_capacity)
    frame = base[base["shadow_price"] > BINDING].copy()
    if not frame.empty:
        frame["resource_label"] = frame["description"].fillna(frame["resource"])
        frame = frame.sort_values(["shadow_price", "month"], ascending=[False, True])
        frame[ROW_CLASS] = np.where(frame["overtime_used"] > 0, "alert", "")
    columns = (
        Column("resource_label", "Resource"),
        Column("month", "Month", "month"),
        Column("load", "Load", "number"),
        Column("capacity", "Capacity", "number"),
        Column("overtime_capacity", "Overtime available", "number"),
        Column("overtime_used", "Overtime used", "number"),
        Column("overtime_cost", "Overtime cost", "money"),
        Column("utilisation", "Utilisation", "pct"),
        Column("shadow_price", "One more hour is worth", "price"),
    )
    empty = "No resource binds the constrained plan: one more hour would add no margin."
    if data.constrained_capacity.empty:
        empty = "No capacity planned: the company has no resources.csv."
    return TableView(frame, columns, empty, "resource-months")


def hour_sentences(data: MeetingPackData, fmt: Formatter) -> list[tuple[str, str]]:
    """One sentence per binding resource, at its highest price: ``One more hour on FILL-T,
    Tube filling line, in Jun 2026 is worth $48.00 of margin.``"""
    frame = binding_months_view(data).frame
    if frame.empty:
        return []
    top = frame.drop_duplicates("resource").head(MAX_HOUR_LINES)
    lines = []
    for row in top.itertuples():
        described = text(row.description)
        name = f"{row.resource}, {described}," if described else row.resource
        lines.append(
            (
                "",
                f"One more hour on {name} in {month_label(row.month)} is worth "
                f"{fmt.price(row.shadow_price)} of margin.",
            )
        )
    return lines


def binding_constraints(data: MeetingPackData) -> pd.DataFrame:
    """``constraint_prices`` with one row per constraint: its months (first-last), highest
    price, the items of its widest month, lost sales and lost margin summed; the most margin
    lost first, then the highest price."""
    prices = data.constraint_prices
    if prices.empty:
        return pd.DataFrame()
    keys = ["constraint_type", "constraint"]
    widest = prices.assign(_count=prices["affected_item_count"].fillna(-1)).sort_values(
        ["_count", "month"], ascending=[False, True], kind="stable"
    )
    widest = widest.drop_duplicates(keys).set_index(keys)[["affected_items", "affected_item_count"]]
    grouped = prices.groupby(keys, sort=False).agg(
        description=("description", "first"),
        first_month=("month", "min"),
        last_month=("month", "max"),
        months=("month", "nunique"),
        shadow_price=("shadow_price", "max"),
        unit=("unit", "first"),
        lost_sales_qty=("lost_sales_qty", "sum"),
        lost_margin=("lost_margin", "sum"),
    )
    frame = grouped.join(widest).reset_index()
    frame["type_label"] = frame["constraint_type"].map(
        lambda kind: CATEGORY_LABELS.get(str(kind), text(kind).replace("_", " ").capitalize())
    )
    frame["months_text"] = [
        _span(first, last) + (f" ({count} months)" if count < _months_between(first, last) else "")
        for first, last, count in zip(
            frame["first_month"], frame["last_month"], frame["months"], strict=True
        )
    ]
    fmt = Formatter(data.currency)
    frame["price_text"] = [
        f"{fmt.price(price)} {text(unit)}".strip()
        for price, unit in zip(frame["shadow_price"], frame["unit"], strict=True)
    ]
    frame["affected_text"] = [
        affected_text(items, count)
        for items, count in zip(frame["affected_items"], frame["affected_item_count"], strict=True)
    ]
    frame = frame.sort_values(["lost_margin", "shadow_price"], ascending=False, kind="stable")
    frame[ROW_CLASS] = np.where(frame["lost_margin"] >= 0.5, "alert", "")
    return frame.reset_index(drop=True)


def constraints_view(data: MeetingPackData) -> TableView:
    """The binding constraints, one row each (:func:`binding_constraints`)."""
    columns = (
        Column("type_label", "Type"),
        Column("constraint", "Constraint", "code"),
        Column("description", "Description"),
        Column("months_text", "Binds in", "code"),
        Column("price_text", "Highest price", "formatted"),
        Column("affected_text", "Affected items", "items"),
        Column("lost_sales_qty", "Lost sales", "qty"),
        Column("lost_margin", "Lost margin", "money"),
    )
    empty = "No constraint binds the constrained plan."
    return TableView(binding_constraints(data), columns, empty, "constraints")


def mrp_need_view(data: MeetingPackData) -> TableView:
    """What the unconstrained MRP would need: its resource-months loaded beyond capacity and
    overtime (``capacity_plan``, base), the largest overload first."""
    base = _base(data.capacity_plan)
    frame = base[base["overload"] > 0].copy()
    if not frame.empty:
        frame["resource_label"] = frame["description"].fillna(frame["resource"])
        frame["with_overtime"] = frame["capacity"] + frame["overtime_capacity"].fillna(0.0)
        frame = frame.sort_values(["overload", "month"], ascending=[False, True])
    columns = (
        Column("resource_label", "Resource"),
        Column("month", "Month", "month"),
        Column("load", "Load the MRP needs", "number"),
        Column("with_overtime", "Capacity with overtime", "number"),
        Column("overload", "Beyond overtime", "number"),
    )
    empty = "The unconstrained MRP's load fits within capacity and overtime."
    if data.capacity_plan.empty:
        empty = "No capacity planned: the company has no resources.csv."
    return TableView(frame, columns, empty, "resource-months")


# --- options -----------------------------------------------------------------------------------


def option_labels(options: pd.DataFrame) -> pd.Series:
    """Each option's name for people (:data:`OPTION_LABELS`; plan to base of the cash path is
    the plan as it stands)."""
    labels = [
        CATEGORY_OPTION_LABELS.get((text(category), text(option)))
        or OPTION_LABELS.get(text(option), text(option))
        for category, option in zip(options["category"], options["option"], strict=True)
    ]
    return pd.Series(labels, index=options.index, dtype=object)


def options_order(data: MeetingPackData) -> list[str]:
    """The issues whose option table the pack shows: the top issues that have options, by
    rank, then the other issues of ``scenario_options`` in its order."""
    options = data.scenario_options
    if options.empty:
        return []
    known = list(dict.fromkeys(options["issue"].astype(str)))
    issues = data.top_issues.sort_values("rank", kind="stable")
    keys = (issues["category"].astype(str) + ":" + issues["item"].astype(str)).tolist()
    order = [k for k in keys if k in set(known)]
    order += [k for k in known if k not in order]
    return list(dict.fromkeys(order))[:MAX_OPTION_TABLES]


def _runway_text(runway: object, low: object) -> str:
    """An option's runway: months, or ``not used up`` where the cash is known."""
    if not is_missing(runway):
        return f"{float(runway):,.1f}"
    return "not used up" if not is_missing(low) else ""


def option_view(data: MeetingPackData, issue: str) -> TableView:
    """One issue's options, in the order the table lists them; the suggestion flagged."""
    frame = data.scenario_options[data.scenario_options["issue"] == issue].copy()
    frame["option_label"] = option_labels(frame)
    frame["extra_cost"] = frame[["overtime_cost", "expedite_cost", "holding_cost"]].sum(axis=1)
    frame["state"] = np.where(
        frame["is_suggested"], "suggested", np.where(frame["is_feasible"], "option", "infeasible")
    )
    decision, note = frame["decision"].fillna("").astype(str), frame["note"].fillna("").astype(str)
    with_note = np.where(note.ne("") & decision.ne(""), decision + " (" + note + ")", decision)
    frame["what"] = np.where(frame["is_feasible"] & decision.ne(""), with_note, note)
    frame["runway_text"] = [
        _runway_text(r, low)
        for r, low in zip(frame["runway_months"], frame["cash_low_point"], strict=True)
    ]
    frame[ROW_CLASS] = np.where(frame["is_suggested"], "suggested", "")
    columns = (
        Column("option_label", "Option"),
        Column("state", "", "badge"),
        Column("margin_vs_base", "Margin vs plan to base", "signed_money"),
        Column("extra_inventory_cash_peak", "Extra cash at peak", "money"),
        Column("service_level", "Fill rate", "pct"),
        Column("extra_cost", "Overtime, expedite, holding", "money"),
        Column("cash_low_point", "Cash low point", "money"),
        Column("runway_text", "Runway (months)", "formatted"),
        Column("what", "Decision, or why not"),
    )
    return TableView(frame, columns, "No options.", "options")


def _subject(data: MeetingPackData, category: str, item: str) -> str:
    """What an issue is about: ``FILL-T · Tube filling line``, the item or resource with its
    description."""
    if category == "cash":
        return "inventory within the dated cash path"
    if category == "resource":
        rows = pd.concat([data.constrained_capacity, data.capacity_plan])
        return _resource_name(rows, item) if not rows.empty else item
    prices = data.constraint_prices
    described = prices.loc[prices["constraint"] == item, "description"].dropna()
    if len(described):
        return f"{item} · {described.iloc[0]}"
    descriptions = item_descriptions(data.forecast_changes, data.forecast)
    return f"{item} · {descriptions[item]}" if item in descriptions else item


def _issue_title(data: MeetingPackData, issue: str) -> str:
    first = data.scenario_options[data.scenario_options["issue"] == issue].iloc[0]
    kind, _, subject = issue.partition(":")
    category, item = text(first["category"]) or kind, text(first["item"]) or subject
    label = CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())
    months = _span(first["first_month"], first["last_month"])
    return f"{label}: {_subject(data, category, item)}, {months}"


def _issue_line(data: MeetingPackData, issue: str) -> str:
    """The issue's rank among the top issues and the items it affects."""
    first = data.scenario_options[data.scenario_options["issue"] == issue].iloc[0]
    issues = data.top_issues
    rank = issues.loc[(issues["category"] + ":" + issues["item"]) == issue, "rank"].dropna()
    parts = [f"Top issue #{int(rank.iloc[0])}"] if len(rank) else []
    affected = affected_text(first["affected_items"])
    if affected:
        parts.append(f"affected items: {affected}")
    line = " · ".join(parts)
    return line[:1].upper() + line[1:]


@dataclass(frozen=True)
class OptionTables:
    """The option table of each issue of :func:`options_order`, one titled table each."""

    def html(self, data: MeetingPackData, fmt: Formatter) -> str:
        issues = options_order(data)
        if not issues:
            return (
                '<p class="empty">No binding component, resource or cash path and no upward '
                "forecast change to decide on.</p>"
            )
        parts = []
        for issue in issues:
            title = esc(_issue_title(data, issue))
            line = _issue_line(data, issue)
            line_html = f'<p class="note">{esc(line)}</p>' if line else ""
            table = html_table(option_view(data, issue), fmt, data.max_rows)
            parts.append(
                f'<div class="option-table" data-issue="{esc(issue)}"><h4>{title}</h4>'
                f"{line_html}{table}</div>"
            )
        more = data.scenario_options["issue"].nunique() - len(issues)
        if more > 0:
            parts.append(
                f'<p class="more">… and {more:,} more issues with options: see the '
                "workbook's Decision options sheet.</p>"
            )
        return "".join(parts)


def suggestions_view(data: MeetingPackData) -> TableView:
    """The suggested option of each issue shown (for the Markdown agenda)."""
    options = data.scenario_options
    order = {issue: k for k, issue in enumerate(options_order(data))}
    frame = options[options["is_suggested"] & options["issue"].isin(order)].copy()
    if not frame.empty:
        frame["option_label"] = option_labels(frame)
        frame = frame.assign(_order=frame["issue"].map(order)).sort_values("_order")
    columns = (
        Column("issue", "Issue", "code"),
        Column("option_label", "Suggested"),
        Column("margin_vs_base", "Margin vs plan to base", "signed_money"),
        Column("decision", "Decision"),
    )
    return TableView(frame, columns, "No options to decide on.", "issues")


# --- the plan against its targets, and cash ----------------------------------------------------


@dataclass(frozen=True)
class Lines:
    """A list of sentences ``data-lines=name``, each with an optional status badge:
    ``lines(data, fmt)`` gives (status, sentence) pairs; without any, ``empty``."""

    name: str
    lines: Callable[[MeetingPackData, Formatter], list[tuple[str, str]]]
    empty: str = ""

    def html(self, data: MeetingPackData, fmt: Formatter) -> str:
        lines = self.lines(data, fmt)
        if not lines:
            return f'<p class="empty">{esc(self.empty)}</p>' if self.empty else ""
        items = []
        for status, sentence in lines:
            badge = (
                f'<span class="badge {badge_class(status)}">'
                f"{esc(status.replace('_', ' ').capitalize())}</span> "
                if status
                else ""
            )
            items.append(f"<li>{badge}{esc(sentence)}</li>")
        return f'<ul class="lines" data-lines="{esc(self.name)}">{"".join(items)}</ul>'


def _status(is_met: object, target: object) -> str:
    if is_missing(target):
        return "no_target"
    return "met" if bool(is_met) else "not_met"


def _revenue_line(data: MeetingPackData, row: pd.Series, fmt: Formatter) -> str:
    recon = data.financial_reconciliation
    total = recon[company_or_family(recon["family"]) == TOTAL]
    demand = total["forecast_revenue"].sum(min_count=1) if len(total) else np.nan
    parts = [] if is_missing(demand) else [f"demand {fmt.money(demand)}"]
    parts.append(f"the constrained plan {fmt.money(row['value'])}")
    sentence = "Net revenue over the horizon: " + ", ".join(parts)
    if is_missing(row["target"]):
        return sentence + "; no financial plan covers the horizon."
    gap = float(row["value"]) - float(row["target"])
    return (
        f"{sentence}, the financial plan {fmt.money(row['target'])} "
        f"({fmt.by_kind('signed_money', gap)} against the plan)."
    )


def _cash_line(data: MeetingPackData, row: pd.Series, fmt: Formatter) -> str:
    if is_missing(row["value"]):
        return f"Cash: {text(row['detail']) or 'no cash position (cash.csv)'}."
    words = runway_words(data.cash_projection)
    sentence = (
        f"Cash: low point {fmt.money(row['value'])} in {month_label(row['month'])}, against a "
        f"floor of {fmt.money(row['target'])}"
    )
    return f"{sentence}; {words}." if words else f"{sentence}."


def _working_capital_line(row: pd.Series, fmt: Formatter) -> str:
    if is_missing(row["value"]) or is_missing(row["target"]):
        return f"Working capital: {text(row['detail']) or 'no commitment'}."
    reach = "reachable" if bool(row["is_met"]) else "not reachable"
    level = "none" if is_missing(row["service_level"]) else fmt.pct(row["service_level"])
    given = row["margin_given_up"]
    if is_missing(given):
        cost = "the plan does not plan to the path"
    elif float(given) < 0.5:
        cost = "keeping to the path costs no margin"
    else:
        cost = f"keeping to the path costs {fmt.money(given)} of expected margin"
    return (
        f"Working capital: the inventory policy needs {fmt.money(row['value'])} of stock, the "
        f"cash path allows {fmt.money(row['target'])} by {month_label(row['month'])}: "
        f"{reach} at today's policy; the service level that meets it: {level}; {cost}."
    )


def feasibility_lines(data: MeetingPackData, fmt: Formatter) -> list[tuple[str, str]]:
    """One line per ``plan_feasibility`` check: revenue (demand, the constrained plan, the
    financial plan), cash (low point and runway), working capital (reachable or not, the
    service level that meets it, the margin keeping to the path costs)."""
    frame = data.plan_feasibility
    order = {check: k for k, check in enumerate(CHECK_LABELS)}
    frame = frame.assign(_order=frame["check"].map(lambda c: order.get(c, len(order))))
    lines = []
    for _, row in frame.sort_values("_order", kind="stable").iterrows():
        check = text(row["check"])
        if check == "revenue":
            sentence = _revenue_line(data, row, fmt)
        elif check == "cash":
            sentence = _cash_line(data, row, fmt)
        elif check == "working_capital":
            sentence = _working_capital_line(row, fmt)
        else:
            sentence = f"{check.replace('_', ' ').capitalize()}: {text(row['detail'])}."
        lines.append((_status(row["is_met"], row["target"]), sentence))
    return lines


def cash_series(data: MeetingPackData) -> pd.DataFrame:
    """The projected months with a cash balance, in order."""
    cash = data.cash_projection
    return cash[~cash["is_actual"] & cash["cash_balance"].notna()].sort_values("month")


def cash_view(data: MeetingPackData) -> TableView:
    """The constrained plan's cash flows and balance month by month (with cash.csv), its low
    point marked."""
    frame = cash_series(data).copy()
    if not frame.empty:
        low = frame["is_cash_low_point"]
        frame["mark"] = np.where(low, "low_point", "")
        frame[ROW_CLASS] = np.where(low, "low-point", "")
    columns = (
        Column("month", "Month", "month"),
        Column("cash_inflow", "Sales collected", "money"),
        Column("purchase_spend", "Purchases", "money"),
        Column("overtime_cost", "Overtime", "money"),
        Column("expedite_cost", "Expedite premiums", "money"),
        Column("operating_burn", "Operating burn", "money"),
        Column("net_cash_flow", "Net cash flow", "signed_money"),
        Column("cash_balance", "Cash at month end", "money"),
        Column("mark", "", "badge"),
    )
    return TableView(frame, columns, "No cash position: the company has no cash.csv.", "months")


# --- charts ------------------------------------------------------------------------------------


def charted_resources(data: MeetingPackData) -> list[str]:
    """The resources charted, ``chart_items`` of them: the binding ones first (the highest
    price of an hour first), then the most utilised at their peak."""
    base = _base(data.constrained_capacity)
    if base.empty or data.chart_items == 0:
        return []
    by = base.groupby("resource").agg(price=("shadow_price", "max"), peak=("utilisation", "max"))
    by["binding"] = by["price"] > BINDING
    by = by.sort_values(["binding", "price", "peak"], ascending=False, kind="stable")
    return [str(r) for r in by.index[: data.chart_items]]


def resource_chart(data: MeetingPackData, resource: str, title: str) -> tuple[str, str]:
    """The constrained plan's load by month as bars (binding months highlighted) against
    regular capacity and capacity with overtime."""
    base = _base(data.constrained_capacity)
    rows = base[base["resource"] == resource].sort_values("month")
    name = _resource_name(rows, resource)

    def paint(ax: Axes) -> None:
        when = _dates(rows["month"])
        binding = (rows["shadow_price"] > BINDING).to_numpy()
        load = rows["load"].to_numpy(dtype=float)
        ax.bar(when[~binding], load[~binding], width=18, color=PALETTE["bars"], label="Load")
        if binding.any():
            ax.bar(when[binding], load[binding], width=18, color=PALETTE["upside"],
                   label="Load, binding month")  # fmt: skip
        ax.step(when, rows["capacity"], where="mid", color=PALETTE["forecast"], linewidth=1.3,
                label="Regular capacity")  # fmt: skip
        ax.step(when, rows["capacity"] + rows["overtime_capacity"], where="mid",
                color=PALETTE["safety"], linewidth=1.1, linestyle="--",
                label="With overtime")  # fmt: skip
        ax.set_ylim(bottom=0)
        ax.set_ylabel("hours")

    order = ("Load", "Load, binding month", "Regular capacity", "With overtime")
    svg = draw(f"Load against capacity: {name}", paint, title=name, y="qty", legend=2,
               order=order)  # fmt: skip
    caption = (
        f"{name}: the constrained plan's load by month (open production orders included) "
        "against regular capacity and capacity with overtime"
    )
    top = (
        rows.loc[rows["shadow_price"].idxmax()] if (rows["shadow_price"] > BINDING).any() else None
    )
    if top is not None:
        price = Formatter(data.currency).price(top["shadow_price"])
        caption += (
            f"; amber: binding, one more hour would add margin (most in "
            f"{month_label(top['month'])}: {price})."
        )
    else:
        caption += "; it does not bind."
    return svg, caption


def cash_balance_chart(series: pd.DataFrame, fmt: Formatter) -> str:
    """The constrained plan's month-end cash balance with its low point, and the zero line."""

    def paint(ax: Axes) -> None:
        balance = series["cash_balance"].to_numpy(dtype=float)
        when = _dates(series["month"])
        _line(ax, series["month"], balance, "forecast", "Cash at month end", dot=2.6)
        below = balance < 0
        if below.any():
            ax.plot(when[below], balance[below], linestyle="none", marker="o", markersize=5,
                    color=PALETTE["bad"], label="Below zero")  # fmt: skip
        low = series["is_cash_low_point"].to_numpy(dtype=bool)
        if low.any():
            k = int(np.flatnonzero(low)[0])
            ax.plot(when[k : k + 1], balance[k : k + 1], linestyle="none", marker="D",
                    markersize=7, color=PALETTE["upside"], label="Low point")  # fmt: skip
            when_low = month_label(series["month"].iloc[k])
            ax.annotate(
                f"Low point {fmt.compact_money(balance[k])}, {when_low}",
                (when[k], balance[k]), textcoords="offset points", xytext=(0, -14),
                ha="center", fontsize=7.5, color=PALETTE["upside"], fontweight="bold",
            )  # fmt: skip
        ax.axhline(0, color="#9aa5b1", linewidth=0.8)
        ax.set_ylim(bottom=min(0.0, float(np.nanmin(balance)) * 1.1))

    order = ("Cash at month end", "Low point", "Below zero")
    return draw("Cash balance under the constrained plan", paint,
                title="Cash balance, constrained plan", y="money", fmt=fmt,
                size=HALF if len(series) < 4 else FULL, legend=3, order=order)  # fmt: skip


def cash_caption(series: pd.DataFrame, fmt: Formatter) -> str:
    """The cash chart's caption: where the flows come from, the low point and the runway."""
    low = cash_low_point(series)
    where = (
        f"; low point {fmt.money(low['cash_balance'])} in {month_label(low['month'])}"
        if low is not None
        else ""
    )
    words = runway_words(series)
    return (
        "Opening cash (cash.csv) plus the sales the constrained plan collects, less its "
        f"purchases, expedite premiums, overtime and the operating burn{where}"
        f"{'; ' + words if words else ''}."
    )
