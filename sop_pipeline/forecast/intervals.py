"""Prediction intervals: conformal bounds from cross-validation errors, and the final checks."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def interval_columns(levels: Sequence[int]) -> list[str]:
    """The bound columns of ``levels`` in output order: ``lo-80, hi-80, lo-95, hi-95``."""
    return [f"{side}-{level}" for level in sorted(levels) for side in ("lo", "hi")]


def conformal_halfwidths(abs_errors: np.ndarray, levels: Sequence[int]) -> np.ndarray:
    """Split-conformal half-widths from the absolute errors of one series' hold-out forecasts.

    The errors of all windows and horizons are pooled (exchangeable scores); the half-width of
    level ``l`` is the ``ceil((n + 1) l / 100)``-th smallest score, capped at the largest one
    when there are too few scores for that level.

    Args:
        abs_errors: absolute cross-validation errors, shape ``(n_series, n_scores)``; NaN
            entries are ignored.
        levels: interval levels in percent.

    Returns:
        Half-widths, shape ``(n_series, len(levels))``; NaN for a series without any score.

    References:
        Angelopoulos, A. N. and Bates, S. (2023). Conformal prediction: a gentle introduction.
        Foundations and Trends in Machine Learning 16(4), 494-591.
    """
    scores = np.sort(np.where(np.isnan(abs_errors), np.inf, abs_errors), axis=1)
    n = np.isfinite(scores).sum(axis=1)
    out = np.full((scores.shape[0], len(levels)), np.nan)
    rows = np.flatnonzero(n > 0)
    for j, level in enumerate(levels):
        rank = np.minimum(np.ceil((n[rows] + 1) * level / 100.0).astype(int), n[rows])
        out[rows, j] = scores[rows, rank - 1]
    return out


def finalize_intervals(forecast: pd.DataFrame, levels: Sequence[int]) -> pd.DataFrame:
    """Make point forecasts and bounds non-negative and nested, in place and returned.

    Demand cannot be negative, so every value is floored at zero; then each bound is widened
    where needed so that, for levels ``l1 < l2``,
    ``lo-l2 <= lo-l1 <= yhat <= hi-l1 <= hi-l2`` holds on every row.

    Args:
        forecast: ``yhat`` and ``lo-<level>``/``hi-<level>`` columns.
        levels: the levels present.

    Returns:
        The same frame.
    """
    yhat = np.maximum(forecast["yhat"].to_numpy(dtype=float), 0.0)
    forecast["yhat"] = yhat
    lo_prev, hi_prev = yhat, yhat
    for level in sorted(levels):
        lo = np.maximum(forecast[f"lo-{level}"].to_numpy(dtype=float), 0.0)
        hi = np.maximum(forecast[f"hi-{level}"].to_numpy(dtype=float), 0.0)
        lo_prev = np.minimum(lo, lo_prev)
        hi_prev = np.maximum(hi, hi_prev)
        forecast[f"lo-{level}"] = lo_prev
        forecast[f"hi-{level}"] = hi_prev
    check_intervals(forecast, levels)
    return forecast


def check_intervals(forecast: pd.DataFrame, levels: Sequence[int]) -> None:
    """Raise if any row has a missing, negative or non-nested value.

    Args:
        forecast: ``yhat`` and ``lo-<level>``/``hi-<level>`` columns.
        levels: the levels present.

    Raises:
        ValueError: naming the first offending row.
    """
    chain = [f"lo-{lv}" for lv in sorted(levels, reverse=True)]
    chain += ["yhat"] + [f"hi-{lv}" for lv in sorted(levels)]
    values = forecast[chain].to_numpy(dtype=float)
    bad = ~np.isfinite(values).all(axis=1) | (values[:, 0] < 0)
    bad |= (np.diff(values, axis=1) < 0).any(axis=1)
    if bad.any():
        row = forecast.loc[bad].iloc[0]
        raise ValueError(
            f"{int(bad.sum())} forecast row(s) are not finite, non-negative and nested "
            f"({' <= '.join(chain)}), e.g. {row.to_dict()}"
        )
