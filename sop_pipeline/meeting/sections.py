"""Each agenda section: its headline figures (tiles and the Markdown agenda) and its HTML body
of tables and charts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sop_pipeline.meeting import charts, series
from sop_pipeline.meeting import views as v
from sop_pipeline.meeting.charts import figure_html, no_data_figure
from sop_pipeline.meeting.data import MeetingPackData
from sop_pipeline.meeting.formatting import Formatter, esc
from sop_pipeline.meeting.tables import TableView, html_table

Facts = list[tuple[str, str]]


# --- headline figures --------------------------------------------------------------------------


def _count(value: int) -> str:
    return f"{value:,}"


def actions_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Open, overdue and done actions."""
    states = v.action_states(data)["state"].value_counts()
    overdue = int(states.get("overdue", 0))
    return [
        ("Open", _count(int(states.get("open", 0)) + overdue)),
        ("Overdue", _count(overdue)),
        ("Done", _count(int(states.get("done", 0)))),
    ]


def issues_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Issue count and the gross margin at stake."""
    issues = data.top_issues
    return [
        ("Issues", _count(len(issues))),
        ("Margin at stake", fmt.money(issues["impact_value"].sum())),
    ]


def forecast_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Horizon revenue and units, change against last year, exceptions, revision."""
    rows = data.forecast
    out = [
        ("Forecast revenue, 12 months", fmt.money(rows["forecast_revenue"].sum())),
        ("Forecast units", fmt.qty(rows["forecast_qty"].sum())),
    ]
    totals = series.total_series(data)
    if not totals.empty:
        both = totals.dropna(subset=["forecast", "last_year"])
        if not both.empty and both["last_year"].sum() > 0:
            change = both["forecast"].sum() / both["last_year"].sum() - 1
            out.append(("Against last year", fmt.by_kind("signed_pct", change)))
    changes = data.forecast_changes
    if not changes.empty:
        exceptions = int(changes["is_exception"].sum())
        out.append(("Exceptions", f"{exceptions:,} of {len(changes):,} items"))
        out.append(("Method switches", f"{int(changes['is_method_switch'].sum()):,}"))
    revision = data.kpis.loc[data.kpis["kpi"] == "forecast_revision", "value"].dropna()
    if len(revision):
        out.append(("Revision since last month", fmt.pct(float(revision.iloc[0]))))
    return out


def supply_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Items short, revenue at risk, past-due releases."""
    gaps = v.gaps_by_item(data)
    return [
        ("Items short", _count(len(gaps))),
        ("Revenue at risk", fmt.money(gaps["revenue_at_risk"].sum() if not gaps.empty else 0.0)),
        ("Releases past due", _count(len(v.past_due_view(data).frame))),
    ]


def kpi_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """KPIs by status."""
    status = data.kpis["status"].value_counts()
    return [
        (label, _count(int(status.get(key, 0))))
        for label, key in (("On track", "on_track"), ("Watch", "watch"), ("Off track", "off_track"))
    ]


def promotion_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Promotions ahead and their forecast lift."""
    promos = data.promotions_ahead
    return [
        ("Promotions", _count(len(promos))),
        ("Forecast lift", fmt.money(promos["promo_revenue"].sum())),
    ]


def shelf_life_facts(data: MeetingPackData, fmt: Formatter) -> Facts:
    """Lots and value at risk, excess and obsolete value."""
    lots = data.shelf_life_risk
    return [
        ("Lots at risk", _count(len(lots))),
        ("Value at risk", fmt.money(lots["value_at_risk"].sum())),
        ("Excess and obsolete", fmt.money(data.excess_obsolete["total_value"].sum())),
    ]


def summary_line(facts: Facts) -> str:
    """Facts as one line: ``Open 3 · Overdue 1 · Done 5``."""
    return " · ".join(f"{label} {value}" for label, value in facts)


def facts_html(facts: Facts) -> str:
    """Headline figures as a row of tiles."""
    tiles = "".join(
        f'<div class="fact"><span class="fact-value">{esc(value)}</span>'
        f'<span class="fact-label">{esc(label)}</span></div>'
        for label, value in facts
    )
    return f'<div class="facts">{tiles}</div>'


# --- bodies ------------------------------------------------------------------------------------


