"""Benchmark: one plan month's constrained-plan LP, as the pipeline builds it from a warehouse,
solved by HiGHS under several option sets (the base scenario only, no options priced).

Run (from the repository root) on a copy of a working file that is not in use, e.g. the scale
benchmark's:

    cp /tmp/sop_scale/warehouse_10000/sop.work.duckdb /tmp/plan.duckdb
    .venv/bin/python bench/highs_settings.py --db /tmp/plan.duckdb \\
        --settings /tmp/sop_scale/company_10000/settings.yaml --month 2025-10-01 \\
        --highs simplex_dual_edge_weight_strategy=-1 --highs simplex_dual_edge_weight_strategy=1

Each ``--highs`` is one run with that option set on top of the pipeline's own (several options
of one run: ``a=1,b=2``); one line per run: wall and CPU seconds, simplex iterations and the
objective (the same optimum whatever the settings, or the run is not comparable).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import duckdb

from sop_pipeline.balance.assets import plan_settings, read_balance_inputs
from sop_pipeline.balance.model import LpModel, build_model
from sop_pipeline.balance.plan import scenario_problems
from sop_pipeline.balance.solver import _highs, configured_highs
from sop_pipeline.settings import load_settings


def base_model(db: Path, settings_file: Path, month: dt.date) -> LpModel:
    """The base scenario's LP of ``month``, as ``plan_balance`` builds it."""
    config = load_settings(settings_file)
    with duckdb.connect(str(db), read_only=True) as con:
        inputs = read_balance_inputs(con, month, config)
    problems, _, settings = scenario_problems(inputs, plan_settings(config))
    return build_model(problems["base"], settings.model)


def solve_with(model: LpModel, options: dict[str, object]) -> str:
    h = configured_highs("simplex", 3600.0)
    for key, value in options.items():
        h.setOptionValue(key, value)
    h.passModel(_highs(model))
    wall, cpu = time.perf_counter(), time.process_time()
    h.run()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    info = h.getInfo()
    return (
        f"{options or 'pipeline settings'}: {h.modelStatusToString(h.getModelStatus())}, "
        f"{wall:.1f} s wall, {cpu:.1f} CPU-s, {info.simplex_iteration_count:,} iterations, "
        f"objective {h.getObjectiveValue():,.2f}"
    )


def _options(text: str) -> dict[str, object]:
    options: dict[str, object] = {}
    for part in filter(None, text.split(",")):
        key, value = part.split("=", 1)
        try:
            options[key] = int(value)
        except ValueError:
            try:
                options[key] = float(value)
            except ValueError:
                options[key] = value
    return options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a working DuckDB file's copy")
    parser.add_argument("--settings", type=Path, required=True, help="the company's settings")
    parser.add_argument("--month", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--highs", action="append", default=[], help="key=value[,key=value]")
    args = parser.parse_args()
    model = base_model(args.db, args.settings, args.month)
    size = model.matrix.nnz
    print(f"{model.n_cols:,} variables, {model.n_rows:,} constraints, {size:,} nonzeros")
    for text in args.highs or [""]:
        print(solve_with(model, _options(text)), flush=True)


if __name__ == "__main__":
    main()
