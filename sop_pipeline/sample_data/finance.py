"""The finance team's revenue plan: by family and month, plus company-total rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.sample_data import vocab
from sop_pipeline.sample_data.months import MonthAxis

PLAN_COLUMNS = ("month", "family", "planned_revenue")
OPTIMISTIC_SHARE = 0.4  # families whose plan runs 12-25 % above the expected business


def expected_revenue(fg: pd.DataFrame, mean: np.ndarray) -> np.ndarray:
    """Expected net revenue per finished good and month at list price and channel mix."""
    mix = fg[[f"_mix_{c}" for c, _, _ in vocab.CHANNELS]].to_numpy()
    net = mix @ np.array([f for _, f, _ in vocab.CHANNELS])
    return mean * (fg["unit_price"].to_numpy(dtype=float) * net)[:, None]


def financial_plan(
    fg: pd.DataFrame, mean: np.ndarray, axis: MonthAxis, rng: np.random.Generator
) -> pd.DataFrame:
    """Planned revenue for every month of the axis (history and the next 12 months).

    Some families are planned optimistically, so the meeting shows revenue gaps.
    """
    revenue = expected_revenue(fg, mean)
    families = np.array(sorted(fg["family"].unique()), dtype=object)
    code = np.searchsorted(families, fg["family"].to_numpy())
    by_family = np.zeros((len(families), axis.n_all))
    np.add.at(by_family, code, revenue)
    bias = rng.uniform(0.97, 1.05, len(families))
    n_opt = max(1, round(OPTIMISTIC_SHARE * len(families)))
    optimistic = rng.choice(len(families), n_opt, replace=False)
    bias[optimistic] = rng.uniform(1.12, 1.25, n_opt)
    plan = by_family * bias[:, None] * rng.lognormal(0.0, 0.03, by_family.shape)
    plan = np.round(plan, -2)
    month = np.repeat(axis.labels, len(families) + 1)
    family = np.tile(np.append(families, None), axis.n_all)
    values = np.vstack([plan, plan.sum(axis=0, keepdims=True)]).T.ravel()
    return pd.DataFrame({"month": month, "family": family, "planned_revenue": values})
