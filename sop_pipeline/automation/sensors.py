"""The "month closed" sensor: plan a month as soon as its folder gets the ``_CLOSED`` marker."""

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import dagster as dg

from sop_pipeline.jobs import INGESTED_KEY
from sop_pipeline.lib.instance import materialized_months
from sop_pipeline.lib.months import folder_name, partition_key
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.publish import PUBLISH_KEY
from sop_pipeline.resources import InputFilesResource

if TYPE_CHECKING:  # what dg.define_asset_job returns; Dagster exports no public name for it
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

MONTH_CLOSED_SENSOR_NAME = "month_closed_sensor"
MINIMUM_INTERVAL_SECONDS = 300
RUN_KEY_PREFIX = "month-closed-"
# Tags Dagster puts on every run a sensor launches.
RUN_KEY_TAG = "dagster/run_key"
SENSOR_NAME_TAG = "dagster/sensor_name"
_IN_PROGRESS = {
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
}


def month_run_key(month: dt.date) -> str:
    """The run key of a month's run: Dagster launches a key once per sensor, ever."""
    return f"{RUN_KEY_PREFIX}{folder_name(month)}"


def pending_months(closed: Iterable[dt.date], materialized: Iterable[dt.date]) -> list[dt.date]:
    """Closed months to plan, oldest first: those after the latest planned month.

    With nothing planned yet, only the latest closed month: the history before it is loaded
    once by ``sop-pipeline run`` (or a backfill), not month by month by the sensor, which
    waits until it is (:func:`history_missing`).
    """
    closed, done = sorted(set(closed)), set(materialized)
    if not closed:
        return []
    if not done:
        return [closed[-1]]
    return [m for m in closed if m > max(done)]


def history_missing(
    closed: Iterable[dt.date], ingested: Iterable[dt.date], month: dt.date
) -> list[dt.date]:
    """The closed months before ``month`` not yet ingested: its forecast would be made without
    them (a plan run ingests its own month only)."""
    done = set(ingested)
    return sorted(m for m in set(closed) if m < month and m not in done)


def history_wait_reason(month: dt.date, missing: list[dt.date]) -> str:
    """Why ``month`` is not planned yet while the closed months ``missing`` are not ingested,
    and how to load them."""
    first, last = folder_name(missing[0]), folder_name(missing[-1])
    return (
        f"{folder_name(month)} is not planned yet: {len(missing)} closed month(s) before "
        f"it are not ingested ({first} to {last}), and its forecast would be made without "
        "them. Load the history once with `sop-pipeline run` (or materialize ingest_job "
        f"for {partition_key(missing[0])} to {partition_key(missing[-1])} in the UI); "
        "the months after are planned then."
    )


def build_month_closed_sensor(
    plan_job: "UnresolvedAssetJobDefinition", publish_key: dg.AssetKey = PUBLISH_KEY
) -> dg.SensorDefinition:
    """The sensor requesting ``plan_job`` for each newly closed month, one month at a time."""

    @dg.sensor(
        name=MONTH_CLOSED_SENSOR_NAME,
        job=plan_job,
        minimum_interval_seconds=MINIMUM_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description=(
            "Plans a month once its data folder holds `_CLOSED` and its publication is not yet "
            "materialized: one run per month (run key `month-closed-YYYY-MM`), oldest first, the "
            "next month only after the previous one succeeded."
        ),
    )
    def month_closed_sensor(
        context: dg.SensorEvaluationContext, inputs: InputFilesResource
    ) -> dg.RunRequest | dg.SkipReason:
        """Request the run of the oldest closed month not yet published."""
        last_key = monthly_partitions.get_last_partition_key()
        first_key = monthly_partitions.get_first_partition_key()
        closed = [
            m
            for m in inputs.closed_months()
            if first_key is not None
            and last_key is not None
            and first_key <= partition_key(m) <= last_key
        ]
        done = materialized_months(context.instance, publish_key)
        pending = pending_months(closed, done)
        if not pending:
            latest = folder_name(max(done)) if done else "none"
            return dg.SkipReason(
                f"no closed month waiting under {inputs.root} (latest planned: {latest})"
            )
        month = pending[0]
        missing = history_missing(
            closed, materialized_months(context.instance, INGESTED_KEY), month
        )
        if missing:
            return dg.SkipReason(history_wait_reason(month, missing))
        run_key = month_run_key(month)
        earlier = context.instance.get_runs(
            filters=dg.RunsFilter(
                tags={RUN_KEY_TAG: run_key, SENSOR_NAME_TAG: MONTH_CLOSED_SENSOR_NAME}
            ),
            limit=1,
        )
        if earlier:
            run = earlier[0]
            if run.status in _IN_PROGRESS:
                return dg.SkipReason(f"{folder_name(month)}: run {run.run_id} is in progress")
            return dg.SkipReason(
                f"{folder_name(month)}: the sensor's run {run.run_id} ended {run.status.value} "
                "without publishing the month; fix the cause and re-run the month from the UI "
                "(the sensor launches a month once). It goes on with the next month then."
            )
        return dg.RunRequest(
            partition_key=partition_key(month),
            run_key=run_key,
            tags={"sop/launched_by": MONTH_CLOSED_SENSOR_NAME},
        )

    return month_closed_sensor
