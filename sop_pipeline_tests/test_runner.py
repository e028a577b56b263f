"""What ``sop-pipeline run`` decides from the Dagster instance, without running the pipeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest

from sop_pipeline.ingest.fingerprint import fingerprint_tag, input_fingerprint
from sop_pipeline.jobs import INGESTED_KEY
from sop_pipeline.lib.instance import materialized_months
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.runner import contiguous_ranges, ingested_unchanged
from sop_pipeline_tests.tiny_company import write_tiny_company

JUL, AUG, SEP, OCT = (dt.date(2025, m, 1) for m in (7, 8, 9, 10))


@pytest.fixture
def company(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    write_tiny_company(data, "2025-07", 4)
    return data


def _fingerprint(data: Path, month: dt.date = OCT) -> str:
    return input_fingerprint(data, data / "settings.yaml", month)


def test_the_fingerprint_changes_with_the_months_files_the_master_and_the_settings(
    company: Path,
) -> None:
    first = _fingerprint(company)
    assert _fingerprint(company) == first  # reading changes nothing
    (company / "2025-09" / "sales.csv").write_text("another month\n")
    assert _fingerprint(company) == first
    changes = [
        company / "2025-10" / "sales.csv",
        company / "master" / "items.csv",
        company / "settings.yaml",
    ]
    seen = {first}
    for path in changes:
        path.write_text((path.read_text() if path.exists() else "") + "# changed\n")
        now = _fingerprint(company)
        assert now not in seen, path
        seen.add(now)
    (company / "2025-10" / "forecast_overrides.csv").write_text("item,month\n")  # a new file
    assert _fingerprint(company) not in seen


@dg.asset(key=INGESTED_KEY, partitions_def=monthly_partitions)
def ingested() -> None:
    """A stand-in for the ingest job's last asset."""


def test_an_ingested_month_is_unchanged_only_with_the_fingerprint_its_run_recorded() -> None:
    with dg.instance_for_test() as instance:
        assert not ingested_unchanged(instance, INGESTED_KEY, OCT, "abc")  # never ingested
        dg.materialize(
            [ingested], instance=instance, partition_key="2025-10-01", tags={"sop/x": "1"}
        )
        assert not ingested_unchanged(instance, INGESTED_KEY, OCT, "abc")  # no fingerprint
        dg.materialize(
            [ingested],
            instance=instance,
            partition_key="2025-10-01",
            tags={fingerprint_tag(OCT): "abc"},
        )
        assert ingested_unchanged(instance, INGESTED_KEY, OCT, "abc")
        assert not ingested_unchanged(instance, INGESTED_KEY, OCT, "abd")
        assert not ingested_unchanged(instance, INGESTED_KEY, SEP, "abc")
        assert materialized_months(instance, INGESTED_KEY) == {OCT}


def test_contiguous_ranges() -> None:
    assert contiguous_ranges([OCT, JUL, AUG]) == [(JUL, AUG), (OCT, OCT)]
    assert contiguous_ranges([]) == []
