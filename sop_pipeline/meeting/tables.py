"""Tables for the pack: one column spec, rendered as HTML or as Markdown, top rows only."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from sop_pipeline.meeting.formatting import NUMBER_KINDS, PRICE, Formatter, esc, text

_NOWRAP = frozenset({"code", "month", "date"})
ROW_CLASS = "_row_class"  # optional frame column: CSS class of the row (e.g. "alert")


@dataclass(frozen=True)
class Column:
    """A table column: frame key, header and kind (how the value is formatted).

    Kinds: ``text``, ``code`` (an identifier, never wrapped), ``items`` (a comma-separated
    list of identifiers, wrapped only between them), ``badge`` (a status label),
    ``month``, ``date``, ``formatted`` (text already formatted as a number), ``price`` (a
    shadow price) and the numeric kinds of
    :data:`~sop_pipeline.meeting.formatting.NUMBER_KINDS`, ``signed_`` or not.
    """

    key: str
    header: str
    kind: str = "text"

    @property
    def numeric(self) -> bool:
        """Numbers are right-aligned."""
        kind = self.kind.removeprefix("signed_")
        return kind in ("formatted", PRICE) or kind in NUMBER_KINDS


@dataclass(frozen=True)
class TableView:
    """The rows of a table, already sorted (all of them: renderers show the top rows)."""

    frame: pd.DataFrame
    columns: tuple[Column, ...]
    empty: str
    noun: str = "rows"

    @property
    def present(self) -> tuple[Column, ...]:
        """The columns the frame has (optional columns may be missing)."""
        return tuple(c for c in self.columns if c.key in self.frame.columns)

    def more(self, max_rows: int) -> int:
        """Rows left out when showing ``max_rows``."""
        return max(len(self.frame) - max_rows, 0)


def badge_class(value: object) -> str:
    """A CSS-safe class for a status value: ``off_track`` -> ``badge-off_track``."""
    return "badge-" + re.sub(r"[^a-z0-9_]", "", text(value).lower().replace(" ", "_"))


def badge_label(value: object) -> str:
    """A status value as words: ``off_track`` -> ``Off track``."""
    return text(value).replace("_", " ").capitalize()


def _html_cell(column: Column, value: object, fmt: Formatter) -> str:
    if column.kind == "badge":
        label = badge_label(value)
        return (
            f'<td><span class="badge {badge_class(value)}">{esc(label)}</span></td>'
            if label
            else "<td></td>"
        )
    if column.kind == "items":
        names = [f'<span class="code">{esc(name)}</span>' for name in text(value).split(", ")]
        return f"<td>{', '.join(names)}</td>"
    cell = esc(fmt.by_kind(column.kind, value))
    if column.numeric:
        return f'<td class="num">{cell}</td>'
    return f'<td class="code">{cell}</td>' if column.kind in _NOWRAP else f"<td>{cell}</td>"


def html_table(view: TableView, fmt: Formatter, max_rows: int) -> str:
    """The top ``max_rows`` rows as an HTML table, a note for the rest, a sentence when empty."""
    if view.frame.empty:
        return f'<p class="empty">{esc(view.empty)}</p>'
    columns = view.present
    head = "".join(
        f'<th class="num">{esc(c.header)}</th>' if c.numeric else f"<th>{esc(c.header)}</th>"
        for c in columns
    )
    rows = []
    for _, row in view.frame.head(max_rows).iterrows():
        css = text(row.get(ROW_CLASS, ""))
        attr = f' class="{esc(css)}"' if css else ""
        cells = "".join(_html_cell(c, row[c.key], fmt) for c in columns)
        rows.append(f"<tr{attr}>{cells}</tr>")
    more = view.more(max_rows)
    note = f'<p class="more">… and {more:,} more {esc(view.noun)} not shown.</p>' if more else ""
    return (
        f'<table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>{note}"
    )


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|])")


def md_text(value: str) -> str:
    """Text from data for Markdown: one line, no raw HTML, no accidental formatting or cells."""
    cleaned = " ".join(value.split()).replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", cleaned)


def markdown_table(view: TableView, fmt: Formatter, max_rows: int) -> str:
    """The top ``max_rows`` rows as a Markdown table (text escaped), or the empty sentence."""
    if view.frame.empty:
        return f"_{md_text(view.empty)}_"
    columns = view.present
    lines = [
        "| " + " | ".join(md_text(c.header) for c in columns) + " |",
        "|" + "|".join("---:" if c.numeric else "---" for c in columns) + "|",
    ]
    for _, row in view.frame.head(max_rows).iterrows():
        cells = (
            badge_label(row[c.key]) if c.kind == "badge" else fmt.by_kind(c.kind, row[c.key])
            for c in columns
        )
        lines.append("| " + " | ".join(md_text(cell) for cell in cells) + " |")
    more = view.more(max_rows)
    if more:
        lines.append(f"\n_… and {more:,} more {md_text(view.noun)}._")
    return "\n".join(lines)
