"""What the decisions of earlier meetings change in a plan month's plan.

A decision commits the company to its option's levers (``sop_mart.option_levers`` of the
meeting's month). When plan month P is planned, every decision of a meeting before P is in
force unless a later meeting decided the same issue again (the later decision replaces it).
Each lever of a decision in force is, for P's plan:

- ``expedite`` (units of a component arriving in a month): a firm purchase order due that
  month, until the real purchase order shows in P's ``open_purchase_orders.csv`` - an order
  for the item that was not open at the meeting's month, due by the expedite's month - which
  then counts instead (the supply counts once);
- ``production`` (a pre-build: units of a finished good made in a month): firm production
  the constrained plan and the MRP make at least, less the production orders for the item
  due that month that were opened since the meeting (they carry it out: counted once);
- ``overtime`` (hours on a resource in a month): overtime the constrained plan works at least
  (approved and paid);
- ``demand_shift`` (units of an item's demand moved to the next month): the forecast the plan
  is made to moves them;
- ``cash_path`` (relax or keep to the dated cash path): the path's mode in P's plan;
- ``accept_risk`` (plan to base): nothing changes; the risk accepted is recorded.

A lever in a month that has closed by P (``passed``: its effect is in the closing stock and
sales), for an item phased out or gone from the master, or a resource no longer listed, is not
applied, and the table says why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from sop_pipeline.supply.inputs import PlanningInputs, no_firm

APPLIED_COLUMNS = [
    "decision_id",
    "decided_month",
    "issue",
    "option",
    "owner",
    "lever",
    "item",
    "resource",
    "month",
    "to_month",
    "qty",
    "applied_qty",
    "status",
    "note",
]
APPLIED, PASSED, REPLACED, NOT_APPLICABLE, RECORDED, SUPERSEDED = (
    "applied",
    "passed",
    "replaced_by_po",
    "not_applicable",
    "recorded",
    "superseded",
)
MATERIAL_UNITS = 0.5
"""A firm order left smaller than this after the real purchase orders is replaced by them."""
INTERVAL_COLUMNS = ("forecast_qty", "lo80", "hi80", "lo95", "hi95")
"""Forecast columns a moved share of demand moves with (the interval keeps its width)."""


def _label(month: object) -> str:
    return pd.Timestamp(month).strftime("%b %Y")


def in_force(decisions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(in force, superseded)``: per issue, the decision of the latest meeting is in force;
    the earlier ones are replaced by it."""
    if decisions.empty:
        return decisions, decisions
    ordered = decisions.sort_values(["decided_month", "issue"])
    latest = ordered.groupby("issue")["decided_month"].transform("max")
    keep = ordered["decided_month"] == latest
    return ordered[keep], ordered[~keep]


def applied_levers(
    decisions: pd.DataFrame,
    levers: pd.DataFrame,
    plan_month: dt.date,
    items: pd.DataFrame,
    resources: pd.Index,
    new_orders: pd.DataFrame,
) -> pd.DataFrame:
    """One row per lever of every decision before ``plan_month`` (:data:`APPLIED_COLUMNS`),
    with what P's plan does with it (module docstring).

    Args:
        decisions: Recorded decisions (``raw.decisions``: ``decided_month, decision_id,
            issue, option, owner``) of meetings before ``plan_month``.
        levers: ``option_levers`` rows of those meetings (``decided_month, issue, option,
            lever, item, resource, month, to_month, qty``).
        plan_month: The month being planned.
        items: P's item master (``item``, ``status``).
        resources: P's resources.
        new_orders: P's open orders not open at each decision's month (``decided_month, po,
            item, qty_open, due_date``): the real orders an expedite turns into.
    """
    current, replaced = in_force(decisions)
    rows: list[dict[str, object]] = []
    plan = pd.Timestamp(plan_month)
    status = (
        items.set_index(items["item"].astype(str))["status"].fillna("active").astype(str)
        if "status" in items.columns
        else pd.Series("active", index=items["item"].astype(str))
    )
    for decision in replaced.itertuples(index=False):
        later = current.loc[current["issue"] == decision.issue, "decided_month"].iloc[0]
        rows.append(
            _row(
                decision,
                lever=None,
                status=SUPERSEDED,
                note=f"the {pd.Timestamp(later):%Y-%m} meeting decided {decision.issue} again",
            )
        )
    for decision in current.itertuples(index=False):
        mine = levers[
            (pd.to_datetime(levers["decided_month"]) == pd.Timestamp(decision.decided_month))
            & (levers["issue"] == decision.issue)
            & (levers["option"] == decision.option)
        ]
        if mine.empty:
            rows.append(
                _row(
                    decision,
                    lever=None,
                    status=RECORDED,
                    note="the option commits to nothing the next plan holds",
                )
            )
            continue
        orders = new_orders[
            pd.to_datetime(new_orders["decided_month"]) == pd.Timestamp(decision.decided_month)
        ]
        taken: dict[str, float] = {}
        for lever in mine.sort_values(["lever", "item", "resource", "month"]).itertuples():
            rows.append(_apply_one(decision, lever, plan, status, resources, orders, taken))
    frame = pd.DataFrame(rows, columns=APPLIED_COLUMNS)
    for column in ("qty", "applied_qty"):
        frame[column] = frame[column].astype(float)
    return frame


