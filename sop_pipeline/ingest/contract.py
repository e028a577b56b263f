"""The input data contract: which files a company delivers (``master/`` and one folder per
closed month), their columns, types and keys. ``docs/INPUTS.md`` is generated from it.

Everything that reads, validates or stages an input file takes its facts from here, so the
contract is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Scope(StrEnum):
    MASTER = "master"  # lives in master/, a file of the same name in a month folder overrides it
    MONTH = "month"  # lives in the month folder only


class Kind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"  # YYYY-MM-DD
    MONTH = "month"  # YYYY-MM or YYYY-MM-DD, staged as the first day of the month


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind = Kind.TEXT
    required: bool = False  # the column must be in the file (bold in docs/INPUTS.md)
    not_null: bool = False  # every row must carry a value
    min_value: float | None = None  # smallest meaningful value (0: negatives are errors)
    min_exclusive: bool = False  # the value must be above min_value, not equal to it
    max_value: float | None = None
    allowed: tuple[str, ...] | None = None  # closed set of values
    note: str = ""  # what a value means, for docs/INPUTS.md


@dataclass(frozen=True)
class InputFile:
    name: str  # table name in raw/staging and file stem
    scope: Scope
    columns: tuple[Column, ...]
    required: bool = True  # the file must be present
    key: tuple[str, ...] = ()  # columns that identify a row
    may_be_empty: bool = False  # a header-only file is legitimate
    description: str = ""
    item_columns: tuple[str, ...] = field(default=())  # columns that must name known items
    resource_columns: tuple[str, ...] = field(default=())  # columns naming resources.csv rows

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name: str, kind: Kind = Kind.TEXT, **kwargs) -> Column:
    return Column(name, kind, **kwargs)


def _req(name: str, kind: Kind = Kind.TEXT, **kwargs) -> Column:
    return Column(name, kind, required=True, not_null=True, **kwargs)


ITEM_TYPES = ("finished_good", "component")
ITEM_STATUSES = ("active", "phase_out")
ACTION_STATUSES = ("open", "done")

ITEMS = InputFile(
    "items",
    Scope.MASTER,
    (
        _req("item"),
        _req("item_type", allowed=ITEM_TYPES),
        _c("description"),
        _c("family"),
        _c("uom"),
        _req("unit_cost", Kind.NUMBER, min_value=0),
        _c("unit_price", Kind.NUMBER, min_value=0),
        _req("lead_time_days", Kind.NUMBER, min_value=0),
        _c("lead_time_std_days", Kind.NUMBER, min_value=0),
        _c("moq", Kind.NUMBER, min_value=0),
        _c("order_multiple", Kind.NUMBER, min_value=0),
        _c("shelf_life_days", Kind.NUMBER, min_value=0),
        _c("service_level", Kind.NUMBER, min_value=0.5, max_value=0.9999),
        _c("launch_date", Kind.DATE),
        _c("status", allowed=ITEM_STATUSES),
    ),
    key=("item",),
    description="the item master: finished goods and purchased or produced components",
)

BOM = InputFile(
    "bom",
    Scope.MASTER,
    (
        _req("parent"),
        _req("component"),
        _req("qty_per", Kind.NUMBER, min_value=0, min_exclusive=True),
        _c("scrap_rate", Kind.NUMBER, min_value=0, max_value=0.99),
    ),
    key=("parent", "component"),
    description="multi-level bill of materials",
    item_columns=("parent", "component"),
)

FINANCIAL_PLAN = InputFile(
    "financial_plan",
    Scope.MASTER,
    (
        _req("month", Kind.MONTH),
        _c("family"),
        _req("planned_revenue", Kind.NUMBER),
    ),
    required=False,
    key=("month", "family"),
    description=(
        "the finance team's plan of net revenue (after discounts and returns, as sales.csv's "
        "net_revenue) by month and family; a blank family is the company total, and without one "
        "the company total is the sum of the families"
    ),
)

PROMOTIONS = InputFile(
    "promotions",
    Scope.MASTER,
    (
        _req("promo_id"),
        _req("item"),
        _req("start_month", Kind.MONTH),
        _req("end_month", Kind.MONTH),
        Column(
            "uplift_pct",
            Kind.NUMBER,
            required=True,
            min_value=-100,
            note="percent (20 = +20 %); blank: the lift measured on the item's past promotions "
            "(else its family's, else all items')",
        ),
        _c("description"),
    ),
    required=False,
    may_be_empty=True,
    key=("promo_id", "item"),
    description="planned promotions and events",
    item_columns=("item",),
)

ACTIONS = InputFile(
    "actions",
    Scope.MASTER,
    (
        _req("action_id"),
        _req("opened_month", Kind.MONTH),
        _req("topic"),
        _req("owner"),
        _req("due_date", Kind.DATE),
        _req("status", allowed=ACTION_STATUSES),
        _c("decision"),
    ),
    required=False,
    may_be_empty=True,
    key=("action_id",),
    description="the S&OP action and decision log",
)

SALES = InputFile(
    "sales",
    Scope.MONTH,
    (
        _req("date", Kind.DATE),
        _req("item"),
        _c("ordered_qty", Kind.NUMBER, required=True),  # blank: use shipped_qty
        _req("shipped_qty", Kind.NUMBER),
        _req("net_revenue", Kind.NUMBER),
        _c("customer"),
        _c("channel"),
        _c("location"),
    ),
    description="order lines of the month (returns are negative lines)",
    item_columns=("item",),
)

INVENTORY = InputFile(
    "inventory",
    Scope.MONTH,
    (
        _req("item"),
        _req("on_hand_qty", Kind.NUMBER, min_value=0),
        _c("location"),
        _c("lot"),
        _c("expiry_date", Kind.DATE),
        _c("unit_cost", Kind.NUMBER, min_value=0),
    ),
    key=("item", "location", "lot"),
    description="the month-end stock count, one row per item, location and lot",
    item_columns=("item",),
)

OPEN_PURCHASE_ORDERS = InputFile(
    "open_purchase_orders",
    Scope.MONTH,
    (
        _req("po"),
        _req("item"),
        _req("qty_open", Kind.NUMBER, min_value=0),
        _req("due_date", Kind.DATE),
    ),
    may_be_empty=True,
    key=("po", "item"),
    description="purchase and production orders not yet received (an order of an item with a "
    "BOM is a production order: by default its components are still in the stock count and it "
    "consumes them when received; supply.open_production_components: issued if they left it "
    "when the order was released)",
    item_columns=("item",),
)

FORECAST_OVERRIDES = InputFile(
    "forecast_overrides",
    Scope.MONTH,
    (
        _req("item"),
        _req("month", Kind.MONTH),
        _c("override_qty", Kind.NUMBER, min_value=0),
        _c("adjustment_pct", Kind.NUMBER, min_value=-100),
        _req("reason"),
        _req("owner"),
    ),
    required=False,
    may_be_empty=True,
    key=("item", "month"),
    description="the planners' judgment on the statistical forecast",
    item_columns=("item",),
)

RESOURCES = InputFile(
    "resources",
    Scope.MASTER,
    (
        _req("resource"),
        _c("description"),
        Column(
            "capacity_per_month",
            Kind.NUMBER,
            required=True,
            not_null=True,
            min_value=0,
            note="regular capacity a month, in the resource's unit (hours, or units for a line "
            "counted in units)",
        ),
        _c("overtime_capacity_per_month", Kind.NUMBER, min_value=0, note="blank: no overtime"),
        _c(
            "overtime_cost_per_unit",
            Kind.NUMBER,
            min_value=0,
            note="cost of one hour (unit) of overtime on top of the regular cost; blank: 0",
        ),
    ),
    required=False,
    key=("resource",),
    description=(
        "production resources (filling lines, work centres) and their monthly capacity, for the "
        "rough-cut capacity plan; without it production capacity is not planned"
    ),
)

ROUTINGS = InputFile(
    "routings",
    Scope.MASTER,
    (
        _req("item"),
        _req("resource"),
        Column(
            "hours_per_unit",
            Kind.NUMBER,
            required=True,
            not_null=True,
            min_value=0,
            min_exclusive=True,
            note="capacity one unit of the item takes on the resource (hours, or units)",
        ),
    ),
    required=False,
    key=("item", "resource"),
    description="the resources each finished good is made on and how much of them a unit takes",
    item_columns=("item",),
    resource_columns=("resource",),
)

CAPACITY = InputFile(
    "capacity",
    Scope.MONTH,
    (
        _req("month", Kind.MONTH),
        _req("resource"),
        _req("capacity_per_month", Kind.NUMBER, min_value=0),
        _c(
            "overtime_capacity_per_month",
            Kind.NUMBER,
            min_value=0,
            note="blank: the overtime of resources.csv",
        ),
    ),
    required=False,
    may_be_empty=True,
    key=("month", "resource"),
    description=(
        "a resource's capacity in given future months (holidays, maintenance), replacing "
        "resources.csv's for those months; the plan month's folder's file applies, months "
        "outside the horizon are ignored"
    ),
    resource_columns=("resource",),
)

CASH = InputFile(
    "cash",
    Scope.MASTER,
    (
        Column(
            "as_of_month",
            Kind.MONTH,
            required=True,
            not_null=True,
            note="the month whose closing cash balance opening_cash is; the latest row up to "
            "the plan month is used",
        ),
        Column(
            "opening_cash",
            Kind.NUMBER,
            required=True,
            not_null=True,
            note="cash at the close of as_of_month (the opening cash of the month after)",
        ),
        Column(
            "monthly_operating_burn",
            Kind.NUMBER,
            required=True,
            not_null=True,
            min_value=0,
            note="operating cash paid out every month besides inventory purchases and "
            "overtime: salaries, rent, marketing",
        ),
    ),
    required=False,
    key=("as_of_month",),
    description=(
        "the cash position and operating burn, for the cash balance and months of runway "
        "of the cash projection"
    ),
)

INPUT_FILES: tuple[InputFile, ...] = (
    ITEMS,
    BOM,
    FINANCIAL_PLAN,
    PROMOTIONS,
    ACTIONS,
    SALES,
    INVENTORY,
    OPEN_PURCHASE_ORDERS,
    FORECAST_OVERRIDES,
    RESOURCES,
    ROUTINGS,
    CAPACITY,
    CASH,
)
INPUTS_BY_NAME: dict[str, InputFile] = {f.name: f for f in INPUT_FILES}
