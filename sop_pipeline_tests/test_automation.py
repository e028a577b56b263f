"""The monthly schedule and the "month closed" sensor, with Dagster's test contexts; the
publish asset they wait for."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from sop_pipeline.automation.schedules import (
    MONTHLY_SCHEDULE_NAME,
    ScheduleTiming,
    build_monthly_schedule,
    month_just_closed,
)
from sop_pipeline.automation.sensors import (
    MINIMUM_INTERVAL_SECONDS,
    MONTH_CLOSED_SENSOR_NAME,
    RUN_KEY_TAG,
    SENSOR_NAME_TAG,
    history_missing,
    pending_months,
)
from sop_pipeline.definitions import PIPELINE_ASSETS, defs, mart_asset_keys
from sop_pipeline.jobs import INGESTED_KEY, monthly_plan_job
from sop_pipeline.lib.months import partition_key
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.publish import PUBLISH_GROUP, PUBLISH_KEY
from sop_pipeline.resources import InputFilesResource
from sop_pipeline_tests.tiny_company import write_tiny_company

JUL, AUG, SEP = dt.date(2025, 7, 1), dt.date(2025, 8, 1), dt.date(2025, 9, 1)
NOV_5 = dt.datetime(2025, 11, 5, 6, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def definitions() -> dg.Definitions:
    """The project's definitions."""
    return defs


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.instance_for_test() as instance:
        yield instance


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The tiny company: 2025-07..2025-10 closed, and 2025-11 delivered but not yet closed."""
    root = tmp_path / "data"
    write_tiny_company(root, "2025-07", 5)
    (root / "2025-11" / "_CLOSED").unlink()
    return root


def mark_published(instance: dg.DagsterInstance, *keys: str) -> None:
    for key in keys:
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=PUBLISH_KEY, partition=key)
        )


def mark_ingested(instance: dg.DagsterInstance, *keys: str) -> None:
    for key in keys:
        instance.report_runless_asset_event(
            dg.AssetMaterialization(asset_key=INGESTED_KEY, partition=key)
        )


def ingest_history(instance: dg.DagsterInstance, data_dir: Path, before: dt.date) -> None:
    """Mark every closed month before ``before`` ingested (as ``sop-pipeline run`` leaves it)."""
    closed = InputFilesResource(data_dir=str(data_dir)).closed_months()
    mark_ingested(instance, *(partition_key(m) for m in closed if m < before))


def tick(
    definitions: dg.Definitions, instance: dg.DagsterInstance, data_dir: Path
) -> dg.RunRequest | dg.SkipReason:
    sensor = definitions.resolve_sensor_def(MONTH_CLOSED_SENSOR_NAME)
    context = dg.build_sensor_context(
        instance=instance,
        resources={"inputs": InputFilesResource(data_dir=str(data_dir))},
        definitions=definitions,
    )
    return sensor(context)


# --- definitions ---------------------------------------------------------------------------


def test_definitions_load_and_publish_waits_for_every_mart(definitions: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(definitions)
    graph = definitions.resolve_asset_graph()
    publish = graph.get(PUBLISH_KEY)
    assert publish.group_name == PUBLISH_GROUP
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] == "sop_mart"}
    assert set(publish.parent_keys) == marts == set(mart_asset_keys(PIPELINE_ASSETS))
    assert (
        PUBLISH_KEY
        in definitions.resolve_job_def("monthly_plan_job").asset_layer.selected_asset_keys
    )


# --- schedule ------------------------------------------------------------------------------


def schedule_tick(
    definitions: dg.Definitions, instance: dg.DagsterInstance, data_dir: Path, when: dt.datetime
) -> dg.RunRequest | dg.SkipReason:
    schedule = definitions.resolve_schedule_def(MONTHLY_SCHEDULE_NAME)
    with dg.build_schedule_context(
        instance=instance,
        resources={"inputs": InputFilesResource(data_dir=str(data_dir))},
        scheduled_execution_time=when,
        repository_def=definitions.get_repository_def(),
    ) as context:
        result = schedule.evaluate_tick(context)
    return result.run_requests[0] if result.run_requests else dg.SkipReason(result.skip_message)


def test_schedule_plans_the_month_just_closed_on_the_fifth(
    definitions: dg.Definitions, instance: dg.DagsterInstance, data_dir: Path
) -> None:
    schedule = definitions.resolve_schedule_def(MONTHLY_SCHEDULE_NAME)
    assert schedule.cron_schedule == "0 6 5 * *"
    assert schedule.job_name == "monthly_plan_job"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert month_just_closed(dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)) == dt.date(2025, 12, 1)

    ingest_history(instance, data_dir, dt.date(2025, 10, 1))
    request = schedule_tick(definitions, instance, data_dir, NOV_5)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "2025-10-01"
    assert request.tags["sop/launched_by"] == MONTHLY_SCHEDULE_NAME
    # once published (by the CLI, the sensor or this run), the next tick of it does nothing
    mark_published(instance, "2025-10-01")
    skip = schedule_tick(definitions, instance, data_dir, NOV_5)
    assert skip.skip_message == "2025-10 is already planned and published"


def test_schedule_waits_for_the_history_and_for_the_months_close(
    definitions: dg.Definitions, instance: dg.DagsterInstance, data_dir: Path
) -> None:
    """On a fresh warehouse the schedule does not plan a month from one month of history, as
    the sensor does not; a month whose folder is not closed is not planned either."""
    skip = schedule_tick(definitions, instance, data_dir, NOV_5)
    assert isinstance(skip, dg.SkipReason)
    assert skip.skip_message.startswith(
        "2025-10 is not planned yet: 3 closed month(s) before it are not ingested "
        "(2025-07 to 2025-09)"
    )
    assert "sop-pipeline run" in skip.skip_message
    ingest_history(instance, data_dir, dt.date(2025, 12, 1))
    december = dt.datetime(2025, 12, 5, 6, 0, tzinfo=dt.UTC)
    skip = schedule_tick(definitions, instance, data_dir, december)
    assert skip.skip_message.startswith("2025-11 is not closed:")


def test_schedule_day_and_hour_are_configurable() -> None:
    @dg.asset(partitions_def=monthly_partitions)
    def planned() -> None:
        """A stand-in for the plan-month assets."""

    timing = ScheduleTiming.from_env({"SOP_SCHEDULE_DAY_OF_MONTH": "12", "SOP_SCHEDULE_HOUR": "22"})
    ops = dg.Definitions(
        assets=[planned],
        schedules=[build_monthly_schedule(monthly_plan_job, timing)],
        resources={"inputs": InputFilesResource(data_dir="data")},
    )
    schedule = ops.resolve_schedule_def(MONTHLY_SCHEDULE_NAME)
    assert schedule.cron_schedule == "0 22 12 * *"
    assert ScheduleTiming.from_env({}) == ScheduleTiming(5, 6)


@pytest.mark.parametrize(
    "env, message",
    [
        ({"SOP_SCHEDULE_DAY_OF_MONTH": "31"}, "1..28"),
        ({"SOP_SCHEDULE_DAY_OF_MONTH": "fifth"}, "whole number"),
        ({"SOP_SCHEDULE_HOUR": "24"}, "0..23"),
    ],
)
def test_schedule_timing_rejects_impossible_values(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ScheduleTiming.from_env(env)


# --- sensor --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "closed, done, expected",
    [
        ([], [], []),
        ([JUL, AUG], [], [AUG]),
        ([JUL, AUG, SEP], [JUL], [AUG, SEP]),
        ([JUL, AUG], [AUG], []),
        ([JUL, SEP], [SEP], []),  # history is not back-filled
    ],
)
def test_pending_months(closed: list[dt.date], done: list[dt.date], expected: list) -> None:
    assert pending_months(closed, done) == expected


def test_history_missing_lists_the_closed_months_before_not_ingested() -> None:
    assert history_missing([JUL, AUG, SEP], [], SEP) == [JUL, AUG]
    assert history_missing([JUL, AUG, SEP], [JUL, AUG], SEP) == []
    assert history_missing([JUL, AUG, SEP], [JUL], SEP) == [AUG]


def test_sensor_definition(definitions: dg.Definitions) -> None:
    sensor = definitions.resolve_sensor_def(MONTH_CLOSED_SENSOR_NAME)
    assert sensor.job_name == "monthly_plan_job"
    assert sensor.minimum_interval_seconds == MINIMUM_INTERVAL_SECONDS
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED
    assert sensor.required_resource_keys == {"inputs"}


def test_sensor_requests_the_latest_closed_month_once_with_a_run_key(
    definitions: dg.Definitions, instance: dg.DagsterInstance, data_dir: Path
) -> None:
    # nothing ingested: the history before 2025-10 must be loaded first, or its forecast would
    # be made from one month
    waiting = tick(definitions, instance, data_dir)
    assert isinstance(waiting, dg.SkipReason)
    assert "not ingested" in waiting.skip_message and "sop-pipeline run" in waiting.skip_message
    ingest_history(instance, data_dir, before=dt.date(2025, 10, 1))

    first = tick(definitions, instance, data_dir)
    again = tick(definitions, instance, data_dir)

    assert isinstance(first, dg.RunRequest)
    assert first.partition_key == "2025-10-01"  # 2025-11 has no _CLOSED marker yet
    assert first.run_key == "month-closed-2025-10"
    assert again == first  # same key: Dagster launches it once


def test_sensor_requests_closed_months_after_the_last_published_oldest_first(
    definitions: dg.Definitions, instance: dg.DagsterInstance, data_dir: Path
) -> None:
    ingest_history(instance, data_dir, before=dt.date(2025, 9, 1))
    mark_published(instance, "2025-07-01", "2025-08-01")
    request = tick(definitions, instance, data_dir)
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2025-09-01"

    mark_published(instance, "2025-09-01", "2025-10-01")
    mark_ingested(instance, "2025-09-01", "2025-10-01")
    skip = tick(definitions, instance, data_dir)
    assert isinstance(skip, dg.SkipReason) and "latest planned: 2025-10" in skip.skip_message

    (data_dir / "2025-11" / "_CLOSED").touch()  # the month closes
    request = tick(definitions, instance, data_dir)
    assert isinstance(request, dg.RunRequest)
    assert (request.partition_key, request.run_key) == ("2025-11-01", "month-closed-2025-11")


def test_sensor_explains_a_failed_month_instead_of_going_on(
    definitions: dg.Definitions, instance: dg.DagsterInstance, data_dir: Path
) -> None:
    ingest_history(instance, data_dir, before=dt.date(2025, 10, 1))
    mark_published(instance, "2025-09-01")

    @dg.asset
    def failing() -> None:
        raise ValueError("bad input")

    tags = {RUN_KEY_TAG: "month-closed-2025-10", SENSOR_NAME_TAG: MONTH_CLOSED_SENSOR_NAME}
    run = dg.materialize([failing], instance=instance, tags=tags, raise_on_error=False)
    assert not run.success

    skip = tick(definitions, instance, data_dir)

    assert isinstance(skip, dg.SkipReason)
    assert "2025-10" in skip.skip_message and "FAILURE" in skip.skip_message
    assert "re-run the month from the UI" in skip.skip_message
