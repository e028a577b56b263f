"""Decisions: what the meeting decided, applied to the next plan and scored against what
happened.

- ``raw/decisions`` (month M): the M meeting's ``decisions.csv``, checked against M's options
  (:mod:`.records`). ``sop-pipeline decide`` materializes it after writing the file; ``run``
  does before planning M + 1 when the file changed. Its data version is a hash of the
  decisions, so recording one marks M + 1's plan stale in the UI and nothing else.
- ``sop_mart/decisions`` and ``sop_mart/decisions_applied`` (month P): the decision log as it
  stands for P's meeting, and what P's plan does with each decision's levers (:mod:`.apply`);
  the supply and balance stages read the applied levers.
- ``sop_mart/decision_outcomes`` (month P): every decision scored over its closed months
  (:mod:`.outcomes`).

The M meeting decides after M's plan, so ``raw/decisions`` reads M's options without being
downstream of them in the graph (the plan of M + 1, which applies them, is).
"""

import datetime as dt
import hashlib
from collections.abc import Iterator

import dagster as dg
import pandas as pd

from sop_pipeline.balance.options import empty_levers
from sop_pipeline.decisions.apply import applied_levers
from sop_pipeline.decisions.outcomes import score_decisions
from sop_pipeline.decisions.records import (
    RECORD_COLUMNS,
    DecisionError,
    Meeting,
    check_decisions,
    decisions_path,
    meeting_date,
    read_decisions_file,
)
from sop_pipeline.jobs import DECISIONS_KEY, RECORDED_AFTER_THE_PLAN
from sop_pipeline.lib import planning_data as read
from sop_pipeline.lib.duckdb_io import Connection, replace_partitions, table_exists
from sop_pipeline.lib.mart_io import mart_result, write_plan_month
from sop_pipeline.lib.metadata import markdown_table
from sop_pipeline.lib.months import add_months, folder_name
from sop_pipeline.lib.partition_context import plan_month
from sop_pipeline.partitions import monthly_partitions
from sop_pipeline.resources import InputFilesResource, SettingsResource, WarehouseResource
from sop_pipeline.settings import MAX_HORIZON_MONTHS

GROUP = "decisions"
RECORDED_KEY = DECISIONS_KEY
DECISIONS = dg.AssetKey(["sop_mart", "decisions"])
DECISIONS_APPLIED = dg.AssetKey(["sop_mart", "decisions_applied"])
DECISION_OUTCOMES = dg.AssetKey(["sop_mart", "decision_outcomes"])
RAW_TYPES = {
    "plan_month": "DATE",
    "due_date": "DATE",
    "first_month": "DATE",
    "last_month": "DATE",
    "expected_margin_vs_base": "DOUBLE",
    "expected_extra_cash_peak": "DOUBLE",
    **{
        c: "VARCHAR"
        for c in RECORD_COLUMNS
        if c not in ("due_date", "first_month", "last_month") and not c.startswith("expected_")
    },
}
PREVIOUS_MONTH = dg.TimeWindowPartitionMapping(
    start_offset=-1, end_offset=-1, allow_nonexistent_upstream_partitions=True
)
SCORED_MONTHS = dg.TimeWindowPartitionMapping(
    start_offset=-(MAX_HORIZON_MONTHS + 1),
    end_offset=-1,
    allow_nonexistent_upstream_partitions=True,
)
"""The meetings whose decisions a month can still score: their options' plans, which cover
the horizon after the meeting (``forecast.horizon_months``, at most
:data:`MAX_HORIZON_MONTHS`)."""


def decisions_hash(records: pd.DataFrame) -> str:
    """The data version of a meeting's decisions: a hash of their rows."""
    text = records.sort_values("decision_id").to_csv(index=False) if len(records) else ""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def meeting_of(con: Connection, month: dt.date, grace_days: int) -> Meeting:
    """The M meeting's options and agenda, from the warehouse."""
    options = (
        read.table(con, "scenario_options", month)
        if table_exists(con, "sop_mart.scenario_options")
        else pd.DataFrame(columns=["issue", "option"])
    )
    ranks: dict[int, str] = {}
    if table_exists(con, "sop_mart.top_issues"):
        issues = read.table(con, "top_issues", month)
        ranks = {int(r): str(i) for r, i in zip(issues["rank"], issues["issue"], strict=True)}
    return Meeting(month, options, ranks, meeting_date(month, grace_days))


def planned(con: Connection, month: dt.date) -> bool:
    """Whether ``month`` has been planned (its constrained plan's feasibility is written)."""
    if not table_exists(con, "sop_mart.plan_feasibility"):
        return False
    (count,) = con.execute(
        "select count(*) from sop_mart.plan_feasibility where plan_month = ?", [month]
    ).fetchone()
    return bool(count)


