"""The seasonal-naive forecast: the baseline that forecast value added is measured against."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.forecast.history import (
    fill_months,
    future_months,
    trim_to_start,
    validate_history,
)


def seasonal_naive(
    history: pd.DataFrame,
    horizon: int,
    season_length: int = 12,
    *,
    history_end: pd.Timestamp | None = None,
    launch_dates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Repeat each series' last season; the last value for series shorter than one season.

    The history is cleaned like the forecasting engine's (months summed, missing months as
    zero demand, months before a launch dropped), so both start from the same series. A
    series without any demand gets zeros.

    Args:
        history: ``unique_id, ds, y`` monthly demand.
        horizon: months to forecast.
        season_length: months per season.
        history_end: the last month shared by all series (the plan month), as in
            :func:`~sop_pipeline.forecast.pipeline.forecast_series`; ``None``: each series'
            own last month.
        launch_dates: ``unique_id, launch_date`` as the engine gets them (optional).

    Returns:
        ``unique_id, ds, yhat`` with ``horizon`` rows per series, starting the month after the
        series' last month (or ``history_end``).

    References:
        Hyndman, R. J. and Athanasopoulos, G. (2021). Forecasting: principles and practice,
        3rd ed., section 5.2 (seasonal naive method). OTexts.
    """
    if horizon < 1 or season_length < 1:
        raise ValueError("horizon and season_length must be at least 1")
    filled = fill_months(validate_history(history), history_end)
    last_month = filled.groupby("unique_id", sort=True)["ds"].max()
    ids = last_month.index
    trimmed, _ = trim_to_start(filled, launch_dates)
    tail = trimmed.groupby("unique_id").tail(season_length)
    length = tail.groupby("unique_id").size().reindex(ids, fill_value=0).to_numpy()
    season = np.zeros((len(ids), season_length))
    season[ids.get_indexer(tail["unique_id"]), tail.groupby("unique_id").cumcount()] = tail["y"]
    step = np.arange(horizon)[None, :]
    column = np.where(
        length[:, None] == season_length, step % season_length, np.maximum(length - 1, 0)[:, None]
    )
    out = future_months(last_month, horizon)
    out["yhat"] = season[np.arange(len(ids))[:, None], column].ravel()
    return out
