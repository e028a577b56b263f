-- The finance team's revenue plan in force for the plan month; a blank family is the company.
select
    plan_month,
    to_month(month) as month,
    family,
    to_number(planned_revenue) as planned_revenue
from raw.financial_plan
where plan_month = getvariable('plan_month')
