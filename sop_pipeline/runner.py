"""Bring the warehouse up to date through Dagster: what ``sop-pipeline run`` does.

Runs go through the persistent Dagster instance of the company's Dagster home (by default a
folder beside the warehouse file), so every run and check shows in ``dagster dev`` afterwards,
and that instance is the record of what is done: a month is ingested once the ingest job's last
asset (``staging/ingest_summary``) has materialized it, and planned once the publish asset has
(as the "month closed" sensor asks). Runs execute in-process with resources bound to the
command's paths: one run of ``ingest_job`` ingests every closed month not yet ingested (a
single-run backfill), and the plan month again if its files, the settings or the ingest code
changed since (:mod:`sop_pipeline.ingest.fingerprint`); then one run of ``monthly_plan_job`` per
plan month plans it.

The earlier months a plan month needs (``planning_months_back``: forecast accuracy by lag, KPI
trends, forecast revisions) are planned up to their tables, without rendering their meeting packs
or publishing: only the plan month's pack is read in the meeting, and publishing it serves every
month's tables. An earlier month counts as planned once every asset of that selection has
materialized it (or it was published); ``sop-pipeline run --month`` gives an earlier month its
own pack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg

from sop_pipeline.ingest.fingerprint import (
    files_tag,
    fingerprint_tag,
    input_fingerprint,
    month_files_fingerprint,
)
from sop_pipeline.ingest.folder_checks import data_folder_warnings, missing_month_warnings
from sop_pipeline.ingest.readers import closed_months, month_folders
from sop_pipeline.jobs import INGESTED_KEY
from sop_pipeline.lib import restore_points
from sop_pipeline.lib.dagster_storage import relax_sqlite_sync
from sop_pipeline.lib.instance import (
    materialized_months,
    months_materialized_for_all,
    open_instance,
)
from sop_pipeline.lib.months import add_months, folder_name, month_range, partition_key
from sop_pipeline.lib.run_lock import WarehouseBusy, lock_path, run_lock
from sop_pipeline.lib.warehouse_health import working_file_problem
from sop_pipeline.lib.warehouse_months import (
    FORECAST_TABLES,
    INGESTED_TABLE,
    PLANNED_TABLES,
    held_months,
)
from sop_pipeline.paths import Paths

if TYPE_CHECKING:
    from sop_pipeline.settings import Settings

QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
REFIT_RUN_CONFIG = {"ops": {"statistical_forecast": {"config": {"refit_previous_models": True}}}}
LAUNCHED_BY = {"sop/launched_by": "sop-pipeline run"}
LOCK_WAIT_SECONDS = 60.0
ABANDONED = (
    "the sop-pipeline process running it ended before the run finished (killed, or the machine "
    "stopped); marked failed by the next `sop-pipeline run`, which redoes its work"
)


class PipelineFailed(Exception):
    """A run failed; the message says which file, which check and which rows."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class RunSummary:
    plan_month: dt.date
    ingested: list[dt.date] = field(default_factory=list)
    planned: list[dt.date] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)


def ingested_unchanged(
    instance: dg.DagsterInstance, key: dg.AssetKey, month: dt.date, fingerprint: str
) -> bool:
    """Whether the run that last materialized ``key`` for ``month`` recorded ``fingerprint``
    (:func:`sop_pipeline.ingest.fingerprint.input_fingerprint`) for it: the month's files and
    the ingest code are as they were then."""
    return recorded_tag(instance, key, month, fingerprint_tag(month)) == fingerprint


def changed_months(
    instance: dg.DagsterInstance, paths: Paths, months: list[dt.date]
) -> list[dt.date]:
    """The months among ``months`` whose folder's files differ from those their last ingest
    run recorded (a corrected file delivered again). A month ingested before files were
    recorded, or whose folder is gone, is not judged."""
    folders_left = set(month_folders(paths.data_dir))
    changed = []
    for month in sorted(months):
        if month not in folders_left:
            continue
        recorded = recorded_tag(instance, INGESTED_KEY, month, files_tag(month))
        if recorded is not None and recorded != month_files_fingerprint(paths.data_dir, month):
            changed.append(month)
    return changed


