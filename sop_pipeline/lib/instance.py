"""The Dagster instance of a company: the one record of what has run and materialized.

``sop-pipeline run`` and ``status`` open the instance of the company's Dagster home
explicitly (never through ``DAGSTER_HOME``), and decide what is ingested and planned from the
materialized partitions of an asset, as the "month closed" sensor does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import dagster as dg

RUN_STORAGE = Path("history") / "runs.db"  # what a local instance has once it has run anything


def open_instance(home: Path) -> dg.DagsterInstance:
    """The instance of the Dagster home ``home`` (which must hold its ``dagster.yaml``), with
    its event log where the home is now (see ``dagster_storage.instance_overrides``)."""
    from dagster._core.instance.ref import InstanceRef

    from sop_pipeline.lib.dagster_storage import instance_overrides

    ref = InstanceRef.from_dir(str(home), overrides=instance_overrides(home))
    return dg.DagsterInstance.from_ref(ref)


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


def months_materialized_for_all(
    instance: dg.DagsterInstance, keys: Iterable[dg.AssetKey]
) -> set[dt.date]:
    """The plan months every one of ``keys`` has a materialization of (none without keys)."""
    months: set[dt.date] | None = None
    for key in keys:
        done = materialized_months(instance, key)
        months = done if months is None else months & done
        if not months:
            break
    return months or set()
