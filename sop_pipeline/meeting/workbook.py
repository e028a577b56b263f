"""The meeting's tables as an Excel workbook, for those who work in spreadsheets.

One sheet per meeting table (KPIs, top issues, the plan against its targets, forecast and
constrained plan vs the financial plan by family, supply gaps, the binding constraints, the
constrained plan's capacity, what the unconstrained MRP would need, decision options, actions)
plus an *About* sheet. Cells are typed (numbers, dates, booleans),
numbers carry Excel number formats, every sheet has a frozen header row and an auto-filter.
Pure: frames in, a file out.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from sop_pipeline.lib.months import folder_name
from sop_pipeline.meeting.views import KPI_ORDER, kpi_label

MONEY = "#,##0"
QTY = "#,##0"
PERCENT = "0.0%"
DECIMAL = "0.00"
PRICE = "#,##0.00####"
MONTH = "mmm yyyy"
DATE = "yyyy-mm-dd"
TOTAL_FAMILY = "__total__"
TOTAL_LABEL = "All families"
FEASIBILITY_ORDER = ("revenue", "cash", "working_capital")
KPI_FORMATS = {"currency": MONEY, "ratio": PERCENT, "months": DECIMAL, "turns": DECIMAL}
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")

Format = str | Callable[[Mapping[str, object]], str] | None


@dataclass(frozen=True)
class SheetColumn:
    """One column of a sheet: the frame's column, its header and its Excel number format
    (a format, a function of the row, or None for the cell type's default)."""

    key: str
    header: str
    number_format: Format = None
    width: int = 14


@dataclass(frozen=True)
class SheetSpec:
    """One sheet: the ``sop_mart`` table it shows and its columns."""

    title: str
    table: str
    columns: tuple[SheetColumn, ...]


def _kpi_format(row: Mapping[str, object]) -> str:
    return KPI_FORMATS.get(str(row.get("unit")), DECIMAL)


def sheet_specs(currency: str) -> tuple[SheetSpec, ...]:
    """The workbook's sheets in meeting order; money headers name ``currency``."""
    money = f"({currency})"
    return (
        SheetSpec(
            "KPIs",
            "kpis",
            (
                SheetColumn("label", "KPI", width=32),
                SheetColumn("value", "Value", _kpi_format),
                SheetColumn("target", "Target", _kpi_format),
                SheetColumn("status", "Status", width=11),
                SheetColumn("unit", "Unit", width=10),
                SheetColumn("better", "Better", width=15),
                SheetColumn("kpi", "Name in warehouse", width=26),
                SheetColumn("description", "Description", width=60),
            ),
        ),
        SheetSpec(
            "Top issues",
            "top_issues",
            (
                SheetColumn("rank", "Rank", width=6),
                SheetColumn("category", "Category", width=16),
                SheetColumn("topic", "Issue", width=60),
                SheetColumn("item", "Item", width=12),
                SheetColumn("impact_value", f"Margin at stake {money}", MONEY),
                SheetColumn("drivers", "Drivers", width=60),
                SheetColumn("open_actions", "Open actions", width=60),
                SheetColumn("suggested_decision", "Suggested decision", width=70),
                SheetColumn("option_cash", f"Extra stock at peak {money}", MONEY),
            ),
        ),
        SheetSpec(
            "For the planners",
            "planner_tasks",
            (
                SheetColumn("rank", "Rank", width=6),
                SheetColumn("category", "Kind", width=16),
                SheetColumn("task_topic", "What", width=60),
                SheetColumn("item", "Item", width=12),
                SheetColumn("impact_value", f"Money concerned {money}", MONEY),
                SheetColumn("task", "Task", width=70),
            ),
        ),
        SheetSpec(
            "Plan vs targets",
            "plan_feasibility",
            (
                SheetColumn("check", "Check", width=16),
                SheetColumn("is_met", "Met", width=7),
                SheetColumn("value", f"Plan {money}", MONEY, 16),
                SheetColumn("target", f"Target {money}", MONEY, 16),
                SheetColumn("month", "Month", MONTH, width=11),
                SheetColumn("service_level", "Service level that meets it", PERCENT, 14),
                SheetColumn("margin_given_up", f"Margin given up {money}", MONEY, 18),
                SheetColumn("detail", "Detail", width=90),
            ),
        ),
        SheetSpec(
            "Forecast vs plan",
            "financial_reconciliation",
            (
                SheetColumn("family", "Family", width=18),
                SheetColumn("month", "Month", MONTH, width=11),
                SheetColumn("forecast_revenue", f"Forecast revenue {money}", MONEY, 22),
                SheetColumn("constrained_revenue", f"Constrained plan revenue {money}", MONEY, 22),
                SheetColumn("planned_revenue", f"Planned revenue {money}", MONEY, 22),
                SheetColumn("gap", f"Gap {money}", MONEY),
                SheetColumn("gap_pct", "Gap %", PERCENT, 9),
                SheetColumn("constrained_gap", f"Constrained gap {money}", MONEY, 18),
            ),
        ),
        SheetSpec(
            "Supply gaps",
            "supply_gaps",
            (
                SheetColumn("item", "Item", width=10),
                SheetColumn("month", "Month", MONTH, width=11),
                SheetColumn("demand_qty", "Demand", QTY),
                SheetColumn("available_qty", "Available", QTY),
                SheetColumn("shortage_qty", "Shortage", QTY),
                SheetColumn(
                    "revenue_at_risk", f"Revenue at risk before decisions {money}", MONEY, 22
                ),
                SheetColumn("limiting_item", "Limiting item", width=14),
                SheetColumn("binding_component", "Binding component", width=18),
            ),
        ),
        SheetSpec(
            "Constraints",
            "constraint_prices",
            (
                SheetColumn("constraint_type", "Type", width=12),
                SheetColumn("constraint", "Constraint", width=14),
                SheetColumn("description", "Description", width=32),
                SheetColumn("month", "Month", MONTH, width=11),
                SheetColumn("shadow_price", f"Shadow price {money}", PRICE, 16),
                SheetColumn("unit", "Per", width=20),
                SheetColumn("affected_item_count", "Items affected", "0", 10),
                SheetColumn("affected_items", "Affected items", width=50),
                SheetColumn("lost_sales_qty", "Lost sales", QTY, 12),
                SheetColumn("lost_margin", f"Lost margin {money}", MONEY, 16),
                SheetColumn("slack", "Slack", DECIMAL, 10),
            ),
        ),
        SheetSpec(
            "Capacity",
            "constrained_capacity",
            (
                SheetColumn("scenario", "Scenario", width=10),
                SheetColumn("resource", "Resource", width=12),
                SheetColumn("description", "Description", width=28),
                SheetColumn("month", "Month", MONTH, width=11),
                SheetColumn("load", "Load (hours)", QTY),
                SheetColumn("fixed_load", "Open orders' load", QTY, 16),
                SheetColumn("capacity", "Capacity (hours)", QTY, 16),
                SheetColumn("overtime_capacity", "Overtime available", QTY, 16),
                SheetColumn("overtime_used", "Overtime used", QTY),
                SheetColumn("overtime_cost", f"Overtime cost {money}", MONEY, 20),
                SheetColumn("utilisation", "Utilisation", PERCENT, 12),
                SheetColumn("spare", "Spare (hours)", QTY),
                SheetColumn("shadow_price", f"One more hour is worth {money}", PRICE, 22),
            ),
        ),
        SheetSpec(
            "MRP capacity need",
            "capacity_plan",
            (
                SheetColumn("scenario", "Scenario", width=10),
                SheetColumn("resource", "Resource", width=12),
                SheetColumn("description", "Description", width=28),
                SheetColumn("month", "Month", MONTH, width=11),
                SheetColumn("load", "Load (hours)", QTY),
                SheetColumn("capacity", "Capacity (hours)", QTY, 16),
                SheetColumn("overtime_used", "Overtime used", QTY),
                SheetColumn("overload", "Overload (hours)", QTY, 16),
                SheetColumn("utilisation", "Utilisation", PERCENT, 12),
                SheetColumn("units_short", "Units short", QTY),
                SheetColumn("margin_at_risk", f"Margin at risk {money}", MONEY, 20),
                SheetColumn("overtime_cost", f"Overtime cost {money}", MONEY, 20),
            ),
        ),
        SheetSpec(
            "Decision options",
            "scenario_options",
            (
                SheetColumn("issue", "Issue", width=22),
                SheetColumn("category", "Category", width=16),
                SheetColumn("item", "Subject", width=14),
                SheetColumn("option", "Option", width=18),
                SheetColumn("is_suggested", "Suggested", width=10),
                SheetColumn("is_feasible", "Feasible", width=9),
                SheetColumn("first_month", "From", MONTH, width=11),
                SheetColumn("last_month", "To", MONTH, width=11),
                SheetColumn("affected_items", "Affected items", width=40),
                SheetColumn("expected_margin", f"Expected margin {money}", MONEY, 20),
                SheetColumn("margin_vs_base", f"vs plan to base {money}", MONEY, 18),
                SheetColumn("extra_inventory_cash_peak", f"Extra cash at peak {money}", MONEY, 22),
                SheetColumn("purchase_spend", f"Purchase spend {money}", MONEY, 18),
                SheetColumn("overtime_cost", f"Overtime cost {money}", MONEY, 18),
                SheetColumn("expedite_cost", f"Expedite cost {money}", MONEY, 18),
                SheetColumn("holding_cost", f"Holding cost {money}", MONEY, 18),
                SheetColumn("lost_sales_qty", "Lost sales", QTY, 12),
                SheetColumn("expected_revenue_at_risk", f"Revenue at risk {money}", MONEY, 18),
                SheetColumn("expected_margin_at_risk", f"Margin at risk {money}", MONEY, 18),
                SheetColumn("expected_excess_value", f"Stock left at end {money}", MONEY, 18),
                SheetColumn("service_level", "Fill rate", PERCENT, 9),
                SheetColumn("cash_balance_end", f"Cash at end {money}", MONEY, 18),
                SheetColumn("cash_low_point", f"Cash low point {money}", MONEY, 18),
                SheetColumn("runway_months", "Runway (months)", DECIMAL, 15),
                SheetColumn("decision", "Decision", width=60),
                SheetColumn("note", "Note", width=60),
            ),
        ),
        SheetSpec(
            "Actions",
            "actions",
            (
                SheetColumn("action_id", "Action", width=12),
                SheetColumn("opened_month", "Opened", MONTH, width=11),
                SheetColumn("topic", "Topic", width=50),
                SheetColumn("owner", "Owner", width=26),
                SheetColumn("due_date", "Due", DATE, width=11),
                SheetColumn("status", "Status", width=8),
                SheetColumn("is_overdue", "Overdue", width=9),
                SheetColumn("days_overdue", "Days overdue", "0", 12),
                SheetColumn("decision", "Decision", width=50),
            ),
        ),
    )


WORKBOOK_TABLES: tuple[str, ...] = tuple(spec.table for spec in sheet_specs("USD"))


def workbook_name(plan_month: dt.date) -> str:
    """``sop_pack_YYYY-MM.xlsx``: the workbook of ``plan_month``, beside its HTML pack."""
    return f"sop_pack_{folder_name(plan_month)}.xlsx"


def _ordered(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows in the order the meeting reads them."""
    if frame.empty:
        return frame
    frame = frame.copy()
    if table == "kpis":
        rank = {name: i for i, name in enumerate(KPI_ORDER)}
        frame["label"] = frame["kpi"].map(kpi_label)
        frame["_order"] = frame["kpi"].map(lambda k: rank.get(str(k), len(rank)))
        return frame.sort_values(["_order", "kpi"], kind="stable")
    if table in ("top_issues", "planner_tasks"):
        return frame.sort_values("rank", kind="stable")
    if table == "financial_reconciliation":
        frame["_total"] = frame["family"] == TOTAL_FAMILY
        frame["family"] = frame["family"].where(~frame["_total"], TOTAL_LABEL)
        return frame.sort_values(["_total", "family", "month"], kind="stable")
    if table == "supply_gaps":
        order = ["revenue_at_risk", "item", "month"]
        return frame.sort_values(order, ascending=[False, True, True])
    if table == "plan_feasibility":
        rank = {name: i for i, name in enumerate(FEASIBILITY_ORDER)}
        frame["_order"] = frame["check"].map(lambda c: rank.get(str(c), len(rank)))
        return frame.sort_values(["_order", "check"], kind="stable")
    if table == "constraint_prices":
        keys = ["constraint_type", "constraint"]
        by = frame.groupby(keys)
        frame["_lost"] = by["lost_margin"].transform("sum").fillna(0.0)
        frame["_price"] = by["shadow_price"].transform("max").fillna(0.0)
        order = ["_lost", "_price", *keys, "month"]
        return frame.sort_values(order, ascending=[False, False, True, True, True])
    if table in ("capacity_plan", "constrained_capacity"):
        return frame.sort_values(["scenario", "resource", "month"], kind="stable")
    if table == "scenario_options":
        return frame.sort_values(["issue", "expected_margin"], ascending=[True, False])
    if table == "actions":
        return frame.sort_values(["is_overdue", "action_id"], ascending=[False, True])
    return frame


def cell_value(value: object) -> object:
    """A frame value as an Excel cell value: None for missing, plain Python numbers, dates as
    dates (a midnight timestamp is a date), booleans as booleans."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | np.datetime64):
        stamp = pd.Timestamp(value)
        if stamp is pd.NaT:
            return None
        return stamp.date() if stamp == stamp.normalize() else stamp.to_pydatetime()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    return value


def _write_sheet(book: Workbook, spec: SheetSpec, frame: pd.DataFrame) -> None:
    sheet = book.create_sheet(spec.title)
    sheet.append([column.header for column in spec.columns])
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    records = _ordered(spec.table, frame).to_dict("records")
    for row_number, record in enumerate(records, start=2):
        for col_number, column in enumerate(spec.columns, start=1):
            value = cell_value(record.get(column.key))
            cell = sheet.cell(row=row_number, column=col_number, value=value)
            number_format = column.number_format
            if callable(number_format):
                number_format = number_format(record)
            if number_format is None and isinstance(value, dt.date):
                number_format = DATE
            if number_format is not None:
                cell.number_format = number_format
    for col_number, column in enumerate(spec.columns, start=1):
        sheet.column_dimensions[get_column_letter(col_number)].width = column.width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(spec.columns))}{max(len(records), 1) + 1}"


