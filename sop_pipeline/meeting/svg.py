"""Matplotlib figures as inline SVG: one calm style, unique ids, no external references."""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager

import matplotlib
from matplotlib.figure import Figure

from sop_pipeline.meeting.formatting import esc

INK = "#243b53"
MUTED = "#627d98"
GRID = "#e4e7eb"
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
_ID = re.compile(r'(id="|url\(#|href="#)([^")]+)')
_HEADER = re.compile(r"^.*?(?=<svg)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SIZE = re.compile(r'\s(width|height)="[^"]*"')


@contextmanager
def chart_style() -> Iterator[None]:
    """The pack's matplotlib style, for drawing and saving a figure."""
    with matplotlib.rc_context(STYLE):
        yield


def new_figure(
    width: float,
    height: float,
    *,
    left: float = 0.62,
    right: float = 0.18,
    top: float = 0.62,
    bottom: float = 0.36,
) -> Figure:
    """A figure of ``width`` x ``height`` inches with fixed margins (inches), without pyplot.

    Fixed margins instead of a layout engine: one draw per chart instead of two.
    """
    figure = Figure(figsize=(width, height))
    figure.subplots_adjust(
        left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height
    )
    return figure


def to_svg(figure: Figure, label: str) -> str:
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
