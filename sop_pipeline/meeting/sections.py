"""The body of each agenda section as HTML: headline tiles, tables and charts."""

from __future__ import annotations

from collections.abc import Callable

from sop_pipeline.meeting import charts, series
from sop_pipeline.meeting.data import MeetingPackData
from sop_pipeline.meeting.facts import Facts
from sop_pipeline.meeting.formatting import Formatter, esc
from sop_pipeline.meeting.frames import item_descriptions
from sop_pipeline.meeting.svg import figure_html, no_data_figure
from sop_pipeline.meeting.tables import TableView, html_table
from sop_pipeline.meeting.views import (
    accuracy_view,
    actions_view,
    exceptions_view,
    excess_view,
    gaps_view,
    issues_view,
    kpi_view,
    late_orders_view,
    lots_view,
    past_due_view,
    promotions_view,
    reconciliation_view,
    scorecard_view,
)


def facts_html(facts: Facts) -> str:
    """Headline figures as a row of tiles."""
    tiles = "".join(
        f'<div class="fact"><span class="fact-value">{esc(value)}</span>'
        f'<span class="fact-label">{esc(label)}</span></div>'
        for label, value in facts
    )
    return f'<div class="facts">{tiles}</div>'


def _sub(title: str, body: str, note: str = "") -> str:
    note_html = f'<p class="note">{esc(note)}</p>' if note else ""
    return f'<div class="block"><h3>{esc(title)}</h3>{note_html}{body}</div>'


def _table(view: TableView, data: MeetingPackData, fmt: Formatter) -> str:
    return html_table(view, fmt, data.max_rows)


def _item_title(item: str, descriptions: dict[str, str]) -> str:
    description = descriptions.get(item)
    return f"{item} · {description}" if description else item


def prior_actions(data: MeetingPackData, fmt: Formatter) -> str:
    """The action log: overdue first, then open, then done."""
    note = "Overdue actions first (longest overdue at the top), then open ones by due date."
    return _sub("Action log", _table(actions_view(data), data, fmt), note)


def top_issues(data: MeetingPackData, fmt: Formatter) -> str:
    """The highest-impact issues with a suggested decision each."""
    note = (
        "Ranked on one money basis, the gross margin at stake (net revenue beside it); each "
        "with the decision the meeting is asked to take."
    )
    return _sub("Decisions needed", _table(issues_view(data), data, fmt), note)


def _fan_charts(data: MeetingPackData) -> str:
    items = series.top_revenue_items(data)
    if not items:
        reason = "No fan charts requested." if data.chart_items == 0 else "No forecast yet."
        return no_data_figure("fan_chart", reason)
    descriptions = item_descriptions(data.forecast_changes, data.forecast)
    all_history, all_forecast = series.history_rows(data), series.forecast_rows(data)
    figures = []
    for item in items:
        history, forecast = series.fan_series(all_history, all_forecast, item, data.plan_timestamp)
        title = _item_title(item, descriptions)
        models = forecast["model"].dropna().unique() if "model" in forecast else []
        caption = f"{title}: demand, forecast and its 80% and 95% prediction intervals"
        caption += f" (model {', '.join(map(str, models))})." if len(models) else "."
        svg = charts.fan_chart(history, forecast, title)
        figures.append(figure_html("fan_chart", svg, caption, item=item))
    return f'<div class="chart-grid">{"".join(figures)}</div>'


def forecast(data: MeetingPackData, fmt: Formatter) -> str:
    """Company total vs last year, fan charts, exceptions, accuracy and overrides."""
    totals = series.total_series(data)
    if totals.empty:
        total = no_data_figure("total_forecast", "No forecast for this plan month.")
    else:
        total = figure_html(
            "total_forecast",
            charts.total_forecast_chart(totals, fmt),
            "Actual demand of the last 24 months, the forecast, and the same months a year "
            "earlier (dashed).",
        )
    count = len(series.top_revenue_items(data))
    return "".join(
        [
            _sub("Company total against last year", total),
            _sub(
                f"Top {count} items by forecast revenue",
                _fan_charts(data),
                "Exception-based: only the largest items are charted.",
            ),
            _sub(
                "Forecast changes beyond the thresholds",
                _table(exceptions_view(data), data, fmt),
                "Against the prior plan month's forecast over the months both cover; "
                "largest revenue change first.",
            ),
            _sub(
                "Accuracy and forecast value added",
                _table(accuracy_view(data), data, fmt),
                "WAPE and bias of the forecasts made 1 and 3 months before; FVA is the WAPE "
                "points each step removes (positive: the step helps).",
            ),
            _sub("Override scorecard", _table(scorecard_view(data), data, fmt)),
        ]
    )


