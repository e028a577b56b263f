"""The ``sop-pipeline forecast`` command: the engine's model selection on any monthly file."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from sop_pipeline.forecast.intervals import interval_columns
from sop_pipeline.forecast.pipeline import forecast_series
from sop_pipeline.forecast.settings import EngineSettings

OUTPUT_COLUMNS = ("unique_id", "ds", "yhat")


def forecast_file(
    input_csv: str | Path,
    output_csv: str | Path,
    horizon: int,
    levels: Sequence[int] = (80, 95),
    *,
    settings: EngineSettings | None = None,
) -> pd.DataFrame:
    """Forecast every series of a monthly long-format CSV and write the forecast CSV.

    Args:
        input_csv: a CSV with columns ``unique_id, ds, y`` and optionally ``family`` (series of
            one family pool their seasonal indices); other columns are ignored.
        output_csv: where to write ``unique_id, ds, yhat, lo-<l>, hi-<l>`` for each level,
            ``model``, with ``ds`` as ``YYYY-MM-DD``.
        horizon: months to forecast.
        levels: interval levels in percent.
        settings: further settings (``horizon`` and ``levels`` above take precedence).

    Returns:
        The per-series selection table (model, class, cross-validation errors).

    Raises:
        ValueError: on a malformed input file.
    """
    base = settings or EngineSettings()
    settings = EngineSettings(**{**base.__dict__, "horizon": horizon, "levels": tuple(levels)})
    history = pd.read_csv(input_csv, dtype={"unique_id": str})
    families = None
    if "family" in history.columns:
        families = history[["unique_id", "family"]].dropna().drop_duplicates("unique_id")
    result = forecast_series(history, settings, families=families)
    out = result.forecast[[*OUTPUT_COLUMNS, *interval_columns(settings.levels), "model"]]
    out.assign(ds=out["ds"].dt.strftime("%Y-%m-%d")).to_csv(output_csv, index=False)
    return result.selection


def add_forecast_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the ``forecast`` subcommand's arguments on ``parser``."""
    parser.add_argument(
        "--input", required=True, type=Path, help="CSV with unique_id, ds, y [, family]"
    )
    parser.add_argument("--output", required=True, type=Path, help="forecast CSV to write")
    parser.add_argument("--horizon", type=int, default=12, help="months to forecast (12)")
    parser.add_argument(
        "--level", type=int, nargs="+", default=[80, 95], help="interval levels (80 95)"
    )
    parser.add_argument(
        "--selection",
        choices=["standard", "fast"],
        default=EngineSettings.selection,
        help="candidate models: 'standard' (default) or 'fast' (without seasonal AutoETS)",
    )
    parser.add_argument("--n-jobs", type=int, default=-1, help="worker processes (-1: every core)")
    parser.add_argument("--selection-output", type=Path, help="also write the model table here")


def forecast_from_args(args: argparse.Namespace) -> int:
    """Run the ``forecast`` subcommand; returns the exit code."""
    started = time.perf_counter()
    try:
        settings = EngineSettings(selection=args.selection, n_jobs=args.n_jobs)
        selection = forecast_file(
            args.input, args.output, args.horizon, args.level, settings=settings
        )
    except (ValueError, OSError) as exc:
        print(f"sop-pipeline forecast: {exc}", file=sys.stderr)
        return 2
    if args.selection_output:
        selection.to_csv(args.selection_output, index=False)
    counts = selection["model"].value_counts()
    print(
        f"forecast {len(selection)} series x {args.horizon} months in "
        f"{time.perf_counter() - started:.1f} s -> {args.output}"
    )
    print("models: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
    return 0
