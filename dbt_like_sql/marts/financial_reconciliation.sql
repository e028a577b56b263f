-- group: kpis
-- Forecast revenue against the financial plan for every forecast month, per family and for the
-- company ('__total__'); gap = forecast - plan (negative: the forecast falls short).
with forecast_by_family as (
    select month, family, sum(forecast_revenue) as forecast_revenue
    from sop_mart.forecast
    where plan_month = getvariable('plan_month')
    group by month, family
),

forecast_total as (
    select month, '__total__' as family, sum(forecast_revenue) as forecast_revenue
    from forecast_by_family
    group by month
),

forecast_revenue as (
    select * from forecast_by_family
    union all
    select * from forecast_total
),

plan as (
    select month, coalesce(family, '__total__') as family, sum(planned_revenue) as planned_revenue
    from staging.financial_plan
    where plan_month = getvariable('plan_month')
      and month in (select distinct month from forecast_by_family)
    group by month, coalesce(family, '__total__')
)

select
    getvariable('plan_month') as plan_month,
    coalesce(forecast_revenue.month, plan.month) as month,
    coalesce(forecast_revenue.family, plan.family) as family,
    coalesce(forecast_revenue.forecast_revenue, 0) as forecast_revenue,
    plan.planned_revenue,
    coalesce(forecast_revenue.forecast_revenue, 0) - plan.planned_revenue as gap,
    (coalesce(forecast_revenue.forecast_revenue, 0) - plan.planned_revenue)
        / nullif(plan.planned_revenue, 0) as gap_pct
from forecast_revenue
full outer join plan using (month, family)
