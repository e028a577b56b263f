"""The pack's charts: matplotlib drawn into inline SVG through one figure helper, :func:`draw`.

One calm style, fixed margins, axes formatted by unit, a title above a legend, text kept as
text and ids made unique per chart so several charts live in one HTML page.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from sop_pipeline.meeting.formatting import MINUS, Formatter, compact, esc, month_label, text
from sop_pipeline.meeting.views import kpi_label

HALF = (5.4, 2.7)  # inches: two charts side by side on the page
FULL = (10.8, 2.9)
INK, MUTED, GRID = "#243b53", "#627d98", "#e4e7eb"
PALETTE = {
    "history": "#52606d",
    "forecast": "#1f4e79",
    "band80": "#9fb8d6",
    "band95": "#d5e1ef",
    "upside": "#c77d1a",
    "safety": "#b44a3c",
    "bars": "#cbd2d9",
    "target": "#b44a3c",
    "good": "#2f7d4f",
    "watch": "#c77d1a",
    "bad": "#b44a3c",
}
STATUS_COLORS = {
    "on_track": PALETTE["good"],
    "watch": PALETTE["watch"],
    "off_track": PALETTE["bad"],
}
STYLE = {
    "svg.fonttype": "none",  # text stays text: small, searchable, printable
    "svg.hashsalt": "sop-meeting-pack",  # deterministic ids
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial"],
    "font.size": 8.5,
    "text.parse_math": False,  # "$" in item names is text, not mathtext
    "text.color": INK,
    "axes.edgecolor": "#9aa5b1",
    "axes.labelcolor": INK,
    "axes.titlesize": 9.5,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlecolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": GRID,
    "grid.linewidth": 0.7,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.frameon": False,
    "legend.fontsize": 7.5,
    "lines.linewidth": 1.6,
}


# --- the figure helper -------------------------------------------------------------------------


@contextmanager
def _style() -> Iterator[None]:
    with matplotlib.rc_context(STYLE):
        yield


def _figure(
    width: float,
    height: float,
    *,
    left: float = 0.62,
    right: float = 0.18,
    top: float = 0.62,
    bottom: float = 0.36,
) -> Figure:
    """A figure with fixed margins in inches, without pyplot: one draw per chart instead of
    the two a layout engine needs."""
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(
        left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height
    )
    return figure


_ID = re.compile(r'(id="|url\(#|href="#)([^")]+)')
_HEADER = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SIZE = re.compile(r'\s(width|height)="[^"]*"')


def _svg(figure: Figure, label: str) -> str:
    """The figure as an inline ``<svg>`` element: ids made unique, scalable, labelled."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = _METADATA.sub("", _HEADER.sub("", buffer.getvalue(), count=1))
    prefix = "c" + hashlib.sha1(svg.encode()).hexdigest()[:8] + "-"
    ids = set(re.findall(r'id="([^"]+)"', svg))
    svg = _ID.sub(lambda m: m.group(1) + (prefix if m.group(2) in ids else "") + m.group(2), svg)
    head_end = svg.index(">")
    head = _SIZE.sub("", svg[:head_end])
    return f'{head} role="img" aria-label="{esc(label)}"{svg[head_end:]}'.strip()


def draw(
    label: str,
    paint: Callable[[Axes], None],
    *,
    title: str = "",
    y: str = "qty",
    fmt: Formatter | None = None,
    size: tuple[float, float] = HALF,
    legend: int = 2,
    order: tuple[str, ...] = (),
    dates: bool = True,
    **margins: float,
) -> str:
    """One chart as inline SVG: the pack's style and margins, ``paint(ax)`` draws the data,
    then the date x axis (``dates``), the y axis by unit ``y`` (``qty``, ``money``, a KPI unit,
    or ``""`` to leave it to ``paint``) and the title above the legend (``legend`` columns,
    entries in ``order``)."""
    with _style():
        figure = _figure(*size, **margins)
        ax = figure.add_subplot()
        paint(ax)
        if dates:
            _date_axis(ax)
        if y:
            _unit_axis(ax, y, fmt or Formatter())
        if title:
            _header(ax, title, legend, order)
        return _svg(figure, label)


