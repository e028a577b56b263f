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
    return "\n".join(lines)


if (
    __name__ == "__main__"
):  # from the repository's root: python -m sop_pipeline.ingest.contract_doc [path]
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/INPUTS.md")
    target.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {target}")
