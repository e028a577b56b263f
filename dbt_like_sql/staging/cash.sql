-- The cash position in force for the plan month: the cash at the close of each as_of_month
-- and the monthly operating burn (the latest row up to the plan month is the one used).
select
    plan_month,
    to_month(as_of_month) as as_of_month,
    to_number(opening_cash) as opening_cash,
    to_number(monthly_operating_burn) as monthly_operating_burn
from raw.cash
where plan_month = getvariable('plan_month')
