"""The monthly schedule: plan the month just closed, a few days after it closes."""

import datetime as dt
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dagster as dg

from sop_pipeline.automation.sensors import history_missing, history_wait_reason
from sop_pipeline.jobs import INGESTED_KEY
from sop_pipeline.lib.instance import materialized_months
from sop_pipeline.lib.months import add_months, folder_name, partition_key
from sop_pipeline.publish import PUBLISH_KEY
from sop_pipeline.resources import InputFilesResource

if TYPE_CHECKING:  # what dg.define_asset_job returns; Dagster exports no public name for it
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

MONTHLY_SCHEDULE_NAME = "monthly_plan_schedule"
DEFAULT_DAY_OF_MONTH = 5
DEFAULT_HOUR_OF_DAY = 6
DAY_OF_MONTH_ENV = "SOP_SCHEDULE_DAY_OF_MONTH"
HOUR_OF_DAY_ENV = "SOP_SCHEDULE_HOUR"


@dataclass(frozen=True)
class ScheduleTiming:
    """When the monthly run starts: ``day_of_month`` (1-28) at ``hour_of_day`` (0-23), UTC
    (the timezone of the plan-month partitions)."""

    day_of_month: int = DEFAULT_DAY_OF_MONTH
    hour_of_day: int = DEFAULT_HOUR_OF_DAY

    def __post_init__(self) -> None:
        if not 1 <= self.day_of_month <= 28:
            raise ValueError(
                f"schedule day of month must be 1..28 (every month has it), got {self.day_of_month}"
            )
        if not 0 <= self.hour_of_day <= 23:
            raise ValueError(f"schedule hour must be 0..23, got {self.hour_of_day}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "ScheduleTiming":
        """Defaults, overridden by ``SOP_SCHEDULE_DAY_OF_MONTH`` and ``SOP_SCHEDULE_HOUR``."""
        env = os.environ if environ is None else environ
        values = {}
        for field, name in (("day_of_month", DAY_OF_MONTH_ENV), ("hour_of_day", HOUR_OF_DAY_ENV)):
            text = env.get(name, "").strip()
            if text:
                try:
                    values[field] = int(text)
                except ValueError as exc:
                    raise ValueError(f"{name} must be a whole number, got {text!r}") from exc
        return cls(**values)


def month_just_closed(when: dt.datetime) -> dt.date:
    """The plan month of a tick at ``when``: the calendar month before it."""
    return add_months(when.date(), -1)


def build_monthly_schedule(
    plan_job: "UnresolvedAssetJobDefinition", timing: ScheduleTiming
) -> dg.ScheduleDefinition:
    """Run ``plan_job`` for the month just closed on ``timing.day_of_month`` of every month,
    once its folder holds ``_CLOSED`` and the closed months before it are ingested (a plan run
    ingests its own month only: without them its forecast would see one month); a tick that
    cannot plan says why."""

    @dg.schedule(
        name=MONTHLY_SCHEDULE_NAME,
        job=plan_job,
        cron_schedule=f"0 {timing.hour_of_day} {timing.day_of_month} * *",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=(
            f"Plans the month just closed on day {timing.day_of_month} of every month at "
            f"{timing.hour_of_day:02d}:00 UTC (the whole cycle: ingest to meeting pack and "
            f"publication), once its folder holds _CLOSED and the months before it are "
            f"ingested. Set {DAY_OF_MONTH_ENV} / {HOUR_OF_DAY_ENV} to change it."
        ),
    )
    def monthly_plan_schedule(
        context: dg.ScheduleEvaluationContext, inputs: InputFilesResource
    ) -> dg.RunRequest | dg.SkipReason:
        """Request the run of the month just closed, or say why it cannot run yet."""
        month = month_just_closed(context.scheduled_execution_time)
        closed = inputs.closed_months()
        if month not in closed:
            return dg.SkipReason(
                f"{folder_name(month)} is not closed: {inputs.root}/{folder_name(month)} has no "
                "_CLOSED marker. Close it and run it with `sop-pipeline run` (or start the "
                "month_closed_sensor, which plans a month once it closes)."
            )
        if month in set(materialized_months(context.instance, PUBLISH_KEY)):
            return dg.SkipReason(f"{folder_name(month)} is already planned and published")
        missing = history_missing(
            closed, materialized_months(context.instance, INGESTED_KEY), month
        )
        if missing:
            return dg.SkipReason(history_wait_reason(month, missing))
        return dg.RunRequest(
            partition_key=partition_key(month),
            run_key=f"{MONTHLY_SCHEDULE_NAME}-{folder_name(month)}",
            tags={"sop/launched_by": MONTHLY_SCHEDULE_NAME},
        )

    return monthly_plan_schedule
