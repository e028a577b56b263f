"""The Dagster definitions of sop_pipeline: every asset, check, job, schedule, sensor and resource.

:func:`build_definitions` assembles them around the resources it is given. ``sop-pipeline run``
passes resources bound to its paths (:func:`sop_pipeline.resources.resources_for`); ``dagster dev``
(``workspace.yaml``) loads the module-level ``defs``, whose resources read the ``SOP_*``
variables of ``.env`` when a run starts (``dg.EnvVar``).
"""

from collections.abc import Mapping, Sequence

import dagster as dg

from sop_pipeline.automation.schedules import ScheduleTiming, build_monthly_schedule
from sop_pipeline.automation.sensors import build_month_closed_sensor
from sop_pipeline.balance.assets import balance_plan
from sop_pipeline.balance.checks import BALANCE_CHECKS
from sop_pipeline.decisions.assets import (
    decision_log_assets,
    decision_outcomes,
    meeting_decisions,
)
from sop_pipeline.forecast.assets import statistical_forecast
from sop_pipeline.ingest.assets import raw_inputs
from sop_pipeline.jobs import ingest_job, monthly_plan_job, record_decisions_job
from sop_pipeline.kpis.checks import (
    kpis_cross_foot_to_stock_count,
    plan_company_total_matches_families,
    reconciliation_foots,
)
from sop_pipeline.meeting.assets import meeting_pack
from sop_pipeline.publish.assets import build_publish_asset
from sop_pipeline.resources import resources_from_env
from sop_pipeline.sql_assets import build_sql_assets
from sop_pipeline.supply.assets import supply_plan
from sop_pipeline.supply.checks import SUPPLY_CHECKS
from sop_pipeline.validate.checks import validate_inputs


def mart_asset_keys(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """Every ``sop_mart`` asset key of ``assets``, sorted: what the publication waits for."""
    keys = {key for asset in assets for key in asset.keys if key.path[0] == "sop_mart"}
    return sorted(keys, key=lambda key: key.to_user_string())


PIPELINE_ASSETS: list[dg.AssetsDefinition] = [
    raw_inputs,
    *build_sql_assets(),
    statistical_forecast,
    supply_plan,
    balance_plan,
    meeting_decisions,
    decision_log_assets,
    decision_outcomes,
    meeting_pack,
]
"""Ingest to meeting pack; the publish asset follows every ``sop_mart`` asset among them."""

ASSETS: list[dg.AssetsDefinition] = [
    *PIPELINE_ASSETS,
    build_publish_asset(mart_asset_keys(PIPELINE_ASSETS)),
]

ASSET_CHECKS = [
    validate_inputs,
    reconciliation_foots,
    plan_company_total_matches_families,
    kpis_cross_foot_to_stock_count,
    *SUPPLY_CHECKS,
    *BALANCE_CHECKS,
]


def build_definitions(
    resources: Mapping[str, dg.ConfigurableResource],
    timing: ScheduleTiming | None = None,
) -> dg.Definitions:
    """The project's definitions over ``resources`` (``inputs``, ``warehouse``, ``settings``).

    ``timing`` is when the monthly schedule fires (default: :meth:`ScheduleTiming.from_env`).
    """
    return dg.Definitions(
        assets=ASSETS,
        asset_checks=ASSET_CHECKS,
        jobs=[ingest_job, monthly_plan_job, record_decisions_job],
        schedules=[build_monthly_schedule(monthly_plan_job, timing or ScheduleTiming.from_env())],
        sensors=[build_month_closed_sensor(monthly_plan_job)],
        resources=dict(resources),
        # one writer at a time: every step holds the working DuckDB file while it runs, so
        # steps run one after another in the run's process, as the CLI runs them (with the
        # multiprocess executor a step waiting on the file fails after dagster-duckdb's retries)
        executor=dg.in_process_executor,
    )


defs = build_definitions(resources_from_env())
