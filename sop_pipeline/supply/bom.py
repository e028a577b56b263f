"""Bill-of-materials structure: explosion factors with scrap, cycles, low-level codes, explosion.

Scrap convention (one, used everywhere in ``sop_pipeline.supply``): ``scrap_rate`` is the fraction
of the component issued that is lost in making the parent, so the component needed per parent is

    factor = qty_per / (1 - scrap_rate)

(a 20 % scrap rate on 2 per makes 2 / 0.8 = 2.5 components per parent). This is the "yield"
convention of the APICS Dictionary (scrap factor applied to the component requirement).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.lib.graph import find_cycles
from sop_pipeline.supply._common import require_columns

BOM_COLUMNS = ("parent", "component", "qty_per")


def explosion_factor(qty_per: np.ndarray, scrap_rate: np.ndarray) -> np.ndarray:
    """Components needed per unit of parent, including scrap.

    Formula: ``qty_per / (1 - scrap_rate)``, a missing scrap rate counting as 0.

    Args:
        qty_per: Components in one parent (must be positive).
        scrap_rate: Fraction of issued components scrapped, in ``[0, 1)``.

    Returns:
        The factor per BOM row.

    Raises:
        ValueError: if a ``qty_per`` is not positive or a scrap rate is outside ``[0, 1)``.

    References:
        APICS Dictionary, 16th ed., "scrap factor" / "yield".
    """
    qty = np.asarray(qty_per, dtype=float)
    scrap = np.nan_to_num(np.asarray(scrap_rate, dtype=float), nan=0.0)
    if np.any(~(qty > 0)):
        raise ValueError("bom qty_per must be a positive number on every row")
    if np.any((scrap < 0) | (scrap >= 1)):
        raise ValueError("bom scrap_rate must be a fraction in [0, 1) (0.02 = 2 %)")
    return qty / (1.0 - scrap)


def bom_edges(bom: pd.DataFrame) -> pd.DataFrame:
    """The BOM as edges ``parent, component, factor``, duplicate rows summed.

    ``factor`` is :func:`explosion_factor`; two rows for the same parent and component add up.

    Raises:
        ValueError: on missing columns or bad quantities.
    """
    require_columns(bom, BOM_COLUMNS, "bom")
    scrap = bom["scrap_rate"] if "scrap_rate" in bom.columns else np.zeros(len(bom))
    edges = pd.DataFrame(
        {
            "parent": bom["parent"].astype(str).to_numpy(),
            "component": bom["component"].astype(str).to_numpy(),
            "factor": explosion_factor(bom["qty_per"].to_numpy(), np.asarray(scrap)),
        }
    )
    return edges.groupby(["parent", "component"], as_index=False, sort=False)["factor"].sum()


def detect_bom_cycles(bom: pd.DataFrame) -> list[list[str]]:
    """Find the cycles of a BOM (an item that is, directly or not, its own component).

    Each cycle is a closed path from its alphabetically first item, e.g. ``["A", "B", "C", "A"]``
    for A → B → C → A (A uses B, B uses C, C uses A); see
    :func:`sop_pipeline.lib.graph.find_cycles`.

    Args:
        bom: At least ``parent`` and ``component`` columns.

    Returns:
        The cycles, sorted; an empty list for a valid (acyclic) BOM.
    """
    require_columns(bom, ("parent", "component"), "bom")
    parents = bom["parent"].astype(str).to_numpy()
    comps = bom["component"].astype(str).to_numpy()
    return find_cycles(zip(parents, comps, strict=True))


def low_level_codes(bom: pd.DataFrame, items: pd.Index | None = None) -> pd.Series:
    """Low-level code of every item: the deepest BOM level at which it appears.

    Formula: ``llc(i) = 0`` for an item used in no BOM, else ``max(llc(parent) + 1)`` over its
    parents. Items are planned in increasing low-level code, so all gross requirements of an
    item are known before it is netted. Computed one level at a time over all edges (vectorised).

    Args:
        bom: ``parent``, ``component`` (other columns ignored).
        items: Items to include besides those in the BOM (they get code 0 unless used).

    Returns:
        ``int`` Series indexed by item, named ``level_code``.

    Raises:
        ValueError: if the BOM has a cycle, naming it.

    References:
        Ptak & Smith, *Orlicky's Material Requirements Planning*, 3rd ed., "low-level coding".
    """
    require_columns(bom, ("parent", "component"), "bom")
    parents = bom["parent"].astype(str).to_numpy()
    comps = bom["component"].astype(str).to_numpy()
    names = pd.Index(np.concatenate([parents, comps])).unique()
    if items is not None:
        names = names.append(pd.Index(items).astype(str).difference(names))
    p_idx = names.get_indexer(parents)
    c_idx = names.get_indexer(comps)
    level = np.zeros(len(names), dtype=np.int64)
    for _ in range(len(names) + 1):
        new = level.copy()
        np.maximum.at(new, c_idx, level[p_idx] + 1)
        if np.array_equal(new, level):
            return pd.Series(level, index=names, name="level_code")
        level = new
    cycles = detect_bom_cycles(bom)
    shown = "; ".join(" -> ".join(c) for c in cycles[:3])
    raise ValueError(f"the BOM has {len(cycles)} cycle(s), e.g. {shown}")


def explode_rates(
    edges: pd.DataFrame, own: pd.Series | pd.DataFrame, *, power: int = 1
) -> pd.Series | pd.DataFrame:
    """Total per-item rate: the item's own rate plus what its parents' rates pass down the BOM.

    Formula, applied in low-level-code order: ``x_c = own_c + sum_p factor_pc**power * x_p``.
    With ``power=1`` and mean monthly demands this gives each item's mean gross requirement; with
    ``power=2`` and variances it gives the variance of the component's demand when the finished
    goods' forecast errors are independent (Var(aX + bY) = a²Var X + b²Var Y). A frame explodes
    every column (e.g. one per month) the same way.

    Args:
        edges: Output of :func:`bom_edges`.
        own: Independent rate per item (index: item); a frame for several rates at once.
        power: Exponent applied to the explosion factor (1 for means, 2 for variances).

    Returns:
        Series (or frame with ``own``'s columns) over the union of ``own``'s index and the
        BOM's items.

    References:
        Silver, Pyke & Thomas, *Inventory and Production Management in Supply Chains*, 4th ed.,
        dependent demand and the explosion of requirements.
    """
    llc = low_level_codes(edges, own.index)
    total = own.reindex(llc.index).fillna(0.0).to_numpy(dtype=float).copy()
    p_idx = llc.index.get_indexer(edges["parent"])
    c_idx = llc.index.get_indexer(edges["component"])
    weight = edges["factor"].to_numpy(dtype=float) ** power
    parent_level = llc.to_numpy()[p_idx]
    for level in range(int(llc.max()) + 1 if len(llc) else 0):
        sel = parent_level == level
        if not sel.any():
            continue
        if total.ndim == 1:
            total += np.bincount(
                c_idx[sel], weights=weight[sel] * total[p_idx[sel]], minlength=len(total)
            )
        else:
            np.add.at(total, c_idx[sel], weight[sel, None] * total[p_idx[sel]])
    if isinstance(own, pd.DataFrame):
        return pd.DataFrame(total, index=llc.index, columns=own.columns)
    return pd.Series(total, index=llc.index)
