-- Capacity overrides of the plan month's folder: a resource's regular (and overtime) capacity
-- in given months, replacing resources.csv's for those months (overtime NULL: resources.csv's).
select
    plan_month,
    to_month(month) as month,
    resource,
    to_number(capacity_per_month) as capacity_per_month,
    to_number(overtime_capacity_per_month) as overtime_capacity_per_month
from raw.capacity
where plan_month = getvariable('plan_month')
