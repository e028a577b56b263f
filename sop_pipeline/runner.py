"""Bring the warehouse up to date through Dagster: what ``sop-pipeline run`` does.

Runs go through the persistent Dagster instance in ``DAGSTER_HOME`` (by default a folder beside
the warehouse file), so every run and check shows in ``dagster dev`` afterwards. They execute
in-process: one run ingests every closed month not yet ingested (a single-run backfill), then
one run per plan month plans it.
"""

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from sop_pipeline.ingest.readers import closed_months
from sop_pipeline.lib.dagster_storage import relax_sqlite_sync
from sop_pipeline.lib.months import add_months, folder_name, month_range, partition_key

DAGSTER_YAML = "telemetry:\n  enabled: false\n"
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
INGEST_GROUPS = ("ingest", "staging")


@dataclass(frozen=True)
class Paths:
    """Where the inputs, the warehouse and the Dagster instance live."""

    data_dir: Path
    db: Path  # the published warehouse BI tools read (SOP_DUCKDB_PATH)
    work_db: Path  # the file the pipeline writes
    settings_file: Path
    dagster_home: Path

    @classmethod
    def resolve(cls, data_dir: str | None = None, db: str | None = None) -> "Paths":
        """Arguments first, then ``SOP_DATA_DIR``/``SOP_DUCKDB_PATH``, then the defaults
        ``data/`` and ``<data dir>/warehouse/sop.duckdb``."""
        data = Path(data_dir or os.environ.get("SOP_DATA_DIR") or "data").expanduser().resolve()
        db_text = db or os.environ.get("SOP_DUCKDB_PATH")
        db_path = (
            Path(db_text).expanduser().resolve() if db_text else data / "warehouse" / "sop.duckdb"
        )
        work = os.environ.get("SOP_WORK_DUCKDB_PATH") if not db else None
        work_path = (
            Path(work).resolve() if work else db_path.with_name(db_path.stem + ".work.duckdb")
        )
        settings = os.environ.get("SOP_SETTINGS_FILE") if not data_dir else None
        settings_path = Path(settings).resolve() if settings else data / "settings.yaml"
        home = os.environ.get("DAGSTER_HOME")
        home_path = Path(home).resolve() if home else db_path.parent / "dagster_home"
        return cls(data, db_path, work_path, settings_path, home_path)

    def export(self) -> None:
        """Point the resources of :mod:`sop_pipeline.definitions` at these paths."""
        self.db.parent.mkdir(parents=True, exist_ok=True)
        self.work_db.parent.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
        config = self.dagster_home / "dagster.yaml"
        if not config.exists():
            config.write_text(DAGSTER_YAML, encoding="utf-8")
        os.environ["SOP_DATA_DIR"] = str(self.data_dir)
        os.environ["SOP_DUCKDB_PATH"] = str(self.db)
        os.environ["SOP_WORK_DUCKDB_PATH"] = str(self.work_db)
        os.environ["SOP_SETTINGS_FILE"] = str(self.settings_file)
        os.environ["DAGSTER_HOME"] = str(self.dagster_home)


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


def months_in_table(db: Path, table: str) -> set[dt.date]:
    """Plan months present in ``table`` of the working warehouse (empty if none yet)."""
    if not db.exists():
        return set()
    con = duckdb.connect(str(db), read_only=True)
    try:
        schema, name = table.split(".")
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema=? and table_name=?",
            [schema, name],
        ).fetchall()[0][0]
        if not found:
            return set()
        return {r[0] for r in con.execute(f"select distinct plan_month from {table}").fetchall()}
    finally:
        con.close()


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
    selection: list[dg.AssetKey] | None,
    verbose: bool,
) -> dg.ExecuteInProcessResult:
    """Run ``job`` for one month, or for a range of months as one single-run backfill."""
    first, last = months
    if first == last:
        tags = {"dagster/partition": partition_key(first)}
    else:
        tags = {
            "dagster/asset_partition_range_start": partition_key(first),
            "dagster/asset_partition_range_end": partition_key(last),
        }
    tags["sop/launched_by"] = "sop-pipeline run"
    return job.execute_in_process(
        instance=instance,
        tags=tags,
        asset_selection=selection,
        run_config=None if verbose else QUIET_RUN_CONFIG,
        raise_on_error=False,
    )


def run_pipeline(
    paths: Paths,
    month: dt.date | None = None,
    *,
    verbose: bool = False,
    echo: Callable[[str], None] = print,
) -> RunSummary:
    """Ingest every closed month not yet ingested, then plan ``month`` (default: the latest
    closed one) and the earlier months accuracy tracking needs, unless already planned.

    Raises:
        PipelineFailed: with the failing check's message (file, rule, rows) when a run fails.
    """
    paths.export()
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
    from sop_pipeline.settings import load_settings

    try:
        settings = load_settings(paths.settings_file)
    except ValueError as exc:
        raise PipelineFailed(str(exc), exit_code=2) from exc
    from sop_pipeline.definitions import defs  # after export(): resources read the environment

    relax_sqlite_sync()
    instance = dg.DagsterInstance.get()
    graph = defs.resolve_asset_graph()
    all_keys = graph.get_all_asset_keys()
    plan_keys = [k for k in all_keys if graph.get(k).group_name not in INGEST_GROUPS]
    summary = RunSummary(plan_month=target)
    job = defs.resolve_job_def("monthly_plan_job")

    ingested = months_in_table(paths.work_db, "staging.ingest_summary")
    to_ingest = [m for m in closed if m <= target and (m not in ingested or m == target)]
    ingest_keys = [k for k in all_keys if graph.get(k).group_name in INGEST_GROUPS]
    for first, last in contiguous_ranges(to_ingest):
        span = folder_name(first) if first == last else f"{folder_name(first)}..{folder_name(last)}"
        echo(f"ingesting {span} ...")
        result = execute(
            job, instance, months=(first, last), selection=ingest_keys, verbose=verbose
        )
        summary.run_ids.append(result.run_id)
        summary.warnings.extend(_warnings(result))
        if not result.success:
            raise PipelineFailed(f"{span}: " + _failure_message(result))
        summary.ingested.extend(month_range(first, last))

    if plan_keys:
        earlier_scope = settings.earlier_months_scope
        earlier_keys = (
            plan_keys
            if earlier_scope == "full"
            else [k for k in plan_keys if graph.get(k).group_name == "forecast"]
        )
        marker = "sop_mart.meeting_pack" if earlier_scope == "full" else "sop_mart.forecast"
        planned = months_in_table(paths.work_db, marker)
        earlier = [add_months(target, -k) for k in range(settings.planning_months_back, 0, -1)]
        for plan_month in [m for m in earlier if m in closed and m not in planned]:
            echo(f"planning {folder_name(plan_month)} ({earlier_scope}, for accuracy tracking) ...")
            result = execute(
                job,
                instance,
                months=(plan_month, plan_month),
                selection=earlier_keys,
                verbose=verbose,
            )
            summary.run_ids.append(result.run_id)
            if not result.success:
                raise PipelineFailed(f"{folder_name(plan_month)}: " + _failure_message(result))
            summary.planned.append(plan_month)
        echo(f"planning {folder_name(target)} ...")
        result = execute(
            job, instance, months=(target, target), selection=plan_keys, verbose=verbose
        )
        summary.run_ids.append(result.run_id)
        if not result.success:
            raise PipelineFailed(f"{folder_name(target)}: " + _failure_message(result))
        summary.planned.append(target)
    return summary
