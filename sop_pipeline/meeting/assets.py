"""Meeting: the self-contained HTML pack of each plan month, in the meeting's agenda order."""

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd

from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.mart_io import mart_result, write_plan_month
from sop_pipeline.lib.months import folder_name
from sop_pipeline.meeting.pack import (
    AGENDA_SECTIONS,
    MeetingPackData,
    agenda_markdown,
    render_meeting_pack,
)
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import InputFilesResource, SettingsResource, WarehouseResource

MEETING_PACK = dg.AssetKey(["sop_mart", "meeting_pack"])
PACK_TABLES = (
    "kpis",
    "actions",
    "top_issues",
    "forecast",
    "forecast_changes",
    "forecast_accuracy",
    "override_scorecard",
    "supply_gaps",
    "material_requirements",
    "late_purchase_orders",
    "inventory_policy",
    "shelf_life_risk",
    "excess_obsolete",
    "service_cash_tradeoff",
    "cash_projection",
    "financial_reconciliation",
    "promotions_ahead",
)


def pack_path(serving_file: Path, month: dt.date) -> Path:
    """Where the HTML pack of ``month`` is written: beside the published warehouse."""
    return serving_file.parent / "meeting_packs" / f"sop_meeting_pack_{folder_name(month)}.html"


def _history(con, month: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    kpi_history = con.execute(
        "select * from sop_mart.kpis where plan_month <= ? order by plan_month", [month]
    ).df()
    demand = read.demand_history(con, month)
    return kpi_history, demand


@dg.asset(
    key=MEETING_PACK,
    deps=[dg.AssetKey(["sop_mart", name]) for name in PACK_TABLES]
    + [dg.AssetKey(["staging", "demand_history"])],
    group_name="meeting",
    partitions_def=monthly_partitions,
    kinds={"html"},
)
def meeting_pack(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    settings: SettingsResource,
    inputs: InputFilesResource,
) -> dg.MaterializeResult:
    """The meeting pack: prior actions, top issues, forecast and changes, gaps, KPIs, promotions
    ahead and shelf-life items, with charts, as one self-contained HTML file."""
    month = dt.date.fromisoformat(context.partition_key)
    config = settings.load()
    with warehouse.get_connection() as con:
        tables = {name: read.table(con, name, month) for name in PACK_TABLES}
        kpi_history, demand = _history(con, month)
    data = MeetingPackData(
        plan_month=month,
        company=inputs.root.name,
        currency=config.currency,
        kpi_history=kpi_history,
        demand_history=demand,
        max_rows=config.meeting.max_rows,
        chart_items=config.meeting.chart_items,
        **tables,
    )
    html = render_meeting_pack(data)
    path = pack_path(warehouse.serving_file, month)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".html.tmp")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(path)
    record = pd.DataFrame(
        {
            "html_path": [str(path)],
            "generated_at": [pd.Timestamp.now(tz="UTC").tz_localize(None)],
            "sections": [", ".join(AGENDA_SECTIONS)],
            "top_issue_count": [len(tables["top_issues"])],
        }
    )
    with warehouse.get_connection() as con:
        rows = write_plan_month(con, "sop_mart.meeting_pack", record, month)
    context.log.info(f"meeting pack written to {path}")
    return mart_result(
        "sop_mart.meeting_pack",
        rows,
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_kb": round(len(html.encode("utf-8")) / 1024, 1),
            "agenda": dg.MetadataValue.md(agenda_markdown(data)),
        },
    )
