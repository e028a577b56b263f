"""Write ``docs/INPUTS.md``: the input files, their columns and the validation rules.

Run ``python -m sop_pipeline.ingest.contract_doc`` after changing the contract or the rules.
"""

from pathlib import Path

from sop_pipeline.ingest.contract import INPUT_FILES, Kind
from sop_pipeline.validate.rules import ALL_RULES

KIND_WORDS = {
    Kind.TEXT: "text",
    Kind.NUMBER: "number",
    Kind.DATE: "date YYYY-MM-DD",
    Kind.MONTH: "month YYYY-MM",
}


def render_markdown() -> str:
    """The input contract as Markdown."""
    lines = [
        "# Input files",
        "",
        "Generated from `sop_pipeline/ingest/contract.py` and `sop_pipeline/validate/rules.py` by "
        "`python -m sop_pipeline.ingest.contract_doc`.",
        "",
        "A data directory holds `master/` and one folder per closed month, `YYYY-MM/`, complete "
        "when it holds an empty `_CLOSED` file. Each file may be CSV (UTF-8, header line) or "
        "Parquet with the same name; extra columns are kept in `raw` and ignored. A master file "
        "placed in a month folder overrides `master/` for that month.",
        "",
    ]
    for spec in INPUT_FILES:
        where = "master/ (or a month folder)" if spec.scope.value == "master" else "YYYY-MM/"
        presence = "required" if spec.required else "optional"
        key = f"; one row per {' + '.join(spec.key)}" if spec.key else ""
        text = spec.description[:1].upper() + spec.description[1:]
        lines += [f"## `{spec.filename}`", "", f"{text}. In {where}, {presence}{key}."]
        lines += ["", "| column | required | type | rule |", "|---|---|---|---|"]
        for column in spec.columns:
            rule = []
            if column.not_null:
                rule.append("never blank")
            if column.allowed:
                rule.append("one of " + ", ".join(f"`{v}`" for v in column.allowed))
            if column.min_value is not None:
                sign = ">" if column.min_exclusive else ">="
                rule.append(f"{sign} {column.min_value:g}")
            if column.max_value is not None:
                rule.append(f"<= {column.max_value:g}")
            if column.note:
                rule.append(column.note)
            required = "**yes**" if column.required else ""
            lines.append(
                f"| `{column.name}` | {required} | {KIND_WORDS[column.kind]} | {'; '.join(rule)} |"
            )
        lines += ["", "Checks (errors stop the month; warnings are reported only):", ""]
        for rule in ALL_RULES[spec.name]:
            lines.append(f"- `{rule.name}` ({rule.severity.value}): {rule.description}")
        lines.append("")
    lines += DECISIONS_DOC
    return "\n".join(lines)


DECISIONS_DOC = [
    "## `decisions.csv`",
    "",
    "What the month's S&OP meeting decided, written by `sop-pipeline decide` or by hand. In "
    "YYYY-MM/ (the meeting's plan month), optional; one row per issue. It is not part of the "
    "month's ingestion: it is recorded after the month is planned (by `decide`, or by `run` "
    "before it plans the next month) and applied to the next month's plan.",
    "",
    "| column | required | type | rule |",
    "|---|---|---|---|",
    "| `issue` | **yes** | text | an issue of the month's meeting (`top_issues.issue`, e.g. "
    "`component:PK-010`) or its rank on the agenda |",
    "| `option` | **yes** | text | an option `scenario_options` lists as feasible for the issue |",
    "| `owner` | **yes** | text | never blank |",
    "| `due_date` |  | date YYYY-MM-DD | not before the meeting (plan-month end + "
    "`meeting.overdue_grace_days`); blank: `decisions.action_days` after it |",
    "| `note` |  | text |  |",
    "| `status` |  | text | one of `open`, `done` (the action's; blank: `open`) |",
    "",
    "Checks (any error refuses the whole file; nothing is recorded): `required_values`, "
    "`issue_known`, `one_decision_per_issue`, `option_listed`, `option_feasible`, "
    "`due_date_valid`, `status_allowed`, `month_planned` (the month has been planned).",
    "",
]


if (
    __name__ == "__main__"
):  # from the repository's root: python -m sop_pipeline.ingest.contract_doc [path]
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/INPUTS.md")
    target.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {target}")
