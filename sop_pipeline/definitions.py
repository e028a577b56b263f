"""The Dagster definitions of sop_pipeline: every asset, check, job, schedule and resource."""

import dagster as dg

from sop_pipeline.forecast.assets import statistical_forecast
from sop_pipeline.ingest.assets import raw_inputs
from sop_pipeline.jobs import ingest_job, monthly_plan_job
from sop_pipeline.kpis.checks import (
    kpis_cross_foot_to_stock_count,
    plan_company_total_matches_families,
    reconciliation_foots,
)
from sop_pipeline.meeting.assets import meeting_pack
from sop_pipeline.ops.definitions import with_ops_definitions
from sop_pipeline.resources import InputFilesResource, SettingsResource, WarehouseResource
from sop_pipeline.sql_assets import build_sql_assets
from sop_pipeline.supply.assets import supply_plan
from sop_pipeline.supply.checks import (
    dependent_demand_matches_parent_releases,
    stock_balances_month_by_month,
)
from sop_pipeline.validate.checks import validate_inputs


def build_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources bound to the environment (``SOP_DATA_DIR``, ``SOP_DUCKDB_PATH``, ...).

    The ``sop-pipeline`` command and ``dagster dev`` (through ``.env``) set these variables.
    """
    return {
        "inputs": InputFilesResource(data_dir=dg.EnvVar("SOP_DATA_DIR")),
        "warehouse": WarehouseResource(
            database=dg.EnvVar("SOP_WORK_DUCKDB_PATH"),
            serving_path=dg.EnvVar("SOP_DUCKDB_PATH"),
        ),
        "settings": SettingsResource(settings_file=dg.EnvVar("SOP_SETTINGS_FILE")),
    }


defs = with_ops_definitions(  # + publication, the monthly schedule, the "month closed" sensor
    dg.Definitions(
        assets=[
            raw_inputs,
            *build_sql_assets(),
            statistical_forecast,
            supply_plan,
            meeting_pack,
        ],
        asset_checks=[
            validate_inputs,
            reconciliation_foots,
            plan_company_total_matches_families,
            kpis_cross_foot_to_stock_count,
            stock_balances_month_by_month,
            dependent_demand_matches_parent_releases,
        ],
        jobs=[ingest_job, monthly_plan_job],
        resources=build_resources(),
    ),
    monthly_plan_job,
)
