"""The headline figures of each agenda section (shown as tiles and in the Markdown agenda)."""

from __future__ import annotations

from collections.abc import Callable

from sop_pipeline.meeting.data import MeetingPackData
from sop_pipeline.meeting.formatting import Formatter
from sop_pipeline.meeting.frames import column, flags, numbers, of_plan_month
from sop_pipeline.meeting.series import forecast_rows, total_series
from sop_pipeline.meeting.views import action_states, gaps_by_item, past_due_view

Facts = list[tuple[str, str]]


def _count(value: int) -> str:
    return f"{value:,}"


def actions_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Open, overdue and done actions."""
    states = action_states(data)["state"].value_counts() if not data.actions.empty else {}
    return [
        ("Open", _count(int(states.get("open", 0)) + int(states.get("overdue", 0)))),
        ("Overdue", _count(int(states.get("overdue", 0)))),
        ("Done", _count(int(states.get("done", 0)))),
    ]


def issues_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Issue count and the gross margin at stake."""
    issues = of_plan_month(data.top_issues, data.plan_timestamp)
    return [
        ("Issues", _count(len(issues))),
        ("Margin at stake", fmt.money(numbers(issues, "impact_value").sum())),
    ]


def forecast_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Horizon revenue and units, change against last year, exceptions."""
    rows = forecast_rows(data)
    out = [
        ("Forecast revenue, 12 months", fmt.money(rows["forecast_revenue"].sum())),
        ("Forecast units", fmt.qty(rows["forecast_qty"].sum())),
    ]
    totals = total_series(data)
    if not totals.empty:
        both = totals.dropna(subset=["forecast", "last_year"])
        if not both.empty and both["last_year"].sum() > 0:
            change = both["forecast"].sum() / both["last_year"].sum() - 1
            out.append(("Against last year", fmt.signed_pct(change)))
    changes = of_plan_month(data.forecast_changes, data.plan_timestamp)
    if not changes.empty:
        exceptions = int(flags(changes, "is_exception", default=True).sum())
        out.append(("Exceptions", f"{exceptions:,} of {len(changes):,} items"))
        switches = int(flags(changes, "is_method_switch", default=False).sum())
        out.append(("Method switches", f"{switches:,}"))
    kpis = of_plan_month(data.kpis, data.plan_timestamp)
    revision = numbers(kpis, "value")[column(kpis, "kpi", "") == "forecast_revision"].dropna()
    if len(revision):
        out.append(("Revision since last month", fmt.pct(float(revision.iloc[0]))))
    return out


def supply_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Items short, revenue at risk, past-due releases."""
    gaps = gaps_by_item(data)
    risk = gaps["revenue_at_risk"].sum() if not gaps.empty else 0.0
    return [
        ("Items short", _count(len(gaps))),
        ("Revenue at risk", fmt.money(risk)),
        ("Releases past due", _count(len(past_due_view(data).frame))),
    ]


def kpi_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """KPIs by status."""
    status = column(of_plan_month(data.kpis, data.plan_timestamp), "status", "").value_counts()
    return [
        ("On track", _count(int(status.get("on_track", 0)))),
        ("Watch", _count(int(status.get("watch", 0)))),
        ("Off track", _count(int(status.get("off_track", 0)))),
    ]


def promotion_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Promotions ahead and their forecast lift."""
    promos = of_plan_month(data.promotions_ahead, data.plan_timestamp)
    return [
        ("Promotions", _count(len(promos))),
        ("Forecast lift", fmt.money(numbers(promos, "promo_revenue").sum())),
    ]


def shelf_life_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Lots and value at risk, excess and obsolete value."""
    lots = of_plan_month(data.shelf_life_risk, data.plan_timestamp)
    excess = of_plan_month(data.excess_obsolete, data.plan_timestamp)
    return [
        ("Lots at risk", _count(len(lots))),
        ("Value at risk", fmt.money(numbers(lots, "value_at_risk").sum())),
        ("Excess and obsolete", fmt.money(numbers(excess, "total_value").sum())),
    ]


SECTION_FACTS: dict[str, Callable[[MeetingPackData, Formatter], Facts]] = {
    "prior_actions": actions_facts,
    "top_issues": issues_facts,
    "forecast": forecast_facts,
    "supply_gaps": supply_facts,
    "kpis": kpi_facts,
    "promotions_ahead": promotion_facts,
    "shelf_life": shelf_life_facts,
}


def section_facts(section: str, data: MeetingPackData, fmt: Formatter) -> Facts:
    """The headline figures of one agenda section."""
    return SECTION_FACTS[section](data, fmt)


def summary_line(facts: Facts) -> str:
    """Facts as one line: ``Open 3 · Overdue 1 · Done 5``."""
    return " · ".join(f"{label} {value}" for label, value in facts)