def figure_html(name: str, svg: str, caption: str, item: str | None = None) -> str:
    """A ``<figure data-chart=...>`` around an inline SVG chart, with its caption."""
    data_item = f' data-item="{esc(item)}"' if item is not None else ""
    return (
        f'<figure class="chart chart-{esc(name)}" data-chart="{esc(name)}"{data_item}>'
        f"{svg}<figcaption>{esc(caption)}</figcaption></figure>"
    )


def no_data_figure(name: str, message: str) -> str:
    """The figure of a chart without data: its place and a sentence, no SVG."""
    return (
        f'<figure class="chart no-data" data-chart="{esc(name)}">'
        f'<p class="empty">{esc(message)}</p></figure>'
    )


# --- axes --------------------------------------------------------------------------------------


def _dates(values: pd.Series) -> np.ndarray:
    """Matplotlib date numbers (days): bar widths in days work on them."""
    return mdates.date2num(pd.to_datetime(values).to_numpy(dtype="datetime64[ns]"))


def _date_axis(ax: Axes) -> None:
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))


def _ratio_tick(ax: Axes, value: float) -> str:
    """A percentage with as many decimals as the axis range needs."""
    low, high = ax.get_ylim()
    span = high - low
    decimals = 0 if span >= 0.04 else 1 if span >= 0.004 else 2
    text = f"{abs(value) * 100:.{decimals}f}%"
    return MINUS + text if value < 0 and round(value * 100, decimals) != 0 else text


