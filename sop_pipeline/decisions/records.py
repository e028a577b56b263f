"""The meeting's decisions: the file a month folder keeps them in and the rules each must meet.

The meeting of plan month M decides among M's options (``sop_mart.scenario_options``). Its
decisions live in ``M/decisions.csv`` - one row per issue, written by ``sop-pipeline decide``
or by hand - with the columns ``issue`` (the id top_issues and scenario_options show, e.g.
``component:PK-010``, or the issue's rank on M's agenda), ``option``, ``owner``, and optionally
``due_date`` (YYYY-MM-DD; default: ``decisions.action_days`` after the meeting), ``note`` and
``status`` (``open`` or ``done``, the state of the action the decision creates; default open).

A decision is accepted only when its issue is one of M's, its option is listed for that issue
and feasible, it names an owner, its due date is a date not before the meeting, and no other
row decides the same issue. A file that breaks a rule is refused whole, with the file, the
rule and the rows named.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

DECISIONS_FILE = "decisions.csv"
COLUMNS = ("issue", "option", "owner", "due_date", "note", "status")
REQUIRED = ("issue", "option", "owner")
STATUSES = ("open", "done")
RECORD_COLUMNS = [
    "decision_id",
    "action_id",
    "issue",
    "category",
    "subject",
    "option",
    "owner",
    "due_date",
    "status",
    "note",
    "decision",
    "first_month",
    "last_month",
    "expected_margin_vs_base",
    "expected_extra_cash_peak",
]
"""A recorded decision (``raw.decisions``, one row per decision of a meeting)."""


class DecisionError(ValueError):
    """A decision (or a decisions file) breaks a rule; the message names file, rule and rows."""


@dataclass(frozen=True)
class Meeting:
    """What the meeting of ``month`` could decide: its options and its agenda's ranks."""

    month: dt.date
    options: pd.DataFrame  # scenario_options of the month
    ranks: dict[int, str]  # top_issues: rank -> issue
    date: dt.date  # the meeting (plan-month end + the grace days)


def meeting_date(month: dt.date, grace_days: int) -> dt.date:
    """The day the meeting of ``month`` is assumed to take place: the month's last day plus
    ``grace_days`` (the action log's convention)."""
    following = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1) + dt.timedelta(days=grace_days)


def decisions_path(month_folder: Path) -> Path:
    return month_folder / DECISIONS_FILE


def read_decisions_file(path: Path) -> pd.DataFrame:
    """The rows of a decisions file as text (blank cells empty); none when it is absent.

    Raises:
        DecisionError: when the file cannot be read as CSV or lacks a required column.
    """
    if not path.is_file():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS})
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DecisionError(f"{path}: check 'file_readable': {exc}") from exc
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DecisionError(
            f"{path}: check 'required_columns': missing {', '.join(missing)} "
            f"(columns: {', '.join(COLUMNS)})"
        )
    for column in COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    return frame[list(COLUMNS)].apply(lambda c: c.astype(str).str.strip())


def _resolve_issue(text: str, meeting: Meeting) -> str:
    """An issue id as given: ``component:PK-010``, or a rank on the agenda (``1``)."""
    if text.isdigit() and int(text) in meeting.ranks:
        return meeting.ranks[int(text)]
    return text


def _label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


