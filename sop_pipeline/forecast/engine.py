"""Where statsforecast runs: worker processes on this machine, or a Dask cluster.

Both engines run the same ``StatsForecast.forecast`` on the same series and return the same
frame (``unique_id`` as str, ``ds`` as ``datetime64[ns]``, one float column per model), so the
model chosen for a series cannot depend on the engine. On Dask the series are cut into batches
(a few per worker) and each batch is forecast by one task with the in-process code; sending
series one by one (statsforecast's fugue backend applies the models per series) cost about
30 ms per series and call, three times the work itself.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from statsforecast import StatsForecast

from sop_pipeline.forecast.settings import EngineSettings
from sop_pipeline.lib.cores import cores

FREQ = "MS"
BATCHES_PER_WORKER = 4


class Engine:
    """Runs statsforecast in-process or on Dask; use as a context manager.

    With ``engine="dask"`` entering connects a ``distributed.Client`` to
    ``settings.dask_address``, or starts a ``LocalCluster`` (one single-threaded worker
    process per core, or ``n_jobs`` of them) when no address is given; leaving closes what was
    started. A local cluster's workers are new processes: scripts that start one must guard
    their entry point with ``if __name__ == "__main__":`` (the CLI and Dagster's run workers
    do). Workers need this package installed (its ``dask`` extra).

    Args:
        settings: the run's settings (``engine``, ``dask_address``, ``n_jobs``).
    """

    def __init__(self, settings: EngineSettings):
        self.settings = settings
        self._stack: contextlib.ExitStack | None = None
        self._client: Any = None

    def __enter__(self) -> Engine:
        self._stack = contextlib.ExitStack()
        if self.settings.engine == "dask":
            self._client = self._stack.enter_context(_dask_client(self.settings))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack = None
        self._client = None

    @property
    def distributed(self) -> bool:
        """Whether calls go to a Dask cluster."""
        return self._client is not None

    @property
    def n_workers(self) -> int:
        """Processes the engine spreads series over."""
        if self._client is not None:
            return max(1, len(self._client.scheduler_info()["workers"]))
        return cores(self.settings.n_jobs)

    def forecast(self, models: Sequence[Any], df: pd.DataFrame, h: int) -> pd.DataFrame:
        """``StatsForecast(models).forecast(df, h)``: ``h`` rows per series, sorted."""
        if df.empty or not models:
            return pd.DataFrame(columns=["unique_id", "ds", *(m.alias for m in models)])
        df = _balanced(df)
        n_series = df["unique_id"].nunique()
        if self._client is None:
            n_jobs = min(cores(self.settings.n_jobs), max(1, n_series // 20))
            result = _forecast_batch(list(models), df, h, n_jobs)
        else:
            batches = _batches(df, max(1, min(n_series, BATCHES_PER_WORKER * self.n_workers)))
            futures = self._client.map(
                _forecast_batch, [list(models)] * len(batches), batches, [h] * len(batches),
                [1] * len(batches), pure=False,
            )  # fmt: skip
            result = pd.concat(self._client.gather(futures), ignore_index=True)
        return _normalise(result)


def _forecast_batch(models: list[Any], df: pd.DataFrame, h: int, n_jobs: int) -> pd.DataFrame:
    """Forecast one batch of series in this process (a Dask task runs exactly this)."""
    out = StatsForecast(models=models, freq=FREQ, n_jobs=n_jobs).forecast(df=df, h=h)
    return out.reset_index() if "unique_id" not in out.columns else out


@contextlib.contextmanager
def _dask_client(settings: EngineSettings) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if settings.dask_address:
        with Client(settings.dask_address, set_as_default=True) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=cores(settings.n_jobs),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster, set_as_default=True) as client,
    ):
        yield client


def _balanced(df: pd.DataFrame) -> pd.DataFrame:
    """Series in a stable pseudo-random order.

    statsforecast hands each worker one consecutive block of series (and Dask batches are
    consecutive blocks too); a shuffled order spreads long or expensive series, which tend to
    be adjacent, evenly.
    """
    ids = df["unique_id"].unique()
    keys = np.array([hashlib.blake2b(uid.encode(), digest_size=8).hexdigest() for uid in ids])
    rank = pd.Series(np.argsort(np.argsort(keys)), index=ids)
    order = np.lexsort((df["ds"].to_numpy(), df["unique_id"].map(rank).to_numpy()))
    return df.iloc[order].reset_index(drop=True)


def _batches(df: pd.DataFrame, n: int) -> list[pd.DataFrame]:
    """``df`` cut into ``n`` frames of consecutive whole series of about equal row counts."""
    starts = np.flatnonzero(
        np.r_[True, df["unique_id"].to_numpy()[1:] != df["unique_id"].to_numpy()[:-1]]
    )
    bounds = np.searchsorted(starts, np.linspace(0, len(df), n + 1)[1:-1], side="left")
    cuts = [0, *sorted({int(starts[b]) for b in bounds if b < len(starts)}), len(df)]
    return [df.iloc[a:b] for a, b in zip(cuts[:-1], cuts[1:], strict=True) if b > a]


def _normalise(result: pd.DataFrame) -> pd.DataFrame:
    out = result.copy()
    out["unique_id"] = out["unique_id"].astype(str).astype(object)
    out["ds"] = pd.to_datetime(out["ds"]).astype("datetime64[ns]")
    for col in out.columns:
        if col not in ("unique_id", "ds"):
            out[col] = out[col].to_numpy(dtype=np.float64)
    return out.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
