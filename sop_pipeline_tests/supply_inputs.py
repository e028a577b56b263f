"""Planning inputs for the supply unit tests, from a demand frame as the tests write it."""

from __future__ import annotations

from typing import Any

import pandas as pd

from sop_pipeline.supply.inputs import PlanningInputs

PLAN = pd.Timestamp("2025-01-01")


def plan_inputs(
    items: pd.DataFrame,
    bom: pd.DataFrame,
    demand: pd.DataFrame,
    on_hand: pd.DataFrame,
    open_orders: pd.DataFrame,
    plan_month: object = PLAN,
    *,
    prices: pd.Series | None = None,
    **settings: Any,
) -> PlanningInputs:
    """:class:`PlanningInputs` whose forecast is ``demand`` (``item, month, qty`` is the base
    forecast; a forecast with ``forecast_qty`` and ``hi80`` is taken as it is), valued at
    ``prices`` (net price per item) when given."""
    forecast = demand.rename(columns={"qty": "forecast_qty"})
    if prices is not None:
        forecast = forecast.assign(net_price=forecast["item"].map(prices))
    return PlanningInputs(plan_month, items, bom, forecast, on_hand, open_orders, **settings)