def recorded_tag(
    instance: dg.DagsterInstance, key: dg.AssetKey, month: dt.date, tag: str
) -> str | None:
    """The value of ``tag`` on the run that last materialized ``key`` for ``month``."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=key, asset_partitions=[partition_key(month)]), limit=1
    ).records
    run = instance.get_run_by_id(records[0].run_id) if records else None
    return run.tags.get(tag) if run is not None else None


def done_months(instance: dg.DagsterInstance, key: dg.AssetKey, paths: Paths) -> set[dt.date]:
    """The months the instance holds a materialization of ``key`` for; none when the working
    warehouse does not exist (a Dagster home kept beside a deleted warehouse records nothing
    the warehouse still holds)."""
    if not paths.work_db.exists():
        return set()
    return materialized_months(instance, key)


def plan_selections(
    defs: dg.Definitions, scope: str = "full"
) -> tuple[list[dg.AssetKey], list[dg.AssetKey]]:
    """The assets a plan month's run materializes, and those of an earlier month's run: every
    plan table but the meeting pack and the publication (``scope`` "full"), or the forecast
    stage only ("forecast")."""
    from sop_pipeline.meeting.assets import MEETING_PACK
    from sop_pipeline.publish import PUBLISH_KEY

    ingest_keys = defs.resolve_job_def("ingest_job").asset_layer.selected_asset_keys
    plan_job = defs.resolve_job_def("monthly_plan_job")
    plan_keys = sorted(plan_job.asset_layer.selected_asset_keys - ingest_keys)
    if scope == "full":
        return plan_keys, [k for k in plan_keys if k not in (MEETING_PACK, PUBLISH_KEY)]
    graph = defs.resolve_asset_graph()
    return plan_keys, [k for k in plan_keys if graph.get(k).group_name == "forecast"]


def planned_months(
    instance: dg.DagsterInstance, paths: Paths, earlier_keys: list[dg.AssetKey]
) -> set[dt.date]:
    """The months whose plan is done: published (meeting pack and all), or every asset of an
    earlier month's selection materialized. None while the working warehouse does not exist."""
    from sop_pipeline.publish import PUBLISH_KEY

    published = done_months(instance, PUBLISH_KEY, paths)
    if not paths.work_db.exists():
        return published
    return published | months_materialized_for_all(instance, earlier_keys)


def planned_tables(settings: Settings) -> tuple[str, ...]:
    """Tables a planned month has rows in, for the scope earlier months are planned to."""
    return PLANNED_TABLES if settings.earlier_months_scope == "full" else FORECAST_TABLES


def contiguous_ranges(months: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """``[Jan, Feb, Apr]`` -> ``[(Jan, Feb), (Apr, Apr)]``."""
    ranges: list[tuple[dt.date, dt.date]] = []
    for month in sorted(months):
        if ranges and add_months(ranges[-1][1], 1) == month:
            ranges[-1] = (ranges[-1][0], month)
        else:
            ranges.append((month, month))
    return ranges


def _failure_message(result: dg.ExecuteInProcessResult) -> str:
    lines = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed or evaluation.severity != dg.AssetCheckSeverity.ERROR:
            continue
        message = evaluation.metadata.get("message")
        files = evaluation.metadata.get("failing_files")
        text = message.value if message is not None else evaluation.description or ""
        where = files.value if files is not None else "/".join(evaluation.asset_key.path)
        lines.append(f"  {where}\n    check '{evaluation.check_name}': {text}")
        examples = evaluation.metadata.get("example_rows")
        if examples is not None:
            lines.append("    example rows:\n" + _indent(examples.value, 6))
    if lines:
        return "validation failed:\n" + "\n".join(lines)
    for event in result.all_events:
        if event.is_step_failure and event.step_failure_data is not None:
            error = event.step_failure_data.error
            text = error.message.strip() if error else "unknown error"
            if error and error.cause:
                text += f" ({error.cause.message.strip()})"
            lines.append(f"  step {event.step_key}: {text}")
    return "run failed:\n" + "\n".join(lines or ["  (no step failure recorded)"])


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in str(text).splitlines())


def _warnings(result: dg.ExecuteInProcessResult) -> list[str]:
    out = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN:
            out.append(evaluation.description or evaluation.check_name)
    return out


