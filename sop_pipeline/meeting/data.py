"""What the meeting pack is rendered from: the plan month's ``sop_mart`` tables, typed.

The tables are typed when written (``sop_pipeline/data_dictionary.yaml``); :func:`typed` lays
each frame out with its dictionary columns and types once, so the rest of the package reads
columns as they are.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields, replace

import pandas as pd

from sop_pipeline.data_dictionary import column_types

TOTAL = "__total__"  # the company row of tables by family
FAMILY_PREFIX = "family:"  # forecast accuracy rows of a family
DEMAND_HISTORY = {
    "item": "VARCHAR",
    "month": "DATE",
    "demand_qty": "DOUBLE",
    "net_revenue": "DOUBLE",  # booked: what the shipments were invoiced at
}


def _empty() -> pd.DataFrame:
    return pd.DataFrame()


@dataclass
class MeetingPackData:
    """The plan month's rows of ``sop_mart.<name>`` for each table field (any may be empty);
    ``kpi_history`` holds ``sop_mart.kpis`` of every plan month up to this one and
    ``demand_history`` the monthly demand and booked net revenue ``item, month, demand_qty,
    net_revenue``."""

    plan_month: datetime.date
    company: str
    currency: str = "USD"
    kpis: pd.DataFrame = field(default_factory=_empty)
    kpi_history: pd.DataFrame = field(default_factory=_empty)
    actions: pd.DataFrame = field(default_factory=_empty)
    top_issues: pd.DataFrame = field(default_factory=_empty)
    planner_tasks: pd.DataFrame = field(default_factory=_empty)
    forecast: pd.DataFrame = field(default_factory=_empty)
    demand_history: pd.DataFrame = field(default_factory=_empty)
    forecast_changes: pd.DataFrame = field(default_factory=_empty)
    forecast_accuracy: pd.DataFrame = field(default_factory=_empty)
    override_scorecard: pd.DataFrame = field(default_factory=_empty)
    supply_gaps: pd.DataFrame = field(default_factory=_empty)
    capacity_plan: pd.DataFrame = field(default_factory=_empty)
    constrained_capacity: pd.DataFrame = field(default_factory=_empty)
    constraint_prices: pd.DataFrame = field(default_factory=_empty)
    scenario_options: pd.DataFrame = field(default_factory=_empty)
    material_requirements: pd.DataFrame = field(default_factory=_empty)
    constrained_plan: pd.DataFrame = field(default_factory=_empty)
    late_purchase_orders: pd.DataFrame = field(default_factory=_empty)
    inventory_policy: pd.DataFrame = field(default_factory=_empty)
    shelf_life_risk: pd.DataFrame = field(default_factory=_empty)
    excess_obsolete: pd.DataFrame = field(default_factory=_empty)
    service_cash_tradeoff: pd.DataFrame = field(default_factory=_empty)
    cash_projection: pd.DataFrame = field(default_factory=_empty)
    plan_feasibility: pd.DataFrame = field(default_factory=_empty)
    financial_reconciliation: pd.DataFrame = field(default_factory=_empty)
    promotions_ahead: pd.DataFrame = field(default_factory=_empty)
    decisions: pd.DataFrame = field(default_factory=_empty)
    decisions_applied: pd.DataFrame = field(default_factory=_empty)
    decision_outcomes: pd.DataFrame = field(default_factory=_empty)
    decision_scorecard: pd.DataFrame = field(default_factory=_empty)
    max_rows: int = 15
    chart_items: int = 6
    decision_owners: dict[str, str] = field(default_factory=dict)
    materiality: float = 0.0
    """Margin at stake below which an issue is not a decision page one asks for
    (``meeting.materiality``): it stays on the agenda in the appendix."""

    def __post_init__(self) -> None:
        if self.max_rows < 1:
            raise ValueError(f"max_rows must be at least 1, got {self.max_rows}")
        if self.chart_items < 0:
            raise ValueError(f"chart_items must not be negative, got {self.chart_items}")

    @classmethod
    def frame_names(cls) -> tuple[str, ...]:
        """The names of the table fields, in declaration order."""
        return tuple(f.name for f in fields(cls) if f.type == "pd.DataFrame")

    @property
    def plan_timestamp(self) -> pd.Timestamp:
        """The plan month as a pandas timestamp (first day of the month)."""
        return pd.Timestamp(self.plan_month).to_period("M").to_timestamp()

    def typed(self) -> MeetingPackData:
        """Every table with its dictionary's columns and types (:func:`typed`)."""
        return replace(
            self, **{name: typed(getattr(self, name), name) for name in self.frame_names()}
        )


def column_types_of(name: str) -> dict[str, str]:
    """``{column: DuckDB type}`` of a pack table field."""
    if name == "demand_history":
        return DEMAND_HISTORY
    table = "kpis" if name == "kpi_history" else name
    return column_types(f"sop_mart.{table}")


def typed(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """``frame`` with every column of table field ``name`` in its type: DATE and TIMESTAMP as
    timestamps, numbers as floats, BOOLEAN as bool (NULL: false), text as objects; a column the
    frame lacks is NULL. Other columns are kept."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"MeetingPackData.{name} must be a pandas DataFrame, got {type(frame)}")
    out = frame.copy()
    for column, kind in column_types_of(name).items():
        values = out[column] if column in out.columns else pd.Series(None, index=out.index)
        if kind in ("DATE", "TIMESTAMP"):
            out[column] = pd.to_datetime(values).astype("datetime64[ns]")
        elif kind in ("DOUBLE", "BIGINT"):
            out[column] = values.astype(float)
        elif kind == "BOOLEAN":
            out[column] = values.eq(True).fillna(False).astype(bool)
        else:
            out[column] = values.astype(object)
    return out