def _row(decision, lever, status: str, note: str, qty=np.nan, applied=0.0) -> dict[str, object]:
    return {
        "decision_id": decision.decision_id,
        "decided_month": decision.decided_month,
        "issue": decision.issue,
        "option": decision.option,
        "owner": decision.owner,
        "lever": getattr(lever, "lever", None),
        "item": getattr(lever, "item", None),
        "resource": getattr(lever, "resource", None),
        "month": getattr(lever, "month", None),
        "to_month": getattr(lever, "to_month", None),
        "qty": float(qty),
        "applied_qty": float(applied),
        "status": status,
        "note": note,
    }


def _apply_one(
    decision,
    lever,
    plan: pd.Timestamp,
    status: pd.Series,
    resources: pd.Index,
    orders: pd.DataFrame,
    taken: dict[str, float],
) -> dict[str, object]:
    qty = float(lever.qty) if pd.notna(lever.qty) else np.nan
    kind = lever.lever
    if kind == "accept_risk":
        return _row(
            decision,
            lever,
            RECORDED,
            f"risk accepted: expected margin at risk {qty:,.0f} over the horizon",
            qty,
        )
    if kind == "cash_path":
        mode = "relaxed (off)" if lever.item == "off" else "kept to (hard from its target month)"
        return _row(decision, lever, APPLIED, f"the cash path is {mode} in this plan", qty)
    month = pd.Timestamp(lever.month)
    if month <= plan:
        return _row(
            decision,
            lever,
            PASSED,
            f"{_label(month)} has closed: its effect is in the closing stock and sales",
            qty,
        )
    if kind == "overtime":
        if lever.resource not in resources:
            return _row(
                decision, lever, NOT_APPLICABLE, f"{lever.resource} is no longer a resource", qty
            )
        return _row(
            decision, lever, APPLIED, f"{qty:,.1f} h approved on {lever.resource}", qty, qty
        )
    item = str(lever.item)
    if item not in status.index:
        return _row(decision, lever, NOT_APPLICABLE, f"{item} is not in the item master", qty)
    if status[item] == "phase_out":
        return _row(decision, lever, NOT_APPLICABLE, f"{item} is being phased out", qty)
    if kind == "production":
        return _against_orders(decision, lever, orders, taken, item, month, qty, same_month=True)
    if kind == "demand_shift":
        return _row(
            decision,
            lever,
            APPLIED,
            f"{qty:,.0f} of {item}'s {_label(month)} demand moved to {_label(lever.to_month)}",
            qty,
            qty,
        )
    if kind == "expedite":
        return _against_orders(decision, lever, orders, taken, item, month, qty, same_month=False)
    return _row(decision, lever, NOT_APPLICABLE, f"unknown lever {kind}", qty)


