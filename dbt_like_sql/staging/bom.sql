-- The bill of materials in force for the plan month, typed (scrap_rate as a fraction).
select
    plan_month,
    parent,
    component,
    to_number(qty_per) as qty_per,
    coalesce(to_number(scrap_rate), 0) as scrap_rate
from raw.bom
where plan_month = getvariable('plan_month')
