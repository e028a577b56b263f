"""The meeting pack: agenda order, charts, escaping, empty months, 10,000 items, real Chromium."""

from __future__ import annotations

import datetime
import re
from dataclasses import replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sop_pipeline.meeting import (
    AGENDA_SECTIONS,
    SECTION_CHARTS,
    MeetingPackData,
    agenda_markdown,
    render_meeting_pack,
)
from sop_pipeline.meeting.charts import projection_chart
from sop_pipeline.meeting.formatting import Formatter
from sop_pipeline.meeting.series import projection_series, riskiest_items
from sop_pipeline.meeting.tables import html_table
from sop_pipeline.meeting.views import actions_view, exceptions_view, past_due_view
from sop_pipeline_tests.browser import chromium_missing_reason, open_page

PLAN = datetime.date(2025, 11, 1)
FAMILIES = ("Face Care", "Body Care", "Sun Care", "Hair Care")
PRODUCTS = ("Vitamin C Serum", "Day Cream", "Body Lotion", "Sun Fluid SPF 50", "Shampoo")
KPIS = (  # kpi, unit, better, value, target, status
    ("fill_rate", "ratio", "higher", 0.962, 0.97, "watch"),
    ("wape_lag1", "ratio", "lower", 0.241, 0.25, "on_track"),
    ("bias_lag1", "ratio", "lower", 0.064, 0.05, "off_track"),
    ("inventory_value", "currency", "lower", 812_400.0, 750_000.0, "off_track"),
    ("months_of_supply", "months", "lower", 3.4, 3.0, "watch"),
    ("inventory_turns", "turns", "higher", 3.9, 4.0, "watch"),
    ("excess_obsolete_value", "currency", "lower", 21_350.0, 15_000.0, "off_track"),
    ("cash_vs_target", "currency", "lower", 62_400.0, 0.0, "off_track"),
)


def _months(start: pd.Timestamp, count: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=count, freq="MS")