def _against_orders(
    decision,
    lever,
    orders: pd.DataFrame,
    taken: dict[str, float],
    item: str,
    month: pd.Timestamp,
    qty: float,
    same_month: bool,
) -> dict[str, object]:
    """A decided order (an expedite due by ``month``, production received in ``month``) less
    the real orders for the item opened since the meeting that carry it out: the supply
    counts once. ``taken`` keeps what earlier levers of the decision already counted."""
    due = pd.to_datetime(orders["due_date"]).dt.to_period("M").dt.to_timestamp()
    when = due == month if same_month else due <= month
    mine = orders[(orders["item"].astype(str) == item) & when]
    key = f"{item}:{month:%Y-%m}" if same_month else item
    real = float(mine["qty_open"].sum()) - taken.get(key, 0.0)
    counted = min(max(real, 0.0), qty)
    taken[key] = taken.get(key, 0.0) + counted
    left = qty - counted
    what = "production order" if lever.lever == "production" else "purchase order"
    pos = ", ".join(sorted(mine["po"].astype(str).unique()))
    if left < MATERIAL_UNITS:
        return _row(
            decision,
            lever,
            REPLACED,
            f"the {what} {pos} ({counted:,.0f}) counts instead of the decided one",
            qty,
            0.0,
        )
    if lever.lever == "production":
        note = f"firm production of {left:,.0f} {item} received in {_label(month)}"
    else:
        note = f"firm order of {left:,.0f} {item} due {_label(month)}"
    if counted > 0:
        note += f"; {counted:,.0f} already on {what} {pos}"
    return _row(decision, lever, APPLIED, note, qty, left)


def applied_to_inputs(inputs: PlanningInputs, applied: pd.DataFrame) -> PlanningInputs:
    """``inputs`` with the applied levers in (module docstring): expedites as open orders,
    pre-builds as firm production, approved overtime as firm overtime, moved demand in the
    forecast."""
    if applied is None or applied.empty:
        return inputs
    rows = applied[applied["status"] == APPLIED]
    kinds = rows["lever"]
    orders = rows[kinds == "expedite"]
    open_orders = inputs.open_orders
    if len(orders):
        firm = pd.DataFrame(
            {
                "po": "decision " + orders["decision_id"].astype(str),
                "item": orders["item"].astype(str),
                "qty_open": orders["applied_qty"].to_numpy(float),
                "due_date": pd.to_datetime(orders["month"]),
            }
        )
        existing = open_orders.assign(due_date=pd.to_datetime(open_orders["due_date"]))
        parts = [frame for frame in (existing, firm) if len(frame)]
        open_orders = pd.concat(parts, ignore_index=True)
    firm_production = _firm(rows[kinds == "production"], "item", "qty")
    firm_overtime = _firm(rows[kinds == "overtime"], "resource", "hours")
    forecast = _moved(inputs.forecast, rows[kinds == "demand_shift"])
    return replace(
        inputs,
        open_orders=open_orders,
        firm_production=firm_production,
        firm_overtime=firm_overtime,
        forecast=forecast,
    )


def _firm(levers: pd.DataFrame, subject: str, amount: str) -> pd.DataFrame:
    """Applied levers as firm quantities ``subject, month, amount``."""
    if levers.empty:
        return no_firm(subject, amount)
    return pd.DataFrame(
        {
            subject: levers[subject].astype(str),
            "month": pd.to_datetime(levers["month"]),
            amount: levers["applied_qty"].to_numpy(float),
        }
    )


def _moved(forecast: pd.DataFrame, shifts: pd.DataFrame) -> pd.DataFrame:
    """The forecast with each shift's units taken from its month and added to the next (the
    interval bounds move with the point, never below zero)."""
    if shifts.empty:
        return forecast
    out = forecast.copy()
    months = pd.to_datetime(out["month"])
    columns = [c for c in INTERVAL_COLUMNS if c in out.columns]
    for shift in shifts.itertuples(index=False):
        item = out["item"].astype(str) == str(shift.item)
        source = item & (months == pd.Timestamp(shift.month))
        target = item & (months == pd.Timestamp(shift.to_month))
        moved = min(float(shift.applied_qty), float(out.loc[source, "forecast_qty"].sum()))
        for column in columns:
            out.loc[source, column] = (out.loc[source, column] - moved).clip(lower=0.0)
            out.loc[target, column] = out.loc[target, column] + moved
    return out


def cash_path_mode(applied: pd.DataFrame) -> str | None:
    """The cash path's mode a decision in force sets for the plan (``off`` or ``hard``), or
    None when none does."""
    if applied is None or applied.empty:
        return None
    rows = applied[(applied["lever"] == "cash_path") & (applied["status"] == APPLIED)]
    if rows.empty:
        return None
    return str(rows.sort_values("decided_month")["item"].iloc[-1])
