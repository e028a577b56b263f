"""The meeting's Excel workbook: typed cells, number formats, frozen headers, one sheet per
meeting table, published beside the HTML pack and linked from it, with the warehouse's values."""

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sop_pipeline.meeting.workbook import build_workbook, save_workbook, workbook_name
from sop_pipeline.publish.workbooks import workbook_path
from sop_pipeline_tests.conftest import paths_for, read_table

OCT = dt.date(2025, 10, 1)
SHEETS = [
    "KPIs",
    "Top issues",
    "For the planners",
    "Plan vs targets",
    "Forecast vs plan",
    "Supply gaps",
    "Constraints",
    "Capacity",
    "MRP capacity need",
    "Decision options",
    "Actions",
    "About",
]
SHEET_TABLES = {
    "Plan vs targets": "plan_feasibility",
    "Constraints": "constraint_prices",
    "Capacity": "constrained_capacity",
    "MRP capacity need": "capacity_plan",
    "Decision options": "scenario_options",
}


def sheet_records(sheet: openpyxl.worksheet.worksheet.Worksheet) -> list[dict[str, object]]:
    """The rows of a sheet as dicts keyed by its header row."""
    header, *body = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in body]


def small_tables() -> dict[str, pd.DataFrame]:
    months = pd.to_datetime(["2025-11-01", "2025-12-01"])
    return {
        "kpis": pd.DataFrame(
            {
                "kpi": ["inventory_value", "fill_rate", "new_kpi"],
                "value": [812_400.5, 0.962, float("nan")],
                "target": [750_000.0, 0.95, 1.0],
                "status": ["off_track", "on_track", "no_data"],
                "unit": ["currency", "ratio", "turns"],
                "better": ["lower", "higher", "higher"],
                "description": ["stock value", "share shipped", "a KPI added later"],
            }
        ),
        "financial_reconciliation": pd.DataFrame(
            {
                "month": list(months) * 2,
                "family": ["__total__", "__total__", "Sun Care", "Sun Care"],
                "forecast_revenue": [110.0, 120.0, 10.0, 20.0],
                "planned_revenue": [100.0, 100.0, 10.0, 25.0],
                "gap": [10.0, 20.0, 0.0, -5.0],
                "gap_pct": [0.1, 0.2, 0.0, -0.2],
                "constrained_revenue": [105.0, 120.0, 8.0, 20.0],
                "constrained_gap": [5.0, 20.0, -2.0, -5.0],
            }
        ),
        "plan_feasibility": pd.DataFrame(
            {
                "check": ["working_capital", "cash", "revenue"],
                "is_met": pd.array([False, True, None], dtype="boolean"),
                "value": [267_267.0, 583_056.0, 6_443_438.0],
                "target": [169_472.0, 0.0, None],
                "month": pd.to_datetime(["2026-07-01", "2026-04-01", None]),
                "service_level": [None, None, None],
                "margin_given_up": [28_330.0, None, None],
                "detail": ["none from 85% to 100% service meets it", "runway 77.4 months", ""],
            }
        ),
        "constraint_prices": pd.DataFrame(
            {
                "constraint_type": ["resource", "component", "resource", "lead_time"],
                "constraint": ["FILL-02", "PK-010", "FILL-02", "HC-030"],
                "description": ["Tube filling line", "Dropper bottle", "Tube filling line", None],
                "month": pd.to_datetime(["2026-06-01", "2025-11-01", "2026-05-01", "2025-11-01"]),
                "shadow_price": [48.0, 0.0585, 27.95, 21.87],
                "unit": ["per hour", "per unit", "per hour", "per unit"],
                "slack": [0.0, 0.0, 0.0, 0.0],
                "affected_items": ["SC-020, SC-022", "FC-002, FC-006", "SC-020", "HC-030"],
                "affected_item_count": [2, 2, 1, 1],
                "lost_sales_qty": [0.0, 0.0, 40.0, 770.0],
                "lost_margin": [0.0, 0.0, 1_200.0, 17_630.0],
            }
        ),
        "constrained_capacity": pd.DataFrame(
            {
                "scenario": ["upside", "base", "base"],
                "resource": ["FILL-02", "FILL-02", "FILL-02"],
                "description": ["Tube filling line"] * 3,
                "month": pd.to_datetime(["2026-05-01", "2026-06-01", "2026-05-01"]),
                "load": [80.0, 75.2, 70.0],
                "fixed_load": [0.0, 0.0, 0.0],
                "capacity": [70.0] * 3,
                "overtime_capacity": [10.0] * 3,
                "overtime_used": [10.0, 5.2, 0.0],
                "overtime_cost": [450.0, 234.0, 0.0],
                "utilisation": [80 / 70, 75.2 / 70, 1.0],
                "spare": [0.0, 4.8, 10.0],
                "shadow_price": [60.0, 48.0, 27.95],
            }
        ),
        "capacity_plan": pd.DataFrame(
            {
                "scenario": ["upside", "base", "base"],
                "resource": ["FILL-02", "FILL-02", "FILL-02"],
                "description": ["Tube filling line"] * 3,
                "month": pd.to_datetime(["2026-05-01", "2026-06-01", "2026-05-01"]),
                "load": [130.0, 109.0, 115.0],
                "capacity": [70.0] * 3,
                "overtime_used": [10.0] * 3,
                "overload": [50.0, 29.0, 35.0],
                "utilisation": [130 / 70, 109 / 70, 115 / 70],
                "units_short": [7000.0, 5800.0, 6300.0],
                "margin_at_risk": [0.0, 2900.0, 3800.0],
                "overtime_cost": [450.0] * 3,
            }
        ),
        "scenario_options": pd.DataFrame(
            {
                "issue": ["resource:FILL-02"] * 2,
                "category": ["resource"] * 2,
                "item": ["FILL-02"] * 2,
                "option": ["plan_to_base", "spread_deliveries"],
                "is_suggested": [False, True],
                "is_feasible": [True, True],
                "first_month": pd.to_datetime(["2026-05-01"] * 2),
                "last_month": pd.to_datetime(["2026-06-01"] * 2),
                "affected_items": ["SC-020, SC-022"] * 2,
                "expected_margin": [100_000.0, 105_233.0],
                "margin_vs_base": [0.0, 5_233.0],
                "extra_inventory_cash_peak": [0.0, 10_400.0],
                "purchase_spend": [0.0, 10_400.0],
                "service_level": [0.91, 0.95],
                "cash_low_point": [583_056.0, 572_656.0],
                "runway_months": [27.6, None],
                "decision": ["Plan to the base forecast", "Spread the deliveries"],
                "note": [None, "moves 16,100 units a month earlier"],
            }
        ),
        "actions": pd.DataFrame(
            {
                "action_id": ["A-1", "A-2"],
                "opened_month": pd.to_datetime(["2025-06-01", "2025-08-01"]),
                "topic": ["Second source", "Cap buys"],
                "owner": ["Procurement", "CFO"],
                "due_date": pd.to_datetime(["2025-07-15", "2025-12-01"]),
                "status": ["open", "open"],
                "decision": [None, "Eight weeks of cover"],
                "is_overdue": [False, True],
                "days_overdue": [0, 40],
            }
        ),
    }


