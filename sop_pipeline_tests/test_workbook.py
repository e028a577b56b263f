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
    "Forecast vs plan",
    "Supply gaps",
    "Capacity",
    "Decision options",
    "Actions",
    "About",
]


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
                "issue": ["capacity:FILL-02"] * 2,
                "option": ["plan_to_base", "spread_deliveries"],
                "is_suggested": [False, True],
                "is_feasible": [True, True],
                "expected_margin": [100_000.0, 105_233.0],
                "margin_vs_base": [0.0, 5_233.0],
                "extra_inventory_cash_peak": [0.0, 10_400.0],
                "purchase_spend": [0.0, 10_400.0],
                "service_level": [0.91, 0.95],
                "runway_months": [27.6, 28.1],
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

    capacity = sheet_records(opened["Capacity"])
    assert [(r["Scenario"], r["Month"].month) for r in capacity] == [
        ("base", 5),
        ("base", 6),
        ("upside", 5),
    ]
    assert opened["Capacity"]["I2"].number_format == "0.0%"
    assert opened["Capacity"]["I2"].value == pytest.approx(115 / 70)
    assert capacity[0]["Margin at risk (EUR)"] == 3800.0

    options = sheet_records(opened["Decision options"])
    assert [r["Option"] for r in options] == ["spread_deliveries", "plan_to_base"]  # best first
    assert options[0]["Suggested"] is True and options[0]["vs plan (EUR)"] == 5233.0
    assert opened["Decision options"]["E2"].number_format == "#,##0"

    actions = opened["Actions"]
    assert [c.value for c in actions["A"][1:]] == ["A-2", "A-1"]  # overdue first
    assert actions["G2"].value is True and actions["G2"].data_type == "b"
    assert actions["E2"].is_date and actions["E2"].number_format == "yyyy-mm-dd"
    assert actions["H2"].value == 40 and actions["I3"].value is None

    assert [c.value for c in opened["Top issues"][1]][4] == "Impact (EUR)"
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
    for sheet, table in (("Capacity", "capacity_plan"), ("Decision options", "scenario_options")):
        rows = read_table(
            paths.db, f"select count(*) n from sop_mart.{table} where plan_month = ?", [month]
        )
        assert len(sheet_records(book[sheet])) == rows["n"].iloc[0], sheet
