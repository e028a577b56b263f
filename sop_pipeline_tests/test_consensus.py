"""The consensus forecast: overrides as a quantity and as a percent, measured against the stats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sop_pipeline.forecast.consensus import apply_overrides

NOV, DEC, JAN = (pd.Timestamp(m) for m in ("2025-11-01", "2025-12-01", "2026-01-01"))


def _forecast() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["A", "A", "B"],
            "month": [NOV, DEC, NOV],
            "forecast_qty": [100.0, 120.0, 0.0],
            "baseline_qty": [80.0, 120.0, 0.0],
            "promo_qty": [20.0, 0.0, 0.0],
            "lo80": [90.0, 100.0, 0.0],
            "hi80": [110.0, 140.0, 0.0],
            "lo95": [85.0, 90.0, 0.0],
            "hi95": [115.0, 150.0, 0.0],
            "model": ["AutoETS", "AutoETS", "zero"],
        }
    )


def _overrides(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["item", "month", "override_qty", "adjustment_pct", "reason", "owner"]
    )


def test_a_quantity_override_replaces_and_a_percent_override_scales() -> None:
    out = apply_overrides(
        _forecast(),
        _overrides(
            [
                ("A", NOV, 150.0, None, "Key account promo", "KAM"),
                ("A", DEC, None, -25.0, "Cautious", "CFO"),
            ]
        ),
    ).set_index(["item", "month"])

    nov, dec = out.loc[("A", NOV)], out.loc[("A", DEC)]
    # Nov: replaced by 150; statistical 100 kept; parts and bounds scale by 1.5
    assert nov["forecast_qty"] == 150.0 and nov["statistical_qty"] == 100.0
    assert (nov["baseline_qty"], nov["promo_qty"]) == (120.0, 30.0)
    np.testing.assert_allclose(
        nov[["lo95", "lo80", "hi80", "hi95"]].astype(float), [127.5, 135, 165, 172.5]
    )
    assert (nov["override_reason"], nov["override_owner"]) == ("Key account promo", "KAM")
    # Dec: 120 x (1 - 25 %) = 90
    assert dec["forecast_qty"] == 90.0 and dec["adjustment_pct"] == -25.0
    np.testing.assert_allclose(
        dec[["lo95", "lo80", "hi80", "hi95"]].astype(float), [67.5, 75, 105, 112.5]
    )
    # untouched rows stay as they were
    b = out.loc[("B", NOV)]
    assert b["forecast_qty"] == b["statistical_qty"] == 0.0 and pd.isna(b["override_qty"])


def test_an_override_of_a_zero_forecast_or_a_missing_month_shifts_and_adds() -> None:
    out = apply_overrides(
        _forecast(),
        _overrides(
            [("B", NOV, 40.0, None, "Launch order", "KAM"), ("B", JAN, 10.0, None, "x", "y")]
        ),
    ).set_index(["item", "month"])
    assert out.loc[("B", NOV), "forecast_qty"] == 40.0
    assert out.loc[("B", NOV), "lo95"] == 40.0 and out.loc[("B", NOV), "hi95"] == 40.0
    added = out.loc[("B", JAN)]
    assert added["forecast_qty"] == 10.0 and added["statistical_qty"] == 0.0
    assert added["baseline_qty"] + added["promo_qty"] == 10.0


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("A", NOV, 10.0, 5.0, "r", "o")], "exactly one"),
        ([("A", NOV, None, None, "r", "o")], "exactly one"),
        ([("A", NOV, -1.0, None, "r", "o")], "negative"),
        ([("A", NOV, None, -120.0, "r", "o")], "negative"),
    ],
)
def test_bad_overrides_are_refused(rows: list[tuple], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        apply_overrides(_forecast(), _overrides(rows))
