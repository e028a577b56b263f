"""Excess and obsolete (E&O) inventory per item, from the lot-level shelf-life risk."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.supply._common import require_columns

EXCESS_OBSOLETE_COLUMNS = [
    "item",
    "excess_qty",
    "excess_value",
    "obsolete_qty",
    "obsolete_value",
    "total_value",
    "reason",
]
_OBSOLETE_REASONS = ("expired", "expiry", "obsolete")


def excess_and_obsolete(lot_risk: pd.DataFrame) -> pd.DataFrame:
    """Excess and obsolete quantity and value per item.

    Classification of the lots at risk (:func:`sop_pipeline.supply.shelf_life.shelf_life_risk`):

    - obsolete = stock that will be written off: expired lots, lots that expire before they are
      consumed, and stock of phase-out or no-demand items not consumed in the slow-mover window;
    - excess = saleable stock beyond the slow-mover window of an active item (slow movers).

    ``*_value`` sums ``value_at_risk``; ``reason`` is the lot reason carrying the most value
    (``expired``, ``expiry``, ``obsolete`` or ``slow_mover``).

    Args:
        lot_risk: Rows ``item, qty_at_risk, value_at_risk, reason``.

    Returns:
        One row per item with stock at risk; columns :data:`EXCESS_OBSOLETE_COLUMNS`, sorted by
        ``total_value`` descending.

    Raises:
        ValueError: on missing columns or an unknown reason.

    References:
        APICS Dictionary, 16th ed., "excess inventory", "obsolete inventory".
    """
    require_columns(lot_risk, ("item", "qty_at_risk", "value_at_risk", "reason"), "lot_risk")
    unknown = set(lot_risk["reason"].unique()) - {*_OBSOLETE_REASONS, "slow_mover"}
    if unknown:
        raise ValueError(f"lot_risk has unknown reason(s) {sorted(unknown)}")
    obsolete = lot_risk["reason"].isin(_OBSOLETE_REASONS).to_numpy()
    value = lot_risk["value_at_risk"].fillna(0.0).to_numpy(float)
    qty = lot_risk["qty_at_risk"].to_numpy(float)
    parts = pd.DataFrame(
        {
            "item": lot_risk["item"].to_numpy(),
            "excess_qty": np.where(obsolete, 0.0, qty),
            "excess_value": np.where(obsolete, 0.0, value),
            "obsolete_qty": np.where(obsolete, qty, 0.0),
            "obsolete_value": np.where(obsolete, value, 0.0),
            "total_value": value,
        }
    )
    totals = parts.groupby("item", sort=True).sum()
    by_reason = (
        lot_risk.assign(_value=value, _qty=qty)
        .groupby(["item", "reason"], as_index=False)[["_value", "_qty"]]
        .sum()
        .sort_values(["item", "_value", "_qty"], ascending=[True, False, False], kind="stable")
        .drop_duplicates("item")
        .set_index("item")["reason"]
    )
    totals["reason"] = by_reason.reindex(totals.index)
    totals = totals.reset_index().sort_values(["total_value", "item"], ascending=[False, True])
    return totals[EXCESS_OBSOLETE_COLUMNS].reset_index(drop=True)