def _unit_axis(ax: Axes, unit: str, fmt: Formatter, axis: str = "y", ticks: int = 5) -> None:
    """Ticks and labels of an axis by unit: ``qty``, ``money`` or ``currency`` (five whole
    ticks), ``ratio``, other numbers (the KPIs' months and turns)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    if unit in {"money", "currency"}:
        target.set_major_locator(MaxNLocator(5, integer=True))
        target.set_major_formatter(FuncFormatter(lambda v, _: fmt.compact_money(v)))
    elif unit == "ratio":
        target.set_major_locator(MaxNLocator(ticks))
        target.set_major_formatter(FuncFormatter(lambda v, _: _ratio_tick(ax, v)))
    elif unit == "qty":
        target.set_major_locator(MaxNLocator(ticks))
        target.set_major_formatter(FuncFormatter(lambda v, _: compact(v)))
    else:
        target.set_major_locator(MaxNLocator(ticks))
        target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.1f}".replace("-", MINUS)))


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
    figure.subplots_adjust(top=1 - (pad + 22) / 72 / figure.get_figheight())


def _line(
    ax: Axes, x: pd.Series, y: object, color: str, label: str | None = None, **style: object
) -> None:
    """A line over months in a palette colour (markers: ``dot`` = marker size)."""
    dot = style.pop("dot", None)
    if dot:
        style.update(marker="o", markersize=dot)
    ax.plot(_dates(x), y, color=PALETTE.get(color, color), label=label, **style)


def _bridge(ax: Axes, month: object, value: float, forecast: pd.DataFrame) -> None:
    """A dotted line from the last actual to the first forecast month."""
    if not forecast.empty:
        first = forecast.iloc[0]
        months = pd.Series([month, first["month"]])
        _line(ax, months, [value, first["forecast_qty"]], "forecast", linestyle=":", linewidth=1.0)


# --- the charts --------------------------------------------------------------------------------


def fan_chart(history: pd.DataFrame, forecast: pd.DataFrame, title: str) -> str:
    """History, forecast and its 80/95% intervals of one item."""

    def paint(ax: Axes) -> None:
        when = _dates(forecast["month"])
        for level in ("95", "80"):
            if forecast[[f"lo{level}", f"hi{level}"]].notna().any().all():
                ax.fill_between(
                    when, forecast[f"lo{level}"], forecast[f"hi{level}"],
                    color=PALETTE[f"band{level}"], linewidth=0, label=f"{level}% band",
                )  # fmt: skip
        if not history.empty:
            _line(ax, history["month"], history["demand_qty"], "history", "Demand", dot=2.2,
                  linewidth=1.2)  # fmt: skip
            _bridge(ax, history["month"].iloc[-1], history["demand_qty"].iloc[-1], forecast)
        _line(ax, forecast["month"], forecast["forecast_qty"], "forecast", "Forecast", dot=2.2)
        baseline = forecast["baseline_qty"]
        if baseline.notna().any() and (forecast["forecast_qty"] - baseline).abs().max() > 0.5:
            _line(ax, forecast["month"], baseline, "forecast", "Excl. promo", linestyle="--",
                  linewidth=0.9)  # fmt: skip
        ax.set_ylim(bottom=0)
        ax.set_ylabel("units / month")

    order = ("Demand", "Forecast", "80% band", "95% band", "Excl. promo")
    return draw(f"Forecast fan chart: {title}", paint, title=title, legend=5, order=order)


def total_forecast_chart(series: pd.DataFrame, fmt: Formatter) -> str:
    """Company total by month: history, forecast and the same month last year."""
    revenue = series["unit"].iloc[0] == "revenue"

    def paint(ax: Axes) -> None:
        actual = series.dropna(subset=["history"])
        _line(ax, series["month"], series["history"], "history", "Actual demand", dot=2.4)
        _line(ax, series["month"], series["forecast"], "forecast", "Forecast", dot=2.4)
        if not actual.empty:
            ahead = series.dropna(subset=["forecast"]).rename(columns={"forecast": "forecast_qty"})
            _bridge(ax, actual["month"].iloc[-1], actual["history"].iloc[-1], ahead)
            ax.axvline(_dates(actual["month"].tail(1))[0], color="#bcccdc", linewidth=0.8)
        _line(ax, series["month"], series["last_year"], MUTED, "Same month last year",
              linestyle="--", linewidth=1.1)  # fmt: skip
        ax.set_ylim(bottom=0)

    title = (
        "Company total (net revenue at current net prices)" if revenue else "Company total (units)"
    )
    return draw(
        "Total forecast against last year", paint, title=title, y="money" if revenue else "qty",
        fmt=fmt, size=FULL, legend=3,
    )  # fmt: skip


def projection_chart(series: pd.DataFrame, title: str) -> str:
    """Projected stock (base and upside) against safety stock, with receipts and lost sales."""

    def paint(ax: Axes) -> None:
        when = _dates(series["month"])
        if series["receipts"].fillna(0).gt(0).any():
            ax.bar(when, series["receipts"].fillna(0), width=16, color=PALETTE["bars"],
                   label="Receipts")  # fmt: skip
        if "lost" in series and series["lost"].fillna(0).gt(0.5).any():
            ax.bar(when + 8, series["lost"].fillna(0), width=8, color=PALETTE["bad"],
                   label="Lost sales")  # fmt: skip
        if series["safety_stock"].notna().any():
            below = (series["base"] < series["safety_stock"]).to_numpy()
            ax.fill_between(when, 0, series["safety_stock"], where=below, color=PALETTE["safety"],
                            alpha=0.10, linewidth=0, step="mid")  # fmt: skip
            ax.step(when, series["safety_stock"], where="mid", color=PALETTE["safety"],
                    linewidth=1.2, label="Safety stock")  # fmt: skip
        _line(ax, series["month"], series["base"], "forecast", "On hand, base", dot=2.4)
        if series["upside"].notna().any():
            _line(ax, series["month"], series["upside"], "upside", "On hand, upside",
                  linestyle="--", dot=2.0)  # fmt: skip
        values = series[["base", "upside"]].to_numpy(dtype=float)
        low = min(0.0, float(np.nanmin(values))) if np.isfinite(values).any() else 0.0
        ax.set_ylim(bottom=low * 1.1)
        ax.axhline(0, color="#9aa5b1", linewidth=0.8)
        ax.set_ylabel("units")

    order = ("On hand, base", "On hand, upside", "Safety stock", "Receipts", "Lost sales")
    label = f"Projected inventory against safety stock: {title}"
    return draw(label, paint, title=title, legend=4, order=order)


def kpi_trends_chart(trends: pd.DataFrame, fmt: Formatter, columns: int = 4) -> str:
    """One panel per KPI: value by plan month, target dashed, last point coloured by status."""
    kpis = list(dict.fromkeys(trends["kpi"]))
    rows = math.ceil(len(kpis) / columns)
    with _style():
        fig = _figure(FULL[0], 1.65 * rows + 0.15, top=0.3, bottom=0.28, left=0.55, right=0.15)
        fig.subplots_adjust(hspace=0.55, wspace=0.42)
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, kpi in zip(axes, kpis, strict=False):
            panel = trends[trends["kpi"] == kpi]
            when = _dates(panel["plan_month"])
            _line(ax, panel["plan_month"], panel["value"], "forecast", dot=2.6)
            if panel["target"].notna().any():
                _line(ax, panel["plan_month"], panel["target"], "target", linestyle="--",
                      linewidth=1.0)  # fmt: skip
            last = panel.iloc[-1]
            color = STATUS_COLORS.get(str(last["status"]), PALETTE["forecast"])
            ax.plot(when[-1:], [last["value"]], marker="o", markersize=6, color=color)
            ax.set_title(kpi_label(kpi), fontsize=8.5, pad=4)
            unit = text(last["unit"])
            _flat_limits(ax, panel[["value", "target"]].to_numpy(dtype=float), unit)
            _unit_axis(ax, unit, fmt, ticks=4)
            _date_axis(ax)
            if len(when) == 1:
                ax.set_xlim(when[0] - 45, when[0] + 45)
            ax.tick_params(labelsize=7)
        for ax in axes[len(kpis) :]:
            ax.set_visible(False)
        return _svg(fig, "KPI trends across plan months")


def _flat_limits(ax: Axes, values: np.ndarray, unit: str) -> None:
    """Give a flat series (all values equal) a visible range instead of a zero-width axis."""
    finite = values[np.isfinite(values)]
    if finite.size and np.ptp(finite) < 1e-9:
        centre = float(finite[0])
        pad = max(abs(centre) * 0.1, 0.01 if unit == "ratio" else 1.0)
        ax.set_ylim(centre - pad, centre + pad)


def cash_chart(cash: pd.DataFrame, fmt: Formatter) -> str:
    """Inventory value - actual stock counts from the baseline, then projected from the plan -
    against the dated target path from the baseline to the target month, with purchase spend
    (the ``cash_projection`` rows)."""
    names = {"target_inventory_value": "target", "baseline_inventory_value": "baseline"}
    series = cash.rename(columns=names).sort_values("month")

    def paint(ax: Axes) -> None:
        when = _dates(series["month"])
        actual = series["is_actual"].to_numpy(dtype=bool)
        value = series["inventory_value"].to_numpy()
        if series["purchase_spend"].fillna(0).gt(0).any():
            ax.bar(when, series["purchase_spend"].fillna(0), width=16, color=PALETTE["bars"],
                   label="Purchase spend")  # fmt: skip
        if series["target"].notna().any():
            _line(ax, series["month"], series["target"], "target", "Target path",
                  linestyle="--", linewidth=1.2)  # fmt: skip
        last_actual = int(np.flatnonzero(actual)[-1]) if actual.any() else -1
        projected = np.arange(len(when)) >= max(last_actual, 0)
        if projected.sum() > 1:
            ax.plot(when[projected], value[projected], color=PALETTE["forecast"], linestyle=":",
                    marker="o", markersize=2.4, label="Projected")  # fmt: skip
        ax.plot(when[actual], value[actual], color=PALETTE["history"], marker="s", markersize=4,
                label="Actual")  # fmt: skip
        baseline = series.dropna(subset=["baseline"])
        start = baseline[baseline["month"] == baseline["baseline_month"]]
        if not start.empty:
            _line(ax, start["month"], start["baseline"], "target", "Baseline", marker="D",
                  markersize=7, linestyle="none")  # fmt: skip
        lowest = np.nanmin(series[["inventory_value", "target"]].to_numpy(dtype=float), initial=0)
        ax.set_ylim(bottom=min(0.0, float(lowest) * 1.1))

    label = "Cash projection against the dated target path"
    return draw(label, paint, title="Cash tied in inventory", y="money", fmt=fmt, legend=3)


def service_cash_chart(tradeoff: pd.DataFrame, fmt: Formatter) -> str:
    """Expected fill rate against inventory investment along the service-level grid and the
    current policy (the ``service_cash_tradeoff`` rows with an inventory value)."""
    curve = tradeoff.rename(columns={"expected_fill_rate": "fill_rate"})
    grid = curve[~curve["is_current"]].sort_values("inventory_value")
    current = curve[curve["is_current"]].sort_values("service_level")

    def paint(ax: Axes) -> None:
        ax.grid(axis="x", color=GRID, linewidth=0.7)
        if grid["fill_rate"].notna().any():
            ax.plot(grid["inventory_value"], grid["fill_rate"], color=PALETTE["forecast"],
                    marker="o", markersize=3.5, label="Service level options")  # fmt: skip
            for position, row in enumerate(grid.itertuples()):
                if pd.notna(row.fill_rate) and pd.notna(row.service_level):
                    first = position == 0  # room on its right, none on its left
                    ax.annotate(
                        f"{row.service_level * 100:g}%", (row.inventory_value, row.fill_rate),
                        textcoords="offset points", xytext=(5, 0) if first else (-5, 5),
                        ha="left" if first else "right", fontsize=6.5, color=MUTED,
                    )  # fmt: skip
        for row in current.itertuples():
            ax.plot([row.inventory_value], [row.fill_rate], marker="D", markersize=8,
                    color=PALETTE["upside"], linestyle="none", label="Current policy")  # fmt: skip
            value, fill = fmt.compact_money(row.inventory_value), fmt.pct(row.fill_rate)
            ax.annotate(
                f"Current policy: {value}, fill rate {fill}", (row.inventory_value, row.fill_rate),
                textcoords="offset points", xytext=(10, -14), fontsize=7.5,
                color=PALETTE["upside"], fontweight="bold",
            )  # fmt: skip
        ax.set_xlabel("inventory investment (safety + cycle stock at cost)")
        ax.set_ylabel("expected fill rate")
        _unit_axis(ax, "money", fmt, axis="x")
        _unit_axis(ax, "ratio", fmt)

    return draw(
        "Service level versus cash", paint, title="Service level versus cash", y="", dates=False,
        bottom=0.5, left=0.78,
    )  # fmt: skip


def plan_chart(series: pd.DataFrame, fmt: Formatter) -> str:
    """Company forecast revenue and the constrained plan's revenue (when the series has it)
    against the financial plan by month."""

    def paint(ax: Axes) -> None:
        ax.bar(_dates(series["month"]), series["plan"].fillna(0), width=18, color=PALETTE["bars"],
               label="Financial plan")  # fmt: skip
        _line(ax, series["month"], series["forecast"], "forecast", "Forecast", dot=2.8)
        if "constrained" in series and series["constrained"].notna().any():
            _line(ax, series["month"], series["constrained"], "upside", "Constrained plan",
                  linestyle="--", dot=2.2)  # fmt: skip
        ax.set_ylim(bottom=0)

    title = "Revenue against the financial plan"
    order = ("Forecast", "Constrained plan", "Financial plan")
    return draw("Forecast and constrained plan against the financial plan", paint, title=title,
                y="money", fmt=fmt, size=FULL, legend=3, order=order)  # fmt: skip


def month_span(values: pd.Series) -> str:
    """``Dec 2025 – Nov 2026`` for a series of months."""
    stamps = pd.to_datetime(values).dropna()
    if stamps.empty:
        return ""
    return f"{month_label(stamps.min())} – {month_label(stamps.max())}"
