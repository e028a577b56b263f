"""Command line: ``python -m sop_pipeline.sample_data [--out data] [--items 40] ...``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from sop_pipeline.sample_data.company import generate_company
from sop_pipeline.sample_data.files import FORMATS


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The generator's options."""
    parser = argparse.ArgumentParser(
        prog="python -m sop_pipeline.sample_data",
        description="Write the seeded sample company (master data and closed months).",
    )
    parser.add_argument("--out", type=Path, default=Path("data"), help="data directory")
    parser.add_argument("--items", type=int, default=40, help="finished goods")
    parser.add_argument(
        "--components", type=int, default=None, help="components (default 2 x items + 20)"
    )
    parser.add_argument("--months", type=int, default=36, help="closed months of history")
    parser.add_argument("--end", default="2025-10", help="last closed month, YYYY-MM")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    parser.add_argument("--format", choices=FORMATS, default="csv", help="file format")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Generate the company and print what was written."""
    args = parse_args(argv)
    started = time.perf_counter()
    try:
        summary = generate_company(
            args.out,
            n_items=args.items,
            n_components=args.components,
            n_months=args.months,
            end_month=args.end,
            seed=args.seed,
            fmt=args.format,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for field in dataclasses.fields(summary):
        value = getattr(summary, field.name)
        if isinstance(value, tuple):
            value = ", ".join(value) if len(value) <= 8 else f"{len(value)} items"
        print(f"{field.name:>24}: {value}")
    print(f"{'seconds':>24}: {time.perf_counter() - started:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
