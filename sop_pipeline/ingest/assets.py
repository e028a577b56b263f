"""Ingest: each input file of each closed month lands in ``raw.<file>`` exactly as delivered."""

import datetime as dt
from collections.abc import Iterator

import dagster as dg
import pandas as pd

from sop_pipeline.ingest.contract import INPUT_FILES, INPUTS_BY_NAME, InputFile
from sop_pipeline.ingest.raw_tables import write_raw_month
from sop_pipeline.ingest.readers import CLOSED_MARKER
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.lib.months import folder_name
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import InputFilesResource, WarehouseResource

RAW_SCHEMA = "raw"


def raw_asset_key(spec: InputFile) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, spec.name])


@dg.multi_asset(
    name="raw_inputs",
    specs=[
        dg.AssetSpec(
            raw_asset_key(spec),
            description=f"`{spec.filename}`: {spec.description}, as delivered (text).",
            group_name="ingest",
            kinds={"duckdb"},
            metadata={"input_file": spec.filename, "scope": spec.scope.value},
        )
        for spec in INPUT_FILES
    ],
    partitions_def=monthly_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
)
def raw_inputs(
    context: dg.AssetExecutionContext,
    inputs: InputFilesResource,
    warehouse: WarehouseResource,
) -> Iterator[dg.MaterializeResult]:
    """Load each month's input files into ``raw``, one table per file, replacing the month."""
    months = [dt.date.fromisoformat(k) for k in context.partition_keys]
    open_months = [m for m in months if m not in set(inputs.closed_months())]
    if open_months:
        raise dg.Failure(
            description=(
                f"{', '.join(folder_name(m) for m in open_months)} is not closed under "
                f"{inputs.root}: a month is ingested once its folder holds an empty "
                f"{CLOSED_MARKER} file (the sign that all of its files have arrived)"
            )
        )
    selected = sorted(
        (INPUTS_BY_NAME[key.path[-1]] for key in context.selected_asset_keys),
        key=INPUT_FILES.index,
    )
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    results = []
    cache: dict = {}
    with warehouse.get_connection() as con:
        for spec in selected:
            loads = [inputs.read(spec, month, cache) for month in months]
            rows = write_raw_month(con, spec, loads, loaded_at)
            context.log.info(
                f"raw.{spec.name}: {rows} rows from "
                + ", ".join(f"{folder_name(ld.month)} ({ld.status})" for ld in loads)
            )
            results.append((spec, loads, rows))
    for spec, loads, rows in results:
        yield dg.MaterializeResult(
            asset_key=raw_asset_key(spec),
            metadata={
                "dagster/row_count": rows,
                "months": ", ".join(folder_name(m) for m in months),
                "source_files": dg.MetadataValue.md(_sources_table(loads)),
                "preview": dg.MetadataValue.md(_preview(loads)),
                "loaded_at": loaded_at.isoformat(timespec="seconds"),
            },
        )


def _sources_table(loads: list) -> str:
    frame = pd.DataFrame(
        {
            "month": [folder_name(ld.month) for ld in loads],
            "file": [str(ld.path) if ld.path else "(not present)" for ld in loads],
            "from": [ld.scope for ld in loads],
            "rows": [ld.row_count for ld in loads],
            "status": [ld.status for ld in loads],
        }
    )
    return markdown_table(frame.tail(12))


def _preview(loads: list) -> str:
    latest = next((ld for ld in reversed(loads) if ld.frame is not None), None)
    if latest is None:
        return "_no rows_"
    return markdown_table(latest.frame.drop(columns=["_line"]).head(5))
