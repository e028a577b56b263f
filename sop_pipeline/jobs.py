"""Jobs: ingest closed months (any range in one run), and the monthly plan of one month."""

import warnings

import dagster as dg

# Ingest assets take a month range in one run (single-run backfill); the plan assets go month by
# month. Dagster warns on every resolution of a job holding both; the mix is intended.
warnings.filterwarnings(
    "ignore", message="Asset job monthly_plan_job materializes assets with varying BackfillPolicies"
)

INGEST_GROUPS = ("ingest", "staging")
INGESTED_KEY = dg.AssetKey(["staging", "ingest_summary"])
"""The ingest job's last asset: it reads every staging table, so a month it has materialized
is completely ingested, validated and staged."""

ingest_job = dg.define_asset_job(
    name="ingest_job",
    selection=dg.AssetSelection.groups(*INGEST_GROUPS),
    description="Load, validate and stage the input files of closed months (a range is one run).",
)

DECISIONS_KEY = dg.AssetKey(["raw", "decisions"])
"""The meeting's recorded decisions of a month: written after the month is planned (by
``sop-pipeline decide``, or before the next month is planned when the file changed), so not
part of the month's own plan run."""
RECORDED_AFTER_THE_PLAN = {"sop/recorded": "after_the_plan"}
"""The tag of the assets a month's plan run leaves out (:data:`DECISIONS_KEY`)."""
_AFTER_THE_PLAN = dg.AssetSelection.tag(*next(iter(RECORDED_AFTER_THE_PLAN.items())))

monthly_plan_job = dg.define_asset_job(
    name="monthly_plan_job",
    selection=dg.AssetSelection.all() - _AFTER_THE_PLAN,
    description="The whole S&OP cycle for one plan month: ingest to meeting pack.",
)

record_decisions_job = dg.define_asset_job(
    name="record_decisions_job",
    selection=_AFTER_THE_PLAN,
    description="Record what a month's meeting decided (its decisions.csv, checked against "
    "its options): the next month's plan applies it.",
)
