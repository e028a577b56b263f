"""Where a ``sop-pipeline run`` spent its time, read from the Dagster instance that recorded it.

    make run
    .venv/bin/python bench/run_breakdown.py [--home data/warehouse/dagster_home] [--top 8]

For each run the home records, oldest first: its job and partition(s), its wall time (first to
last event), the number of events Dagster stored for it, the sum of its step times, and its
slowest steps. The difference between a run's wall time and its steps is Dagster's own work
(creating the run, its planned events, starting and ending it).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import dagster as dg

from sop_pipeline.lib.instance import open_instance


def run_rows(instance: dg.DagsterInstance, top: int) -> list[str]:
    lines = []
    for run in reversed(instance.get_runs()):
        records = instance.all_logs(run.run_id)
        if not records:
            continue
        started: dict[str, float] = {}
        steps: list[tuple[float, str]] = []
        for record in records:
            event = record.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type == dg.DagsterEventType.STEP_START:
                started[event.step_key] = record.timestamp
            elif event.event_type in (
                dg.DagsterEventType.STEP_SUCCESS,
                dg.DagsterEventType.STEP_FAILURE,
            ):
                begin = started.get(event.step_key, record.timestamp)
                steps.append((record.timestamp - begin, event.step_key))
        months = run.tags.get("dagster/partition") or (
            f"{run.tags.get('dagster/asset_partition_range_start')}.."
            f"{run.tags.get('dagster/asset_partition_range_end')}"
        )
        wall = records[-1].timestamp - records[0].timestamp
        lines.append(
            f"{run.job_name} {months}: {wall:.1f} s, {len(records)} events, "
            f"steps {sum(s for s, _ in steps):.1f} s"
        )
        lines += [f"    {seconds:6.2f} s  {key}" for seconds, key in sorted(steps)[::-1][:top]]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default="data/warehouse/dagster_home", type=Path)
    parser.add_argument("--top", default=8, type=int, help="slowest steps shown per run")
    args = parser.parse_args()
    with open_instance(args.home.resolve()) as instance:
        for line in run_rows(instance, args.top):
            print(line)


if __name__ == "__main__":
    main()
