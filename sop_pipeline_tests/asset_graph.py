"""The project's asset graph as plain data, and its committed snapshot.

``test_definitions.py`` compares the definitions with ``snapshots/asset_graph.json``, so a
change to an asset's key, group, dependencies or checks, or to what a job runs, shows in review
as a change of that file. After an intended change, refresh it with:

    .venv/bin/python -m sop_pipeline_tests.asset_graph
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dagster as dg

SNAPSHOT = Path(__file__).with_name("snapshots") / "asset_graph.json"
JOBS = ("ingest_job", "monthly_plan_job")


def _name(key: dg.AssetKey) -> str:
    return key.to_user_string()


def describe(defs: dg.Definitions) -> dict[str, Any]:
    """Every asset (group, dependencies, checks, kinds, partitioned) and the assets of each job."""
    graph = defs.resolve_asset_graph()
    assets = {}
    for key in sorted(graph.get_all_asset_keys(), key=_name):
        node = graph.get(key)
        checks = []
        for check_key in node.check_keys:
            blocking = graph.get_check_spec(check_key).blocking
            checks.append(check_key.name + (" (blocking)" if blocking else ""))
        assets[_name(key)] = {
            "group": node.group_name,
            "deps": sorted(_name(parent) for parent in node.parent_keys),
            "checks": sorted(checks),
            "kinds": sorted(node.kinds),
            "partitioned": node.is_partitioned,
        }
    jobs = {
        name: sorted(_name(k) for k in defs.resolve_job_def(name).asset_layer.selected_asset_keys)
        for name in JOBS
    }
    return {"assets": assets, "jobs": jobs}


def render(defs: dg.Definitions) -> str:
    return json.dumps(describe(defs), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    from sop_pipeline.definitions import defs

    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(render(defs), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
