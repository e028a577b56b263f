"""The validation rules of SPEC §3, by name: what each checks and how bad it is.

Each rule becomes one Dagster asset check per input file it applies to (``raw/<file>``,
check ``<rule>``). Errors block everything downstream of the month; warnings are reported only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sop_pipeline.ingest.contract import (
    BOM,
    FORECAST_OVERRIDES,
    INPUT_FILES,
    INVENTORY,
    ITEMS,
    OPEN_PURCHASE_ORDERS,
    PROMOTIONS,
    SALES,
    InputFile,
    Kind,
)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


FILE_PRESENT = "file_present"
FILE_READABLE = "file_readable"
NOT_EMPTY = "not_empty"
REQUIRED_COLUMNS = "required_columns"
VALUES_PARSE = "values_parse"
REQUIRED_VALUES = "required_values"
ALLOWED_VALUES = "allowed_values"
VALUE_RANGES = "value_ranges"
KEYS_UNIQUE = "keys_unique"
ITEMS_KNOWN = "items_known"
DATES_IN_MONTH = "dates_in_month"
BOM_ACYCLIC = "bom_acyclic"
ONE_ADJUSTMENT_KIND = "one_adjustment_kind"
MONTHS_IN_HORIZON = "months_in_horizon"
PERIOD_ORDERED = "period_ordered"
SHIPPED_WITHIN_ORDERED = "shipped_within_ordered"
NO_EXPIRED_STOCK = "no_expired_stock"
NO_PAST_DUE_ORDERS = "no_past_due_orders"
RESOURCES_KNOWN = "resources_known"


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    description: str


_COMMON = (
    Rule(FILE_PRESENT, Severity.ERROR, "the file is in the month folder (or master/)"),
    Rule(FILE_READABLE, Severity.ERROR, "the file is UTF-8 CSV or Parquet that can be parsed"),
    Rule(NOT_EMPTY, Severity.ERROR, "the file has data rows, not only a header"),
    Rule(REQUIRED_COLUMNS, Severity.ERROR, "every required column of SPEC §2 is in the header"),
    Rule(VALUES_PARSE, Severity.ERROR, "numbers are numbers, dates are YYYY-MM-DD"),
    Rule(REQUIRED_VALUES, Severity.ERROR, "required fields are filled in"),
)

_SPECIFIC: dict[str, tuple[Rule, ...]] = {
    ITEMS.name: (
        Rule(ALLOWED_VALUES, Severity.ERROR, "item_type and status take their allowed values"),
        Rule(VALUE_RANGES, Severity.ERROR, "costs, prices and lead times are not negative"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "each item appears once"),
    ),
    BOM.name: (
        Rule(VALUE_RANGES, Severity.ERROR, "qty_per above 0, scrap_rate in [0, 0.99]"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "each parent-component pair appears once"),
        Rule(ITEMS_KNOWN, Severity.ERROR, "parents and components are in the item master"),
        Rule(BOM_ACYCLIC, Severity.ERROR, "no item is (indirectly) a component of itself"),
    ),
    "financial_plan": (Rule(KEYS_UNIQUE, Severity.ERROR, "one plan value per month and family"),),
    PROMOTIONS.name: (
        Rule(VALUE_RANGES, Severity.ERROR, "uplift_pct not below -100"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "each promotion names an item once"),
        Rule(ITEMS_KNOWN, Severity.ERROR, "promoted items are in the item master"),
        Rule(PERIOD_ORDERED, Severity.ERROR, "end_month is not before start_month"),
    ),
    "actions": (
        Rule(ALLOWED_VALUES, Severity.ERROR, "status is open or done"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "each action_id appears once"),
    ),
    SALES.name: (
        Rule(DATES_IN_MONTH, Severity.ERROR, "every order line is dated inside the month"),
        Rule(ITEMS_KNOWN, Severity.ERROR, "every item sold is in the item master"),
        Rule(
            SHIPPED_WITHIN_ORDERED,
            Severity.WARNING,
            "order lines ship no more than ordered; returns have both quantities negative",
        ),
    ),
    INVENTORY.name: (
        Rule(VALUE_RANGES, Severity.ERROR, "on-hand quantities and unit costs are not negative"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "one row per item, location and lot"),
        Rule(ITEMS_KNOWN, Severity.ERROR, "every stocked item is in the item master"),
        Rule(NO_EXPIRED_STOCK, Severity.WARNING, "no lot on hand is past its expiry date"),
    ),
    OPEN_PURCHASE_ORDERS.name: (
        Rule(VALUE_RANGES, Severity.ERROR, "open quantities are not negative"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "one row per po and item"),
        Rule(ITEMS_KNOWN, Severity.ERROR, "every ordered item is in the item master"),
        Rule(NO_PAST_DUE_ORDERS, Severity.WARNING, "open orders are not already past due"),
    ),
    FORECAST_OVERRIDES.name: (
        Rule(VALUE_RANGES, Severity.ERROR, "override_qty >= 0 and adjustment_pct >= -100"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "one override per item and month"),
        Rule(ITEMS_KNOWN, Severity.ERROR, "overridden items are finished goods in the master"),
        Rule(ONE_ADJUSTMENT_KIND, Severity.ERROR, "each row gives override_qty or adjustment_pct"),
        Rule(MONTHS_IN_HORIZON, Severity.ERROR, "overridden months lie in the forecast horizon"),
    ),
    "resources": (
        Rule(VALUE_RANGES, Severity.ERROR, "capacities and overtime costs are not negative"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "each resource appears once"),
    ),
    "routings": (
        Rule(VALUE_RANGES, Severity.ERROR, "hours_per_unit above 0"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "each item-resource pair appears once"),
        Rule(ITEMS_KNOWN, Severity.ERROR, "routed items are finished goods in the master"),
        Rule(RESOURCES_KNOWN, Severity.ERROR, "every resource is in resources.csv"),
    ),
    "capacity": (
        Rule(VALUE_RANGES, Severity.ERROR, "capacities are not negative"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "one row per month and resource"),
        Rule(RESOURCES_KNOWN, Severity.ERROR, "every resource is in resources.csv"),
    ),
    "cash": (
        Rule(VALUE_RANGES, Severity.ERROR, "monthly_operating_burn is not negative"),
        Rule(KEYS_UNIQUE, Severity.ERROR, "one row per as_of_month"),
    ),
}


def rules_for(spec: InputFile) -> tuple[Rule, ...]:
    """The rules that apply to one input file, in the order they are reported."""
    common = _COMMON
    if not any(c.kind is not Kind.TEXT for c in spec.columns):
        common = tuple(r for r in common if r.name != VALUES_PARSE)
    return common + _SPECIFIC.get(spec.name, ())


ALL_RULES: dict[str, tuple[Rule, ...]] = {spec.name: rules_for(spec) for spec in INPUT_FILES}
