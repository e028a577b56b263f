"""The asset graph: its committed snapshot, and the two assets that record what is done."""

from __future__ import annotations

import dagster as dg

from sop_pipeline.definitions import build_definitions, defs
from sop_pipeline.jobs import INGESTED_KEY
from sop_pipeline.publish import PUBLISH_KEY
from sop_pipeline.resources import resources_for
from sop_pipeline_tests.asset_graph import SNAPSHOT, describe, render
from sop_pipeline_tests.conftest import paths_for


def _upstream(graph: dg.AssetGraph, key: dg.AssetKey) -> set[dg.AssetKey]:
    return set(dg.AssetSelection.assets(key).upstream().resolve(graph)) - {key}


def _job_keys(name: str) -> set[dg.AssetKey]:
    return set(defs.resolve_job_def(name).asset_layer.selected_asset_keys)


def test_asset_graph_matches_the_committed_snapshot() -> None:
    assert SNAPSHOT.read_text(encoding="utf-8") == render(defs), (
        "the asset graph changed; if intended, refresh the snapshot:"
        " .venv/bin/python -m sop_pipeline_tests.asset_graph"
    )


def test_a_month_is_ingested_once_the_ingest_jobs_last_asset_has_it() -> None:
    """``run`` and ``status`` take a month as ingested when ``INGESTED_KEY`` is materialized for
    it: every other asset of the ingest job must come before it."""
    ingest = _job_keys("ingest_job")
    assert INGESTED_KEY in ingest
    assert ingest - {INGESTED_KEY} <= _upstream(defs.resolve_asset_graph(), INGESTED_KEY)


def test_a_month_is_planned_once_the_publish_asset_has_it() -> None:
    """Every asset the plan runs after ingest comes before the publication."""
    plan = _job_keys("monthly_plan_job") - _job_keys("ingest_job")
    assert PUBLISH_KEY in plan
    assert plan - {PUBLISH_KEY} <= _upstream(defs.resolve_asset_graph(), PUBLISH_KEY)


def test_definitions_take_their_resources_as_given(tmp_path) -> None:
    """The CLI's definitions: the same graph, resources bound to its paths, nothing read from
    the environment."""
    paths = paths_for(tmp_path)
    built = build_definitions(resources_for(paths))
    assert describe(built) == describe(defs)
    warehouse = built.resources["warehouse"]
    assert (warehouse.database, warehouse.serving_path) == (str(paths.work_db), str(paths.db))
    assert built.resources["inputs"].data_dir == str(paths.data_dir)
    assert not paths.db.parent.exists()  # building definitions writes nothing


def test_the_ui_definitions_read_their_paths_from_the_environment() -> None:
    """``dagster dev`` loads ``defs``: its resources name the variables of ``.env``."""
    resources = defs.resources
    named = {
        resources["inputs"].data_dir,
        resources["warehouse"].database,
        resources["warehouse"].serving_path,
        resources["settings"].settings_file,
    }
    assert all(isinstance(value, dg.EnvVar) for value in named)
    assert named == {"SOP_DATA_DIR", "SOP_WORK_DUCKDB_PATH", "SOP_DUCKDB_PATH", "SOP_SETTINGS_FILE"}


def test_partitions_start_at_the_companys_first_month(tmp_path) -> None:
    """The UI's partition bars show the company's months: the oldest YYYY-MM folder of
    SOP_DATA_DIR, not years of empty partitions before it."""
    from sop_pipeline.partitions import DEFAULT_FIRST_MONTH, first_plan_month

    for name in ("2023-04", "2022-11", "master", "2022-13", "2021-5"):
        (tmp_path / name).mkdir()
    assert first_plan_month({"SOP_DATA_DIR": str(tmp_path)}) == "2022-11-01"
    assert first_plan_month({}) == DEFAULT_FIRST_MONTH
    assert first_plan_month({"SOP_DATA_DIR": str(tmp_path / "missing")}) == DEFAULT_FIRST_MONTH
