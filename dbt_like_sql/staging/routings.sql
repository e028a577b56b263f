-- The routings in force for the plan month: the resources each finished good is made on and
-- the capacity one unit takes on each.
select
    plan_month,
    item,
    resource,
    to_number(hours_per_unit) as hours_per_unit
from raw.routings
where plan_month = getvariable('plan_month')
