"""Forecast products with little or no history from their family's seasonal profile.

A new product's own months say little about seasonality, so its forecast is its family's
seasonal profile scaled to its launch level:

- the **profile** is the classical multiplicative seasonal index of each calendar month of the
  family's total demand (established members with at least two years of history), kept only
  when that total is seasonal (:func:`.classify.is_seasonal`); the whole portfolio's profile
  stands in for a family without a seasonal total, and a flat profile when even that is not
  seasonal;
- the **launch level** is the mean deseasonalised demand of the product's last (up to three)
  months; a product without any month yet takes the median launch level (first three months)
  of its family's analogues (products launched within the history), else of the portfolio's,
  else the median recent level of its family.

Short series (6-23 months) have the same level-times-profile forecast among their candidates
(:func:`profile_forecast`), so a product keeps its family's seasonality when it stops being new.

The uncertainty combines the family's typical relative forecast error ``r`` (median of
``cv_rmse / mean demand`` over the established members, 0.5 when unknown) with the error of the
estimated level: relative standard deviation ``r * sqrt(1 + 1 / k)`` after ``k`` months, and
``sqrt(r**2 + c**2)`` before the first month, ``c`` being the analogues' coefficient of
variation of launch levels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.forecast.classify import is_seasonal

DEFAULT_RELATIVE_ERROR = 0.5
LAUNCH_MONTHS = 3
PORTFOLIO = "__portfolio__"
PROFILE_MODELS = {"family": "FamilyProfile", "portfolio": "PortfolioProfile", "flat": "LaunchLevel"}


def calendar_profile(
    history: pd.DataFrame, season_length: int = 12, min_months: int = 24
) -> pd.Series | None:
    """Seasonal index per calendar month (1..12) of the total of ``history``.

    Args:
        history: ``unique_id, ds, y`` of the series to pool.
        season_length: must be 12 for a calendar profile.
        min_months: months of total demand needed to estimate a profile.

    Returns:
        Index ``1..12`` (month of year) -> multiplicative index with mean 1, or ``None`` when
        the total is too short, not positive or not seasonal.

    References:
        Makridakis, S., Wheelwright, S. C. and Hyndman, R. J. (1998). Forecasting: methods and
        applications, 3rd ed., chapter 3 (classical decomposition). Wiley.
    """
    total = history.groupby("ds")["y"].sum().sort_index()
    if season_length != 12 or len(total) < max(min_months, 2 * season_length):
        return None
    y = total.to_numpy(dtype=float)
    if np.min(y) <= 0 or not is_seasonal(y, season_length):
        return None
    weights = np.r_[0.5, np.ones(11), 0.5] / 12
    trend = np.full(len(y), np.nan)
    trend[6 : len(y) - 6] = np.convolve(y, weights, mode="valid")
    ratio = pd.Series(y / trend, index=total.index.month)
    index = ratio.groupby(level=0).mean().reindex(range(1, 13))
    if index.isna().any():
        return None
    return index / index.mean()


class SeasonalProfiles:
    """The calendar profile each product is forecast with: its family's, else the portfolio's.

    Profiles are estimated from established products (at least two years of history, not in
    ``exclude``); a family without a seasonal total falls back to the portfolio's profile, and
    to a flat one when the portfolio is not seasonal either.

    Args:
        history: trimmed history ``unique_id, ds, y``.
        ids: every product that may be asked about (also those without history).
        families: ``unique_id, family`` (optional; products without one share a family).
        season_length: the seasonal period (calendar profiles need 12).
        exclude: products not to learn profiles from (e.g. the new ones).
    """

    def __init__(
        self,
        history: pd.DataFrame,
        ids: np.ndarray,
        families: pd.DataFrame | None,
        season_length: int,
        exclude: set[str] = frozenset(),
    ):
        self.family = _family_of(np.union1d(history["unique_id"].unique(), ids), families)
        counts = history.groupby("unique_id").size()
        mature = history[~history["unique_id"].isin(exclude)]
        self._mature = mature[mature["unique_id"].map(counts) >= 2 * season_length]
        self._season_length = season_length
        self._portfolio = calendar_profile(self._mature, season_length)
        self._profiles: dict[str, tuple[pd.Series | None, str]] = {}

    def of(self, fam: str) -> tuple[pd.Series | None, str]:
        """``(profile, source)`` of a family; source ``family``, ``portfolio`` or ``flat``."""
        if fam not in self._profiles:
            members = self._mature[self._mature["unique_id"].map(self.family) == fam]
            profile = calendar_profile(members, self._season_length) if len(members) else None
            if profile is not None:
                self._profiles[fam] = (profile, "family")
            elif self._portfolio is not None:
                self._profiles[fam] = (self._portfolio, "portfolio")
            else:
                self._profiles[fam] = (None, "flat")
        return self._profiles[fam]

    def source(self, unique_id: str) -> str:
        """Where the product's profile comes from: ``family``, ``portfolio`` or ``flat``."""
        return self.of(self.family[unique_id])[1]

    def index(self, unique_ids: pd.Series, ds: pd.Series) -> np.ndarray:
        """The seasonal index of each product's month (1 where the profile is flat)."""
        fams = unique_ids.map(self.family).to_numpy()
        months = ds.dt.month.to_numpy()
        out = np.ones(len(fams))
        for fam in pd.unique(fams):
            profile = self.of(fam)[0]
            if profile is not None:
                rows = fams == fam
                out[rows] = profile.loc[months[rows]].to_numpy()
        return out


