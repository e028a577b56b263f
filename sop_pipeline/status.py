"""``sop-pipeline status``: closed, ingested and planned months, and the last run."""

import dagster as dg

from sop_pipeline.ingest.readers import closed_months
from sop_pipeline.lib.months import folder_name
from sop_pipeline.runner import Paths, months_in_table


def _span(months) -> str:
    months = sorted(months)
    if not months:
        return "none"
    return f"{folder_name(months[0])}..{folder_name(months[-1])} ({len(months)})"


def status_lines(paths: Paths) -> list[str]:
    """A short table a data lead reads before and after a run."""
    paths.export()
    closed = closed_months(paths.data_dir)
    ingested = months_in_table(paths.work_db, "staging.ingest_summary")
    planned = months_in_table(paths.work_db, "sop_mart.meeting_pack")
    waiting = [m for m in closed if m not in ingested]
    lines = [
        f"data dir        {paths.data_dir}",
        f"warehouse       {paths.db}",
        f"closed months   {_span(closed)}",
        f"ingested        {_span(ingested)}"
        + (f"; not yet: {', '.join(folder_name(m) for m in waiting[:6])}" if waiting else ""),
        f"planned         {', '.join(folder_name(m) for m in sorted(planned)[-6:]) or 'none'}",
    ]
    instance = dg.DagsterInstance.get()
    records = instance.get_run_records(limit=1)
    if not records:
        lines.append("last run        none")
        return lines
    run = records[0].dagster_run
    partition = run.tags.get("dagster/partition") or (
        f"{run.tags.get('dagster/asset_partition_range_start', '?')}.."
        f"{run.tags.get('dagster/asset_partition_range_end', '?')}"
    )
    lines.append(f"last run        {run.status.value.lower()} ({run.job_name}, {partition})")
    lines.extend(_failing_checks(instance, run.run_id))
    return lines


def _failing_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    failing = []
    for record in records:
        evaluation = record.event_log_entry.dagster_event.event_specific_data
        if not evaluation.passed:
            failing.append(
                f"  failing check {'/'.join(evaluation.asset_key.path)} {evaluation.check_name}: "
                f"{evaluation.description or ''}"[:300]
            )
    return failing or ["failing checks  none"]
