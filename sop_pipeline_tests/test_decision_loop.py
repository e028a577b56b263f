"""The decision loop through the real assets and the command line, on the tiny company with a
filling line LINE of 170 h a month that Jan 2026's capacity.csv cuts to 20 h:

1. 2025-10 is planned: the line binds in Dec-Jan and the meeting's options include a
   pre-build; bad decisions are refused with the rule named and nothing written;
2. the meeting picks the pre-build (``sop-pipeline decide``);
3. 2025-11 closes and is planned: its plan holds the pre-build's firm production (the Nov part
   has passed), the MRP and the constrained plan make it, and the rough-cut load in Jan no
   longer needs the overtime it did;
4. 2025-12 closes with known sales: the decision's value added so far equals plan to base
   replayed by hand on those sales;
5. the Nov meeting decides after Dec was planned: Dec's plan shows stale in Dagster.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from sop_pipeline.decisions.cli import decide
from sop_pipeline.decisions.records import DecisionError
from sop_pipeline.runner import run_pipeline
from sop_pipeline.status import status_lines
from sop_pipeline_tests.conftest import built_once, paths_for, read_table
from sop_pipeline_tests.tiny_company import write_capacity_files, write_tiny_company

pytestmark = pytest.mark.slow

OCT, NOV, DEC = dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1)
JAN_CAPACITY = "month,resource,capacity_per_month,overtime_capacity_per_month\n2026-01,LINE,20,\n"
DEC_SALES = {"FG1": (160, 150), "FG2": (45, 45), "FG3": (30, 30)}
"""Dec 2025's actual sales: item -> (ordered, shipped)."""


def _close(root: Path, month: str, k: int, sales: dict[str, tuple[int, int]] | None) -> None:
    """Write month ``month`` (the tiny company's ``k``-th month) into the company at ``root``,
    with ``sales`` (item -> ordered, shipped at the item's list price) when given, and close it."""
    scratch = root.parent / f"{root.name}-scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    write_tiny_company(scratch, "2025-07", k + 1)
    target = root / month
    shutil.copytree(scratch / month, target)
    shutil.rmtree(scratch)
    if sales is not None:
        price = {"FG1": 20, "FG2": 30, "FG3": 15}
        lines = ["date,item,ordered_qty,shipped_qty,net_revenue,customer,channel,location"]
        lines += [
            f"{month}-10,{item},{ordered},{shipped},{shipped * price[item]},Shop A,retail,WH1"
            for item, (ordered, shipped) in sales.items()
        ]
        (target / "sales.csv").write_text("\n".join(lines) + "\n")
    (target / "capacity.csv").write_text(JAN_CAPACITY)


def _build(root: Path) -> None:
    paths = paths_for(root)
    write_tiny_company(paths.data_dir, "2025-07", 4)
    write_capacity_files(paths.data_dir, line_hours=170.0)
    (paths.data_dir / "2025-10" / "capacity.csv").write_text(JAN_CAPACITY)
    (paths.data_dir / "settings.yaml").write_text("planning_months_back: 0\n")
    run_pipeline(paths, OCT, echo=lambda _: None)
    refused = {}
    for issue, option, month in (
        ("resource:NOPE", "prebuild", OCT),
        ("resource:LINE", "overtime", OCT),
        ("resource:LINE", "prebuild", dt.date(2025, 8, 1)),
    ):
        try:
            decide(paths, issue, option, "Ops", month=month)
        except DecisionError as exc:
            refused[f"{issue} {option} {month:%Y-%m}"] = str(exc)
    (root / "refused.txt").write_text("\n---\n".join(f"{k}\n{v}" for k, v in refused.items()))
    (root / "file_after_refusals.txt").write_text(
        str((paths.data_dir / "2025-10" / "decisions.csv").exists())
    )
    decide(paths, "resource:LINE", "prebuild", "Ops - M. Berg", note="build ahead of January")
    _close(paths.data_dir, "2025-11", 4, None)
    run_pipeline(paths, NOV, echo=lambda _: None)
    _close(paths.data_dir, "2025-12", 5, DEC_SALES)
    run_pipeline(paths, DEC, echo=lambda _: None)
    before = _staleness(paths, DEC)
    decide(paths, "resource:LINE", "plan_to_base", "CFO", month=NOV)
    (root / "staleness.txt").write_text(f"{before}\n{_staleness(paths, DEC)}")
    (root / "status.txt").write_text("\n".join(status_lines(paths)))


