"""The pack's charts, each drawn from prepared series (see :mod:`series`) into inline SVG."""

from __future__ import annotations

import math

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sop_pipeline.meeting.formatting import MINUS, Formatter, month_label
from sop_pipeline.meeting.svg import MUTED, PALETTE, chart_style, new_figure, to_svg
from sop_pipeline.meeting.views import kpi_label, kpi_unit

HALF = (5.4, 2.7)  # inches: two charts side by side on the page
FULL = (10.8, 2.9)


def _dates(values: pd.Series) -> np.ndarray:
    """Matplotlib date numbers (days): bar widths in days work on them."""
    return mdates.date2num(pd.to_datetime(values).to_numpy(dtype="datetime64[ns]"))


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))


def _compact(value: float) -> str:
    """Axis numbers: ``1.2k``, ``3M``, ``−40`` (a real minus, never ``-0``)."""
    size = abs(value)
    sign = MINUS if value < 0 and round(size, 6) > 0 else ""
    for limit, suffix in ((1e9, "bn"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            return sign + f"{size / limit:,.1f}".rstrip("0").rstrip(".") + suffix
    body = f"{size:,.0f}" if size >= 10 or size == int(size) else f"{size:,.1f}"
    return sign + body


def _money_tick(fmt: Formatter, value: float) -> str:
    text = _compact(value)
    if text.startswith(MINUS):
        return MINUS + fmt.symbol.strip() + text[1:]
    return fmt.symbol.strip() + text


def _qty_axis(ax: Axes) -> None:
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _compact(v)))


def _money_axis(ax: Axes, fmt: Formatter, axis: str = "y") -> None:
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(MaxNLocator(5, integer=True))
    target.set_major_formatter(FuncFormatter(lambda v, _: _money_tick(fmt, v)))


def _pct_axis(ax: Axes) -> None:
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _ratio_tick(ax, v)))


def _ratio_tick(ax: Axes, value: float) -> str:
    """A percentage with as many decimals as the axis range needs."""
    low, high = ax.get_ylim()
    span = high - low
    decimals = 0 if span >= 0.04 else 1 if span >= 0.004 else 2
    text = f"{abs(value) * 100:.{decimals}f}%"
    return MINUS + text if value < 0 and round(value * 100, decimals) != 0 else text


def _flat_limits(ax: Axes, values: np.ndarray, unit: str) -> None:
    """Give a flat series (all values equal) a visible range instead of a zero-width axis."""
    finite = values[np.isfinite(values)]
    if finite.size and np.ptp(finite) < 1e-9:
        centre = float(finite[0])
        pad = max(abs(centre) * 0.1, 0.01 if unit in {"ratio", "pct", "percent"} else 1.0)
        ax.set_ylim(centre - pad, centre + pad)


def _unit_axis(ax: Axes, unit: str, fmt: Formatter) -> None:
    if unit in {"currency", "money", fmt.currency.lower()}:
        _money_axis(ax, fmt)
    elif unit in {"ratio", "pct", "percent"}:
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _ratio_tick(ax, v)))
    else:
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.1f}".replace("-", MINUS)))


def _header(ax: Axes, title: str, columns: int, order: tuple[str, ...] = ()) -> None:
    """Title above a legend above the axes; the figure's top margin made to fit both."""
    handles, labels = ax.get_legend_handles_labels()
    if order:
        rank = {label: i for i, label in enumerate(order)}
        pairs = sorted(zip(handles, labels, strict=True), key=lambda p: rank.get(p[1], 99))
        handles, labels = [p[0] for p in pairs], [p[1] for p in pairs]
    rows = math.ceil(len(labels) / columns) if labels else 0
    if rows:
        ax.legend(
            handles,
            labels,
            loc="lower left",
            bbox_to_anchor=(0, 1.0),
            ncols=columns,
            borderaxespad=0.3,
            handlelength=1.8,
            columnspacing=1.4,
        )
    pad = 5 + 11.5 * rows
    ax.set_title(title, pad=pad)
    figure = ax.get_figure()
    height = figure.get_figheight()
    figure.subplots_adjust(top=1 - (pad + 22) / 72 / height)


