"""One Dagster asset per SQL model file of ``dbt_like_sql/`` (see ``lib.sql_models``)."""

from pathlib import Path

import dagster as dg

from sop_pipeline.data_dictionary import column_descriptions
from sop_pipeline.lib.metadata import table_metadata
from sop_pipeline.lib.partition_context import partition_months
from sop_pipeline.lib.sql_models import (
    SQL_DIR,
    SqlModel,
    discover_models,
    flatten_settings,
    macro_statements,
    run_model,
)
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import SettingsResource, WarehouseResource


def table_key(table: str) -> dg.AssetKey:
    """The asset key of a warehouse table: ``schema.name`` -> ``["schema", "name"]``."""
    return dg.AssetKey(table.split("."))


def build_sql_asset(model: SqlModel, macros: list[str]) -> dg.AssetsDefinition:
    """The asset that rebuilds ``model``'s table for the run's plan months."""

    @dg.asset(
        key=table_key(model.table),
        deps=[table_key(t) for t in model.reads],
        group_name=model.group,
        partitions_def=monthly_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        description=model.description,
        kinds={"duckdb", "sql"},
        metadata={
            "sql_file": str(model.path.relative_to(model.path.parents[1])),
            "sql": dg.MetadataValue.md(f"```sql\n{model.sql}\n```"),
        },
    )
    def _sql_model(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        settings: SettingsResource,
    ) -> dg.MaterializeResult:
        months = partition_months(context)
        variables = flatten_settings(settings.load().model_dump())
        with warehouse.get_connection() as con:
            written = run_model(con, model, months, variables, macros)
            latest = con.execute(
                f"select * from {model.table} where plan_month = ?", [months[-1]]
            ).df()
        context.log.info(f"{model.table}: {sum(written.values())} rows over {len(months)} months")
        metadata = table_metadata(latest, column_descriptions(model.table))
        metadata["dagster/row_count"] = sum(written.values())
        return dg.MaterializeResult(metadata=metadata)

    return _sql_model


def build_sql_assets(sql_dir: Path = SQL_DIR) -> list[dg.AssetsDefinition]:
    """An asset for every model file under ``sql_dir``."""
    macros = macro_statements(sql_dir)
    return [build_sql_asset(model, macros) for model in discover_models(sql_dir)]
