"""The committed sample company (data/) planned for 2025-10: the constrained plan fixes what the
stages used to disagree on.

- The amber glass bottle PK-010 (60 days to buy, 78 on hand, the next orders in January) limits
  four finished goods: one binding constraint naming all four, one issue on the agenda; its
  expedite, in on 29 November, makes December's goods, not November's.
- The filling line FILL-L looked overloaded in November (160 h of orders against 115 h + 15 h of
  overtime) because it was loaded with orders PK-010 makes impossible: the constrained plan loads
  it only with what can be made, and no lost sale is put on it.
- The tube filling line FILL-T's May 2026 "overload" was the safety-stock build of one month:
  the constrained plan builds it in the spare months before, and no sale is lost to it.
- Runway follows the plan's own monthly flows, then its last 12 months at level stock.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sop_pipeline.runner import run_pipeline
from sop_pipeline_tests.conftest import built_once, paths_for, read_table

REPO = Path(__file__).resolve().parents[1]
PLAN = dt.date(2025, 10, 1)
NOV = pd.Timestamp("2025-11-01")
PK010_USERS = ["FC-002", "FC-006", "FC-010", "HC-030"]

# the whole sample company planned (about a minute): run by .ci/run with -m slow
pytestmark = pytest.mark.slow


def _plan(root: Path) -> Path:
    paths = paths_for(root)
    shutil.copytree(REPO / "data", paths.data_dir, ignore=shutil.ignore_patterns("warehouse"))
    settings = paths.data_dir / "settings.yaml"
    settings.write_text(settings.read_text() + "\nplanning_months_back: 0\n")
    run_pipeline(paths, PLAN, echo=lambda _: None)
    return root


@pytest.fixture(scope="session")
def sample_company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(tmp_path_factory, "sample_company_constrained", _plan)


def _mart(root: Path, table: str) -> pd.DataFrame:
    return read_table(
        paths_for(root).work_db, f"select * from sop_mart.{table} where plan_month = ?", [PLAN]
    )


def test_pk010_is_one_binding_constraint_with_its_four_items(sample_company: Path) -> None:
    prices = _mart(sample_company, "constraint_prices")
    pk010 = prices[(prices["constraint_type"] == "component") & (prices["constraint"] == "PK-010")]
    assert len(pk010) >= 1 and (pk010["shadow_price"] > 0).all()
    assert pk010["month"].min() == NOV
    widest = pk010.sort_values("affected_item_count").iloc[-1]
    assert widest["affected_item_count"] == 4
    assert widest["affected_items"] == ", ".join(PK010_USERS)
    issues = _mart(sample_company, "top_issues")
    assert (issues["item"] == "PK-010").sum() == 1  # one issue, never one per item
    for item in PK010_USERS:  # no item of it is an issue of its own for the bottle
        assert not ((issues["item"] == item) & (issues["category"] == "component")).any()
    # the brief's first decision: the bottle with its four items, its overdue second-source
    # action and the Marketing override behind the shortage, with its owner's scorecard verdict
    bottle = issues.set_index("issue").loc["component:PK-010"]
    assert bottle["rank"] == 1 and bottle["affected_items"] == ", ".join(PK010_USERS)
    assert bottle["shadow_price"] == pk010["shadow_price"].max() and bottle["price_per"] == "unit"
    assert "A-2025-002 Second source for Amber glass dropper bottle 50 ml" in bottle["open_actions"]
    assert "days overdue" in bottle["open_actions"]
    assert bottle["override_owner"] == "Marketing lead - E. Holm" and bottle["override_share"] > 0
    # the owner's verdict as the override scorecard has it (none before any month is scored)
    scorecard = _mart(sample_company, "override_scorecard").set_index("owner")["verdict"]
    assert bottle["override_verdict"] == scorecard.get("Marketing lead - E. Holm")
    assert not {"plan_shortfall", "overdue_action"} & set(issues["category"])
    options = _mart(sample_company, "scenario_options")
    rows = options[options["issue"] == "component:PK-010"].set_index("option")
    assert {"plan_to_base", "expedite"} <= set(rows.index)
    assert rows.loc["expedite", "margin_vs_base"] > 0
    assert set(rows["affected_items"]) == {", ".join(PK010_USERS)}
    # ordered at the meeting, the expedite is in on 29 Nov: too late in the month to make
    # November's goods, so November's production uses only the 78 bottles on hand
    assert rows.loc["expedite", "decision"].endswith("for Dec 2025's production")
    assert rows.loc["expedite", "decision"].startswith("Expedite 5,000 of PK-010")  # its lot
    plan = _mart(sample_company, "constrained_plan")
    for _, month in plan[(plan["item"] == "PK-010") & (plan["month"] == NOV)].iterrows():
        assert month["consumption_qty"] <= 78 + 1e-6


def test_the_filling_line_is_loaded_only_with_what_can_be_made(sample_company: Path) -> None:
    rough = _mart(sample_company, "capacity_plan").query("scenario == 'base'")
    rough_nov = rough[(rough["resource"] == "FILL-L") & (rough["month"] == NOV)].iloc[0]
    assert rough_nov["overload"] > 0  # what the unconstrained MRP would need
    plan = _mart(sample_company, "constrained_capacity").query("scenario == 'base'")
    nov = plan[(plan["resource"] == "FILL-L") & (plan["month"] == NOV)].iloc[0]
    assert nov["load"] <= nov["capacity"] + nov["overtime_used"] + 1e-6
    assert nov["overtime_used"] <= nov["overtime_capacity"] + 1e-9
    prices = _mart(sample_company, "constraint_prices")
    line = prices[(prices["constraint_type"] == "resource") & (prices["constraint"] == "FILL-L")]
    assert line.loc[line["month"] == NOV, "lost_margin"].sum() == pytest.approx(0.0, abs=1e-6)
    # a line that loses no sale of its own has no demand to spread: the sales other
    # constraints lose (the bottles, the gift sets' own lead times) are not its to offer
    options = _mart(sample_company, "scenario_options")
    resources = options[options["category"] == "resource"]
    spread = resources[resources["option"] == "spread_deliveries"]
    lost_to_lines = prices.loc[prices["constraint_type"] == "resource", "lost_margin"].sum()
    assert lost_to_lines == pytest.approx(0.0, abs=1e-6)
    assert not spread["is_feasible"].any()
    assert spread["note"].str.startswith("no sales are lost to").all()
    # the packing area has room in November (the gift sets' buffers for December are held at
    # December's end, not November's): no overtime and no issue
    pack = plan[(plan["resource"] == "PACK") & (plan["month"] == NOV)].iloc[0]
    assert pack["load"] <= pack["capacity"] + 1e-6 and pack["overtime_used"] == 0.0
    assert "PACK" not in set(resources["item"])


def test_the_tube_line_builds_its_buffer_ahead_and_loses_no_sale(sample_company: Path) -> None:
    months = pd.to_datetime(["2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"])
    rough = _mart(sample_company, "capacity_plan").query("scenario == 'base'")
    rough = rough[rough["resource"] == "FILL-T"].set_index("month").loc[months]
    plan = _mart(sample_company, "constrained_capacity").query("scenario == 'base'")
    plan = plan[plan["resource"] == "FILL-T"].set_index("month").loc[months]
    assert (plan["load"] <= plan["capacity"] + plan["overtime_capacity"] + 1e-6).all()
    # the peak's load moves into the spare months before it
    assert plan.loc[months[:2], "load"].sum() > rough.loc[months[:2], "load"].sum()
    assert plan.loc[months[2], "load"] < rough.loc[months[2], "load"]
    prices = _mart(sample_company, "constraint_prices")
    tube = prices[(prices["constraint_type"] == "resource") & (prices["constraint"] == "FILL-T")]
    assert tube["lost_margin"].sum() == pytest.approx(0.0, abs=1e-6)
    constrained = _mart(sample_company, "constrained_plan").query("scenario == 'base'")
    items = ["SC-020", "SC-021", "SC-022", "SC-023", "SC-024", "BC-016", "BC-017"]
    peak = constrained[constrained["item"].isin(items) & constrained["month"].isin(months)]
    assert peak["lost_sales_qty"].sum() == pytest.approx(0.0, abs=1e-3)


def test_runway_and_low_point_follow_the_plans_own_flows(sample_company: Path) -> None:
    cash = _mart(sample_company, "cash_projection").sort_values("month")
    projected = cash[~cash["is_actual"]]
    flows = projected["net_cash_flow"].to_numpy()
    opening = 891_000.0  # cash.csv at the 2025-10 close
    balances = opening + np.cumsum(flows)
    np.testing.assert_allclose(projected["cash_balance"], balances)
    low = projected[projected["is_cash_low_point"].astype(bool)]
    assert len(low) == 1 and low["cash_balance"].iloc[0] == pytest.approx(balances.min())
    # past the horizon its 12 months repeat at level stock: collections, overtime and burn,
    # with the bought items their sales contain bought back in the month (by hand through the
    # BOM), no purchases of the plan's own and no expedite premiums - and the sales lost to the
    # plan's start sold: here every lost sale is (PK-010 before an order placed at the close
    # reaches production, in January; the first month's lead times), so the year sells its
    # demand in those months
    sales = _mart(sample_company, "constrained_plan").query("scenario == 'base'")
    prices = _mart(sample_company, "constraint_prices")
    lost = prices[prices["lost_margin"] > 0]
    assert set(lost["constraint_type"]) <= {"component", "lead_time"}
    assert (
        lost.loc[lost["constraint_type"] == "component", "month"] < pd.Timestamp("2026-01-01")
    ).all()
    assert lost["lost_margin"].sum() == pytest.approx(sales["lost_margin"].sum(), rel=1e-6)
    content = _bought_content(REPO / "data" / "master")
    sold = sales["sales_qty"] + sales["lost_sales_qty"]
    materials = (sold * sales["item"].map(content)).groupby(sales["month"]).sum()
    one_off = (
        (sales["lost_sales_qty"] * sales["net_price"].fillna(0.0)).groupby(sales["month"]).sum()
    )
    year = (
        projected["cash_inflow"].to_numpy()
        + one_off.loc[projected["month"]].to_numpy()
        - materials.loc[projected["month"]].to_numpy()
        - projected["overtime_cost"].to_numpy()
        - projected["operating_burn"].to_numpy()
    )
    bought_back = (sales["sales_qty"] * sales["item"].map(content)).sum()
    assert bought_back > projected["purchase_spend"].sum()  # the plan draws stock down
    runway = _runway(opening, list(flows) + list(year[-12:]) * 50)
    recorded = cash["runway_months"].dropna()
    if runway is None:
        assert recorded.empty
    else:
        assert recorded.iloc[0] == pytest.approx(runway)
        straight = 12 + balances[-1] / ((opening - balances[-1]) / 12)
        # not a straight line at the average outflow (on this data the two are a week apart)
        assert recorded.iloc[0] != pytest.approx(straight, abs=0.05)
    # an option's levers are one-off (a shortage, an expedite, overtime in the issue's months):
    # past the horizon its balance runs on the plan's year, not on its own year repeated
    options = _mart(sample_company, "scenario_options")
    solvent = options[options["cash_low_point"] > 0]
    assert len(solvent) > 10
    for _, row in solvent.iterrows():
        after = _runway(row["cash_balance_end"], list(year[-12:]) * 50)
        expected = np.nan if after is None else len(flows) + after
        assert row["runway_months"] == pytest.approx(expected, nan_ok=True)


def test_options_count_at_least_the_sales_their_own_plans_lose(sample_company: Path) -> None:
    """Each option's expected lost margin (Normal demand) is at least the margin of the sales
    its own plan loses: stock an option's plan holds at the end of a month in which it loses
    sales (an order arriving late in the month) is not counted as stock that month could
    sell."""
    plans = _mart(sample_company, "option_plans")
    plans["lost_margin"] = plans["lost_sales_qty"] * (
        plans["unit_price"] - plans["unit_cost"]
    ).clip(lower=0)
    lost = plans.groupby(["issue", "option"])["lost_margin"].sum()
    options = _mart(sample_company, "scenario_options").set_index(["issue", "option"])
    at_risk = options.loc[lost.index, "expected_margin_at_risk"]
    assert (lost > 1000).sum() >= 4  # the PK-010 options, which lose November's sales
    assert (at_risk >= lost - 1.0).all(), (at_risk - lost)[at_risk < lost - 1.0]


def _bought_content(master: Path) -> pd.Series:
    """Cost of the bought items in one unit of each item: its own cost when it has no BOM,
    else its components' content times the quantity issued per unit (qty_per / (1 - scrap))."""
    items = pd.read_csv(master / "items.csv").set_index("item")["unit_cost"]
    bom = pd.read_csv(master / "bom.csv")
    bom["per_unit"] = bom["qty_per"] / (1 - bom["scrap_rate"].fillna(0.0))
    parts = bom.groupby("parent")

    def content(item: str) -> float:
        if item not in parts.groups:
            return float(items[item])
        rows = parts.get_group(item)
        return sum(r.per_unit * content(r.component) for r in rows.itertuples())

    return pd.Series({item: content(item) for item in items.index})


