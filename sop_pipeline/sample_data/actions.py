"""The S&OP action and decision log kept by the coordinator."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.sample_data import vocab
from sop_pipeline.sample_data.months import MonthAxis, days_to_iso

ACTION_COLUMNS = ("action_id", "opened_month", "topic", "owner", "due_date", "status", "decision")
REVIEW_DAY = 14  # the log is read mid-month after the last close
TEMPLATES: tuple[tuple[str, str, str], ...] = (
    (
        "Sell-off plan for phase-out item {phase_out}",
        "sales",
        "Clear via webshop outlet at -40 %; no further production",
    ),
    (
        "Confirm launch volumes for {launch}",
        "marketing",
        "Launch build of three months of cover approved",
    ),
    ("Second source for {glass}", "procurement", "Qualify supplier B; trial order next quarter"),
    (
        "Supplier surcharge on {raw}",
        "procurement",
        "Accept for one month; renegotiate the annual contract",
    ),
    (
        "Build sun care stock ahead of the season",
        "production",
        "Pre-build six weeks of the SPF range from March",
    ),
    (
        "Revenue gap against plan in {family}",
        "finance",
        "Reforecast shown to the board; plan unchanged",
    ),
    (
        "Clear expiring lots of {perishable}",
        "quality",
        "Use in the next two bulk batches; write off the rest",
    ),
    (
        "Stock-out root cause on {stockout}",
        "planner",
        "Batch size halved; weekly filling slot booked",
    ),
    ("Listing at Nordic Pharmacy Group", "kam", "Listing confirmed from next quarter"),
    (
        "Gift set bill of materials for Q4",
        "marketing",
        "Three-mini format kept; gift box artwork approved",
    ),
    (
        "Filling line capacity in Q4",
        "production",
        "Second shift on Fridays in November and December",
    ),
    (
        "Late purchase orders for {glass}",
        "procurement",
        "Weekly supplier call until the backlog clears",
    ),
    (
        "Forecast bias review for {family}",
        "planner",
        "Sales overrides need a named reason from now on",
    ),
    ("Salon minimum order quantities", "sales", "Salon MOQ of six units introduced"),
    (
        "Cash tied up in inventory above target",
        "finance",
        "Cap raw-material buys at eight weeks of cover",
    ),
    (
        "Label artwork change for EU regulation",
        "quality",
        "New labels phased in as old stock runs out",
    ),
    ("Marketplace fees and pricing", "sales", "Keep list price; trim the marketplace assortment"),
    ("Safety stock for the professional range", "planner", "Service target 90 % for salon sizes"),
)


def _statuses(
    opened: np.ndarray, due: np.ndarray, review: int, rng: np.random.Generator
) -> np.ndarray:
    """Done or open, with at least two overdue, two not yet due and three done."""
    late = due < review
    status = np.where(late, np.where(rng.random(len(due)) < 0.7, "done", "open"), "open")
    status[~late & (rng.random(len(due)) < 0.15)] = "done"
    order = np.argsort(-opened, kind="stable")
    if ((status == "open") & ~late).sum() < 2:
        for k in order[:2]:
            due[k] = max(due[k], review + 7 + int(rng.integers(0, 40)))
            status[k] = "open"
    late = due < review
    if ((status == "open") & late).sum() < 2:
        for k in np.flatnonzero(late)[::-1][:2]:
            status[k] = "open"
    if (status == "done").sum() < 3:
        for k in np.flatnonzero(late)[:3]:
            status[k] = "done"
    return status


def action_log(
    subjects: dict[str, str], n_fg: int, axis: MonthAxis, rng: np.random.Generator
) -> pd.DataFrame:
    """Actions opened over the last year, as of mid-month after the last close.

    Args:
        subjects: text for the template fields (``phase_out``, ``launch``, ``glass``, ``raw``,
            ``family``, ``perishable``, ``stockout``).
        n_fg: number of finished goods (bigger companies keep longer logs).
        axis: the month axis.
        rng: the random generator of this stage.
    """
    n = len(TEMPLATES) + min(64, n_fg // 200)
    first = max(0, axis.n_hist - 12)
    opened = np.sort(rng.integers(first, axis.n_hist, n))
    due = axis.end_days[opened] + rng.integers(14, 80, n)
    review = int(axis.start_days[axis.n_hist]) + REVIEW_DAY
    status = _statuses(opened, due, review, rng)
    rows = []
    shuffled = rng.permutation(len(TEMPLATES))
    for k in range(n):
        topic, role, decision = TEMPLATES[shuffled[k % len(TEMPLATES)]]
        topic = topic.format(**subjects) + (" (follow-up)" if k >= len(TEMPLATES) else "")
        rows.append((topic, vocab.PEOPLE[role], decision if status[k] == "done" else None))
    years = axis.months[opened].astype("datetime64[Y]").astype(np.int64) + 1970
    seq = pd.Series(years).groupby(years).cumcount().to_numpy() + 1
    frame = pd.DataFrame(rows, columns=["topic", "owner", "decision"])
    frame.insert(0, "action_id", [f"A-{y}-{s:03d}" for y, s in zip(years, seq, strict=True)])
    frame.insert(1, "opened_month", axis.labels[opened])
    frame["due_date"] = days_to_iso(due)
    frame["status"] = status
    return frame[list(ACTION_COLUMNS)]
