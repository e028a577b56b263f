"""The Dagster instance of a company: the one record of what has run and materialized.

``sop-pipeline run`` and ``status`` open the instance of the company's Dagster home
explicitly (never through ``DAGSTER_HOME``), and decide what is ingested and planned from the
materialized partitions of an asset, as the "month closed" sensor does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg

RUN_STORAGE = Path("history") / "runs.db"  # what a local instance has once it has run anything


def open_instance(home: Path) -> dg.DagsterInstance:
    """The instance of the Dagster home ``home`` (which must hold its ``dagster.yaml``)."""
    return dg.DagsterInstance.from_config(str(home))


def existing_instance(home: Path) -> dg.DagsterInstance | None:
    """The instance of ``home`` if it has recorded a run, else None: reading it creates no file
    and no folder."""
    if not (home / "dagster.yaml").is_file() or not (home / RUN_STORAGE).is_file():
        return None
    return open_instance(home)


def materialized_months(instance: dg.DagsterInstance | None, key: dg.AssetKey) -> set[dt.date]:
    """The plan months (partitions ``YYYY-MM-01``) of ``key`` the instance holds a
    materialization of; empty without an instance."""
    if instance is None:
        return set()
    return {dt.date.fromisoformat(k) for k in instance.get_materialized_partitions(key)}
