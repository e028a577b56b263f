-- Planned promotions in force for the plan month (uplift_pct in percent: 20 = +20 %).
select
    plan_month,
    promo_id,
    item,
    to_month(start_month) as start_month,
    to_month(end_month) as end_month,
    to_number(uplift_pct) as uplift_pct,
    description
from raw.promotions
where plan_month = getvariable('plan_month')
