"""Past promotions out of the history: each promoted month replaced by its baseline estimate.

A promotion lifts demand in its months. Left in the history, the lift is learnt as level or
seasonality (a November promotion every year becomes a November peak), and the planned uplift
of next year's promotion is then applied on top of it: counted twice. So before any model is
fitted, every past promoted month is replaced by what demand would have been without it:

    baseline(t) = median of the seasonally adjusted demand of the nearest (up to three)
                  unpromoted months before and after t, re-seasonalised at t.

The seasonal indices are the item's shrunk indices (:mod:`.seasonality`) estimated with the
promoted months interpolated, so the lift itself cannot leak into them. The observed lift of a
promotion is its demand over its baseline (:func:`observed_lifts`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sop_pipeline.forecast.history import month_start
from sop_pipeline.forecast.seasonality import PortfolioSeasons, positions_of

NEIGHBOURS = 3
EVENT_COLUMNS = ["unique_id", "ds", "y", "baseline"]


def clean_events(
    history: pd.DataFrame,
    events: pd.DataFrame | None,
    family_of: Mapping[str, str | None],
    season_length: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replace the event months of ``history`` by baseline estimates.

    Args:
        history: gap-free monthly history ``unique_id, ds, y`` (sorted).
        events: ``unique_id, ds`` months to replace (others outside ``history`` are ignored).
        family_of: series -> family, for the seasonal indices.
        season_length: the seasonal period.

    Returns:
        The cleaned history, and ``unique_id, ds, y, baseline`` for every replaced month (a
        series whose months are all events keeps them: nothing to estimate a baseline from).
    """
    empty = pd.DataFrame(columns=EVENT_COLUMNS)
    if events is None or events.empty or history.empty:
        return history, empty
    marks = pd.DataFrame(
        {"unique_id": events["unique_id"].astype(str), "ds": month_start(events["ds"]).to_numpy()}
    ).drop_duplicates()
    flagged = history.merge(marks.assign(event=True), on=["unique_id", "ds"], how="left")
    is_event = flagged["event"].notna().to_numpy()
    if not is_event.any():
        return history, empty

    values = history["y"].to_numpy(dtype=float).copy()
    groups = history.groupby("unique_id", sort=False).indices
    interpolated = values.copy()
    for rows in groups.values():
        event = is_event[rows]
        if event.any() and not event.all():
            t = np.arange(len(rows))
            interpolated[rows[event]] = np.interp(t[event], t[~event], values[rows][~event])
    positions = positions_of(history["ds"].to_numpy(), season_length)
    seasons = PortfolioSeasons(
        {uid: (interpolated[rows], positions[rows]) for uid, rows in groups.items()},
        family_of,
        season_length,
    )
    records = []
    for uid, rows in groups.items():
        event = is_event[rows]
        if not event.any() or event.all():
            continue
        season = seasons.season(uid)
        adjusted = season.adjust(values[rows], positions[rows])
        calm = np.flatnonzero(~event)
        for t in np.flatnonzero(event):
            before = calm[calm < t][-NEIGHBOURS:]
            after = calm[calm > t][:NEIGHBOURS]
            level = float(np.median(adjusted[np.r_[before, after]]))
            baseline = max(0.0, float(season.restore(np.array([level]), positions[rows][[t]])[0]))
            records.append((uid, history["ds"].iloc[rows[t]], values[rows[t]], baseline))
            values[rows[t]] = baseline
    cleaned = history.assign(y=values)
    return cleaned, pd.DataFrame(records, columns=EVENT_COLUMNS)


def observed_lifts(events: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """The observed lift of each past event window: its demand over its baseline.

    Args:
        events: ``unique_id, ds, y, baseline`` (:func:`clean_events`).
        windows: ``event_id, unique_id, start, end`` (months, inclusive).

    Returns:
        Per window with at least one cleaned month: ``event_id, unique_id, months, actual,
        baseline, lift_pct`` (``100 * (actual / baseline - 1)``; NaN for a zero baseline).
    """
    columns = ["event_id", "unique_id", "months", "actual", "baseline", "lift_pct"]
    if events.empty or windows.empty:
        return pd.DataFrame(columns=columns)
    rows = windows.merge(events, on="unique_id")
    rows = rows[(rows["ds"] >= rows["start"]) & (rows["ds"] <= rows["end"])]
    out = rows.groupby(["event_id", "unique_id"], as_index=False).agg(
        months=("ds", "nunique"), actual=("y", "sum"), baseline=("baseline", "sum")
    )
    out["lift_pct"] = 100.0 * (out["actual"] / out["baseline"].where(out["baseline"] > 0) - 1)
    return out[columns]
