"""The result of an invariant check: passed when no row breaks it, else the rows as evidence."""

import dagster as dg
import pandas as pd

from sop_pipeline.lib.metadata import markdown_table


def breaks_result(
    breaks: pd.DataFrame,
    what: str,
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    **metadata: object,
) -> dg.AssetCheckResult:
    """Passed when ``breaks`` is empty; else a message counting the rows and an example table."""
    message = "none" if breaks.empty else f"{len(breaks)} {what}"
    return dg.AssetCheckResult(
        passed=breaks.empty,
        severity=severity,
        description=None if breaks.empty else message,
        metadata={
            "message": message,
            "rows_failing": len(breaks),
            "examples": dg.MetadataValue.md(markdown_table(breaks)),
            **metadata,
        },
    )