def test_workbook_cells_are_typed_formatted_and_frozen(tmp_path: Path) -> None:
    published = dt.datetime(2025, 11, 3, 6, 0, 5)
    book = build_workbook(OCT, small_tables(), currency="EUR", published_at=published)
    path = save_workbook(book, tmp_path / workbook_name(OCT))

    assert path.name == "sop_pack_2025-10.xlsx"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left
    opened = openpyxl.load_workbook(path)
    assert opened.sheetnames == SHEETS
    for sheet in opened.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.bold for cell in sheet[1]), sheet.title

    kpis = opened["KPIs"]
    assert [c.value for c in kpis["A"][1:]] == ["Fill rate", "Inventory value", "New kpi"]
    assert (kpis["B2"].value, kpis["B2"].number_format) == (0.962, "0.0%")
    assert (kpis["B3"].value, kpis["B3"].number_format) == (812_400.5, "#,##0")
    assert kpis["B4"].value is None and kpis["C4"].number_format == "0.00"
    assert kpis.auto_filter.ref == "A1:H4"

    plan = sheet_records(opened["Forecast vs plan"])
    assert [r["Family"] for r in plan] == ["Sun Care", "Sun Care", "All families", "All families"]
    assert plan[1]["Planned revenue (EUR)"] == 25.0 and plan[1]["Gap %"] == -0.2
    month_cell = opened["Forecast vs plan"]["B2"]
    assert month_cell.is_date and month_cell.value.date() == dt.date(2025, 11, 1)
    assert month_cell.number_format == "mmm yyyy"

    assert plan[2]["Constrained plan revenue (EUR)"] == 105.0
    assert plan[2]["Constrained gap (EUR)"] == 5.0

    targets = sheet_records(opened["Plan vs targets"])
    assert [r["Check"] for r in targets] == ["revenue", "cash", "working_capital"]
    assert targets[0]["Met"] is None and targets[0]["Target (EUR)"] is None  # no plan: no target
    assert targets[1]["Met"] is True and targets[2]["Met"] is False
    assert targets[2]["Margin given up (EUR)"] == 28_330.0
    assert targets[2]["Month"].date() == dt.date(2026, 7, 1)

    constraints = sheet_records(opened["Constraints"])  # most margin lost first, months together
    assert [(r["Constraint"], r["Month"].month) for r in constraints] == [
        ("HC-030", 11),
        ("FILL-02", 5),
        ("FILL-02", 6),
        ("PK-010", 11),
    ]
    assert constraints[3]["Shadow price (EUR)"] == 0.0585
    assert opened["Constraints"]["E5"].number_format == "#,##0.00####"
    assert constraints[1]["Affected items"] == "SC-020" and constraints[1]["Per"] == "per hour"

    capacity = sheet_records(opened["Capacity"])
    assert [(r["Scenario"], r["Month"].month) for r in capacity] == [
        ("base", 5),
        ("base", 6),
        ("upside", 5),
    ]
    assert opened["Capacity"]["K3"].number_format == "0.0%"
    assert opened["Capacity"]["K3"].value == pytest.approx(75.2 / 70)
    assert capacity[1]["One more hour is worth (EUR)"] == 48.0
    assert capacity[1]["Overtime cost (EUR)"] == 234.0

    need = sheet_records(opened["MRP capacity need"])
    assert [(r["Scenario"], r["Month"].month) for r in need] == [
        ("base", 5),
        ("base", 6),
        ("upside", 5),
    ]
    assert opened["MRP capacity need"]["I2"].number_format == "0.0%"
    assert opened["MRP capacity need"]["I2"].value == pytest.approx(115 / 70)
    assert need[0]["Margin at risk (EUR)"] == 3800.0

    options = sheet_records(opened["Decision options"])
    assert [r["Option"] for r in options] == ["spread_deliveries", "plan_to_base"]  # best first
    best = options[0]
    assert best["Suggested"] is True and best["vs plan to base (EUR)"] == 5233.0
    assert best["Affected items"] == "SC-020, SC-022" and best["Category"] == "resource"
    assert best["Cash low point (EUR)"] == 572_656.0 and best["Runway (months)"] is None
    assert best["From"].date() == dt.date(2026, 5, 1)
    assert opened["Decision options"]["J2"].number_format == "#,##0"

    actions = opened["Actions"]
    assert [c.value for c in actions["A"][1:]] == ["A-2", "A-1"]  # overdue first
    assert actions["G2"].value is True and actions["G2"].data_type == "b"
    assert actions["E2"].is_date and actions["E2"].number_format == "yyyy-mm-dd"
    assert actions["H2"].value == 40 and actions["I3"].value is None

    assert [c.value for c in opened["Top issues"][1]][4] == "Margin at stake (EUR)"
    assert opened["Top issues"].max_row == 1  # no rows: the header alone
    about = dict(opened["About"].iter_rows(min_row=2, values_only=True))
    assert about["Published at (UTC)"] == published and about["Currency"] == "EUR"