def check_decisions(
    frame: pd.DataFrame, meeting: Meeting, where: str, action_days: int
) -> pd.DataFrame:
    """The decisions of ``frame`` (rows of a decisions file) as records
    (:data:`RECORD_COLUMNS`), checked against the meeting's options.

    Raises:
        DecisionError: naming ``where``, every rule broken and its rows (file row numbers,
            the header being row 1).
    """
    options = meeting.options
    issues = sorted(options["issue"].unique()) if len(options) else []
    problems: dict[str, list[str]] = {}

    def fail(check: str, row: int, text: str) -> None:
        problems.setdefault(check, []).append(f"row {row}: {text}")

    records = []
    seen: dict[str, int] = {}
    for position, row in enumerate(frame.itertuples(index=False), start=2):
        issue = _resolve_issue(row.issue, meeting)
        empty = [c for c in REQUIRED if not getattr(row, c)]
        if empty:
            fail("required_values", position, f"{', '.join(empty)} empty")
            continue
        if issue not in issues:
            listed = ", ".join(issues[:8]) if issues else "none"
            fail(
                "issue_known",
                position,
                f"issue '{row.issue}' is not an issue of the {_label(meeting.month)} meeting "
                f"(its issues: {listed}; or a rank 1-{len(meeting.ranks)} of its agenda)",
            )
            continue
        if issue in seen:
            fail(
                "one_decision_per_issue", position, f"{issue} is also decided on row {seen[issue]}"
            )
            continue
        seen[issue] = position
        listed = options[options["issue"] == issue].set_index("option")
        if row.option not in listed.index:
            fail(
                "option_listed",
                position,
                f"option '{row.option}' is not listed for {issue} "
                f"(listed: {', '.join(listed.index)})",
            )
            continue
        option = listed.loc[row.option]
        if not bool(option["is_feasible"]):
            why = str(option.get("note") or "").strip()
            fail(
                "option_feasible",
                position,
                f"{row.option} is not feasible for {issue}" + (f": {why}" if why else ""),
            )
            continue
        due = meeting.date + dt.timedelta(days=action_days)
        if row.due_date:
            try:
                due = dt.date.fromisoformat(row.due_date)
            except ValueError:
                fail("due_date_valid", position, f"due date '{row.due_date}' is not YYYY-MM-DD")
                continue
            if due < meeting.date:
                fail(
                    "due_date_valid",
                    position,
                    f"due date {due} is before the meeting ({meeting.date})",
                )
                continue
        status = row.status or "open"
        if status not in STATUSES:
            fail("status_allowed", position, f"status '{row.status}' is not open or done")
            continue
        month = _label(meeting.month)
        records.append(
            {
                "decision_id": f"{month}:{issue}",
                "action_id": f"D-{month}-{issue}",
                "issue": issue,
                "category": str(option["category"]),
                "subject": str(option["item"]),
                "option": row.option,
                "owner": row.owner,
                "due_date": due,
                "status": status,
                "note": row.note,
                "decision": str(option["decision"] or ""),
                "first_month": pd.Timestamp(option["first_month"]).date(),
                "last_month": pd.Timestamp(option["last_month"]).date(),
                "expected_margin_vs_base": float(option["margin_vs_base"]),
                "expected_extra_cash_peak": float(option["extra_inventory_cash_peak"]),
            }
        )
    if problems:
        lines = [f"{where}: the decisions are refused, nothing is recorded:"]
        for check, rows in problems.items():
            lines.append(f"  check '{check}': " + "; ".join(rows))
        raise DecisionError("\n".join(lines))
    out = pd.DataFrame(records, columns=RECORD_COLUMNS)
    return out.astype({"expected_margin_vs_base": float, "expected_extra_cash_peak": float})


def write_decisions_file(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` (the file's columns) to ``path`` atomically: a reader sees the old file
    or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".decisions-", suffix=".csv", dir=path.parent)
    try:
        with os.fdopen(handle, "w", newline="") as out:
            frame[list(COLUMNS)].to_csv(out, index=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def with_decision(frame: pd.DataFrame, row: dict[str, str], meeting: Meeting) -> pd.DataFrame:
    """The file's rows with ``row`` added.

    Raises:
        DecisionError: when the file already decides the same issue (the new decision would
            silently undo the earlier one).
    """
    issue = _resolve_issue(row["issue"], meeting)
    taken = frame["issue"].map(lambda text: _resolve_issue(text, meeting)) == issue
    if taken.any():
        earlier = frame[taken].iloc[0]
        raise DecisionError(
            f"the {_label(meeting.month)} meeting already decided {issue}: "
            f"{earlier['option']} (owner {earlier['owner']}); edit or remove that row of "
            f"{DECISIONS_FILE} to change it"
        )
    added = {c: str(row.get(c, "") or "") for c in COLUMNS}
    added["issue"] = issue
    return pd.concat([frame, pd.DataFrame([added])], ignore_index=True)[list(COLUMNS)]
