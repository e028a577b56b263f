"""Whether the plan meets its targets: revenue against the financial plan, cash against its
floor, and the dated working-capital commitment against the inventory policy.

``plan_feasibility`` has one row per check:

- ``revenue``: the net revenue the constrained plan delivers over the horizon (``value``)
  against the financial plan (``target``), the demand's revenue in ``detail`` and the month
  the plan serves worst when it delivers less than 95 % of that month's demand;
- ``cash``: the cash low point of the constrained plan (``value``, its ``month``) against
  ``finance.min_cash_balance``, the runway in ``detail``, with the lowest balance past the
  horizon that the cash recovers from before the runway ends when it is lower;
- ``working_capital``: the inventory value the policy needs (safety plus cycle stock at cost,
  the current point of the service-level versus cash curve, ``value``) against the path's
  value at the target month (``target``); ``service_level`` is the highest service level of
  the curve whose inventory meets the target (empty: none of the curve's levels does), and
  ``margin_given_up`` the expected margin keeping to the path costs against the plan as it
  stands, as the options table shows it (plan to base against ``keep_to_cash_path``; with a
  hard path, ``relax_cash_path`` against the plan; 0 when the path does not bind, empty when
  the plan does not plan to the path);
- ``decisions`` (only when earlier meetings made production firm): the firm units the plan
  makes (``value``) against those decided (``target``), the items it cannot make in
  ``detail``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.balance.cash import Commitment

FEASIBILITY_COLUMNS = [
    "check",
    "is_met",
    "value",
    "target",
    "month",
    "service_level",
    "margin_given_up",
    "detail",
]


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _pct(share: float) -> str:
    """A service level as people write it: 0.85 -> 85%, 0.995 -> 99.5%."""
    return f"{share * 100:.4g}%"


def decisions_check(decided: float, short: float, short_items: list[str]) -> dict:
    """Whether the plan makes the production earlier meetings made firm (``decided`` units;
    ``short`` of them it cannot make, by item)."""
    detail = f"{_money(decided)} units of production made firm by earlier decisions"
    if short > 0.5:
        detail += (
            f": {_money(short)} cannot be made ({', '.join(short_items[:5])}) - stock, capacity "
            "or materials no longer allow it; the decision needs a second look"
        )
    else:
        detail += ", all planned"
    return {
        "check": "decisions",
        "is_met": bool(short <= 0.5),
        "value": decided - short,
        "target": decided,
        "month": pd.NaT,
        "service_level": np.nan,
        "margin_given_up": np.nan,
        "detail": detail,
    }


SHORT_MONTH_SHARE = 0.95
"""A month whose plan delivers less than this share of its demand's revenue is named."""


def revenue_check(
    demand_revenue: float,
    plan_revenue: float,
    planned: float | None,
    by_month: tuple[pd.DatetimeIndex, np.ndarray, np.ndarray] | None = None,
) -> dict:
    """The plan's revenue against the demand's and the financial plan's; ``by_month`` (months,
    demand revenue, plan revenue): the month the plan serves worst, named when it delivers
    less than :data:`SHORT_MONTH_SHARE` of its demand (a horizon's total hides it)."""
    detail = (
        f"demand {_money(demand_revenue)}, the constrained plan delivers {_money(plan_revenue)}"
    )
    if planned is not None:
        detail += f", the financial plan assumed {_money(planned)}"
    if by_month is not None:
        months, demand, plan = by_month
        share = np.divide(plan, demand, out=np.ones(len(demand)), where=demand > 0)
        worst = int(np.argmin(share)) if len(share) else None
        if worst is not None and share[worst] < SHORT_MONTH_SHARE:
            detail += (
                f"; {pd.Timestamp(months[worst]):%b %Y} delivers {share[worst]:.0%} of its "
                f"demand ({_money(plan[worst])} of {_money(demand[worst])})"
            )
    return {
        "check": "revenue",
        "is_met": None if planned is None else bool(plan_revenue >= planned - 0.5),
        "value": plan_revenue,
        "target": planned,
        "month": pd.NaT,
        "service_level": np.nan,
        "margin_given_up": np.nan,
        "detail": detail,
    }


