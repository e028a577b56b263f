"""The plan-month partitions: one partition per closed month, keyed ``YYYY-MM-01``."""

from __future__ import annotations

import dagster as dg

FIRST_PLAN_MONTH = "2018-01-01"

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_PLAN_MONTH)
