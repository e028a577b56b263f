-- The month-end stock count, typed: one row per item, location and lot.
select
    plan_month,
    item,
    location,
    lot,
    to_date(expiry_date) as expiry_date,
    to_number(on_hand_qty) as on_hand_qty,
    to_number(unit_cost) as unit_cost
from raw.inventory
where plan_month = getvariable('plan_month')