def fan_chart(history: pd.DataFrame, forecast: pd.DataFrame, title: str) -> str:
    """History, forecast and its 80/95% intervals of one item."""
    with chart_style():
        fig = new_figure(*HALF)
        ax = fig.add_subplot()
        when = _dates(forecast["month"])
        if forecast[["lo95", "hi95"]].notna().any().all():
            ax.fill_between(
                when,
                forecast["lo95"],
                forecast["hi95"],
                color=PALETTE["band95"],
                linewidth=0,
                label="95% band",
            )
        if forecast[["lo80", "hi80"]].notna().any().all():
            ax.fill_between(
                when,
                forecast["lo80"],
                forecast["hi80"],
                color=PALETTE["band80"],
                linewidth=0,
                label="80% band",
            )
        if not history.empty:
            ax.plot(
                _dates(history["month"]),
                history["demand_qty"],
                color=PALETTE["history"],
                marker="o",
                markersize=2.2,
                linewidth=1.2,
                label="Demand",
            )
            _bridge(ax, history["month"].iloc[-1], history["demand_qty"].iloc[-1], forecast)
        ax.plot(
            when,
            forecast["forecast_qty"],
            color=PALETTE["forecast"],
            marker="o",
            markersize=2.2,
            label="Forecast",
        )
        baseline = forecast["baseline_qty"]
        if baseline.notna().any() and (forecast["forecast_qty"] - baseline).abs().max() > 0.5:
            ax.plot(
                when,
                baseline,
                color=PALETTE["forecast"],
                linestyle="--",
                linewidth=0.9,
                label="Excl. promo",
            )
        ax.set_ylim(bottom=0)
        ax.set_ylabel("units / month")
        _date_axis(ax)
        _qty_axis(ax)
        order = ("Demand", "Forecast", "80% band", "95% band", "Excl. promo")
        _header(ax, title, 5, order)
        return to_svg(fig, f"Forecast fan chart: {title}")


def _bridge(ax: Axes, month: object, value: float, forecast: pd.DataFrame) -> None:
    """A dotted line from the last actual to the first forecast month."""
    if forecast.empty:
        return
    first = forecast.iloc[0]
    ax.plot(
        _dates(pd.Series([month, first["month"]])),
        [value, first["forecast_qty"]],
        color=PALETTE["forecast"],
        linestyle=":",
        linewidth=1.0,
    )


def total_forecast_chart(series: pd.DataFrame, fmt: Formatter) -> str:
    """Company total by month: history, forecast and the same month last year."""
    unit = str(series["unit"].iloc[0]) if "unit" in series else "revenue"
    with chart_style():
        fig = new_figure(*FULL)
        ax = fig.add_subplot()
        when = _dates(series["month"])
        actual = series.dropna(subset=["history"])
        ax.plot(
            when,
            series["history"],
            color=PALETTE["history"],
            marker="o",
            markersize=2.4,
            label="Actual demand",
        )
        ax.plot(
            when,
            series["forecast"],
            color=PALETTE["forecast"],
            marker="o",
            markersize=2.4,
            label="Forecast",
        )
        if not actual.empty:
            ahead = series.dropna(subset=["forecast"]).rename(columns={"forecast": "forecast_qty"})
            _bridge(ax, actual["month"].iloc[-1], actual["history"].iloc[-1], ahead)
            ax.axvline(_dates(actual["month"].tail(1))[0], color="#bcccdc", linewidth=0.8)
        ax.plot(
            when,
            series["last_year"],
            color=MUTED,
            linestyle="--",
            linewidth=1.1,
            label="Same month last year",
        )
        ax.set_ylim(bottom=0)
        _date_axis(ax)
        if unit == "revenue":
            _money_axis(ax, fmt)
            title = "Company total (net revenue at current net prices)"
        else:
            _qty_axis(ax)
            title = "Company total (units)"
        _header(ax, title, 3)
        return to_svg(fig, "Total forecast against last year")


