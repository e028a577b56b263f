"""Invariants of the material requirements plan, as plain functions returning the rows that
break them (empty when the plan holds together).

- **Stock balance**, per scenario, item and month: ``projected_on_hand_t =
  projected_on_hand_{t-1} + scheduled_receipts_t + planned_receipt_qty_t - gross_qty_t -
  expired_qty_t``, starting from the stock count (every lot of the item, in date or not).
- **BOM consistency**, per scenario, component and month: the dependent demand (gross
  requirement less the component's own independent demand) equals ``sum over parents of
  planned_release_qty x qty_per / (1 - scrap_rate)`` - the parents' planned production
  exploded with the scrap convention of :mod:`.bom`.

Quantities are compared with a tolerance of ``1e-6 x max(1, |quantity|)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.supply.bom import bom_edges

KEYS = ["scenario", "item", "month"]


def _differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return ~(np.abs(a - b) <= 1e-6 * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b))))


def stock_balance_breaks(mrp: pd.DataFrame, on_hand: pd.DataFrame) -> pd.DataFrame:
    """Item-months whose projected stock does not follow from the month before.

    Args:
        mrp: ``material_requirements`` rows (``scenario, item, month, gross_qty,
            scheduled_receipts, expired_qty, planned_receipt_qty, projected_on_hand``).
        on_hand: The stock count ``item, on_hand_qty`` (all lots).

    Returns:
        ``scenario, item, month, opening, receipts, gross_qty, expired_qty, expected,
        projected_on_hand`` for every row where ``projected_on_hand != expected``.
    """
    plan = mrp.sort_values(KEYS).reset_index(drop=True)
    start = on_hand.groupby(on_hand["item"].astype(str))["on_hand_qty"].sum()
    closing = plan["projected_on_hand"].to_numpy(float)
    previous = plan.groupby(["scenario", "item"])["projected_on_hand"].shift(1)
    first = previous.isna().to_numpy()
    opening = np.where(first, plan["item"].map(start).fillna(0.0), previous)
    receipts = (plan["scheduled_receipts"] + plan["planned_receipt_qty"]).to_numpy(float)
    expected = (
        opening + receipts - plan["gross_qty"].to_numpy(float) - plan["expired_qty"].to_numpy()
    )
    bad = _differs(expected, closing)
    out = plan.loc[bad, [*KEYS, "gross_qty", "expired_qty", "projected_on_hand"]].copy()
    out.insert(3, "opening", opening[bad])
    out.insert(4, "receipts", receipts[bad])
    out.insert(7, "expected", expected[bad])
    return out.reset_index(drop=True)


def bom_consistency_breaks(
    mrp: pd.DataFrame,
    bom: pd.DataFrame,
    independent: pd.DataFrame,
    open_orders_draw: bool = False,
) -> pd.DataFrame:
    """Component-months whose dependent demand is not the parents' planned production exploded
    (and, with ``open_orders_draw``, their open orders received that month: production that
    draws its components when received).

    Args:
        mrp: ``material_requirements`` rows (``scenario, item, month, gross_qty,
            planned_release_qty, scheduled_receipts``).
        bom: ``parent, component, qty_per`` (``scrap_rate`` optional).
        independent: The independent demand of each scenario ``scenario, item, month, qty``
            (the forecast's ``forecast_qty`` for base, ``hi80`` for upside).
        open_orders_draw: whether open production orders draw their components when received
            (``supply.open_production_components: at_receipt``).

    Returns:
        ``scenario, item, month, dependent_qty, expected_qty`` for every component and month
        where they differ (a component missing from the plan counts as zero).
    """
    edges = bom_edges(bom)
    release = mrp[[*KEYS, "planned_release_qty", "scheduled_receipts"]].rename(
        columns={"item": "parent"}
    )
    exploded = release.merge(edges, on="parent")
    drawn = exploded["scheduled_receipts"] if open_orders_draw else 0.0
    exploded["expected_qty"] = (exploded["planned_release_qty"] + drawn) * exploded["factor"]
    expected = (
        exploded.groupby(["scenario", "component", "month"], as_index=False)["expected_qty"]
        .sum()
        .rename(columns={"component": "item"})
    )
    own = independent.groupby(KEYS, as_index=False)["qty"].sum()
    components = mrp[mrp["item"].isin(edges["component"])][[*KEYS, "gross_qty"]]
    actual = components.merge(own, on=KEYS, how="left")
    actual["dependent_qty"] = actual["gross_qty"] - actual["qty"].fillna(0.0)
    both = actual[[*KEYS, "dependent_qty"]].merge(expected, on=KEYS, how="outer")
    both = both.fillna({"dependent_qty": 0.0, "expected_qty": 0.0})
    bad = _differs(both["dependent_qty"].to_numpy(), both["expected_qty"].to_numpy())
    return both.loc[bad, [*KEYS, "dependent_qty", "expected_qty"]].reset_index(drop=True)
