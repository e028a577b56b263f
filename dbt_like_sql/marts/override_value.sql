-- group: forecast
-- Every planner override whose month has now closed: did it move the forecast toward the actual
-- demand (helped) or away from it (hurt)? Evaluated in the plan month of the overridden month.
with actuals as (
    select item, demand_qty as actual_qty
    from staging.demand_history
    where plan_month = getvariable('plan_month')
),

overrides_due as (
    select
        plan_month as override_plan_month,
        item,
        override_qty,
        adjustment_pct,
        override_owner as owner,
        override_reason as reason,
        statistical_qty,
        forecast_qty as final_qty
    from sop_mart.forecast
    where month = getvariable('plan_month')
      and plan_month < getvariable('plan_month')
      and (override_qty is not null or adjustment_pct is not null)
),

scored as (
    select
        overrides_due.*,
        coalesce(actuals.actual_qty, 0) as actual_qty,
        abs(overrides_due.statistical_qty - coalesce(actuals.actual_qty, 0))
            as statistical_abs_error,
        abs(overrides_due.final_qty - coalesce(actuals.actual_qty, 0)) as final_abs_error
    from overrides_due
    left join actuals using (item)
)

select
    getvariable('plan_month') as plan_month,
    item,
    override_plan_month,
    datediff('month', override_plan_month, getvariable('plan_month')) as lag,
    owner,
    reason,
    override_qty,
    adjustment_pct,
    statistical_qty,
    final_qty,
    actual_qty,
    statistical_abs_error,
    final_abs_error,
    statistical_abs_error - final_abs_error as error_reduction,
    case
        when final_abs_error < statistical_abs_error then 'helped'
        when final_abs_error > statistical_abs_error then 'hurt'
        else 'neutral'
    end as outcome
from scored
