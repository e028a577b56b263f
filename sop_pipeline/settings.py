"""Planning settings: defaults here, one YAML file to change them, run config to override per run.

Precedence, lowest first: the defaults in this module, the settings file
(``<data dir>/settings.yaml`` or ``SOP_SETTINGS_FILE``), the ``overrides`` of the ``settings``
resource in a run's config. Every value is validated; an unknown key is an error, so a typo in
the file does not silently fall back to a default.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

MAX_HORIZON_MONTHS = 36
"""The longest horizon ``forecast.horizon_months`` allows."""


def _cores(value: int) -> int:
    if value != -1 and value < 1:
        raise ValueError("must be -1 (one per core) or a number >= 1")
    return value


Cores = Annotated[int, AfterValidator(_cores)]
"""A number of processes or threads: -1 for one per core, else at least 1."""


class _Section(BaseModel):
    # no .inf or .nan: a non-finite target or rate would fail (or mean nothing) mid-plan
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        """``horizon_months: true`` would otherwise be read as 1."""
        field = cls.model_fields.get(info.field_name or "")
        if isinstance(value, bool) and field is not None and _numeric(field.annotation):
            raise ValueError("a number is expected, not a yes/no value")
        return value


def _numeric(annotation: Any) -> bool:
    """Whether a field's type is a number (or an optional number), not a boolean."""
    if annotation in (int, float):
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return bool(args) and all(a in (int, float) for a in args)
    return False


class ForecastSettings(_Section):
    horizon_months: int = Field(
        12, ge=1, le=MAX_HORIZON_MONTHS, description="months forecast after the plan month"
    )
    selection: Literal["standard", "fast"] = Field(
        "standard",
        description="candidate models: 'standard' adds AutoETS (own, evolving seasonality) to "
        "the long series' combination; 'fast' leaves it out (about 3x cheaper)",
    )
    engine: Literal["local", "dask"] = Field("local", description="where statsforecast runs")
    dask_address: str | None = Field(
        None, description="Dask scheduler address (engine 'dask'); empty starts a local cluster"
    )
    n_jobs: Cores = Field(-1, description="processes for the local engine (-1: all cores)")
    dormant_demand: Literal["keep", "tsb", "zero"] = Field(
        "keep",
        description="forecast of an intermittent item whose months without demand since its "
        "last sale exceed every earlier gap and twice its average interval: 'keep' (ADIDA or "
        "IMAPA, or the model its evidence picks), 'tsb' (decaying demand probability) or "
        "'zero' (obsolete)",
    )
    error_months: int = Field(
        6,
        ge=1,
        le=24,
        description="months ahead the forecast error is measured for items of 26-41 months "
        "(from up to 12 monthly origins): at least the longest lead time + review period",
    )
    ets_form_months: int = Field(
        4,
        ge=0,
        le=120,
        description="plan months a series' seasonal AutoETS form (error, trend, season, "
        "damping; searched among up to 15) is kept before it is searched again: a kept form "
        "only has its parameters re-fitted, about half a long series' forecasting cost. Longer "
        "keeps a form found on a short history too long: 12 cost the sample company 1-1.7 "
        "points of forecast value added, 4 nothing (0: search every month)",
    )
    accuracy_lags: tuple[int, ...] = Field(
        (1, 3),
        min_length=1,
        description="forecast lags tracked for accuracy (months ahead, 1 to horizon_months)",
    )

    @field_validator("accuracy_lags")
    @classmethod
    def _lags_within_horizon(cls, value: tuple[int, ...], info: ValidationInfo) -> tuple[int, ...]:
        horizon = info.data.get("horizon_months", 12)
        if any(not 1 <= lag <= horizon for lag in value):
            raise ValueError(
                f"each lag is a number of months ahead between 1 and horizon_months ({horizon})"
            )
        if len(set(value)) != len(value):
            raise ValueError("a lag is listed twice")
        return value


class ExceptionSettings(_Section):
    change_pct: float = Field(
        0.25, ge=0, description="forecast change vs the prior plan month that makes an exception"
    )
    change_revenue: float = Field(
        5000.0, ge=0, description="revenue change vs the prior plan month that makes an exception"
    )


