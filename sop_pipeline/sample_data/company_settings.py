"""The company's ``settings.yaml``: the targets that differ from the defaults, sized to it.

``sop_pipeline.settings`` holds the defaults; a company changes them in ``<data dir>/settings.yaml``
(unknown keys are errors there). The generated company writes only the values its size makes
different: the cash it wants to free from inventory, the excess and obsolete stock it accepts,
and the revenue change that makes a forecast change worth discussing.
"""

from __future__ import annotations

import math
from pathlib import Path

SETTINGS_FILE = "settings.yaml"
CASH_SHARE = 1 / 6  # free about a sixth of the stock's value
EXCESS_SHARE = 0.04  # excess and obsolete stock accepted, share of the stock's value
EXCEPTION_SHARE = 0.25  # of an average finished good's monthly revenue


def round_target(value: float) -> int:
    """``value`` to one significant digit (40,233 -> 40,000; 9,656 -> 10,000), at least 1."""
    if value < 1:
        return 1
    return int(round(value, -int(math.floor(math.log10(value)))))


def settings_text(
    inventory_value: float, annual_revenue: float, n_finished_goods: int, last_month: str
) -> str:
    """The commented YAML for a company of this size at the close of ``last_month``."""
    cash = round_target(CASH_SHARE * inventory_value)
    excess = round_target(EXCESS_SHARE * inventory_value)
    item_month = annual_revenue / 12 / max(n_finished_goods, 1)
    change = round_target(EXCEPTION_SHARE * item_month)
    return f"""\
# Planning settings of the sample company, written by `python -m sop_pipeline.sample_data`.
# Only the values that differ from the defaults in sop_pipeline/settings.py. Sized at the
# {last_month} close: inventory {inventory_value:,.0f} at cost, net revenue {annual_revenue:,.0f}
# over the last 12 months, {n_finished_goods} finished goods.
exceptions:
  # a forecast change is discussed from this revenue (and 25 %): a quarter of the average
  # finished good's monthly revenue ({item_month:,.0f})
  change_revenue: {change}
kpi_targets:
  # free about a sixth of the stock ({inventory_value:,.0f} at the close) by a year after the
  # path's baseline: the stock counted at the first plan month planned, less this
  cash_reduction: {cash}
  # excess, expiring and obsolete stock accepted: about 4 % of the stock
  excess_obsolete_value: {excess}
"""


def write_settings(
    out_dir: Path,
    inventory_value: float,
    annual_revenue: float,
    n_finished_goods: int,
    last_month: str,
) -> Path:
    """Write ``out_dir/settings.yaml`` (replacing a previous one)."""
    path = Path(out_dir) / SETTINGS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    text = settings_text(inventory_value, annual_revenue, n_finished_goods, last_month)
    path.write_text(text, encoding="utf-8")
    return path
