"""Dagster resources: where the company's files are, the warehouse, and the planning settings."""

import datetime as dt
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from sop_pipeline.ingest.contract import InputFile
from sop_pipeline.ingest.readers import LoadedFile, closed_months, month_folders, read_input
from sop_pipeline.lib import restore_points
from sop_pipeline.paths import Paths
from sop_pipeline.settings import Settings, load_settings


def run_months(tags: dict[str, str]) -> list[dt.date]:
    """The months a run's partition tags name (one month, or a range): none when unpartitioned."""
    from sop_pipeline.partitions import monthly_partitions

    if "dagster/partition" in tags:
        return [dt.date.fromisoformat(tags["dagster/partition"])]
    first = tags.get("dagster/asset_partition_range_start")
    last = tags.get("dagster/asset_partition_range_end")
    if first and last:
        keys = monthly_partitions.get_partition_keys_in_range(dg.PartitionKeyRange(first, last))
        return [dt.date.fromisoformat(k) for k in keys]
    return []


class InputFilesResource(dg.ConfigurableResource):
    """The data directory: ``master/`` plus one ``YYYY-MM/`` folder per closed month."""

    data_dir: str

    @property
    def root(self) -> Path:
        return Path(self.data_dir).expanduser().resolve()

    def read(self, spec: InputFile, month: dt.date, cache: dict | None = None) -> LoadedFile:
        return read_input(self.root, spec, month, cache)

    def month_folder(self, month: dt.date) -> Path | None:
        return month_folders(self.root).get(month)

    def closed_months(self) -> list[dt.date]:
        return closed_months(self.root)


class WarehouseResource(DuckDBResource):
    """The pipeline's working DuckDB file (``database``) and the published copy BI tools read.

    The pipeline only ever writes the working file. After a successful run the ``sop_mart``
    schema is published to ``serving_path`` by building a new file and atomically replacing the
    old one, so a BI tool holding a read connection neither blocks a run nor sees a half-written
    month.
    """

    serving_path: str = ""
    _held: ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Hold the working file open while a run's steps execute in this process.

        Each asset and check takes its own connection; with the file held open, DuckDB hands
        it one to the database already open instead of opening the file again, and
        checkpoints the file once, when the run lets go of it, instead of after every step (a
        quarter of a month's plan here, and most of its disk writes). Each step still commits
        its own transactions; before the first writes, the run keeps a copy of its months so
        that a failure puts them back whole (:mod:`sop_pipeline.lib.restore_points`)."""
        self._held = ExitStack()
        con = self._held.enter_context(self.get_connection())
        run = context.dagster_run
        if run is not None:
            try:
                self._keep_whole_months(context, con, run)
            except BaseException:
                self.teardown_after_execution(context)
                raise

    def _keep_whole_months(
        self, context: dg.InitResourceContext, con: Any, run: dg.DagsterRun
    ) -> None:
        """Undo what an unfinished earlier run left, then keep a copy of this run's months
        before it writes (:mod:`sop_pipeline.lib.restore_points`)."""
        state_of = restore_points.state_in(context.instance)
        for settled in restore_points.settle(con, state_of, run.run_id):
            if settled.restored and context.log is not None:
                context.log.warning(
                    f"run {settled.run_id} did not finish: the months it was changing "
                    f"({', '.join(m.isoformat()[:7] for m in settled.months)}) are back as they "
                    "were before it"
                )
        restore_points.create(con, run.run_id, run_months(run.tags))

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None

    @property
    def serving_file(self) -> Path:
        if self.serving_path:
            return Path(self.serving_path).expanduser().resolve()
        work = Path(self.database).expanduser().resolve()
        return work.with_name(work.name.replace(".work", "") or "sop.duckdb")


class SettingsResource(dg.ConfigurableResource):
    """Planning settings: code defaults, then the settings file, then ``overrides``.

    Override a value for one run in the launchpad, e.g.::

        resources:
          settings:
            config:
              overrides:
                inventory: {default_service_level: 0.97}
    """

    settings_file: str = ""
    overrides: dict[str, Any] = {}

    def load(self) -> Settings:
        return load_settings(self.settings_file or None, self.overrides)


def resources_for(paths: Paths) -> dict[str, dg.ConfigurableResource]:
    """The resources of one company, bound to ``paths``: what ``sop-pipeline run`` passes."""
    return {
        "inputs": InputFilesResource(data_dir=str(paths.data_dir)),
        "warehouse": WarehouseResource(database=str(paths.work_db), serving_path=str(paths.db)),
        "settings": SettingsResource(settings_file=str(paths.settings_file)),
    }


def resources_from_env() -> dict[str, dg.ConfigurableResource]:
    """The resources read from the environment when a run starts (``SOP_DATA_DIR``,
    ``SOP_WORK_DUCKDB_PATH``, ``SOP_DUCKDB_PATH``, ``SOP_SETTINGS_FILE``): what ``dagster dev``
    loads, with the variables of ``.env``."""
    return {
        "inputs": InputFilesResource(data_dir=dg.EnvVar("SOP_DATA_DIR")),
        "warehouse": WarehouseResource(
            database=dg.EnvVar("SOP_WORK_DUCKDB_PATH"),
            serving_path=dg.EnvVar("SOP_DUCKDB_PATH"),
        ),
        "settings": SettingsResource(settings_file=dg.EnvVar("SOP_SETTINGS_FILE")),
    }
