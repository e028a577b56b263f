"""The seeded sample company: a natural skincare startup with in-house production.

``generate_company`` writes master data and one folder per closed month in the layout the
input contract describes (``sop_pipeline/ingest/contract.py``, ``docs/INPUTS.md``);
``python -m sop_pipeline.sample_data`` does the same from the command line.
"""

from sop_pipeline.sample_data.company import CompanySummary, default_components, generate_company

__all__ = ["CompanySummary", "default_components", "generate_company"]
