"""Page one of the pack: the brief leadership reads before the meeting.

One screen: the status of the earlier meetings' decisions (applied or not, their action on
track, the value added so far), the decisions needed (the agenda's root-cause issues, each with
what it is, the money at stake, the suggested option and the stock it ties up, who decides and
by when), the plan's feasibility in one line each (revenue three ways, cash low point and
runway, the working-capital target, the decided production), the prior actions due or overdue,
and five KPIs with their change since last month. Everything else is the appendix below it,
each section linked from here.
"""

from __future__ import annotations

import pandas as pd

from sop_pipeline.meeting import views as v
from sop_pipeline.meeting.data import MeetingPackData
from sop_pipeline.meeting.formatting import Formatter, date_label, esc

BRIEF_ID = "brief"
BRIEF_KPIS = ("fill_rate", "wape_lag1", "bias_lag1", "inventory_value", "cash_runway_months")
"""The five KPIs of page one: service, forecast quality (error and bias), cash in stock, and
how long the cash lasts."""
FEASIBILITY_ORDER = ("revenue", "cash", "working_capital", "decisions")
FEASIBILITY_LABELS = {
    "revenue": "Revenue",
    "cash": "Cash",
    "working_capital": "Working capital",
    "decisions": "Decided production",
}
DEFAULT_DECIDER = "S&OP lead"
MAX_ACTIONS = 5


def _what(issue: pd.Series) -> str:
    """The issue in a few words: its sentence up to the first colon, and its item count."""
    topic = str(issue.get("topic") or "")
    head = topic.split(": ", 1)[0]
    count = issue.get("affected_item_count")
    if pd.notna(count) and int(count) > 1:
        head += f" · {int(count)} items"
    return head


def _price(issue: pd.Series, fmt: Formatter) -> str:
    """The constraint's price, e.g. `` · one more unit is worth $0.06``."""
    price = issue.get("shadow_price")
    if pd.isna(price) or not issue.get("price_per"):
        return ""
    return f" · one more {issue['price_per']} is worth {fmt.price(price)}"


def _decisions(data: MeetingPackData, fmt: Formatter) -> str:
    issues = data.top_issues
    if issues.empty:
        return '<p class="empty">No decision is needed this month: nothing binds with a loss.</p>'
    issues = issues.sort_values("rank", kind="stable")
    material = issues["impact_value"].fillna(0.0) >= data.materiality
    below = _below_materiality(issues[~material], data.materiality, fmt)
    if not material.any():
        return f'<p class="empty">No decision is needed this month: {esc(below)}</p>'
    rows = []
    for _, issue in issues[material].iterrows():
        decider = data.decision_owners.get(str(issue["category"]), DEFAULT_DECIDER)
        cash = issue.get("option_cash")
        ties = f" · ties up {fmt.money(cash)} of stock" if pd.notna(cash) and cash >= 0.5 else ""
        drivers = issue.get("drivers")
        why = f'<div class="why">{esc(drivers)}</div>' if pd.notna(drivers) and drivers else ""
        rows.append(
            "<tr>"
            f'<td class="num">{int(issue["rank"])}</td>'
            f"<td>{esc(_what(issue) + _price(issue, fmt))}{why}</td>"
            f'<td class="num">{esc(fmt.money(issue["impact_value"]))}</td>'
            f"<td>{esc(issue['suggested_decision'])}{esc(ties)}</td>"
            f"<td>{esc(decider)}<br>by {esc(date_label(issue.get('decide_by')))}</td>"
            "</tr>"
        )
    return (
        '<table class="brief-table decisions"><thead><tr><th>#</th><th>Decision needed</th>'
        '<th class="num">Margin at stake</th><th>Suggested</th><th>Who, by when</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        + (f'<p class="note">Also on the agenda: {esc(below)}</p>' if below else "")
    )


