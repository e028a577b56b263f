"""Invisible characters in codes are shown escaped in messages."""

import pytest

from sop_pipeline.lib.visible import visible


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("FG-001", "FG-001"),
        ("FG-001\u200b", "FG-001\\u200b"),  # zero-width space
        ("\ufeffFG-001", "\\ufeffFG-001"),  # byte-order mark
        ("FG\u00a0001", "FG\\xa0001"),  # no-break space
        ("FG\t001", "FG\\t001"),
        ("Vitamin C Serum", "Vitamin C Serum"),  # ordinary spaces stay
        ("Crème solaire", "Crème solaire"),  # accented letters are visible
        ("FG\u2060001", "FG\\u2060001"),  # word joiner
        (42, "42"),
    ],
)
def test_invisible_characters_are_escaped(raw: object, shown: str) -> None:
    assert visible(raw) == shown
