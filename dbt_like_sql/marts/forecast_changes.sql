-- group: forecast
-- This plan month's forecast against the prior plan month's, per finished good, over the
-- months both cover; an exception when the change is large both in percent and in revenue.
with current_forecast as (
    select item, month, forecast_qty, forecast_revenue
    from sop_mart.forecast
    where plan_month = getvariable('plan_month')
),

prior_forecast as (
    select item, month, forecast_qty, forecast_revenue
    from sop_mart.forecast
    where plan_month = getvariable('plan_month') - interval 1 month
),

overlap_months as (
    select distinct month
    from current_forecast
    where month in (select month from prior_forecast)
),

current_totals as (
    select item, sum(forecast_qty) as current_qty, sum(forecast_revenue) as current_revenue
    from current_forecast
    where month in (select month from overlap_months)
    group by item
),

prior_totals as (
    select item, sum(forecast_qty) as prior_qty, sum(forecast_revenue) as prior_revenue
    from prior_forecast
    where month in (select month from overlap_months)
    group by item
),

changes as (
    select
        coalesce(current_totals.item, prior_totals.item) as item,
        coalesce(prior_totals.prior_qty, 0) as prior_qty,
        coalesce(current_totals.current_qty, 0) as current_qty,
        coalesce(prior_totals.prior_revenue, 0) as prior_revenue,
        coalesce(current_totals.current_revenue, 0) as current_revenue
    from current_totals
    full outer join prior_totals on current_totals.item = prior_totals.item
),

items as (
    select item, family, description
    from staging.items
    where plan_month = getvariable('plan_month')
)

select
    getvariable('plan_month') as plan_month,
    changes.item,
    items.family,
    items.description,
    (select count(*) from overlap_months) as months_compared,
    changes.prior_qty,
    changes.current_qty,
    changes.current_qty - changes.prior_qty as change_qty,
    (changes.current_qty - changes.prior_qty) / nullif(changes.prior_qty, 0) as change_pct,
    changes.prior_revenue,
    changes.current_revenue,
    changes.current_revenue - changes.prior_revenue as change_revenue,
    coalesce(
        abs(changes.current_revenue - changes.prior_revenue)
            >= getvariable('exceptions_change_revenue')
        and (
            changes.prior_qty = 0
            or abs(changes.current_qty - changes.prior_qty) / changes.prior_qty
                >= getvariable('exceptions_change_pct')
        ),
        false
    ) as is_exception
from changes
left join items on changes.item = items.item
where (select count(*) from overlap_months) > 0
