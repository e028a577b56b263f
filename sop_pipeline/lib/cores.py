"""How many processes or threads a ``-1 or >= 1`` setting means on this machine."""

from __future__ import annotations

import os


def cores(setting: int) -> int:
    """``-1``: one per core of this machine; any other value as it is."""
    return (os.cpu_count() or 1) if setting == -1 else setting
