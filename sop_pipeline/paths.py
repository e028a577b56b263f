"""Where a company's inputs, its warehouse and its Dagster instance live."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Paths:
    """The files and folders of one company: read-only values, turned into resources by
    :func:`sop_pipeline.resources.resources_for`."""

    data_dir: Path
    db: Path  # the published warehouse BI tools read
    work_db: Path  # the file the pipeline writes
    settings_file: Path
    dagster_home: Path

    @classmethod
    def resolve(
        cls,
        data_dir: str | None = None,
        db: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Paths:
        """Arguments first, then the variables ``SOP_DATA_DIR``, ``SOP_DUCKDB_PATH``,
        ``SOP_WORK_DUCKDB_PATH``, ``SOP_SETTINGS_FILE`` and ``DAGSTER_HOME`` (the ones ``.env``
        sets for ``dagster dev``), then the defaults ``data/``, ``<data dir>/warehouse/sop.duckdb``,
        ``sop.work.duckdb`` beside it, ``<data dir>/settings.yaml`` and ``dagster_home/`` beside
        the warehouse. A variable for the working file or the settings file counts only when
        the warehouse or the data directory is not given as an argument."""
        env = os.environ if environ is None else environ
        data = Path(data_dir or env.get("SOP_DATA_DIR") or "data").expanduser().resolve()
        db_text = db or env.get("SOP_DUCKDB_PATH")
        db_path = (
            Path(db_text).expanduser().resolve() if db_text else data / "warehouse" / "sop.duckdb"
        )
        work = env.get("SOP_WORK_DUCKDB_PATH") if not db else None
        work_path = (
            Path(work).expanduser().resolve()
            if work
            else db_path.with_name(db_path.stem + ".work.duckdb")
        )
        settings = env.get("SOP_SETTINGS_FILE") if not data_dir else None
        settings_path = (
            Path(settings).expanduser().resolve() if settings else data / "settings.yaml"
        )
        home = env.get("DAGSTER_HOME")
        home_path = Path(home).expanduser().resolve() if home else db_path.parent / "dagster_home"
        return cls(data, db_path, work_path, settings_path, home_path)

    def prepare(self) -> None:
        """Create the warehouse folders and the Dagster home with its ``dagster.yaml``
        (:func:`sop_pipeline.lib.dagster_storage.prepare_dagster_home`), for a run."""
        from sop_pipeline.lib.dagster_storage import prepare_dagster_home

        self.db.parent.mkdir(parents=True, exist_ok=True)
        self.work_db.parent.mkdir(parents=True, exist_ok=True)
        prepare_dagster_home(self.dagster_home)
