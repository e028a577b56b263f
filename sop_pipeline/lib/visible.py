"""Show text from input files so that what a person reads is what the file holds."""

from __future__ import annotations

import unicodedata


def visible(value: object) -> str:
    """``value`` as text with every invisible or non-printing character escaped (``\\u200b``,
    ``\\t``, ``\\xa0`` ...): an item code with a zero-width space then no longer looks
    identical to the real one in an error message. Ordinary spaces stay as they are."""
    text = str(value)
    if text.isprintable() and not any(_hidden(ch) for ch in text):
        return text
    return "".join(
        _escape(ch) if ch != " " and (_hidden(ch) or not ch.isprintable()) else ch for ch in text
    )


def _hidden(ch: str) -> bool:
    # format characters (zero-width space/joiners, BOM, bidi marks) and unusual spaces
    return unicodedata.category(ch) in {"Cf", "Zs", "Zl", "Zp", "Cc"} and ch != " "


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return {"\t": "\\t", "\n": "\\n", "\r": "\\r"}.get(ch, f"\\x{code:02x}")
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
