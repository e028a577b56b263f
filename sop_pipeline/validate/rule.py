"""What a validation rule is: a name, a severity, the files it applies to and how it checks them.

Two kinds: a :class:`FileRule` reads the load log (present, readable, not empty, columns); a
:class:`RowRule` derives the columns it needs from the rows and checks them with Great
Expectations expectations, each naming its rule and the problem in words (see
:mod:`.gx_runner`). A :class:`FlagRule` is the common row rule whose derived column says, row by
row, whether the row passes. The rules themselves are in :mod:`.rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

import pandas as pd

from sop_pipeline.ingest.contract import InputFile


class Severity(StrEnum):
    ERROR = "error"  # blocks everything downstream of the month
    WARNING = "warning"  # reported only


@dataclass(frozen=True)
class Context:
    """What a row rule may look at besides the file's own rows."""

    items: pd.DataFrame  # the item master of the months checked (``plan_month``, ``item``, ...)
    horizon_months: int  # how far ahead forecast overrides may reach
    resources: pd.DataFrame | None = None  # resources.csv of the months (``plan_month, resource``)
    last_month: pd.Timestamp | None = None  # the latest month checked (master files are checked
    # once, at the first month they serve, and serve every month up to this one)


@dataclass(frozen=True)
class Finding:
    """A file-level rule's failure: what is wrong, in which months and files."""

    message: str
    months: list[dt.date]
    paths: list[str]


class Rule:
    """One validation rule. Subclasses set the class attributes and implement the check.

    ``description`` is one sentence for every input file, or ``{file name: sentence}`` for the
    files the rule applies to (the default :meth:`applies_to`).
    """

    name: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    description: ClassVar[str | Mapping[str, str]]

    def applies_to(self, spec: InputFile) -> bool:
        """Whether the rule checks ``spec``."""
        return isinstance(self.description, str) or spec.name in self.description

    def describe(self, spec: InputFile) -> str:
        """What the rule checks in ``spec``, in one sentence."""
        if isinstance(self.description, str):
            return self.description
        return self.description[spec.name]


class FileRule(Rule):
    """A rule read off the load log: one row per file and month (``plan_month, file,
    source_path, status, error, columns, row_count``)."""

    def check(self, spec: InputFile, log: pd.DataFrame) -> Finding | None:
        """The failure, or None when every month passes."""
        raise NotImplementedError


class RowRule(Rule):
    """A rule checked on the rows: ``derive`` adds the columns its expectations read."""

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        """Add derived columns to ``frame`` (in place); by default none."""

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        """The Great Expectations expectations of the rule (see :func:`expect`)."""
        raise NotImplementedError

    def detail(self, frame: pd.DataFrame, spec: InputFile) -> str:
        """Words appended to a failure's message; by default none."""
        return ""


class FlagRule(RowRule):
    """A row rule that is one flag per row: :meth:`flag` is True where the row passes.

    ``column`` is the input column the message names; ``problem`` says what is wrong with a
    failing row (``{horizon}`` is replaced by the forecast horizon in months).
    """

    column: ClassVar[str]
    problem: ClassVar[str]

    @property
    def flag_column(self) -> str:
        return f"_{self.name}"

    def flag(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> pd.Series:
        raise NotImplementedError

    def derive(self, frame: pd.DataFrame, spec: InputFile, context: Context) -> None:
        frame[self.flag_column] = self.flag(frame, spec, context)

    def expectations(self, spec: InputFile, context: Context) -> list[Any]:
        problem = self.problem.format(horizon=context.horizon_months)
        return [passes(self.flag_column, self.name, self.column, problem)]


def expect(kind: str, rule: str, about: str, problem: str, **kwargs: Any) -> Any:
    """A Great Expectations expectation of class ``kind`` whose ``meta`` names the rule, the
    input column it is ``about`` and the problem of a failing row."""
    import great_expectations as gx

    meta = {"rule": rule, "column": about, "problem": problem}
    return getattr(gx.expectations, kind)(meta=meta, **kwargs)


def passes(flag_column: str, rule: str, about: str, problem: str) -> Any:
    """The expectation that a derived True/False column is True on every row."""
    return expect(
        "ExpectColumnValuesToBeInSet", rule, about, problem, column=flag_column, value_set=[True]
    )


def source_paths(log: pd.DataFrame, months: Sequence[pd.Timestamp] | None = None) -> list[str]:
    """The source files of the load log's rows (of ``months`` only, when given), sorted."""
    rows = log if months is None else log[log["plan_month"].isin(months)]
    return sorted({p for p in rows["source_path"].dropna()})
