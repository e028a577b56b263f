"""Meeting: the self-contained HTML pack of each plan month, in the meeting's agenda order."""

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd

from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.duckdb_io import Connection
from sop_pipeline.lib.mart_io import mart_result, write_plan_month
from sop_pipeline.lib.months import folder_name
from sop_pipeline.lib.partition_context import plan_month
from sop_pipeline.meeting.data import MeetingPackData
from sop_pipeline.meeting.pack import agenda_markdown, render_meeting_pack
from sop_pipeline.meeting.sections import AGENDA_SECTIONS
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import InputFilesResource, SettingsResource, WarehouseResource
from sop_pipeline.settings import Settings

MEETING_PACK = dg.AssetKey(["sop_mart", "meeting_pack"])
HISTORIES = ("kpi_history", "demand_history")
PACK_TABLES = tuple(name for name in MeetingPackData.frame_names() if name not in HISTORIES)
"""The ``sop_mart`` tables of the plan month the pack shows (the constrained plan's
``constrained_capacity``, ``constraint_prices``, ``scenario_options``, ``cash_projection`` and
``plan_feasibility`` among them): the asset's dependencies, so it runs after them."""


def pack_path(serving_file: Path, month: dt.date) -> Path:
    """Where the HTML pack of ``month`` is written: beside the published warehouse."""
    return serving_file.parent / "meeting_packs" / f"sop_meeting_pack_{folder_name(month)}.html"


def pending_pack_path(serving_file: Path, month: dt.date, run_id: str) -> Path:
    """Where run ``run_id`` renders the month's pack until its publication renames it to
    :func:`pack_path` (a hidden file beside it)."""
    final = pack_path(serving_file, month)
    return final.with_name(f".{final.name}.run-{run_id}")


def read_pack_data(
    con: Connection, month: dt.date, company: str, config: Settings
) -> MeetingPackData:
    """The pack's tables of ``month`` as the warehouse types them, read once."""
    kpi_history = con.execute(
        "select * from sop_mart.kpis where plan_month <= ? order by plan_month", [month]
    ).df()
    return MeetingPackData(
        plan_month=month,
        company=company,
        currency=config.currency,
        kpi_history=kpi_history,
        demand_history=read.demand_history(con, month).merge(
            read.sales_history(con, month)[["item", "month", "net_revenue"]],
            on=["item", "month"],
            how="left",
        ),
        max_rows=config.meeting.max_rows,
        chart_items=config.meeting.chart_items,
        decision_owners=dict(config.meeting.decision_owners),
        materiality=config.meeting.materiality,
        **{name: read.table(con, name, month) for name in PACK_TABLES},
    ).typed()


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
    """The meeting pack: prior actions, top issues, forecast and changes, gaps, the constrained
    plan's capacity, binding constraints, options, targets and cash, KPIs, promotions ahead and
    shelf-life items, with charts, as one self-contained HTML file."""
    month = plan_month(context)
    with warehouse.get_connection() as con:
        data = read_pack_data(con, month, inputs.root.name, settings.load())
    html = render_meeting_pack(data)
    path = pack_path(warehouse.serving_file, month)
    pending = pending_pack_path(warehouse.serving_file, month, context.run_id)
    pending.parent.mkdir(parents=True, exist_ok=True)
    # readers see the pack only when the run publishes the month (publish/serving_warehouse)
    pending.write_text(html, encoding="utf-8")
    record = pd.DataFrame(
        {
            "html_path": [str(path)],
            "generated_at": [pd.Timestamp.now(tz="UTC").tz_localize(None)],
            "sections": [", ".join(AGENDA_SECTIONS)],
            "top_issue_count": [len(data.top_issues)],
        }
    )
    with warehouse.get_connection() as con:
        rows = write_plan_month(con, "sop_mart.meeting_pack", record, month)
    context.log.info(f"meeting pack rendered; the publication puts it at {path}")
    return mart_result(
        "sop_mart.meeting_pack",
        rows,
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "size_kb": round(len(html.encode("utf-8")) / 1024, 1),
            "agenda": dg.MetadataValue.md(agenda_markdown(data)),
        },
    )
