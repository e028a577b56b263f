"""Re-planning a month writes byte-identical marts: the SQL models' sums do not depend on the
order in which rows arrive (DuckDB aggregates in parallel), and their rows are written sorted."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sop_pipeline_tests.sql_fixtures import PLAN, connect, run_sql_model

MONTHS = [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1)]


def _forecast(rng: np.random.Generator) -> pd.DataFrame:
    """300 items in 6 families with revenues spread over five orders of magnitude, so that a
    floating-point sum taken in another order differs in its last digits."""
    items = pd.DataFrame({"item": [f"I{i:03d}" for i in range(300)]})
    items["family"] = [f"F{i % 6}" for i in range(300)]
    rows = items.merge(pd.DataFrame({"month": MONTHS}), how="cross")
    rows["forecast_qty"] = rng.lognormal(3, 2, len(rows))
    rows["forecast_revenue"] = rows["forecast_qty"] * rng.lognormal(2, 1, len(rows))
    rows["plan_month"] = PLAN
    return rows


def _plan() -> pd.DataFrame:
    return pd.DataFrame(
        [(PLAN, m, f"F{f}", 1000.0 * (f + 1)) for m in MONTHS for f in range(6)],
        columns=["plan_month", "month", "family", "planned_revenue"],
    )


def test_reconciliation_does_not_depend_on_the_order_of_the_forecast_rows() -> None:
    rng = np.random.default_rng(7)
    forecast = _forecast(rng)
    outputs = []
    for seed in range(6):
        shuffled = forecast.sample(frac=1, random_state=seed).reset_index(drop=True)
        con = connect({"sop_mart.forecast": shuffled, "staging.financial_plan": _plan()})
        con.execute("set threads = 4")
        outputs.append(run_sql_model(con, "marts/financial_reconciliation"))
        con.close()
    first = outputs[0]
    assert len(first) == len(MONTHS) * 7  # six families and the company, each month
    keys = ["month", "family"]
    for other in outputs[1:]:
        # the same sums to the last bit ...
        pd.testing.assert_frame_equal(
            other.sort_values(keys, ignore_index=True),
            first.sort_values(keys, ignore_index=True),
            check_exact=True,
        )
        # ... written in the same order
        pd.testing.assert_frame_equal(other, first, check_exact=True)


def test_exact_sums_equal_the_sum_of_the_values_to_nine_decimals() -> None:
    """The order-free sum is the exact sum of the values rounded to 9 decimals."""
    con = connect({})
    values = [0.1, 0.2, 0.3, 1e12, -1e12, 1 / 3]
    con.execute("create table t as select unnest(?::DOUBLE[]) as v", [values])
    from sop_pipeline.lib.sql_models import macro_statements

    for statement in macro_statements():
        con.execute(statement)
    total, mean = con.execute("select exact_sum(v), exact_avg(v) from t").fetchone()
    assert total == 0.6 + 0.333333333  # 1e12 - 1e12 cancels exactly; 1/3 to 9 decimals
    assert mean == total / 6
