"""Sort series into demand classes, each of which gets its own candidate models.

The class depends only on the length and sparsity of a series, never on a seasonality test:
seasonality is estimated for every series and shrunk by its evidence (:mod:`.seasonality`), so
a seasonal item does not flip between a flat and a seasonal model family when it gains a month.
Long series are reported as ``seasonal`` or ``smooth`` by the seasonality they are forecast
with (:func:`long_label`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.forecast.seasonality import NONE
from sop_pipeline.forecast.settings import EngineSettings

LONG = "long"
SHORT = "short"
INTERMITTENT = "intermittent"
NEW = "new"
INACTIVE = "inactive"
SEASONAL = "seasonal"
SMOOTH = "smooth"
CLASSES = (LONG, SHORT, INTERMITTENT, NEW, INACTIVE)


def long_label(seasonality_source: str) -> str:
    """How a long series is reported: ``seasonal`` unless its indices are flat (``smooth``)."""
    return SMOOTH if seasonality_source == NONE else SEASONAL


def classify_series(
    history: pd.DataFrame, n_obs: pd.Series, settings: EngineSettings
) -> pd.DataFrame:
    """Give every series its demand class.

    Rules, in order (``n`` = months since the product started):

    - ``new``: ``n < new_product_months``; forecast from its group's seasonal profile;
    - ``inactive``: no demand at all in its ``n >= new_product_months`` months; forecast zero;
    - ``intermittent``: average demand interval ``n / non-zero months >= intermittent_adi``
      (Syntetos-Boylan); Croston-type models;
    - ``short``: ``n < min_long_months``; level models on the seasonally adjusted series;
    - ``long``: the rest; level, trend and seasonal models.

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
    classes = np.full(len(n), LONG, dtype=object)
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
