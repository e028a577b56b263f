-- The production resources in force for the plan month (the month folder's resources.csv when
-- it has one, else master/) with their regular and overtime capacity a month; empty when the
-- company plans no capacity.
select
    plan_month,
    resource,
    description,
    to_number(capacity_per_month) as capacity_per_month,
    coalesce(to_number(overtime_capacity_per_month), 0) as overtime_capacity_per_month,
    coalesce(to_number(overtime_cost_per_unit), 0) as overtime_cost_per_unit
from raw.resources
where plan_month = getvariable('plan_month')
