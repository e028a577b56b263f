"""The publish asset: once a plan month's marts are built, hand the warehouse to BI safely."""

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

import dagster as dg
import pandas as pd

from sop_pipeline.data_dictionary import column_descriptions, table_description
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.lib.partition_context import partition_months
from sop_pipeline.meeting.assets import pack_path, pending_pack_path
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.publish import PUBLISH_GROUP, PUBLISH_KEY
from sop_pipeline.publish.serving import EXPORTS_DIR, Publication, publish
from sop_pipeline.publish.workbooks import stage_workbooks
from sop_pipeline.resources import SettingsResource, WarehouseResource


def describe_table(table: str) -> tuple[str, Mapping[str, str]]:
    """The data dictionary's text for ``table``, written into the serving file as comments."""
    return table_description(table), column_descriptions(table)


def publication_metadata(
    publication: Publication, exports_root: Path, workbooks: Sequence[Path] = ()
) -> dict[str, object]:
    """Tables, rows, storage format, file size and paths of a publication, for the Dagster UI."""
    frame = pd.DataFrame(
        {
            "table": [t.table for t in publication.tables],
            "rows": [t.rows for t in publication.tables],
            "rows_of_run_months": [t.plan_month_rows for t in publication.tables],
        }
    )
    return {
        "dagster/row_count": publication.mart_rows,
        "serving_file": dg.MetadataValue.path(str(publication.serving_file)),
        "file_size_bytes": publication.file_size,
        "file_size": f"{publication.file_size / 1_048_576:,.1f} MiB",
        "storage_version": publication.storage_version,
        "tables": dg.MetadataValue.md(markdown_table(frame, max_rows=200, floatfmt=",.0f")),
        "table_count": len(publication.tables),
        "exports": dg.MetadataValue.path(str(exports_root)),
        "export_folders": ", ".join(p.name for p in publication.export_dirs) or "none",
        "latest_export": dg.MetadataValue.path(str(publication.latest_export or "none")),
        "workbook": dg.MetadataValue.path(str(workbooks[-1]) if workbooks else "none"),
        "workbook_count": len(workbooks),
        "published_at": publication.published_at.isoformat(timespec="seconds") + "Z",
        "stale_temporaries_removed": len(publication.removed_stale),
        "row_counts_verified": True,
    }


def stale_pending_packs(serving_file: Path, run_id: str) -> list[Path]:
    """Packs rendered by runs other than ``run_id`` and never published (the run failed)."""
    folder = pack_path(serving_file, dt.date(2000, 1, 1)).parent
    return [p for p in folder.glob(".*.html.run-*") if not p.name.endswith(f".run-{run_id}")]


def build_publish_asset(mart_keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    """The asset publishing the warehouse after every ``sop_mart`` asset in ``mart_keys``."""

    @dg.asset(
        key=PUBLISH_KEY,
        deps=list(mart_keys),
        group_name=PUBLISH_GROUP,
        partitions_def=monthly_partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
        kinds={"duckdb", "parquet"},
        description=(
            "The file BI tools read (`SOP_DUCKDB_PATH`): every `sop_mart` and `staging` table of "
            "every plan month, copied from the working warehouse into a new DuckDB file that, "
            "once its row counts match, atomically replaces the old one. Written in the storage "
            "format of the `publish.storage_version` setting (default: read by DuckDB 1.1 and "
            "later). Plus Parquet exports of the run's plan months under "
            "`exports/plan_month=YYYY-MM-01/` (`latest` links the newest) and the meeting's "
            "tables as `meeting_packs/sop_pack_YYYY-MM.xlsx`. Connected readers keep their "
            "snapshot; new readers see the new month."
        ),
    )
    def serving_warehouse(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        settings: SettingsResource,
    ) -> dg.MaterializeResult:
        """Copy the marts to a new serving file, swap it in, export the plan months, write the
        plan months' workbooks."""
        months = partition_months(context)
        config = settings.load()
        serving_file = warehouse.serving_file
        packs = [
            (pending_pack_path(serving_file, month, context.run_id), pack_path(serving_file, month))
            for month in months
        ]
        packs = [(aside, final) for aside, final in packs if aside.exists()]
        published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
        with warehouse.get_connection() as con:
            staged = stage_workbooks(
                con, serving_file, months, currency=config.currency, published_at=published_at
            )
            publication = publish(
                con,
                serving_file,
                months,
                describe=describe_table,
                storage_version=config.publish.storage_version,
                also=staged + packs,
                published_at=published_at,
            )
        workbooks = [final for _, final in staged]
        for stale in stale_pending_packs(serving_file, context.run_id):
            stale.unlink(missing_ok=True)
        for path in publication.removed_stale:
            context.log.warning(f"removed {path}, left by a publication that did not finish")
        if not any(t.table.startswith("sop_mart.") for t in publication.tables):
            context.log.warning("the working warehouse has no sop_mart table yet")
        context.log.info(
            f"published {len(publication.tables)} tables ({publication.mart_rows} sop_mart rows) "
            f"to {publication.serving_file} (storage {publication.storage_version}); "
            f"workbooks: {', '.join(p.name for p in workbooks)}"
        )
        exports_root = publication.serving_file.parent / EXPORTS_DIR
        return dg.MaterializeResult(
            metadata=publication_metadata(publication, exports_root, workbooks)
        )

    return serving_warehouse
