"""Benchmark: the constrained plan (``sop_pipeline.balance``) - LP build, HiGHS solve, prices
and the meeting's option re-solves - for the sample company and a synthetic 10k / 20k company.

The synthetic company is laid out directly as a :class:`~sop_pipeline.balance.problem.PlanProblem`
with a seeded numpy generator (no warehouse): finished goods each made from 2 private-ish and
1-2 shared bought components, lead times of 7-30 days (finished goods) and 14-90 days
(components), seasonal noisy demand, safety stocks of 0.5-1 month, opening stock of 1-2 months,
open orders, shelf-life windows, resources grouped in product lines (each finished good routed
on 1-2 resources of its line) sized so that some resource-months bind, and a dated cash path
that binds in the later months.

Each phase is measured for wall time, CPU seconds (``time.process_time``: every thread of the
process, HiGHS' included, plus children) and its own peak RSS (the kernel's high-water mark,
reset before the phase through ``/proc/self/clear_refs``). One JSON line per run is appended to
``--out``; a Markdown table is printed.

Run (from the repository root):

    .venv/bin/python bench/constrained_plan_benchmark.py --sample --items 1000
    .venv/bin/python bench/constrained_plan_benchmark.py                  # 10,000 x 20,000
    .venv/bin/python bench/constrained_plan_benchmark.py --items 3000 --methods auto,ipm,simplex
    .venv/bin/python bench/constrained_plan_benchmark.py --highs threads=2 --highs presolve=off

``--highs key=value`` sets a HiGHS option on every solve (through ``solver.new_highs``);
``--crossover`` turns crossover on after IPM. Neither changes ``sop_pipeline``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sop_pipeline.balance import options as options_module
from sop_pipeline.balance import solver as solver_module
from sop_pipeline.balance.cash import CashPosition, collections, plan_cash_flows
from sop_pipeline.balance.model import ModelSettings, build_model
from sop_pipeline.balance.options import Context, OptionSettings, find_issues, option_tables
from sop_pipeline.balance.prices import PRICE_TOL, constraint_prices
from sop_pipeline.balance.problem import PlanProblem, lead_split
from sop_pipeline.balance.solution import read_plan
from sop_pipeline.balance.solver import SolveError, blocks, solve
from sop_pipeline.balance.tables import capacity_frame, plan_frame

PLAN_MONTH = pd.Timestamp("2025-10-01")
Z80 = 1.2815515655446004
DAYS_PER_MONTH = 30.4375


# --- measuring -------------------------------------------------------------------------------


def _hwm_kib() -> int:
    """The process's peak RSS since the last reset (``VmHWM``), KiB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_hwm() -> bool:
    """Reset the peak RSS to the current RSS (Linux 4.0+); False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


class _Sampler:
    """Samples the RSS in a thread (a fallback where the high-water mark cannot be reset)."""

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._process.memory_info().rss)

    def reset(self) -> None:
        self.peak = self._process.memory_info().rss

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _cpu() -> float:
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


class Meter:
    """Wall time, CPU seconds and peak RSS of named phases."""

    def __init__(self) -> None:
        self.phases: dict[str, dict[str, Any]] = {}
        self.can_reset = _reset_hwm()
        self.sampler = None if self.can_reset else _Sampler()
        self.process_peak_kib = 0

    @contextmanager
    def phase(self, name: str, **extra: Any):
        self._note_peak()
        if self.can_reset:
            _reset_hwm()
        elif self.sampler is not None:
            self.sampler.reset()
        rss0, cpu0, wall0 = _rss_kib(), _cpu(), time.perf_counter()
        record: dict[str, Any] = dict(extra)
        try:
            yield record
        finally:
            wall, cpu = time.perf_counter() - wall0, _cpu() - cpu0
            peak = _hwm_kib() if self.can_reset else self.sampler.peak // 1024
            record.update(
                seconds=round(wall, 3),
                cpu_seconds=round(cpu, 3),
                peak_rss_mib=round(peak / 1024, 1),
                rss_before_mib=round(rss0 / 1024, 1),
            )
            self.phases[name] = record
            self.process_peak_kib = max(self.process_peak_kib, peak)
            print(
                f"  {name}: {wall:.2f} s wall, {cpu:.2f} s CPU, peak RSS {peak / 1024:,.0f} MiB",
                file=sys.stderr,
                flush=True,
            )

    def _note_peak(self) -> None:
        peak = _hwm_kib() if self.can_reset else (self.sampler.peak // 1024 if self.sampler else 0)
        self.process_peak_kib = max(self.process_peak_kib, peak)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# --- the synthetic company --------------------------------------------------------------------


@dataclass(frozen=True)
class Synthetic:
    """The generated company: one problem per scenario and what the options read."""

    base: PlanProblem
    upside: PlanProblem
    forecast_changes: pd.DataFrame
    position: CashPosition
    line_of_item: np.ndarray
    bom_rows: int
    shared_parents: np.ndarray


def _months(horizon: int) -> pd.DatetimeIndex:
    return pd.date_range(PLAN_MONTH + pd.DateOffset(months=1), periods=horizon, freq="MS")


def synthetic_company(
    n_fg: int,
    n_comp: int,
    horizon: int = 12,
    seed: int = 7,
    n_resources: int = 40,
    n_lines: int = 10,
    capacity_tightness: float = 1.0,
    cash_tightness: float = 1.0,
) -> Synthetic:
    """A synthetic :class:`PlanProblem` (module docstring), base and upside (hi80) demand.

    Items are the finished goods (``FG00000``...) then the components (``C000000``...); the
    last fifth of the components is the shared pool (split by product line, with a cross-line
    part drawn with Zipf-like popularity), the rest private-ish (each used by 1-2 finished
    goods)."""
    rng = np.random.default_rng(seed)
    n = n_fg + n_comp
    months = _months(horizon)
    t = np.arange(horizon)
    fg = np.arange(n_fg)
    finished = np.arange(n) < n_fg
    produced = finished.copy()
    names = pd.Index([f"FG{i:05d}" for i in fg] + [f"C{i:06d}" for i in range(n_comp)])

    # product lines and their resources -------------------------------------------------------
    n_lines = max(1, min(n_lines, n_fg))
    n_resources = max(n_lines, n_resources)
    line = rng.integers(0, n_lines, size=n_fg)
    res_line = np.sort(np.arange(n_resources) % n_lines)
    res_of_line = [np.flatnonzero(res_line == k) for k in range(n_lines)]

    # BOM: 2 private-ish + 1 shared of the line + (half the time) 1 cross-line shared ----------
    n_shared = max(n_lines, int(round(0.2 * n_comp)))
    n_private = n_comp - n_shared
    private = np.resize(rng.permutation(n_private), 2 * n_fg)
    rng.shuffle(private)
    private = private.reshape(n_fg, 2)
    same = private[:, 0] == private[:, 1]
    private[same, 1] = (private[same, 1] + 1) % n_private
    n_cross = max(1, n_shared // 5)
    line_pool = np.array_split(np.arange(n_cross, n_shared), n_lines)
    own_pick = rng.random(n_fg)
    own = np.array(
        [line_pool[k][int(u * len(line_pool[k]))] for k, u in zip(line, own_pick, strict=True)]
    )
    popularity = 1.0 / np.arange(1, n_cross + 1) ** 0.8
    cross_fg = fg[rng.random(n_fg) < 0.5]
    cross = rng.choice(n_cross, size=len(cross_fg), p=popularity / popularity.sum())
    parent = np.concatenate([np.repeat(fg, 2), fg, cross_fg])
    comp = n_fg + np.concatenate([private.ravel(), n_private + own, n_private + cross])
    qty = rng.choice([1.0, 1.0, 1.0, 2.0, 4.0, 0.5], size=len(parent))
    scrap = rng.choice([0.0, 0.0, 0.01, 0.02, 0.05], size=len(parent))
    factor = qty * (1 + scrap)

    # lead times ------------------------------------------------------------------------------
    lead_days = np.where(finished, rng.integers(7, 31, size=n), rng.integers(14, 91, size=n))
    whole, fraction = lead_split(lead_days.astype(float))

    # costs and prices ------------------------------------------------------------------------
    cost = np.where(finished, 0.0, np.clip(rng.lognormal(np.log(4.0), 1.0, size=n), 0.05, 400))
    material = np.zeros(n)
    np.add.at(material, parent, factor * cost[comp])
    route_first = np.array([res_of_line[k][rng.integers(len(res_of_line[k]))] for k in line])
    hours_first = rng.uniform(0.02, 0.15, size=n_fg)
    cost[:n_fg] = material[:n_fg] + 30.0 * hours_first + rng.uniform(0.2, 2.0, size=n_fg)
    price = np.where(finished, cost * rng.uniform(1.25, 2.2, size=n), 0.0)

    # demand: level x line seasonality x noise, a tenth intermittent -----------------------------
    level = rng.lognormal(np.log(150.0), 1.0, size=n_fg)
    amplitude = rng.uniform(0.1, 0.4, size=n_lines)[line]
    phase = rng.uniform(0, 12, size=n_lines)[line]
    season = 1 + amplitude[:, None] * np.sin(2 * np.pi * (t[None, :] + phase[:, None]) / 12)
    noise = rng.gamma(1 / 0.15**2, 0.15**2, size=(n_fg, horizon))
    fg_demand = level[:, None] * season * noise
    sparse = rng.random(n_fg) < 0.1
    fg_demand[sparse] *= rng.random((int(sparse.sum()), horizon)) < 0.5
    mean = np.zeros((n, horizon))
    mean[:n_fg] = np.round(fg_demand, 1)
    cv = rng.uniform(0.15, 0.45, size=n)
    sigma = np.where(finished[:, None], cv[:, None] * mean + 0.5 * (mean > 0), 0.0)
    upside_demand = mean + Z80 * sigma

    # dependent demand of the components (one BOM level) -------------------------------------
    dependent = np.zeros((n, horizon))
    np.add.at(dependent, comp, factor[:, None] * mean[parent])
    usage = np.where(finished[:, None], mean, dependent)
    avg = usage.mean(axis=1)

    # safety stock, opening stock, open orders ---------------------------------------------------
    cover = rng.uniform(0.5, 1.0, size=n)
    safety = np.where(finished[:, None], cover[:, None] * mean, cover[:, None] * avg[:, None])
    safety = np.round(safety, 1)
    initial = np.round(rng.uniform(1.0, 2.0, size=n) * avg, 0)
    scheduled = np.zeros((n, horizon))
    due = t[None, :] < np.maximum(whole, 1)[:, None]
    placed = due & (rng.random((n, horizon)) < np.where(finished, 0.3, 0.7)[:, None])
    size = rng.uniform(0.6, 1.2, size=(n, horizon)) * avg[:, None]
    scheduled[placed] = np.round(size[placed], 0)

    # shelf life / pre-build windows (as inputs.holding_window) -----------------------------------
    perishable = rng.random(n) < np.where(finished, 0.3, 0.25)
    shelf_days = np.where(finished, rng.uniform(200, 540, size=n), rng.uniform(90, 365, size=n))
    shelf_months = np.floor(shelf_days / DAYS_PER_MONTH + 1e-9) - np.where(finished, 6, 0)
    window = np.where(perishable, np.maximum(shelf_months, 0), -1).astype(np.int64)
    window = np.where(produced, np.where(window < 0, 3, np.minimum(window, 3)), window)

    # lot sizes of purchases --------------------------------------------------------------------
    moq = np.where(~produced & (rng.random(n) < 0.3), np.round(rng.uniform(1, 3, n) * avg), 0.0)
    multiple = np.where(~produced & (rng.random(n) < 0.25), rng.choice([10.0, 50.0, 100.0], n), 0)

    # service level and unit value ----------------------------------------------------------------
    service = np.where(finished, rng.uniform(0.90, 0.99, size=n), 0.95)
    margin = price - cost
    unit_value = np.where(finished, np.maximum(margin, 0.0), 0.0)
    np.maximum.at(unit_value, comp, unit_value[parent] / factor)

    # routings: the line's first resource, half the goods a second one of the line ----------------
    second = rng.random(n_fg) < 0.5
    route_item, route_res, route_hours = [fg], [route_first], [hours_first]
    for k in range(n_lines):
        members = fg[second & (line == k)]
        if len(res_of_line[k]) < 2 or not len(members):
            continue
        offset = rng.integers(1, len(res_of_line[k]), size=len(members))
        first_pos = np.searchsorted(res_of_line[k], route_first[members])
        route_item.append(members)
        route_res.append(res_of_line[k][(first_pos + offset) % len(res_of_line[k])])
        route_hours.append(rng.uniform(0.01, 0.08, size=len(members)))
    route_item = np.concatenate(route_item).astype(np.int64)
    route_res = np.concatenate(route_res).astype(np.int64)
    route_hours = np.concatenate(route_hours)
    fixed = np.zeros((n_resources, horizon))
    np.add.at(fixed, route_res, scheduled[route_item] * route_hours[:, None])
    # capacity: flat at the resource's peak load x a factor; below 1 the peaks bind
    load = np.zeros((n_resources, horizon))
    np.add.at(load, route_res, mean[route_item] * route_hours[:, None])
    peak = load.max(axis=1)
    factor_r = rng.uniform(0.80, 1.15, size=n_resources) / capacity_tightness
    capacity = np.round(np.broadcast_to((peak * factor_r)[:, None], load.shape), 1)
    capacity = capacity * (1 - 0.05 * (rng.random(load.shape) < 0.1))  # some maintenance months
    overtime_capacity = np.round(0.10 * capacity, 1)
    overtime_rate = rng.uniform(40.0, 90.0, size=n_resources)

    # the dated cash path: from the opening stock's value down to 90 % of the safety stock's
    # (the plan holds about its safety stock: the path binds in the last months) ---------------
    opening_value = float((cost * initial).sum())
    safety_value = (cost[:, None] * safety).sum(axis=0)
    share = np.clip(t / max(horizon - 4, 1), 0, 1)
    path = (opening_value * (1 - share) + 0.9 * safety_value * share) / cash_tightness
    target_index = min(horizon - 4, horizon)

    common = dict(
        items=names,
        months=months,
        finished=finished,
        produced=produced,
        lead_whole=whole,
        lead_fraction=fraction,
        price=price,
        cost=cost,
        service_level=service,
        unit_value=unit_value,
        mean_demand=mean,
        sigma=sigma,
        safety_stock=safety,
        scheduled=scheduled,
        initial_stock=initial,
        window=window,
        moq=moq,
        multiple=multiple.astype(float),
        edge_parent=parent.astype(np.int64),
        edge_comp=comp.astype(np.int64),
        edge_factor=factor,
        resources=pd.Index([f"R{r:03d}-L{res_line[r]:02d}" for r in range(n_resources)]),
        route_item=route_item,
        route_resource=route_res,
        route_hours=route_hours,
        capacity=capacity,
        overtime_capacity=overtime_capacity,
        overtime_rate=overtime_rate,
        fixed_load=fixed,
        cash_path=path,
        cash_target_index=target_index,
    )
    base = PlanProblem(demand=mean, **common)
    upside = PlanProblem(demand=upside_demand, **common)

    # upward forecast changes (exceptions) of ~2 % of the finished goods -------------------------
    changed = rng.choice(fg, size=max(1, n_fg // 50), replace=False)
    change_qty = np.round(mean[changed].sum(axis=1) * rng.uniform(0.1, 0.5, len(changed)), 0)
    change_margin = change_qty * margin[changed]
    changes = pd.DataFrame(
        {
            "item": names[changed],
            "is_exception": True,
            "change_qty": change_qty,
            "is_timing_shift": False,
            "change_margin": change_margin,
            "abs_change_margin": np.abs(change_margin),
        }
    )
    monthly_revenue = float((mean * price[:, None]).sum() / horizon)
    position = CashPosition(PLAN_MONTH, 2.5 * monthly_revenue, 0.2 * monthly_revenue)
    parents_per_shared = np.bincount(comp - n_fg, minlength=n_comp)[n_private:]
    return Synthetic(
        base,
        upside,
        changes,
        position,
        line,
        len(parent),
        parents_per_shared[parents_per_shared > 0],
    )


# --- HiGHS options (prototyped without editing sop_pipeline) -----------------------------------


def patch_highs(extra: dict[str, Any], crossover: bool) -> None:
    """Every HiGHS instance ``solver`` makes gets ``extra`` set (after ``_run``'s own options
    when they are the same, as HiGHS keeps the last value: ``solver`` and ``run_crossover`` are
    set by ``_run`` after ``new_highs``, so they are overridden through ``setOptionValue``)."""
    if not extra and not crossover:
        return
    original = solver_module.new_highs

    def new_highs():
        h = original()
        set_option = type(h).setOptionValue
        for key, value in extra.items():
            set_option(h, key, value)
        # a weak reference: a closure holding ``h`` itself would make a reference cycle that
        # keeps each HiGHS instance (1-2 GB after a 10,000-item solve) alive until the cyclic
        # garbage collector happens to run
        ref = weakref.ref(h)

        def guarded(key, value):
            if key in extra:
                value = extra[key]
            elif key == "run_crossover" and crossover:
                value = "on"
            return set_option(ref(), key, value)

        h.setOptionValue = guarded
        return h

    solver_module.new_highs = new_highs


def _parse_value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


# --- runs ---------------------------------------------------------------------------------------


def model_sizes(model) -> dict[str, int]:
    return {
        "variables": int(model.n_cols),
        "constraints": int(model.n_rows),
        "nonzeros": int(model.matrix.nnz),
    }


def binding_shares(problem: PlanProblem, model, row_dual: np.ndarray) -> dict[str, Any]:
    """How much of the plan binds: resource-months and cash months with a price, lost sales."""
    out: dict[str, Any] = {}
    if len(problem.resources):
        cap = model.dual(row_dual, "capacity")
        out["resource_months_binding_pct"] = round(100.0 * float((cap > PRICE_TOL).mean()), 1)
    cash = model.dual(row_dual, "cash")
    out["cash_months_binding"] = int((cash > PRICE_TOL * 1e-2).sum()) if cash.size else 0
    return out


def run_methods(
    meter: Meter, problem: PlanProblem, settings: ModelSettings, methods: list[str], limit: float
) -> dict[str, Any]:
    """Build and solve the base model once per method (``auto`` first, with the prices)."""
    out: dict[str, Any] = {}
    with meter.phase("build_model") as rec:
        model = build_model(problem, settings)
    out.update(model_sizes(model))
    with meter.phase("blocks") as rec:
        found = blocks(model)
    out["blocks"] = len(found)
    out["largest_block_columns"] = int(max(len(c) for c, _ in found))
    free = build_model(problem, replace(settings, cash_path="off"))
    out["blocks_without_cash_path"] = len(blocks(free))
    del free
    for method in methods:
        with meter.phase(f"solve_{method}", method=method) as rec:
            try:
                solution = solve(model, method, limit)
            except SolveError as error:
                rec["status"] = str(error)
                continue
            rec["status"] = "optimal"
            rec["iterations"] = solution.iterations
            rec["objective"] = solution.objective
            rec["uses_ipm"] = method == "ipm"
        if method == methods[0]:
            with meter.phase("read_plan") as rec:
                plan = read_plan(problem, model, solution.x)
            with meter.phase("constraint_prices") as rec:
                prices = constraint_prices(
                    problem, model, solution.row_dual, solution.x, plan, None, 0.25 / 12 + 0.02
                )
                rec["rows"] = len(prices)
            out.update(binding_shares(problem, model, solution.row_dual))
            demand = problem.demand.sum()
            out["lost_sales_pct"] = round(100.0 * float(plan.lost.sum() / demand), 2)
            out["binding_by_type"] = prices.groupby("constraint_type").size().to_dict()
    return out


def run_pipeline(
    meter: Meter,
    company: Synthetic,
    settings: ModelSettings,
    method: str,
    top_n: int,
    upside_from_base: bool = False,
    always_upside: bool = False,
    workers: int = -1,
):
    """``plan_balance``'s steps after the inputs: base and upside, prices, tables, cash flows,
    issues and their options (``workers`` issues priced at once, as ``balance.workers``)."""
    from sop_pipeline.balance.plan import PlanSettings, _month_flows, _timing_rate, solve_scenario

    plan_settings = PlanSettings(model=settings, solver=method)
    out: dict[str, Any] = {}
    timings: list[dict[str, Any]] = []
    with meter.phase("pipeline_total") as total:
        with meter.phase("pipeline_base"):
            base = solve_scenario(company.base, plan_settings)
        # plan_balance skips the upside above PlanSettings.upside_max_columns (balance.upside:
        # auto); --upside always solves it here, recording whether the pipeline would
        warm = upside_from_base
        upside = None
        planned = plan_settings.plans_upside(base.model.n_cols)
        with meter.phase("pipeline_upside", from_base=warm, planned_by_auto=planned) as rec:
            try:
                if not (planned or always_upside):
                    raise SolveError("skipped: above balance.upside's auto limit")
                if warm:
                    upside = solve_scenario(company.upside, plan_settings, like=base.solution)
                else:
                    upside = solve_scenario(company.upside, plan_settings)
                rec["status"] = "optimal"
            except SolveError as exc:  # recorded; the rest of the month goes on with the base
                rec["status"] = str(exc)
        with meter.phase("pipeline_prices"):
            prices = constraint_prices(
                base.problem,
                base.model,
                base.solution.row_dual,
                base.solution.x,
                base.plan,
                {},
                _timing_rate(settings),
            )
        with meter.phase("pipeline_tables"):
            for name, s in (("base", base), ("upside", upside)):
                if s is None:
                    continue
                plan_frame(s.problem, s.plan, name)
                capacity_frame(
                    s.problem, s.plan, s.model.dual(s.solution.row_dual, "capacity"), name, {}
                )
        months = base.problem.months
        revenue, spend, overtime, expedite, materials = _month_flows(base, plan_settings)
        flows = plan_cash_flows(
            revenue,
            spend,
            overtime,
            expedite,
            company.position,
            pd.Series(dtype=float),
            months,
            0,
            materials_sold=materials,
        )
        context = Context(
            solution=base.solution,
            problem=base.problem,
            model=base.model,
            x=base.solution.x,
            plan=base.plan,
            cash=flows,
            opening_cash=company.position.opening_cash,
            booked_revenue=lambda r: collections(r, pd.Series(dtype=float), months, 0),
            settings=OptionSettings(top_issues=top_n),
            method=method,
            model_settings=settings,
        )
        original = options_module.issue_tables

        def timed(ctx, issue):
            # per thread: the issues are priced in threads, HiGHS solving in each one's own
            started, cpu = time.perf_counter(), time.thread_time()
            error = ""
            try:
                tables = original(ctx, issue)
            except SolveError as exc:  # recorded, and the other issues still priced
                error = str(exc)
                tables = option_tables(ctx, [])  # the empty tables, with their columns
            timings.append(
                {
                    "issue": issue.key,
                    "items": len(issue.items),
                    "options": len(tables.options),
                    "seconds": round(time.perf_counter() - started, 3),
                    "cpu_seconds": round(time.thread_time() - cpu, 3),
                    "error": error,
                }
            )
            return tables

        options_module.issue_tables = timed  # what option_tables runs for each issue
        try:
            with meter.phase("pipeline_options", workers=workers) as rec:
                issues = find_issues(base.problem, prices, company.forecast_changes, top_n)
                table = option_tables(context, issues, workers).options
                rec["issues"] = len(issues)
                rec["options"] = len(table)
                rec["failed_issues"] = sum(bool(t["error"]) for t in timings)
        finally:
            options_module.issue_tables = original
        total["issues"] = len(issues)
    out["issue_timings"] = timings
    out["binding_constraints"] = len(prices)
    return out


def run_sample(meter: Meter, warehouse: Path, settings_path: Path, month: dt.date):
    """``plan_balance`` on the sample company's plan month (the warehouse opened read-only)."""
    import duckdb

    from sop_pipeline.balance.assets import plan_settings, read_balance_inputs
    from sop_pipeline.balance.plan import plan_balance
    from sop_pipeline.settings import load_settings

    config = load_settings(settings_path)
    with meter.phase("sample_read_inputs"):
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            inputs = read_balance_inputs(con, month, config)
        finally:
            con.close()
    settings = plan_settings(config)
    with meter.phase("sample_plan_balance") as rec:
        plan = plan_balance(inputs, settings)
        rec.update(plan.stats)
    return {
        **plan.stats,
        "binding_by_type": plan.constraint_prices.groupby("constraint_type").size().to_dict(),
        "options": len(plan.scenario_options),
        "solver": settings.solver,
    }