def profile_forecast(
    history: pd.DataFrame, targets: pd.DataFrame, profiles: SeasonalProfiles
) -> np.ndarray:
    """Level times profile: the product's recent deseasonalised level in its family's months.

    The level is the mean deseasonalised demand of the last (up to ``LAUNCH_MONTHS``) months up
    to each target row's ``cutoff``, so the same function gives cross-validation forecasts
    (cutoffs inside the history) and forecasts (cutoff = the last month).

    Args:
        history: trimmed history ``unique_id, ds, y``.
        targets: ``unique_id, cutoff, ds`` rows to forecast.
        profiles: the products' profiles.

    Returns:
        One forecast per target row; NaN where the product has no history up to the cutoff.
    """
    hist = history[history["unique_id"].isin(targets["unique_id"].unique())].copy()
    hist["adjusted"] = hist["y"] / profiles.index(hist["unique_id"], hist["ds"])
    origins = targets[["unique_id", "cutoff"]].drop_duplicates()
    known = origins.merge(hist, on="unique_id")
    known = known[known["ds"] <= known["cutoff"]].sort_values(["unique_id", "cutoff", "ds"])
    recent = known.groupby(["unique_id", "cutoff"]).tail(LAUNCH_MONTHS)
    level = recent.groupby(["unique_id", "cutoff"])["adjusted"].mean().rename("level")
    rows = targets.merge(level.reset_index(), on=["unique_id", "cutoff"], how="left")
    return rows["level"].to_numpy() * profiles.index(rows["unique_id"], rows["ds"])


def forecast_new_products(
    new_ids: pd.Index,
    history: pd.DataFrame,
    future: pd.DataFrame,
    established: pd.DataFrame,
    profiles: SeasonalProfiles,
    data_start: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Family-profile forecasts of the new products.

    Args:
        new_ids: the new products.
        history: trimmed history ``unique_id, ds, y`` of every series (months since launch).
        future: ``unique_id, ds`` rows to forecast for the new products.
        established: ``unique_id, cv_rmse, mean_y`` of the cross-validated series, for the
            family's typical relative error.
        profiles: the products' seasonal profiles.
        data_start: the first month of the history; products starting later were launched in
            the history and are analogues for products without any month yet.

    Returns:
        ``future`` with ``yhat`` and ``sd`` (the forecast's standard deviation), and per new
        product ``unique_id, level, relative_sd, profile`` (``family``, ``portfolio`` or
        ``flat``).
    """
    family = profiles.family
    new_set = set(new_ids)
    counts = history.groupby("unique_id").size()
    hist = history.assign(
        adjusted=history["y"] / profiles.index(history["unique_id"], history["ds"])
    )
    launch = hist.groupby("unique_id").head(LAUNCH_MONTHS).groupby("unique_id")["adjusted"].mean()
    recent = hist.groupby("unique_id").tail(LAUNCH_MONTHS).groupby("unique_id")["adjusted"].mean()
    starts = hist.groupby("unique_id")["ds"].min()
    analogues = launch[starts.reindex(launch.index) > data_start]

    rel_error = _relative_errors(established, family)
    rows = []
    for uid in new_ids:
        fam = family[uid]
        k = int(counts.get(uid, 0))
        r = rel_error.get(fam, rel_error.get(PORTFOLIO, DEFAULT_RELATIVE_ERROR))
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
        rows.append((uid, level, rel_sd, profiles.source(uid)))
    info = pd.DataFrame(rows, columns=["unique_id", "level", "relative_sd", "profile"])

    out = future.merge(info, on="unique_id", how="left")
    out["yhat"] = out["level"].to_numpy(dtype=float) * profiles.index(out["unique_id"], out["ds"])
    out["sd"] = out["yhat"] * out["relative_sd"]
    return out[["unique_id", "ds", "yhat", "sd"]], info


def _peers(levels: pd.Series, family: pd.Series, fam: str, uid: str) -> pd.Series:
    """Levels of the family's other products, else of every other product."""
    others = levels[levels.index != uid]
    same = others[others.index.map(family) == fam]
    return same if len(same) else others


def _family_of(ids: np.ndarray, families: pd.DataFrame | None) -> pd.Series:
    family = pd.Series(PORTFOLIO, index=pd.Index(ids, name="unique_id"), dtype=object)
    if families is not None and len(families):
        given = families.dropna(subset=["family"]).drop_duplicates("unique_id")
        mapping = pd.Series(
            given["family"].astype(str).to_numpy(), index=given["unique_id"].astype(str)
        )
        family.update(mapping[mapping.index.isin(family.index)])
    return family


def _relative_errors(established: pd.DataFrame, family: pd.Series) -> dict[str, float]:
    rmse = established["cv_rmse"].astype(float)
    ok = established[(established["mean_y"] > 0) & np.isfinite(rmse)]
    rel = pd.Series(
        (ok["cv_rmse"] / ok["mean_y"]).to_numpy(), index=ok["unique_id"].to_numpy()
    ).clip(upper=2.0)
    out = rel.groupby(rel.index.map(family)).median().to_dict()
    if len(rel):
        out[PORTFOLIO] = float(rel.median())
    return out
