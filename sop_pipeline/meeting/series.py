"""The data behind each chart: which items get a chart, and the series drawn (pure pandas).

Frames are typed (:meth:`MeetingPackData.typed`).
"""

from __future__ import annotations

import pandas as pd

from sop_pipeline.meeting.data import TOTAL, MeetingPackData
from sop_pipeline.meeting.views import (
    KPI_ORDER,
    RUNWAY_NOT_USED_UP,
    company_or_family,
    gaps_by_item,
)

HISTORY_MONTHS = 24


def history_rows(data: MeetingPackData) -> pd.DataFrame:
    """Monthly demand up to the plan month."""
    history = data.demand_history
    return history[history["month"] <= data.plan_timestamp]


def top_revenue_items(data: MeetingPackData) -> list[str]:
    """The ``chart_items`` items with the most forecast revenue over the horizon (units when no
    revenue)."""
    count = data.chart_items
    rows = data.forecast
    if rows.empty or count <= 0:
        return []
    value = rows["forecast_revenue"].fillna(rows["forecast_qty"])
    return [str(i) for i in value.groupby(rows["item"]).sum().nlargest(count).index]


def fan_series(data: MeetingPackData, item: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One item's demand of the last 24 months and its forecast rows."""
    history = history_rows(data)
    history = history[history["item"] == item].sort_values("month")
    history = history[history["month"] > data.plan_timestamp - pd.DateOffset(months=HISTORY_MONTHS)]
    return history, data.forecast[data.forecast["item"] == item].sort_values("month")


def unit_prices(forecast: pd.DataFrame) -> pd.Series:
    """Item -> net unit price: ``net_price``, else forecast revenue over forecast quantity."""
    by_item = forecast.groupby("item")
    prices = by_item["net_price"].max()
    if prices.isna().all():
        qty = by_item["forecast_qty"].sum()
        prices = by_item["forecast_revenue"].sum(min_count=1) / qty.where(qty > 0)
    return prices.dropna()


def total_series(data: MeetingPackData) -> pd.DataFrame:
    """Monthly totals in net revenue at current net prices: history, forecast and the same month
    a year earlier. Units are used instead when the forecast carries no prices (``unit``)."""
    forecast, history = data.forecast, history_rows(data)
    if forecast.empty:
        return pd.DataFrame()
    prices = unit_prices(forecast)
    if prices.empty:
        fc = forecast.groupby("month")["forecast_qty"].sum()
        hist = history.groupby("month")["demand_qty"].sum()
        unit = "units"
    else:
        fc = forecast.groupby("month")["forecast_revenue"].sum(min_count=1)
        fc = fc.fillna(forecast.groupby("month")["forecast_qty"].sum())
        priced = history.assign(value=history["demand_qty"] * history["item"].map(prices))
        hist = priced.groupby("month")["value"].sum(min_count=1)
        unit = "revenue"
    hist = hist[hist.index >= data.plan_timestamp - pd.DateOffset(months=HISTORY_MONTHS - 1)]
    frame = pd.DataFrame({"history": hist, "forecast": fc}).sort_index()
    last_year = hist.copy()
    last_year.index = last_year.index + pd.DateOffset(years=1)
    frame["last_year"] = last_year.reindex(frame.index)
    frame.loc[frame.index <= data.plan_timestamp, "last_year"] = float("nan")
    frame.index.name = "month"
    return frame.reset_index().assign(unit=unit)


def against_booked_last_year(data: MeetingPackData) -> float | None:
    """Forecast net revenue of the horizon's months against the net revenue booked in the same
    months a year earlier (the months both exist for); None without a year of booked history.
    Booked revenue, not last year's demand at today's prices: the plan's growth as the
    accounts will show it."""
    forecast, history = data.forecast, data.demand_history
    if forecast.empty or history.empty or history["net_revenue"].isna().all():
        return None
    ahead = forecast.groupby("month")["forecast_revenue"].sum(min_count=1)
    booked = history.groupby("month")["net_revenue"].sum(min_count=1)
    booked.index = booked.index + pd.DateOffset(years=1)
    both = pd.DataFrame({"ahead": ahead, "booked": booked.reindex(ahead.index)}).dropna()
    if both.empty or both["booked"].sum() <= 0:
        return None
    return float(both["ahead"].sum() / both["booked"].sum() - 1)


def riskiest_items(data: MeetingPackData) -> list[str]:
    """The ``chart_items`` items for the inventory projection charts: those with supply gaps
    (most revenue at risk), then those the constrained plan holds below safety stock (deepest
    first), then the lowest months of cover."""
    count = data.chart_items
    plan = data.constrained_plan
    if plan.empty or count <= 0:
        return []
    planned, chosen = set(plan["item"]), []
    base = plan[plan["scenario"] == "base"]
    gaps = gaps_by_item(data)
    target = base["safety_stock_target"]
    cover = base["inventory_qty"] / target.where(target > 0)
    worst = cover.groupby(base["item"]).min()
    policy = data.inventory_policy
    policy = policy[(policy["item_type"] == "finished_good") & policy["months_of_cover"].notna()]
    candidates = [
        *(gaps["item"] if not gaps.empty else []),
        *worst[worst < 1].sort_values().index,
        *policy.sort_values("months_of_cover")["item"],
    ]
    for item in map(str, candidates):
        if len(chosen) < count and item in planned and item not in chosen:
            chosen.append(item)
    return chosen


def projection_series(plan: pd.DataFrame, item: str) -> pd.DataFrame:
    """Per month, from the constrained plan (what the company can make and buy, the plan the
    gaps, options and cash are computed on): stock at the month end (base and upside), the
    safety-stock target, receipts (planned, open and expedited) and lost sales (base)."""
    rows = plan[plan["item"] == item]
    base = rows[rows["scenario"] == "base"].set_index("month").sort_index()
    upside = rows[rows["scenario"] == "upside"].set_index("month").sort_index()
    frame = pd.DataFrame(
        {
            "base": base["inventory_qty"],
            "safety_stock": base["safety_stock_target"],
            "receipts": base[["receipt_qty", "scheduled_receipts", "expedited_qty"]].sum(axis=1),
            "lost": base["lost_sales_qty"],
        }
    )
    frame = frame.join(upside["inventory_qty"].rename("upside"), how="outer")
    if frame["safety_stock"].isna().all() and not upside.empty:
        frame["safety_stock"] = upside["safety_stock_target"]
    frame.index.name = "month"
    return frame.reset_index()


def kpi_trends(data: MeetingPackData) -> pd.DataFrame:
    """KPI history (plan_month, kpi, value, target, unit, status), this month's KPIs included;
    a runway of cash not used up is not drawn."""
    columns = ["plan_month", "kpi", "value", "target", "unit", "status"]
    kpis = data.kpis.assign(plan_month=data.kpis["plan_month"].fillna(data.plan_timestamp))
    frames = [f[columns] for f in (data.kpi_history, kpis) if not f.empty]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames).drop_duplicates(["plan_month", "kpi"], keep="last")
    rank = {name: i for i, name in enumerate(KPI_ORDER)}
    out = out.assign(_rank=out["kpi"].map(lambda k: rank.get(k, len(rank))))
    out = out[out["plan_month"] <= data.plan_timestamp]
    unlimited = (out["kpi"] == "cash_runway_months") & (out["value"] >= RUNWAY_NOT_USED_UP)
    out = out.assign(value=out["value"].mask(unlimited))
    return out.sort_values(["_rank", "kpi", "plan_month"]).drop(columns="_rank")


def plan_series(data: MeetingPackData) -> pd.DataFrame:
    """Company forecast revenue, constrained plan revenue and financial plan by month."""
    recon = data.financial_reconciliation
    total = company_or_family(recon["family"]) == TOTAL
    frame = recon[total] if total.any() else recon
    names = {
        "forecast_revenue": "forecast",
        "constrained_revenue": "constrained",
        "planned_revenue": "plan",
    }
    frame = frame.rename(columns=names)
    return frame.groupby("month")[list(names.values())].sum(min_count=1).reset_index()
