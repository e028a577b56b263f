"""Forecast products with little or no history from their group's seasonal profile.

A new product's own months say nothing about seasonality, so its forecast is its family's
seasonal indices (else the portfolio's, else flat: see :mod:`.seasonality`) at its launch level:

- the **launch level** is the mean seasonally adjusted demand of the product's last (up to
  three) months; a product without any month yet takes the median launch level (first three
  months, adjusted) of its family's analogues (products launched within the history), else of
  the portfolio's, else the median recent level of its family.

The uncertainty combines the family's typical relative forecast error ``r`` (median of
``cv_rmse / mean demand`` over the established members, 0.5 when unknown) with the error of the
estimated level: relative standard deviation ``r * sqrt(1 + 1 / k)`` after ``k`` months, and
``sqrt(r**2 + c**2)`` before the first month, ``c`` being the analogues' coefficient of
variation of launch levels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.forecast.seasonality import FAMILY, ITEM, NONE, PORTFOLIO, PortfolioSeasons

DEFAULT_RELATIVE_ERROR = 0.5
LAUNCH_MONTHS = 3
PROFILE_MODELS = {
    FAMILY: "FamilyProfile",
    PORTFOLIO: "PortfolioProfile",
    NONE: "LaunchLevel",
    ITEM: "LaunchLevel",
}


def forecast_new_products(
    new_ids: pd.Index,
    history: pd.DataFrame,
    future: pd.DataFrame,
    established: pd.DataFrame,
    seasons: PortfolioSeasons,
    data_start: pd.Timestamp,
    season_length: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Profile forecasts of the new products.

    Args:
        new_ids: the new products.
        history: trimmed history ``unique_id, ds, y`` of every series (months since launch).
        future: ``unique_id, ds`` rows to forecast for the new products.
        established: ``unique_id, cv_rmse, mean_y`` of the cross-validated series, for the
            family's typical relative error.
        seasons: the portfolio's seasonal indices.
        data_start: the first month of the history; products starting later were launched in
            the history and are analogues for products without any month yet.
        season_length: the seasonal period.

    Returns:
        ``future`` with ``yhat`` and ``sd`` (the forecast's standard deviation), and per new
        product ``unique_id, level, relative_sd, profile`` (``family``, ``portfolio`` or
        ``none``).
    """
    new_set = set(new_ids)
    counts = history.groupby("unique_id").size()
    adjusted = _adjusted(history, seasons, season_length)
    first = adjusted.groupby("unique_id").head(LAUNCH_MONTHS).groupby("unique_id")["adjusted"]
    launch = first.mean()
    recent = adjusted.groupby("unique_id").tail(LAUNCH_MONTHS).groupby("unique_id")["adjusted"]
    recent = recent.mean()
    starts = history.groupby("unique_id")["ds"].min()
    analogues = launch[starts.reindex(launch.index) > data_start]
    family = pd.Series(
        {uid: seasons.family(uid) for uid in sorted(set(history["unique_id"]) | new_set)}
    )

    rel_error = _relative_errors(established, family)
    rows = []
    for uid in new_ids:
        fam = family.get(uid)
        k = int(counts.get(uid, 0))
        r = rel_error.get(fam, rel_error.get(None, DEFAULT_RELATIVE_ERROR))
        if k > 0:
            level = float(recent[uid])
            rel_sd = r * np.sqrt(1 + 1 / k)
        else:
            peers = _peers(analogues, family, fam, uid)
            if peers.empty:
                peers = _peers(recent[~recent.index.isin(new_set)], family, fam, uid)
            level = float(peers.median()) if len(peers) else 0.0
            spread = float(peers.std() / peers.mean()) if len(peers) > 1 and level > 0 else 1.0
            rel_sd = float(np.sqrt(r**2 + spread**2))
        rows.append((uid, level, rel_sd, seasons.season(uid).source))
    info = pd.DataFrame(rows, columns=["unique_id", "level", "relative_sd", "profile"])

    out = future.merge(info, on="unique_id", how="left")
    positions = np.mod(out["ds"].to_numpy(dtype="datetime64[M]").astype(np.int64), season_length)
    out["yhat"] = [
        seasons.season(uid).restore(np.array([level]), np.array([pos]))[0]
        for uid, level, pos in zip(out["unique_id"], out["level"], positions, strict=True)
    ]
    out["yhat"] = out["yhat"].clip(lower=0.0)
    out["sd"] = out["yhat"] * out["relative_sd"]
    return out[["unique_id", "ds", "yhat", "sd"]], info


def _adjusted(history: pd.DataFrame, seasons: PortfolioSeasons, m: int) -> pd.DataFrame:
    """``history`` with each series' seasonally adjusted demand (``adjusted``)."""
    out = history.copy()
    positions = np.mod(out["ds"].to_numpy(dtype="datetime64[M]").astype(np.int64), m)
    adjusted = np.empty(len(out))
    for uid, rows in out.groupby("unique_id", sort=False).indices.items():
        adjusted[rows] = seasons.season(uid).adjust(
            out["y"].to_numpy(dtype=float)[rows], positions[rows]
        )
    out["adjusted"] = adjusted
    return out


def _peers(levels: pd.Series, family: pd.Series, fam: str | None, uid: str) -> pd.Series:
    """Levels of the family's other products, else of every other product."""
    others = levels[levels.index != uid]
    same = others[others.index.map(family) == fam] if fam is not None else others.iloc[0:0]
    return same if len(same) else others


def _relative_errors(established: pd.DataFrame, family: pd.Series) -> dict[str | None, float]:
    """Median relative CV error per family; ``None`` holds the portfolio's."""
    rmse = established["cv_rmse"].astype(float)
    ok = established[(established["mean_y"] > 0) & np.isfinite(rmse)]
    rel = pd.Series(
        (ok["cv_rmse"] / ok["mean_y"]).to_numpy(), index=ok["unique_id"].to_numpy()
    ).clip(upper=2.0)
    out: dict[str | None, float] = rel.groupby(rel.index.map(family)).median().to_dict()
    if len(rel):
        out[None] = float(rel.median())
    return out
