"""sop_pipeline: the monthly Sales & Operations Planning cycle as Dagster assets over DuckDB."""

import warnings

# The backfill policy we rely on for single-run backfills is marked beta in Dagster 1.13, and
# partitioned asset-check specs (the validation checks, one per plan month) preview.
warnings.filterwarnings("ignore", message=r".*is currently in beta.*")
warnings.filterwarnings("ignore", message=r".*is currently in preview.*")

__version__ = "0.1.0"
