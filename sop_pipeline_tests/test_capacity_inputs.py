"""Bad capacity and cash inputs stop the month with a message naming the file, the check and the
rows; the planned months stay as they were."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from sop_pipeline.runner import PipelineFailed, run_pipeline
from sop_pipeline_tests.conftest import copy_company, snapshot
from sop_pipeline_tests.tiny_company import CASH, RESOURCES, ROUTINGS

BAD_MONTH = "2025-10"


def _write(folder: Path, name: str, text: str) -> None:
    (folder / f"{name}.csv").write_text(text)


def _resources(folder: Path, extra: str = "") -> None:
    _write(folder, "resources", RESOURCES.format(line=70) + extra)


def routing_on_unknown_resource(folder: Path) -> None:
    _resources(folder)
    _write(folder, "routings", ROUTINGS + "FG3,MIXER,0.2\n")


def routing_of_a_component(folder: Path) -> None:
    _resources(folder)
    _write(folder, "routings", ROUTINGS + "SA1,LINE,0.2\n")


def zero_hours_per_unit(folder: Path) -> None:
    _resources(folder)
    _write(folder, "routings", ROUTINGS.replace("FG2,LINE,1", "FG2,LINE,0"))


def duplicate_resource(folder: Path) -> None:
    _resources(folder, "LINE,Second line,20,,\n")


def negative_capacity_override(folder: Path) -> None:
    _resources(folder)
    _write(folder, "capacity", "month,resource,capacity_per_month\n2025-12,LINE,-5\n")


def override_of_an_unknown_resource(folder: Path) -> None:
    _resources(folder)
    _write(folder, "capacity", "month,resource,capacity_per_month\n2025-12,OVEN,50\n")


def routings_without_resources(folder: Path) -> None:
    _write(folder, "routings", ROUTINGS)


def burn_not_a_number(folder: Path) -> None:
    _write(folder, "cash", CASH.format(m0="2025-07", last="2025-10").replace("4000", "4k", 1))


def infinite_capacity(folder: Path) -> None:
    _write(folder, "resources", RESOURCES.format(line="inf"))


CASES = [
    (routing_on_unknown_resource, "routings.csv", "resources_known", "resource is not in "
     "resources.csv", "line 6"),
    (routing_of_a_component, "routings.csv", "items_known", "item is not in items.csv", "line 6"),
    (zero_hours_per_unit, "routings.csv", "value_ranges", "hours_per_unit is not positive",
     "line 4"),
    (duplicate_resource, "resources.csv", "keys_unique", "resource repeats another row",
     "lines 2, 4"),
    (negative_capacity_override, "capacity.csv", "value_ranges", "capacity_per_month is "
     "negative", "line 2"),
    (override_of_an_unknown_resource, "capacity.csv", "resources_known", "resource is not in "
     "resources.csv", "line 2"),
    (routings_without_resources, "routings.csv", "resources_known", "4 rows where resource is "
     "not in resources.csv", "lines 2, 3, 4, 5"),
    (burn_not_a_number, "cash.csv", "values_parse", "monthly_operating_burn is not a number",
     "line 2"),
    (infinite_capacity, "resources.csv", "values_parse", "capacity_per_month is not a number",
     "line 2"),
]  # fmt: skip


# The capacity-specific rules run by default; the generic rules on the new files (ranges, keys,
# numbers), each also covered on the other files by test_bad_inputs.py, run in .ci/run (-m slow)
# to keep `make test` within three minutes.
IN_DEFAULT_SUITE = {routing_on_unknown_resource}
PARAMS = [
    pytest.param(
        *case, id=case[0].__name__, marks=() if case[0] in IN_DEFAULT_SUITE else pytest.mark.slow
    )
    for case in CASES
]


@pytest.mark.parametrize(("corrupt", "file", "rule", "words", "rows"), PARAMS)
def test_bad_capacity_input_stops_the_month_naming_file_check_and_rows(
    planned_company: Path,
    tmp_path: Path,
    corrupt: Callable[[Path], None],
    file: str,
    rule: str,
    words: str,
    rows: str,
) -> None:
    paths = copy_company(planned_company, tmp_path / "company")
    before = snapshot(paths.work_db, ["2025-07-01", "2025-08-01", "2025-09-01"])
    corrupt(paths.data_dir / BAD_MONTH)

    with pytest.raises(PipelineFailed) as failure:
        run_pipeline(paths, echo=lambda _: None)

    message = str(failure.value)
    assert f"{BAD_MONTH}/{file}" in message
    assert f"check '{rule}'" in message
    assert words in message
    assert f"{file} {rows}" in message
    after = snapshot(paths.work_db, ["2025-07-01", "2025-08-01", "2025-09-01"])
    for table, frame in before.items():
        if not table.startswith("raw."):
            pd.testing.assert_frame_equal(frame, after[table], obj=table)
