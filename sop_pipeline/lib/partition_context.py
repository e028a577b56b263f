"""The plan months a run covers, for single-month runs and single-run backfills alike."""

from __future__ import annotations

import datetime as dt

import dagster as dg

from sop_pipeline.partitions import monthly_partitions


def plan_month(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> dt.date:
    """The plan month of a single-month run."""
    return dt.date.fromisoformat(context.partition_key)


def partition_months(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext,
) -> list[dt.date]:
    """Every plan month of the run, oldest first."""
    if context.has_partition_key_range:
        key_range = context.partition_key_range
        keys = monthly_partitions.get_partition_keys_in_range(key_range)
    else:
        keys = [context.partition_key]
    return [dt.date.fromisoformat(k) for k in keys]
