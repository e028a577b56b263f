"""Where statsforecast runs: worker processes on this machine, or a Dask cluster through fugue.

Both engines call the same ``StatsForecast.forecast`` / ``cross_validation`` with the same models
and return the same frame: ``unique_id`` (str), ``ds`` (and ``cutoff``) as ``datetime64[ns]``,
and float64 values rounded through float32. statsforecast's distributed output schema stores
values as float32; rounding the local results the same way makes the two engines return
identical numbers, so the model chosen for a series cannot depend on the engine.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from statsforecast import StatsForecast

from sop_pipeline.forecast.settings import ForecastSettings

FREQ = "MS"


class Engine:
    """Runs statsforecast calls in-process or on Dask; use as a context manager.

    With ``engine="dask"`` entering connects a ``distributed.Client`` to
    ``settings.dask_address``, or starts a ``LocalCluster`` (one single-threaded worker
    process per core, or ``n_jobs`` of them) when no address is given; leaving closes what was
    started. A local cluster's workers are new processes: scripts that start one must guard
    their entry point with ``if __name__ == "__main__":`` (the CLI and Dagster's run workers
    do). FACTS.md measured the fugue path ~20% slower than the local one on one machine; it is
    for clusters larger than this machine.

    Args:
        settings: the run's settings (``engine``, ``dask_address``, ``n_jobs``).
    """

    def __init__(self, settings: ForecastSettings):
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
        return _cores(self.settings.n_jobs)

    def forecast(self, models: Sequence[Any], df: pd.DataFrame, h: int) -> pd.DataFrame:
        """``StatsForecast(models).forecast(df, h)``: one row per series and month ahead."""
        result = self._run("forecast", models, df, h=h)
        return _normalise(result, ["unique_id", "ds"])

    def cross_validation(
        self, models: Sequence[Any], df: pd.DataFrame, h: int, n_windows: int, step_size: int
    ) -> pd.DataFrame:
        """``StatsForecast(models).cross_validation(...)``: forecasts from rolling origins."""
        result = self._run(
            "cross_validation", models, df, h=h, n_windows=n_windows, step_size=step_size
        )
        return _normalise(result, ["unique_id", "cutoff", "ds"])

    def _run(self, method: str, models: Sequence[Any], df: pd.DataFrame, **kwargs: Any) -> Any:
        df = _balanced(df)
        n_series = df["unique_id"].nunique()
        if self._client is not None:
            import dask.dataframe as dd

            partitions = max(1, min(n_series, 4 * self.n_workers))
            ddf = dd.from_pandas(df, npartitions=partitions, sort=False)
            sf = StatsForecast(models=list(models), freq=FREQ)
            return getattr(sf, method)(df=ddf, **kwargs).compute()
        n_jobs = min(_cores(self.settings.n_jobs), max(1, n_series // 20))
        sf = StatsForecast(models=list(models), freq=FREQ, n_jobs=n_jobs)
        return getattr(sf, method)(df=df, **kwargs)


@contextlib.contextmanager
def _dask_client(settings: ForecastSettings) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    if settings.dask_address:
        with Client(settings.dask_address, set_as_default=True) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=_cores(settings.n_jobs),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        ) as cluster,
        Client(cluster, set_as_default=True) as client,
    ):
        yield client


def _cores(n_jobs: int) -> int:
    return (os.cpu_count() or 1) if n_jobs == -1 else n_jobs


def _balanced(df: pd.DataFrame) -> pd.DataFrame:
    """Series in a stable pseudo-random order.

    statsforecast's cross-validation hands each worker one consecutive block of series; a
    shuffled order spreads long or expensive series (which tend to be adjacent) evenly.
    """
    ids = df["unique_id"].unique()
    keys = np.array([hashlib.blake2b(uid.encode(), digest_size=8).hexdigest() for uid in ids])
    rank = pd.Series(np.argsort(np.argsort(keys)), index=ids)
    order = np.lexsort((df["ds"].to_numpy(), df["unique_id"].map(rank).to_numpy()))
    return df.iloc[order].reset_index(drop=True)


def _normalise(result: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = result.reset_index() if "unique_id" not in result.columns else result.copy()
    out["unique_id"] = out["unique_id"].astype(str).astype(object)
    for col in ("ds", "cutoff"):
        if col in out.columns:
            out[col] = pd.to_datetime(out[col]).astype("datetime64[ns]")
    for col in out.columns:
        if col not in ("unique_id", "ds", "cutoff"):
            out[col] = out[col].to_numpy(dtype=np.float64).astype(np.float32).astype(np.float64)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)
