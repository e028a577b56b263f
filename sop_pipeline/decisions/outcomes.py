"""A decision scored against what happened: the realised result beside plan to base replayed on
the same actual demand.

A decision of the meeting of month D covers the months from D + 1 to the last month its issue
binds in. Over the covered months that have closed by the plan month (all of them: the score
is final), for the issue's finished goods:

- **realised**: units shipped (``demand_history.shipped_qty``), demand (``demand_qty``: units
  ordered), lost sales (demand not shipped, month by month) and the stock counted at the end
  of the last closed month;
- **plan to base replayed**: from the stock at D's close, each month receives what the plan
  to base option planned to receive (production, purchases, open orders; less what other
  products consume), sells ``min(stock, actual demand)`` and carries the rest - what planning
  without the decision would have sold of the demand that really came;
- **extra cost**: the overtime and expedite premiums the chosen option planned above plan to
  base (committed when decided).

``value_added_margin = sum (net price - unit cost) x (shipped - replayed sales) - extra cost``
and ``value_added_cash = value_added_margin - sum unit cost x (stock left - replayed stock
left)`` (the cash the sales brought in less what the extra stock still holds). Beside them,
the value the option was expected to add when it was chosen (``scenario_options
.margin_vs_base``), and the value added split in two: ``value_added_as_planned``, the chosen
option's own plan replayed the same way against plan to base (what the decision added had it
been carried out as planned), and ``execution_gap_margin``, what was shipped against that
replay (what carrying it out, or anything else that happened, added or lost).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

OUTCOME_COLUMNS = [
    "decision_id",
    "decided_month",
    "issue",
    "category",
    "option",
    "owner",
    "first_month",
    "last_month",
    "months_closed",
    "is_final",
    "items",
    "demand_qty",
    "sales_qty",
    "lost_sales_qty",
    "stock_left_qty",
    "base_sales_qty",
    "base_lost_sales_qty",
    "base_stock_left_qty",
    "option_sales_qty",
    "extra_cost",
    "value_added_margin",
    "value_added_cash",
    "value_added_as_planned",
    "execution_gap_margin",
    "expected_value_added",
]


def _add_months(month: pd.Timestamp, k: int) -> pd.Timestamp:
    return (month.to_period("M") + k).to_timestamp()


def replay(opening: float, supply: np.ndarray, demand: np.ndarray) -> tuple[np.ndarray, float]:
    """Sales month by month and the stock left when ``supply`` (net of what other products
    consume) arrives on ``opening`` stock and ``demand`` comes: ``min(stock, demand)`` is sold
    each month, the rest carried."""
    stock = float(opening)
    sold = np.zeros(len(demand))
    for t, (arriving, wanted) in enumerate(zip(supply, demand, strict=True)):
        stock += float(arriving)
        sold[t] = min(max(stock, 0.0), float(wanted))
        stock -= sold[t]
    return sold, max(stock, 0.0)


def score_decisions(
    decisions: pd.DataFrame,
    plans: pd.DataFrame,
    costs: pd.DataFrame,
    actual: pd.DataFrame,
    stock: pd.DataFrame,
    plan_month: dt.date,
) -> pd.DataFrame:
    """One row per decision of a meeting before ``plan_month`` with at least one covered month
    closed (:data:`OUTCOME_COLUMNS`; module docstring).

    Args:
        decisions: Recorded decisions (``decision_id, decided_month, issue, category, option,
            owner, last_month, expected_margin_vs_base``).
        plans: ``option_plans`` of the decisions' meetings (``decided_month, issue, option,
            item, month, opening_qty, supply_qty, consumption_qty, unit_price, unit_cost``).
        costs: ``scenario_options`` of the meetings (``decided_month, issue, option,
            overtime_cost, expedite_cost``).
        actual: ``demand_history`` of the closed months (``month, item, demand_qty,
            shipped_qty``).
        stock: Stock counted at each closed month's end (``month, item, on_hand_qty``).
        plan_month: The latest closed month.
    """
    if decisions.empty:
        return pd.DataFrame(columns=OUTCOME_COLUMNS)
    closed_to = pd.Timestamp(plan_month)
    rows = []
    demand = actual.assign(month=pd.to_datetime(actual["month"])).set_index(["item", "month"])
    counted = stock.assign(month=pd.to_datetime(stock["month"])).set_index(["item", "month"])
    for d in decisions.itertuples(index=False):
        decided = pd.Timestamp(d.decided_month)
        first, last = _add_months(decided, 1), pd.Timestamp(d.last_month)
        last = max(last, first)
        end = min(last, closed_to)
        if end < first:
            continue
        months = pd.date_range(first, end, freq="MS")
        mine = plans[
            (pd.to_datetime(plans["decided_month"]) == decided) & (plans["issue"] == d.issue)
        ]
        base = mine[mine["option"] == "plan_to_base"]
        chosen = mine[mine["option"] == d.option]
        items = sorted(base["item"].astype(str).unique())
        totals = dict.fromkeys(
            (
                "demand",
                "sales",
                "lost",
                "stock_left",
                "base_sales",
                "base_lost",
                "base_left",
                "margin",
                "held",
                "option_sales",
                "planned_margin",
            ),
            0.0,
        )
        for item in items:
            planned = _by_month(base, item, months)
            own = _by_month(chosen, item, months) if len(chosen) else planned
            wanted = np.array([_get(demand, item, m, "demand_qty") for m in months], dtype=float)
            shipped = np.array([_get(demand, item, m, "shipped_qty") for m in months], dtype=float)
            opening = float(base.loc[base["item"] == item, "opening_qty"].iloc[0])
            net_supply = (planned["supply_qty"] - planned["consumption_qty"]).fillna(0.0)
            sold, left = replay(opening, net_supply.to_numpy(float), wanted)
            own_supply = (own["supply_qty"] - own["consumption_qty"]).fillna(0.0)
            own_sold, _ = replay(opening, own_supply.to_numpy(float), wanted)
            price = float(base.loc[base["item"] == item, "unit_price"].iloc[0])
            cost = float(base.loc[base["item"] == item, "unit_cost"].iloc[0])
            on_hand = _get(counted, item, end, "on_hand_qty")
            totals["demand"] += wanted.sum()
            totals["sales"] += shipped.sum()
            totals["lost"] += np.maximum(wanted - shipped, 0.0).sum()
            totals["stock_left"] += on_hand
            totals["base_sales"] += sold.sum()
            totals["base_lost"] += (wanted - sold).sum()
            totals["base_left"] += left
            totals["margin"] += (price - cost) * (shipped.sum() - sold.sum())
            totals["option_sales"] += own_sold.sum()
            totals["planned_margin"] += (price - cost) * (own_sold.sum() - sold.sum())
            totals["held"] += cost * (on_hand - left)
        extra = _option_cost(costs, decided, d.issue, d.option) - _option_cost(
            costs, decided, d.issue, "plan_to_base"
        )
        margin = totals["margin"] - extra
        rows.append(
            {
                "decision_id": d.decision_id,
                "decided_month": decided,
                "issue": d.issue,
                "category": d.category,
                "option": d.option,
                "owner": d.owner,
                "first_month": first,
                "last_month": last,
                "months_closed": len(months),
                "is_final": bool(end >= last),
                "items": ", ".join(items),
                "demand_qty": totals["demand"],
                "sales_qty": totals["sales"],
                "lost_sales_qty": totals["lost"],
                "stock_left_qty": totals["stock_left"],
                "base_sales_qty": totals["base_sales"],
                "base_lost_sales_qty": totals["base_lost"],
                "base_stock_left_qty": totals["base_left"],
                "option_sales_qty": totals["option_sales"],
                "extra_cost": extra,
                "value_added_margin": margin,
                "value_added_cash": margin - totals["held"],
                "value_added_as_planned": totals["planned_margin"] - extra,
                "execution_gap_margin": totals["margin"] - totals["planned_margin"],
                "expected_value_added": float(d.expected_margin_vs_base),
            }
        )
    return pd.DataFrame(rows, columns=OUTCOME_COLUMNS)


def _by_month(plan: pd.DataFrame, item: str, months: pd.DatetimeIndex) -> pd.DataFrame:
    rows = plan[plan["item"] == item].assign(month=lambda f: pd.to_datetime(f["month"]))
    return rows.set_index("month").reindex(months)


def _get(frame: pd.DataFrame, item: str, month: pd.Timestamp, column: str) -> float:
    try:
        value = frame.at[(item, month), column]
    except KeyError:
        return 0.0
    if isinstance(value, pd.Series):
        value = value.sum()
    return 0.0 if pd.isna(value) else float(value)


def _option_cost(costs: pd.DataFrame, decided: pd.Timestamp, issue: str, option: str) -> float:
    row = costs[
        (pd.to_datetime(costs["decided_month"]) == decided)
        & (costs["issue"] == issue)
        & (costs["option"] == option)
    ]
    if row.empty:
        return 0.0
    return float(row["overtime_cost"].fillna(0).iloc[0] + row["expedite_cost"].fillna(0).iloc[0])
