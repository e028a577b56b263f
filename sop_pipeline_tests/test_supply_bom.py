"""BOM structure: scrap factor, cycles, low-level codes and requirement explosion."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from sop_pipeline.supply.bom import (
    bom_edges,
    detect_bom_cycles,
    explode_rates,
    explosion_factor,
    low_level_codes,
)


def _bom(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["parent", "component", "qty_per"])


def test_explosion_factor_divides_by_yield() -> None:
    """2 per with 20 % scrap: 2 / (1 - 0.2) = 2.5; missing scrap counts as none: 3 / 1 = 3."""
    assert_allclose(explosion_factor(np.array([2.0, 3.0]), np.array([0.2, np.nan])), [2.5, 3.0])


@pytest.mark.parametrize(
    ("qty", "scrap"), [(0.0, 0.0), (-1.0, 0.0), (1.0, 1.0), (1.0, -0.1), (np.nan, 0.0)]
)
def test_explosion_factor_rejects_bad_rows(qty: float, scrap: float) -> None:
    with pytest.raises(ValueError, match="bom"):
        explosion_factor(np.array([qty]), np.array([scrap]))


def test_duplicate_bom_rows_add_up() -> None:
    """Two rows A→B (1 and 2 per) are one edge of 3 per."""
    edges = bom_edges(_bom([("A", "B", 1.0), ("A", "B", 2.0)]))
    assert len(edges) == 1
    assert_allclose(edges["factor"], [3.0])


def test_low_level_code_is_deepest_use() -> None:
    """P is used by A directly (level 1) and through S (level 2): its code is 2.

    A → S → P and A → P; B → S. Z (no BOM rows) is level 0.
    """
    bom = _bom([("A", "S", 1), ("A", "P", 2), ("S", "P", 3), ("B", "S", 1)])
    llc = low_level_codes(bom, pd.Index(["Z"]))
    assert llc.to_dict() == {"A": 0, "S": 1, "B": 0, "P": 2, "Z": 0}


def test_cycles_are_listed_as_closed_paths() -> None:
    """A→B→C→A, a self reference D→D and X→Y→X; E→F is fine."""
    bom = _bom(
        [("A", "B", 1), ("B", "C", 1), ("C", "A", 1), ("D", "D", 1)]
        + [("X", "Y", 1), ("Y", "X", 1), ("E", "F", 1)]
    )
    assert detect_bom_cycles(bom) == [["A", "B", "C", "A"], ["D", "D"], ["X", "Y", "X"]]
    assert detect_bom_cycles(_bom([("E", "F", 1), ("F", "G", 1)])) == []


def test_low_level_codes_refuse_a_cycle() -> None:
    with pytest.raises(ValueError, match=r"cycle.*A -> B -> A"):
        low_level_codes(_bom([("A", "B", 1), ("B", "A", 1)]))


def test_explode_rates_means_and_variances() -> None:
    """A (10/month, sd 3) and B (5/month, sd 4) share C: A uses 1 C, B uses 2 C; C uses 2 P.

    Means: C = 1·10 + 2·5 = 20; P = 2·20 = 40.
    Variances (independent errors): C = 1²·9 + 2²·16 = 73; P = 2²·73 = 292.
    """
    edges = bom_edges(_bom([("A", "C", 1), ("B", "C", 2), ("C", "P", 2)]))
    mean = explode_rates(edges, pd.Series({"A": 10.0, "B": 5.0}))
    var = explode_rates(edges, pd.Series({"A": 9.0, "B": 16.0}), power=2)
    assert_allclose(mean[["A", "B", "C", "P"]], [10, 5, 20, 40])
    assert_allclose(var[["C", "P"]], [73, 292])
