"""The inputs of one plan month's supply planning, read once and handed to the planning functions.

Demand scenarios come from the forecast table: ``base`` plans the final forecast
(``forecast_qty``), ``upside`` the upper 80 % bound (``hi80``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from sop_pipeline.supply._common import as_plan_month, check_horizon, require_columns

SCENARIO_COLUMNS: Mapping[str, str] = {"base": "forecast_qty", "upside": "hi80"}
"""Demand column of the forecast table behind each MRP scenario."""

LATE_PO_DELAY_MONTHS = 1
"""Default delay of an open order already past due at the plan month's close (months after the
first planned month; the setting ``supply.late_po_delay_months``)."""

ISSUING_PRACTICES = ("at_receipt", "issued")
"""When the stock count gives up an open production order's components (the setting
``supply.open_production_components``): ``at_receipt``, the count still holds them and the
order consumes them when it is received (backflush on completion); ``issued``, they left the
count when the order was released."""


def scenario_demand(forecast: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """The demand ``item, month, qty`` of a scenario from the forecast table.

    ``base`` uses ``forecast_qty``, ``upside`` uses ``hi80`` (:data:`SCENARIO_COLUMNS`).

    Raises:
        ValueError: for an unknown scenario or a forecast without the needed column.
    """
    if scenario not in SCENARIO_COLUMNS:
        raise ValueError(f"unknown scenario {scenario!r}; expected one of {list(SCENARIO_COLUMNS)}")
    column = SCENARIO_COLUMNS[scenario]
    require_columns(forecast, ("item", "month", column), "forecast")
    return pd.DataFrame(
        {"item": forecast["item"], "month": forecast["month"], "qty": forecast[column]}
    )


def _no_rows() -> pd.DataFrame:
    return pd.DataFrame({"item": pd.Series(dtype=object)})


def _no_resources() -> pd.DataFrame:
    return pd.DataFrame(
        {"resource": pd.Series(dtype=object), "capacity_per_month": pd.Series(dtype=float)}
    )


def no_routings() -> pd.DataFrame:
    """An empty routings frame with its columns and types (no product is routed)."""
    return pd.DataFrame(
        {
            "item": pd.Series(dtype=object),
            "resource": pd.Series(dtype=object),
            "hours_per_unit": pd.Series(dtype=float),
        }
    )


def _no_overrides() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "month": pd.Series(dtype="datetime64[ns]"),
            "resource": pd.Series(dtype=object),
            "capacity_per_month": pd.Series(dtype=float),
        }
    )


def no_firm(subject: str, amount: str) -> pd.DataFrame:
    """An empty frame of firm quantities: ``subject, month, amount``."""
    return pd.DataFrame(
        {
            subject: pd.Series(dtype=object),
            "month": pd.Series(dtype="datetime64[ns]"),
            amount: pd.Series(dtype=float),
        }
    )


@dataclass(frozen=True)
class PlanningInputs:
    """What one plan month's supply planning reads, as frames with the warehouse's columns.

    Attributes:
        plan_month: First day of the plan month (the month just closed).
        items: Item master (``item, item_type, unit_cost, lead_time_days``; ``moq``,
            ``order_multiple``, ``shelf_life_days``, ``status``, ``unit_price`` ... when present).
        bom: ``parent, component, qty_per`` (``scrap_rate`` optional).
        forecast: ``item, month, forecast_qty``; ``hi80`` for the upside scenario; ``net_price``
            values revenue at risk (items without one keep the master's ``unit_price``).
        on_hand: Lots ``item, on_hand_qty`` (``location, lot, expiry_date, unit_cost``
            optional).
        open_orders: ``item, qty_open, due_date``.
        forecast_errors: The forecast error per finished good (``item`` and ``rmse_h<k>`` or
            ``cv_rmse`` ..., see :mod:`.forecast_errors`), for safety stock.
        safety_stock: The stock MRP plans to hold: per item and month (frame ``item, month,
            safety_stock``, the inventory targets) or one level per item (Series); None: none.
        horizon: Months planned after the plan month.
        late_po_delay_months: Months after month 1 in which an open order already past due
            arrives.
        open_production_components: When the count gives up an open production order's
            components (:data:`ISSUING_PRACTICES`): ``at_receipt``, the order consumes them in
            the month it is received; ``issued``, they are no longer counted.
        resources: Production resources (``resource, capacity_per_month``,
            ``overtime_capacity_per_month, overtime_cost_per_unit, description``); empty: the
            company plans no capacity.
        routings: ``item, resource, hours_per_unit``.
        capacity_overrides: The plan month's capacity overrides (``month, resource,
            capacity_per_month``, ``overtime_capacity_per_month``).
        firm_production: Production the meeting made firm (``item, month, qty``: received in
            ``month``); the constrained plan makes at least that.
        firm_overtime: Overtime the meeting approved (``resource, month, hours``); the
            constrained plan works at least those hours.
    """

    plan_month: pd.Timestamp
    items: pd.DataFrame
    bom: pd.DataFrame
    forecast: pd.DataFrame
    on_hand: pd.DataFrame
    open_orders: pd.DataFrame
    forecast_errors: pd.DataFrame = field(default_factory=_no_rows)
    safety_stock: pd.Series | pd.DataFrame | None = None
    horizon: int = 12
    late_po_delay_months: int = LATE_PO_DELAY_MONTHS
    open_production_components: str = "at_receipt"
    resources: pd.DataFrame = field(default_factory=_no_resources)
    routings: pd.DataFrame = field(default_factory=no_routings)
    capacity_overrides: pd.DataFrame = field(default_factory=_no_overrides)
    firm_production: pd.DataFrame = field(default_factory=lambda: no_firm("item", "qty"))
    firm_overtime: pd.DataFrame = field(default_factory=lambda: no_firm("resource", "hours"))

    def __post_init__(self) -> None:
        object.__setattr__(self, "plan_month", as_plan_month(self.plan_month))
        object.__setattr__(self, "horizon", check_horizon(self.horizon))
        if self.late_po_delay_months < 0:
            raise ValueError(
                f"late_po_delay_months must not be negative, got {self.late_po_delay_months!r}"
            )
        if self.open_production_components not in ISSUING_PRACTICES:
            raise ValueError(
                "open_production_components must be one of "
                f"{ISSUING_PRACTICES}, got {self.open_production_components!r}"
            )

    def demand(self, scenario: str = "base") -> pd.DataFrame:
        """Independent demand ``item, month, qty`` of a scenario (:func:`scenario_demand`)."""
        return scenario_demand(self.forecast, scenario)

    def prices(self) -> pd.Series | None:
        """Item -> the realised net price revenue is valued at (None without ``net_price``)."""
        if "net_price" not in self.forecast.columns:
            return None
        return self.forecast.groupby("item")["net_price"].first()
