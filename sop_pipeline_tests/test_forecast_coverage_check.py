"""The forecast's coverage check fails for a finished good left without its horizon."""

from __future__ import annotations

import pandas as pd

from sop_pipeline.forecast.assets import _coverage_check


def test_a_finished_good_without_its_horizon_fails_the_check() -> None:
    """FG1 has 3 of 3 months, FG2 2, FG3 none; FG4 never sold (skipped, listed); C1 is a
    component. FG2 and FG3 fail it; forecast for all three, it passes."""
    items = pd.DataFrame(
        {
            "item": ["FG1", "FG2", "FG3", "FG4", "C1"],
            "item_type": ["finished_good"] * 4 + ["component"],
        }
    )
    months = pd.date_range("2025-11-01", periods=3, freq="MS")
    rows = [("FG1", m) for m in months] + [("FG2", m) for m in months[:2]]
    forecast = pd.DataFrame(rows, columns=["item", "month"])
    result = _coverage_check(forecast, items, ["FG4"], horizon=3)
    assert not result.passed
    assert result.metadata["items_short"].value == "FG2, FG3"
    assert result.metadata["items_without_demand_yet"].value == "FG4"
    full = pd.DataFrame(
        [(i, m) for i in ("FG1", "FG2", "FG3") for m in months], columns=["item", "month"]
    )
    assert _coverage_check(full, items, ["FG4"], horizon=3).passed
