"""Great Expectations plumbing: run one expectation suite over one in-memory frame.

Each expectation carries the rule it belongs to in its ``meta``; the runner returns, per
expectation and in the order given, which rows failed, so callers can report rules in their own
words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

ROW_ID = "_row"
ORDER = "_order"  # position of an expectation in the suite, in its meta


@dataclass(frozen=True)
class ExpectationOutcome:
    rule: str
    column: str
    success: bool
    bad_rows: list[int]  # positions (values of ROW_ID) of the failing rows
    meta: dict[str, Any]


@cache
def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def run_suite(name: str, frame: pd.DataFrame, expectations: list[Any]) -> list[ExpectationOutcome]:
    """Validate ``frame`` against ``expectations`` (GX expectation objects with a ``meta``
    holding ``rule`` and ``column``).

    ``frame`` must carry ``ROW_ID``, a unique row position used to name failing rows. The
    outcomes come in the order of ``expectations`` (GX reports them grouped by column).
    """
    import great_expectations as gx

    if not expectations:
        return []
    for position, expectation in enumerate(expectations):
        expectation.meta = {**(expectation.meta or {}), ORDER: position}
    context = _context()
    source_name = f"sop_{name}"
    try:
        source = context.data_sources.get(source_name)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(source_name)
    asset_name = f"{name}_{id(frame)}"
    asset = source.add_dataframe_asset(asset_name)
    batch_definition = asset.add_batch_definition_whole_dataframe("all_rows")
    suite = gx.ExpectationSuite(name=asset_name, expectations=expectations)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result = batch.validate(
        suite,
        result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]},
    )
    source.delete_asset(asset_name)
    outcomes = []
    for res in sorted(result.results, key=lambda r: r.expectation_config.meta[ORDER]):
        meta = dict(res.expectation_config.meta or {})
        del meta[ORDER]
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"expectation {res.expectation_config.type} on {name} could not run: "
                f"{res.exception_info.get('exception_message')}"
            )
        index_list = res.result.get("unexpected_index_list") or []
        bad_rows = sorted({int(entry[ROW_ID]) for entry in index_list if ROW_ID in entry})
        outcomes.append(
            ExpectationOutcome(
                rule=meta.get("rule", ""),
                column=meta.get("column", ""),
                success=bool(res.success),
                bad_rows=bad_rows,
                meta=meta,
            )
        )
    return outcomes
