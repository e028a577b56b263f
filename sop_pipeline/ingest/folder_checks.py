"""What in the data folder the pipeline would otherwise pass over in silence.

Each finding is one line for ``sop-pipeline run`` (printed as a warning before it works) and
``sop-pipeline status``: nothing here stops a run, but nothing is ignored without a word.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

from sop_pipeline.ingest.contract import INPUT_FILES, Scope
from sop_pipeline.ingest.readers import (
    CLOSED_MARKER,
    FORMATS,
    MASTER_DIR,
    ignored_folders,
    month_folders,
)
from sop_pipeline.lib.months import folder_name


def _looks_like_the_marker(name: str) -> bool:
    """``_closed``, ``CLOSED``, ``_CLOSED.txt``, `` _CLOSED``: meant as the marker, not it."""
    return name != CLOSED_MARKER and name.strip().strip("_.-").lower().startswith("closed")


def data_folder_warnings(data_dir: Path) -> list[str]:
    """Folders named unlike a month, month folders not (or wrongly) marked closed, and input
    files where they are not read."""
    if not data_dir.is_dir():
        return []
    warnings = list(ignored_folders(data_dir))
    folders = month_folders(data_dir)
    closed = [m for m, folder in folders.items() if (folder / CLOSED_MARKER).exists()]
    latest = max(closed) if closed else None
    for month, folder in folders.items():
        if month in closed:
            continue
        near = sorted(p.name for p in folder.iterdir() if _looks_like_the_marker(p.name))
        name = folder_name(month)
        if near:
            warnings.append(
                f"month folder {name} holds '{near[0]}', not '{CLOSED_MARKER}' (the marker's "
                f"exact name): the month is not closed, so it is not ingested or planned"
            )
        elif latest is not None and month < latest:
            warnings.append(
                f"month folder {name} has no {CLOSED_MARKER} file though later months do: it "
                "is skipped (its sales are missing from the history)"
            )
        else:
            warnings.append(
                f"month folder {name} is not closed yet (no {CLOSED_MARKER} file): it is "
                f"ingested and planned once `touch {folder / CLOSED_MARKER}`"
            )
    month_files = [spec for spec in INPUT_FILES if spec.scope is Scope.MONTH]
    for spec in month_files:
        for suffix in FORMATS:
            for folder, where in ((data_dir / MASTER_DIR, f"{MASTER_DIR}/"), (data_dir, "")):
                if (folder / f"{spec.name}{suffix}").is_file():
                    warnings.append(
                        f"{where}{spec.name}{suffix} is not read: {spec.filename} belongs in "
                        "the month folder it describes (YYYY-MM/)"
                    )
    master_files = [spec for spec in INPUT_FILES if spec.scope is Scope.MASTER]
    for spec in master_files:
        for suffix in FORMATS:
            if (data_dir / f"{spec.name}{suffix}").is_file():
                warnings.append(
                    f"{spec.name}{suffix} is not read: it belongs in {MASTER_DIR}/ (or a month "
                    "folder, for that month only)"
                )
    return warnings


def missing_month_warnings(data_dir: Path, ingested: Iterable[dt.date]) -> list[str]:
    """Months the warehouse holds whose folder is gone: their tables stay as ingested."""
    folders = month_folders(data_dir)
    return [
        f"month folder {folder_name(m)} is gone but the warehouse holds it as ingested: its "
        "tables stay as they were loaded (restore the folder, or keep them knowingly)"
        for m in sorted(ingested)
        if m not in folders
    ]