def cash_check(
    low: float | None,
    low_month,
    runway: float | None,
    floor: float,
    known: bool,
    dip: tuple[float, pd.Timestamp] | None = None,
    runs_out: pd.Timestamp | None = None,
) -> dict:
    """The cash low point against its floor, the runway in ``detail``; ``dip``: the lowest
    balance past the horizon that the cash recovers from before the runway ends, said when it
    is below the horizon's low point (a runway that a small shortfall would cut short);
    ``runs_out``: the month the cash runs out when that is past the horizon (on the plan's
    last 12 months repeated), said with the runway."""
    if not known or low is None:
        return {
            "check": "cash",
            "is_met": None,
            "value": np.nan,
            "target": floor,
            "month": pd.NaT,
            "service_level": np.nan,
            "margin_given_up": np.nan,
            "detail": "no cash position (cash.csv) for the plan month",
        }
    runway_text = "the cash is not used up" if runway is None else f"runway {runway:,.1f} months"
    past = []
    if dip is not None and dip[0] < low:
        past.append(
            f"cash dips to {_money(dip[0])} in {pd.Timestamp(dip[1]):%b %Y} before it recovers"
        )
    if runway is not None and runs_out is not None:
        past.append(f"it runs out in {pd.Timestamp(runs_out):%b %Y}")
    if past:
        runway_text += (
            " (past the horizon, on the plan's last 12 months repeated, " + "; ".join(past) + ")"
        )
    return {
        "check": "cash",
        "is_met": bool(low >= floor),
        "value": low,
        "target": floor,
        "month": low_month,
        "service_level": np.nan,
        "margin_given_up": np.nan,
        "detail": f"low point {_money(low)} in {pd.Timestamp(low_month):%b %Y}; {runway_text}",
    }


def working_capital_check(
    promise: Commitment | None,
    curve: pd.DataFrame,
    margin_given_up: float | None,
    held: float | None = None,
) -> dict:
    """The commitment against the service-level versus cash curve (module docstring);
    ``held``: the stock the constrained plan holds at the target month, said beside the
    policy's (the plan carries no cycle stock of production, which is not lot-sized)."""
    if promise is None or curve is None or curve.empty:
        return {
            "check": "working_capital",
            "is_met": None,
            "value": np.nan,
            "target": np.nan,
            "month": pd.NaT,
            "service_level": np.nan,
            "margin_given_up": np.nan,
            "detail": "no working-capital commitment (no stock count at the baseline month)",
        }
    target = float(promise.target_value)
    current = curve[curve["is_current"].astype(bool)]
    policy = float(current["inventory_value"].iloc[0]) if len(current) else np.nan
    grid = curve[~curve["is_current"].astype(bool)].sort_values("service_level")
    meets = grid[grid["inventory_value"] <= target + 0.5]
    level = float(meets["service_level"].max()) if len(meets) else np.nan
    low, high = grid["service_level"].min(), grid["service_level"].max()
    if np.isnan(level):
        reach = f"none from {_pct(low)} to {_pct(high)} service meets it"
    else:
        reach = f"met up to {_pct(level)} service"
    detail = (
        f"the policy needs {_money(policy)} of stock, the path allows {_money(target)} by "
        f"{promise.target_month:%b %Y}: {reach}"
    )
    if held is not None and not np.isnan(held):
        detail += (
            f"; the plan holds {_money(held)} then, with less cycle stock than the policy "
            "counts (it makes goods as needed, not in lots)"
        )
    if margin_given_up is not None and margin_given_up > 0.5:
        detail += f"; keeping to the path costs {_money(margin_given_up)} of expected margin"
    return {
        "check": "working_capital",
        "is_met": bool(policy <= target + 0.5),
        "value": policy,
        "target": target,
        "month": promise.target_month,
        "service_level": level,
        "margin_given_up": np.nan if margin_given_up is None else float(margin_given_up),
        "detail": detail,
    }


def feasibility_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=FEASIBILITY_COLUMNS)
    frame["month"] = pd.to_datetime(frame["month"])
    frame["is_met"] = frame["is_met"].astype("boolean")
    return frame
