"""Components and the multi-level bill of materials.

Finished good -> in-house bulk (per formula) -> in-house base emulsion or surfactant base -> raw
materials; packaging hangs directly under the finished good: shared containers, closures and
shipper cases, and a dedicated printed label (and for some a carton) per product.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sop_pipeline.sample_data import vocab

MIN_RAW = 9  # one raw material of each kind
BASE_RECIPES = {  # base type -> (raw kind, kg per kg of base)
    "cream": (("emulsifier", 0.06), ("butter", 0.12), ("humectant", 0.05), ("oil", 0.08)),
    "wash": (("surfactant", 0.30), ("humectant", 0.05), ("preservative", 0.01)),
}
PACK_COST = {
    "dropper": (0.38, 0.32),
    "jar": (0.45, 0.25),
    "tube": (0.22, 0.06),
    "bottle": (0.18, 0.22),
    "spray": (0.16, 0.24),
    "pro_pump": (0.90, 0.60),
    "pro_canister": (1.60, 0.15),
}


@dataclass
class _Pool:
    """Items of one kind that products draw from in turn, so each one gets used."""

    codes: list[str]
    order: np.ndarray
    cursor: int = 0

    def take(self) -> str:
        code = self.codes[self.order[self.cursor % len(self.order)]]
        self.cursor += 1
        return code


@dataclass
class _Builder:
    """Collects item rows and BOM lines while the structure is drawn."""

    rng: np.random.Generator
    items: list[dict] = field(default_factory=list)
    bom: list[tuple[str, str, float, float]] = field(default_factory=list)
    cost: dict[str, float] = field(default_factory=dict)  # unit cost of purchased items

    def add(self, **row: object) -> str:
        self.items.append(row)
        self.cost[str(row["item"])] = float(row.get("unit_cost", 0.0) or 0.0)
        return str(row["item"])

    def line(self, parent: str, component: str, qty: float, scrap: float = np.nan) -> None:
        self.bom.append((parent, component, qty, scrap))

    def pool(self, codes: list[str]) -> _Pool:
        return _Pool(codes, self.rng.permutation(len(codes)))


def _code(prefix: str, k: int, total: int) -> str:
    return f"{prefix}-{k + 1:0{max(3, len(str(total)))}d}"


def _budget(n_fg: int, n_bulk: int, n_base: int, n_pack_min: int, n_components: int) -> dict:
    rest = n_components - n_bulk - n_base
    minimum = n_bulk + n_base + MIN_RAW + n_pack_min
    if rest < MIN_RAW + n_pack_min:
        raise ValueError(
            f"n_components={n_components} is too small for {n_fg} finished goods: "
            f"need at least {minimum} (bulks, bases, one raw material of each kind, packaging)"
        )
    raw = max(MIN_RAW, round(0.2 * rest))
    pack = max(n_pack_min, round(0.16 * rest))
    dedicated = rest - raw - pack
    if dedicated < 0:
        raw, pack, dedicated = MIN_RAW, n_pack_min, rest - MIN_RAW - n_pack_min
    return {"raw": raw, "pack": pack, "dedicated": dedicated}


def _raw_materials(b: _Builder, n_raw: int) -> dict[str, _Pool]:
    """Raw materials, named from the vocabulary and then by grade; pools by kind."""
    by_kind: dict[str, list[str]] = {}
    for k in range(n_raw):
        name, kind, cost, shelf, lead, moq, mult = vocab.RAW_MATERIALS[k % len(vocab.RAW_MATERIALS)]
        round_ = k // len(vocab.RAW_MATERIALS)
        if round_:
            grade = vocab.RAW_GRADES[(round_ - 1) % len(vocab.RAW_GRADES)]
            extra = (round_ - 1) // len(vocab.RAW_GRADES)
            name = f"{name} ({grade})" + (f" #{extra + 1}" if extra else "")
        code = b.add(
            item=_code("RM", k, n_raw),
            description=name,
            uom="kg",
            unit_cost=round(cost * b.rng.uniform(0.9, 1.1), 2),
            lead_time_days=lead,
            lead_time_std_days=max(2, round(0.15 * lead)),
            moq=moq,
            order_multiple=mult,
            shelf_life_days=shelf or np.nan,
            _kind="raw",
            _raw_kind=kind,
        )
        by_kind.setdefault(kind, []).append(code)
    return {kind: b.pool(codes) for kind, codes in by_kind.items()}


def _pack_usage(fg: pd.DataFrame) -> list[tuple[tuple, int]]:
    """How many products use each container (format, size) and closure (format) class."""
    fmt = fg["_format"].to_numpy()
    sizes = fg["_size_ml"].to_numpy()
    containers = [
        ("container", "jar", 15) if f == "gift" else ("container", f, int(s))
        for f, s in zip(fmt, sizes, strict=True)
    ]
    closures = [("closure", "jar" if f == "gift" else f, 0) for f in fmt]
    counts: dict[tuple, int] = {}
    for cls in containers + closures:
        counts[cls] = counts.get(cls, 0) + 1
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def _packaging(b: _Builder, fg: pd.DataFrame, n_pack: int) -> dict[tuple, _Pool]:
    """Containers per (format, size), closures per format, shipper cases; variants by usage."""
    usage = _pack_usage(fg)
    classes = [("shipper", name, size) for name, size in vocab.SHIPPERS] + [c for c, _ in usage]
    weight = np.array([len(fg) / 2] * len(vocab.SHIPPERS) + [n for _, n in usage], dtype=float)
    counts = np.ones(len(classes), dtype=int)
    extra = n_pack - len(classes)
    if extra > 0:
        counts += np.floor(extra * weight / weight.sum()).astype(int)
        counts[np.argsort(-weight)[: n_pack - counts.sum()]] += 1
    pools: dict[tuple, _Pool] = {}
    k = 0
    for cls, count in zip(classes, counts, strict=True):
        role, form, size = cls
        if role == "shipper":
            name, cost, lead, moq, mult = form, 0.55 + 0.01 * size, 14, 500, 100
        else:
            container, closure, lead, moq, mult = vocab.CONTAINERS[form]
            name = container.format(size=size) if role == "container" else closure
            cost = PACK_COST[form][0 if role == "container" else 1]
            if role == "container" and form in ("jar", "dropper", "bottle", "spray", "tube"):
                cost *= 0.6 + size / 125
        codes = []
        for v in range(count):
            label = name if v == 0 else f"{name} - {vocab.PACK_VARIANTS[(v - 1) % 6]}"
            label += f" #{(v - 1) // 6 + 1}" if v > 6 else ""
            codes.append(
                b.add(
                    item=_code("PK", k, n_pack),
                    description=label,
                    uom="each",
                    unit_cost=round(cost * b.rng.uniform(0.92, 1.08), 3),
                    lead_time_days=lead,
                    lead_time_std_days=max(3, round(0.15 * lead)),
                    moq=moq,
                    order_multiple=mult,
                    _kind=role,
                )
            )
            k += 1
        pools[cls] = b.pool(codes)
    return pools


def _batch(usage: np.ndarray, rng: np.random.Generator, step: int, minimum: int) -> np.ndarray:
    """A batch size of half to one month of usage, in whole steps."""
    batch = usage * rng.uniform(0.5, 1.0, len(usage))
    return np.maximum(np.ceil(batch / step) * step, minimum).astype(int)


def _bulks_and_bases(b: _Builder, fg: pd.DataFrame, n_base: int, raws: dict) -> dict[str, str]:
    """One bulk per formula, a few shared bases; their recipes. Returns formula -> bulk."""
    formulas = fg.dropna(subset=["_formula"]).drop_duplicates("_formula")
    named = fg.dropna(subset=["_formula_name"]).drop_duplicates("_formula")
    names = dict(zip(named["_formula"], named["_formula_name"], strict=True))
    usage = fg["_level"] * fg["_fill_kg"].where(fg["_format"] != "gift", 0.045)
    usage = usage.groupby(fg["_formula"]).sum().reindex(formulas["_formula"]).to_numpy()
    types = ["cream", "wash"] * n_base
    bases = {t: [] for t in BASE_RECIPES}
    for k in range(n_base):
        kind = types[k]
        name = "Base emulsion (O/W cream)" if kind == "cream" else "Surfactant wash base"
        bases[kind].append(_code("BS", k, n_base))
        b.add(
            item=bases[kind][-1], description=f"{name} {k // 2 + 1}", _kind="base", _base_type=kind
        )
    base_pools = {kind: b.pool(codes) for kind, codes in bases.items()}
    pick = _raw_picker(raws, b.rng)
    bulk_of: dict[str, str] = {}
    base_use: dict[str, float] = {}
    for k, (formula, base_type) in enumerate(
        zip(formulas["_formula"], formulas["_base_type"], strict=True)
    ):
        code = b.add(
            item=_code("BK", k, len(formulas)),
            description=f"Bulk {names.get(formula, formula.split('|')[-1])}",
            _kind="bulk",
        )
        bulk_of[formula] = code
        name = names.get(formula, "").lower()
        if base_type != "oil":
            base = base_pools[base_type].take()
            share = round(b.rng.uniform(0.6, 0.85), 3)
            b.line(code, base, share, 0.01)
            base_use[base] = base_use.get(base, 0.0) + share * usage[k]
            b.line(code, pick("preservative"), 0.01)
        else:
            for _ in range(2):
                b.line(code, pick("oil"), round(b.rng.uniform(0.3, 0.45), 3))
        if "spf" in name or "sun" in name:
            b.line(code, pick("mineral"), round(b.rng.uniform(0.15, 0.2), 3))
        elif "scrub" in name or "clay" in name or "powder" in name:
            b.line(code, pick("mineral"), round(b.rng.uniform(0.3, 0.5), 3))
        active = pick("active")
        dose = np.clip(b.rng.uniform(0.4, 1.2) / max(b.cost[active], 1.0), 0.001, 0.05)
        b.line(code, active, round(float(dose), 4))
        b.line(code, pick("fragrance"), round(b.rng.uniform(0.003, 0.01), 4))
    for kind, codes in bases.items():
        for code in codes:
            for raw_kind, qty in BASE_RECIPES[kind]:
                b.line(code, pick(raw_kind), round(qty * b.rng.uniform(0.85, 1.15), 3))
    _set_batches(b, bulk_of, usage, base_use)
    return bulk_of


def _raw_picker(raws: dict[str, _Pool], rng: np.random.Generator) -> Callable[[str], str]:
    kinds = sorted(raws)

    def pick(kind: str) -> str:
        return raws[kind if kind in raws else kinds[rng.integers(len(kinds))]].take()

    return pick


def _set_batches(b: _Builder, bulk_of: dict, usage: np.ndarray, base_use: dict) -> None:
    """Lead times, batch sizes and shelf life of the in-house bulks and bases."""
    bulk_batch = dict(zip(bulk_of.values(), _batch(usage, b.rng, 25, 50), strict=True))
    for row in b.items:
        if row["_kind"] == "bulk":
            row |= dict(lead_time_days=7, lead_time_std_days=2, moq=bulk_batch[row["item"]])
            row |= dict(order_multiple=25, shelf_life_days=180, uom="kg")
        elif row["_kind"] == "base":
            use = np.array([base_use.get(row["item"], 50.0)])
            row |= dict(lead_time_days=5, lead_time_std_days=1, moq=_batch(use, b.rng, 100, 200)[0])
            row |= dict(order_multiple=100, shelf_life_days=90, uom="kg")


def _dedicated(b: _Builder, fg: pd.DataFrame, n_dedicated: int) -> dict[str, list[str]]:
    """A printed label (gift sets: a gift box) per product, then cartons while budget lasts."""
    gift = fg["_format"].to_numpy() == "gift"
    order = np.concatenate([np.flatnonzero(~gift), np.flatnonzero(gift)])
    n_label = min(len(fg), n_dedicated)
    n_carton = min(int((~gift).sum()), n_dedicated - n_label)
    out: dict[str, list[str]] = {}
    items, descs = fg["item"].to_numpy(), fg["description"].to_numpy()
    for k, i in enumerate(order[:n_label]):
        box = bool(gift[i])
        code = b.add(
            item=_code("LB", k, n_label),
            description=f"{'Printed gift box' if box else 'Printed label'} {descs[i]}",
            uom="each",
            unit_cost=round(b.rng.uniform(0.9, 1.5) if box else b.rng.uniform(0.04, 0.08), 3),
            lead_time_days=30 if box else 21,
            lead_time_std_days=4 if box else 3,
            moq=1000,
            order_multiple=250 if box else 500,
            _kind="label",
        )
        out.setdefault(items[i], []).append(code)
    for k, i in enumerate(order[:n_carton]):
        code = b.add(
            item=_code("CT", k, n_carton),
            description=f"Folding carton {descs[i]}",
            uom="each",
            unit_cost=round(b.rng.uniform(0.1, 0.16), 3),
            lead_time_days=30,
            lead_time_std_days=4,
            moq=2000,
            order_multiple=500,
            _kind="carton",
        )
        out[items[i]].append(code)
    return out


def _finished_good_lines(
    b: _Builder, fg: pd.DataFrame, bulk_of: dict, pack: dict, ded: dict
) -> None:
    """Each product: its bulk (gift sets: three minis), container, closure, case, print."""
    skincare = [
        code for f, code in bulk_of.items() if f.split("|")[0] in ("Face Care", "Body Care")
    ]
    bulks = skincare if len(skincare) >= 3 else list(bulk_of.values())
    columns = ["item", "_format", "_formula", "_fill_kg", "_size_ml"]
    for item, fmt, formula, fill, size in fg[columns].itertuples(index=False, name=None):
        if fmt == "gift":
            minis = b.rng.choice(bulks, size=min(3, len(bulks)), replace=False)
            for bulk in minis:
                b.line(item, str(bulk), 0.015, 0.03)
            b.line(item, pack[("container", "jar", 15)].take(), len(minis), 0.005)
            b.line(item, pack[("closure", "jar", 0)].take(), len(minis))
        else:
            b.line(item, bulk_of[formula], fill, round(b.rng.uniform(0.02, 0.04), 3))
            b.line(item, pack[("container", fmt, int(size))].take(), 1, 0.005)
            b.line(item, pack[("closure", fmt, 0)].take(), 1)
        if not fmt.startswith("pro"):
            name, case = vocab.SHIPPERS[b.rng.integers(len(vocab.SHIPPERS))]
            b.line(item, pack[("shipper", name, case)].take(), round(1 / case, 4))
        for code in ded.get(item, []):
            b.line(item, code, 1, 0.01)


def _attach_unused_raws(b: _Builder) -> None:
    """Every raw material goes into at least one recipe (a trace ingredient if needed)."""
    used = {c for _, c, _, _ in b.bom}
    makers = [r["item"] for r in b.items if r["_kind"] in ("bulk", "base")]
    for row in b.items:
        if row["_kind"] == "raw" and row["item"] not in used:
            b.line(makers[b.rng.integers(len(makers))], row["item"], 0.005)


def build_components(
    fg: pd.DataFrame, n_components: int, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The component items and the BOM of all items.

    Returns:
        ``(components, bom)``: component rows with item-master and private ``_`` columns
        (``_kind``: bulk, base, raw, container, closure, shipper, label, carton), and BOM lines
        ``parent, component, qty_per, scrap_rate`` (shipper lines per case pack: 1/12, 1/24).

    Raises:
        ValueError: if ``n_components`` cannot hold the structure the products need.
    """
    b = _Builder(rng)
    n_bulk = fg["_formula"].nunique()
    n_base = max(2, round(n_bulk / 8))
    pack_classes = len(vocab.SHIPPERS) + len(_pack_usage(fg))
    budget = _budget(len(fg), n_bulk, n_base, pack_classes, n_components)
    raws = _raw_materials(b, budget["raw"])
    pack = _packaging(b, fg, budget["pack"])
    ded = _dedicated(b, fg, budget["dedicated"])
    bulk_of = _bulks_and_bases(b, fg, n_base, raws)
    _finished_good_lines(b, fg, bulk_of, pack, ded)
    _attach_unused_raws(b)
    comps = pd.DataFrame(b.items)
    comps["item_type"] = "component"
    comps["status"] = "active"
    comps["service_level"] = 0.98
    made = comps["_kind"].isin(["bulk", "base"]).to_numpy()
    comps["_ss_months"] = np.where(
        made, rng.uniform(0.1, 0.3, len(comps)), rng.uniform(0.5, 1.0, len(comps))
    )
    bom = pd.DataFrame(b.bom, columns=["parent", "component", "qty_per", "scrap_rate"])
    bom = bom.groupby(["parent", "component"], as_index=False, sort=False).agg(
        qty_per=("qty_per", "sum"), scrap_rate=("scrap_rate", "max")
    )
    return comps, bom
