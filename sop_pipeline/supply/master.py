"""The item master, checked and completed with the defaults the planning functions rely on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.supply._common import require_columns

ITEM_TYPES = ("finished_good", "component")
ITEM_COLUMNS = ("item", "item_type", "unit_cost", "lead_time_days")


def prepare_items(items: pd.DataFrame, default_service_level: float = 0.95) -> pd.DataFrame:
    """Check the item master and fill the documented defaults; index by item.

    Defaults: ``lead_time_days``, ``lead_time_std_days`` missing → 0; ``moq`` missing → 0 (no
    minimum); ``order_multiple`` missing → 0 (no rounding); ``service_level`` missing →
    ``default_service_level``; ``status`` missing → ``active``; ``unit_price`` missing stays NaN
    (revenue unknown); ``shelf_life_days`` missing means the item does not expire.

    Raises:
        ValueError: on missing columns, duplicate items, an unknown item type or status, a
            negative cost, lead time, MOQ or order multiple, or a service level outside (0, 1).
    """
    require_columns(items, ITEM_COLUMNS, "items")
    _check_service_level(default_service_level, "default_service_level")
    frame = items.copy()
    frame["item"] = frame["item"].astype(str)
    dup = frame["item"][frame["item"].duplicated()]
    if len(dup):
        raise ValueError(f"items has duplicate item(s), e.g. {', '.join(dup.unique()[:5])}")
    bad_type = frame.loc[~frame["item_type"].isin(ITEM_TYPES), "item"]
    if len(bad_type):
        raise ValueError(f"items has item_type outside {ITEM_TYPES} for {', '.join(bad_type[:5])}")
    for col in (
        "unit_price",
        "lead_time_std_days",
        "moq",
        "order_multiple",
        "shelf_life_days",
        "service_level",
    ):
        if col not in frame.columns:
            frame[col] = np.nan
    if "status" not in frame.columns:
        frame["status"] = "active"
    if "family" not in frame.columns:
        frame["family"] = None
    numeric = [
        "unit_cost",
        "unit_price",
        "lead_time_days",
        "lead_time_std_days",
        "moq",
        "order_multiple",
        "shelf_life_days",
        "service_level",
    ]
    for col in numeric:
        frame[col] = pd.to_numeric(frame[col], errors="raise").astype(float)
        negative = frame.loc[frame[col] < 0, "item"]
        if len(negative):
            raise ValueError(f"items.{col} is negative for {', '.join(negative[:5])}")
    frame["status"] = frame["status"].fillna("active")
    bad_status = frame.loc[~frame["status"].isin(("active", "phase_out")), "item"]
    if len(bad_status):
        raise ValueError(
            f"items.status must be 'active' or 'phase_out' ({', '.join(bad_status[:5])})"
        )
    for col in ("lead_time_days", "lead_time_std_days", "moq", "order_multiple"):
        frame[col] = frame[col].fillna(0.0)
    frame["service_level"] = frame["service_level"].fillna(default_service_level)
    _check_service_level(frame["service_level"].to_numpy(), "items.service_level")
    return frame.set_index("item", drop=False)


def _check_service_level(value: float | np.ndarray, name: str) -> None:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if np.any(~((arr > 0) & (arr < 1))):
        raise ValueError(f"{name} must be a fraction strictly between 0 and 1 (0.95 = 95 %)")
