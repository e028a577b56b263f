"""The consensus forecast: the statistical forecast adjusted by the planners' overrides."""

from __future__ import annotations

import numpy as np
import pandas as pd

INTERVAL_COLUMNS = ("lo80", "hi80", "lo95", "hi95")
OVERRIDE_COLUMNS = ("item", "month", "override_qty", "adjustment_pct", "reason", "owner")


def apply_overrides(forecast: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """Adjust the statistical forecast by ``forecast_overrides.csv``.

    A row with ``override_qty`` replaces the month's quantity; a row with ``adjustment_pct``
    scales it: ``final = statistical * (1 + adjustment_pct / 100)``. The statistical quantity
    is kept in ``statistical_qty`` so the value each step adds can be measured later. The
    baseline and promotion parts and the interval bounds move in proportion to the change
    (shifted instead where the statistical forecast is zero), so ``baseline_qty + promo_qty
    == forecast_qty`` and the bounds stay nested around the final quantity.

    Args:
        forecast: ``item, month, forecast_qty, baseline_qty, promo_qty, lo80, hi80, lo95,
            hi95`` (more columns are kept).
        overrides: ``item, month, override_qty, adjustment_pct, reason, owner``; one of the
            two adjustments per row (validated upstream). An override for an item-month the
            statistical forecast lacks adds that month with a statistical quantity of zero.

    Returns:
        ``forecast`` with ``statistical_qty, override_qty, adjustment_pct, override_reason,
        override_owner`` added and ``forecast_qty`` final.

    Raises:
        ValueError: if an override row gives both kinds or neither, or would go negative.
    """
    missing = [c for c in OVERRIDE_COLUMNS if c not in overrides.columns]
    if missing:
        raise ValueError(f"overrides lack columns {missing}")
    given = overrides["override_qty"].notna().astype(int) + overrides["adjustment_pct"].notna()
    if (given != 1).any():
        raise ValueError("each override row must give exactly one of override_qty, adjustment_pct")
    if (overrides["override_qty"] < 0).any() or (overrides["adjustment_pct"] < -100).any():
        raise ValueError("an override may not make the forecast negative")
    if overrides.duplicated(["item", "month"]).any():
        raise ValueError("at most one override per item and month")

    out = forecast.copy()
    out["statistical_qty"] = out["forecast_qty"]
    adjustments = overrides.rename(columns={"reason": "override_reason", "owner": "override_owner"})
    new_rows = adjustments.merge(
        out[["item", "month"]], on=["item", "month"], how="left", indicator=True
    )
    new_rows = new_rows.loc[new_rows["_merge"] == "left_only", ["item", "month"]]
    if not new_rows.empty:
        blank = new_rows.assign(
            forecast_qty=0.0,
            statistical_qty=0.0,
            baseline_qty=0.0,
            promo_qty=0.0,
            **{c: 0.0 for c in INTERVAL_COLUMNS},
            model="override_only",
        )
        out = pd.concat([out, blank], ignore_index=True)
    out = out.merge(
        adjustments[
            ["item", "month", "override_qty", "adjustment_pct", "override_reason", "override_owner"]
        ],
        on=["item", "month"],
        how="left",
    )
    statistical = out["statistical_qty"].to_numpy(float)
    final = np.where(
        out["override_qty"].notna(),
        out["override_qty"].to_numpy(float),
        np.where(
            out["adjustment_pct"].notna(),
            statistical * (1 + np.nan_to_num(out["adjustment_pct"].to_numpy(float)) / 100),
            statistical,
        ),
    )
    ratio = np.divide(final, statistical, out=np.ones_like(final), where=statistical > 0)
    shift = np.where(statistical > 0, 0.0, final - statistical)
    for column in INTERVAL_COLUMNS:
        out[column] = np.maximum(out[column].to_numpy(float) * ratio + shift, 0.0)
    promo = out["promo_qty"].to_numpy(float) * ratio
    out["promo_qty"] = promo
    out["baseline_qty"] = final - promo
    out["forecast_qty"] = final
    return out.sort_values(["item", "month"]).reset_index(drop=True)
