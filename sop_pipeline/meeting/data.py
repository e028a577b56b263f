"""What the meeting pack is rendered from: the plan month's ``sop_mart`` tables, as frames."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields

import pandas as pd

_SCALARS = frozenset({"plan_month", "company", "currency", "max_rows", "chart_items"})


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass
class MeetingPackData:
    """The plan month's tables (any may be empty or miss optional columns).

    Frames hold the rows of ``sop_mart.<name>`` for the plan month unless noted; see
    ``sop_pipeline/data_dictionary.yaml`` for their columns.
    """

    plan_month: datetime.date
    company: str
    currency: str = "USD"
    kpis: pd.DataFrame = field(default_factory=_empty)
    kpi_history: pd.DataFrame = field(default_factory=_empty)  # every plan month up to this one
    actions: pd.DataFrame = field(default_factory=_empty)
    top_issues: pd.DataFrame = field(default_factory=_empty)
    forecast: pd.DataFrame = field(default_factory=_empty)
    demand_history: pd.DataFrame = field(default_factory=_empty)  # item, month, demand_qty
    forecast_changes: pd.DataFrame = field(default_factory=_empty)
    forecast_accuracy: pd.DataFrame = field(default_factory=_empty)
    override_scorecard: pd.DataFrame = field(default_factory=_empty)
    supply_gaps: pd.DataFrame = field(default_factory=_empty)
    material_requirements: pd.DataFrame = field(default_factory=_empty)
    late_purchase_orders: pd.DataFrame = field(default_factory=_empty)
    inventory_policy: pd.DataFrame = field(default_factory=_empty)
    shelf_life_risk: pd.DataFrame = field(default_factory=_empty)
    excess_obsolete: pd.DataFrame = field(default_factory=_empty)
    service_cash_tradeoff: pd.DataFrame = field(default_factory=_empty)
    cash_projection: pd.DataFrame = field(default_factory=_empty)
    financial_reconciliation: pd.DataFrame = field(default_factory=_empty)
    promotions_ahead: pd.DataFrame = field(default_factory=_empty)
    max_rows: int = 15
    chart_items: int = 6

    def __post_init__(self) -> None:
        if self.max_rows < 1:
            raise ValueError(f"max_rows must be at least 1, got {self.max_rows}")
        if self.chart_items < 0:
            raise ValueError(f"chart_items must not be negative, got {self.chart_items}")

    @classmethod
    def frame_names(cls) -> tuple[str, ...]:
        """The names of the table fields, in declaration order."""
        return tuple(f.name for f in fields(cls) if f.name not in _SCALARS)

    @property
    def plan_timestamp(self) -> pd.Timestamp:
        """The plan month as a pandas timestamp (first day of the month)."""
        return pd.Timestamp(self.plan_month).to_period("M").to_timestamp()
