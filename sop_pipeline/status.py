"""``sop-pipeline status``: closed, ingested and planned months, and the last run.

A month is planned once every plan table has materialized it; its meeting pack is rendered and
published when it is the month planned (earlier months get their tables only: see
:mod:`sop_pipeline.runner`).

Read-only: it lists the data directory and reads the company's Dagster instance (what has
materialized, the last run); it creates no folder and writes no file, so it is safe to run
beside a running pipeline or on a company never run.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import dagster as dg

from sop_pipeline.ingest.folder_checks import data_folder_warnings, missing_month_warnings
from sop_pipeline.ingest.readers import closed_months
from sop_pipeline.jobs import INGESTED_KEY
from sop_pipeline.lib.instance import existing_instance, materialized_months
from sop_pipeline.lib.months import folder_name
from sop_pipeline.lib.run_lock import LockHolder, lock_path, running_holder
from sop_pipeline.lib.warehouse_health import working_file_problem
from sop_pipeline.paths import Paths
from sop_pipeline.publish import PUBLISH_KEY


def _span(months: Iterable[dt.date]) -> str:
    months = sorted(months)
    if not months:
        return "none"
    return f"{folder_name(months[0])}..{folder_name(months[-1])} ({len(months)})"


def status_lines(paths: Paths) -> list[str]:
    """A short table a data lead reads before and after a run."""
    closed = closed_months(paths.data_dir) if paths.data_dir.is_dir() else []
    instance = existing_instance(paths.dagster_home)
    try:
        # as `run` decides: nothing is done while the working warehouse does not exist
        warehouse = instance if paths.work_db.exists() else None
        holder = running_holder(lock_path(paths.work_db))
        held = _held(paths) if holder is None else None
        ingested = materialized_months(warehouse, INGESTED_KEY)
        published = materialized_months(warehouse, PUBLISH_KEY)
        planned = _planned(warehouse, paths)  # the published months among them
        if held is not None:  # what the warehouse holds, not only what the record says
            ingested &= held.ingested
            published &= held.planned
            planned &= held.planned
        waiting = [m for m in closed if m not in ingested]
        lines = [
            f"data dir        {paths.data_dir}",
            f"warehouse       {paths.db}",
            f"closed months   {_span(closed)}",
            f"ingested        {_span(ingested)}"
            + (f"; not yet: {', '.join(folder_name(m) for m in waiting[:6])}" if waiting else ""),
            f"planned         {', '.join(folder_name(m) for m in sorted(planned)[-6:]) or 'none'}",
            f"meeting pack    {', '.join(folder_name(m) for m in sorted(published)[-6:]) or 'none'}"
            + (" (published)" if published else ""),
        ]
        lines += _decision_lines(warehouse, paths)
        lines += _unfinished(held, instance)
        if holder is not None:
            lines.append(f"running now     {holder.describe()}")
        else:
            problem = working_file_problem(paths.work_db, paths.db, write=False)
            if problem is not None:
                lines.append(f"working file    {problem.kind.upper()}: {problem.message}")
        lines += _last_run(instance, holder)
        warnings = data_folder_warnings(paths.data_dir)
        warnings += missing_month_warnings(paths.data_dir, ingested)
        lines += [f"warning         {w}" for w in warnings]
        return lines
    finally:
        if instance is not None:
            instance.dispose()


def _decision_lines(instance: dg.DagsterInstance | None, paths: Paths) -> list[str]:
    """Meetings whose recorded decisions no plan has applied yet (the next month not planned
    since they were recorded), and decisions files changed since they were recorded."""
    if instance is None:
        return []
    from sop_pipeline.decisions.assets import DECISIONS_APPLIED
    from sop_pipeline.jobs import DECISIONS_KEY
    from sop_pipeline.lib.months import add_months
    from sop_pipeline.runner import decisions_unrecorded

    def latest(key: dg.AssetKey, month: dt.date):
        records = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=key, asset_partitions=[f"{month:%Y-%m-%d}"]),
            limit=1,
        ).records
        return records[0] if records else None

    lines = []
    for month in sorted(materialized_months(instance, DECISIONS_KEY)):
        recorded = latest(DECISIONS_KEY, month)
        meta = recorded.asset_materialization.metadata if recorded else {}
        count = meta.get("dagster/row_count")
        count = int(count.value) if count is not None else 0
        following = add_months(month, 1)
        applied = latest(DECISIONS_APPLIED, following)
        if count and (applied is None or applied.timestamp < recorded.timestamp):
            lines.append(
                f"decisions       {folder_name(month)}: {count} recorded, not yet applied - "
                f"planning {folder_name(following)} applies them (sop-pipeline run"
                f"{'' if applied is None else f' --month {folder_name(following)}'})"
            )
    for month in sorted(closed_months(paths.data_dir)) if paths.data_dir.is_dir() else []:
        if decisions_unrecorded(instance, paths, month):
            lines.append(
                f"decisions       {folder_name(month)}/decisions.csv changed since it was "
                "recorded: the next run records it before planning the month after"
            )
    return lines


@dataclass(frozen=True)
class _Held:
    """What the working file holds, read in one connection: the months ingested and planned,
    and the restore points of runs that have not been settled."""

    ingested: set[dt.date]
    planned: set[dt.date]
    pending: dict[str, tuple[dt.date, ...]]


def _held(paths: Paths) -> _Held | None:
    """None when the working file is missing or cannot be read (damaged, or open in another
    program: the record alone is shown then)."""
    import duckdb

    from sop_pipeline.lib import restore_points
    from sop_pipeline.lib.warehouse_months import FORECAST_TABLES, INGESTED_TABLE, months_in_all

    if not paths.work_db.exists():
        return None
    try:
        con = duckdb.connect(str(paths.work_db), read_only=True)
    except duckdb.Error:
        return None
    try:
        return _Held(
            months_in_all(con, (INGESTED_TABLE,)),
            months_in_all(con, FORECAST_TABLES),
            restore_points.pending(con),
        )
    finally:
        con.close()


def _unfinished(held: _Held | None, instance: dg.DagsterInstance | None) -> list[str]:
    """Restore points of runs that did not succeed (a run from the UI that failed or is going
    on): the next run puts their months back if they failed. A succeeded run's copy, dropped
    when the next run starts, is not shown."""
    from sop_pipeline.lib import restore_points

    if held is None:
        return []
    state_of = restore_points.state_in(instance)
    return [
        f"unfinished      run {run_id} changed {', '.join(folder_name(m) for m in months)}; "
        "if it failed, the next run puts those months back as they were before it"
        for run_id, months in held.pending.items()
        if state_of(run_id) != "succeeded"
    ]


def _planned(instance: dg.DagsterInstance | None, paths: Paths) -> set[dt.date]:
    """Months with every plan table, as ``run`` decides (their packs may not be rendered)."""
    if instance is None:
        return set()
    from sop_pipeline.definitions import build_definitions
    from sop_pipeline.resources import resources_for
    from sop_pipeline.runner import plan_selections, planned_months

    _, earlier_keys = plan_selections(build_definitions(resources_for(paths)))
    return planned_months(instance, paths, earlier_keys)


def _last_run(instance: dg.DagsterInstance | None, holder: LockHolder | None) -> list[str]:
    records = instance.get_run_records(limit=1) if instance is not None else []
    if not records:
        return ["last run        none"]
    run = records[0].dagster_run
    going = run.status in (dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING)
    if going and holder is None and run.tags.get("sop/launched_by") == "sop-pipeline run":
        # no process holds the warehouse: the run's process ended without finishing it
        return [
            f"last run        died ({run.job_name}, {_partition(run)}): its process ended before "
            "it finished (killed?); the next `sop-pipeline run` marks it failed and redoes it"
        ]
    return [
        f"last run        {run.status.value.lower()} ({run.job_name}, {_partition(run)})",
        *_failing_checks(instance, run.run_id),
        *_failed_steps(instance, run.run_id),
    ]


def _failed_steps(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """A step that raised, with its error: a run can fail with every check passing."""
    records = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    lines = []
    for record in records.records:
        event = record.event_log_entry.dagster_event
        error = event.step_failure_data.error if event.step_failure_data else None
        text = error.message.strip().splitlines()[0] if error and error.message else "no message"
        if error and error.cause:
            text += f" ({error.cause.message.strip().splitlines()[0]})"
        lines.append(f"  failed step {event.step_key}: {text}"[:300])
    return lines


def _partition(run: dg.DagsterRun) -> str:
    return run.tags.get("dagster/partition") or (
        f"{run.tags.get('dagster/asset_partition_range_start', '?')}.."
        f"{run.tags.get('dagster/asset_partition_range_end', '?')}"
    )


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
