"""Turn a long demand frame into clean monthly series, one per product, ready to forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd

HISTORY_COLUMNS = ("unique_id", "ds", "y")


def month_start(values: pd.Series | pd.Index) -> pd.Series:
    """The first day of each value's month, as ``datetime64[ns]``."""
    stamps = pd.to_datetime(pd.Series(values))
    return stamps.dt.to_period("M").dt.to_timestamp()


def validate_history(history: pd.DataFrame) -> pd.DataFrame:
    """Check a long frame ``unique_id, ds, y`` and return it typed and summed per month.

    Rows of one series that fall in the same month are added up, so daily or weekly rows
    become monthly demand.

    Args:
        history: demand with columns ``unique_id``, ``ds`` (any date in the month) and ``y``.

    Returns:
        ``unique_id`` (str), ``ds`` (month start), ``y`` (float), one row per series and
        month, sorted.

    Raises:
        ValueError: on missing columns, unparsable dates, or missing, infinite or negative
            demand (with example rows).
    """
    missing = [c for c in HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(f"history lacks column(s) {missing}; expected {list(HISTORY_COLUMNS)}")
    out = pd.DataFrame({"unique_id": history["unique_id"].astype(str)})
    try:
        out["ds"] = month_start(history["ds"]).to_numpy()
    except (ValueError, TypeError) as exc:
        raise ValueError(f"history column 'ds' does not hold dates: {exc}") from exc
    out["y"] = pd.to_numeric(history["y"], errors="coerce").astype(float).to_numpy()
    bad = ~np.isfinite(out["y"].to_numpy()) | (out["y"].to_numpy() < 0)
    if bad.any():
        examples = history.loc[bad].head(3).to_dict("records")
        raise ValueError(
            f"history column 'y' must be a finite demand >= 0; {int(bad.sum())} row(s) are "
            f"not, e.g. {examples}"
        )
    return out.groupby(["unique_id", "ds"], as_index=False, sort=True)["y"].sum()


def fill_months(history: pd.DataFrame, end: pd.Timestamp | None = None) -> pd.DataFrame:
    """Give every series one row per month from its first month to its last (or ``end``).

    Months without a row are months without demand and get ``y = 0``.

    Args:
        history: validated history (see :func:`validate_history`).
        end: common last month; series that stop earlier are filled with zeros up to it.
            ``None`` keeps each series' own last month.

    Returns:
        The filled frame, sorted by ``unique_id, ds``.

    Raises:
        ValueError: if a series has rows after ``end``.
    """
    if history.empty:
        return history.copy()
    first = history.groupby("unique_id", sort=True)["ds"].min()
    last = history.groupby("unique_id", sort=True)["ds"].max()
    if end is not None:
        end = pd.Timestamp(end).to_period("M").to_timestamp()
        late = last[last > end]
        if len(late):
            raise ValueError(
                f"{len(late)} series have history after the last month {end:%Y-%m}, "
                f"e.g. {late.index[0]} up to {late.iloc[0]:%Y-%m}"
            )
        last = pd.Series(end, index=last.index)
    first_idx = _month_index(first)
    n_months = (_month_index(last) - first_idx + 1).to_numpy()
    ids = np.repeat(first.index.to_numpy(), n_months)
    offsets = np.arange(n_months.sum()) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    months = np.repeat(first_idx.to_numpy(), n_months) + offsets
    full = pd.DataFrame({"unique_id": ids, "ds": _from_month_index(months)})
    full = full.merge(history, on=["unique_id", "ds"], how="left")
    full["y"] = full["y"].fillna(0.0)
    return full


def trim_to_start(
    history: pd.DataFrame, launch_dates: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Drop the months before each product started.

    A product starts in its launch month when ``launch_dates`` gives one; otherwise in the
    first month the history records for it - a recorded month of zero demand is a month in
    which the product could have sold and did not; months before a launch are not demand.
    So an item is new only from its launch date, never because its first sale came late: an
    item recorded for three years that first sold last month is intermittent, not a launch.

    Args:
        history: filled history (see :func:`fill_months`).
        launch_dates: optional ``unique_id, launch_date``; missing dates fall back to the
            series' first recorded month.

    Returns:
        The trimmed history and, per ``unique_id`` (every input series, also those left with
        no rows), the number of months kept.
    """
    ids = pd.Index(history["unique_id"].unique(), name="unique_id")
    start = history.groupby("unique_id")["ds"].min().reindex(ids)
    if launch_dates is not None and len(launch_dates):
        launch = launch_dates.dropna(subset=["launch_date"]).drop_duplicates("unique_id")
        launch_month = pd.Series(
            month_start(launch["launch_date"]).to_numpy(),
            index=launch["unique_id"].astype(str).to_numpy(),
        ).reindex(ids)
        start = launch_month.fillna(start)
    keep = history["ds"].to_numpy() >= history["unique_id"].map(start).to_numpy()
    trimmed = history.loc[keep].reset_index(drop=True)
    n_obs = trimmed.groupby("unique_id").size().reindex(ids, fill_value=0)
    return trimmed, n_obs


def future_months(last_month: pd.Series, horizon: int) -> pd.DataFrame:
    """The ``horizon`` months after each series' last month.

    Args:
        last_month: last history month per ``unique_id`` (index).
        horizon: months ahead.

    Returns:
        ``unique_id, ds`` with ``horizon`` rows per series, in the order of ``last_month``.
    """
    first = _month_index(pd.Series(pd.to_datetime(last_month.to_numpy()))).to_numpy() + 1
    months = (first[:, None] + np.arange(horizon)[None, :]).ravel()
    return pd.DataFrame(
        {
            "unique_id": np.repeat(last_month.index.to_numpy(), horizon),
            "ds": _from_month_index(months).to_numpy(),
        }
    )


def _month_index(stamps: pd.Series) -> pd.Series:
    return stamps.dt.year * 12 + stamps.dt.month - 1


def _from_month_index(index: np.ndarray) -> pd.DatetimeIndex:
    years, months = np.divmod(index, 12)
    return pd.to_datetime({"year": years, "month": months + 1, "day": 1})
