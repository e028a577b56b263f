"""Folders that look meant as a month but are not one are reported, not silently skipped."""

from __future__ import annotations

from pathlib import Path

from sop_pipeline.ingest.readers import closed_months, ignored_folders


def _folder(root: Path, name: str, closed: bool = True) -> None:
    (root / name).mkdir()
    if closed:
        (root / name / "_CLOSED").write_text("")


def test_misnamed_month_folders_are_reported_by_name(tmp_path: Path) -> None:
    for name in ("2025-09", "2025-10 copy", "2025-13", "2025-7", "master"):
        _folder(tmp_path, name, closed=name not in ("master", "2025-7"))
    _folder(tmp_path, "old stuff")  # not a month, but closed: reported
    _folder(tmp_path, "warehouse", closed=False)  # neither: not reported

    warnings = ignored_folders(tmp_path)

    named = [w.split("'")[1] for w in warnings]
    assert named == ["2025-10 copy", "2025-13", "2025-7", "old stuff"]
    assert all("is ignored" in w and "YYYY-MM" in w for w in warnings)
    assert "holds _CLOSED" in warnings[0] and "holds _CLOSED" not in warnings[2]
    assert [m.isoformat() for m in closed_months(tmp_path)] == ["2025-09-01"]


def test_a_clean_data_folder_gives_no_warning(tmp_path: Path) -> None:
    for name in ("2025-09", "2025-10"):
        _folder(tmp_path, name)
    _folder(tmp_path, "master", closed=False)
    assert ignored_folders(tmp_path) == []
    assert ignored_folders(tmp_path / "absent") == []
