"""Invariants of the KPI-stage marts, as plain functions that return the rows breaking them.

Each function returns an empty frame when the invariant holds, so a check passes on an empty
result and shows the offending rows otherwise. Money is compared with a tolerance of
``max(0.01, 1e-9 x |amount|)``: rounding noise of summing doubles, never a real difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TOTAL = "__total__"


def _differs(a: pd.Series | np.ndarray, b: pd.Series | np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    tolerance = np.maximum(0.01, 1e-9 * np.maximum(np.abs(a), np.abs(b)))
    both_missing = np.isnan(a) & np.isnan(b)
    return ~both_missing & ~(np.abs(np.nan_to_num(a - b, nan=np.inf)) <= tolerance)


def plan_total_disagreement(plan: pd.DataFrame) -> pd.DataFrame:
    """Months whose financial plan gives a company row that differs from the sum of its families.

    Args:
        plan: ``month, family, planned_revenue`` (a blank family is the company row).

    Returns:
        ``month, company_row, sum_of_families, difference`` (company row minus the families)
        and ``difference_pct`` (of the sum of the families), one row per disagreeing month.
    """
    family = plan["family"].where(plan["family"].astype(str).str.strip() != "")
    company = plan[family.isna()].groupby("month")["planned_revenue"].sum()
    families = plan[family.notna()].groupby("month")["planned_revenue"].sum()
    both = company.index.intersection(families.index)
    out = pd.DataFrame(
        {
            "month": both,
            "company_row": company.reindex(both).to_numpy(float),
            "sum_of_families": families.reindex(both).to_numpy(float),
        }
    )
    out["difference"] = out["company_row"] - out["sum_of_families"]
    out["difference_pct"] = out["difference"] / out["sum_of_families"].replace(0.0, np.nan)
    return out[_differs(out["company_row"], out["sum_of_families"])].reset_index(drop=True)


def reconciliation_breaks(reconciliation: pd.DataFrame, forecast: pd.DataFrame) -> pd.DataFrame:
    """Where the financial reconciliation does not foot.

    Per month: the company's forecast revenue equals the sum of the families' and the sum of
    the forecast table's ``forecast_revenue``; where the company plan is the sum of the families
    (``plan_basis = 'sum_of_families'``) it equals that sum; on every row ``gap = forecast_revenue
    - planned_revenue``.

    Args:
        reconciliation: ``month, family, forecast_revenue, planned_revenue, gap, plan_basis``.
        forecast: The forecast rows ``month, forecast_revenue`` of the same plan month.

    Returns:
        ``month, family, rule, expected, actual``: one row per broken rule.
    """
    rows = []
    families = reconciliation[reconciliation["family"] != TOTAL]
    total = reconciliation[reconciliation["family"] == TOTAL].set_index("month")
    by_month = families.groupby("month")[["forecast_revenue", "planned_revenue"]].sum(min_count=1)
    source = forecast.groupby("month")["forecast_revenue"].sum()
    months = total.index.union(by_month.index).union(source.index)
    checks = [
        ("company forecast = sum of families", by_month["forecast_revenue"]),
        ("company forecast = sum of the forecast table", source),
    ]
    for rule, expected in checks:
        actual = total["forecast_revenue"].reindex(months)
        wanted = expected.reindex(months).fillna(0.0)
        bad = _differs(wanted, actual.fillna(0.0))
        rows += [
            (month, TOTAL, rule, float(wanted[month]), float(actual[month]))
            for month in months[bad]
        ]
    summed = total[total["plan_basis"] == "sum_of_families"]
    expected_plan = by_month["planned_revenue"].reindex(summed.index)
    bad = _differs(expected_plan, summed["planned_revenue"])
    rows += [
        (month, TOTAL, "company plan = sum of families", float(expected_plan[month]), float(value))
        for month, value in summed.loc[bad, "planned_revenue"].items()
    ]
    gap = reconciliation["forecast_revenue"] - reconciliation["planned_revenue"]
    bad = _differs(gap, reconciliation["gap"])
    rows += [
        (r.month, r.family, "gap = forecast - plan", float(g), float(r.gap))
        for r, g in zip(reconciliation[bad].itertuples(), gap[bad], strict=True)
    ]
    return pd.DataFrame(rows, columns=["month", "family", "rule", "expected", "actual"])


def stock_value(lots: pd.DataFrame, items: pd.DataFrame) -> float:
    """Inventory value of a stock count: ``sum(on_hand_qty x unit_cost)``, each lot at its own
    cost where the count gives one, else at the item master's."""
    cost = pd.to_numeric(lots["unit_cost"], errors="coerce")
    master = lots["item"].map(items.set_index("item")["unit_cost"])
    return float((lots["on_hand_qty"] * cost.fillna(master)).sum())


def kpi_cross_foot_breaks(
    kpis: pd.DataFrame,
    cash_projection: pd.DataFrame,
    lots: pd.DataFrame,
    items: pd.DataFrame,
    plan_month: pd.Timestamp,
) -> pd.DataFrame:
    """Where the scorecard does not foot to the stock count.

    ``inventory_value`` (KPI) = the plan month's row of ``cash_projection`` = :func:`stock_value`
    of the plan month's stock count.

    Returns:
        ``rule, expected, actual``: one row per broken rule.
    """
    expected = stock_value(lots, items)
    kpi = kpis.loc[kpis["kpi"] == "inventory_value", "value"]
    cash = cash_projection.loc[
        pd.to_datetime(cash_projection["month"]) == pd.Timestamp(plan_month), "inventory_value"
    ]
    rows = []
    for rule, values in (
        ("inventory_value KPI = sum of lots x cost", kpi),
        ("cash_projection at the plan month = sum of lots x cost", cash),
    ):
        actual = float(values.iloc[0]) if len(values) == 1 else float("nan")
        if _differs([expected], [actual])[0]:
            rows.append((rule, expected, actual))
    return pd.DataFrame(rows, columns=["rule", "expected", "actual"])
