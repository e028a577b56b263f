"""Statistical demand forecasting: pure functions over a long ``unique_id, ds, y`` frame.

No Dagster or DuckDB here (``assets.py`` wraps these functions). The public API:

- :func:`forecast_series` -- classify every series (:mod:`.classify`), pick its model by
  rolling-origin cross-validation among its class's candidates and their combination
  (:mod:`.candidates`, :mod:`.selection`), refit only what was picked, and bound the forecast
  with conformal 80/95% intervals from the series' own hold-out errors (:mod:`.intervals`); new
  products get their family's seasonal profile at their launch level (:mod:`.new_products`).
  Runs in-process or on Dask through statsforecast's fugue backend (:mod:`.engine`).
- :class:`ForecastSettings` -- horizon, levels, ``selection`` (``fast``/``full``), CV depth,
  engine, class thresholds.
- :func:`apply_promotions` -- baseline and promotion parts of the forecast.
- :func:`seasonal_naive` -- the forecast-value-added baseline.
- :func:`forecast_file`, :func:`add_forecast_arguments` -- the ``sop-pipeline forecast``
  command on any monthly CSV.

Accuracy and speed (M3 monthly, 10,000 generated series) are in ``bench/RESULTS.md``.
"""

from sop_pipeline.forecast.baseline import seasonal_naive
from sop_pipeline.forecast.cli import add_forecast_arguments, forecast_file
from sop_pipeline.forecast.pipeline import ForecastResult, forecast_series
from sop_pipeline.forecast.promotions import apply_promotions
from sop_pipeline.forecast.settings import ForecastSettings

__all__ = [
    "ForecastResult",
    "ForecastSettings",
    "add_forecast_arguments",
    "apply_promotions",
    "forecast_file",
    "forecast_series",
    "seasonal_naive",
]
