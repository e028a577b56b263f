"""Supply planning: pure pandas/numpy functions behind the supply assets.

A plan month's inputs are read once into a :class:`PlanningInputs` and :func:`plan_supply`
plans the whole month from it (:class:`SupplyPlan`, one frame per table): MRP and the gaps plan
on one :class:`~sop_pipeline.supply.network.PlanningNetwork`, the base MRP computed once. The
functions it calls, one per output table (their columns in the ``*_COLUMNS`` constants):

- :func:`plan_inventory` → ``inventory_policy`` (:data:`POLICY_COLUMNS`) and the time-phased
  ``inventory_targets`` (:data:`TARGET_COLUMNS`)
- :func:`run_mrp` → ``material_requirements`` (:data:`MRP_COLUMNS`), base and upside
- :func:`~sop_pipeline.supply.capacity.plan_rough_cut` → ``capacity_plan``
  (:data:`~sop_pipeline.supply.capacity.CAPACITY_PLAN_COLUMNS`), base and upside
- :func:`find_supply_gaps` → ``supply_gaps`` (:data:`GAP_COLUMNS`), replaying the base MRP;
  :func:`~sop_pipeline.supply.capacity.combine_gaps` adds the capacity gaps (``gap_type``)
- :func:`shelf_life_risk` → ``shelf_life_risk`` (:data:`SHELF_LIFE_COLUMNS`)
- :func:`excess_and_obsolete` → E&O per item (:data:`EXCESS_OBSOLETE_COLUMNS`)
- :func:`service_cash_tradeoff` → ``service_cash_tradeoff`` (:data:`TRADEOFF_COLUMNS`)
- :func:`detect_bom_cycles` and :func:`low_level_codes` for the BOM checks.

This is what the company *would need*; :mod:`sop_pipeline.balance` plans what it *can do* (the
constrained plan, its prices and the meeting's options).
"""

from sop_pipeline.supply.bom import detect_bom_cycles, explosion_factor, low_level_codes
from sop_pipeline.supply.gaps import GAP_COLUMNS, find_supply_gaps
from sop_pipeline.supply.inputs import SCENARIO_COLUMNS, PlanningInputs, scenario_demand
from sop_pipeline.supply.mrp import MRP_COLUMNS, lot_size, run_mrp
from sop_pipeline.supply.obsolescence import EXCESS_OBSOLETE_COLUMNS, excess_and_obsolete
from sop_pipeline.supply.plan import SupplyPlan, plan_supply
from sop_pipeline.supply.policy import (
    POLICY_COLUMNS,
    TARGET_COLUMNS,
    plan_inventory,
)
from sop_pipeline.supply.shelf_life import SHELF_LIFE_COLUMNS, shelf_life_risk
from sop_pipeline.supply.tradeoff import TRADEOFF_COLUMNS, service_cash_tradeoff

__all__ = [
    "EXCESS_OBSOLETE_COLUMNS",
    "GAP_COLUMNS",
    "MRP_COLUMNS",
    "POLICY_COLUMNS",
    "SCENARIO_COLUMNS",
    "SHELF_LIFE_COLUMNS",
    "TARGET_COLUMNS",
    "TRADEOFF_COLUMNS",
    "PlanningInputs",
    "SupplyPlan",
    "detect_bom_cycles",
    "excess_and_obsolete",
    "explosion_factor",
    "find_supply_gaps",
    "low_level_codes",
    "lot_size",
    "plan_inventory",
    "plan_supply",
    "run_mrp",
    "scenario_demand",
    "service_cash_tradeoff",
    "shelf_life_risk",
]