def test_published_workbook_matches_the_warehouse_and_the_pack_links_it(
    planned_company: Path,
) -> None:
    paths = paths_for(planned_company)
    month = dt.date(2025, 9, 1)
    path = workbook_path(paths.db, month)
    pack = path.with_name("sop_meeting_pack_2025-09.html")
    assert path.is_file() and pack.is_file()
    assert f'href="{path.name}"' in pack.read_text(encoding="utf-8")

    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    sheet = {r["Name in warehouse"]: r for r in sheet_records(book["KPIs"])}
    warehouse = read_table(
        paths.db,
        "select kpi, value, target, status from sop_mart.kpis where plan_month = ?",
        [month],
    )
    assert len(warehouse) >= 8 and set(sheet) == set(warehouse["kpi"])
    for row in warehouse.itertuples():
        cells = sheet[row.kpi]
        assert cells["Status"] == row.status
        for column, expected in (("Value", row.value), ("Target", row.target)):
            if pd.isna(expected):
                assert cells[column] is None, row.kpi
            else:
                assert cells[column] == pytest.approx(expected, rel=1e-12), row.kpi
    issues = sheet_records(book["Top issues"])
    expected_issues = read_table(
        paths.db, "select rank, topic from sop_mart.top_issues where plan_month = ?", [month]
    ).sort_values("rank")
    assert [(r["Rank"], r["Issue"]) for r in issues] == list(
        expected_issues.itertuples(index=False, name=None)
    )
    gaps = read_table(
        paths.db, "select count(*) n from sop_mart.supply_gaps where plan_month = ?", [month]
    )
    assert len(sheet_records(book["Supply gaps"])) == gaps["n"].iloc[0]
    for sheet, table in SHEET_TABLES.items():
        rows = read_table(
            paths.db, f"select count(*) n from sop_mart.{table} where plan_month = ?", [month]
        )
        assert len(sheet_records(book[sheet])) == rows["n"].iloc[0], sheet
    assert len(sheet_records(book["Plan vs targets"])) == 3