def execute(
    job: dg.JobDefinition,
    instance: dg.DagsterInstance,
    *,
    months: tuple[dt.date, dt.date],
    selection: list[dg.AssetKey] | None = None,
    verbose: bool = False,
    tags: dict[str, str] | None = None,
    run_config: dict | None = None,
) -> dg.ExecuteInProcessResult:
    """Run ``job`` (its assets in ``selection``, default all) for one month, or for a range of
    months as one single-run backfill, with ``tags`` added to the run's and ``run_config``
    (the assets' config) merged into its run config."""
    first, last = months
    if first == last:
        run_tags = {"dagster/partition": partition_key(first)}
    else:
        run_tags = {
            "dagster/asset_partition_range_start": partition_key(first),
            "dagster/asset_partition_range_end": partition_key(last),
        }
    run_tags.update(LAUNCHED_BY)
    run_tags.update(tags or {})
    return job.execute_in_process(
        instance=instance,
        tags=run_tags,
        asset_selection=selection,
        run_config=(run_config or {}) | ({} if verbose else QUIET_RUN_CONFIG),
        raise_on_error=False,
    )


@dataclass
class _Launcher:
    """Launches runs on one instance and records them in the summary; a failed run raises."""

    instance: dg.DagsterInstance
    summary: RunSummary
    verbose: bool
    work_db: Path

    def launch(
        self,
        job: dg.JobDefinition,
        months: tuple[dt.date, dt.date],
        label: str,
        selection: list[dg.AssetKey] | None = None,
        tags: dict[str, str] | None = None,
        run_config: dict | None = None,
    ) -> None:
        result = execute(
            job,
            self.instance,
            months=months,
            selection=selection,
            verbose=self.verbose,
            tags=tags,
            run_config=run_config,
        )
        self.summary.run_ids.append(result.run_id)
        self.summary.warnings.extend(_warnings(result))
        if result.success:
            self.restore_failed()  # drops the copy the run kept of its months: they are whole
        if not result.success:
            restored = self.restore_failed()
            message = f"{label}: " + _failure_message(result)
            if restored:
                message += (
                    "\nnothing of this run is kept: "
                    + ", ".join(folder_name(m) for m in restored)
                    + " hold the tables they held before it"
                )
            raise PipelineFailed(message)

    def restore_failed(self) -> list[dt.date]:
        """Settle every restore point (:mod:`sop_pipeline.lib.restore_points`): put back the
        months of runs that did not succeed (the one that just failed), drop the copies of
        runs that did. Returns the months put back."""
        from sop_pipeline.resources import WarehouseResource

        # the resource's own connection settings: a failed step's traceback may still hold
        # one of its connections to the file, and DuckDB shares the database only between
        # connections configured alike
        with WarehouseResource(database=str(self.work_db)).get_connection() as con:
            settled = restore_points.settle(con, restore_points.state_in(self.instance))
        return sorted({m for s in settled if s.restored for m in s.months})


DECISIONS_TAG_PREFIX = "sop/decisions-"


def decisions_tag(month: dt.date) -> str:
    """The run tag holding a hash of ``month``'s decisions file: ``sop/decisions-YYYY-MM``."""
    return f"{DECISIONS_TAG_PREFIX}{month:%Y-%m}"


def decisions_file_hash(paths: Paths, month: dt.date) -> str:
    """A hash of ``month``'s decisions file ("" when there is none)."""
    import hashlib

    from sop_pipeline.decisions.records import DECISIONS_FILE

    folder = month_folders(paths.data_dir).get(month)
    path = folder / DECISIONS_FILE if folder is not None else None
    if path is None or not path.is_file():
        return ""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:20]


def decisions_unrecorded(instance: dg.DagsterInstance, paths: Paths, month: dt.date) -> bool:
    """Whether ``month``'s decisions file differs from what its last recording read."""
    from sop_pipeline.jobs import DECISIONS_KEY

    recorded = recorded_tag(instance, DECISIONS_KEY, month, decisions_tag(month))
    return (recorded or "") != decisions_file_hash(paths, month)


def record_decisions(runs: _Launcher, job: dg.JobDefinition, paths: Paths, month: dt.date) -> None:
    """Record ``month``'s meeting decisions (the ``raw/decisions`` asset) through Dagster.

    Raises:
        PipelineFailed: naming the file, the rule and the rows when a decision is refused.
    """
    tags = {decisions_tag(month): decisions_file_hash(paths, month)}
    runs.launch(job, (month, month), f"{folder_name(month)} decisions", tags=tags)


