"""The data behind each chart: which items get a chart, and the series drawn (pure pandas)."""

from __future__ import annotations

import pandas as pd

from sop_pipeline.meeting.data import MeetingPackData
from sop_pipeline.meeting.frames import (
    TOTAL,
    column,
    flags,
    months,
    numbers,
    of_plan_month,
    unit_prices,
)
from sop_pipeline.meeting.views import KPI_ORDER, gaps_by_item

HISTORY_MONTHS = 24


def forecast_rows(data: MeetingPackData) -> pd.DataFrame:
    """The plan month's forecast with ``month`` as timestamps and numeric quantities."""
    frame = of_plan_month(data.forecast, data.plan_timestamp)
    if frame.empty or "item" not in frame.columns:
        return pd.DataFrame(columns=["item", "month", "forecast_qty", "forecast_revenue"])
    out = frame.assign(month=months(frame, "month"))
    for name in ("forecast_qty", "baseline_qty", "lo80", "hi80", "lo95", "hi95"):
        out[name] = numbers(frame, name)
    revenue = numbers(frame, "forecast_revenue")
    out["forecast_revenue"] = revenue
    return out


def history_rows(data: MeetingPackData) -> pd.DataFrame:
    """Monthly demand up to the plan month (``month`` may be called ``plan_month`` in staging)."""
    frame = data.demand_history
    if frame.empty or "item" not in frame.columns:
        return pd.DataFrame(columns=["item", "month", "demand_qty"])
    key = "month" if "month" in frame.columns else "plan_month"
    out = pd.DataFrame(
        {
            "item": frame["item"],
            "month": months(frame, key),
            "demand_qty": numbers(frame, "demand_qty"),
        }
    )
    return out[out["month"] <= data.plan_timestamp]


def top_revenue_items(data: MeetingPackData, count: int | None = None) -> list[str]:
    """The items with the most forecast revenue over the horizon (units when no revenue)."""
    count = data.chart_items if count is None else count
    rows = forecast_rows(data)
    if rows.empty or count <= 0:
        return []
    value = rows["forecast_revenue"].fillna(rows["forecast_qty"])
    totals = value.groupby(rows["item"]).sum()
    return [str(i) for i in totals.nlargest(count).index]


