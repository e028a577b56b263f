"""The generated documents are up to date with the code they describe."""

from __future__ import annotations

from pathlib import Path

from sop_pipeline import data_dictionary
from sop_pipeline.ingest import contract_doc

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_data_dictionary_doc_is_current() -> None:
    assert (DOCS / "DATA_DICTIONARY.md").read_text() == data_dictionary.render_markdown(), (
        "run: python -m sop_pipeline.data_dictionary"
    )


def test_inputs_doc_is_current() -> None:
    assert (DOCS / "INPUTS.md").read_text() == contract_doc.render_markdown(), (
        "run: python -m sop_pipeline.ingest.contract_doc"
    )
