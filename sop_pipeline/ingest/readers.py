"""Find and read one input file of one month, exactly as delivered (every value as text).

Reading never raises on bad content: an unreadable file comes back with its error in words, so
the validation stage can report it with the file's name instead of a traceback.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sop_pipeline.ingest.contract import InputFile, Scope
from sop_pipeline.lib.months import folder_name

FORMATS = (".csv", ".parquet")
CLOSED_MARKER = "_CLOSED"
MASTER_DIR = "master"


@dataclass
class LoadedFile:
    """One input file of one month as read from disk."""

    spec: InputFile
    month: dt.date
    path: Path | None  # None: the file is not there
    scope: str  # where it came from: 'month', 'master' or 'missing'
    columns: list[str] = field(default_factory=list)  # the header, normalised
    frame: pd.DataFrame | None = None  # text values, None for blanks; '_line' = line in the file
    error: str | None = None  # why the file could not be read

    @property
    def status(self) -> str:
        if self.path is None:
            return "missing"
        return "unreadable" if self.error else "loaded"

    @property
    def row_count(self) -> int:
        return 0 if self.frame is None else len(self.frame)


def locate(data_dir: Path, spec: InputFile, month: dt.date) -> tuple[Path | None, str]:
    """Where the month's copy of ``spec`` is: the month folder first, then ``master/``."""
    for folder, scope in _folders(data_dir, spec, month):
        found = _copies(folder, spec)
        if found:
            return found[0], scope
    return None, "missing"


def _folders(data_dir: Path, spec: InputFile, month: dt.date) -> list[tuple[Path, str]]:
    folders = [(data_dir / folder_name(month), "month")]
    if spec.scope is Scope.MASTER:
        folders.append((data_dir / MASTER_DIR, "master"))
    return folders


def _copies(folder: Path, spec: InputFile) -> list[Path]:
    """Every file of ``folder`` that holds ``spec`` (one per format)."""
    return [folder / f"{spec.name}{s}" for s in FORMATS if (folder / f"{spec.name}{s}").is_file()]


def _two_copies_error(path: Path, spec: InputFile) -> str | None:
    """Why a file cannot be used when the same input sits beside it in another format."""
    copies = _copies(path.parent, spec)
    if len(copies) < 2:
        return None
    names = " and ".join(f"{c.parent.name}/{c.name}" for c in copies)
    return (
        f"two files for the input '{spec.name}': {names}; keep one (which one is meant cannot "
        "be guessed)"
    )


def read_input(
    data_dir: Path, spec: InputFile, month: dt.date, cache: dict | None = None
) -> LoadedFile:
    """Read the month's copy of ``spec`` (CSV or Parquet) as text.

    ``cache`` (a dict the caller keeps for one ingestion) reads a master file that serves many
    months once.
    """
    path, scope = locate(data_dir, spec, month)
    loaded = LoadedFile(spec=spec, month=month, path=path, scope=scope)
    if path is None:
        return loaded
    loaded.error = _two_copies_error(path, spec)
    if loaded.error:
        return loaded
    key = (path, path.stat().st_mtime_ns, path.stat().st_size)
    if cache is not None and key in cache:
        cached = cache[key]
        loaded.columns, loaded.error = list(cached.columns), cached.error
        loaded.frame = None if cached.frame is None else cached.frame.copy()
        return loaded
    if cache is not None:
        cache[key] = loaded
    try:
        frame = _read_parquet(path) if path.suffix == ".parquet" else _read_csv(path)
    except _UnreadableFile as exc:
        loaded.error = str(exc)
        return loaded
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    loaded.columns = list(frame.columns)
    frame = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns:
        frame[column] = frame[column].map(_clean_text)
    frame.insert(0, "_line", range(2, len(frame) + 2))
    loaded.frame = frame
    return loaded


class _UnreadableFile(Exception):
    pass


def _clean_text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _read_csv(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    if not raw.strip():
        raise _UnreadableFile("the file is empty: not even a header line")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        bad = raw[exc.start : exc.start + 1].hex()
        raise _UnreadableFile(
            f"the file is not UTF-8 text: line {line} holds the byte 0x{bad}; "
            "save it as UTF-8 (e.g. 'CSV UTF-8' in Excel)"
        ) from exc
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _UnreadableFile(f"the file is not valid CSV: {exc}".strip()) from exc


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise _UnreadableFile(f"the file is not a readable Parquet file: {exc}") from exc
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            frame[column] = series.dt.strftime("%Y-%m-%d")
        elif series.dtype == object:
            frame[column] = series.map(_date_to_text)
    return frame


def _date_to_text(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def month_folders(data_dir: Path) -> dict[dt.date, Path]:
    """Month folders (``YYYY-MM``) under ``data_dir``, by month."""
    folders: dict[dt.date, Path] = {}
    if not data_dir.is_dir():
        return folders
    for child in data_dir.iterdir():
        if not child.is_dir() or len(child.name) != 7:
            continue
        try:
            month = dt.date(int(child.name[:4]), int(child.name[5:7]), 1)
        except ValueError:
            continue
        if child.name[4] == "-":
            folders[month] = child
    return dict(sorted(folders.items()))


def closed_months(data_dir: Path) -> list[dt.date]:
    """Months whose folder holds the ``_CLOSED`` marker, oldest first."""
    return [m for m, folder in month_folders(data_dir).items() if (folder / CLOSED_MARKER).exists()]


_LOOKS_LIKE_A_MONTH = re.compile(r"^\s*\d{4}\s*[-_./ ]\s*\d{1,2}(\D|$)")


def ignored_folders(data_dir: Path) -> list[str]:
    """Warnings for folders under ``data_dir`` that are ignored though they look meant as a month:
    a name like a month that is not ``YYYY-MM`` (``2025-13``, ``2025-10 copy``, ``2025-7``), or
    any other folder holding a ``_CLOSED`` marker."""
    if not data_dir.is_dir():
        return []
    months = set(month_folders(data_dir).values())
    warnings = []
    for child in sorted(data_dir.iterdir()):
        if not child.is_dir() or child in months:
            continue
        closed = (child / CLOSED_MARKER).exists()
        if _LOOKS_LIKE_A_MONTH.match(child.name) or closed:
            marker = f" (it holds {CLOSED_MARKER})" if closed else ""
            warnings.append(
                f"folder '{child.name}'{marker} is ignored: a month folder is named YYYY-MM "
                "with a month 01-12, e.g. 2025-10"
            )
    return warnings