def _below_materiality(issues: pd.DataFrame, materiality: float, fmt: Formatter) -> str:
    """The agenda's issues whose margin at stake is below ``meeting.materiality``, named with
    their stakes: not decisions page one asks for (any option of theirs is within
    materiality of planning without it)."""
    if issues.empty:
        return ""
    named = "; ".join(
        f"{issue['item']} ({fmt.money(issue['impact_value'])})" for _, issue in issues.iterrows()
    )
    return (
        f"{len(issues)} issue(s) below the materiality of {fmt.money(materiality)} of margin "
        f"at stake, {named} (see the agenda)."
    )


def _why(text: object) -> str:
    return f'<div class="why">{esc(text)}</div>' if isinstance(text, str) and text else ""


def _last_decisions(data: MeetingPackData, fmt: Formatter) -> str:
    """The status of the earlier meetings' decisions: the last meeting's, then any earlier one
    still being scored."""
    status = v.decision_status(data)
    if status.empty:
        return (
            '<p class="empty">No decision recorded by an earlier meeting (sop-pipeline decide '
            "records one).</p>"
        )
    latest = status["decided_month"].max()
    final = status["is_final"].astype("boolean").fillna(False).astype(bool)
    shown = status[(status["decided_month"] == latest) | ~final]
    rows = []
    for _, d in shown.head(MAX_ACTIONS).iterrows():
        value = d.get("value_added_margin")
        so_far = "not yet scored"
        if pd.notna(value):
            months = int(d["months_closed"]) if pd.notna(d.get("months_closed")) else 0
            span = "final" if bool(d.get("is_final")) else f"{months} month(s) closed"
            so_far = f"{fmt.by_kind('signed_money', value)} ({span})"
        rows.append(
            f'<tr class="{"alert" if d["track"] == "overdue" else ""}">'
            f'<td>{esc(d["choice"])}<div class="why">{esc(d.get("decision") or "")}</div></td>'
            f"<td>{esc(d['owner'])}</td>"
            f"<td>{esc(d['application'])}{_why(d.get('in_plan'))}</td>"
            f"<td>{esc(d['track'])}</td>"
            f'<td class="num">{esc(fmt.by_kind("signed_money", d["expected_margin_vs_base"]))}</td>'
            f'<td class="num">{esc(so_far)}</td>'
            "</tr>"
        )
    return (
        '<table class="brief-table last-decisions"><thead><tr><th>Decided</th><th>Owner</th>'
        '<th>In this plan</th><th>Action</th><th class="num">Expected</th>'
        f'<th class="num">Value so far</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )


def _feasibility(data: MeetingPackData) -> str:
    rows = data.plan_feasibility
    if rows.empty:
        return '<p class="empty">The constrained plan has not been computed.</p>'
    items = []
    for check in FEASIBILITY_ORDER:
        found = rows[rows["check"] == check]
        if found.empty:
            continue
        row = found.iloc[0]
        mark = "met" if bool(row["is_met"]) else "not met"
        items.append(
            f'<li class="{"ok" if bool(row["is_met"]) else "alert"}">'
            f"<strong>{esc(FEASIBILITY_LABELS[check])}</strong> ({mark}): {esc(row['detail'])}</li>"
        )
    return f'<ul class="feasibility">{"".join(items)}</ul>'


def _actions(data: MeetingPackData) -> str:
    states = v.action_states(data)
    if states.empty:
        return '<p class="empty">No actions in the S&amp;OP log.</p>'
    meeting = states["meeting_date"].dropna()
    horizon = meeting.iloc[0] + pd.Timedelta(days=30) if len(meeting) else None
    overdue = states[states["state"] == "overdue"].sort_values("days_overdue", ascending=False)
    due = states[states["state"] == "open"]
    if horizon is not None:
        due = due[due["due_date"] <= horizon]
    due = due.sort_values("due_date")
    shown = pd.concat([overdue, due]).head(MAX_ACTIONS)
    if shown.empty:
        return '<p class="empty">No action is due or overdue.</p>'
    items = []
    for _, action in shown.iterrows():
        when = (
            f"{int(action['days_overdue'])} days overdue"
            if action["state"] == "overdue"
            else f"due {date_label(action['due_date'])}"
        )
        items.append(
            f'<li class="{"alert" if action["state"] == "overdue" else ""}">'
            f"<strong>{esc(action['action_id'])}</strong> {esc(action['topic'])} "
            f"({esc(action['owner'])}, {esc(when)})</li>"
        )
    more = len(overdue) + len(due) - len(shown)
    tail = f'<li class="more">… and {more} more (see the action log)</li>' if more > 0 else ""
    return f'<ul class="actions">{"".join(items)}{tail}</ul>'


CHANGE_SUFFIX = {"months": " months", "turns": "×"}
"""How a KPI's change in these units is written after the number (as its value is shown)."""


def _change(fmt: Formatter, unit: object, now: object, before: object) -> str:
    """The change since last month: points for a ratio, else in the KPI's unit (as its value
    is shown: ``+10.9 months``, ``-0.3×``)."""
    if pd.isna(now) or pd.isna(before):
        return ""
    change = float(now) - float(before)
    if unit == "ratio":
        return fmt.by_kind("points", change)
    if unit == "currency":
        return fmt.by_kind("signed_money", change)
    if unit in CHANGE_SUFFIX:
        return fmt.by_kind("signed_number", change) + CHANGE_SUFFIX[unit]
    return fmt.by_kind("signed_decimal", change)


def _kpis(data: MeetingPackData, fmt: Formatter) -> str:
    kpis = data.kpis.set_index("kpi") if not data.kpis.empty else pd.DataFrame()
    history = data.kpi_history
    before = pd.Series(dtype=float)
    if not history.empty:
        earlier = history[history["plan_month"] < data.plan_timestamp]
        if not earlier.empty:
            last = earlier[earlier["plan_month"] == earlier["plan_month"].max()]
            before = last.set_index("kpi")["value"]
    rows = []
    for kpi in BRIEF_KPIS:
        if kpi not in kpis.index:
            continue
        row = kpis.loc[kpi]
        value = v.kpi_value_text(fmt, kpi, row["unit"], row["value"])
        target = v.kpi_value_text(fmt, kpi, row["unit"], row["target"])
        change = _change(fmt, row["unit"], row["value"], before.get(kpi))
        status = str(row["status"] or "").replace("_", " ")
        rows.append(
            f'<tr class="{esc(row["status"] or "")}"><td>{esc(v.kpi_label(kpi))}</td>'
            f'<td class="num">{esc(value)}</td><td class="num">{esc(target)}</td>'
            f'<td>{esc(status)}</td><td class="num">{esc(change)}</td></tr>'
        )
    if not rows:
        return '<p class="empty">No KPIs for this plan month.</p>'
    return (
        '<table class="brief-table kpis"><thead><tr><th>KPI</th><th class="num">Now</th>'
        '<th class="num">Target</th><th>Status</th><th class="num">Since last month</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def brief_html(data: MeetingPackData, fmt: Formatter) -> str:
    """Page one as an HTML ``<section id="brief">`` (typed data, :meth:`MeetingPackData.typed`)."""
    return (
        f'<section id="{BRIEF_ID}" class="brief" aria-label="Brief">'
        "<h2>Page one: the decisions and where the plan stands</h2>"
        '<div class="brief-block"><h3>Last meeting\'s decisions '
        '<a class="more-link" href="#prior_actions">details</a></h3>'
        f"{_last_decisions(data, fmt)}</div>"
        '<div class="brief-block"><h3>Decisions needed '
        '<a class="more-link" href="#top_issues">details</a></h3>'
        f"{_decisions(data, fmt)}</div>"
        '<div class="brief-grid">'
        '<div class="brief-block"><h3>Is the plan feasible? '
        '<a class="more-link" href="#capacity_options">details</a></h3>'
        f"{_feasibility(data)}</div>"
        '<div class="brief-block"><h3>Prior actions due or overdue '
        '<a class="more-link" href="#prior_actions">details</a></h3>'
        f"{_actions(data)}</div></div>"
        '<div class="brief-block"><h3>Five KPIs <a class="more-link" href="#kpis">details</a>'
        f"</h3>{_kpis(data, fmt)}</div></section>"
    )
