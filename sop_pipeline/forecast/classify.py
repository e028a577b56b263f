"""Sort series into demand classes, each of which gets its own candidate models."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import f_oneway, norm

from sop_pipeline.forecast.settings import ForecastSettings

SEASONAL = "seasonal"
SMOOTH = "smooth"
INTERMITTENT = "intermittent"
SHORT = "short"
NEW = "new"
INACTIVE = "inactive"
CLASSES = (SEASONAL, SMOOTH, INTERMITTENT, SHORT, NEW, INACTIVE)
LONG_CLASSES = (SEASONAL, SMOOTH)


def is_seasonal(y: np.ndarray, season_length: int) -> bool:
    """Whether a series has a seasonal pattern worth modelling.

    Seasonal when either test finds it: the autocorrelation test of the Theta method
    (:func:`acf_seasonality`) or the stable-seasonality F-test of X-11 (:func:`stable_seasonality`).
    The first misses strong, clean seasonality: a near-sinusoidal series correlates strongly at
    every lag, which inflates Bartlett's standard error (a 42-month series swinging between 20
    and 180 fails it); the second catches exactly those.

    Args:
        y: the series.
        season_length: the seasonal period.

    Returns:
        Whether the series is seasonal.
    """
    return acf_seasonality(y, season_length) or stable_seasonality(y, season_length)


def acf_seasonality(y: np.ndarray, season_length: int, z: float = float(norm.ppf(0.95))) -> bool:
    """The 90% autocorrelation test for seasonality used by the Theta method in M3.

    The series is seasonal when its autocorrelation at lag ``season_length`` exceeds ``z``
    standard errors (Bartlett's formula over the lower lags). At least two seasons are needed.

    Args:
        y: the series.
        season_length: the seasonal period.
        z: the critical value (default: the one-sided 95% normal quantile, a 90% two-sided test).

    Returns:
        Whether the test finds seasonality.

    References:
        Assimakopoulos, V. and Nikolopoulos, K. (2000). The theta model: a decomposition
        approach to forecasting. International Journal of Forecasting 16(4), 521-530.
    """
    n = len(y)
    m = season_length
    if m < 4 or n < 2 * m:
        return False
    d = np.asarray(y, dtype=float) - np.mean(y)
    den = float(np.sum(d * d))
    if den == 0.0:
        return False
    r = np.array([np.sum(d[k:] * d[: n - k]) / den for k in range(1, m + 1)])
    stat = np.sqrt((1 + 2 * np.sum(r[:-1] ** 2)) / n)
    return bool(abs(r[-1]) / stat > z)


def stable_seasonality(y: np.ndarray, season_length: int, alpha: float = 0.001) -> bool:
    """X-11's F-test for stable seasonality on the detrended series.

    The series is detrended by its centred moving average (ratios in logs when it is strictly
    positive, differences otherwise); a one-way analysis of variance of the detrended values
    grouped by position in the season rejects "no seasonality" at level ``alpha`` (0.1%, the
    X-11 threshold). Every position needs two detrended values (three seasons of data).

    Args:
        y: the series.
        season_length: the seasonal period.
        alpha: the test's level.

    Returns:
        Whether the test finds seasonality.

    References:
        Ladiray, D. and Quenneville, B. (2001). Seasonal adjustment with the X-11 method,
        section 4.1 (test for the presence of seasonality assuming stability). Springer.
    """
    y = np.asarray(y, dtype=float)
    n, m = len(y), season_length
    if m < 2 or n < 3 * m or np.ptp(y) == 0:
        return False
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    half = len(weights) // 2
    trend = np.full(n, np.nan)
    trend[half : n - half] = np.convolve(y, weights, mode="valid")
    detrended = np.log(y / trend) if np.min(y) > 0 else y - trend
    position = np.arange(n) % m
    known = np.isfinite(detrended)
    groups = [detrended[known & (position == i)] for i in range(m)]
    if min(len(g) for g in groups) < 2 or all(np.ptp(g) == 0 for g in groups):
        return False
    return bool(f_oneway(*groups).pvalue < alpha)


def classify_series(
    history: pd.DataFrame, n_obs: pd.Series, settings: ForecastSettings
) -> pd.DataFrame:
    """Give every series its demand class.

    Rules, in order (``n`` = months since the product started):

    - ``new``: ``n < new_product_months``; forecast from its family's profile;
    - ``inactive``: no demand at all in its ``n >= new_product_months`` months; forecast zero;
    - ``intermittent``: average demand interval ``n / non-zero months >= intermittent_adi``
      (Syntetos-Boylan); Croston-type models;
    - ``short``: ``n < min_long_months``; level and trend models;
    - ``seasonal`` / ``smooth``: long series with / without seasonality (:func:`is_seasonal`);
      seasonal and trend models.

    Args:
        history: trimmed history ``unique_id, ds, y`` (see :mod:`.history`).
        n_obs: months of history per series, indexed by ``unique_id`` (every series).
        settings: the thresholds.

    Returns:
        One row per series: ``unique_id, series_class, n_obs, nonzero, adi``.

    References:
        Syntetos, A. A., Boylan, J. E. and Croston, J. D. (2005). On the categorization of
        demand patterns. Journal of the Operational Research Society 56(5), 495-503.
    """
    nonzero = (
        history.loc[history["y"] > 0].groupby("unique_id").size().reindex(n_obs.index, fill_value=0)
    )
    n = n_obs.to_numpy()
    nz = nonzero.to_numpy()
    adi = np.divide(n, nz, out=np.full(len(n), np.inf), where=nz > 0)
    classes = np.full(len(n), SMOOTH, dtype=object)
    long_ids = set(n_obs.index[(n >= settings.min_long_months)])
    seasonal_ids = {
        uid
        for uid, y in history.loc[history["unique_id"].isin(long_ids)].groupby("unique_id")["y"]
        if is_seasonal(y.to_numpy(), settings.season_length)
    }
    classes[np.isin(n_obs.index, list(seasonal_ids))] = SEASONAL
    classes[n < settings.min_long_months] = SHORT
    classes[(adi >= settings.intermittent_adi) & (nz > 0)] = INTERMITTENT
    classes[(nz == 0) & (n >= settings.new_product_months)] = INACTIVE
    classes[n < settings.new_product_months] = NEW
    return pd.DataFrame(
        {
            "unique_id": n_obs.index.to_numpy(),
            "series_class": classes,
            "n_obs": n.astype(int),
            "nonzero": nz.astype(int),
            "adi": adi,
        }
    )
