"""Time the validation of the last N months of an ingested warehouse, outside Dagster.

    DB=/tmp/sop_scale/warehouse_10000/sop.work.duckdb
    .venv/bin/python bench/validation_speed.py --db $DB --months 12
    .venv/bin/pyinstrument -i 0.01 --show '*great_expectations*' \
        bench/validation_speed.py --db $DB --months 12

Reads the raw tables and the load log the way the ``validate_inputs`` check does and runs the same
validation (Great Expectations suites included); prints seconds (GX import excluded), the
process's peak resident memory and the rules that failed. A warehouse to point it at is left by
``bench/scale_benchmark.py``.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from sop_pipeline.ingest.contract import InputFile
from sop_pipeline.ingest.raw_tables import LOAD_LOG, raw_table
from sop_pipeline.validate.batches import validate_in_batches
from sop_pipeline.validate.checks import read_months, read_months_arrow


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="a working DuckDB file")
    parser.add_argument("--months", type=int, default=12, help="the last N months ingested")
    parser.add_argument(
        "--workers", type=int, default=1, help="processes validating batches at once"
    )
    args = parser.parse_args()
    con = duckdb.connect(str(args.db), read_only=True)
    last = con.execute(f"select max(plan_month) from {LOAD_LOG}").fetchall()[0][0]
    months = [d.date() for d in pd.date_range(end=last, periods=args.months, freq="MS")]

    def read(spec: InputFile, batch: list) -> pa.Table:
        return read_months_arrow(con, raw_table(spec), batch)

    log = read_months(con, LOAD_LOG, months)
    import great_expectations  # noqa: F401  (its ~6 s import is not validation time)

    started = time.perf_counter()
    results = validate_in_batches(read, log, months, workers=args.workers)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    failed = [f"{r.file}.{r.rule}: {r.bad_rows} rows" for r in results if not r.passed]
    print(
        f"{args.months} months validated in {seconds:.1f} s ({args.workers} worker(s)); "
        f"peak RSS {peak_mb} MB (this process)"
    )
    print("failed rules:", ", ".join(failed) or "none")


if __name__ == "__main__":
    main()
