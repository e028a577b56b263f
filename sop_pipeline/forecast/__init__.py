"""Statistical demand forecasting: pure functions over a long ``unique_id, ds, y`` frame.

No Dagster or DuckDB here (``assets.py`` wraps these functions). The public API:

- :func:`forecast_series` -- take past promotions out of the history (:mod:`.events`), classify
  every series by length and sparsity (:mod:`.classify`), give it seasonal indices shrunk
  toward its family's or the portfolio's (:mod:`.seasonality`), forecast its class's
  candidates from rolling origins (:mod:`.backtest`, :mod:`.candidates`), pick the model or the
  combination by its hold-out error (:mod:`.selection`), bound the forecast with conformal
  80/95% intervals from the series' own hold-out errors (:mod:`.intervals`) and report the
  error by months ahead (:mod:`.errors`); new products get their group's seasonal profile at
  their launch level (:mod:`.new_products`). Runs in-process or on a Dask cluster, in batches of
  series (:mod:`.engine`).
- :class:`EngineSettings` -- horizon, levels, ``selection`` (``standard``/``fast``), CV depth,
  engine, class thresholds, the margins that keep a model from flipping.
- :func:`apply_promotions` -- baseline and promotion parts of the forecast.
- :func:`seasonal_naive` -- the forecast-value-added baseline.
- :func:`forecast_file`, :func:`add_forecast_arguments` -- the ``sop-pipeline forecast``
  command on any monthly CSV.

Accuracy (M3 and M1 monthly, full and cut to 36 and 24 months) and speed (10,000 generated
series) are in ``bench/RESULTS.md``.
"""

from sop_pipeline.forecast.baseline import seasonal_naive
from sop_pipeline.forecast.cli import add_forecast_arguments, forecast_file
from sop_pipeline.forecast.pipeline import ForecastResult, forecast_series
from sop_pipeline.forecast.promotions import apply_promotions
from sop_pipeline.forecast.settings import EngineSettings

__all__ = [
    "ForecastResult",
    "EngineSettings",
    "add_forecast_arguments",
    "apply_promotions",
    "forecast_file",
    "forecast_series",
    "seasonal_naive",
]