def _write_about(book: Workbook, facts: Mapping[str, object]) -> None:
    sheet = book.create_sheet("About")
    sheet.append(["", ""])
    sheet["A1"], sheet["B1"] = "About", "Value"
    for cell in sheet[1]:
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for label, value in facts.items():
        sheet.append([label, cell_value(value)])
        if isinstance(value, dt.datetime):
            sheet.cell(row=sheet.max_row, column=2).number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, dt.date):
            sheet.cell(row=sheet.max_row, column=2).number_format = DATE
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 90
    sheet.freeze_panes = "A2"


def build_workbook(
    plan_month: dt.date,
    tables: Mapping[str, pd.DataFrame],
    *,
    currency: str = "USD",
    published_at: dt.datetime | None = None,
) -> Workbook:
    """The workbook of ``plan_month`` from the plan month's ``sop_mart`` tables.

    Args:
        plan_month: the first day of the plan month.
        tables: frames by table name (:data:`WORKBOOK_TABLES`); a missing one gives an empty
            sheet with its header.
        currency: named in the money columns' headers.
        published_at: when the tables were published (UTC), shown on the *About* sheet.
    """
    book = Workbook()
    book.remove(book.active)
    for spec in sheet_specs(currency):
        _write_sheet(book, spec, tables.get(spec.table, pd.DataFrame()))
    _write_about(
        book,
        {
            "Plan month": plan_month,
            "Published at (UTC)": published_at,
            "Currency": currency,
            "Source": "the sop_mart tables of the serving warehouse (sop.duckdb)",
            "Sheets": ", ".join(spec.title for spec in sheet_specs(currency)),
        },
    )
    book.properties.title = f"S&OP meeting tables {folder_name(plan_month)}"
    book.properties.creator = "sop_pipeline"
    return book


def save_workbook(book: Workbook, path: Path) -> Path:
    """Write ``book`` to ``path`` through a temporary file renamed into place (a reader never
    opens half a workbook)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        book.save(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