def recorded_decisions(
    con: Connection, month: dt.date, folder, grace_days: int, action_days: int
) -> pd.DataFrame:
    """The M meeting's decisions file, checked (:func:`check_decisions`).

    Raises:
        DecisionError: a rule broken, or decisions for a month not planned.
    """
    if folder is None:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    path = decisions_path(folder)
    rows = read_decisions_file(path)
    if rows.empty:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    if not planned(con, month):
        raise DecisionError(
            f"{path}: check 'month_planned': {folder_name(month)} has no plan in the "
            f"warehouse, so its meeting had no options to decide among; plan it first "
            f"(sop-pipeline run --month {folder_name(month)})"
        )
    return check_decisions(rows, meeting_of(con, month, grace_days), str(path), action_days)


@dg.asset(
    key=RECORDED_KEY,
    partitions_def=monthly_partitions,
    group_name=GROUP,
    kinds={"duckdb", "csv"},
    tags=RECORDED_AFTER_THE_PLAN,
)
def meeting_decisions(
    context: dg.AssetExecutionContext,
    inputs: InputFilesResource,
    warehouse: WarehouseResource,
    settings: SettingsResource,
) -> dg.MaterializeResult:
    """The plan month's meeting decisions (its folder's decisions.csv), each checked against
    the month's options: a known issue, a listed and feasible option, an owner, a due date."""
    month, config = plan_month(context), settings.load()
    folder = inputs.month_folder(month)
    with warehouse.get_connection() as con:
        try:
            records = recorded_decisions(
                con,
                month,
                folder,
                config.meeting.overdue_grace_days,
                config.decisions.action_days,
            )
        except DecisionError as exc:
            raise dg.Failure(description=str(exc)) from exc
        rows = records.copy()
        rows.insert(0, "plan_month", month)
        replace_partitions(con, "raw.decisions", rows, [month], types=RAW_TYPES)
    version = decisions_hash(records)
    shown = records[["decision_id", "option", "owner", "due_date"]] if len(records) else records
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(records),
            "decisions": dg.MetadataValue.md(markdown_table(shown, 20) if len(shown) else "none"),
        },
        data_version=dg.DataVersion(version),
    )


def _earlier_decisions(con: Connection, month: dt.date) -> pd.DataFrame:
    if not table_exists(con, "raw.decisions"):
        return pd.DataFrame(columns=["decided_month", *RECORD_COLUMNS])
    frame = con.execute(
        "select plan_month as decided_month, * exclude (plan_month) from raw.decisions "
        "where plan_month < ? order by plan_month, decision_id",
        [month],
    ).df()
    return frame


def _of_meetings(con: Connection, table: str, months: list) -> pd.DataFrame:
    if not months or not table_exists(con, f"sop_mart.{table}"):
        return pd.DataFrame()
    return con.execute(
        f"select plan_month as decided_month, * exclude (plan_month) from sop_mart.{table} "
        "where plan_month in (select unnest(?::date[]))",
        [months],
    ).df()


def _new_orders(con: Connection, month: dt.date, meetings: list) -> pd.DataFrame:
    """The plan month's open orders that were not open at each meeting's month."""
    now = read.open_orders(con, month)
    frames = []
    for meeting in meetings:
        then = read.open_orders(con, pd.Timestamp(meeting).date())
        new = now[~now["po"].astype(str).isin(then["po"].astype(str))]
        frames.append(new.assign(decided_month=pd.Timestamp(meeting)))
    columns = ["decided_month", "po", "item", "qty_open", "due_date"]
    return (
        pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)
    )


def decision_log(decisions: pd.DataFrame, applied: pd.DataFrame) -> pd.DataFrame:
    """The decisions as the plan month's meeting sees them, each with how its levers were
    applied (``application``: applied, partly applied, passed, superseded, replaced by
    purchase order, not applicable, recorded)."""
    if decisions.empty:
        return decisions.assign(application=pd.Series(dtype=object))
    summary = applied.groupby("decision_id")["status"].agg(_application)
    return decisions.assign(application=decisions["decision_id"].map(summary).fillna("recorded"))


def _application(statuses: pd.Series) -> str:
    kinds = set(statuses)
    if kinds == {"superseded"}:
        return "superseded"
    if "applied" in kinds:  # levers in closed months (passed) are part of a decision applied
        return "partly applied" if "not_applicable" in kinds else "applied"
    if "replaced_by_po" in kinds:
        return "replaced by purchase order"
    if "not_applicable" in kinds:
        return "not applicable"
    if "passed" in kinds:
        return "passed"
    return "recorded"


def _log_spec(key: dg.AssetKey, description: str) -> dg.AssetSpec:
    """A table of the decision log: it reads the previous month's recorded decisions and the
    plan month's items, open orders and resources."""
    return dg.AssetSpec(
        key,
        description=description,
        deps=[
            dg.AssetDep(RECORDED_KEY, partition_mapping=PREVIOUS_MONTH),
            *(dg.AssetKey(["staging", t]) for t in ("items", "open_purchase_orders", "resources")),
        ],
        group_name=GROUP,
        kinds={"duckdb", "pandas"},
    )


