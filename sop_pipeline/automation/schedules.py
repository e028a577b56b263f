"""The monthly schedule: plan the month just closed, a few days after it closes."""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import dagster as dg

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


def build_monthly_schedule(plan_job: "UnresolvedAssetJobDefinition", timing: ScheduleTiming):
    """Run ``plan_job`` for the month just closed on ``timing.day_of_month`` of every month.

    Returns the schedule definition, resolved against the job when the definitions load.
    """
    return dg.build_schedule_from_partitioned_job(
        plan_job,
        name=MONTHLY_SCHEDULE_NAME,
        description=(
            f"Plans the month just closed on day {timing.day_of_month} of every month at "
            f"{timing.hour_of_day:02d}:00 UTC (the whole cycle: ingest to meeting pack and "
            f"publication). Set {DAY_OF_MONTH_ENV} / {HOUR_OF_DAY_ENV} to change it."
        ),
        day_of_month=timing.day_of_month,
        hour_of_day=timing.hour_of_day,
        minute_of_hour=0,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        tags={"sop/launched_by": MONTHLY_SCHEDULE_NAME},
    )