# --- report -------------------------------------------------------------------------------------


def markdown(record: dict[str, Any]) -> str:
    lines = [
        f"### {record['label']}",
        "",
        f"CPU: {record['cpu_model']} ({record['cores']} cores), HiGHS {record['highs']}, "
        f"options {record['highs_options'] or 'default'}, "
        f"prototypes {', '.join(record['prototypes']) or 'none'}, "
        f"load average {record['load_average'][0]:.2f}",
        "",
    ]
    sizes = record.get("sizes", {})
    if sizes:
        keys = [
            "variables",
            "constraints",
            "nonzeros",
            "blocks",
            "blocks_without_cash_path",
            "resource_months_binding_pct",
            "cash_months_binding",
            "lost_sales_pct",
        ]
        lines += [
            "| " + " | ".join(k for k in keys if k in sizes) + " |",
            "|" + "---|" * sum(k in sizes for k in keys),
            "| " + " | ".join(f"{sizes[k]:,}" for k in keys if k in sizes) + " |",
            "",
        ]
    lines += ["| phase | wall s | CPU s | peak RSS MiB | note |", "|---|---|---|---|---|"]
    for name, p in record["phases"].items():
        note = ", ".join(
            f"{k}={v}"
            for k, v in p.items()
            if k not in ("seconds", "cpu_seconds", "peak_rss_mib", "rss_before_mib")
        )
        lines.append(
            f"| {name} | {p['seconds']:.2f} | {p['cpu_seconds']:.2f} | "
            f"{p['peak_rss_mib']:,.0f} | {note} |"
        )
    lines.append(f"\nProcess peak RSS: {record['process_peak_rss_mib']:,.0f} MiB")
    for method, goal in (record.get("goal") or {}).items():
        lines.append(
            f"Goal with `{method}` (solve <= 120 s and <= 2 GB): "
            f"**{'met' if goal['met'] else 'NOT met'}** ({goal['status']}, "
            f"{goal['solve_seconds']} s, peak RSS {goal['peak_rss_mib']} MiB)"
        )
    if record.get("issue_timings"):
        lines += [
            "",
            "| issue | items | options | wall s | CPU s | error |",
            "|---|---|---|---|---|---|",
        ]
        for row in record["issue_timings"]:
            lines.append(
                f"| {row['issue']} | {row['items']:,} | {row['options']} | {row['seconds']:.2f} |"
                f" {row['cpu_seconds']:.2f} | {row.get('error', '')} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="finished goods")
    parser.add_argument("--components", type=int, default=None, help="default: 2 x --items")
    parser.add_argument("--months", type=int, default=12, help="horizon in months")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--resources", type=int, default=40)
    parser.add_argument("--lines", type=int, default=10, help="product lines")
    parser.add_argument("--capacity-tightness", type=float, default=1.0)
    parser.add_argument("--cash-tightness", type=float, default=1.0)
    parser.add_argument(
        "--cash-path", choices=["off", "soft", "hard"], default="soft", help="balance.cash_path"
    )
    parser.add_argument(
        "--methods",
        default="auto",
        help="comma-separated solve methods on the base model (auto, ipm, simplex)",
    )
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds per HiGHS call")
    parser.add_argument("--pipeline", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--top-n", type=int, default=5, help="issues of each kind priced")
    parser.add_argument(
        "--workers", type=int, default=-1, help="issues priced at once (-1: one per core)"
    )
    parser.add_argument("--synthetic", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--sample", action="store_true", help="also run the sample company")
    parser.add_argument("--warehouse", type=Path, default=Path("data/warehouse/sop.duckdb"))
    parser.add_argument("--settings", type=Path, default=Path("data/settings.yaml"))
    parser.add_argument("--month", type=dt.date.fromisoformat, default=dt.date(2025, 10, 1))
    parser.add_argument(
        "--highs", action="append", default=[], metavar="KEY=VALUE", help="HiGHS option"
    )
    parser.add_argument("--crossover", action="store_true", help="crossover after IPM")
    parser.add_argument(
        "--upside",
        choices=["auto", "always"],
        default="auto",
        help="auto: the upside only where plan_balance plans it (balance.upside: auto)",
    )
    parser.add_argument(
        "--upside-from-base",
        action="store_true",
        help="start the upside solve from the base plan's bases (plan_balance solves it cold)",
    )
    parser.add_argument("--label", default="", help="free text stored with the run")
    parser.add_argument("--out", type=Path, default=Path("bench/out/constrained_plan.jsonl"))
    args = parser.parse_args(argv)

    extra = dict((k, _parse_value(v)) for k, v in (option.split("=", 1) for option in args.highs))
    patch_highs(extra, args.crossover)
    common = {
        "when": dt.datetime.now().isoformat(timespec="seconds"),
        "cpu_model": cpu_model(),
        "cores": os.cpu_count(),
        "affinity": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "highs": metadata.version("highspy"),
        "highs_options": extra | ({"run_crossover": "on"} if args.crossover else {}),
        "prototypes": ["upside_from_base"] if args.upside_from_base else [],
        "note": args.label,
        "load_average": os.getloadavg(),
        "balance_sources_sha1": _sources_digest(),
    }
    records = []
    if args.sample:
        meter = Meter()
        result = run_sample(meter, args.warehouse, args.settings, args.month)
        records.append(
            {
                **common,
                "label": f"sample company, plan month {args.month}",
                "kind": "sample",
                "sizes": {k: result[k] for k in ("variables", "constraints", "nonzeros")}
                | {"blocks": result["sub_networks"]},
                "result": result,
                "phases": meter.phases,
                "process_peak_rss_mib": round(meter.process_peak_kib / 1024, 1),
            }
        )
    if args.synthetic:
        n_comp = args.components if args.components is not None else 2 * args.items
        meter = Meter()
        with meter.phase("generate") as rec:
            company = synthetic_company(
                args.items,
                n_comp,
                args.months,
                args.seed,
                args.resources,
                args.lines,
                args.capacity_tightness,
                args.cash_tightness,
            )
            rec["bom_rows"] = company.bom_rows
            rec["max_parents_of_a_shared_component"] = int(company.shared_parents.max())
        settings = ModelSettings(cash_path=args.cash_path)
        methods = [m.strip() for m in args.methods.split(",") if m.strip()]
        sizes = run_methods(meter, company.base, settings, methods, args.time_limit)
        record = {
            **common,
            "label": f"synthetic {args.items:,} FG x {n_comp:,} components x {args.months} months",
            "kind": "synthetic",
            "items": args.items,
            "components": n_comp,
            "months": args.months,
            "seed": args.seed,
            "resources": args.resources,
            "cash_path": args.cash_path,
            "sizes": {k: v for k, v in sizes.items() if k != "binding_by_type"},
            "binding_by_type": sizes.get("binding_by_type", {}),
        }
        if args.pipeline:
            record.update(
                run_pipeline(
                    meter,
                    company,
                    settings,
                    methods[0],
                    args.top_n,
                    args.upside_from_base,
                    args.upside == "always",
                    args.workers,
                )
            )
        record["phases"] = meter.phases
        record["process_peak_rss_mib"] = round(meter.process_peak_kib / 1024, 1)
        record["goal"] = {}
        for method in methods:
            phase = meter.phases.get(f"solve_{method}", {})
            record["goal"][method] = {
                "status": phase.get("status"),
                "solve_seconds": phase.get("seconds"),
                "peak_rss_mib": phase.get("peak_rss_mib"),
                "met": phase.get("status") == "optimal"
                and phase["seconds"] <= 120
                and phase["peak_rss_mib"] <= 2048,
            }
        records.append(record)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("a") as out:
        for record in records:
            out.write(json.dumps(record, default=_json_default) + "\n")
    for record in records:
        print(markdown(record))
        print()
    return 0


def _sources_digest() -> str:
    """A digest of ``sop_pipeline/balance/*.py`` (the code measured changes often)."""
    import hashlib

    digest = hashlib.sha1()
    for path in sorted(Path(solver_module.__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | dt.date):
        return str(value)
    raise TypeError(type(value))


if __name__ == "__main__":
    sys.exit(main())
