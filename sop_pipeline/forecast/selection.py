"""Pick each series' model from its own rolling-origin cross-validation errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sop_pipeline.forecast.candidates import COMBINATION, CandidateSet
from sop_pipeline.forecast.intervals import conformal_halfwidths

METRIC_COLUMNS = ("cv_mae", "cv_rmse", "cv_wape", "cv_bias")


@dataclass(frozen=True)
class CVErrors:
    """Cross-validation forecasts of one group of series as arrays.

    Args:
        ids: the series, in row order.
        y: actuals, shape ``(n_series, n_windows * h)``.
        forecasts: candidate name -> forecasts floored at zero, same shape as ``y``.
        step: months ahead of each column (1..h), shape ``(n_windows * h,)``.
    """

    ids: np.ndarray
    y: np.ndarray
    forecasts: dict[str, np.ndarray]
    step: np.ndarray

    @classmethod
    def from_frame(cls, cv: pd.DataFrame, candidates: CandidateSet) -> CVErrors:
        """Arrays from statsforecast's ``cross_validation`` output (sorted by id, cutoff, ds).

        The ``Combination`` candidate is the equal-weight mean of its members' forecasts, so
        it costs no extra fit.
        """
        ids = cv["unique_id"].unique()
        n = len(ids)
        step = cv.groupby(["unique_id", "cutoff"]).cumcount().to_numpy()[: len(cv) // n] + 1
        y = cv["y"].to_numpy(dtype=float).reshape(n, -1)
        forecasts = {
            name: np.maximum(cv[name].to_numpy(dtype=float).reshape(n, -1), 0.0)
            for name in candidates.names
        }
        if candidates.combination:
            forecasts[COMBINATION] = np.mean(
                [forecasts[name] for name in candidates.combination], axis=0
            )
        return cls(ids=ids, y=y, forecasts=forecasts, step=step)


def select_models(
    errors: CVErrors,
    candidates: CandidateSet,
    levels: Sequence[int],
    *,
    combination_margin: float = 0.0,
    horizon_exponent: float = 0.5,
) -> pd.DataFrame:
    """Choose the candidate with the smallest cross-validation error for every series.

    Args:
        errors: the group's cross-validation forecasts.
        candidates: the candidate set (its ``metric`` ranks the candidates).
        levels: interval levels; the conformal half-width of each is returned.
        combination_margin: a single model replaces the combination only when its error is
            smaller by more than this fraction (0: plain minimum).
        horizon_exponent: conformal scores are absolute errors divided by
            ``months_ahead ** horizon_exponent`` (0.5: uncertainty growing like a random
            walk's; 0: the same at every horizon), and the half-width ``months_ahead`` ahead
            is the score quantile times ``months_ahead ** horizon_exponent``.

    Returns:
        Per series: ``unique_id, model, cv_mae, cv_rmse, cv_wape, cv_bias`` and
        ``q-<level>`` (the half-width per unit of ``months_ahead ** horizon_exponent``).
        ``cv_wape`` and ``cv_bias`` (forecast minus actual) are relative to the actual demand
        of the hold-out months (NaN when it is zero).
    """
    names = list(errors.forecasts)
    err = {name: f - errors.y for name, f in errors.forecasts.items()}
    if candidates.metric == "mse":
        score = np.stack([np.nanmean(err[n] ** 2, axis=1) for n in names], axis=1)
    else:
        score = np.stack([np.nanmean(np.abs(err[n]), axis=1) for n in names], axis=1)
    if COMBINATION in names and combination_margin > 0:
        score[:, [i for i, n in enumerate(names) if n != COMBINATION]] /= 1 - combination_margin
    score = np.where(np.isnan(score), np.inf, score)
    best = np.argmin(score, axis=1)
    chosen = np.stack([err[n] for n in names], axis=1)[np.arange(len(best)), best]
    out = pd.DataFrame({"unique_id": errors.ids, "model": np.array(names, dtype=object)[best]})
    out = pd.concat([out, error_metrics(chosen, errors.y)], axis=1)
    scores = np.abs(chosen) / errors.step[None, :] ** horizon_exponent
    halfwidths = conformal_halfwidths(scores, levels)
    for j, level in enumerate(levels):
        out[f"q-{level}"] = halfwidths[:, j]
    return out


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