def _sub(title: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{esc(note)}</p>' if note else ""
    return f'<div class="block"><h3>{esc(title)}</h3>{note_html}{body}</div>'


def _table(view: TableView, data: MeetingPackData, fmt: Formatter) -> str:
    return html_table(view, fmt, data.max_rows)


def _figure(name: str, empty: bool, reason: str, draw: Callable[[], str], caption: str) -> str:
    return no_data_figure(name, reason) if empty else figure_html(name, draw(), caption)


ItemChart = Callable[[str, str], tuple[str, str]]


def _item_figures(
    data: MeetingPackData, name: str, items: list[str], reasons: tuple[str, str], chart: ItemChart
) -> str:
    """One figure per chosen item, in a grid: ``chart(item, title)`` gives (svg, caption);
    without items, ``reasons`` says why (none requested, no data)."""
    if not items:
        return no_data_figure(name, reasons[0] if data.chart_items == 0 else reasons[1])
    descriptions = v.item_descriptions(data.forecast_changes, data.forecast)
    figures = []
    for item in items:
        description = descriptions.get(item)
        title = f"{item} · {description}" if description else item
        figures.append(figure_html(name, *chart(item, title), item=item))
    return f'<div class="chart-grid">{"".join(figures)}</div>'


def prior_actions(data: MeetingPackData, fmt: Formatter) -> str:
    """The action log: overdue first, then open, then done."""
    note = "Overdue actions first (longest overdue at the top), then open ones by due date."
    return _sub("Action log", _table(v.actions_view(data), data, fmt), note)


def top_issues(data: MeetingPackData, fmt: Formatter) -> str:
    """The highest-impact issues with a suggested decision each."""
    note = (
        "Ranked on one money basis, the gross margin at stake (net revenue beside it); each "
        "with the decision the meeting is asked to take."
    )
    return _sub("Decisions needed", _table(v.issues_view(data), data, fmt), note)


def forecast(data: MeetingPackData, fmt: Formatter) -> str:
    """Company total vs last year, fan charts, exceptions, accuracy and overrides."""
    totals = series.total_series(data)
    total = _figure(
        "total_forecast", totals.empty, "No forecast for this plan month.",
        lambda: charts.total_forecast_chart(totals, fmt),
        "Actual demand of the last 24 months, the forecast, and the same months a year earlier "
        "(dashed).",
    )  # fmt: skip
    history = series.history_rows(data)

    def fan(item: str, title: str) -> tuple[str, str]:
        past, ahead = series.fan_series(history, data.forecast, item, data.plan_timestamp)
        models = ahead["model"].dropna().unique()
        caption = f"{title}: demand, forecast and its 80% and 95% prediction intervals"
        caption += f" (model {', '.join(map(str, models))})." if len(models) else "."
        return charts.fan_chart(past, ahead, title), caption

    items = series.top_revenue_items(data)
    return "".join(
        [
            _sub("Company total against last year", total),
            _sub(
                f"Top {len(items)} items by forecast revenue",
                _item_figures(
                    data, "fan_chart", items, ("No fan charts requested.", "No forecast yet."), fan
                ),
                "Exception-based: only the largest items are charted.",
            ),
            _sub(
                "Forecast changes beyond the thresholds",
                _table(v.exceptions_view(data), data, fmt),
                "Against the prior plan month's forecast over the months both cover; "
                "largest revenue change first.",
            ),
            _sub(
                "Accuracy and forecast value added",
                _table(v.accuracy_view(data), data, fmt),
                "WAPE and bias of the forecasts made 1 and 3 months before; FVA is the WAPE "
                "points each step removes (positive: the step helps).",
            ),
            _sub("Override scorecard", _table(v.scorecard_view(data), data, fmt)),
        ]
    )


def supply_gaps(data: MeetingPackData, fmt: Formatter) -> str:
    """Shortages by item, inventory projections of the riskiest items, past-due releases."""

    def projection(item: str, title: str) -> tuple[str, str]:
        svg = charts.projection_chart(
            series.projection_series(data.material_requirements, item), title
        )
        return svg, f"{title}: projected stock, base and upside, against safety stock."

    items = series.riskiest_items(data)
    return "".join(
        [
            _sub(
                "Items that cannot be supplied in full",
                _table(v.gaps_view(data), data, fmt),
                "Summed over the horizon; most revenue at risk first.",
            ),
            _sub(
                "Projected inventory against safety stock",
                _item_figures(
                    data,
                    "projected_inventory",
                    items,
                    ("No charts requested.", "No requirements planned."),
                    projection,
                ),
                "The riskiest items: those with gaps, then those projected below safety stock, "
                "then the lowest cover.",
            ),
            _sub(
                "Open orders already late",
                _table(v.late_orders_view(data), data, fmt),
                "Past due at the month's close; the plan assumes they arrive in the month shown.",
            ),
            _sub("Planned order releases past due", _table(v.past_due_view(data), data, fmt)),
        ]
    )


def kpis(data: MeetingPackData, fmt: Formatter) -> str:
    """Scorecard, KPI trends, cash, service versus cash, financial reconciliation."""
    trends, cash, plan = series.kpi_trends(data), data.cash_projection, series.plan_series(data)
    curve = data.service_cash_tradeoff.dropna(subset=["inventory_value"])
    trend = _figure(
        "kpi_trends", trends.empty, "No KPI history yet.",
        lambda: charts.kpi_trends_chart(trends, fmt),
        "Each KPI by plan month; dashed: target; the last point coloured by status.",
    )  # fmt: skip
    cash_fig = _figure(
        "cash_projection", cash.empty, "No cash projection.",
        lambda: charts.cash_chart(cash, fmt),
        "Inventory value at each month-end count since the baseline (squares) and projected "
        "from the base plan, against the straight path to the cash target.",
    )  # fmt: skip
    curve_fig = _figure(
        "service_cash", curve.empty, "No service-level trade-off computed.",
        lambda: charts.service_cash_chart(curve, fmt),
        "Inventory investment for each service level across the portfolio; diamond: today.",
    )  # fmt: skip
    plan_fig = _figure(
        "plan_reconciliation", plan.empty, "No financial plan covers the horizon.",
        lambda: charts.plan_chart(plan, fmt),
        "Company forecast revenue against the financial plan, "
        f"{charts.month_span(plan['month'])}.",
    )  # fmt: skip
    return "".join(
        [
            _sub("Scorecard", _table(v.kpi_view(data), data, fmt)),
            _sub("KPI trends across plan months", trend),
            _sub("Cash and service", f'<div class="chart-grid">{cash_fig}{curve_fig}</div>'),
            _sub(
                "Financial reconciliation by family",
                f'<div class="chart-grid">{_table(v.reconciliation_view(data), data, fmt)}'
                f"{plan_fig}</div>",
                "Forecast revenue against the financial plan, summed over the horizon "
                "(negative gap: the forecast falls short of the plan).",
            ),
        ]
    )


def promotions_ahead(data: MeetingPackData, fmt: Formatter) -> str:
    """Promotions in the horizon with their forecast lift."""
    return _sub("Planned promotions", _table(v.promotions_view(data), data, fmt))


def shelf_life(data: MeetingPackData, fmt: Formatter) -> str:
    """Lots at risk of expiry or obsolescence and excess stock by item."""
    return "".join(
        [
            _sub(
                "Lots at risk",
                _table(v.lots_view(data), data, fmt),
                "Lots the forecast will not consume before they expire (first-expiry, first-out), "
                "phase-out and slow-moving stock; most value first.",
            ),
            _sub("Excess and obsolete stock by item", _table(v.excess_view(data), data, fmt)),
        ]
    )


@dataclass(frozen=True)
class Section:
    """One agenda section: its id and title, headline figures, HTML body, the ``data-chart``
    names of its figures in page order (``fan_chart`` and ``projected_inventory`` repeat once
    per chosen item) and the few columns of its headline table in the Markdown agenda."""

    id: str
    title: str
    facts: Callable[[MeetingPackData, Formatter], Facts]
    body: Callable[[MeetingPackData, Formatter], str]
    agenda_table: Callable[[MeetingPackData], TableView]
    agenda_columns: tuple[str, ...]
    charts: tuple[str, ...] = ()


SECTIONS: tuple[Section, ...] = (
    Section("prior_actions", "Status of prior actions", actions_facts, prior_actions,
            v.actions_view, ("action_id", "topic", "owner", "due_date", "state")),
    Section("top_issues", "Top issues and suggested decisions", issues_facts, top_issues,
            v.issues_view, ("rank", "topic", "impact_value", "suggested_decision")),
    Section("forecast", "Rolling 12-month forecast", forecast_facts, forecast,
            v.exceptions_view, ("item", "description", "change_pct", "change_revenue"),
            ("total_forecast", "fan_chart")),
    Section("supply_gaps", "Demand–supply gaps", supply_facts, supply_gaps,
            v.gaps_view, ("item", "first_month", "shortage_qty", "revenue_at_risk"),
            ("projected_inventory",)),
    Section("kpis", "KPIs, cash and financial plan", kpi_facts, kpis,
            v.kpi_view, ("label", "value_text", "target_text", "status"),
            ("kpi_trends", "cash_projection", "service_cash", "plan_reconciliation")),
    Section("promotions_ahead", "Promotions ahead", promotion_facts, promotions_ahead,
            v.promotions_view, ("promo_id", "item", "start_month", "promo_revenue")),
    Section("shelf_life", "Shelf-life and obsolescence", shelf_life_facts, shelf_life,
            v.lots_view, ("item", "lot", "expiry_date", "value_at_risk", "reason")),
)  # fmt: skip
"""The agenda, in meeting order."""

AGENDA_SECTIONS: tuple[str, ...] = tuple(section.id for section in SECTIONS)
SECTION_TITLES: dict[str, str] = {section.id: section.title for section in SECTIONS}
SECTION_CHARTS: dict[str, tuple[str, ...]] = {section.id: section.charts for section in SECTIONS}
