"""Numbers are finite and plausible; unknown codes that hide invisible characters say so."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sop_pipeline.ingest.contract import INVENTORY, ITEMS, SALES, InputFile
from sop_pipeline.validate.engine import validate_months
from sop_pipeline.validate.rule import Severity

MONTH = dt.date(2025, 10, 1)


def _raw(spec: InputFile, rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(spec.column_names))
    frame.insert(0, "_line", range(2, len(rows) + 2))
    frame.insert(0, "plan_month", pd.Timestamp(MONTH))
    frame["_source_file"] = f"data/2025-10/{spec.filename}"
    return frame


ITEM_ROWS = [
    {"item": "FG1", "item_type": "finished_good", "family": "Face", "unit_cost": "5",
     "unit_price": "20", "lead_time_days": "14"},
]  # fmt: skip


def _sale(qty: str, item: str = "FG1", revenue: str = "100") -> dict[str, str]:
    return {"date": "2025-10-03", "item": item, "ordered_qty": qty, "shipped_qty": qty,
            "net_revenue": revenue}  # fmt: skip


def _results(sales: list[dict], inventory: list[dict] | None = None) -> dict:
    frames = {ITEMS.name: _raw(ITEMS, ITEM_ROWS), SALES.name: _raw(SALES, sales)}
    specs = [ITEMS, SALES]
    if inventory is not None:
        frames[INVENTORY.name] = _raw(INVENTORY, inventory)
        specs.append(INVENTORY)
    log = pd.DataFrame(
        {
            "plan_month": pd.Timestamp(MONTH),
            "file": [s.name for s in specs],
            "source_path": [f"data/2025-10/{s.filename}" for s in specs],
            "status": "loaded",
            "error": None,
            "columns": [list(s.column_names) for s in specs],
            "row_count": [len(frames[s.name]) for s in specs],
        }
    )
    found = validate_months(frames, log, [MONTH], files=specs)
    return {(r.file, r.rule): r for r in found}


def test_a_number_too_large_to_store_is_an_error_naming_the_line() -> None:
    results = _results([_sale("5"), _sale("1e400")])
    finite = results[("sales", "values_finite")]
    assert not finite.passed and finite.blocking
    assert finite.message == (
        "1 row where ordered_qty is not a finite number; 1 row where shipped_qty is not a "
        "finite number (numbers are finite: a value like 1e400 overflows to infinity); "
        "data/2025-10/sales.csv line 3"
    )
    assert results[("sales", "values_parse")].passed  # it is written like a number


def test_a_thousandfold_quantity_stops_the_month_naming_line_and_usual_size() -> None:
    """FG1's usual line is 5 units (median of 5, 4, 6, 5); 6,000 is 1,200 times that."""
    results = _results([_sale("5"), _sale("4"), _sale("6"), _sale("5"), _sale("6000")])
    plausible = results[("sales", "magnitudes_plausible")]
    assert not plausible.passed and plausible.blocking
    assert plausible.severity is Severity.ERROR
    assert "ordered_qty is implausibly large" in plausible.message
    assert "data/2025-10/sales.csv line 6" in plausible.message
    assert (
        "item 'FG1' ordered_qty 6000 where its other non-zero lines' median is 5"
        in plausible.message
    )
    assert list(plausible.examples["line"]) == [6]


def test_usual_spread_and_few_lines_pass_but_a_billion_does_not() -> None:
    """900 units against a median of 5 is 180x (fine); with two lines there is no usual value,
    so only the 1e9 ceiling applies: 1e15 on hand is caught, 5,000 is not."""
    assert _results([_sale("5"), _sale("4"), _sale("900")])[
        ("sales", "magnitudes_plausible")
    ].passed
    lot = {"item": "FG1", "on_hand_qty": "1e15", "location": "WH1"}
    results = _results([_sale("5"), _sale("5000")], inventory=[lot])
    assert results[("sales", "magnitudes_plausible")].passed
    stock = results[("inventory", "magnitudes_plausible")]
    assert not stock.passed and "on_hand_qty is implausibly large" in stock.message


def test_lines_not_shipped_do_not_make_a_shipped_order_look_a_thousand_times_too_large() -> None:
    """Two order lines not shipped yet (0 units, 0 revenue), two small webshop lines (1 and 2
    units, 14.95 and 29.90) and a retailer's order shipped in full (1,136 units, 19,733.46).
    With the zeros the usual line would be 1 unit and 14.95 - the order 1,136 and 1,320 times
    that; the usual shipped line is the median of the non-zero ones, 2 units and 29.90, which
    the order is 568 and 660 times: plausible."""
    lines = [
        {"date": "2025-10-03", "item": "FG1", "ordered_qty": q, "shipped_qty": shipped,
         "net_revenue": revenue}
        for q, shipped, revenue in (
            ("97", "0", "0"), ("162", "0", "0"), ("1", "1", "14.95"), ("2", "2", "29.90"),
            ("1136", "1136", "19733.46"),
        )
    ]  # fmt: skip
    assert _results(lines)[("sales", "magnitudes_plausible")].passed


def test_an_unknown_code_with_a_zero_width_space_is_shown_escaped_and_explained() -> None:
    results = _results([_sale("5"), _sale("5", item="FG1\u200b")])
    known = results[("sales", "items_known")]
    assert not known.passed
    assert "'FG1\\u200b' is the known 'FG1' with invisible characters" in known.message
    assert list(known.examples["item"]) == ["FG1\\u200b"]