class InventorySettings(_Section):
    default_service_level: float = Field(
        0.95, gt=0.5, lt=1, description="cycle service level when the item master gives none"
    )
    review_period_months: float = Field(
        1.0, gt=0, le=12, description="time between ordering decisions"
    )
    tradeoff_service_levels: tuple[float, ...] = Field(
        (0.85, 0.90, 0.92, 0.95, 0.97, 0.98, 0.99, 0.995),
        min_length=1,
        description="service levels on the inventory-versus-service curve, each in (0, 1)",
    )

    @field_validator("tradeoff_service_levels")
    @classmethod
    def _service_levels(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(not 0 < level < 1 for level in value):
            raise ValueError(
                "a service level is a probability strictly between 0 and 1 "
                "(write 0.95, not 95; 1.0 would ask for infinite stock)"
            )
        return value

    slow_mover_months: float = Field(
        12.0, gt=0, description="months of cover above which stock counts as excess"
    )


class SupplySettings(_Section):
    late_po_delay_months: int = Field(
        1,
        ge=0,
        le=12,
        description="an open order already past due at the plan month's close is assumed to "
        "arrive this many months after the first planned month (0: in the first month), or "
        "its lead time after the close when that is sooner (as an order placed then would)",
    )
    open_production_components: Literal["at_receipt", "issued"] = Field(
        "at_receipt",
        description="when the stock count gives up the components of an open production order: "
        "at_receipt (the count still holds them; they are consumed when the order is received, "
        "as tools that backflush on completion do) or issued (they left the count when the "
        "order was released)",
    )


class CapacitySettings(_Section):
    max_prebuild_months: int = Field(
        3,
        ge=0,
        le=12,
        description="how many months ahead of an overloaded month production may be pre-built "
        "(levelling into spare regular capacity); 0: no pre-build",
    )
    min_remaining_shelf_life_months: float = Field(
        6.0,
        ge=0,
        description="shelf life a pre-built unit must still have when it is sold: an item is "
        "pre-built at most floor(shelf_life_days / 30.4375) minus this many months ahead",
    )


class DecisionSettings(_Section):
    max_extra_cash: float | None = Field(
        None,
        ge=0,
        description="cash ceiling of the suggested option: the most extra inventory cash at peak "
        "an option may tie up to be suggested; empty: no ceiling",
    )
    spread_share: float = Field(
        0.30,
        gt=0,
        lt=1,
        description="share of the peak month's demand the 'spread deliveries' option moves to "
        "the next month",
    )
    expedite_premium: float = Field(
        0.15,
        ge=0,
        le=5,
        description="expedite premium, as a share of the limiting component's unit cost, paid "
        "on every unit expedited",
    )
    expedite_lead_time_days: float = Field(
        14.0,
        ge=0,
        description="lead time of the limiting component when expedited (days), counted from "
        "the meeting that decides it (plan-month end + meeting.overdue_grace_days)",
    )
    holding_cost_rate: float = Field(
        0.25,
        ge=0,
        le=2,
        description="annual cost of holding stock, share of its value (capital, storage, "
        "obsolescence): charged on the extra stock an option holds",
    )
    action_days: int = Field(
        30,
        ge=1,
        le=365,
        description="a recorded decision's action is due this many days after the meeting "
        "(plan-month end + meeting.overdue_grace_days) unless its due date is given",
    )


class BalanceSettings(_Section):
    cash_path: Literal["off", "soft", "hard"] = Field(
        "soft",
        description="the dated cash path (kpi_targets' working-capital commitment) in the "
        "constrained plan: 'soft' weighs each dollar-month of inventory above it at "
        "cash_path_penalty against margin; 'hard' makes it a ceiling from the target month on "
        "(exceeded only where no plan can meet it), soft before; 'off' leaves it out",
    )
    cash_path_penalty: float = Field(
        0.02,
        ge=0,
        le=10,
        description="cost of a dollar of inventory above the cash path for a month (0.02: 2 % a "
        "month, on top of the holding cost)",
    )
    solver: Literal["auto", "simplex", "ipm"] = Field(
        "auto",
        description="HiGHS method: 'simplex' (dual simplex: exact duals, a warm start for the "
        "other scenarios), 'ipm' (interior point without crossover); 'auto' is simplex, the "
        "faster of the two on these plans up to 10,000 items",
    )
    time_limit_seconds: float = Field(
        600.0, gt=0, le=86_400, description="longest a solve may take before the plan fails"
    )
    upside: Literal["auto", "always", "never"] = Field(
        "auto",
        description="also plan the upside scenario (demand at the forecast's upper 80 % bound), "
        "a second solve: 'auto' plans it when the base plan has at most 150,000 variables "
        "(about 1,200 finished goods; a larger upside, with most resources binding, takes "
        "minutes), 'always', 'never'",
    )
    net_purchased: Literal["auto", "always", "never"] = Field(
        "auto",
        description="plan bought components outside the LP from their lead time on (each "
        "month's order tops the stock up to its safety stock after the parents' use; within "
        "the lead time they stay in the LP with their prices): 'auto' above 60,000 item-months "
        "(5,000 items over 12 months), where it makes a 10,000-item plan solvable in seconds, "
        "'always', 'never' (the full model)",
    )
    workers: Cores = Field(
        -1,
        description="HiGHS solves at the same time: issues whose options are priced at once, "
        "and the upside scenario solved beside the base plan and its options (-1: one per "
        "core, 1: one after the other); the plans and options are the same either way",
    )


class FinanceSettings(_Section):
    collection_lag_months: int = Field(
        0,
        ge=0,
        le=6,
        description="months between a sale and its cash (0: collected in the month sold); the "
        "first months of the horizon collect the last closed months' booked net revenue",
    )
    min_cash_balance: float = Field(
        0.0, description="the cash floor the plan's low point is judged against (KPI target)"
    )
    min_runway_months: float = Field(
        12.0, ge=0, description="the runway the plan should leave (KPI target), in months"
    )


def _first_of_month(value: object) -> dt.date | None:
    """``2025-07``, ``2025-07-01`` or a date -> the first day of that month (None stays None)."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if value.day != 1:
            raise ValueError(f"a month must be the first day of a month, got {value}")
        return value
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text + "-01" if len(text) == 7 else text).replace(day=1)
    except ValueError as exc:
        raise ValueError(f"a month must be written YYYY-MM, got {value!r}") from exc


class KpiTargets(_Section):
    fill_rate: float = Field(0.95, ge=0, le=1, description="share of ordered quantity shipped")
    wape_lag1: float = Field(0.30, ge=0, description="weighted absolute percentage error, lag 1")
    wape_lag3: float = Field(
        0.40,
        ge=0,
        description="weighted absolute percentage error of the forecast made 3 months before",
    )
    bias_lag1: float = Field(0.05, ge=0, le=1, description="largest acceptable |bias| at lag 1")
    forecast_revision: float = Field(
        0.15,
        ge=0,
        description="largest acceptable mean monthly revision of the forecast between two plan "
        "months, as a share of mean monthly demand (a forecast that jumps is hard to plan on)",
    )
    months_of_supply: float = Field(
        2.5, gt=0, description="months of forecast demand covered by stock"
    )
    inventory_turns: float = Field(
        5.0, gt=0, description="annual cost of goods sold / average inventory value"
    )
    excess_obsolete_value: float = Field(25_000.0, ge=0, description="largest acceptable E&O value")
    revenue_at_risk: float | None = Field(
        None,
        ge=0,
        description="largest acceptable net revenue the constrained plan cannot deliver; none by "
        "default: a plan that is short of something always loses some revenue, and zero is not "
        "a target a company can meet (the KPI then shows 'no target', never off track)",
    )
    shelf_life_value_at_risk: float | None = Field(
        None,
        ge=0,
        description="largest acceptable value of lots expiring before use; none by default "
        "(zero cannot be met by a company with shelf-life items): 'no target'",
    )
    inventory_value: float | None = Field(
        None,
        ge=0,
        description="inventory value to reach by cash_target_month; empty: the baseline month's "
        "value minus cash_reduction",
    )
    cash_reduction: float = Field(
        250_000.0,
        ge=0,
        description="cash to release from inventory between cash_baseline_month and "
        "cash_target_month (the working-capital commitment)",
    )
    cash_baseline_month: dt.date | None = Field(
        None,
        description="month (YYYY-MM) whose closing inventory value the commitment starts from; "
        "empty: the first plan month with a supply plan in the warehouse",
    )
    cash_target_month: dt.date | None = Field(
        None,
        description="month (YYYY-MM) by whose close the cash is to be released; empty: 12 "
        "months after the baseline month",
    )
    watch_band: float = Field(
        0.10, ge=0, le=1, description="relative distance from target still reported as 'watch'"
    )

    @field_validator("cash_baseline_month", "cash_target_month", mode="before")
    @classmethod
    def _month(cls, value: object) -> dt.date | None:
        return _first_of_month(value)

    @model_validator(mode="after")
    def _target_after_baseline(self) -> KpiTargets:
        baseline, target = self.cash_baseline_month, self.cash_target_month
        if baseline is not None and target is not None and target <= baseline:
            raise ValueError(
                f"cash_target_month ({target:%Y-%m}) must come after cash_baseline_month "
                f"({baseline:%Y-%m})"
            )
        return self


class MeetingSettings(_Section):
    overdue_grace_days: int = Field(
        15, ge=0, description="an open action is overdue when due before plan-month end + this"
    )
    top_issues: int = Field(5, ge=3, le=10, description="issues on the agenda")
    decision_owners: dict[str, str] = Field(
        {
            "component": "Head of supply chain",
            "lead_time": "Head of supply chain",
            "resource": "Head of operations",
            "shelf_life": "Head of operations",
            "cash": "CFO",
            "forecast_change": "Head of sales",
        },
        description="who decides an issue of each category (component, lead_time, resource, "
        "shelf_life, cash, forecast_change), shown on page one of the pack",
    )
    materiality: float = Field(
        1000.0,
        ge=0,
        description="expected margin below which two options of an issue count as equal: the "
        "agenda then offers both ('either ... or ...') instead of suggesting one; an issue whose "
        "whole margin at stake is below it is not a decision page one asks for (named under "
        "the decisions, kept on the agenda)",
    )
    chart_items: int = Field(6, ge=1, le=20, description="items with a forecast fan chart")
    max_rows: int = Field(15, ge=5, description="rows per table in the meeting pack")


SERVING_STORAGE_VERSION = "v1.1.0"
"""DuckDB storage format of the published file: DuckDB 1.1 and later clients open it (tested with
the Node client ``@duckdb/node-api`` 1.1.3 and 1.5.6) and it stores every type the warehouse
holds (DATE, TIMESTAMP, TIMESTAMP WITH TIME ZONE, DECIMAL, BOOLEAN, BIGINT, DOUBLE, VARCHAR and
lists of them). DuckDB refuses to write a type the chosen format cannot store."""


class PublishSettings(_Section):
    storage_version: str = Field(
        SERVING_STORAGE_VERSION,
        pattern=r"^(v\d+\.\d+\.\d+|latest)$",
        description="DuckDB storage format of the published file, e.g. 'v1.1.0' (read by DuckDB "
        ">= 1.1 clients) or 'latest' (the writing DuckDB's own format, which older clients "
        "refuse); the working file always uses the newest",
    )

    @field_validator("storage_version")
    @classmethod
    def _known_to_duckdb(cls, value: str) -> str:
        """Asked of DuckDB now, not at the end of a whole plan when the file is written."""
        import duckdb

        con = duckdb.connect()
        try:
            con.execute(f"attach ':memory:' as probe (STORAGE_VERSION '{value}')")
        except duckdb.Error as exc:
            reason = str(exc).splitlines()[0].split(", valid options are")[0]
            raise ValueError(
                f"DuckDB {duckdb.__version__} cannot write storage version {value!r} ({reason}; "
                f"e.g. {SERVING_STORAGE_VERSION!r} or 'latest')"
            ) from None
        finally:
            con.close()
        return value


class ValidationSettings(_Section):
    implausible_magnitudes: Literal["error", "warning"] = Field(
        "error",
        description="a quantity or amount of 1e9 or more, or over 1,000x the item's usual line "
        "in the file: 'error' stops the month (a unit or typing error would be planned on), "
        "'warning' only reports it (for companies whose lines do span such ranges)",
    )
    workers: Cores = Field(
        -1,
        description="processes validating batches of months at once when a run validates many "
        "months (a first run's history): -1 one per core, 1 one after the other",
    )


class Settings(_Section):
    currency: str = Field("USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. USD")
    planning_months_back: int = Field(
        3,
        ge=0,
        le=24,
        description="earlier plan months the CLI plans, if not yet planned, for accuracy "
        "tracking; fewer than the largest accuracy lag leaves that lag's accuracy empty until "
        "enough months have been planned (0: plan only the month asked for)",
    )
    earlier_months_scope: Literal["full", "forecast"] = Field(
        "full",
        description="what the CLI plans for those earlier months: every table (KPI trends and "
        "forecast revisions in the meeting pack; their own packs are not rendered or published) "
        "or only the forecast stage (enough for accuracy; faster at scale)",
    )
    earlier_months_forecast: Literal["refit", "cross_validate"] = Field(
        "refit",
        description="how the CLI forecasts an earlier month that follows one it has just "
        "planned: 'refit' re-fits the previous month's models (their forms kept) on the longer "
        "history and carries their errors (a third of the cost: a first run of four months "
        "forecasts in about the time of two), 'cross_validate' chooses them afresh as the plan "
        "month does",
    )
    validation: ValidationSettings = ValidationSettings()
    forecast: ForecastSettings = ForecastSettings()
    exceptions: ExceptionSettings = ExceptionSettings()
    inventory: InventorySettings = InventorySettings()
    supply: SupplySettings = SupplySettings()
    capacity: CapacitySettings = CapacitySettings()
    decisions: DecisionSettings = DecisionSettings()
    balance: BalanceSettings = BalanceSettings()
    finance: FinanceSettings = FinanceSettings()
    kpi_targets: KpiTargets = KpiTargets()
    meeting: MeetingSettings = MeetingSettings()
    publish: PublishSettings = PublishSettings()


def deep_merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``update`` into ``base`` recursively; ``update`` wins."""
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def misnamed_settings_files(settings_file: Path) -> list[Path]:
    """Files beside ``settings_file`` that look meant to be it (``settings.yml``,
    ``Settings.yaml``): the pipeline would silently plan with defaults instead."""
    folder = settings_file.parent
    if not folder.is_dir():
        return []
    stem = settings_file.stem.lower()
    wanted = {f"{stem}.yml", f"{stem}.yaml"}
    return sorted(
        p for p in folder.iterdir() if p.name.lower() in wanted and p.name != settings_file.name
    )


class SettingsLoader(yaml.SafeLoader):
    """YAML as the settings file means it: a key given twice is an error (plain YAML keeps
    the last one silently, so a second ``kpi_targets:`` block would replace the first), and
    only ``true``/``false`` are booleans (YAML 1.1 also reads yes/no/on/off as booleans)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"setting {key!r} is given twice (lines {seen[key]} and "
                    f"{key_node.start_mark.line + 1}); keep one",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


SettingsLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SettingsLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_settings(
    settings_file: str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build the settings: defaults, then the YAML file (if it exists), then ``overrides``.

    Raises:
        ValueError: naming the file when it is not valid YAML or a value is out of range.
    """
    values: dict[str, Any] = {}
    if settings_file is not None:
        misnamed = misnamed_settings_files(Path(settings_file))
        if misnamed:
            raise ValueError(
                f"settings file {misnamed[0]} is not read: the pipeline reads "
                f"{Path(settings_file).name} (rename it, or merge the two)"
            )
    if settings_file is not None and Path(settings_file).is_file():
        try:
            loaded = yaml.load(Path(settings_file).read_text(encoding="utf-8"), SettingsLoader)
            loaded = loaded or {}
        except yaml.YAMLError as exc:
            raise ValueError(f"settings file {settings_file} is not valid YAML: {exc}") from exc
        if not isinstance(loaded, Mapping):
            raise ValueError(f"settings file {settings_file} must hold a mapping of settings")
        values = dict(loaded)
    values = deep_merge(values, overrides or {})
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        source = f"settings file {settings_file} or run config" if settings_file else "settings"
        raise ValueError(f"invalid {source}:\n{describe_errors(exc)}") from exc


def describe_errors(exc: ValidationError) -> str:
    """One line per invalid setting: its dotted key, what is wrong and the value given."""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        given = error.get("input")
        shown = "" if isinstance(given, Mapping) else f" (given: {given!r})"
        lines.append(f"  {key}: {message}{shown}")
    return "\n".join(lines)