def _staleness(paths, month: dt.date) -> str:
    """Dagster's own staleness of the month's decisions_applied (what the UI shows)."""
    from dagster._core.definitions.data_version import CachingStaleStatusResolver
    from dagster._core.loader import LoadingContextForTest

    from sop_pipeline.definitions import build_definitions
    from sop_pipeline.lib.instance import open_instance
    from sop_pipeline.resources import resources_for

    graph = build_definitions(resources_for(paths)).resolve_asset_graph()
    with open_instance(paths.dagster_home) as instance:
        resolver = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
        key = dg.AssetKey(["sop_mart", "decisions_applied"])
        return resolver.get_status(key, f"{month:%Y-%m-%d}").value


@pytest.fixture(scope="session")
def loop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(tmp_path_factory, "decision_loop", _build)


def _table(root: Path, table: str, month: dt.date) -> pd.DataFrame:
    return read_table(
        paths_for(root).work_db, f"select * from sop_mart.{table} where plan_month = ?", [month]
    )


def test_bad_decisions_are_refused_and_nothing_is_written(loop: Path) -> None:
    refused = (loop / "refused.txt").read_text()
    assert "check 'issue_known': row 2: issue 'resource:NOPE' is not an issue" in refused
    assert "check 'option_feasible'" in refused and "overtime is not feasible" in refused
    assert "2025-08 is not planned, so its meeting had no options" in refused
    assert (loop / "file_after_refusals.txt").read_text() == "False"


def test_the_meeting_of_2025_10_chose_among_the_lines_options(loop: Path) -> None:
    options = _table(loop, "scenario_options", OCT)
    line = options[options["issue"] == "resource:LINE"].set_index("option")
    assert bool(line.loc["prebuild", "is_feasible"]) and line.loc["prebuild", "margin_vs_base"] > 0
    recorded = read_table(
        paths_for(loop).work_db, "select * from raw.decisions where plan_month = ?", [OCT]
    )
    assert recorded[["decision_id", "option", "owner"]].values.tolist() == [
        ["2025-10:resource:LINE", "prebuild", "Ops - M. Berg"]
    ]


def test_the_next_plan_holds_the_firm_prebuild(loop: Path) -> None:
    """Every production lever of the pre-build is in the 2025-11 plan: applied (made at least
    as decided by the constrained plan and the MRP) or, for Nov 2025, passed."""
    levers = _table(loop, "option_levers", OCT)
    prebuild = levers[(levers["option"] == "prebuild") & (levers["lever"] == "production")]
    applied = _table(loop, "decisions_applied", NOV)
    assert len(applied) == len(prebuild) > 0
    merged = applied.merge(prebuild, on=["item", "month"], suffixes=("", "_decided"))
    assert len(merged) == len(prebuild)
    np.testing.assert_allclose(merged["qty"], merged["qty_decided"])
    for row in merged.itertuples():
        expected = "passed" if pd.Timestamp(row.month) <= pd.Timestamp(NOV) else "applied"
        assert row.status == expected, row
    firm = merged[merged["status"] == "applied"]
    assert len(firm)
    plan = _table(loop, "constrained_plan", NOV)
    base = plan[plan["scenario"] == "base"].set_index(["item", "month"])
    mrp = _table(loop, "material_requirements", NOV)
    mrp = mrp[mrp["scenario"] == "base"].set_index(["item", "month"])
    for row in firm.itertuples():
        key = (row.item, pd.Timestamp(row.month))
        assert base.loc[key, "receipt_qty"] >= row.applied_qty - 1e-6
        assert mrp.loc[key, "planned_receipt_qty"] >= row.applied_qty - 1e-6
    checks = _table(loop, "plan_feasibility", NOV).set_index("check")
    assert bool(checks.loc["decisions", "is_met"])
    log = _table(loop, "decisions", NOV)
    assert log["application"].tolist() == ["applied"]
    actions = _table(loop, "actions", NOV)
    created = actions[actions["source"] == "decision"]
    assert created["action_id"].tolist() == ["D-2025-10-resource:LINE"]
    assert created["owner"].tolist() == ["Ops - M. Berg"]