def _projection_charts(data: MeetingPackData) -> str:
    items = series.riskiest_items(data)
    if not items:
        reason = "No charts requested." if data.chart_items == 0 else "No requirements planned."
        return no_data_figure("projected_inventory", reason)
    descriptions = item_descriptions(data.forecast_changes, data.forecast)
    mrp = series.mrp_rows(data)
    figures = []
    for item in items:
        title = _item_title(item, descriptions)
        svg = charts.projection_chart(series.projection_series(mrp, item), title)
        caption = f"{title}: projected stock, base and upside, against safety stock."
        figures.append(figure_html("projected_inventory", svg, caption, item=item))
    return f'<div class="chart-grid">{"".join(figures)}</div>'


def supply_gaps(data: MeetingPackData, fmt: Formatter) -> str:
    """Shortages by item, inventory projections of the riskiest items, past-due releases."""
    return "".join(
        [
            _sub(
                "Items that cannot be supplied in full",
                _table(gaps_view(data), data, fmt),
                "Summed over the horizon; most revenue at risk first.",
            ),
            _sub(
                "Projected inventory against safety stock",
                _projection_charts(data),
                "The riskiest items: those with gaps, then those projected below safety stock, "
                "then the lowest cover.",
            ),
            _sub(
                "Open orders already late",
                _table(late_orders_view(data), data, fmt),
                "Past due at the month's close; the plan assumes they arrive in the month shown.",
            ),
            _sub("Planned order releases past due", _table(past_due_view(data), data, fmt)),
        ]
    )


def kpis(data: MeetingPackData, fmt: Formatter) -> str:
    """Scorecard, KPI trends, cash, service versus cash, financial reconciliation."""
    trends = series.kpi_trends(data)
    trend = (
        no_data_figure("kpi_trends", "No KPI history yet.")
        if trends.empty
        else figure_html(
            "kpi_trends",
            charts.kpi_trends_chart(trends, fmt),
            "Each KPI by plan month; dashed: target; the last point coloured by status.",
        )
    )
    cash = series.cash_series(data)
    cash_fig = (
        no_data_figure("cash_projection", "No cash projection.")
        if cash.empty
        else figure_html(
            "cash_projection",
            charts.cash_chart(cash, fmt),
            "Inventory value at each month-end count since the baseline (squares) and projected "
            "from the base plan, against the straight path to the cash target.",
        )
    )
    curve = series.tradeoff_series(data)
    curve_fig = (
        no_data_figure("service_cash", "No service-level trade-off computed.")
        if curve.empty
        else figure_html(
            "service_cash",
            charts.service_cash_chart(curve, fmt),
            "Inventory investment for each service level across the portfolio; diamond: today.",
        )
    )
    plan = series.plan_series(data)
    plan_fig = (
        no_data_figure("plan_reconciliation", "No financial plan covers the horizon.")
        if plan.empty
        else figure_html(
            "plan_reconciliation",
            charts.plan_chart(plan, fmt),
            "Company forecast revenue against the financial plan, "
            f"{charts.month_span(plan['month'])}.",
        )
    )
    return "".join(
        [
            _sub("Scorecard", _table(kpi_view(data, fmt), data, fmt)),
            _sub("KPI trends across plan months", trend),
            _sub("Cash and service", f'<div class="chart-grid">{cash_fig}{curve_fig}</div>'),
            _sub(
                "Financial reconciliation by family",
                f'<div class="chart-grid">{_table(reconciliation_view(data), data, fmt)}'
                f"{plan_fig}</div>",
                "Forecast revenue against the financial plan, summed over the horizon "
                "(negative gap: the forecast falls short of the plan).",
            ),
        ]
    )


def promotions_ahead(data: MeetingPackData, fmt: Formatter) -> str:
    """Promotions in the horizon with their forecast lift."""
    return _sub("Planned promotions", _table(promotions_view(data), data, fmt))


def shelf_life(data: MeetingPackData, fmt: Formatter) -> str:
    """Lots at risk of expiry or obsolescence and excess stock by item."""
    return "".join(
        [
            _sub(
                "Lots at risk",
                _table(lots_view(data), data, fmt),
                "Lots the forecast will not consume before they expire (first-expiry, first-out), "
                "phase-out and slow-moving stock; most value first.",
            ),
            _sub("Excess and obsolete stock by item", _table(excess_view(data), data, fmt)),
        ]
    )


SECTION_BODIES: dict[str, Callable[[MeetingPackData, Formatter], str]] = {
    "prior_actions": prior_actions,
    "top_issues": top_issues,
    "forecast": forecast,
    "supply_gaps": supply_gaps,
    "kpis": kpis,
    "promotions_ahead": promotions_ahead,
    "shelf_life": shelf_life,
}
