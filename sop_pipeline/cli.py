"""The ``sop-pipeline`` command line."""

import argparse
import atexit
import datetime as dt
import logging
import os
import sys
import time

from sop_pipeline.lib.months import parse_month


def _month(text: str) -> dt.date:
    try:
        return parse_month(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _add_location_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", help="the company's data directory (default: $SOP_DATA_DIR or ./data)"
    )
    parser.add_argument(
        "--db",
        help="the warehouse DuckDB file BI tools read "
        "(default: $SOP_DUCKDB_PATH or <data dir>/warehouse/sop.duckdb)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sop-pipeline", description="Monthly Sales & Operations Planning on Dagster + DuckDB."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run",
        help="bring the warehouse up to date and plan a month",
        description="Ingest every closed month not yet ingested, plan the given month (default: "
        "the latest closed one) and the earlier months accuracy tracking needs.",
    )
    run.add_argument("--month", type=_month, help="plan month YYYY-MM (default: latest closed)")
    _add_location_arguments(run)
    run.add_argument("-v", "--verbose", action="store_true", help="show Dagster's run log")
    run.add_argument(
        "--wait",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long to wait for another run of the same warehouse to finish (default 60)",
    )

    decide = commands.add_parser(
        "decide",
        help="record what the meeting decided on an issue",
        description="Record the option the meeting of a plan month chose for one of its issues "
        "(checked against the month's options), with its owner and due date; the next month's "
        "plan applies it and scores it once its months close.",
    )
    from sop_pipeline.decisions.cli import add_decide_arguments

    add_decide_arguments(decide, _month)
    _add_location_arguments(decide)

    status = commands.add_parser("status", help="what is ingested, planned, and the last run")
    _add_location_arguments(status)

    forecast = commands.add_parser(
        "forecast",
        help="forecast any monthly long-format CSV (unique_id, ds, y)",
        description="Run the pipeline's model selection on any monthly series file.",
    )
    from sop_pipeline.forecast.cli import add_forecast_arguments

    add_forecast_arguments(forecast)
    return parser


def _run(args: argparse.Namespace) -> int:
    from sop_pipeline.paths import Paths

    paths = Paths.resolve(args.data_dir, args.db)
    # the plan-month partitions start at this company's first month (sop_pipeline.partitions)
    os.environ["SOP_DATA_DIR"] = str(paths.data_dir)
    from sop_pipeline.runner import PipelineFailed, run_pipeline

    started = time.perf_counter()
    try:
        summary = run_pipeline(paths, args.month, verbose=args.verbose, lock_wait_seconds=args.wait)
    except PipelineFailed as exc:
        print(f"sop-pipeline: {exc}", file=sys.stderr)
        return exc.exit_code
    from sop_pipeline.report import summary_lines

    for line in summary_lines(paths, summary, time.perf_counter() - started):
        print(line)
    return 0


def _status(args: argparse.Namespace) -> int:
    from sop_pipeline.paths import Paths
    from sop_pipeline.status import status_lines

    for line in status_lines(Paths.resolve(args.data_dir, args.db)):
        print(line)
    return 0


def _decide(args: argparse.Namespace) -> int:
    from sop_pipeline.paths import Paths

    paths = Paths.resolve(args.data_dir, args.db)
    os.environ["SOP_DATA_DIR"] = str(paths.data_dir)
    from sop_pipeline.decisions.cli import decide, decided_lines
    from sop_pipeline.decisions.records import DecisionError
    from sop_pipeline.runner import PipelineFailed

    try:
        result = decide(paths, args.issue, args.option, args.owner, args.due, args.note, args.month)
    except DecisionError as exc:
        print(f"sop-pipeline decide: {exc}", file=sys.stderr)
        return 2
    except PipelineFailed as exc:
        print(f"sop-pipeline decide: {exc}", file=sys.stderr)
        return exc.exit_code
    for line in decided_lines(result):
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return _run(args)
    if args.command == "decide":
        return _decide(args)
    if args.command == "status":
        return _status(args)
    from sop_pipeline.forecast.cli import forecast_from_args

    return forecast_from_args(args)


def entry() -> None:
    """The ``sop-pipeline`` console script: :func:`main`, then the process ends without
    tearing the interpreter down. Every file and database is closed by then and the exit
    handlers run; what is skipped is freeing the objects of dagster, Great Expectations and
    pandas one by one (1.7 s after a run, 2 s after ``status``), which the OS does at once."""
    try:
        code = main()
    except SystemExit as exc:  # argparse: --help, a bad argument
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    atexit._run_exitfuncs()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # python -m sop_pipeline.cli: a normal exit (profilers write on exit)
    sys.exit(main())
