"""Validate: the rules of :mod:`.rules`, run by Great Expectations, as blocking asset checks on
``raw.*``."""

import datetime as dt
from collections.abc import Iterator
from dataclasses import replace

import dagster as dg
import pandas as pd
import pyarrow as pa

from sop_pipeline.ingest.assets import raw_asset_key
from sop_pipeline.ingest.contract import INPUT_FILES, INPUTS_BY_NAME, InputFile
from sop_pipeline.ingest.raw_tables import LOAD_LOG, raw_table
from sop_pipeline.lib.cores import cores
from sop_pipeline.lib.duckdb_io import table_exists
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.lib.months import folder_name
from sop_pipeline.lib.partition_context import partition_months
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.validate.batches import validate_in_batches
from sop_pipeline.validate.engine import RuleResult
from sop_pipeline.validate.rules import ALL_RULES, Severity

CHECK_SPECS = [
    dg.AssetCheckSpec(
        name=rule.name,
        asset=raw_asset_key(spec),
        blocking=rule.severity is Severity.ERROR,
        description=f"{rule.description} ({rule.severity.value})",
    )
    for spec in INPUT_FILES
    for rule in ALL_RULES[spec.name]
]


@dg.multi_asset_check(specs=CHECK_SPECS, can_subset=True, name="validate_inputs")
def validate_inputs(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    settings: SettingsResource,
) -> Iterator[dg.AssetCheckResult]:
    """Run the Great Expectations suites of every input file over the run's months."""
    months = partition_months(context)
    selected = context.selected_asset_check_keys
    files = [
        spec for spec in INPUT_FILES if any(k.asset_key == raw_asset_key(spec) for k in selected)
    ]
    config = settings.load()
    horizon = config.forecast.horizon_months
    lowered = (
        {"magnitudes_plausible"} if config.validation.implausible_magnitudes == "warning" else set()
    )
    with warehouse.get_connection() as con:
        log = read_months(con, LOAD_LOG, months) if table_exists(con, LOAD_LOG) else _empty_log()

        def read(spec: InputFile, batch: list[dt.date]) -> pa.Table | None:
            table = raw_table(spec)
            return read_months_arrow(con, table, batch) if table_exists(con, table) else None

        results = validate_in_batches(
            read,
            log,
            months,
            horizon_months=horizon,
            files=files,
            workers=cores(config.validation.workers),
        )
    for result in results:
        if result.rule in lowered:
            result = replace(result, severity=Severity.WARNING)
        key = dg.AssetCheckKey(raw_asset_key(INPUTS_BY_NAME[result.file]), result.rule)
        if key not in selected:
            continue
        if not result.passed:
            log_fn = context.log.error if result.blocking else context.log.warning
            log_fn(result.describe() + _examples_text(result))
        yield _to_check_result(result, months)


def read_months(con, table: str, months: list[dt.date]) -> pd.DataFrame:
    return con.execute(
        f"select * from {table} where plan_month in (select unnest(?::DATE[]))", [months]
    ).df()


def read_months_arrow(con, table: str, months: list[dt.date]) -> pa.Table:
    """:func:`read_months` as an Arrow table (what a validation worker process is sent), in
    the files' order (an Arrow result is not kept in insertion order otherwise)."""
    return con.sql(
        f"select * from {table} where plan_month in (select unnest(?::DATE[])) "
        "order by plan_month, _line",
        params=[months],
    ).to_arrow_table()


def _empty_log() -> pd.DataFrame:
    return pd.DataFrame(
        columns=["plan_month", "file", "source_path", "status", "error", "columns", "row_count"]
    )


def _examples_text(result: RuleResult) -> str:
    if result.examples.empty:
        return ""
    return "\nExample rows:\n" + result.examples.to_string(index=False)


def _to_check_result(result: RuleResult, months: list[dt.date]) -> dg.AssetCheckResult:
    metadata: dict[str, object] = {
        "file": INPUTS_BY_NAME[result.file].filename,
        "rule": result.rule,
        "months_checked": ", ".join(folder_name(m) for m in months[-6:])
        + (f" (+{len(months) - 6} earlier)" if len(months) > 6 else ""),
    }
    if not result.passed:
        metadata.update(
            {
                "message": dg.MetadataValue.md(result.message),
                "bad_rows": result.bad_rows,
                "failing_files": ", ".join(result.paths),
                "failing_months": ", ".join(folder_name(m) for m in result.months),
            }
        )
        if not result.examples.empty:
            metadata["example_rows"] = dg.MetadataValue.md(markdown_table(result.examples))
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(INPUTS_BY_NAME[result.file]),
        check_name=result.rule,
        passed=result.passed,
        severity=(
            dg.AssetCheckSeverity.ERROR
            if result.severity is Severity.ERROR
            else dg.AssetCheckSeverity.WARN
        ),
        description=result.describe() if not result.passed else None,
        metadata=metadata,
    )
