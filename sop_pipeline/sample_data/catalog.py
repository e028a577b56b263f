"""The finished goods of the sample company: families, formulas, sizes and demand archetypes.

The frame holds the columns of the input contract's ``items.csv`` plus private ``_`` columns
(demand shape, channel mix, planning parameters) that the other generator modules read and the
writer drops.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sop_pipeline.sample_data import vocab
from sop_pipeline.sample_data.months import MonthAxis

REGULAR = ("Face Care", "Body Care", "Sun Care", "Hair Care")
LEVELS = {  # units a month at the end of history: (low, high), drawn log-uniform
    "Face Care": (250, 2500),
    "Body Care": (200, 1800),
    "Sun Care": (400, 2500),
    "Hair Care": (200, 1500),
    "Gift Sets": (150, 700),
    "Professional": (4, 30),
}
NOT_LOT_CONTROLLED = ("Hair Care", "Gift Sets")
LAUNCH_HISTORY = (2, 4, 6, 3, 5)  # months of history of the launches, in turn


def family_counts(n_items: int) -> list[int]:
    """Finished goods per base family (largest remainder; every family gets one if it can)."""
    shares = np.array([f[2] for f in vocab.FAMILIES])
    raw = shares / shares.sum() * n_items
    counts = np.floor(raw).astype(int)
    if n_items >= len(shares):
        counts = np.maximum(counts, 1)
    while counts.sum() < n_items:
        counts[np.argmax(raw - counts)] += 1
    while counts.sum() > n_items:
        counts[np.argmax(counts)] -= 1
    return counts.tolist()


def _variant_name(name: str, k: int, n_vocab: int) -> str:
    """The k-th use of a formula name: the name, then scented or numbered variants."""
    round_ = k // n_vocab
    if round_ == 0:
        return name
    variants = vocab.FORMULA_VARIANTS
    suffix = variants[(round_ - 1) % len(variants)]
    edition = (round_ - 1) // len(variants)
    return f"{name} {suffix}" + (f" {edition + 1}" if edition else "")


def _regular_rows(base: str, line: str, n: int) -> list[dict]:
    """``n`` finished goods of a regular family line, formula by formula, size by size."""
    formulas = vocab.FORMULAS[base]
    rows: list[dict] = []
    k = 0
    while len(rows) < n:
        name, fmt, sizes, base_type = formulas[k % len(formulas)]
        name = _variant_name(name, k, len(formulas))
        label = f"{line} {name}" if line else name
        for size in sizes:
            if len(rows) == n:
                break
            rows.append(
                {
                    "description": f"{label} {size} ml",
                    "_formula": f"{base}|{line}|{name}",
                    "_formula_name": label,
                    "_format": fmt,
                    "_size_ml": size,
                    "_base_type": base_type,
                }
            )
        k += 1
    return rows


def _gift_rows(line: str, n: int) -> list[dict]:
    names = vocab.GIFT_SETS
    rows = []
    for k in range(n):
        name = _variant_name(names[k % len(names)], k, len(names))
        label = f"{line} {name}" if line else name
        rows.append({"description": label, "_format": "gift", "_size_ml": 0})
    return rows


def _pro_rows(n: int, regular: pd.DataFrame, rng: np.random.Generator) -> list[dict]:
    """Salon and spa bulk sizes, filled from the formulas of the retail range."""
    formulas = regular.drop_duplicates("_formula")
    suited = formulas["_format"].isin(["jar", "bottle", "tube"]) & (formulas["_base_type"] != "oil")
    formulas = formulas[suited]
    if formulas.empty:
        formulas = regular.drop_duplicates("_formula")
    order = rng.permutation(len(formulas)) if len(formulas) else np.array([], int)
    rows = []
    for k in range(n):
        fmt, size = vocab.PRO_SIZES[k % len(vocab.PRO_SIZES)]
        row = {"_format": fmt, "_size_ml": size}
        if len(order):
            src = formulas.iloc[order[k % len(order)]]
            row |= {"_formula": src["_formula"], "_base_type": src["_base_type"]}
            name = src["_formula_name"]
        else:
            row |= {"_formula": f"Professional||{k}", "_base_type": "cream"}
            name = "Massage Lotion"
        row["description"] = f"{name} Pro {size // 1000} L"
        rows.append(row)
    return rows


def _family_frame(n_items: int, rng: np.random.Generator) -> pd.DataFrame:
    """Descriptions, families and formulas of all finished goods, family by family."""
    n_lines = int(np.clip(n_items // 1000, 1, len(vocab.FAMILY_LINES)))
    lines = vocab.FAMILY_LINES[:n_lines]
    parts: list[pd.DataFrame] = []
    pro_count = 0
    for (base, prefix, _, season), count in zip(
        vocab.FAMILIES, family_counts(n_items), strict=True
    ):
        if base == "Professional":
            pro_count = count
            continue
        per_line = np.diff(np.linspace(0, count, n_lines + 1).round().astype(int))
        for line, n in zip(lines, per_line, strict=True):
            if n == 0:
                continue
            rows = _gift_rows(line, n) if base == "Gift Sets" else _regular_rows(base, line, n)
            frame = pd.DataFrame(rows)
            frame["family"] = f"{base} {line}" if line else base
            frame["_base_family"], frame["_prefix"], frame["_season"] = base, prefix, season
            parts.append(frame)
    regular = pd.concat(parts, ignore_index=True)
    regular = regular[regular["_base_family"].isin(REGULAR)]
    if pro_count:
        pro = pd.DataFrame(_pro_rows(pro_count, regular, rng))
        pro["family"], pro["_base_family"] = "Professional", "Professional"
        pro["_prefix"], pro["_season"] = "PR", "spa"
        parts.append(pro)
    frame = pd.concat(parts, ignore_index=True)
    width = max(3, len(str(n_items)))
    frame.insert(0, "item", [f"{p}-{i + 1:0{width}d}" for i, p in enumerate(frame["_prefix"])])
    return frame


def _pick(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    n = min(n, len(pool))
    return np.sort(rng.choice(pool, size=n, replace=False)) if n else np.array([], dtype=int)


def _archetypes(fg: pd.DataFrame, axis: MonthAxis, rng: np.random.Generator) -> None:
    """Demand shape per item: trend, launches, the phase-out, intermittent B2B."""
    n = len(fg)
    base = fg["_base_family"].to_numpy()
    arche = np.where(base == "Professional", "intermittent", "flat").astype(object)
    arche[np.isin(base, ["Sun Care", "Gift Sets"])] = "seasonal"
    regular = np.flatnonzero(np.isin(base, ["Face Care", "Body Care", "Hair Care"]))
    draw = rng.random(len(regular))
    arche[regular[draw < 0.3]] = "trend_up"
    arche[regular[(draw >= 0.3) & (draw < 0.5)]] = "trend_down"
    launch_idx = np.full(n, -1)
    if axis.n_hist >= 3:
        n_launch = max(2, round(0.07 * n)) if n >= 8 else 1
        launches = _pick(rng, regular, n_launch)
        hist = np.array([min(h, axis.n_hist - 1) for h in LAUNCH_HISTORY])
        launch_idx[launches] = axis.n_hist - hist[np.arange(len(launches)) % len(hist)]
        arche[launches] = "launch"
    pool = np.setdiff1d(regular, np.flatnonzero(launch_idx >= 0))
    arche[_pick(rng, pool, max(1, round(0.025 * n)))] = "phase_out"
    trend = rng.normal(0.0, 0.002, n)
    trend[arche == "trend_up"] = rng.uniform(0.015, 0.035, (arche == "trend_up").sum())
    trend[arche == "trend_down"] = rng.uniform(-0.025, -0.01, (arche == "trend_down").sum())
    lo_hi = np.array([LEVELS[b] for b in base], dtype=float)
    level = np.exp(rng.uniform(np.log(lo_hi[:, 0]), np.log(lo_hi[:, 1])))
    level[arche == "launch"] = rng.uniform(200, 900, (arche == "launch").sum())
    fg["_archetype"], fg["_trend"], fg["_level"] = arche, trend, level.round(1)
    fg["_season_amp"] = np.where(
        arche == "seasonal", rng.uniform(0.85, 1.0, n), rng.uniform(0.3, 1.0, n)
    )
    fg["_p_occ"] = np.where(arche == "intermittent", rng.uniform(0.3, 0.55, n), 1.0)
    fg["_launch_idx"] = launch_idx
    launch_days = axis.start_days[np.maximum(launch_idx, 0)] + rng.integers(0, 20, n)
    old_days = axis.start_days[0] - rng.integers(90, 1500, n)
    fg["_launch_days"] = np.where(launch_idx >= 0, launch_days, old_days)


def _planning(fg: pd.DataFrame, rng: np.random.Generator) -> None:
    """Production lead times, batch sizes, shelf life, service level, channel mix."""
    n = len(fg)
    base = fg["_base_family"].to_numpy()
    pro = base == "Professional"
    level = fg["_level"].to_numpy()
    fg["lead_time_days"] = rng.integers(10, 22, n)
    fg["lead_time_std_days"] = rng.integers(2, 6, n)
    batch = np.where(pro, level * rng.uniform(1.5, 3.0, n), level * rng.uniform(0.4, 0.8, n))
    fg["order_multiple"] = np.where(pro, 5, 50)
    step = fg["order_multiple"].to_numpy() * np.where(pro, 2, 2)
    fg["moq"] = np.maximum(np.ceil(batch / step) * step, np.where(pro, 10, 100)).astype(int)
    shelf = rng.choice([540, 730, 900], n)
    shelf = np.where(pro, 365, shelf).astype(float)
    shelf[np.isin(base, NOT_LOT_CONTROLLED)] = np.nan
    fg["shelf_life_days"] = pd.array(shelf, dtype="Int64")
    service = np.full(n, 0.95)
    service[np.isin(base, ["Sun Care", "Gift Sets"])] = 0.97
    service[pro] = 0.90
    service[fg["_archetype"].to_numpy() == "phase_out"] = 0.85
    fg["service_level"] = service
    fg["_ss_months"] = np.where(pro, rng.uniform(1.0, 2.0, n), rng.uniform(0.15, 0.6, n))
    web = rng.uniform(0.15, 0.4, n)
    market = rng.uniform(0.1, 0.3, n)
    gift = base == "Gift Sets"
    web[gift], market[gift] = 0.45, 0.1
    mix = np.column_stack([web, 1.0 - web - market, market, np.zeros(n)])
    mix[pro] = [0.0, 0.0, 0.0, 1.0]
    for k, (channel, _, _) in enumerate(vocab.CHANNELS):
        fg[f"_mix_{channel}"] = mix[:, k].round(3)
    share = np.where(rng.random(n) < 0.5, rng.uniform(0.2, 0.5, n), 0.0)
    fg["_share_3pl"] = np.where(pro, 0.0, share).round(2)


def build_finished_goods(n_items: int, axis: MonthAxis, rng: np.random.Generator) -> pd.DataFrame:
    """The finished goods, item-master columns plus private ``_`` generator columns.

    Raises:
        ValueError: if ``n_items`` is below 6 (one per family).
    """
    if n_items < 6:
        raise ValueError(f"n_items must be at least 6 (one per family), got {n_items}")
    fg = _family_frame(n_items, rng)
    fg["item_type"] = "finished_good"
    fg["uom"] = "each"
    fg["_fill_kg"] = (fg["_size_ml"] / 1000.0).round(3)
    _archetypes(fg, axis, rng)
    _planning(fg, rng)
    fg["status"] = np.where(fg["_archetype"] == "phase_out", "phase_out", "active")
    return fg