def fan_series(
    history: pd.DataFrame, forecast: pd.DataFrame, item: str, plan: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One item's demand of the last 24 months and its forecast rows, from
    :func:`history_rows` and :func:`forecast_rows`."""
    history = history[history["item"] == item].sort_values("month")
    history = history[history["month"] > plan - pd.DateOffset(months=HISTORY_MONTHS)]
    return history, forecast[forecast["item"] == item].sort_values("month")


def total_series(data: MeetingPackData) -> pd.DataFrame:
    """Monthly totals in net revenue at current net prices: history, forecast and the same month
    a year earlier. Units are used instead when the forecast carries no prices (``unit``)."""
    forecast = forecast_rows(data)
    history = history_rows(data)
    if forecast.empty:
        return pd.DataFrame()
    prices = unit_prices(data.forecast)
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
    start = data.plan_timestamp - pd.DateOffset(months=HISTORY_MONTHS - 1)
    hist = hist[hist.index >= start]
    frame = pd.DataFrame({"history": hist, "forecast": fc}).sort_index()
    last_year = hist.copy()
    last_year.index = last_year.index + pd.DateOffset(years=1)
    frame["last_year"] = last_year.reindex(frame.index)
    frame.loc[frame.index <= data.plan_timestamp, "last_year"] = float("nan")
    frame.index.name = "month"
    return frame.reset_index().assign(unit=unit)


def riskiest_items(data: MeetingPackData, count: int | None = None) -> list[str]:
    """Items for the inventory projection charts: those with supply gaps (most revenue at risk),
    then those projected below safety stock (deepest first), then the lowest months of cover."""
    count = data.chart_items if count is None else count
    mrp = mrp_rows(data)
    if mrp.empty or count <= 0:
        return []
    planned = set(mrp["item"])
    chosen: list[str] = []

    def take(items: list[str]) -> None:
        for item in items:
            if len(chosen) >= count:
                return
            if item in planned and item not in chosen:
                chosen.append(item)

    gaps = gaps_by_item(data)
    if not gaps.empty:
        take([str(i) for i in gaps["item"]])
    base = mrp[mrp["scenario"] == "base"]
    below = base.assign(
        cover=base["projected_on_hand"] / base["safety_stock"].where(base["safety_stock"] > 0)
    )
    worst = below.groupby("item")["cover"].min()
    take([str(i) for i in worst[worst < 1].sort_values().index])
    policy = of_plan_month(data.inventory_policy, data.plan_timestamp)
    if not policy.empty and "item" in policy.columns:
        cover = numbers(policy, "months_of_cover")
        finished = column(policy, "item_type", "finished_good").fillna("finished_good")
        ranked = policy.assign(cover=cover)[(finished == "finished_good") & cover.notna()]
        take([str(i) for i in ranked.sort_values("cover")["item"]])
    return chosen


def mrp_rows(data: MeetingPackData) -> pd.DataFrame:
    """Material requirements with timestamps, numbers and a ``scenario`` (default base)."""
    mrp = of_plan_month(data.material_requirements, data.plan_timestamp)
    if mrp.empty or "item" not in mrp.columns:
        return pd.DataFrame(columns=["item", "scenario", "month"])
    out = mrp.assign(
        month=months(mrp, "month"),
        scenario=column(mrp, "scenario", "base").fillna("base").astype(str),
        release_past_due=flags(mrp, "release_past_due"),
    )
    for name in ("projected_on_hand", "safety_stock", "gross_qty", "planned_receipt_qty"):
        out[name] = numbers(mrp, name)
    return out


def projection_series(mrp: pd.DataFrame, item: str) -> pd.DataFrame:
    """Per month: projected on hand (base and upside), safety stock, planned receipts (base),
    from :func:`mrp_rows`."""
    rows = mrp[mrp["item"] == item]
    if rows.empty:
        return pd.DataFrame()
    base = rows[rows["scenario"] == "base"].set_index("month").sort_index()
    upside = rows[rows["scenario"] == "upside"].set_index("month").sort_index()
    frame = pd.DataFrame(
        {
            "base": base["projected_on_hand"],
            "safety_stock": base["safety_stock"],
            "receipts": base["planned_receipt_qty"],
            "gross": base["gross_qty"],
        }
    )
    frame = frame.join(upside["projected_on_hand"].rename("upside"), how="outer")
    if frame["safety_stock"].isna().all() and not upside.empty:
        frame["safety_stock"] = upside["safety_stock"]
    frame.index.name = "month"
    return frame.reset_index()


def kpi_trends(data: MeetingPackData) -> pd.DataFrame:
    """KPI history (plan_month, kpi, value, target, unit), the plan month's KPIs included."""
    frames = [f for f in (data.kpi_history, data.kpis) if not f.empty and "kpi" in f.columns]
    if not frames:
        return pd.DataFrame(columns=["plan_month", "kpi", "value", "target", "unit"])
    rows = []
    for frame in frames:
        plan = months(frame, "plan_month").fillna(data.plan_timestamp)
        rows.append(
            pd.DataFrame(
                {
                    "plan_month": plan,
                    "kpi": frame["kpi"].astype(str),
                    "value": numbers(frame, "value"),
                    "target": numbers(frame, "target"),
                    "unit": column(frame, "unit", None),
                    "status": column(frame, "status", None),
                }
            )
        )
    out = pd.concat(rows).drop_duplicates(["plan_month", "kpi"], keep="last")
    rank = {name: i for i, name in enumerate(KPI_ORDER)}
    out = out.assign(_rank=out["kpi"].map(lambda k: rank.get(k, len(rank))))
    out = out[out["plan_month"] <= data.plan_timestamp]
    return out.sort_values(["_rank", "kpi", "plan_month"]).drop(columns="_rank")


def cash_series(data: MeetingPackData) -> pd.DataFrame:
    """Inventory value (actual counts, then projected), purchase spend, the dated target path
    and the baseline by month; ``is_actual`` marks the counts (without the column: the plan
    month alone is actual)."""
    cash = of_plan_month(data.cash_projection, data.plan_timestamp)
    if cash.empty:
        return pd.DataFrame()
    when = months(cash, "month")
    actual = (
        flags(cash, "is_actual") if "is_actual" in cash.columns else when <= data.plan_timestamp
    )
    return pd.DataFrame(
        {
            "month": when,
            "inventory_value": numbers(cash, "inventory_value"),
            "purchase_spend": numbers(cash, "purchase_spend"),
            "target": numbers(cash, "target_inventory_value"),
            "is_actual": actual.to_numpy(dtype=bool),
            "baseline_month": months(cash, "baseline_month"),
            "baseline": numbers(cash, "baseline_inventory_value"),
        }
    ).sort_values("month")


def tradeoff_series(data: MeetingPackData) -> pd.DataFrame:
    """The service-level grid and the current policy (``is_current``), by inventory value."""
    curve = of_plan_month(data.service_cash_tradeoff, data.plan_timestamp)
    if curve.empty:
        return pd.DataFrame()
    frame = pd.DataFrame(
        {
            "service_level": numbers(curve, "service_level"),
            "inventory_value": numbers(curve, "inventory_value"),
            "fill_rate": numbers(curve, "expected_fill_rate"),
            "is_current": flags(curve, "is_current"),
        }
    ).dropna(subset=["inventory_value"])
    return frame.sort_values(["is_current", "service_level"])


def plan_series(data: MeetingPackData) -> pd.DataFrame:
    """Company forecast revenue and financial plan by month."""
    recon = of_plan_month(data.financial_reconciliation, data.plan_timestamp)
    if recon.empty:
        return pd.DataFrame()
    family = column(recon, "family", TOTAL).fillna(TOTAL).astype(str).replace("", TOTAL)
    frame = pd.DataFrame(
        {
            "month": months(recon, "month"),
            "total": family == TOTAL,
            "forecast": numbers(recon, "forecast_revenue"),
            "plan": numbers(recon, "planned_revenue"),
        }
    )
    frame = frame[frame["total"]] if frame["total"].any() else frame
    return frame.groupby("month")[["forecast", "plan"]].sum(min_count=1).reset_index()
