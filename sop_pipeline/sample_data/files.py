"""Writing the company to disk in the input contract's layout (``master/``, one folder per
month), as CSV or Parquet."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

FORMATS = ("csv", "parquet")
MASTER_DIR = "master"
CLOSED_MARKER = "_CLOSED"
_MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")


def check_format(fmt: str) -> str:
    """``fmt`` if it is a supported output format.

    Raises:
        ValueError: for anything but ``csv`` or ``parquet``.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, got {fmt!r}")
    return fmt


def clear_company(out_dir: Path) -> None:
    """Remove a previously generated company (``master/`` and ``YYYY-MM/`` folders) only."""
    if not out_dir.is_dir():
        return
    for child in sorted(out_dir.iterdir()):
        if child.is_dir() and (child.name == MASTER_DIR or _MONTH_DIR.match(child.name)):
            shutil.rmtree(child)


def write_table(frame: pd.DataFrame, folder: Path, name: str, fmt: str) -> Path:
    """Write ``frame`` (public columns only: no ``_`` columns) as ``folder/name.<fmt>``."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = frame[[c for c in frame.columns if not str(c).startswith("_")]]
    path = folder / f"{name}.{fmt}"
    if fmt == "csv":
        plain = {
            c: _plain_numbers(frame[c].to_numpy()) for c in frame if frame[c].dtype.kind == "f"
        }
        frame.assign(**plain).to_csv(path, index=False, lineterminator="\n")
    else:
        frame.to_parquet(path, index=False)
    return path


def _plain_numbers(values: np.ndarray) -> np.ndarray:
    """Floats as text the way people write them: ``12``, ``0.25``, blank for missing.

    Vectorised (pandas' ``float_format`` formats value by value, far slower at scale). Values
    are rounded by their generators, so the shortest round-trip text is short.
    """
    text = values.astype(str).astype(object)
    whole = np.isfinite(values) & (np.round(values) == values) & (np.abs(values) < 1e15)
    text[whole] = values[whole].astype(np.int64).astype(str)
    text[np.isnan(values)] = None
    return text


def mark_closed(folder: Path) -> None:
    """Write the empty ``_CLOSED`` marker that says the month is complete."""
    (folder / CLOSED_MARKER).write_bytes(b"")
