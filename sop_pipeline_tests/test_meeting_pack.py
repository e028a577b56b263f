"""The meeting pack: agenda order, charts, escaping, empty months, 10,000 items, real Chromium."""

from __future__ import annotations

import datetime
import re
from dataclasses import replace
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
from sop_pipeline.meeting.formatting import Formatter
from sop_pipeline.meeting.tables import html_table
from sop_pipeline.meeting.views import actions_view, exceptions_view
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


def _capacity_tables(
    plan: pd.Timestamp, items: np.ndarray, horizon: pd.DatetimeIndex
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A filling line overloaded in June and July 2026 and a packing line with room; the option
    table of the first item's supply gap (the top issue)."""
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
    capacity = pd.concat([fill, pack], ignore_index=True)  # fmt: skip
    above = (capacity["load"] - capacity["capacity"]).clip(lower=0)
    capacity = capacity.assign(
        plan_month=plan,
        scenario="base",
        overtime_used=np.minimum(above, capacity["overtime_capacity"]),
        overload=(above - capacity["overtime_capacity"]).clip(lower=0),
        utilisation=capacity["load"] / capacity["capacity"],
        units_short=0.0,
        revenue_at_risk=0.0,
        margin_at_risk=0.0,
        prebuild_load=0.0,
        capacity_source="resources",
    )
    capacity["overtime_cost"] = 45 * capacity["overtime_used"]
    capacity["units_short"] = capacity["overload"] * 200
    capacity["revenue_at_risk"] = capacity["overload"] * 310.0
    capacity["margin_at_risk"] = capacity["overload"] * 240.0
    capacity["prebuild_load"] = np.minimum(capacity["overload"], 20.0)
    options = pd.DataFrame(
        {
            "plan_month": plan,
            "issue": f"supply_gap:{items[0]}",
            "category": "supply_gap",
            "item": items[0],
            "option": ["plan_to_base", "spread_deliveries", "expedite"],
            "is_feasible": [True, True, True],
            "first_month": months[0],
            "last_month": months[3],
            "extra_inventory_cash_peak": [0.0, 0.0, 8_400.0],
            "purchase_spend": [0.0, 0.0, 12_600.0],
            "overtime_cost": 0.0,
            "expedite_cost": [0.0, 0.0, 950.0],
            "holding_cost": [0.0, 0.0, 70.0],
            "expected_revenue_at_risk": [61_000.0, 58_500.0, 4_100.0],
            "expected_margin_at_risk": [48_200.0, 46_000.0, 3_200.0],
            "expected_excess_value": [900.0, 950.0, 1_400.0],
            "service_level": [0.62, 0.64, 0.974],
            "expected_margin": [71_000.0, 72_900.0, 115_000.0],
            "margin_vs_base": [0.0, 1_900.0, 44_000.0],
            "cash_balance_end": [640e3, 641e3, 680e3],
            "runway_months": [14.2, 14.3, 16.0],
            "is_suggested": [False, False, True],
            "decision": [
                f"Plan to the base forecast and take the stockout risk on {items[0]}",
                "Ask customers to take 30% of Jan 2026's demand (420 units) in Feb 2026",
                f"Expedite C-GLASS (14 days, 15% premium) so {items[0]} is supplied from Dec 2025",
            ],
            "note": ["the plan as it stands", "any price concession is not included", ""],
        }
    )
    return capacity, options


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
    cash["runway_months"] = 14.2
    cash["cash_as_of_month"] = plan
    capacity, options = _capacity_tables(plan, items, horizon)

    by_family = fc.groupby(["month", "family"])["forecast_revenue"].sum().reset_index()
    by_family["planned_revenue"] = by_family["forecast_revenue"] * rng.uniform(
        0.9, 1.15, len(by_family)
    )
    total = by_family.groupby("month")[["forecast_revenue", "planned_revenue"]].sum().reset_index()
    recon = pd.concat([by_family, total.assign(family="__total__")], ignore_index=True)
    recon["gap"] = recon["forecast_revenue"] - recon["planned_revenue"]
    recon["gap_pct"] = recon["gap"] / recon["planned_revenue"]
    recon["plan_month"] = plan

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
            "category": ["supply_gap", "plan_shortfall", "shelf_life", "overdue_action"],
            "topic": [
                f"{items[0]} short for 3 months: amber bottle supply",
                "Face Care forecast 8% below the financial plan",
                "Lots expiring before use at DC-Main",
                "Second source for amber glass bottle overdue by 66 days",
            ],
            "item": [items[0], "Face Care", items[1], "A-2025-004"],
            "impact_value": [48_200.0, 31_900.0, 9_400.0, 0.0],
            "suggested_decision": [
                "Expedite the open bottle order; allocate stock to key accounts",
                "Agree a promotion or revise the plan with finance",
                "Discount the lots through the outlet channel",
                "Escalate to the procurement director",
            ],
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
        forecast=fc,
        demand_history=hist,
        forecast_changes=changes,
        forecast_accuracy=accuracy,
        override_scorecard=scorecard,
        supply_gaps=gaps,
        capacity_plan=capacity,
        scenario_options=options,
        material_requirements=mrp,
        inventory_policy=policy,
        shelf_life_risk=lots,
        excess_obsolete=excess,
        service_cash_tradeoff=tradeoff,
        cash_projection=cash,
        financial_reconciliation=recon,
        promotions_ahead=promos,
    )


class PackOutline(HTMLParser):
    """The parts of a pack the tests look at: sections, figures, tables, tags left open."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr", "col", "source"})

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.charts: list[tuple[str, str, bool]] = []  # (section, data-chart, holds an <svg>)
        self.tables: list[int] = []  # body rows per table
        self.tags: set[str] = set()
        self.stack: list[str] = []
        self.mismatched: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.add(tag)
        if tag == "section":
            self.sections.append(values.get("id") or "")
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
    assert "$89,500" in pack_html  # margin at stake of the top issues
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
        shot = session.screenshot(tmp_path / "meeting_pack.png")
    assert session.problems == []
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


def test_the_capacity_section_shows_load_overloads_options_and_runway(pack_html: str) -> None:
    """The filling line (load 150 in Jun and Jul 2026 against 100 + 15 h) is charted and its two
    overloaded months are listed; the top issue's option table flags the suggested option
    (expedite, +$44,000); the runway is in the headline figures."""
    section = pack_html[pack_html.index('id="capacity_options"') :]
    section = section[: section.index("</section>")]
    assert section.count('data-chart="capacity_load"') == 2  # FILL and PACK
    assert "Filling line" in section and "Jun 2026" in section and "150.0%" in section
    assert 'data-issue="supply_gap:FG-00001"' in section
    assert '<tr class="suggested">' in section and "badge-suggested" in section
    assert "+$44,000" in section and "97.4%" in section
    assert "14.2 months" in section  # runway
    assert 'data-chart="cash_balance"' in section


def test_without_capacity_or_cash_the_section_says_so() -> None:
    data = MeetingPackData(plan_month=datetime.date(2025, 10, 1), company="Test").typed()
    html = render_meeting_pack(data)
    section = html[html.index('id="capacity_options"') :]
    assert "the company has no resources.csv" in section
    assert "No supply gap, overload or upward forecast change to decide on." in section
    assert "the company has no cash.csv" in section
