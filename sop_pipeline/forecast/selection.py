"""Pick each series' model from its own rolling-origin cross-validation errors."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sop_pipeline.forecast.candidates import COMBINATION, CandidateSet
from sop_pipeline.forecast.intervals import conformal_halfwidths

METRIC_COLUMNS = ("cv_mae", "cv_rmse", "cv_wape", "cv_bias")
POOL_MIN_SERIES = 20
"""Series with errors a group needs before its pooled evidence can replace the set's default."""


def with_combination(
    forecasts: Mapping[str, np.ndarray], candidates: CandidateSet
) -> dict[str, np.ndarray]:
    """The candidates' forecasts plus ``Combination``, the equal-weight mean of its members."""
    out = {name: forecasts[name] for name in candidates.names if name in forecasts}
    if candidates.combination:
        out[COMBINATION] = np.mean([forecasts[name] for name in candidates.combination], axis=0)
    return out


def select_models(
    ids: np.ndarray,
    actual: np.ndarray,
    forecasts: Mapping[str, np.ndarray],
    step: np.ndarray,
    candidates: CandidateSet,
    levels: Sequence[int],
    *,
    combination_margin: float = 0.0,
    previous: Mapping[str, str] | None = None,
    switch_margin: float = 0.0,
    forced: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Choose the candidate with the smallest cross-validation error for every series.

    Two margins keep the choice from wandering on noise. Another model replaces the set's
    default (the combination; for intermittent series ADIDA or IMAPA, whichever the group's
    errors taken together favour: :func:`pooled_default`) only when its error is smaller by
    more than ``combination_margin`` (a fraction). And when ``previous`` names the model a
    series had at the last plan month, any other candidate must beat that model by
    ``switch_margin`` too: a series that gains one month keeps its model unless the new month
    is evidence against it.

    Args:
        ids: the series, in row order.
        actual: hold-out actuals, ``(n_series, n_points)``.
        forecasts: candidate name -> hold-out forecasts, same shape (``Combination`` included,
            see :func:`with_combination`).
        step: months ahead of each column (1..h).
        candidates: the candidate set (its ``metric`` ranks the candidates; its
            ``horizon_exponent`` scales the intervals).
        levels: interval levels; the conformal half-width of each is returned.
        combination_margin: see above (0: plain minimum).
        previous: series -> the candidate name it had before (``Combination`` for any
            combination); series or names not found are ignored.
        switch_margin: see above.
        forced: series -> the candidate it must have (a rule's, e.g. a dormant series'); the
            set's ``reserved`` candidates go only to series forced to them.

    Returns:
        Per series: ``unique_id, model, cv_mae, cv_rmse, cv_wape, cv_bias`` and
        ``q-<level>`` (the half-width per unit of ``months_ahead ** horizon_exponent``).
        ``cv_wape`` and ``cv_bias`` (forecast minus actual) are relative to the actual demand
        of the hold-out months (NaN when it is zero).
    """
    names = list(forecasts)
    err = {name: forecasts[name] - actual for name in names}
    if candidates.metric == "mse":
        score = np.stack([np.nanmean(err[n] ** 2, axis=1) for n in names], axis=1)
    else:
        score = np.stack([np.nanmean(np.abs(err[n]), axis=1) for n in names], axis=1)
    score = np.where(np.isnan(score), np.inf, score)
    favoured = pooled_default(
        score,
        names,
        candidates,
        incumbent=group_incumbent(ids, previous, candidates),
        switch_margin=switch_margin,
    )
    if favoured in names and combination_margin > 0:
        score[:, [i for i, n in enumerate(names) if n != favoured]] /= 1 - combination_margin
    if previous and switch_margin > 0:
        incumbent = pd.Series(ids).map(previous).map({n: i for i, n in enumerate(names)})
        rows = np.flatnonzero(incumbent.notna().to_numpy())
        cols = incumbent.dropna().to_numpy(dtype=int)
        score[rows, cols] = score[rows, cols] * (1 - switch_margin)
    reserved = [i for i, n in enumerate(names) if n in candidates.reserved]
    score[:, reserved] = np.inf
    if forced:
        column = pd.Series(ids).map(forced).map({n: i for i, n in enumerate(names)})
        rows = np.flatnonzero(column.notna().to_numpy())
        score[rows] = np.inf
        score[rows, column.dropna().to_numpy(dtype=int)] = 0.0
    best = np.argmin(score, axis=1)
    chosen = np.stack([err[n] for n in names], axis=1)[np.arange(len(best)), best]
    out = pd.DataFrame({"unique_id": ids, "model": np.array(names, dtype=object)[best]})
    out = pd.concat([out, error_metrics(chosen, actual)], axis=1)
    scores = np.abs(chosen) / step[None, :] ** candidates.horizon_exponent
    halfwidths = conformal_halfwidths(scores, levels)
    for j, level in enumerate(levels):
        out[f"q-{level}"] = halfwidths[:, j]
    return out


def pooled_default(
    score: np.ndarray,
    names: Sequence[str],
    candidates: CandidateSet,
    *,
    incumbent: str | None = None,
    switch_margin: float = 0.0,
) -> str | None:
    """The group's default: the set's, or one of its ``pooled`` candidates when the group's
    errors taken together favour it.

    Each series compares a candidate with the set's default by the ratio of their errors; the
    option whose ratios have the smallest geometric mean across the group (the average relative
    error, which no single large series dominates; the default's is 1) becomes the default. One
    series' few hold-out months are noise; a few dozen series' are evidence: a group with
    fewer than :data:`POOL_MIN_SERIES` series with errors keeps the set's default. The group's
    default of the last plan month (``incumbent``) is kept unless another option is better by
    ``switch_margin``: a portfolio's slow movers do not all change method on a month's noise.

    Args:
        score: the candidates' cross-validation errors, ``(n_series, n_candidates)``
            (``inf`` where a candidate has none).
        names: the candidates, in column order.
        candidates: the candidate set.
        incumbent: the group's default at the last plan month, if known.
        switch_margin: see above.
    """
    default = candidates.favoured
    if default not in names:
        return default
    names = list(names)
    base = score[:, names.index(default)]
    ratios = {default: 1.0}
    for name in candidates.pooled:
        if name not in names:
            continue
        other = score[:, names.index(name)]
        both = np.isfinite(base) & np.isfinite(other) & (base > 0) & (other > 0)
        if both.sum() >= POOL_MIN_SERIES:
            ratios[name] = float(np.exp(np.mean(np.log(other[both] / base[both]))))
    if incumbent in ratios:
        ratios[incumbent] *= 1 - switch_margin
    return min(ratios, key=ratios.__getitem__)


def group_incumbent(
    ids: np.ndarray, previous: Mapping[str, str] | None, candidates: CandidateSet
) -> str | None:
    """The group's default at the last plan month: the most common of the set's default and
    its ``pooled`` candidates among the models the group's series had (``None``: none had one).
    """
    if not previous or not candidates.pooled:
        return None
    options = {candidates.favoured, *candidates.pooled}
    had = pd.Series(ids).map(previous)
    had = had[had.isin(options)]
    return None if had.empty else str(had.value_counts().index[0])


def error_metrics(err: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """``cv_mae, cv_rmse, cv_wape, cv_bias`` of forecast errors ``err`` against actuals ``y``.

    Args:
        err: forecast minus actual, shape ``(n_series, n_points)``.
        y: actuals, same shape.

    Returns:
        One row per series.
    """
    total = np.nansum(np.abs(y), axis=1)
    safe = np.where(total > 0, total, np.nan)
    return pd.DataFrame(
        {
            "cv_mae": np.nanmean(np.abs(err), axis=1),
            "cv_rmse": np.sqrt(np.nanmean(err**2, axis=1)),
            "cv_wape": np.nansum(np.abs(err), axis=1) / safe,
            "cv_bias": np.nansum(err, axis=1) / safe,
        }
    )
