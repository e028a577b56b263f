-- group: meeting
-- Promotions running in the forecast horizon, with the uplift the forecast applies (the
-- promotion's own, or the lift measured on past promotions when it gives none) and the lift
-- the forecast carries for them.
with horizon as (
    select min(month) as first_month, max(month) as last_month
    from sop_mart.forecast
    where plan_month = getvariable('plan_month')
),

promotions as (
    select *
    from staging.promotions
    where plan_month = getvariable('plan_month')
      and end_month >= (select first_month from horizon)
      and start_month <= (select last_month from horizon)
),

applied_uplift as (
    select promo_id, item, applied_uplift_pct, uplift_source
    from sop_mart.promotion_lift
    where plan_month = getvariable('plan_month')
),

lift as (
    select
        promotions.promo_id,
        promotions.item,
        exact_sum(forecast.promo_qty) as promo_qty,
        exact_sum(forecast.promo_qty * coalesce(forecast.net_price, 0)) as promo_revenue
    from promotions
    join sop_mart.forecast as forecast
        on forecast.plan_month = getvariable('plan_month')
        and forecast.item = promotions.item
        and forecast.month between promotions.start_month and promotions.end_month
    group by promotions.promo_id, promotions.item
)

select
    getvariable('plan_month') as plan_month,
    promotions.promo_id,
    promotions.item,
    promotions.description,
    promotions.start_month,
    promotions.end_month,
    coalesce(applied_uplift.applied_uplift_pct, promotions.uplift_pct) as uplift_pct,
    coalesce(applied_uplift.uplift_source, 'plan') as uplift_source,
    coalesce(lift.promo_qty, 0) as promo_qty,
    coalesce(lift.promo_revenue, 0) as promo_revenue
from promotions
left join lift using (promo_id, item)
left join applied_uplift using (promo_id, item)
order by promotions.start_month, promotions.item
