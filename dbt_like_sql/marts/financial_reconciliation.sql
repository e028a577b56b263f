-- group: kpis
-- Revenue three ways for every forecast month, per family and for the company ('__total__'):
-- the demand (forecast net revenue), what the constrained plan can deliver (its base sales at
-- the same net prices) and what the financial plan assumed; gap = forecast - plan (negative:
-- the forecast falls short), constrained_gap = constrained plan - plan. The company plan is the
-- plan's company row (blank family), else the sum of its family rows, so a family-only plan
-- still has a company total.
with item_families as (
    select item, family
    from sop_mart.forecast
    where plan_month = getvariable('plan_month')
    group by item, family
),

constrained_by_family as (
    select plan.month, item_families.family, exact_sum(plan.sales_revenue) as constrained_revenue
    from sop_mart.constrained_plan as plan
    join item_families using (item)
    where plan.plan_month = getvariable('plan_month')
      and plan.scenario = 'base'
    group by plan.month, item_families.family
),

forecast_by_family as (
    select forecast.month, forecast.family, exact_sum(forecast.forecast_revenue) as forecast_revenue,
        any_value(constrained.constrained_revenue) as constrained_revenue
    from sop_mart.forecast as forecast
    left join constrained_by_family as constrained
        on constrained.month = forecast.month
        and constrained.family is not distinct from forecast.family
    where forecast.plan_month = getvariable('plan_month')
    group by forecast.month, forecast.family
),

forecast_total as (
    select month, '__total__' as family, exact_sum(forecast_revenue) as forecast_revenue,
        exact_sum(constrained_revenue) as constrained_revenue
    from forecast_by_family
    group by month
),

forecast_revenue as (
    select * from forecast_by_family
    union all
    select * from forecast_total
),

plan_rows as (
    select month, nullif(trim(family), '') as family, planned_revenue
    from staging.financial_plan
    where plan_month = getvariable('plan_month')
      and month in (select distinct month from forecast_by_family)
),

family_plan as (
    select month, family, exact_sum(planned_revenue) as planned_revenue, 'family' as plan_basis
    from plan_rows
    where family is not null
    group by month, family
),

company_row_plan as (
    select month, exact_sum(planned_revenue) as planned_revenue
    from plan_rows
    where family is null
    group by month
),

sum_of_families_plan as (
    select month, exact_sum(planned_revenue) as planned_revenue
    from family_plan
    group by month
),

company_plan as (
    select
        month,
        '__total__' as family,
        coalesce(company_row.planned_revenue, families.planned_revenue) as planned_revenue,
        case when company_row.month is not null then 'company_row' else 'sum_of_families' end
            as plan_basis
    from sum_of_families_plan as families
    full outer join company_row_plan as company_row using (month)
),

plan as (
    select * from family_plan
    union all
    select * from company_plan
)

select
    getvariable('plan_month') as plan_month,
    coalesce(forecast_revenue.month, plan.month) as month,
    coalesce(forecast_revenue.family, plan.family) as family,
    coalesce(forecast_revenue.forecast_revenue, 0) as forecast_revenue,
    plan.planned_revenue,
    coalesce(forecast_revenue.forecast_revenue, 0) - plan.planned_revenue as gap,
    (coalesce(forecast_revenue.forecast_revenue, 0) - plan.planned_revenue)
        / nullif(plan.planned_revenue, 0) as gap_pct,
    plan.plan_basis,
    coalesce(forecast_revenue.constrained_revenue, 0) as constrained_revenue,
    coalesce(forecast_revenue.constrained_revenue, 0) - plan.planned_revenue as constrained_gap
from forecast_revenue
full outer join plan using (month, family)
