"""The Dask engine (batches of series, one task each) gives the in-process engine's results."""

from __future__ import annotations

import pandas as pd
import pytest

from sop_pipeline.forecast import EngineSettings, forecast_series
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
    local = forecast_series(history, EngineSettings(n_jobs=1))
    forms = local.selection.set_index("unique_id")["ets_form"].dropna().to_dict()
    forms[next(iter(forms))] = "ANAN"  # one series keeps a form the search did not pick
    local_kept = forecast_series(history, EngineSettings(n_jobs=1), forms=forms)
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
    ):
        settings = EngineSettings(engine="dask", dask_address=cluster.scheduler_address)
        remote = forecast_series(history, settings)
        remote_kept = forecast_series(history, settings, forms=forms)
    # the same statsforecast code on the same series: equal to the last bit
    pd.testing.assert_frame_equal(remote.selection, local.selection, check_exact=True)
    pd.testing.assert_frame_equal(remote.forecast, local.forecast, check_exact=True)
    pd.testing.assert_frame_equal(remote.errors, local.errors, check_exact=True)
    # series keeping an AutoETS form from an earlier month: grouped by form, the same answer
    pd.testing.assert_frame_equal(remote_kept.forecast, local_kept.forecast, check_exact=True)
    assert remote_kept.selection["ets_form"].dropna().to_dict() == (
        local_kept.selection["ets_form"].dropna().to_dict()
    )
