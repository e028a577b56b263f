"""The meeting's agenda: section ids in order, their titles and the charts each one holds."""

from __future__ import annotations

AGENDA_SECTIONS: tuple[str, ...] = (
    "prior_actions",
    "top_issues",
    "forecast",
    "supply_gaps",
    "kpis",
    "promotions_ahead",
    "shelf_life",
)

SECTION_TITLES: dict[str, str] = {
    "prior_actions": "Status of prior actions",
    "top_issues": "Top issues and suggested decisions",
    "forecast": "Rolling 12-month forecast",
    "supply_gaps": "Demand–supply gaps",
    "kpis": "KPIs, cash and financial plan",
    "promotions_ahead": "Promotions ahead",
    "shelf_life": "Shelf-life and obsolescence",
}

# ``data-chart`` names of the figures in each section, in page order. ``fan_chart`` and
# ``projected_inventory`` repeat once per chosen item (the figure also carries ``data-item``).
SECTION_CHARTS: dict[str, tuple[str, ...]] = {
    "prior_actions": (),
    "top_issues": (),
    "forecast": ("total_forecast", "fan_chart"),
    "supply_gaps": ("projected_inventory",),
    "kpis": ("kpi_trends", "cash_projection", "service_cash", "plan_reconciliation"),
    "promotions_ahead": (),
    "shelf_life": (),
}
