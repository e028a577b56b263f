"""Realised net price per finished good: what a unit actually brings in after discounts and returns.

The financial plan and the sales file are in net revenue, so the forecast is priced at each item's
realised net price, never at the list price of the item master:

- an item with sales in the trailing ``months`` months (the plan month and the months before it):
  ``net_price = sum(net_revenue) / sum(shipped_qty)`` over those months (``net_revenue`` with
  returns included, ``shipped_qty`` on order lines, as in ``staging.demand_history``);
- an item without such sales (new, or no positive revenue): its family's net-to-list ratio times
  its list price, ``net_price = unit_price x sum_f(net_revenue) / sum_f(shipped_qty x unit_price)``
  over the family's items priced from their own sales; the company's ratio when the family has
  none; the list price itself (ratio 1) when no item has sales; no price (NaN) without a list
  price.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NET_PRICE_COLUMNS = ["item", "list_price", "net_price", "net_to_list", "price_source"]
PRICE_SOURCES = ("item", "family", "company", "list", "none")


def realised_net_prices(
    sales: pd.DataFrame, items: pd.DataFrame, plan_month: pd.Timestamp, *, months: int = 12
) -> pd.DataFrame:
    """The realised net price of every finished good as of ``plan_month``.

    Args:
        sales: Monthly sales ``item, month, shipped_qty, net_revenue`` (rows after
            ``plan_month`` are ignored).
        items: Item master ``item, item_type, family, unit_price`` (``unit_price`` is the list
            price).
        plan_month: First day of the plan month (the last month of the window).
        months: Length of the trailing window in months.

    Returns:
        One row per finished good: ``item, list_price, net_price, net_to_list`` (net price over
        list price) and ``price_source`` (``item``, ``family``, ``company``, ``list`` or
        ``none``; see the module docstring).

    Raises:
        ValueError: for a window shorter than one month or missing columns.
    """
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months!r}")
    for frame, name, columns in (
        (sales, "sales", ("item", "month", "shipped_qty", "net_revenue")),
        (items, "items", ("item", "item_type", "family", "unit_price")),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} is missing column(s) {missing}")
    finished = items[items["item_type"] == "finished_good"].set_index("item")
    plan = pd.Timestamp(plan_month)
    first = plan - pd.DateOffset(months=months - 1)
    month = pd.to_datetime(sales["month"])
    window = sales[(month >= first) & (month <= plan) & sales["item"].isin(finished.index)]
    sold = window.groupby("item")[["shipped_qty", "net_revenue"]].sum()
    sold = sold.reindex(finished.index, fill_value=0.0)
    list_price = pd.to_numeric(finished["unit_price"], errors="coerce").astype(float)
    own = (sold["shipped_qty"] > 0) & (sold["net_revenue"] > 0)
    own_price = sold["net_revenue"] / sold["shipped_qty"].where(own)

    priced = own & (list_price > 0)
    at_list = sold["shipped_qty"] * list_price
    family = finished["family"].fillna("")
    family_ratio = sold["net_revenue"][priced].groupby(family[priced]).sum() / at_list[
        priced
    ].groupby(family[priced]).sum().replace(0.0, np.nan)
    company_ratio = (
        sold["net_revenue"][priced].sum() / at_list[priced].sum() if priced.any() else np.nan
    )
    ratio_family = family.map(family_ratio)
    ratio = ratio_family.fillna(company_ratio).fillna(1.0)
    source = np.select(
        [own, list_price.isna(), ratio_family.notna(), pd.notna(company_ratio)],
        ["item", "none", "family", "company"],
        "list",
    )
    net = own_price.where(own, ratio * list_price)
    out = pd.DataFrame(
        {
            "item": finished.index.to_numpy(),
            "list_price": list_price.to_numpy(),
            "net_price": net.to_numpy(float),
            "net_to_list": (net / list_price.where(list_price > 0)).to_numpy(float),
            "price_source": source,
        }
    )
    return out[NET_PRICE_COLUMNS].sort_values("item", ignore_index=True)