def projection_chart(series: pd.DataFrame, title: str) -> str:
    """Projected on hand (base and upside) against safety stock, with planned receipts."""
    with chart_style():
        fig = new_figure(*HALF)
        ax = fig.add_subplot()
        when = _dates(series["month"])
        if series["receipts"].fillna(0).gt(0).any():
            ax.bar(
                when,
                series["receipts"].fillna(0),
                width=16,
                color=PALETTE["bars"],
                label="Planned receipts",
            )
        if series["safety_stock"].notna().any():
            below = (series["base"] < series["safety_stock"]).to_numpy()
            ax.fill_between(
                when,
                0,
                series["safety_stock"],
                where=below,
                color=PALETTE["safety"],
                alpha=0.10,
                linewidth=0,
                step="mid",
            )
            ax.step(
                when,
                series["safety_stock"],
                where="mid",
                color=PALETTE["safety"],
                linewidth=1.2,
                label="Safety stock",
            )
        ax.plot(
            when,
            series["base"],
            color=PALETTE["forecast"],
            marker="o",
            markersize=2.4,
            label="On hand, base",
        )
        if series["upside"].notna().any():
            ax.plot(
                when,
                series["upside"],
                color=PALETTE["upside"],
                linestyle="--",
                marker="o",
                markersize=2.0,
                label="On hand, upside",
            )
        values = series[["base", "upside"]].to_numpy(dtype=float)
        low = min(0.0, float(np.nanmin(values))) if np.isfinite(values).any() else 0.0
        ax.set_ylim(bottom=low * 1.1)
        ax.axhline(0, color="#9aa5b1", linewidth=0.8)
        ax.set_ylabel("units")
        _date_axis(ax)
        _qty_axis(ax)
        order = ("On hand, base", "On hand, upside", "Safety stock", "Planned receipts")
        _header(ax, title, 4, order)
        return to_svg(fig, f"Projected inventory against safety stock: {title}")


STATUS_COLORS = {
    "on_track": PALETTE["good"],
    "watch": PALETTE["watch"],
    "off_track": PALETTE["bad"],
}


def kpi_trends_chart(trends: pd.DataFrame, fmt: Formatter, columns: int = 4) -> str:
    """One panel per KPI: value by plan month, target dashed, last point coloured by status."""
    kpis = list(dict.fromkeys(trends["kpi"]))
    rows = math.ceil(len(kpis) / columns)
    width, height = FULL[0], 1.65 * rows + 0.15
    with chart_style():
        fig = new_figure(width, height, top=0.3, bottom=0.28, left=0.55, right=0.15)
        fig.subplots_adjust(hspace=0.55, wspace=0.42)
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, kpi in zip(axes, kpis, strict=False):
            rows_k = trends[trends["kpi"] == kpi]
            when = _dates(rows_k["plan_month"])
            ax.plot(when, rows_k["value"], color=PALETTE["forecast"], marker="o", markersize=2.6)
            if rows_k["target"].notna().any():
                ax.plot(
                    when, rows_k["target"], color=PALETTE["target"], linestyle="--", linewidth=1.0
                )
            last = rows_k.iloc[-1]
            color = STATUS_COLORS.get(str(last.get("status")), PALETTE["forecast"])
            ax.plot(when[-1:], [last["value"]], marker="o", markersize=6, color=color)
            ax.set_title(kpi_label(kpi), fontsize=8.5, pad=4)
            unit = kpi_unit(kpi, last.get("unit"))
            _flat_limits(ax, rows_k[["value", "target"]].to_numpy(dtype=float), unit)
            _unit_axis(ax, unit, fmt)
            _date_axis(ax)
            if len(when) == 1:
                ax.set_xlim(when[0] - 45, when[0] + 45)
            ax.tick_params(labelsize=7)
        for ax in axes[len(kpis) :]:
            ax.set_visible(False)
        return to_svg(fig, "KPI trends across plan months")


