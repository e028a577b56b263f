"""Validation rules are one object each: registering one makes it run and appear in the docs."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pandas as pd
import pytest

from sop_pipeline.ingest import contract_doc
from sop_pipeline.ingest.contract import INPUT_FILES, ITEMS, SALES, InputFile
from sop_pipeline.validate import rules
from sop_pipeline.validate.engine import validate_months
from sop_pipeline.validate.rule import Context, FlagRule, Severity

MONTH = dt.date(2025, 10, 1)


class NoZeroRevenue(FlagRule):
    """A toy rule: an order line shipping something earns something."""

    name = "no_zero_revenue"
    severity = Severity.WARNING
    description = {SALES.name: "an order line that ships earns revenue"}
    column, problem = "net_revenue", "net_revenue is zero on a shipped line"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        return ~((frame["net_revenue__v"] == 0) & (frame["shipped_qty__v"] > 0))


def _raw(spec: InputFile, rows: list[dict[str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(spec.column_names))
    frame.insert(0, "_line", range(2, len(rows) + 2))
    frame.insert(0, "plan_month", pd.Timestamp(MONTH))
    frame["_source_file"] = f"data/2025-10/{spec.filename}"
    return frame


def _inputs() -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    items = _raw(
        ITEMS,
        [
            {"item": "FG1", "item_type": "finished_good", "family": "Face", "unit_cost": "5",
             "unit_price": "20", "lead_time_days": "14"},
        ],
    )  # fmt: skip
    sales = _raw(
        SALES,
        [
            {"date": "2025-10-03", "item": "FG1", "ordered_qty": "5", "shipped_qty": "5",
             "net_revenue": "100"},
            {"date": "2025-10-09", "item": "FG1", "ordered_qty": "2", "shipped_qty": "2",
             "net_revenue": "0"},
        ],
    )  # fmt: skip
    frames = {ITEMS.name: items, SALES.name: sales}
    log = pd.DataFrame(
        {
            "plan_month": pd.Timestamp(MONTH),
            "file": [ITEMS.name, SALES.name],
            "source_path": [f"data/2025-10/{s.filename}" for s in (ITEMS, SALES)],
            "status": "loaded",
            "error": None,
            "columns": [list(ITEMS.column_names), list(SALES.column_names)],
            "row_count": [len(items), len(sales)],
        }
    )
    return frames, log


def _results(files: tuple[InputFile, ...] = (ITEMS, SALES)) -> dict[tuple[str, str], object]:
    frames, log = _inputs()
    return {(r.file, r.rule): r for r in validate_months(frames, log, [MONTH], files=files)}


def test_a_new_rule_is_one_object_registered_in_one_place(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ("sales", "no_zero_revenue") not in _results()
    monkeypatch.setattr(rules, "RULES", [*rules.RULES, NoZeroRevenue()])

    results = _results()
    toy = results[("sales", "no_zero_revenue")]
    assert not toy.passed and not toy.blocking and toy.bad_rows == 1
    assert toy.message == (
        "1 row where net_revenue is zero on a shipped line (an order line that ships earns "
        "revenue); data/2025-10/sales.csv line 3"
    )
    assert list(toy.examples["line"]) == [3]
    assert all(r.passed for key, r in results.items() if key != ("sales", "no_zero_revenue"))
    assert not any(rule == "no_zero_revenue" for file, rule in results if file != "sales")
    assert [r.name for r in rules.ALL_RULES["sales"]][-1] == "no_zero_revenue"
    docs = contract_doc.render_markdown()
    sales_section = docs[docs.index("## `sales.csv`") : docs.index("## `inventory.csv`")]
    assert "- `no_zero_revenue` (warning): an order line that ships earns revenue" in sales_section
    assert docs.count("no_zero_revenue") == 1


def test_every_rule_applies_to_some_file_and_names_are_unique() -> None:
    names = [rule.name for rule in rules.RULES]
    assert len(names) == len(set(names))
    for rule in rules.RULES:
        assert any(rule.applies_to(spec) for spec in INPUT_FILES), rule.name


def test_validation_does_not_import_supply_planning() -> None:
    """Every module of the validate package, imported in a fresh interpreter, leaves no
    ``sop_pipeline.supply`` module loaded."""
    code = (
        "import importlib, pkgutil, sys, sop_pipeline.validate as v\n"
        "names = [m.name for m in pkgutil.walk_packages(v.__path__, v.__name__ + '.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "print(len(names), sorted(m for m in sys.modules if m.startswith('sop_pipeline.supply')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    modules, supply = out.stdout.split(maxsplit=1)
    assert int(modules) >= 6 and supply.strip() == "[]"
