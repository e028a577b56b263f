-- Purchase and production orders open at the month's close, typed.
select
    plan_month,
    po,
    item,
    to_number(qty_open) as qty_open,
    to_date(due_date) as due_date
from raw.open_purchase_orders
where plan_month = getvariable('plan_month')
