"""What a month's ingestion depends on, as one hash: has anything changed since it ran?

The hash covers the month's folder and ``master/`` (every file, by name and content), the
settings file, and the code that turns files into staging tables (the ingest and validation
modules, the staging SQL). ``sop-pipeline run`` records it on the ingest run and ingests the plan
month again only when it differs: a corrected file, a changed master or a new release re-ingests
the month; running the same month twice does not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from pathlib import Path

from sop_pipeline.ingest.readers import MASTER_DIR, month_folders
from sop_pipeline.lib.package_files import package_folder
from sop_pipeline.lib.sql_models import SQL_DIR

TAG_PREFIX = "sop/inputs-"
FILES_TAG_PREFIX = "sop/files-"


def fingerprint_tag(month: dt.date) -> str:
    """The run tag holding ``month``'s fingerprint: ``sop/inputs-YYYY-MM``."""
    return f"{TAG_PREFIX}{month:%Y-%m}"


def files_tag(month: dt.date) -> str:
    """The run tag holding a hash of ``month``'s own folder: ``sop/files-YYYY-MM``."""
    return f"{FILES_TAG_PREFIX}{month:%Y-%m}"


def month_files_fingerprint(data_dir: Path, month: dt.date) -> str:
    """A hash of the files of ``month``'s folder only (names and contents): recorded for every
    month an ingest run loads, so a corrected file delivered later for an earlier month is
    seen (settings and ``master/`` changes matter for the plan month only)."""
    digest = hashlib.sha256()
    for path in sorted(_files(month_folders(data_dir).get(month)), key=lambda p: p.name):
        digest.update(f"{path.name}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:20]


def _code_files() -> list[Path]:
    package = package_folder("sop_pipeline")
    files = [*(package / "ingest").glob("*.py"), *(package / "validate").glob("*.py")]
    return [*files, *(SQL_DIR / "staging").glob("*.sql"), package / "__init__.py"]


NOT_INGESTED = frozenset({"decisions.csv"})
"""Files of a month folder that are not the month's inputs: the meeting's decisions are
written after the month is planned and change the next month's plan, not this month's
ingestion (the decisions stage records them)."""


def _files(folder: Path | None) -> Iterable[Path]:
    if folder is None or not folder.is_dir():
        return []
    return (path for path in folder.iterdir() if path.is_file() and path.name not in NOT_INGESTED)


def input_fingerprint(data_dir: Path, settings_file: Path, month: dt.date) -> str:
    """A hash of everything the ingestion of ``month`` reads (see the module's docstring)."""
    sources = {
        "month": _files(month_folders(data_dir).get(month)),
        "master": _files(data_dir / MASTER_DIR),
        "settings": [settings_file] if settings_file.is_file() else [],
        "code": _code_files(),
    }
    digest = hashlib.sha256()
    for kind, paths in sources.items():
        for path in sorted(paths, key=lambda p: (p.parent.name, p.name)):
            digest.update(f"{kind}/{path.parent.name}/{path.name}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:20]
