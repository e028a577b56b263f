"""The Dask engine (statsforecast's fugue backend) gives the in-process engine's results."""

from __future__ import annotations

import pandas as pd
import pytest

from sop_pipeline.forecast import ForecastSettings, forecast_series
from sop_pipeline.forecast.synthetic import intermittent_series, seasonal_series

distributed = pytest.importorskip("distributed")


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_dask_equals_local():
    history = pd.concat(
        [
            seasonal_series(6, 48, seed=11),
            intermittent_series(3, 40, seed=12),
            seasonal_series(2, 14, prefix="short", seed=13),
        ],
        ignore_index=True,
    )
    local = forecast_series(history, ForecastSettings(n_jobs=1))
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
    ):
        settings = ForecastSettings(engine="dask", dask_address=cluster.scheduler_address)
        remote = forecast_series(history, settings)
    pd.testing.assert_frame_equal(remote.selection, local.selection, rtol=1e-6)
    pd.testing.assert_frame_equal(remote.forecast, local.forecast, rtol=1e-6)