def test_the_prebuild_takes_januarys_load_off_the_line(loop: Path) -> None:
    """The rough-cut plan of the MRP (what we would need) overloaded January by 130 h before
    the decision (each month's buffer held at its end for the months after it); with the
    pre-build made firm, by 20 h (one MOQ lot of FG1, 100 x 0.5 h, on
    the 20 h + 10 h of overtime January keeps); the constrained plan loads the line within its
    capacity and overtime in every month."""

    def january(month: dt.date) -> pd.Series:
        plan = _table(loop, "capacity_plan", month)
        row = plan[
            (plan["scenario"] == "base")
            & (plan["resource"] == "LINE")
            & (pd.to_datetime(plan["month"]) == pd.Timestamp("2026-01-01"))
        ]
        return row.iloc[0]

    assert january(OCT)["overload"] == pytest.approx(130.0)
    assert january(NOV)["overload"] == pytest.approx(20.0)
    line = _table(loop, "constrained_capacity", NOV)
    line = line[(line["scenario"] == "base") & (line["resource"] == "LINE")]
    assert (line["load"] - line["overtime_used"] <= line["capacity"] + 1e-6).all()
    assert (line["overtime_used"] <= line["overtime_capacity"] + 1e-6).all()


def test_the_decision_is_scored_against_plan_to_base_replayed_on_the_actual(loop: Path) -> None:
    """After Dec closes: for each of the issue's finished goods, plan to base's planned supply
    (option_plans of 2025-10) replayed by hand on Nov's and Dec's ordered quantities (Nov: the
    tiny company's 140 FG1, 40 FG2, 29 FG3; Dec: DEC_SALES) against what was shipped."""
    plans = _table(loop, "option_plans", OCT)
    base = plans[(plans["issue"] == "resource:LINE") & (plans["option"] == "plan_to_base")]
    ordered = {"FG1": [140, 160], "FG2": [40, 45], "FG3": [29, 30]}
    shipped = {"FG1": [140, 150], "FG2": [36, 45], "FG3": [29, 30]}
    margin_added = 0.0
    for item, rows in base.groupby("item"):
        rows = rows.sort_values("month").head(2)  # Nov, Dec
        stock = float(rows["opening_qty"].iloc[0])
        sold = 0.0
        for (_, month), wanted in zip(rows.iterrows(), ordered[item], strict=True):
            stock += month["supply_qty"] - month["consumption_qty"]
            sale = min(max(stock, 0.0), wanted)
            sold += sale
            stock -= sale
        unit_margin = float(rows["unit_price"].iloc[0] - rows["unit_cost"].iloc[0])
        margin_added += unit_margin * (sum(shipped[item]) - sold)
    options = _table(loop, "scenario_options", OCT).set_index(["issue", "option"])

    def cost(option: str) -> float:
        row = options.loc[("resource:LINE", option)]
        return float(row["overtime_cost"] + row["expedite_cost"])

    margin_added -= cost("prebuild") - cost("plan_to_base")
    outcome = _table(loop, "decision_outcomes", DEC).set_index("decision_id")
    scored = outcome.loc["2025-10:resource:LINE"]
    assert scored["months_closed"] == 2 and not bool(scored["is_final"])  # binds to Jan 2026
    assert scored["sales_qty"] == sum(sum(v) for v in shipped.values())
    assert scored["demand_qty"] == sum(sum(v) for v in ordered.values())
    assert scored["value_added_margin"] == pytest.approx(margin_added)
    assert scored["value_added_as_planned"] + scored["execution_gap_margin"] == pytest.approx(
        margin_added
    )
    assert scored["expected_value_added"] == pytest.approx(
        float(options.loc[("resource:LINE", "prebuild"), "margin_vs_base"])
    )
    card = _table(loop, "decision_scorecard", DEC).set_index(["dimension", "value"])
    assert card.loc[("owner", "Ops - M. Berg"), "decisions"] == 1
    assert card.loc[("issue type", "resource"), "value_added_margin"] == pytest.approx(margin_added)


def test_a_decision_recorded_after_the_next_plan_marks_it_stale(loop: Path) -> None:
    """The Nov meeting decides after Dec was planned: Dagster shows Dec's decisions_applied
    stale (it reads Nov's raw/decisions), and `status` lists the decision as not applied."""
    assert (loop / "staleness.txt").read_text().split() == ["FRESH", "STALE"]
    status = (loop / "status.txt").read_text()
    assert "decisions       2025-11: 1 recorded, not yet applied" in status
    assert "sop-pipeline run --month 2025-12" in status