def _grid(items: np.ndarray, months: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame(
        {"item": np.repeat(items, len(months)), "month": np.tile(months, len(items))}
    )


def _option_rows(issue: str, months: pd.DatetimeIndex, affected: str, **columns) -> pd.DataFrame:
    """The options of one issue: ``columns`` lists per option, the rest shared."""
    category, _, item = issue.partition(":")
    count = len(columns["option"])
    shared = {
        "plan_month": months[0] - pd.DateOffset(months=1),
        "issue": issue,
        "category": category,
        "item": item,
        "is_feasible": True,
        "first_month": months[0],
        "last_month": months[-1],
        "affected_items": affected,
        "purchase_spend": 0.0,
        "overtime_cost": 0.0,
        "expedite_cost": 0.0,
        "holding_cost": 0.0,
        "lost_sales_qty": 0.0,
        "expected_margin_at_risk": 0.0,
        "expected_excess_value": 0.0,
        "cash_balance_end": 640e3,
        "is_suggested": False,
        "note": "",
    }
    frame = pd.DataFrame({**shared, **columns}, index=range(count))
    frame["expected_margin"] = 70_000.0 + frame["margin_vs_base"]
    return frame


def _capacity_tables(
    plan: pd.Timestamp, items: np.ndarray, horizon: pd.DatetimeIndex
) -> dict[str, pd.DataFrame]:
    """The constrained plan of a filling line that binds in June and July 2026 (one more hour is
    worth $62.50, then $41.00; its overtime used up) and a packing line with room; what the
    unconstrained MRP would need (150 h in June and July against 115 h with overtime); the
    binding constraints - the amber bottle CMP-BOTTLE-30 (Dec 2025-Jan 2026, up to $4.10 a
    unit, FG-00001 and FG-00002, $4,000 of margin lost), the filling line, a lead time and the
    cash path; and the options of the bottle (the top issue), the line and the cash path."""
    months = pd.DatetimeIndex(horizon)
    peak = np.where(months.month.isin([6, 7]), 1.5, 0.9)
    fill = pd.DataFrame(
        {
            "month": months,
            "resource": "FILL",
            "description": "Filling line",
            "capacity": 100.0,
            "overtime_capacity": 15.0,
            "load": 100.0 * peak,
        }
    )
    pack = pd.DataFrame(
        {
            "month": months,
            "resource": "PACK",
            "description": "Packing line",
            "capacity": 200.0,
            "overtime_capacity": 0.0,
            "load": 120.0,
        }
    )
    need = pd.concat([fill, pack], ignore_index=True)  # fmt: skip
    above = (need["load"] - need["capacity"]).clip(lower=0)
    capacity_plan = need.assign(
        plan_month=plan,
        scenario="base",
        overtime_used=np.minimum(above, need["overtime_capacity"]),
        overload=(above - need["overtime_capacity"]).clip(lower=0),
        utilisation=need["load"] / need["capacity"],
        capacity_source="resources",
    )
    capacity_plan["overtime_cost"] = 45 * capacity_plan["overtime_used"]
    capacity_plan["units_short"] = capacity_plan["overload"] * 200
    capacity_plan["revenue_at_risk"] = capacity_plan["overload"] * 310.0
    capacity_plan["margin_at_risk"] = capacity_plan["overload"] * 240.0
    capacity_plan["prebuild_load"] = np.minimum(capacity_plan["overload"], 20.0)

    can = need.copy()
    can["load"] = np.minimum(can["load"], can["capacity"] + can["overtime_capacity"])
    can = can.assign(plan_month=plan, scenario="base", fixed_load=0.0)
    can["overtime_used"] = (can["load"] - can["capacity"]).clip(lower=0)
    can["overtime_cost"] = 45 * can["overtime_used"]
    can["utilisation"] = can["load"] / can["capacity"]
    can["spare"] = can["capacity"] + can["overtime_capacity"] - can["load"]
    june, july = pd.Timestamp("2026-06-01"), pd.Timestamp("2026-07-01")
    fill_rows = can["resource"] == "FILL"
    can["shadow_price"] = np.select(
        [fill_rows & (can["month"] == june), fill_rows & (can["month"] == july)], [62.5, 41.0], 0.0
    )
    upside = can.assign(scenario="upside", shadow_price=np.where(fill_rows, 99.0, 0.0))
    constrained = pd.concat([can, upside], ignore_index=True)

    def price_rows(kind, name, when, price, unit, affected, count, lost, margin, text):
        return pd.DataFrame(
            {
                "plan_month": plan,
                "constraint_type": kind,
                "constraint": name,
                "month": pd.to_datetime(when),
                "shadow_price": price,
                "unit": unit,
                "slack": 0.0,
                "affected_items": affected,
                "affected_item_count": count,
                "lost_sales_qty": lost,
                "lost_margin": margin,
                "description": text,
            }
        )

    wide = ", ".join(items[2:8]) + (f" and {len(items) - 8} more" if len(items) > 8 else "")
    prices = pd.concat(
        [
            price_rows("cash", "cash path", ["2026-03-01", "2026-04-01"], [0.02, 0.02],
                       "per dollar of inventory", "", 0, 0.0, 0.0,
                       "inventory value against the dated cash path"),
            price_rows("resource", "FILL", [june, july], [62.5, 41.0], "per hour",
                       [wide, ", ".join(items[2:4])], [len(items) - 2, 2], [0.0, 50.0],
                       [0.0, 1_250.0], "Filling line"),
            price_rows("component", "CMP-BOTTLE-30", ["2025-12-01", "2026-01-01"], [3.25, 4.1],
                       "per unit", ", ".join(items[:2]), 2, [120.0, 80.0], [2_400.0, 1_600.0],
                       "Amber glass bottle 30 ml"),
            price_rows("lead_time", items[4], ["2025-12-01"], [12.0], "per unit", items[4], 1,
                       [25.0], [300.0], "Day Cream 50 ml"),
        ],
        ignore_index=True,
    )  # fmt: skip

    bottle = _option_rows(
        "component:CMP-BOTTLE-30",
        months[:4],
        ", ".join(items[:2]),
        option=["plan_to_base", "expedite", "spread_deliveries", "constrained_plan"],
        is_suggested=[False, True, False, False],
        extra_inventory_cash_peak=[0.0, 8_400.0, 0.0, 8_400.0],
        expedite_cost=[0.0, 950.0, 0.0, 950.0],
        holding_cost=[0.0, 70.0, 0.0, 70.0],
        expected_revenue_at_risk=[61_000.0, 4_100.0, 58_500.0, 4_100.0],
        service_level=[0.62, 0.974, 0.64, 0.974],
        margin_vs_base=[0.0, 44_000.0, 1_900.0, 44_000.0],
        cash_low_point=[512e3, 520e3, 513e3, 520e3],
        runway_months=[13.1, 14.2, 13.2, 14.2],
        decision=[
            "Plan without expediting CMP-BOTTLE-30 and take the stockout risk",
            "Expedite 4,000 of CMP-BOTTLE-30 now (14 days, 15% premium)",
            "Ask customers to take 30% of Dec 2025's demand (420 units) in Jan 2026",
            "Approve the constrained plan: expedite CMP-BOTTLE-30",
        ],
        note=["", "", "any price concession is not included", ""],
    )
    line = _option_rows(
        "resource:FILL",
        months[6:8],
        wide,
        option=["plan_to_base", "overtime", "prebuild", "constrained_plan"],
        is_feasible=[True, False, True, True],
        is_suggested=[False, False, True, False],
        extra_inventory_cash_peak=[0.0, 0.0, 21_000.0, 21_000.0],
        overtime_cost=[0.0, 0.0, 0.0, 675.0],
        expected_revenue_at_risk=[9_000.0, 9_000.0, 1_200.0, 1_000.0],
        service_level=[0.91, 0.91, 0.985, 0.987],
        margin_vs_base=[0.0, 0.0, 6_100.0, 6_050.0],
        cash_low_point=[520e3, 520e3, 505e3, 505e3],
        runway_months=[float("nan")] * 4,
        decision=[
            "Plan without overtime or building ahead on FILL and take the stockout risk",
            "",
            "Build 3,100 units ahead on FILL's spare capacity (Feb 2026-May 2026)",
            "Approve the constrained plan: 30.0 h of overtime",
        ],
        note=["", "the plan already uses all the overtime", "", ""],
    )
    cash = _option_rows(
        "cash:cash path",
        months,
        ", ".join(items[:3]),
        option=["plan_to_base", "keep_to_cash_path", "relax_cash_path"],
        is_suggested=[True, False, False],
        extra_inventory_cash_peak=[0.0, 0.0, 14_700.0],
        expected_revenue_at_risk=[5_000.0, 9_000.0, 4_000.0],
        service_level=[0.957, 0.951, 0.959],
        margin_vs_base=[0.0, -23_250.0, 600.0],
        cash_low_point=[520e3, 523e3, 505e3],
        runway_months=[14.2, 14.4, 14.1],
        decision=[
            "Plan as it stands, the cash path a target it may exceed",
            "Keep inventory within the dated cash path, whatever it costs in service",
            "Relax the cash path: hold the stock the plan needs above the dated target",
        ],
    )
    return {
        "capacity_plan": capacity_plan,
        "constrained_capacity": constrained,
        "constraint_prices": prices,
        "scenario_options": pd.concat([bottle, line, cash], ignore_index=True),
    }


def build_pack_data(n_items: int = 8, seed: int = 7) -> MeetingPackData:
    """A plausible plan month (Nov 2025) of a cosmetics company with ``n_items`` finished goods."""
    rng = np.random.default_rng(seed)
    plan = pd.Timestamp(PLAN)
    items = np.array([f"FG-{i:05d}" for i in range(1, n_items + 1)])
    family = np.array([FAMILIES[i % len(FAMILIES)] for i in range(n_items)])
    description = np.array(
        [f"{PRODUCTS[i % len(PRODUCTS)]} {30 + 5 * (i % 7)} ml" for i in range(n_items)]
    )
    price = np.round(rng.uniform(8, 45, n_items), 2)
    level = rng.gamma(2.0, 400.0, n_items)
    fam = pd.Series(family, index=items)

    horizon = _months(plan + pd.offsets.MonthBegin(1), 12)
    fc = _grid(items, horizon)
    season = 1 + 0.25 * np.sin(2 * np.pi * fc["month"].dt.month.to_numpy() / 12)
    qty = np.repeat(level, 12) * season * rng.uniform(0.9, 1.1, len(fc))
    spread = np.sqrt(np.tile(np.arange(1, 13), n_items)) * 0.12 * qty
    promo = np.where(
        (fc["month"].dt.month == 12) & (np.repeat(np.arange(n_items), 12) % 3 == 0), 0.2 * qty, 0.0
    )
    fc = fc.assign(
        plan_month=plan,
        family=fc["item"].map(fam),
        forecast_qty=qty + promo,
        baseline_qty=qty,
        promo_qty=promo,
        lo80=np.maximum(qty - 1.28 * spread, 0),
        hi80=qty + promo + 1.28 * spread,
        lo95=np.maximum(qty - 1.96 * spread, 0),
        hi95=qty + promo + 1.96 * spread,
        unit_price=np.repeat(price, 12),
        model=np.where(np.repeat(np.arange(n_items), 12) % 2 == 0, "AutoETS", "SeasonalNaive"),
    )
    fc["forecast_revenue"] = fc["forecast_qty"] * fc["unit_price"]

    past = _months(plan - pd.DateOffset(months=35), 36)
    hist = _grid(items, past)
    hist_season = 1 + 0.25 * np.sin(2 * np.pi * hist["month"].dt.month.to_numpy() / 12)
    hist["demand_qty"] = np.round(
        np.repeat(level, 36) * hist_season * rng.uniform(0.75, 1.2, len(hist))
    )

    current = fc.groupby("item")["forecast_qty"].sum()
    prior = current * rng.uniform(0.85, 1.15, n_items)
    prior.iloc[:3] = current.iloc[:3] * np.array([0.6, 1.5, 0.7])  # three clear exceptions
    changes = pd.DataFrame(
        {
            "plan_month": plan,
            "item": items,
            "family": family,
            "description": description,
            "months_compared": 11,
            "prior_qty": prior.to_numpy(),
            "current_qty": current.to_numpy(),
        }
    )
    changes["change_qty"] = changes["current_qty"] - changes["prior_qty"]
    changes["change_pct"] = changes["change_qty"] / changes["prior_qty"]
    changes["change_revenue"] = changes["change_qty"] * price
    changes["is_exception"] = (changes["change_pct"].abs() > 0.25) & (
        changes["change_revenue"].abs() > 5000
    )

    accuracy = pd.DataFrame(
        [
            {
                "plan_month": plan,
                "item": name,
                "lag": lag,
                "level": "total" if name == "__total__" else "family",
                "actual_qty": 52_000.0 / (1 if name == "__total__" else 4),
                "forecast_qty": 54_100.0 / (1 if name == "__total__" else 4),
                "wape": 0.21 + 0.03 * lag / 3 + 0.01 * k,
                "bias": 0.04 - 0.01 * k,
                "wape_statistical": 0.23 + 0.01 * k,
                "wape_naive": 0.31,
                "fva_statistical_vs_naive": 0.08 - 0.01 * k,
                "fva_consensus_vs_statistical": 0.02 - 0.015 * k,
                "fva_consensus_vs_naive": 0.10 - 0.025 * k,
            }
            for lag in (1, 3)
            for k, name in enumerate(["__total__", *[f"family:{f}" for f in FAMILIES]])
        ]
    )
    scorecard = pd.DataFrame(
        {
            "plan_month": plan,
            "owner": ["Sales - K. Berg", "Marketing - E. Holm", "Demand planner - J. Ruiz"],
            "reason": ["Key account listing", "Campaign uplift", "Known one-off order"],
            "overrides": [9, 6, 4],
            "helped": [7, 2, 3],
            "hurt": [2, 4, 1],
            "hit_rate": [7 / 9, 2 / 6, 3 / 4],
            "error_reduction": [1450.0, -820.0, 310.0],
            "wape_points_added": [0.031, -0.018, 0.006],
            "verdict": ["trust", "challenge", "neutral"],
        }
    )

    gap_items = items[: max(2, n_items // 20)]
    gaps = _grid(gap_items, horizon[1:4])
    gaps["demand_qty"] = np.repeat(level[: len(gap_items)], 3)
    gaps["available_qty"] = gaps["demand_qty"] * 0.6
    gaps["shortage_qty"] = gaps["demand_qty"] - gaps["available_qty"]
    gaps["revenue_at_risk"] = gaps["shortage_qty"] * np.repeat(price[: len(gap_items)], 3)
    gaps["limiting_item"] = "CMP-BOTTLE-30"
    gaps["binding_component"] = "CMP-BOTTLE-30"
    gaps["plan_month"] = plan

    mrp_parts = []
    for scenario, factor in (("base", 1.0), ("upside", 1.25)):
        grid = _grid(items, horizon).assign(scenario=scenario, plan_month=plan)
        demand = np.repeat(level, 12) * factor
        stock = np.repeat(level * rng.uniform(0.8, 3.0, n_items), 12)
        step = np.tile(np.arange(1, 13), n_items)
        receipts = np.where(step % 3 == 1, np.repeat(level * 3.0, 12), 0.0)
        received = receipts.reshape(n_items, 12).cumsum(axis=1).ravel()
        projected = stock + received - demand * step
        past_due = (step == 1) & (np.repeat(np.arange(n_items), 12) % 9 == 1)
        grid = grid.assign(
            level_code=0,
            gross_qty=demand,
            scheduled_receipts=0.0,
            projected_on_hand=projected,
            safety_stock=np.repeat(level * 0.6, 12),
            net_qty=np.maximum(-projected, 0),
            planned_receipt_qty=receipts,
            planned_release_qty=receipts,
            release_past_due=past_due,
            past_due_release_qty=np.where(past_due, receipts, 0.0),
        )
        mrp_parts.append(grid)
    mrp = pd.concat(mrp_parts, ignore_index=True)
    constrained = mrp.assign(
        item_type="finished_good",
        inventory_qty=mrp["projected_on_hand"].clip(lower=0),
        lost_sales_qty=(-mrp["projected_on_hand"]).clip(lower=0),
        safety_stock_target=mrp["safety_stock"],
        receipt_qty=mrp["planned_receipt_qty"],
        expedited_qty=0.0,
    )
    policy = pd.DataFrame(
        {
            "plan_month": plan,
            "item": items,
            "item_type": "finished_good",
            "safety_stock": level * 0.6,
            "on_hand_qty": level * 2,
            "months_of_cover": rng.uniform(0.5, 6, n_items),
        }
    )

    n_lots = max(3, n_items // 5)
    lot_items = items[rng.integers(0, n_items, n_lots)]
    lots = pd.DataFrame(
        {
            "plan_month": plan,
            "item": lot_items,
            "location": "DC-Main",
            "lot": [f"L{25000 + i}" for i in range(n_lots)],
            "expiry_date": plan + pd.to_timedelta(rng.integers(20, 400, n_lots), unit="D"),
            "on_hand_qty": rng.integers(50, 900, n_lots).astype(float),
            "reason": rng.choice(["expiry", "expired", "slow_mover", "obsolete"], n_lots),
        }
    )
    lots["qty_at_risk"] = np.round(lots["on_hand_qty"] * rng.uniform(0.2, 1.0, n_lots))
    lots["value_at_risk"] = lots["qty_at_risk"] * rng.uniform(1.5, 6.0, n_lots)
    excess = (
        lots.groupby("item")
        .agg(
            total_value=("value_at_risk", "sum"),
            obsolete_qty=("qty_at_risk", "sum"),
            reason=("reason", "first"),
        )
        .reset_index()
        .assign(plan_month=plan, excess_qty=0.0, excess_value=0.0)
    )
    excess["obsolete_value"] = excess["total_value"]

    levels = [0.85, 0.90, 0.92, 0.95, 0.97, 0.98, 0.99, 0.995]
    value = [520e3, 560e3, 585e3, 640e3, 690e3, 730e3, 800e3, 860e3]
    fill = [0.925, 0.945, 0.953, 0.965, 0.974, 0.979, 0.986, 0.990]
    tradeoff = pd.DataFrame(
        {
            "service_level": levels,
            "inventory_value": value,
            "expected_fill_rate": fill,
            "is_current": False,
        }
    )
    tradeoff.loc[len(tradeoff)] = [0.955, 655e3, 0.967, True]
    tradeoff["plan_month"] = plan

    cash_months = _months(plan, 13)
    inventory = 812_400 - 9_000 * np.arange(13) + 15_000 * np.sin(np.arange(13))
    cash = pd.DataFrame(
        {
            "plan_month": plan,
            "month": cash_months,
            "inventory_value": inventory,
            "purchase_spend": np.r_[0.0, rng.uniform(90e3, 160e3, 12)],
            "target_inventory_value": 750_000.0,
        }
    )
    cash["gap_to_target"] = cash["inventory_value"] - cash["target_inventory_value"]
    cash["is_actual"] = np.arange(13) == 0
    flows = np.r_[0.0, rng.uniform(-120e3, 60e3, 12)]
    cash["cash_balance"] = np.where(cash["is_actual"], np.nan, 900e3 + np.cumsum(flows))
    cash["cash_inflow"] = np.where(cash["is_actual"], np.nan, 400e3)
    cash["overtime_cost"] = np.where(cash["month"].dt.month.isin([6, 7]), 675.0, 0.0)
    cash["expedite_cost"] = np.where(cash["month"] == horizon[0], 950.0, 0.0)
    cash["operating_burn"] = 250e3
    cash["net_cash_flow"] = np.where(cash["is_actual"], np.nan, flows)
    cash["is_cash_low_point"] = cash["cash_balance"] == cash["cash_balance"].min()
    cash["runway_months"] = 14.2
    cash["cash_as_of_month"] = plan
    capacity = _capacity_tables(plan, items, horizon)
    low = cash[cash["is_cash_low_point"]].iloc[0]
    feasibility = pd.DataFrame(
        {
            "plan_month": plan,
            "check": ["working_capital", "revenue", "cash"],
            "is_met": [False, False, True],
            "value": [655e3, np.nan, low["cash_balance"]],
            "target": [600e3, np.nan, 0.0],
            "month": [pd.Timestamp("2026-06-01"), pd.NaT, low["month"]],
            "service_level": np.nan,
            "margin_given_up": [12_500.0, np.nan, np.nan],
            "detail": "",
        }
    )

    by_family = fc.groupby(["month", "family"])["forecast_revenue"].sum().reset_index()
    by_family["planned_revenue"] = by_family["forecast_revenue"] * rng.uniform(
        0.9, 1.15, len(by_family)
    )
    total = by_family.groupby("month")[["forecast_revenue", "planned_revenue"]].sum().reset_index()
    recon = pd.concat([by_family, total.assign(family="__total__")], ignore_index=True)
    recon["gap"] = recon["forecast_revenue"] - recon["planned_revenue"]
    recon["gap_pct"] = recon["gap"] / recon["planned_revenue"]
    short = np.where(recon["family"].isin(["Face Care", "__total__"]), 0.97, 1.0)
    recon["constrained_revenue"] = recon["forecast_revenue"] * short
    recon.loc[recon["family"] == "__total__", "constrained_revenue"] = np.nan
    company = recon[recon["family"] != "__total__"].groupby("month")["constrained_revenue"].sum()
    total_rows = recon["family"] == "__total__"
    recon.loc[total_rows, "constrained_revenue"] = recon.loc[total_rows, "month"].map(company)
    recon["constrained_gap"] = recon["constrained_revenue"] - recon["planned_revenue"]
    recon["plan_month"] = plan
    company_total = recon[total_rows]
    feasibility.loc[feasibility["check"] == "revenue", ["value", "target"]] = [
        company_total["constrained_revenue"].sum(),
        company_total["planned_revenue"].sum(),
    ]

    n_promos = max(3, n_items // 50)
    promos = pd.DataFrame(
        {
            "plan_month": plan,
            "promo_id": [f"PROMO-2025-{i:03d}" for i in range(1, n_promos + 1)],
            "item": items[np.arange(n_promos) % n_items],
            "description": [
                "Black Friday and Cyber Monday",
                "Pharmacy loyalty weeks",
                "Summer ready",
            ]
            * (n_promos // 3)
            + ["Holiday gift sets"] * (n_promos % 3),
            "start_month": horizon[np.arange(n_promos) % 12],
            "end_month": horizon[np.arange(n_promos) % 12],
            "uplift_pct": 25.0,
            "promo_qty": rng.uniform(100, 900, n_promos),
        }
    )
    promos["promo_revenue"] = promos["promo_qty"] * 19.5

    kpi_rows = pd.DataFrame(KPIS, columns=["kpi", "unit", "better", "value", "target", "status"])
    kpi_rows["description"] = kpi_rows["kpi"].str.replace("_", " ")
    kpis = kpi_rows.assign(plan_month=plan)
    history = pd.concat(
        [
            kpi_rows.assign(
                plan_month=month, value=kpi_rows["value"] * (1 + 0.04 * np.sin(k + np.arange(8)))
            )
            for k, month in enumerate(_months(plan - pd.DateOffset(months=5), 5))
        ]
        + [kpis],
        ignore_index=True,
    )

    actions = pd.DataFrame(
        {
            "plan_month": plan,
            "action_id": ["A-2025-004", "A-2025-007", "A-2025-009", "A-2025-010", "A-2025-011"],
            "opened_month": pd.to_datetime(
                ["2025-06-01", "2025-08-01", "2025-09-01", "2025-10-01", "2025-10-01"]
            ),
            "topic": [
                "Second source for amber glass dropper bottle 30 ml",
                "Cap raw-material buys at eight weeks of cover",
                "Review safety stock of sun care ahead of season",
                "Confirm launch volumes for Hand Cream 75 ml",
                "Clear phase-out stock of Day Cream 15 ml",
            ],
            "owner": [
                "Procurement - A. Lind",
                "CFO - P. Kerr",
                "Supply planner - M. Sato",
                "Marketing lead - E. Holm",
                "Sales - K. Berg",
            ],
            "due_date": pd.to_datetime(
                ["2025-09-30", "2025-11-15", "2025-12-20", "2025-10-31", "2025-12-31"]
            ),
            "status": ["open", "done", "open", "open", "open"],
            "decision": [
                "Qualify a second supplier",
                "Agreed by leadership",
                "",
                "Three months of cover",
                "Sell through outlet",
            ],
            "is_overdue": [True, False, False, True, False],
            "days_overdue": [66, np.nan, np.nan, 35, np.nan],
        }
    )
    issues = pd.DataFrame(
        {
            "plan_month": plan,
            "rank": [1, 2, 3, 4],
            "issue": ["component:CMP-BOTTLE-30", "resource:FILL-L", f"lead_time:{items[1]}",
                      f"forecast_change:{items[2]}"],
            "category": ["component", "resource", "lead_time", "forecast_change"],
            "topic": [
                "Amber glass bottle 30 ml (CMP-BOTTLE-30) binds from Dec 2025 to Jan 2026: 3 "
                "affected (FG-00001, FG-00002, FG-00003), one more unit is worth 0.08",
                "Filling line (FILL-L) binds in Mar 2026: 4 affected, one more hour is worth 90",
                f"{items[1]} binds in Dec 2025: 1 affected ({items[1]}); the plan still loses 80 "
                "units (2,300 of margin)",
                f"{items[2]} forecast up by 40% (900 units) against last month: 1,900 of "
                "expected margin if the plan stays at the base forecast",
            ],
            "item": ["CMP-BOTTLE-30", "FILL-L", items[1], items[2]],
            "impact_value": [48_200.0, 12_900.0, 2_300.0, 1_900.0],
            "suggested_decision": [
                "Expedite 9,000 of CMP-BOTTLE-30 now (14 days, 15% premium)",
                "Plan 20.0 h of overtime on FILL-L in Mar 2026",
                f"Accept the loss on {items[1]} or find stock elsewhere",
                f"Produce {items[2]} to the upside: hold up to 300 more units",
            ],
            "affected_item_count": [3, 4, 1, 1],
            "drivers": [
                "overrides add 54% of the shortage (Marketing lead: challenge)",
                "the plan builds 2,400 units of safety stock in these months",
                None,
                None,
            ],
            "open_actions": [
                "A-2025-004 Second source for amber glass bottle (Procurement, 66 days overdue)",
                None, None, None,
            ],
            "option_cash": [1_200.0, 0.0, np.nan, 2_100.0],
            "shadow_price": [0.08, 90.0, 70.0, np.nan],
            "price_per": ["unit", "hour", "unit", None],
            "decide_by": pd.to_datetime(["2025-12-15", "2026-01-14", "2025-12-15", "2026-01-14"]),
        }
    )  # fmt: skip
    planner_tasks = pd.DataFrame(
        {
            "plan_month": plan,
            "rank": [1, 2],
            "category": ["shelf_life", "overdue_action"],
            "task_topic": ["Lots expiring before use at DC-Main", "Action A-2025-001 is overdue"],
            "item": [items[1], "A-2025-001"],
            "impact_value": [9_400.0, 0.0],
            "task": ["Discount the lots through the outlet channel", "Escalate to its owner"],
        }
    )
    return MeetingPackData(
        plan_month=PLAN,
        company="Nordlys Skincare",
        currency="USD",
        kpis=kpis,
        kpi_history=history,
        actions=actions,
        top_issues=issues,
        planner_tasks=planner_tasks,
        forecast=fc,
        demand_history=hist,
        forecast_changes=changes,
        forecast_accuracy=accuracy,
        override_scorecard=scorecard,
        supply_gaps=gaps,
        **capacity,
        material_requirements=mrp,
        constrained_plan=constrained,
        inventory_policy=policy,
        shelf_life_risk=lots,
        excess_obsolete=excess,
        service_cash_tradeoff=tradeoff,
        cash_projection=cash,
        plan_feasibility=feasibility,
        financial_reconciliation=recon,
        promotions_ahead=promos,
    )


class PackOutline(HTMLParser):
    """The parts of a pack the tests look at: sections, figures, tables, tags left open."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "col", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []  # the agenda's sections (the appendix)
        self.pages: list[str] = []  # the other sections: the brief
        self.charts: list[tuple[str, str, bool]] = []  # (section, data-chart, holds an <svg>)
        self.tables: list[int] = []  # body rows per table
        self.tags: set[str] = set()
        self.stack: list[str] = []
        self.mismatched: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.add(tag)
        if tag == "section" and "agenda-section" in (values.get("class") or ""):
            self.sections.append(values.get("id") or "")
        elif tag == "section":
            self.pages.append(values.get("id") or "")
        elif tag == "figure" and "data-chart" in values:
            self.charts.append((self.sections[-1], values["data-chart"] or "", False))
        elif tag == "svg" and self.charts and "figure" in self.stack:
            self.charts[-1] = (*self.charts[-1][:2], True)
        elif tag == "table":
            self.tables.append(0)
        elif tag == "tr" and "tbody" in self.stack:
            self.tables[-1] += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.mismatched.append(tag)
            return
        self.stack.pop()


def outline(html: str) -> PackOutline:
    parser = PackOutline()
    parser.feed(html)
    parser.close()
    return parser


def chart_names(parsed: PackOutline, section: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for sec, name, _ in parsed.charts if sec == section))


@pytest.fixture(scope="module")
def pack_data() -> MeetingPackData:
    return build_pack_data()


@pytest.fixture(scope="module")
def pack_html(pack_data: MeetingPackData) -> str:
    return render_meeting_pack(pack_data)


def test_every_section_and_chart_in_agenda_order(pack_html: str) -> None:
    parsed = outline(pack_html)
    assert tuple(parsed.sections) == AGENDA_SECTIONS
    for section in AGENDA_SECTIONS:
        assert chart_names(parsed, section) == SECTION_CHARTS[section], section
    assert all(has_svg for _, _, has_svg in parsed.charts)
    kinds = [name for _, name, _ in parsed.charts]
    assert kinds.count("fan_chart") == 6
    assert kinds.count("projected_inventory") == 6
    assert not parsed.stack and not parsed.mismatched  # every element closed


def test_pack_is_self_contained(pack_html: str) -> None:
    parsed = outline(pack_html)
    assert not parsed.tags & {"script", "link", "img", "iframe", "object"}
    addresses = set(re.findall(r"https?://[^\"'\s)<>]+", pack_html))
    assert addresses <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert "Content-Security-Policy" in pack_html


def test_numbers_dates_and_status_are_formatted(pack_html: str) -> None:
    assert "S&amp;OP meeting pack · Nov 2025" in pack_html
    assert "$65,300" in pack_html  # margin at stake of the top issues
    assert "30 Sep 2025" in pack_html and "Dec 2025" in pack_html
    assert "−$52,042" in pack_html or "−$" in pack_html  # negative gaps with a real minus
    assert 'class="badge badge-off_track"' in pack_html
    assert "96.2%" in pack_html and "3.4 months" in pack_html and "3.9×" in pack_html


def test_forecast_exceptions_only_sorted_by_revenue_change(pack_data: MeetingPackData) -> None:
    table = html_table(exceptions_view(pack_data), Formatter("USD"), max_rows=2)
    assert table.count("<tr") == 3  # header and two rows
    assert table.index("FG-00002") < table.index("FG-00003")  # -$239k before +$95k
    assert "FG-00004" not in table  # not an exception
    assert "… and 1 more items not shown." in table


@pytest.mark.parametrize("states", [("open",), ("done",), ("overdue", "done"), ("open", "done")])
def test_actions_overdue_first_then_open_then_done(
    pack_data: MeetingPackData, states: tuple[str, ...]
) -> None:
    actions = pack_data.actions.copy()
    state = np.where(actions["is_overdue"], "overdue", actions["status"])
    actions = actions[np.isin(state, states)]
    view = actions_view(replace(pack_data, actions=actions))
    assert list(view.frame["action_id"]) == [
        a for a in ["A-2025-004", "A-2025-010", "A-2025-009", "A-2025-011", "A-2025-007"]
        if a in set(actions["action_id"])
    ]  # fmt: skip


HOSTILE = '<script>alert("x")</script>'


def test_text_from_data_is_escaped(pack_data: MeetingPackData) -> None:
    changes = pack_data.forecast_changes.copy()
    changes.loc[:, "description"] = f"Cream {HOSTILE} | $5 & more"
    issues = pack_data.top_issues.copy()
    issues.loc[0, "topic"] = '<img src=x onerror="alert(1)">'
    issues.loc[0, "suggested_decision"] = "Fix **now** | [link](javascript:alert(1))"
    data = replace(
        pack_data,
        company="Smith & <Sons>",
        forecast_changes=changes,
        top_issues=issues,
        chart_items=1,
    )
    html = render_meeting_pack(data)
    parsed = outline(html)
    assert not parsed.tags & {"script", "img"}
    assert not parsed.mismatched
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "Smith &amp; &lt;Sons&gt;" in html
    markdown = agenda_markdown(data)
    assert "<img" not in markdown and "<Sons>" not in markdown
    assert "\\*\\*now\\*\\* \\| \\[link\\]" in markdown


def _drop_optional(frame: pd.DataFrame) -> pd.DataFrame:
    optional = {
        "description", "family", "model", "lo95", "hi95", "baseline_qty", "unit_price",
        "is_overdue", "days_overdue", "unit", "better", "status", "is_exception", "scenario",
        "level", "category", "reason", "location", "limiting_item", "is_current",
    }  # fmt: skip
    return frame.drop(columns=[c for c in frame.columns if c in optional])


def test_empty_first_month_renders_sentences() -> None:
    data = MeetingPackData(plan_month=PLAN, company="New Co", currency="EUR")
    html = render_meeting_pack(data)
    parsed = outline(html)
    assert tuple(parsed.sections) == AGENDA_SECTIONS
    for sentence in (
        "No actions in the S&amp;OP log.",
        "No prior forecast to compare with yet (first planned month).",
        "No accuracy yet",
        "No supply gaps in the horizon.",
        "No KPI history yet.",
        "No promotions planned in the horizon.",
        "No lots at risk of expiry or obsolescence.",
    ):
        assert sentence in html, sentence
    assert "€0" in html
    assert "No supply gaps in the horizon." in agenda_markdown(data)


def test_first_month_without_history_or_optional_columns(pack_data: MeetingPackData) -> None:
    frames = {name: _drop_optional(getattr(pack_data, name)) for name in pack_data.frame_names()}
    frames.update(
        forecast_changes=pd.DataFrame(),
        forecast_accuracy=pd.DataFrame(),
        override_scorecard=pd.DataFrame(),
        kpi_history=pd.DataFrame(),
        demand_history=pd.DataFrame(),
    )
    data = replace(pack_data, **frames, chart_items=2)
    parsed = outline(render_meeting_pack(data))
    assert tuple(parsed.sections) == AGENDA_SECTIONS
    kinds = [name for _, name, has_svg in parsed.charts if has_svg]
    assert kinds.count("fan_chart") == 2 and "kpi_trends" in kinds  # this month's KPIs only
    assert agenda_markdown(data).count("**") >= 2 * len(AGENDA_SECTIONS)


def test_ten_thousand_items_stay_small() -> None:
    data = build_pack_data(10_000)
    html = render_meeting_pack(data)
    parsed = outline(html)
    assert len(html.encode()) < 2_000_000
    assert all(rows <= data.max_rows for rows in parsed.tables)
    assert sum(parsed.tables) < 12 * data.max_rows
    kinds = [name for _, name, _ in parsed.charts]
    assert kinds.count("fan_chart") == data.chart_items
    assert kinds.count("projected_inventory") == data.chart_items
    assert re.search(r"… and [\d,]{5,} more lots not shown", html)
    markdown = agenda_markdown(data)
    assert len(markdown) < 10_000 and markdown.count("\n| ") < 60


def test_agenda_markdown_lists_the_agenda_in_order(pack_data: MeetingPackData) -> None:
    markdown = agenda_markdown(pack_data)
    positions = [markdown.index(f"**{i}. ") for i in range(1, len(AGENDA_SECTIONS) + 1)]
    assert positions == sorted(positions)
    assert "Overdue 2" in markdown and "| Fill rate | 96.2% | 97.0% | Watch |" in markdown


WIDER_THAN_THE_PAGE = """() => {
  const right = document.querySelector('.page').getBoundingClientRect().right;
  return [...document.querySelectorAll('main *')]
    .filter(e => e.getBoundingClientRect().right > right + 1)
    .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${(e.textContent || '').slice(0, 40)}`);
}"""
"""The elements of the agenda whose right edge lies beyond the page's."""


@pytest.mark.browser
@pytest.mark.skipif(chromium_missing_reason() is not None, reason=str(chromium_missing_reason()))
def test_pack_in_headless_chromium(pack_html: str, tmp_path: Path) -> None:
    pack = tmp_path / "meeting_pack.html"
    pack.write_text(pack_html, encoding="utf-8")
    with open_page(pack) as session:
        page = session.page
        ids = page.eval_on_selector_all("main > section", "els => els.map(e => e.id)")
        for section, charts in SECTION_CHARTS.items():
            for chart in charts:
                selector = f"section#{section} figure[data-chart='{chart}'] svg"
                assert page.locator(selector).count() >= 1, selector
        widths = page.eval_on_selector_all(
            "figure[data-chart] svg", "els => els.map(e => e.getBoundingClientRect().width)"
        )
        wider = page.evaluate(WIDER_THAN_THE_PAGE)
        shot = session.screenshot(tmp_path / "meeting_pack.png")
    assert session.problems == []
    assert wider == []  # no table, chart or line sticks out of the page
    assert tuple(ids) == AGENDA_SECTIONS
    assert len(widths) == len(outline(pack_html).charts)
    assert min(widths) > 300  # every chart drawn at a readable size
    assert all(url.startswith("file://") for url in session.requests)
    assert shot.exists() and shot.stat().st_size > 50_000


def test_cash_chart_shows_baseline_path_actual_and_projected() -> None:
    """Baseline Jul (2000), counts Aug-Oct, plan Oct, projected Nov-Dec, a path to 800: the
    chart draws the baseline, the path, the counts, the projection and the spend."""
    from sop_pipeline.meeting import charts

    months = pd.date_range("2025-07-01", "2025-12-01", freq="MS")
    cash = pd.DataFrame(
        {
            "plan_month": pd.Timestamp("2025-10-01"),
            "month": months,
            "inventory_value": [2000.0, 1900.0, 1700.0, 1340.0, 1150.0, 700.0],
            "purchase_spend": [None, None, None, None, 200.0, 100.0],
            "target_inventory_value": [2000.0, 1900.0, 1800.0, 1700.0, 1600.0, 1500.0],
            "is_actual": [True, True, True, True, False, False],
            "baseline_month": pd.Timestamp("2025-07-01"),
            "baseline_inventory_value": 2000.0,
        }
    )
    data = MeetingPackData(
        plan_month=datetime.date(2025, 10, 1), company="Test", cash_projection=cash[::-1]
    ).typed()
    svg = charts.cash_chart(data.cash_projection, Formatter("USD"))
    for label in ("Baseline", "Target path", "Actual", "Projected", "Purchase spend"):
        assert label in svg, label


def test_tables_are_typed_once_from_the_data_dictionary() -> None:
    """The pack reads its tables as the warehouse types them: every dictionary column is there
    (NULL when a frame lacks it), dates are timestamps, a NULL flag is false."""
    actions = pd.DataFrame(
        {
            "action_id": ["A1", "A2"],
            "due_date": [datetime.date(2025, 9, 30), None],
            "is_overdue": [True, None],
            "days_overdue": [12, None],
        }
    )
    data = MeetingPackData(plan_month=PLAN, company="Typed", actions=actions).typed()
    typed = data.actions
    assert pd.api.types.is_datetime64_ns_dtype(typed["due_date"])
    assert typed["is_overdue"].tolist() == [True, False]
    assert typed["days_overdue"].dtype == float and typed["status"].isna().all()
    assert data.kpis.empty and "kpi" in data.kpis.columns
    with pytest.raises(TypeError, match="actions"):
        MeetingPackData(plan_month=PLAN, company="Typed", actions=[1]).typed()  # type: ignore[arg-type]


def _section(html: str, section: str) -> str:
    part = html[html.index(f'id="{section}"') :]
    return part[: part.index("</section>")]


def test_the_capacity_section_reads_the_constrained_plan(pack_html: str) -> None:
    """The facts come from the constrained plan: 1 of 2 resources binds, overtime 2 x 15 h at
    $45, $5,550 of margin lost (4,000 + 1,250 + 300), the cash low point and the runway; both
    lines are charted (the binding filling line first); the unconstrained MRP's need is a short
    table of its own; the top issue's option table flags expedite (+$44,000, 97.4%)."""
    section = _section(pack_html, "capacity_options")
    facts = section[: section.index('class="block"')]
    for fact in ("1 of 2", "$1,350", "$5,550", "14.2 months", "Cash low point"):
        assert fact in facts, fact
    charts = re.findall(r'data-chart="capacity_load" data-item="([^"]+)"', section)
    assert charts == ["FILL", "PACK"]
    need = section[section.index("What the unconstrained MRP would need") :]
    need = need[: need.index("</table>")]
    assert need.count("<tr>") == 1 + 2 and "150.0" in need and "115.0" in need  # Jun and Jul
    assert 'data-issue="component:CMP-BOTTLE-30"' in section
    assert section.index("component:CMP-BOTTLE-30") < section.index("resource:FILL")
    assert '<tr class="suggested">' in section and "badge-suggested" in section
    assert "+$44,000" in section and "97.4%" in section
    assert "Component: CMP-BOTTLE-30 · Amber glass bottle 30 ml, Dec 2025–Mar 2026" in section
    assert "Resource: FILL · Filling line, Jun 2026–Jul 2026" in section
    assert "Top issue #1 · affected items: FG-00001, FG-00002" in section
    assert "Plan as it stands (the path a target)" in section  # plan to base of the cash path
    assert 'data-chart="cash_balance"' in section


def test_the_capacity_section_prices_a_binding_resource_hour(
    pack_data: MeetingPackData, pack_html: str
) -> None:
    """The filling line binds in June ($62.50 an hour) and July ($41.00), base plan only (the
    upside's $99 is not shown): one sentence at its highest price, two table rows."""
    from sop_pipeline.meeting.capacity import binding_months_view

    view = binding_months_view(pack_data.typed())
    assert view.frame["month"].dt.strftime("%b %Y").tolist() == ["Jun 2026", "Jul 2026"]
    assert view.frame["shadow_price"].tolist() == [62.5, 41.0]
    section = _section(pack_html, "capacity_options")
    sentence = "One more hour on FILL, Filling line, in Jun 2026 is worth $62.50 of margin."
    assert sentence in section
    table = section[section.index('data-lines="hour_prices"') :]
    table = table[: table.index("</table>")]
    assert "$62.50" in table and "$41.00" in table and "$99" not in table
    assert "115.0%" in table and "$675" in table  # load 115 of 100 h, 15 h overtime at $45


def test_the_capacity_section_lists_a_component_with_its_affected_items(
    pack_data: MeetingPackData, pack_html: str
) -> None:
    """One row per constraint, most margin lost first: the bottle over Dec 2025-Jan 2026 at its
    highest price ($4.10 a unit), the items built from it and $4,000 lost; then the line (its
    widest month's items cut to six), the lead time and the cash path."""
    from sop_pipeline.meeting.capacity import constraints_view

    frame = constraints_view(pack_data.typed()).frame
    assert frame["constraint"].tolist() == ["CMP-BOTTLE-30", "FILL", "FG-00005", "cash path"]
    bottle = frame.iloc[0]
    assert bottle["months_text"] == "Dec 2025–Jan 2026" and bottle["shadow_price"] == 4.1
    assert bottle["affected_text"] == "FG-00001, FG-00002"
    assert bottle["lost_margin"] == 4_000.0 and bottle["lost_sales_qty"] == 200.0
    assert frame.iloc[1]["months_text"] == "Jun 2026–Jul 2026"
    section = _section(pack_html, "capacity_options")
    table = section[section.index("Binding constraints") :]
    table = table[: table.index("</table>")]
    row = table[table.index("CMP-BOTTLE-30") :]
    row = row[: row.index("</tr>")]
    assert "Amber glass bottle 30 ml" in row and "$4.10 per unit" in row
    assert '<span class="code">FG-00001</span>, <span class="code">FG-00002</span>' in row
    assert "$4,000" in row
    assert "$0.02 per dollar of inventory" in table


def test_the_cash_low_point_is_marked(pack_data: MeetingPackData, pack_html: str) -> None:
    """The lowest month-end balance is a marked row of the cash table, a marked point of the
    chart and a headline figure; the runway is said in words."""
    data = pack_data.typed()
    cash = data.cash_projection
    low = cash[cash["is_cash_low_point"]].iloc[0]
    month = low["month"].strftime("%b %Y")
    section = _section(pack_html, "capacity_options")
    rows = re.findall(r'<tr class="low-point">(.*?)</tr>', section)
    assert len(rows) == 1 and month in rows[0] and "badge-low_point" in rows[0]
    assert f"${low['cash_balance']:,.0f}" in rows[0]
    chart = section[section.index('data-chart="cash_balance"') :]
    chart = unescape(chart[: chart.index("</figure>")])
    assert "Low point" in chart and f"low point ${low['cash_balance']:,.0f} in {month}" in chart
    assert (
        "runway 14 months on the plan's own flows, then its last 12 months at level stock" in chart
    )
    assert f"${low['cash_balance']:,.0f} in {month}" in section[: section.index('class="block"')]


def test_the_runway_in_words() -> None:
    from sop_pipeline.meeting.capacity import runway_words

    months = pd.date_range("2025-11-01", periods=13, freq="MS")
    cash = pd.DataFrame(
        {
            "month": months,
            "is_actual": np.arange(13) == 0,
            "cash_balance": [np.nan, *np.linspace(900, 100, 12)],
            "is_cash_low_point": False,
            "runway_months": 77.35,
        }
    )
    long = "runway 77 months on the plan's own flows, then its last 12 months at level stock"
    assert runway_words(cash) == long
    assert runway_words(cash.assign(runway_months=7.26)) == (
        "runway 7.3 months on the plan's own flows"
    )
    assert runway_words(cash.assign(runway_months=np.nan)) == "the cash is not used up"
    assert runway_words(cash.assign(cash_balance=np.nan, runway_months=np.nan)) == ""


def test_the_plan_against_its_targets_one_line_each(
    pack_data: MeetingPackData, pack_html: str
) -> None:
    """Revenue (demand, the constrained plan, the financial plan), cash (low point, runway),
    working capital (not reachable, no service level meets it, what keeping to it costs)."""
    from sop_pipeline.meeting.capacity import feasibility_lines

    data = pack_data.typed()
    lines = feasibility_lines(data, Formatter("USD"))
    assert [status for status, _ in lines] == ["not_met", "met", "not_met"]
    revenue, cash, working = (sentence for _, sentence in lines)
    total = data.financial_reconciliation.query("family == '__total__'")
    for amount in ("forecast_revenue", "constrained_revenue", "planned_revenue"):
        assert f"${total[amount].sum():,.0f}" in revenue, amount
    assert revenue.startswith("Net revenue over the horizon: demand $")
    assert "against the plan" in revenue and "−$" in revenue
    assert cash.startswith("Cash: low point $") and "against a floor of $0" in cash
    assert "runway 14 months on the plan's own flows" in cash
    assert "not reachable" in working and "the service level that meets it: none" in working
    assert "keeping to the path costs $12,500 of expected margin" in working
    reachable = data.plan_feasibility.copy()
    row = reachable["check"] == "working_capital"
    reachable.loc[row, ["is_met", "service_level", "margin_given_up"]] = [True, 0.975, 0.0]
    lines = dict(
        (sentence.split(":")[0], (status, sentence))
        for status, sentence in feasibility_lines(
            replace(data, plan_feasibility=reachable), Formatter("USD")
        )
    )
    status, sentence = lines["Working capital"]
    assert status == "met" and "reachable at today's policy" in sentence
    assert "the service level that meets it: 97.5%" in sentence and "no margin" in sentence
    html = _section(pack_html, "capacity_options")
    assert html.count('<span class="badge badge-not_met">Not met</span>') == 2


def test_options_follow_the_top_issues_then_the_other_issues(pack_data: MeetingPackData) -> None:
    from sop_pipeline.meeting.capacity import MAX_OPTION_TABLES, options_order

    data = pack_data.typed()
    assert options_order(data) == ["component:CMP-BOTTLE-30", "resource:FILL", "cash:cash path"]
    issues = data.top_issues.copy()
    issues.loc[0, ["category", "item", "rank"]] = ["resource", "FILL", 1]
    issues.loc[1, ["category", "item"]] = ["cash", "cash path"]
    reordered = replace(data, top_issues=issues)
    assert options_order(reordered) == [
        "resource:FILL",
        "cash:cash path",
        "component:CMP-BOTTLE-30",
    ]
    many = pd.concat(
        [data.scenario_options.assign(issue=lambda f, k=k: f["issue"] + f"-{k}") for k in range(3)]
    )
    assert len(options_order(replace(data, scenario_options=many))) == MAX_OPTION_TABLES
    html = render_meeting_pack(replace(pack_data, scenario_options=many))
    assert "… and 3 more issues with options" in html


def test_affected_items_are_cut_to_a_few() -> None:
    from sop_pipeline.meeting.capacity import affected_text

    assert affected_text("A, B") == "A, B"
    assert affected_text("A, B, C, D, E, F, G and 4 more", 11) == "A, B, C, D, E, F and 5 more"
    assert affected_text("A, B, C", 30, shown=2) == "A, B and 28 more"
    assert affected_text(None) == "" and affected_text("", 0) == ""


def test_shadow_prices_keep_their_small_digits() -> None:
    fmt = Formatter("USD")
    assert [fmt.price(v) for v in (48, 0.0585, 0.02, 0.000112, 133.0067)] == [
        "$48.00",
        "$0.0585",
        "$0.02",
        "$0.000112",
        "$133.01",
    ]
    assert fmt.price(-0.5) == "−$0.50" and fmt.price(None) == ""


def test_the_reconciliation_shows_the_constrained_plan_beside_forecast_and_plan(
    pack_data: MeetingPackData, pack_html: str
) -> None:
    from sop_pipeline.meeting.views import reconciliation_by_family

    sums = reconciliation_by_family(pack_data.typed()).set_index("name")
    face = sums.loc["Face Care"]
    assert face["constrained_revenue"] == pytest.approx(0.97 * face["forecast_revenue"])
    assert face["constrained_gap"] == pytest.approx(
        face["constrained_revenue"] - face["planned_revenue"]
    )
    total = sums.loc["Company total"]
    html = _section(pack_html, "kpis")
    assert "Constrained plan (net)" in html and f"${total['constrained_revenue']:,.0f}" in html
    chart = html[html.index('data-chart="plan_reconciliation"') :]
    assert "Constrained plan" in chart[: chart.index("</figure>")]


def test_without_capacity_or_cash_the_section_says_so() -> None:
    data = MeetingPackData(plan_month=datetime.date(2025, 10, 1), company="Test").typed()
    html = render_meeting_pack(data)
    section = _section(html, "capacity_options")
    assert "the company has no resources.csv" in section
    assert "No constraint binds the constrained plan." in section
    assert "No binding component, resource or cash path and no upward forecast change" in section
    assert "No targets checked for this plan month." in section
    assert "the company has no cash.csv" in section
    assert "none planned" in section and "Cash low point" not in section


def test_page_one_holds_the_decisions_feasibility_due_actions_and_five_kpis(
    pack_data: MeetingPackData,
) -> None:
    """The brief comes before the appendix and links to it; each decision says what, how much,
    the suggestion with the stock it ties up, who decides and by when."""
    from sop_pipeline.meeting.brief import brief_html

    data = replace(pack_data, decision_owners={"component": "COO"}).typed()
    html = brief_html(data, Formatter("USD"))
    parsed = outline(html)
    assert parsed.pages == ["brief"] and parsed.mismatched == []
    assert parsed.tables[0] == 4  # one row per decision
    assert "Amber glass bottle 30 ml (CMP-BOTTLE-30) binds from Dec 2025 to Jan 2026 · 3 items" in (
        html
    )
    assert "$48,200" in html and "ties up $1,200 of stock" in html
    assert "3 items · one more unit is worth $0.08" in html  # the constraint's price
    assert "COO<br>by 15 Dec 2025" in html  # the setting's decider for a component
    # a category the settings name no decider for falls to the S&OP lead
    assert "S&amp;OP lead<br>by 14 Jan 2026" in html and "Head of operations" not in html
    assert "overrides add 54% of the shortage (Marketing lead: challenge)" in html
    for link in ("#top_issues", "#prior_actions", "#kpis", "#capacity_options"):
        assert f'href="{link}"' in html
    assert parsed.tables[1] <= 5  # five KPIs at most
    pack = render_meeting_pack(pack_data)
    assert pack.index('id="brief"') < pack.index('id="prior_actions"')


def test_kpi_changes_of_ratios_are_in_points() -> None:
    from sop_pipeline.meeting.brief import _change

    fmt = Formatter("USD")
    assert _change(fmt, "ratio", 0.931, 0.956) == "−2.5 pt"
    assert _change(fmt, "ratio", 0.0, -0.156) == "+15.6 pt"
    assert _change(fmt, "currency", 1200.0, 1000.0) == "+$200"
    assert _change(fmt, "months", 40.86, 29.99) == "+10.9 months"
    assert _change(fmt, "turns", 4.5, 4.8) == "−0.3×"


PAGE_PROBLEMS = """() => {
  const out = [];
  for (const s of document.querySelectorAll('section')) {
    if (s.scrollWidth > s.clientWidth + 1)
      out.push(`${s.id} scrolls: ${s.scrollWidth} > ${s.clientWidth}`);
    const boxes = sel => [...s.querySelectorAll(sel)].map(e => e.getBoundingClientRect());
    for (const f of boxes('figure')) for (const t of boxes('table')) {
      const overlap = f.left < t.right - 1 && t.left < f.right - 1
        && f.top < t.bottom - 1 && t.top < f.bottom - 1;
      if (overlap) out.push(`${s.id}: a chart overlaps a table`);
    }
  }
  return out;
}"""
"""Sections wider than their box, and charts drawn over a table."""


@pytest.mark.browser
@pytest.mark.skipif(chromium_missing_reason() is not None, reason=str(chromium_missing_reason()))
def test_page_one_asks_only_for_decisions_above_materiality(pack_data: MeetingPackData) -> None:
    """An issue whose margin at stake is below ``meeting.materiality`` is not a decision page
    one asks for: with 2,000, the fourth issue (1,900) is named below the table instead; with
    100,000 no decision is asked for and all four are named."""
    from sop_pipeline.meeting.brief import brief_html

    fourth = pack_data.top_issues["item"].iloc[3]
    html = brief_html(replace(pack_data, materiality=2_000.0).typed(), Formatter("USD"))
    assert outline(html).tables[0] == 3
    assert (
        f"Also on the agenda: 1 issue(s) below the materiality of $2,000 of margin at stake, "
        f"{fourth} ($1,900) (see the agenda)." in html
    )
    none = brief_html(replace(pack_data, materiality=100_000.0).typed(), Formatter("USD"))
    assert "No decision is needed this month: 4 issue(s) below the materiality of $100,000" in none
    assert "CMP-BOTTLE-30 ($48,200); FILL-L ($12,900)" in none
    assert "Margin at stake</th>" not in none


def test_the_pack_holds_at_both_widths_and_the_brief_prints_on_two_pages(
    pack_html: str, tmp_path: Path
) -> None:
    pack = tmp_path / "meeting_pack.html"
    pack.write_text(pack_html, encoding="utf-8")
    for width, height in ((1280, 800), (1920, 1080)):
        with open_page(pack) as session:
            page = session.page
            page.set_viewport_size({"width": width, "height": height})
            problems = page.evaluate(PAGE_PROBLEMS)
            brief_bottom = page.evaluate(
                "() => document.querySelector('#brief').getBoundingClientRect().bottom"
            )
            pdf = tmp_path / f"brief_{width}.pdf"
            page.pdf(path=str(pdf), format="A4")
        assert problems == [], width
        assert brief_bottom <= 2 * height, width  # one screen and at most one scroll
        pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))
        assert 1 <= pages <= 2, (width, pages)


def test_growth_against_last_year_is_against_booked_net_revenue() -> None:
    """Forecast Nov-Dec 2025: 1,200 + 900 = 2,100 of net revenue; booked Nov-Dec 2024: 1,000
    each (at lower prices than today's) -> +5.0 %. Jan 2026 has no booked month a year earlier
    in the history and is left out."""
    from sop_pipeline.meeting import series

    months = pd.to_datetime(["2025-11-01", "2025-12-01", "2026-01-01"])
    forecast = pd.DataFrame(
        {"item": "A", "month": months, "forecast_qty": 10.0, "forecast_revenue": [1200, 900, 50]}
    )
    history = pd.DataFrame(
        {
            "item": "A",
            "month": pd.to_datetime(["2024-11-01", "2024-12-01"]),
            "demand_qty": [10.0, 10.0],
            "net_revenue": [1000.0, 1000.0],
        }
    )
    data = MeetingPackData(
        plan_month=datetime.date(2025, 10, 1),
        company="T",
        forecast=forecast,
        demand_history=history,
    ).typed()
    assert series.against_booked_last_year(data) == pytest.approx(0.05)
    no_revenue = replace(data, demand_history=history.assign(net_revenue=np.nan)).typed()
    assert series.against_booked_last_year(no_revenue) is None


def test_inventory_charts_show_the_constrained_plans_stock_and_lost_sales() -> None:
    """The charted stock is the constrained plan's, as the gaps table beside it: an item short
    of a component shows the sales it loses and its stock below safety stock, where the
    requirements' netting (past-due releases assumed to arrive) shows it covered."""
    nov, dec = pd.Timestamp("2025-11-01"), pd.Timestamp("2025-12-01")
    plan = pd.DataFrame(
        {
            "scenario": ["base", "base", "upside", "upside"] * 2,
            "item": ["FG1"] * 4 + ["FG2"] * 4,
            "month": [nov, dec] * 4,
            "inventory_qty": [40.0, 300.0, 20.0, 250.0, 500.0, 450.0, 400.0, 350.0],
            "safety_stock_target": [100.0, 100.0, 100.0, 100.0, 200.0, 200.0, 200.0, 200.0],
            "receipt_qty": [0.0, 600.0, 0.0, 600.0, 0.0, 0.0, 0.0, 0.0],
            "scheduled_receipts": [50.0, 0.0, 50.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            "expedited_qty": [0.0, 25.0, 0.0, 25.0, 0.0, 0.0, 0.0, 0.0],
            "lost_sales_qty": [70.0, 0.0, 120.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    mrp = plan.assign(projected_on_hand=1_000.0, safety_stock=100.0, planned_receipt_qty=0.0)
    data = MeetingPackData(
        plan_month=datetime.date(2025, 10, 1),
        company="T",
        constrained_plan=plan,
        material_requirements=mrp,
        chart_items=2,
    ).typed()
    frame = projection_series(data.constrained_plan, "FG1")
    assert frame["base"].tolist() == [40.0, 300.0]
    assert frame["upside"].tolist() == [20.0, 250.0]
    assert frame["safety_stock"].tolist() == [100.0, 100.0]
    assert frame["receipts"].tolist() == [50.0, 625.0]  # open order; planned + expedited
    assert frame["lost"].tolist() == [70.0, 0.0]  # the base scenario's
    # FG1 falls to 0.4 of its safety stock under the plan (the netting shows 1,000 on hand);
    # FG2 never falls below it and, without an inventory policy, has no cover to rank by
    assert riskiest_items(data) == ["FG1"]
    svg = projection_chart(frame, "FG1")
    assert "Lost sales" in svg and "Receipts" in svg
    assert "Lost sales" not in projection_chart(projection_series(plan, "FG2"), "FG2")


def _past_due_data(
    mrp: pd.DataFrame, gaps: pd.DataFrame, plan: pd.DataFrame | None = None
) -> MeetingPackData:
    """Pack data of plan month 2025-10 with the requirements, supply gaps and plan given."""
    return MeetingPackData(
        plan_month=datetime.date(2025, 10, 1),
        company="T",
        material_requirements=mrp,
        supply_gaps=gaps,
        constrained_plan=pd.DataFrame() if plan is None else plan,
    ).typed()


def test_past_due_releases_split_gap_cover_from_buffer_refills() -> None:
    """Three releases past due in Nov: FG1's covers FG1's own gap, C1's covers FG2's gap (C1
    limits it), FG3's only refills its safety stock."""
    from sop_pipeline.meeting.sections import _past_due_facts

    nov = pd.Timestamp("2025-11-01")
    mrp = pd.DataFrame(
        {
            "scenario": "base",
            "item": ["FG1", "C1", "FG3"],
            "month": nov,
            "release_past_due": True,
            "past_due_release_qty": [10.0, 20.0, 30.0],
        }
    )
    gaps = pd.DataFrame(
        {
            "item": ["FG1", "FG2"],
            "month": nov,
            "limiting_item": ["FG1", "C1"],
            "binding_component": [None, "C1"],
        }
    )
    data = _past_due_data(mrp, gaps)
    view = past_due_view(data).frame
    assert list(zip(view["item"], view["purpose"], strict=True)) == [
        ("C1", "covers a supply gap"),
        ("FG1", "covers a supply gap"),
        ("FG3", "refills safety stock"),
    ]
    assert _past_due_facts(data) == [
        ("Past due, covering a gap", "2"),
        ("Past due, refilling buffer", "1"),
    ]


def test_a_past_due_release_covers_a_gap_within_its_lead_time() -> None:
    """C2 takes two months: its release past due in November is for November's and
    December's receipts, and C2 limits FG4 in December - it covers a gap. C3 (one month)
    limits FG5 only in January, after the receipts its release is for: a buffer refill."""
    nov, jan = pd.Timestamp("2025-11-01"), pd.Timestamp("2026-01-01")
    mrp = pd.DataFrame(
        {
            "scenario": "base",
            "item": ["C2", "C3"],
            "month": nov,
            "release_past_due": True,
            "past_due_release_qty": [20.0, 30.0],
            "lead_time_months": [2, 1],
        }
    )
    gaps = pd.DataFrame(
        {
            "item": ["FG4", "FG5"],
            "month": [nov + pd.DateOffset(months=1), jan],
            "limiting_item": ["C2", "C3"],
            "binding_component": ["C2", "C3"],
        }
    )
    view = past_due_view(_past_due_data(mrp, gaps)).frame
    assert dict(zip(view["item"], view["purpose"], strict=True)) == {
        "C2": "covers a supply gap",
        "C3": "refills safety stock",
    }


def test_a_past_due_release_short_of_its_component_waits_for_it() -> None:
    """The requirements ask to release 3,400 of FG2 now for November, but its bottle C1 is
    short (FG2's own gap names it) and the constrained plan starts none in November: the
    release waits for C1 and is not offered as covering a gap. C1's own release covers FG2's
    gap; the plan releases 5,000 of it and expedites 5,000 more at the close (10,000 now, not
    the requirements' 17,500)."""
    from sop_pipeline.meeting.sections import _past_due_facts

    nov, dec = pd.Timestamp("2025-11-01"), pd.Timestamp("2025-12-01")
    mrp = pd.DataFrame(
        {
            "scenario": "base",
            "item": ["C1", "FG2", "FG3"],
            "month": nov,
            "release_past_due": True,
            "past_due_release_qty": [17_500.0, 3_400.0, 30.0],
        }
    )
    gaps = pd.DataFrame(
        {
            "item": ["FG2", "FG2"],
            "month": [nov, dec],
            "shortage_qty": [2_300.0, 2_346.0],
            "limiting_item": ["C1", "C1"],
            "binding_component": ["C1", "C1"],
        }
    )
    plan = pd.DataFrame(
        {
            "scenario": "base",
            "item": ["C1", "C1", "FG2", "FG2", "FG3", "FG3"],
            "month": [nov, dec] * 3,
            "release_qty": [5_000.0, 0.0, 0.0, 2_448.0, 0.0, 40.0],
            "expedited_qty": [5_000.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        }
    )
    data = _past_due_data(mrp, gaps, plan)
    view = past_due_view(data).frame
    assert list(view["item"]) == ["C1", "FG2", "FG3"]
    assert list(view["purpose"]) == ["covers a supply gap", "waits for C1", "refills safety stock"]
    # FG3 losing sales in November in the constrained plan (its order arrives mid-month) is
    # short too, though the requirements' gaps do not see it
    losing = plan.assign(
        lost_sales_qty=np.where(plan["item"].eq("FG3") & plan["month"].eq(nov), 12.0, 0.0)
    )
    short = _past_due_data(mrp, gaps, losing)
    assert past_due_view(short).frame.set_index("item").loc["FG3", "purpose"] == (
        "covers a supply gap"
    )
    assert list(view["plan_releases_now"]) == [10_000.0, 0.0, 0.0]
    assert _past_due_facts(data) == [
        ("Past due, covering a gap", "1"),
        ("Past due, waiting for a component", "1"),
        ("Past due, refilling buffer", "1"),
    ]
    # a finished good the plan does release in full does not wait, whatever its gap names
    released = plan.assign(
        release_qty=np.where(plan["item"].eq("FG2"), 3_400.0, plan["release_qty"])
    )
    data = _past_due_data(mrp, gaps, released)
    assert past_due_view(data).frame.set_index("item").loc["FG2", "purpose"] == (
        "covers a supply gap"
    )


def test_a_past_due_release_names_the_receipts_it_is_for() -> None:
    """Lead time two months: the receipts of Nov and Dec were due for release in Sep and Oct,
    already past. PK-8's release past due (5,000) is for Dec's receipt, Nov having none; PK-10's
    (17,500) for Nov's 12,500 and Dec's 5,000; Jan's receipts are released in Nov, not past.
    Released now, an order is in when its lead time says, not when the MRP wanted it."""
    months = pd.to_datetime(["2025-11-01", "2025-12-01", "2026-01-01"])
    mrp = pd.DataFrame(
        {
            "scenario": "base",
            "item": ["PK-8"] * 3 + ["PK-10"] * 3,
            "month": list(months) * 2,
            "lead_time_months": 2.0,
            "planned_receipt_qty": [0.0, 5_000.0, 5_000.0, 12_500.0, 5_000.0, 2_000.0],
            "release_past_due": [True, False, False, True, False, False],
            "past_due_release_qty": [5_000.0, 0.0, 0.0, 17_500.0, 0.0, 0.0],
        }
    )
    # PK-10 takes 60 days: released at the close (31 Oct), it is in on 30 Dec, whatever the
    # MRP wanted for November; PK-8's lead time is not known to the pack
    policy = pd.DataFrame({"item": ["PK-10"], "lead_time_months": [60 / 30.4375]})
    data = MeetingPackData(
        plan_month=datetime.date(2025, 10, 1),
        company="T",
        material_requirements=mrp,
        inventory_policy=policy,
    ).typed()
    view = past_due_view(data).frame.set_index("item")
    assert view.loc["PK-8", "for_receipts"] == "Dec 2025: 5,000"
    assert view.loc["PK-10", "for_receipts"] == "Nov 2025: 12,500; Dec 2025: 5,000"
    assert view.loc["PK-10", "past_due_qty"] == 17_500.0
    assert view.loc["PK-10", "in_by"] == pd.Timestamp("2025-12-30")
    assert pd.isna(view.loc["PK-8", "in_by"])


def test_the_gaps_before_decisions_stand_beside_what_the_plan_still_loses() -> None:
    """The supply plan's gaps (no expedite, overtime or building ahead) are named as before
    any decision, and the constrained plan's own loss (KPI revenue_at_risk) stands beside
    them: two revenue-at-risk figures a reader can tell apart."""
    from sop_pipeline.meeting.formatting import Formatter
    from sop_pipeline.meeting.sections import supply_facts

    nov = pd.Timestamp("2025-11-01")
    gaps = pd.DataFrame(
        {
            "item": ["FG1", "FG1", "FG2"],
            "month": [nov, nov + pd.DateOffset(months=1), nov],
            "shortage_qty": [10.0, 20.0, 5.0],
            "revenue_at_risk": [1_000.0, 2_000.0, 500.0],
            "limiting_item": ["C1", "C1", "C1"],
        }
    )
    kpis = pd.DataFrame({"kpi": ["revenue_at_risk"], "value": [350.0]})
    data = MeetingPackData(
        plan_month=datetime.date(2025, 10, 1), company="T", supply_gaps=gaps, kpis=kpis
    ).typed()
    facts = dict(supply_facts(data, Formatter("USD")))
    assert facts["Items short before decisions"] == "2"
    assert facts["Revenue at risk before decisions"] == "$3,500"
    assert facts["Revenue the plan still loses"] == "$350"
    without_kpi = replace(data, kpis=kpis.iloc[:0]).typed()
    assert "Revenue the plan still loses" not in dict(supply_facts(without_kpi, Formatter("USD")))


def test_the_shelf_life_headline_is_the_kpis_expiring_value() -> None:
    """Lots expiring (100) and expired (20) are the KPI's value at risk (120); an obsolete lot
    (50) and slow movers (6) are excess and obsolete stock with them (176), not expiry."""
    from sop_pipeline.meeting.formatting import Formatter
    from sop_pipeline.meeting.sections import shelf_life_facts

    lots = pd.DataFrame(
        {
            "item": ["A", "B", "C", "D"],
            "reason": ["expiry", "expired", "obsolete", "slow_mover"],
            "value_at_risk": [100.0, 20.0, 50.0, 6.0],
        }
    )
    excess = pd.DataFrame({"item": ["A", "B", "C", "D"], "total_value": [100.0, 20.0, 50.0, 6.0]})
    data = MeetingPackData(
        plan_month=datetime.date(2025, 10, 1),
        company="T",
        shelf_life_risk=lots,
        excess_obsolete=excess,
    ).typed()
    assert shelf_life_facts(data, Formatter("USD")) == [
        ("Lots at risk", "4"),
        ("Expiring or expired", "$120"),
        ("Excess and obsolete", "$176"),
    ]
