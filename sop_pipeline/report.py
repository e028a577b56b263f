"""The short summary ``sop-pipeline run`` prints when it succeeds."""

from pathlib import Path

import duckdb

from sop_pipeline.lib.months import folder_name
from sop_pipeline.paths import Paths
from sop_pipeline.publish.workbooks import workbook_path
from sop_pipeline.runner import RunSummary


def _span(months: list) -> str:
    if not months:
        return "none (already up to date)"
    if len(months) == 1:
        return folder_name(months[0])
    return f"{folder_name(months[0])}..{folder_name(months[-1])} ({len(months)} months)"


def _pack_path(db: Path, summary: RunSummary) -> str | None:
    if not db.exists():
        return None
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select html_path from sop_mart.meeting_pack where plan_month = ?",
            [summary.plan_month],
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    return rows[0][0] if rows else None


def _planned(summary: RunSummary) -> str:
    text = ", ".join(folder_name(m) for m in summary.planned) or "nothing"
    if any(m != summary.plan_month for m in summary.planned):
        text += " (earlier months: their tables, for accuracy and trends; no pack)"
    return text


def summary_lines(paths: Paths, summary: RunSummary, seconds: float) -> list[str]:
    """What was done, where the outputs are, and the warnings worth a look."""
    lines = [
        f"plan month     {folder_name(summary.plan_month)}",
        f"ingested       {_span(summary.ingested)}",
        f"planned        {_planned(summary)}",
        f"warehouse      {paths.db}  (BI, read-only)",
        f"working file   {paths.work_db}",
        f"dagster home   {paths.dagster_home}  (the record of runs; make dev shows them)",
    ]
    pack = _pack_path(paths.work_db, summary)
    if pack:
        lines.append(f"meeting pack   {pack}")
    workbook = workbook_path(paths.db, summary.plan_month)
    if workbook.exists():
        lines.append(f"workbook       {workbook}")
    if summary.warnings:
        lines.append(f"warnings       {len(summary.warnings)} (see `dagster dev` checks):")
        lines.extend(f"  - {w}" for w in summary.warnings[:5])
    lines.append(f"done in {seconds:.1f} s")
    return lines
