-- The item master in force for the plan month (the month folder's items.csv when it has one,
-- else master/), typed.
select
    plan_month,
    item,
    item_type,
    description,
    family,
    uom,
    to_number(unit_cost) as unit_cost,
    to_number(unit_price) as unit_price,
    to_number(lead_time_days) as lead_time_days,
    to_number(lead_time_std_days) as lead_time_std_days,
    to_number(moq) as moq,
    to_number(order_multiple) as order_multiple,
    to_number(shelf_life_days) as shelf_life_days,
    to_number(service_level) as service_level,
    to_date(launch_date) as launch_date,
    coalesce(status, 'active') as status
from raw.items
where plan_month = getvariable('plan_month')
