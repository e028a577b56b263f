"""Each agenda section: its headline figures (tiles and the Markdown agenda) and its blocks of
tables and charts, declared once in :data:`SECTIONS`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from sop_pipeline.meeting import capacity as c
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
    change = series.against_booked_last_year(data)
    if change is not None:
        out.append(("Against last year's booked revenue", fmt.by_kind("signed_pct", change)))
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
    """Items short and revenue at risk before any decision (the supply plan's gaps), what the
    constrained plan still loses with its levers (KPI ``revenue_at_risk``), past-due
    releases."""
    gaps = v.gaps_by_item(data)
    out = [
        ("Items short before decisions", _count(len(gaps))),
        (
            "Revenue at risk before decisions",
            fmt.money(gaps["revenue_at_risk"].sum() if not gaps.empty else 0.0),
        ),
    ]
    still = data.kpis.loc[data.kpis["kpi"] == "revenue_at_risk", "value"].dropna()
    if len(still):
        out.append(("Revenue the plan still loses", fmt.money(float(still.iloc[0]))))
    return out + _past_due_facts(data)


def _past_due_facts(data: MeetingPackData) -> Facts:
    """Past-due releases split: those behind a supply gap, those waiting for a component (when
    any), and safety-stock refills."""
    purpose = v.past_due_releases(data)["purpose"]
    covering = int((purpose == v.PURPOSE_GAP).sum())
    refilling = int((purpose == v.PURPOSE_BUFFER).sum())
    waiting = len(purpose) - covering - refilling
    facts = [("Past due, covering a gap", _count(covering))]
    if waiting:
        facts.append(("Past due, waiting for a component", _count(waiting)))
    return facts + [("Past due, refilling buffer", _count(refilling))]


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
    """Lots at risk, the value expiring or expired (the KPI shelf_life_value_at_risk), and the
    excess and obsolete value (expiring, obsolete and slow-moving stock together)."""
    lots = data.shelf_life_risk
    expiring = lots["reason"].isin(("expired", "expiry"))
    return [
        ("Lots at risk", _count(len(lots))),
        ("Expiring or expired", fmt.money(lots.loc[expiring, "value_at_risk"].sum())),
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


# --- blocks ------------------------------------------------------------------------------------

Text = str | Callable[[MeetingPackData], str]


@dataclass(frozen=True)
class Table:
    """A table of the pack: its rows and columns (:mod:`.views`), the top rows shown (at most
    ``rows`` of them for a short secondary table)."""

    view: Callable[[MeetingPackData], TableView]
    rows: int | None = None

    def html(self, data: MeetingPackData, fmt: Formatter) -> str:
        limit = data.max_rows if self.rows is None else min(self.rows, data.max_rows)
        return html_table(self.view(data), fmt, limit)


@dataclass(frozen=True)
class Chart:
    """One figure ``data-chart=name``: ``draw`` the series (:mod:`.series`), or say ``empty``
    when there is none; the caption may name what the series holds (``caption(frame, fmt)``)."""

    name: str
    series: Callable[[MeetingPackData], pd.DataFrame]
    draw: Callable[[pd.DataFrame, Formatter], str]
    empty: str
    caption: str | Callable[[pd.DataFrame, Formatter], str]

    def html(self, data: MeetingPackData, fmt: Formatter) -> str:
        frame = self.series(data)
        if frame.empty:
            return no_data_figure(self.name, self.empty)
        caption = self.caption if isinstance(self.caption, str) else self.caption(frame, fmt)
        return figure_html(self.name, self.draw(frame, fmt), caption)


@dataclass(frozen=True)
class ItemCharts:
    """One figure ``data-chart=name`` per chosen item, in a grid: ``chart(data, item, title)``
    gives (svg, caption); without items, ``empty`` says why (none requested, no data)."""

    name: str
    items: Callable[[MeetingPackData], list[str]]
    chart: Callable[[MeetingPackData, str, str], tuple[str, str]]
    empty: tuple[str, str]

    def html(self, data: MeetingPackData, fmt: Formatter) -> str:
        items = self.items(data)
        if not items:
            return no_data_figure(self.name, self.empty[0 if data.chart_items == 0 else 1])
        descriptions = v.item_descriptions(data.forecast_changes, data.forecast)
        figures = []
        for item in items:
            title = f"{item} · {descriptions[item]}" if item in descriptions else item
            figures.append(figure_html(self.name, *self.chart(data, item, title), item=item))
        return f'<div class="chart-grid">{"".join(figures)}</div>'


Part = Table | Chart | ItemCharts | c.OptionTables | c.Lines


@dataclass(frozen=True)
class Block:
    """A titled block of a section: one part, or several side by side in a grid (one below the
    other when ``stack``)."""

    title: Text
    parts: tuple[Part, ...]
    note: str = ""
    stack: bool = False

    def html(self, data: MeetingPackData, fmt: Formatter) -> str:
        body = "".join(part.html(data, fmt) for part in self.parts)
        if len(self.parts) > 1:
            body = f'<div class="{"stack" if self.stack else "chart-grid"}">{body}</div>'
        title = self.title if isinstance(self.title, str) else self.title(data)
        note = f'<p class="note">{esc(self.note)}</p>' if self.note else ""
        return f'<div class="block"><h3>{esc(title)}</h3>{note}{body}</div>'


def _fan(data: MeetingPackData, item: str, title: str) -> tuple[str, str]:
    past, ahead = series.fan_series(data, item)
    models = ahead["model"].dropna().unique()
    caption = f"{title}: demand, forecast and its 80% and 95% prediction intervals"
    caption += f" (model {', '.join(map(str, models))})." if len(models) else "."
    return charts.fan_chart(past, ahead, title), caption


def _projection(data: MeetingPackData, item: str, title: str) -> tuple[str, str]:
    svg = charts.projection_chart(series.projection_series(data.constrained_plan, item), title)
    return svg, (
        f"{title}: stock at each month's end under the constrained plan, base and upside, "
        "against safety stock; receipts, and the sales it still loses."
    )


def _tradeoff(data: MeetingPackData) -> pd.DataFrame:
    return data.service_cash_tradeoff.dropna(subset=["inventory_value"])


@dataclass(frozen=True)
class Section:
    """One agenda section: its id and title, headline figures, blocks, and the table and the few
    columns of it that the Markdown agenda shows."""

    id: str
    title: str
    facts: Callable[[MeetingPackData, Formatter], Facts]
    blocks: tuple[Block, ...]
    agenda_table: Callable[[MeetingPackData], TableView]
    agenda_columns: tuple[str, ...]

    def body(self, data: MeetingPackData, fmt: Formatter) -> str:
        """The section's blocks as HTML."""
        return "".join(block.html(data, fmt) for block in self.blocks)

    @property
    def charts(self) -> tuple[str, ...]:
        """The ``data-chart`` names of its figures in page order (an item chart repeats once
        per chosen item)."""
        parts = (part for block in self.blocks for part in block.parts)
        return tuple(part.name for part in parts if isinstance(part, Chart | ItemCharts))


SECTIONS: tuple[Section, ...] = (
    Section(
        "prior_actions", "Status of prior actions", actions_facts,
        (Block("Decisions of earlier meetings", (Table(v.decisions_view),),
               "Each decision recorded by an earlier meeting: how this month's plan applies it "
               "(its levers made firm, or passed once their month closed) and the margin it has "
               "added so far against plan to base replayed on the actual demand."),
         Block("Action log", (Table(v.actions_view),),
               "Overdue actions first (longest overdue at the top), then open ones by due date; "
               "a recorded decision creates its own action."),
         Block("Decision scorecard", (Table(v.decision_scorecard_view),),
               "Whose decisions pay off: the decisions scored so far by issue type and by owner; "
               "a decision is final once every month it covered has closed."),),
        v.actions_view, ("action_id", "topic", "owner", "due_date", "state"),
    ),
    Section(
        "top_issues", "Top issues and suggested decisions", issues_facts,
        (Block("Decisions needed", (Table(v.issues_view),),
               "One issue per root cause - a binding constraint of the plan or a forecast "
               "increase - ranked by the expected gross margin at stake over the horizon, with "
               "what drives it, the open actions about it and the decision the meeting is asked "
               "to take."),
         Block("For the planners", (Table(v.planner_tasks_view, rows=8),),
               "Settled by the planning team, not the meeting: method switches to check, cuts "
               "and timing shifts, late orders, expiring lots, overdue actions no issue "
               "carries."),),
        v.issues_view, ("rank", "topic", "impact_value", "suggested_decision"),
    ),
    Section(
        "forecast", "Rolling 12-month forecast", forecast_facts,
        (
            Block("Company total against last year", (Chart(
                "total_forecast", series.total_series, charts.total_forecast_chart,
                "No forecast for this plan month.",
                "Actual demand of the last 24 months, the forecast, and the same months a year "
                "earlier (dashed).",
            ),)),
            Block(lambda data: f"Top {len(series.top_revenue_items(data))} items by forecast "
                  "revenue",
                  (ItemCharts("fan_chart", series.top_revenue_items, _fan,
                              ("No fan charts requested.", "No forecast yet.")),),
                  "Exception-based: only the largest items are charted."),
            Block("Forecast changes beyond the thresholds", (Table(v.exceptions_view),),
                  "Against the prior plan month's forecast over the months both cover; largest "
                  "revenue change first."),
            Block("Accuracy and forecast value added", (Table(v.accuracy_view),),
                  "WAPE and bias of the forecasts made 1 and 3 months before; FVA is the WAPE "
                  "points each step removes (positive: the step helps)."),
            Block("Override scorecard", (Table(v.scorecard_view),)),
        ),
        v.exceptions_view, ("item", "description", "change_pct", "change_revenue"),
    ),
    Section(
        "supply_gaps", "Demand–supply gaps", supply_facts,
        (
            Block("Items that cannot be supplied in full", (Table(v.gaps_view),),
                  "Before any decision: what the supply plan cannot serve without expediting, "
                  "overtime or building ahead, summed over the horizon, most revenue at risk "
                  "first. The constrained plan's levers (the options below) recover most of "
                  "it; what it still loses is the KPI revenue at risk."),
            Block("Projected inventory against safety stock",
                  (ItemCharts("projected_inventory", series.riskiest_items, _projection,
                              ("No charts requested.", "No requirements planned.")),),
                  "The riskiest items: those with gaps, then those the constrained plan holds "
                  "below safety stock, then the lowest cover. The stock is the constrained "
                  "plan's (what can be made and bought, as the gaps and options above), not the "
                  "requirements' netting, which assumes every past-due release arrives. Stock "
                  "that arrives late in a month cannot serve the demand before it: a month can "
                  "end with stock and lost sales."),
            Block("Open orders already late", (Table(v.late_orders_view),),
                  "Past due at the month's close; the plan assumes they arrive in the month "
                  "shown. What the constrained plan loses to the item until then is what "
                  "getting the order in now can win."),
            Block("Planned order releases past due", (Table(v.past_due_view),),
                  "The requirements' planned orders whose release date has already passed "
                  "(what the company would need), the receipts they are for, when they arrive "
                  "if released now (the close plus the lead time: no sooner), what the "
                  "constrained plan releases now (its orders and expedites at the close: what "
                  "the company can do), and whether they cover a gap, wait for a component the "
                  "item cannot be made without, or only refill safety stock."),
        ),
        v.gaps_view, ("item", "first_month", "shortage_qty", "revenue_at_risk"),
    ),
    Section(
        "capacity_options", "Capacity, decision options and cash runway", c.capacity_facts,
        (
            Block("Load against capacity",
                  (ItemCharts("capacity_load", c.charted_resources, c.resource_chart,
                              ("No charts requested.", "No capacity planned (no resources.csv)."),
                              ),),
                  "The constrained plan: what the company can make, each production order "
                  "loading its resource in the month it is due; the binding resources first."),
            Block("Binding resource-months", (
                c.Lines("hour_prices", c.hour_sentences),
                Table(c.binding_months_view),
            ), "Months in which one more hour would raise the plan's margin: its shadow price, "
               "the margin the hour adds.", stack=True),
            Block("Binding constraints", (Table(c.constraints_view),),
                  "What limits the constrained plan, one row per constraint over the months it "
                  "binds: the highest price of one more unit, the items it touches and the "
                  "margin the plan loses to it; most margin lost first."),
            Block("What the unconstrained MRP would need", (Table(c.mrp_need_view,
                                                                  c.MRP_NEED_ROWS),),
                  "Rough-cut load of the MRP before constraints, beyond capacity and overtime: "
                  "what it would take, not what the plan above makes."),
            Block("Options for the decisions", (c.OptionTables(),),
                  "Each option a re-solve of the constrained plan with one change, against plan "
                  "to base (the plan without the issue's levers) over the issue's months; "
                  "demand Normal from the forecast's 80% interval. Suggested: the highest "
                  "expected margin within the cash ceiling (decisions.max_extra_cash)."),
            Block("The plan against its targets", (
                c.Lines("plan_feasibility", c.feasibility_lines,
                        "No targets checked for this plan month."),
            )),
            Block("Cash runway", (
                Chart("cash_balance", c.cash_series, c.cash_balance_chart,
                      "No cash position: the company has no cash.csv.", c.cash_caption),
                Table(c.cash_view),
            ), "The runway counts the plan's own flows month by month and, past the horizon, "
               "its last 12 months repeated at level stock: what their sales contain bought "
               "back in the month (no stock drawn down or built year after year), no "
               "expedite premiums.", stack=True),
        ),
        c.suggestions_view, ("issue", "option_label", "margin_vs_base", "decision"),
    ),
    Section(
        "kpis", "KPIs, cash and financial plan", kpi_facts,
        (
            Block("Scorecard", (Table(v.kpi_view),)),
            Block("KPI trends across plan months", (Chart(
                "kpi_trends", series.kpi_trends, charts.kpi_trends_chart, "No KPI history yet.",
                "Each KPI by plan month; dashed: target; the last point coloured by status.",
            ),)),
            Block("Cash and service", (
                Chart("cash_projection", lambda data: data.cash_projection, charts.cash_chart,
                      "No cash projection.",
                      "Inventory value at each month-end count since the baseline (squares) "
                      "and projected from the constrained plan, against the straight path to "
                      "the cash target."),
                Chart("service_cash", _tradeoff, charts.service_cash_chart,
                      "No service-level trade-off computed.",
                      "Inventory investment for each service level across the portfolio; "
                      "diamond: today."),
            )),
            Block("Financial reconciliation by family", (
                Table(v.reconciliation_view),
                Chart("plan_reconciliation", series.plan_series, charts.plan_chart,
                      "No financial plan covers the horizon.",
                      lambda plan, fmt: "Company forecast and constrained plan revenue against "
                      f"the financial plan, {charts.month_span(plan['month'])}."),
            ), "Forecast (demand) and constrained plan revenue against the financial plan, "
               "summed over the horizon (negative gap: short of the plan).", stack=True),
        ),
        v.kpi_view, ("label", "value_text", "target_text", "status"),
    ),
    Section(
        "promotions_ahead", "Promotions ahead", promotion_facts,
        (Block("Planned promotions", (Table(v.promotions_view),)),),
        v.promotions_view, ("promo_id", "item", "start_month", "promo_revenue"),
    ),
    Section(
        "shelf_life", "Shelf-life and obsolescence", shelf_life_facts,
        (
            Block("Lots at risk", (Table(v.lots_view),),
                  "Lots the forecast will not consume before they expire (first-expiry, "
                  "first-out), phase-out and slow-moving stock; most value first."),
            Block("Excess and obsolete stock by item", (Table(v.excess_view),)),
        ),
        v.lots_view, ("item", "lot", "expiry_date", "value_at_risk", "reason"),
    ),
)  # fmt: skip
"""The agenda, in meeting order."""

AGENDA_SECTIONS: tuple[str, ...] = tuple(section.id for section in SECTIONS)
SECTION_CHARTS: dict[str, tuple[str, ...]] = {section.id: section.charts for section in SECTIONS}
