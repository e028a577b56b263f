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
SHEETS = ["KPIs", "Top issues", "Forecast vs plan", "Supply gaps", "Actions", "About"]


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
