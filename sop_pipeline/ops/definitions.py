"""The operational definitions, merged into the project's ``defs``: publication, schedule
and sensor."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import dagster as dg

from sop_pipeline.ops.assets import PUBLISH_KEY, build_publish_asset
from sop_pipeline.ops.schedules import ScheduleTiming, build_monthly_schedule
from sop_pipeline.ops.sensors import build_month_closed_sensor

if TYPE_CHECKING:  # what dg.define_asset_job returns; Dagster exports no public name for it
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )


def build_ops_definitions(
    plan_job: "UnresolvedAssetJobDefinition",
    mart_keys: Sequence[dg.AssetKey],
    timing: ScheduleTiming | None = None,
) -> dg.Definitions:
    """The publish asset (after every asset of ``mart_keys``), the monthly schedule and the
    "month closed" sensor of ``plan_job``.

    Needs the ``warehouse`` and ``inputs`` resources of the definitions it is merged with.
    ``timing`` defaults to :meth:`ScheduleTiming.from_env`.
    """
    return dg.Definitions(
        assets=[build_publish_asset(mart_keys)],
        schedules=[build_monthly_schedule(plan_job, timing or ScheduleTiming.from_env())],
        sensors=[build_month_closed_sensor(plan_job)],
    )


def mart_asset_keys(defs: dg.Definitions) -> list[dg.AssetKey]:
    """Every materializable ``sop_mart`` asset of ``defs``: what the publication waits for."""
    graph = defs.resolve_asset_graph()
    return sorted(
        (
            key
            for key in graph.get_all_asset_keys()
            if key.path[0] == "sop_mart" and graph.get(key).is_materializable
        ),
        key=lambda key: key.to_user_string(),
    )


def with_ops_definitions(
    defs: dg.Definitions, plan_job: "UnresolvedAssetJobDefinition"
) -> dg.Definitions:
    """``defs`` merged with :func:`build_ops_definitions` (for its ``sop_mart`` assets), or
    ``defs`` itself when it already holds the publish asset."""
    if PUBLISH_KEY in defs.resolve_asset_graph().get_all_asset_keys():
        return defs
    return dg.Definitions.merge(defs, build_ops_definitions(plan_job, mart_asset_keys(defs)))