def _runway(opening: float, flows: list[float]) -> float | None:
    """Months until the balance first falls below zero, by hand, interpolated in the month."""
    balance = opening
    for month, flow in enumerate(flows, start=1):
        if balance + flow < 0:
            return month - 1 + balance / (balance - (balance + flow))
        balance += flow
    return None


def test_revenue_three_ways_and_the_targets(sample_company: Path) -> None:
    plan = _mart(sample_company, "constrained_plan").query("scenario == 'base'")
    recon = _mart(sample_company, "financial_reconciliation")
    total = recon[recon["family"] == "__total__"]
    assert total["constrained_revenue"].sum() == pytest.approx(plan["sales_revenue"].sum())
    assert (total["constrained_revenue"] <= total["forecast_revenue"] + 1e-6).all()
    checks = _mart(sample_company, "plan_feasibility").set_index("check")
    working = checks.loc["working_capital"]
    # the path asks for 169,472 by Jul 2026; even 85 % service needs ~203k of stock
    assert not working["is_met"] and pd.isna(working["service_level"])
    assert working["detail"].startswith("the policy needs")
    assert "none from 85% to 99.5% service meets it" in working["detail"]
    # beside the policy's stock, what the plan holds in the target month (the projection's)
    cash = _mart(sample_company, "cash_projection")
    held = cash.loc[cash["month"] == pd.Timestamp(working["month"]), "inventory_value"]
    assert len(held) == 1 and f"the plan holds {held.iloc[0]:,.0f} then" in working["detail"]
    kpis = _mart(sample_company, "kpis").set_index("kpi")
    assert kpis.loc["cash_low_point", "value"] == pytest.approx(checks.loc["cash", "value"])
    assert kpis.loc["cash_path_service_level", "status"] == "off_track"
