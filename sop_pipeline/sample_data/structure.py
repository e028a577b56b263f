"""The BOM as index arrays: low-level codes and quantity explosion, for vectors and matrices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class BomIndex:
    """BOM lines as positions into the item list, with scrap folded into the quantity."""

    n_items: int
    parent: np.ndarray
    child: np.ndarray
    qty: np.ndarray  # qty_per * (1 + scrap_rate)
    low_level: np.ndarray  # 0 for items no BOM uses; else 1 + the deepest parent's code

    @property
    def depth(self) -> int:
        """Levels below the top: finished good -> bulk -> base -> raw is 3."""
        return int(self.low_level.max()) if self.n_items else 0

    def explode_once(self, parent_qty: np.ndarray) -> np.ndarray:
        """Direct component requirements of ``parent_qty`` (items, or items x months)."""
        x = np.asarray(parent_qty, dtype=float)
        out = np.zeros((self.n_items, *x.shape[1:]))
        if not len(self.child):
            return out
        order = np.argsort(self.child, kind="stable")
        child = self.child[order]
        starts = np.flatnonzero(np.r_[True, child[1:] != child[:-1]])
        weights = self.qty[order].reshape(-1, *([1] * (x.ndim - 1)))
        out[child[starts]] = np.add.reduceat(weights * x[self.parent[order]], starts, axis=0)
        return out

    def explode_all(self, top_qty: np.ndarray) -> np.ndarray:
        """Total requirement of every item: ``top_qty`` plus all dependent demand below it."""
        total = np.asarray(top_qty, dtype=float).copy()
        level = total
        for _ in range(self.depth):
            level = self.explode_once(level)
            total = total + level
        return total


def index_bom(items: pd.Series, bom: pd.DataFrame) -> BomIndex:
    """Index ``bom`` against the item codes ``items`` and compute low-level codes.

    Raises:
        ValueError: if the BOM names an unknown item or holds a cycle.
    """
    position = pd.Series(np.arange(len(items)), index=pd.Index(items))
    parent = position.reindex(bom["parent"]).to_numpy()
    child = position.reindex(bom["component"]).to_numpy()
    if np.isnan(parent).any() or np.isnan(child).any():
        raise ValueError("the BOM names items that are not in the item list")
    parent, child = parent.astype(np.int64), child.astype(np.int64)
    scrap = bom["scrap_rate"].fillna(0.0).to_numpy(dtype=float)
    qty = bom["qty_per"].to_numpy(dtype=float) * (1.0 + scrap)
    low = np.zeros(len(items), dtype=np.int64)
    for _ in range(len(items) + 1):
        new = low.copy()
        np.maximum.at(new, child, low[parent] + 1)
        if np.array_equal(new, low):
            return BomIndex(len(items), parent, child, qty, low)
        low = new
    raise ValueError("the BOM holds a cycle")
