-- The month's order lines, typed; negative lines are returns.
select
    plan_month,
    to_date(date) as date,
    item,
    to_number(ordered_qty) as ordered_qty,
    to_number(shipped_qty) as shipped_qty,
    to_number(net_revenue) as net_revenue,
    customer,
    channel,
    location
from raw.sales
where plan_month = getvariable('plan_month')