def cash_chart(series: pd.DataFrame, fmt: Formatter) -> str:
    """Inventory value - actual stock counts from the baseline, then projected from the plan -
    against the dated target path from the baseline to the target month, with purchase spend."""
    with chart_style():
        fig = new_figure(*HALF)
        ax = fig.add_subplot()
        when = _dates(series["month"])
        actual = series["is_actual"].to_numpy(dtype=bool)
        if series["purchase_spend"].fillna(0).gt(0).any():
            ax.bar(
                when,
                series["purchase_spend"].fillna(0),
                width=16,
                color=PALETTE["bars"],
                label="Purchase spend",
            )
        if series["target"].notna().any():
            ax.plot(
                when,
                series["target"],
                color=PALETTE["target"],
                linestyle="--",
                linewidth=1.2,
                label="Target path",
            )
        last_actual = int(np.flatnonzero(actual)[-1]) if actual.any() else -1
        projected = np.arange(len(when)) >= max(last_actual, 0)
        if projected.sum() > 1:
            ax.plot(
                when[projected],
                series["inventory_value"].to_numpy()[projected],
                color=PALETTE["forecast"],
                linestyle=":",
                marker="o",
                markersize=2.4,
                label="Projected",
            )
        ax.plot(
            when[actual],
            series["inventory_value"].to_numpy()[actual],
            color=PALETTE["history"],
            marker="s",
            markersize=4,
            label="Actual",
        )
        baseline = series.dropna(subset=["baseline"])
        start = baseline[baseline["month"] == baseline["baseline_month"]]
        if not start.empty:
            ax.plot(
                _dates(start["month"]),
                start["baseline"],
                marker="D",
                markersize=7,
                color=PALETTE["target"],
                linestyle="none",
                label="Baseline",
            )
        lowest = np.nanmin(series[["inventory_value", "target"]].to_numpy(dtype=float), initial=0)
        ax.set_ylim(bottom=min(0.0, float(lowest) * 1.1))
        _date_axis(ax)
        _money_axis(ax, fmt)
        _header(ax, "Cash tied in inventory", 3)
        return to_svg(fig, "Cash projection against the dated target path")


def service_cash_chart(curve: pd.DataFrame, fmt: Formatter) -> str:
    """Expected fill rate against inventory investment along the service-level grid."""
    grid = curve[~curve["is_current"]].sort_values("inventory_value")
    current = curve[curve["is_current"]]
    with chart_style():
        fig = new_figure(*HALF, bottom=0.5, left=0.78)
        ax = fig.add_subplot()
        ax.grid(axis="x", color="#e4e7eb", linewidth=0.7)
        if grid["fill_rate"].notna().any():
            ax.plot(
                grid["inventory_value"],
                grid["fill_rate"],
                color=PALETTE["forecast"],
                marker="o",
                markersize=3.5,
                label="Service level options",
            )
            for position, row in enumerate(grid.itertuples()):
                if pd.notna(row.fill_rate) and pd.notna(row.service_level):
                    first = position == 0  # room on its right, none on its left
                    ax.annotate(
                        f"{row.service_level * 100:g}%",
                        (row.inventory_value, row.fill_rate),
                        textcoords="offset points",
                        xytext=(5, 0) if first else (-5, 5),
                        ha="left" if first else "right",
                        fontsize=6.5,
                        color=MUTED,
                    )
        for row in current.itertuples():
            ax.plot(
                [row.inventory_value],
                [row.fill_rate],
                marker="D",
                markersize=8,
                color=PALETTE["upside"],
                linestyle="none",
                label="Current policy",
            )
            value, fill = fmt.compact_money(row.inventory_value), fmt.pct(row.fill_rate)
            ax.annotate(
                f"Current policy: {value}, fill rate {fill}",
                (row.inventory_value, row.fill_rate),
                textcoords="offset points",
                xytext=(10, -14),
                fontsize=7.5,
                color=PALETTE["upside"],
                fontweight="bold",
            )
        ax.set_xlabel("inventory investment (safety + cycle stock at cost)")
        ax.set_ylabel("expected fill rate")
        _money_axis(ax, fmt, axis="x")
        _pct_axis(ax)
        _header(ax, "Service level versus cash", 2)
        return to_svg(fig, "Service level versus cash")


def plan_chart(series: pd.DataFrame, fmt: Formatter) -> str:
    """Company forecast revenue against the financial plan by month."""
    with chart_style():
        fig = new_figure(*HALF)
        ax = fig.add_subplot()
        when = _dates(series["month"])
        ax.bar(
            when,
            series["plan"].fillna(0),
            width=18,
            color=PALETTE["bars"],
            label="Financial plan",
        )
        ax.plot(
            when,
            series["forecast"],
            color=PALETTE["forecast"],
            marker="o",
            markersize=2.8,
            label="Forecast",
        )
        ax.set_ylim(bottom=0)
        _date_axis(ax)
        _money_axis(ax, fmt)
        _header(ax, "Forecast revenue against the financial plan", 2)
        return to_svg(fig, "Forecast against the financial plan")


def month_span(values: pd.Series) -> str:
    """``Dec 2025 – Nov 2026`` for a series of months."""
    stamps = pd.to_datetime(values).dropna()
    if stamps.empty:
        return ""
    return f"{month_label(stamps.min())} – {month_label(stamps.max())}"
