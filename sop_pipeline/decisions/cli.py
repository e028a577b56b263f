"""``sop-pipeline decide``: record what the meeting decided.

The decision is checked against the month's options (:mod:`.records`), added to the month
folder's ``decisions.csv`` and recorded through Dagster (the ``raw/decisions`` asset), which
marks the next month's plan stale; the next plan applies it. A refused decision writes
nothing: the file and the record stay as they were.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sop_pipeline.decisions.records import (
    DecisionError,
    check_decisions,
    decisions_path,
    read_decisions_file,
    with_decision,
    write_decisions_file,
)
from sop_pipeline.lib.months import add_months, folder_name
from sop_pipeline.lib.warehouse_months import latest_planned_month
from sop_pipeline.paths import Paths


def add_decide_arguments(parser: argparse.ArgumentParser, month_type) -> None:
    parser.add_argument(
        "issue", help="the issue: its id (component:PK-010) or its rank on the month's agenda (1)"
    )
    parser.add_argument(
        "option",
        help="the option chosen, as scenario_options lists it (plan_to_base, expedite, "
        "overtime, prebuild, spread_deliveries, produce_to_upside, relax_cash_path, "
        "keep_to_cash_path, constrained_plan)",
    )
    parser.add_argument("--owner", required=True, help="who carries the decision out")
    parser.add_argument(
        "--due",
        type=dt.date.fromisoformat,
        help="its action's due date YYYY-MM-DD (default: decisions.action_days after the meeting)",
    )
    parser.add_argument("--note", default="", help="what the meeting said")
    parser.add_argument(
        "--month",
        type=month_type,
        help="the meeting's plan month YYYY-MM (default: the latest planned)",
    )


@dataclass(frozen=True)
class Recorded:
    month: dt.date
    record: pd.Series
    next_planned: bool
    path: Path


def decide(
    paths: Paths,
    issue: str,
    option: str,
    owner: str,
    due: dt.date | None = None,
    note: str = "",
    month: dt.date | None = None,
    lock_wait_seconds: float = 60.0,
) -> Recorded:
    """Check, write and record one decision of ``month``'s meeting.

    Raises:
        DecisionError: the decision is refused (nothing is written).
        sop_pipeline.runner.PipelineFailed: the recording run failed (the file is put back).
    """
    from sop_pipeline.definitions import build_definitions
    from sop_pipeline.lib.dagster_storage import relax_sqlite_sync
    from sop_pipeline.lib.instance import open_instance
    from sop_pipeline.lib.run_lock import WarehouseBusy, lock_path, run_lock
    from sop_pipeline.resources import WarehouseResource, resources_for
    from sop_pipeline.runner import PipelineFailed, RunSummary, _Launcher, record_decisions
    from sop_pipeline.settings import load_settings

    if not paths.work_db.exists():
        raise DecisionError(
            f"nothing is planned yet in {paths.work_db}: run sop-pipeline run first"
        )
    settings = load_settings(paths.settings_file)
    try:
        with run_lock(lock_path(paths.work_db), wait_seconds=lock_wait_seconds):
            month = month or latest_planned_month(paths.work_db)
            if month is None:
                raise DecisionError("no month is planned yet: run sop-pipeline run first")
            from sop_pipeline.decisions.assets import meeting_of, planned

            with WarehouseResource(database=str(paths.work_db)).get_connection() as con:
                if not planned(con, month):
                    raise DecisionError(
                        f"{folder_name(month)} is not planned, so its meeting had no options: "
                        f"plan it first (sop-pipeline run --month {folder_name(month)})"
                    )
                meeting = meeting_of(con, month, settings.meeting.overdue_grace_days)
            folder = paths.data_dir / folder_name(month)
            if not folder.is_dir():
                raise DecisionError(
                    f"{folder} does not exist: the month's folder keeps its decisions"
                )
            path = decisions_path(folder)
            before = path.read_bytes() if path.is_file() else None
            rows = with_decision(
                read_decisions_file(path),
                {
                    "issue": issue,
                    "option": option,
                    "owner": owner,
                    "due_date": due.isoformat() if due else "",
                    "note": note,
                    "status": "open",
                },
                meeting,
            )
            records = check_decisions(rows, meeting, str(path), settings.decisions.action_days)
            write_decisions_file(path, rows)
            relax_sqlite_sync()
            defs = build_definitions(resources_for(paths))
            job = defs.resolve_job_def("record_decisions_job")
            try:
                with open_instance(paths.dagster_home) as instance:
                    runs = _Launcher(instance, RunSummary(plan_month=month), False, paths.work_db)
                    record_decisions(runs, job, paths, month)
                    next_month = add_months(month, 1)
                    from sop_pipeline.decisions.assets import DECISIONS_APPLIED
                    from sop_pipeline.lib.instance import materialized_months

                    next_planned = next_month in materialized_months(instance, DECISIONS_APPLIED)
            except BaseException:
                if before is None:
                    path.unlink(missing_ok=True)
                else:
                    path.write_bytes(before)
                raise
    except WarehouseBusy as exc:
        raise PipelineFailed(str(exc), exit_code=3) from exc
    mine = records[records["issue"] == rows["issue"].iloc[-1]]
    return Recorded(month, mine.iloc[0], next_planned, path)


def decided_lines(result: Recorded) -> list[str]:
    """What ``decide`` prints: the decision, its action and when it is applied."""
    record, month = result.record, result.month
    following = folder_name(add_months(month, 1))
    lines = [
        f"recorded       {folder_name(month)} meeting: {record['issue']} -> {record['option']}",
        f"decision       {record['decision'] or record['option']}",
        f"expected       {record['expected_margin_vs_base']:+,.0f} margin against plan to base, "
        f"{record['expected_extra_cash_peak']:,.0f} extra stock at peak",
        f"action         {record['action_id']}, owner {record['owner']}, due {record['due_date']}",
        f"file           {result.path}",
    ]
    if result.next_planned:
        lines.append(
            f"applied        not yet: {following} was planned before this decision (stale in "
            f"the Dagster UI); sop-pipeline run --month {following} applies it"
        )
    else:
        lines.append(
            f"applied        when {following} is planned (sop-pipeline run, once {following} "
            "closes)"
        )
    return lines
