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
      (Syntetos-Boylan); ADIDA and the other intermittent-demand models;
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


def dormant_series(history: pd.DataFrame) -> pd.Index:
    """The series that look obsolete: the months without demand since the last sale are more
    than every earlier gap between two sales and more than twice the average demand interval.

    A series with fewer than two sales has no gap to compare with and is never dormant.

    Args:
        history: trimmed history ``unique_id, ds, y``, sorted by month within each series.

    Returns:
        The ``unique_id`` of every dormant series.

    References:
        Teunter, R. H., Syntetos, A. A. and Babai, M. Z. (2011). Intermittent demand: linking
        forecasting to inventory obsolescence. European Journal of Operational Research
        214(3), 606-615.
    """
    if history.empty:
        return pd.Index([], name="unique_id")
    frame = history[["unique_id", "y"]].reset_index(drop=True)
    position = frame.groupby("unique_id", sort=False).cumcount().to_numpy()
    frame["position"] = position
    sales = frame[frame["y"] > 0]
    gaps = sales.groupby("unique_id")["position"].diff()
    stats = pd.DataFrame(
        {
            "longest_gap": gaps.groupby(sales["unique_id"]).max(),
            "sales": sales.groupby("unique_id").size(),
            "last_sale": sales.groupby("unique_id")["position"].max(),
        }
    )
    stats["months"] = frame.groupby("unique_id").size().reindex(stats.index)
    since = stats["months"] - 1 - stats["last_sale"]
    adi = stats["months"] / stats["sales"]
    dormant = (stats["sales"] >= 2) & (since > stats["longest_gap"]) & (since > 2 * adi)
    return pd.Index(stats.index[dormant.to_numpy()], name="unique_id")