def _target_month(paths: Paths, month: dt.date | None) -> tuple[list[dt.date], dt.date]:
    """The closed months and the month to plan (default: the latest closed one)."""
    closed = closed_months(paths.data_dir)
    if not closed:
        raise PipelineFailed(
            f"no closed month under {paths.data_dir}: a month folder YYYY-MM is complete when it "
            "holds an empty _CLOSED file",
            exit_code=2,
        )
    target = month or closed[-1]
    if target not in closed:
        raise PipelineFailed(
            f"{folder_name(target)} is not a closed month under {paths.data_dir} "
            f"(closed: {folder_name(closed[0])} .. {folder_name(closed[-1])})",
            exit_code=2,
        )
    return closed, target


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs of ``sop-pipeline run`` the instance still shows as going on; called
    while holding the warehouse's run lock, so none of them can still be running. Returns
    their ids."""
    going = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING]
    runs = instance.get_runs(dg.RunsFilter(statuses=going, tags=LAUNCHED_BY))
    for run in runs:
        instance.report_run_failed(run, ABANDONED)
    return [run.run_id for run in runs]


def _span(first: dt.date, last: dt.date) -> str:
    return folder_name(first) if first == last else f"{folder_name(first)}..{folder_name(last)}"


def run_pipeline(
    paths: Paths,
    month: dt.date | None = None,
    *,
    verbose: bool = False,
    echo: Callable[[str], None] = print,
    lock_wait_seconds: float = LOCK_WAIT_SECONDS,
) -> RunSummary:
    """Ingest every closed month not yet ingested (and the plan month again if its inputs
    changed), then plan ``month`` (default: the latest closed one) and the earlier months
    accuracy tracking needs, unless already planned.

    Raises:
        PipelineFailed: with the failing check's message (file, rule, rows) when a run fails,
            or exit code 2 when the month or the settings are not usable, or exit code 3
            when another run holds the warehouse longer than ``lock_wait_seconds``.
    """
    for path, what in ((paths.db, "the warehouse (--db)"), (paths.work_db, "the working file")):
        if path.is_dir():
            raise PipelineFailed(
                f"{what} must be a file path, e.g. {path / 'sop.duckdb'}; {path} is a folder",
                exit_code=2,
            )
    folder_warnings = data_folder_warnings(paths.data_dir)
    for warning in folder_warnings:
        echo(f"warning: {warning}")
    closed, target = _target_month(paths, month)
    from sop_pipeline.settings import load_settings

    try:
        settings = load_settings(paths.settings_file)
    except ValueError as exc:
        raise PipelineFailed(str(exc), exit_code=2) from exc

    paths.prepare()
    try:
        with run_lock(lock_path(paths.work_db), wait_seconds=lock_wait_seconds):
            return _run_locked(paths, settings, closed, target, verbose, echo, folder_warnings)
    except WarehouseBusy as exc:
        raise PipelineFailed(str(exc), exit_code=3) from exc


def _run_locked(
    paths: Paths,
    settings: Settings,
    closed: list[dt.date],
    target: dt.date,
    verbose: bool,
    echo: Callable[[str], None],
    folder_warnings: list[str],
) -> RunSummary:
    """The work of :func:`run_pipeline`, with the warehouse's run lock held."""
    problem = working_file_problem(paths.work_db, paths.db, write=True)
    if problem is not None:
        raise PipelineFailed(problem.message)
    from sop_pipeline.definitions import build_definitions
    from sop_pipeline.resources import resources_for

    relax_sqlite_sync()
    defs = build_definitions(resources_for(paths))
    ingest_job = defs.resolve_job_def("ingest_job")
    plan_job = defs.resolve_job_def("monthly_plan_job")
    decisions_job = defs.resolve_job_def("record_decisions_job")
    plan_keys, earlier_keys = plan_selections(defs, settings.earlier_months_scope)
    summary = RunSummary(plan_month=target, warnings=list(folder_warnings))

    with open_instance(paths.dagster_home) as instance:
        for run_id in fail_abandoned_runs(instance):
            echo(f"marked failed: run {run_id}, whose process ended before it finished")
        runs = _Launcher(instance, summary, verbose, paths.work_db)
        if paths.work_db.exists():
            for month in runs.restore_failed():
                echo(f"restored {folder_name(month)}: a run that did not finish had changed it")
        ingested = done_months(instance, INGESTED_KEY, paths) & held_months(
            paths.work_db, (INGESTED_TABLE,), read_only=False
        )
        for warning in missing_month_warnings(paths.data_dir, ingested):
            echo(f"warning: {warning}")
            summary.warnings.append(warning)
        fingerprint = input_fingerprint(paths.data_dir, paths.settings_file, target)
        if target in ingested and not ingested_unchanged(
            instance, INGESTED_KEY, target, fingerprint
        ):
            ingested.discard(target)  # a file, the settings or the ingest code changed
        changed = changed_months(instance, paths, [m for m in ingested if m < target])
        ingested -= set(changed)
        first_changed = min(changed, default=target)
        recorded_plans = planned_months(instance, paths, earlier_keys)
        replan = sorted(m for m in recorded_plans if first_changed <= m < target)
        for month in changed:
            echo(
                f"{folder_name(month)}: its files changed since it was ingested; ingesting it again"
            )
        to_ingest = [m for m in closed if m <= target and m not in ingested]
        for first, last in contiguous_ranges(to_ingest):
            echo(f"ingesting {_span(first, last)} ...")
            tags = {fingerprint_tag(target): fingerprint} if last == target else {}
            tags |= {
                files_tag(m): month_files_fingerprint(paths.data_dir, m)
                for m in month_range(first, last)
            }
            runs.launch(ingest_job, (first, last), _span(first, last), tags=tags)
            summary.ingested.extend(month_range(first, last))
        if replan:
            warning = (
                "months planned on the files before they changed keep their plans: "
                + ", ".join(folder_name(m) for m in replan)
                + "; re-plan each with `sop-pipeline run --month YYYY-MM`"
            )
            echo(f"warning: {warning}")
            summary.warnings.append(warning)

        earlier = [add_months(target, -k) for k in range(settings.planning_months_back, 0, -1)]
        recorded = planned_months(instance, paths, earlier_keys)
        held = held_months(paths.work_db, planned_tables(settings), read_only=False)
        done = recorded & held
        # months the record says were planned but the warehouse lost (a working file moved
        # aside and rebuilt): planned again, so the rebuilt warehouse holds every one of them
        lost = {m for m in recorded - held if m < target and m in closed}
        waiting = sorted({m for m in earlier if m in closed and m not in done} | lost)
        tables = "tables" if settings.earlier_months_scope == "full" else "forecast"
        planned_before = set(done)

        def decisions_before(plan_month: dt.date) -> None:
            """Record the previous meeting's decisions when its file changed since."""
            meeting = add_months(plan_month, -1)
            if not decisions_unrecorded(instance, paths, meeting):
                return
            if meeting not in planned_before and meeting not in recorded_plans:
                warning = (
                    f"{folder_name(meeting)}/decisions.csv is not recorded: "
                    f"{folder_name(meeting)} is not planned, so its meeting had no options"
                )
                echo(f"warning: {warning}")
                summary.warnings.append(warning)
                return
            echo(f"recording the {folder_name(meeting)} meeting's decisions ...")
            record_decisions(runs, decisions_job, paths, meeting)

        for plan_month in waiting:
            reason = (
                "lost with the working file" if plan_month in lost else "for accuracy and trends"
            )
            # an earlier month after one just planned re-fits that month's models instead of
            # cross-validating them again: catching up costs one full forecast, not one a month
            refit = (
                settings.earlier_months_forecast == "refit"
                and add_months(plan_month, -1) in planned_before
            )
            how = ", its models re-fitted" if refit else ""
            if settings.earlier_months_scope == "full":
                decisions_before(plan_month)
            echo(f"planning {folder_name(plan_month)} ({tables}{how}, {reason}) ...")
            runs.launch(
                plan_job,
                (plan_month, plan_month),
                folder_name(plan_month),
                earlier_keys,
                run_config=REFIT_RUN_CONFIG if refit else None,
            )
            summary.planned.append(plan_month)
            planned_before.add(plan_month)
        decisions_before(target)
        echo(f"planning {folder_name(target)} ...")
        runs.launch(plan_job, (target, target), folder_name(target), plan_keys)
        summary.planned.append(target)
    return summary