@dg.multi_asset(
    specs=[
        _log_spec(
            DECISIONS,
            "The meeting decision log for the plan month: every decision of earlier meetings "
            "(issue, option, owner, due date, action status) and how the plan applied it.",
        ),
        _log_spec(
            DECISIONS_APPLIED,
            "What the plan month's plan does with each lever of the decisions in force: "
            "expedites as firm orders (until the real purchase order shows), pre-builds as firm "
            "production, approved overtime as worked hours, moved demand, the cash path's mode; "
            "or why a lever is not applied (its month passed, the item phased out).",
        ),
    ],
    partitions_def=monthly_partitions,
    name="decision_log",
)
def decision_log_assets(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.MaterializeResult]:
    """The decisions of earlier meetings, applied to the plan month's plan."""
    month = plan_month(context)
    with warehouse.get_connection() as con:
        decisions = _earlier_decisions(con, month)
        meetings = sorted(pd.to_datetime(decisions["decided_month"]).dt.date.unique())
        levers = _of_meetings(con, "option_levers", meetings)
        items = read.items(con, month)
        resources = read.resources(con, month)
        applied = applied_levers(
            decisions,
            levers if len(levers) else _no_levers(),
            month,
            items,
            pd.Index(resources["resource"].astype(str) if len(resources) else []),
            _new_orders(con, month, meetings),
        )
        log = decision_log(decisions, applied)
        log_rows = write_plan_month(con, "sop_mart.decisions", log, month)
        applied_rows = write_plan_month(con, "sop_mart.decisions_applied", applied, month)
    context.log.info(f"{len(log)} decisions, {int((applied['status'] == 'applied').sum())} levers")
    yield mart_result(
        "sop_mart.decisions",
        log_rows,
        asset_key=DECISIONS,
        metadata={"decisions": len(log)},
    )
    counts = applied.groupby("status").size().rename("levers").reset_index()
    yield mart_result(
        "sop_mart.decisions_applied",
        applied_rows,
        asset_key=DECISIONS_APPLIED,
        metadata={"by_status": dg.MetadataValue.md(markdown_table(counts))},
    )


def _no_levers() -> pd.DataFrame:
    return empty_levers().assign(decided_month=pd.Series(dtype="datetime64[ns]"))


def _outcomes(
    con: Connection, month: dt.date, decisions: pd.DataFrame, meetings: list
) -> pd.DataFrame:
    """Every decision scored over its covered months closed by ``month``."""
    if decisions.empty:
        return score_decisions(
            decisions, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), month
        )
    plans = _of_meetings(con, "option_plans", meetings)
    costs = _of_meetings(con, "scenario_options", meetings)
    first = add_months(min(meetings), 1)
    actual = con.execute(
        "select plan_month as month, item, demand_qty, shipped_qty from staging.demand_history "
        "where plan_month between ? and ?",
        [first, month],
    ).df()
    stock = con.execute(
        "select plan_month as month, item, sum(on_hand_qty) as on_hand_qty "
        "from staging.inventory where plan_month between ? and ? group by all",
        [first, month],
    ).df()
    return score_decisions(decisions, plans, costs, actual, stock, month)


@dg.asset(
    key=DECISION_OUTCOMES,
    partitions_def=monthly_partitions,
    group_name=GROUP,
    kinds={"duckdb", "pandas"},
    deps=[
        DECISIONS,
        dg.AssetDep(dg.AssetKey(["sop_mart", "option_plans"]), partition_mapping=SCORED_MONTHS),
        dg.AssetDep(dg.AssetKey(["sop_mart", "scenario_options"]), partition_mapping=SCORED_MONTHS),
        dg.AssetKey(["staging", "demand_history"]),
        dg.AssetKey(["staging", "inventory"]),
    ],
)
def decision_outcomes(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Each earlier decision against plan to base replayed on the actual demand of its closed
    months: units sold, lost and left, extra cost, value added in margin and cash, beside the
    value expected when it was decided."""
    month = plan_month(context)
    with warehouse.get_connection() as con:
        decisions = _earlier_decisions(con, month)
        meetings = sorted(pd.to_datetime(decisions["decided_month"]).dt.date.unique())
        outcomes = _outcomes(con, month, decisions, meetings)
        rows = write_plan_month(con, "sop_mart.decision_outcomes", outcomes, month)
    final = outcomes[outcomes["is_final"].astype(bool)] if len(outcomes) else outcomes
    return mart_result(
        "sop_mart.decision_outcomes",
        rows,
        metadata={
            "decisions_scored": len(outcomes),
            "final": len(final),
            "value_added_margin": float(outcomes["value_added_margin"].sum())
            if len(outcomes)
            else 0.0,
        },
    )
