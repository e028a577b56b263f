"""What the constrained plan's tables must hold, as functions returning the rows that break it
(empty: it holds). The blocking checks of :mod:`.checks` run them on the stored tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.balance.tables import QUANTITY_COLUMNS

QTY_TOL = 1e-4
MONEY_TOL = 0.01


def plan_balance_breaks(plan: pd.DataFrame) -> pd.DataFrame:
    """Rows where the stock does not balance month to month (inventory = inventory the month
    before + receipts + open orders + expedited - sales - consumption), sales exceed demand,
    lost sales are not demand - sales, or a quantity is negative.

    Returns:
        ``scenario, item, month, problem``.
    """
    frame = plan.sort_values(["scenario", "item", "month"]).copy()
    quantities = QUANTITY_COLUMNS
    problems = []
    negative = (frame[quantities] < -QTY_TOL).any(axis=1)
    problems.append(frame.loc[negative].assign(problem="a negative quantity"))
    over = frame["sales_qty"] > frame["demand_qty"] + QTY_TOL
    problems.append(frame.loc[over].assign(problem="sales above demand"))
    lost = (frame["demand_qty"] - frame["sales_qty"] - frame["lost_sales_qty"]).abs() > QTY_TOL
    problems.append(frame.loc[lost].assign(problem="lost sales are not demand - sales"))
    previous = frame.groupby(["scenario", "item"])["inventory_qty"].shift(1)
    flow = (
        frame["receipt_qty"]
        + frame["scheduled_receipts"]
        + frame["expedited_qty"]
        - frame["sales_qty"]
        - frame["consumption_qty"]
    )
    scale = np.maximum(1.0, frame["inventory_qty"].abs())
    unbalanced = previous.notna() & (
        (previous + flow - frame["inventory_qty"]).abs() > 1e-6 * scale + QTY_TOL
    )
    problems.append(frame.loc[unbalanced].assign(problem="stock does not balance"))
    out = pd.concat(problems, ignore_index=True)
    return out[["scenario", "item", "month", "problem"]]


def capacity_breaks(capacity: pd.DataFrame) -> pd.DataFrame:
    """Resource-months whose overtime exceeds its capacity, or whose load exceeds capacity +
    overtime used beyond what open orders already held (open orders cannot be unmade).

    Returns:
        ``scenario, resource, month, problem``.
    """
    frame = capacity.copy()
    if frame.empty:
        return pd.DataFrame(columns=["scenario", "resource", "month", "problem"])
    scale = np.maximum(1.0, frame["capacity"].abs())
    over_ot = frame["overtime_used"] > frame["overtime_capacity"] + 1e-6 * scale
    limit = np.maximum(frame["capacity"] + frame["overtime_used"], frame["fixed_load"])
    over = frame["load"] > limit + 1e-6 * scale + QTY_TOL
    out = pd.concat(
        [
            frame.loc[over_ot].assign(problem="overtime above its capacity"),
            frame.loc[over].assign(problem="load above capacity and overtime"),
        ],
        ignore_index=True,
    )
    return out[["scenario", "resource", "month", "problem"]]


def lost_margin_breaks(plan: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """The base plan's lost margin not put on its constraints exactly once (the rows of
    ``constraint_prices`` sum to it).

    Returns:
        ``problem`` (one row when it breaks).
    """
    base = plan[plan["scenario"] == "base"]
    lost = float(base["lost_margin"].sum())
    put = float(prices["lost_margin"].sum()) if len(prices) else 0.0
    if abs(lost - put) > MONEY_TOL * max(1.0, abs(lost)) * 1e-3 + MONEY_TOL:
        return pd.DataFrame(
            {"problem": [f"the plan loses {lost:,.2f} of margin, its constraints carry {put:,.2f}"]}
        )
    return pd.DataFrame(columns=["problem"])


def suggestion_breaks(table: pd.DataFrame, max_extra_cash: float | None) -> pd.DataFrame:
    """Issues without exactly one suggested option, or whose suggestion cannot help, is above
    the cash ceiling, or is not the best expected margin of the options allowed.

    Returns:
        ``issue, problem``.
    """
    problems: list[tuple[str, str]] = []
    for issue, rows in table.groupby("issue", sort=False):
        suggested = rows[rows["is_suggested"].astype(bool)]
        if len(suggested) != 1:
            problems.append((issue, f"{len(suggested)} suggested options"))
            continue
        pick = suggested.iloc[0]
        allowed = rows["is_feasible"].astype(bool) | (rows["option"] == "plan_to_base")
        if max_extra_cash is not None:
            allowed &= (rows["extra_inventory_cash_peak"] <= max_extra_cash + 1e-9) | (
                rows["option"] == "plan_to_base"
            )
        if not bool(allowed[suggested.index[0]]):
            problems.append((issue, f"suggests {pick['option']}, infeasible or above the ceiling"))
        elif pick["expected_margin"] < rows.loc[allowed, "expected_margin"].max() - 1e-6:
            problems.append((issue, f"suggests {pick['option']}, not the best expected margin"))
    return pd.DataFrame(problems, columns=["issue", "problem"])


def figure_breaks(table: pd.DataFrame) -> pd.DataFrame:
    """Option rows whose figures cannot be right: a service level outside [0, 1], a negative
    amount, no single ``plan_to_base`` row, extra cash at peak on plan to base, or
    ``margin_vs_base`` that is not the difference to plan to base's expected margin.

    Returns:
        ``issue, option, problem``.
    """
    out: list[tuple[str, str, str]] = []
    amounts = [
        "expected_revenue_at_risk",
        "expected_margin_at_risk",
        "expected_excess_value",
        "purchase_spend",
        "overtime_cost",
        "expedite_cost",
        "holding_cost",
        "extra_inventory_cash_peak",
        "lost_sales_qty",
    ]
    for issue, rows in table.groupby("issue", sort=False):
        base = rows[rows["option"] == "plan_to_base"]
        if len(base) != 1:
            out.append((issue, "", "no single plan_to_base row"))
            continue
        plan = base.iloc[0]
        if abs(float(plan["extra_inventory_cash_peak"])) > 1e-6:
            out.append((issue, "plan_to_base", "plan to base holds extra cash against itself"))
        for row in rows.itertuples():
            if not 0 <= row.service_level <= 1 + 1e-9:
                out.append((issue, row.option, f"service_level {row.service_level:.4f}"))
            negative = [c for c in amounts if getattr(row, c) < -1e-6]
            if negative:
                out.append((issue, row.option, "negative " + ", ".join(negative)))
            expected = row.expected_margin - plan["expected_margin"]
            if abs(row.margin_vs_base - expected) > 1e-6 * max(1.0, abs(expected)):
                out.append((issue, row.option, "margin_vs_base is not the difference to the plan"))
    return pd.DataFrame(out, columns=["issue", "option", "problem"])
