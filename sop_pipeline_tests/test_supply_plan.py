"""The supply plan of a month: its inputs read once, one planning network, the base MRP once.

The counts are taken by wrapping the functions that read, build and plan (each call still runs),
so a second read, a second network or a second base plan makes these tests fail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from sop_pipeline.lib import planning_data
from sop_pipeline.resources import SettingsResource, WarehouseResource
from sop_pipeline.supply import assets as supply_assets
from sop_pipeline.supply import gaps, mrp
from sop_pipeline.supply import plan as supply_plan_module
from sop_pipeline.supply.gaps import find_supply_gaps
from sop_pipeline.supply.mrp import run_mrp
from sop_pipeline.supply.plan import SupplyPlan, plan_supply
from sop_pipeline.supply.policy import plan_inventory
from sop_pipeline_tests.conftest import copy_company, snapshot
from sop_pipeline_tests.supply_inputs import plan_inputs

MONTHS = pd.date_range("2025-02-01", periods=4, freq="MS")
MONTH_DAYS = 365.25 / 12
NO_ORDERS = pd.DataFrame({"po": [], "item": [], "qty_open": [], "due_date": []})
PLAN_MONTH = "2025-09-01"
INPUT_READERS = ("items", "bom", "forecast", "on_hand", "open_orders", "forecast_models")


def calls_of(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> list[tuple]:
    """The positional arguments of every call of ``module.name`` from now on (it still runs)."""
    calls: list[tuple] = []
    original: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def _inputs() -> Any:
    """A (price 20) uses 2 C; C has 15 in stock, a 2-month lead time and an MOQ of 40, so A is
    short in months 1-2; the upside (hi80) asks 30 % more."""
    items = pd.DataFrame(
        [
            {"item": "A", "item_type": "finished_good", "unit_cost": 5.0, "unit_price": 20.0,
             "lead_time_days": 0.0},
            {"item": "C", "item_type": "component", "unit_cost": 1.0,
             "lead_time_days": 2 * MONTH_DAYS, "moq": 40.0},
        ]
    )  # fmt: skip
    bom = pd.DataFrame({"parent": ["A"], "component": ["C"], "qty_per": [2.0]})
    forecast = pd.DataFrame({"item": "A", "month": MONTHS, "forecast_qty": 10.0, "hi80": 13.0})
    stock = pd.DataFrame({"item": ["C"], "on_hand_qty": [15.0]})
    return plan_inputs(items, bom, forecast, stock, NO_ORDERS, horizon=4)


def test_one_network_and_one_base_plan_serve_the_mrp_and_the_gaps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inputs = _inputs()
    networks = calls_of(monkeypatch, supply_plan_module, "build_network")
    scenario_plans = calls_of(monkeypatch, mrp, "plan_network")
    gap_networks = calls_of(monkeypatch, gaps, "build_network")
    gap_plans = calls_of(monkeypatch, gaps, "plan_network")

    plan = plan_supply(inputs)

    assert len(networks) == 1
    assert [args[1] for args in scenario_plans] == ["base", "upside"]
    assert gap_networks == [] and gap_plans == []  # the gaps replay the plan already made
    assert not plan.supply_gaps.empty


def test_the_plan_is_what_each_planning_function_gives_on_its_own() -> None:
    """MRP plans against the targets of the policy planned beside it; the gaps are those of a
    fresh base plan; shelf-life and the curve are filled."""
    inputs = _inputs()
    plan = plan_supply(inputs, default_service_level=0.9)
    inventory = plan_inventory(
        inputs.items, inputs.bom, inputs.demand(), inputs.forecast_errors, inputs.on_hand,
        inputs.open_orders, inputs.plan_month, horizon=4, default_service_level=0.9,
    )  # fmt: skip
    pd.testing.assert_frame_equal(plan.inventory_policy, inventory.policy)
    pd.testing.assert_frame_equal(plan.inventory_targets, inventory.targets)
    assert plan.inventory_targets["safety_stock"].gt(0).any()
    phased = replace(inputs, safety_stock=inventory.targets[["item", "month", "safety_stock"]])
    pd.testing.assert_frame_equal(plan.material_requirements, run_mrp(phased, ("base", "upside")))
    # no resources: every gap is a material one
    material = find_supply_gaps(phased).assign(gap_type="material")
    pd.testing.assert_frame_equal(plan.supply_gaps, material)
    assert plan.capacity_plan.empty
    assert plan.service_cash_tradeoff["is_current"].sum() == 1
    assert set(plan.excess_obsolete.columns) >= {"item", "total_value"}


def test_the_supply_asset_reads_its_inputs_once_and_rewrites_the_same_plan(
    planned_company: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-planning 2025-09 of the planned tiny company with the supply asset alone: every input
    table is read once, one network is built, and the eight tables come out as the run wrote
    them."""
    paths = copy_company(planned_company, tmp_path / "company")
    tables = [f"sop_mart.{f.name}" for f in fields(SupplyPlan)]
    before = snapshot(paths.work_db, [PLAN_MONTH])
    reads = {name: calls_of(monkeypatch, planning_data, name) for name in INPUT_READERS}
    inputs_read = calls_of(monkeypatch, supply_assets, "read_planning_inputs")
    networks = calls_of(monkeypatch, supply_plan_module, "build_network")
    settings = str(paths.settings_file) if paths.settings_file.exists() else ""

    result = dg.materialize(
        [supply_assets.supply_plan],
        partition_key=PLAN_MONTH,
        resources={
            "warehouse": WarehouseResource(database=str(paths.work_db)),
            "settings": SettingsResource(settings_file=settings),
        },
    )

    assert result.success
    events = result.get_asset_materialization_events()
    assert {"sop_mart." + e.asset_key.path[-1] for e in events} == set(tables)
    assert len(inputs_read) == 1 and len(networks) == 1
    assert {name: len(calls) for name, calls in reads.items()} == dict.fromkeys(INPUT_READERS, 1)
    after = snapshot(paths.work_db, [PLAN_MONTH])
    for table in tables:
        pd.testing.assert_frame_equal(after[table], before[table], obj=table)
