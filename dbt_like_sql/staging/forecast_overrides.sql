-- The planners' overrides submitted with the month: a quantity or a percent adjustment per
-- item and forecast month.
select
    plan_month,
    item,
    to_month(month) as month,
    to_number(override_qty) as override_qty,
    to_number(adjustment_pct) as adjustment_pct,
    reason,
    owner
from raw.forecast_overrides
where plan_month = getvariable('plan_month')
