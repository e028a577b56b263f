-- The S&OP action and decision log as it stood at the plan month's close.
select
    plan_month,
    action_id,
    to_month(opened_month) as opened_month,
    topic,
    owner,
    to_date(due_date) as due_date,
    status,
    decision
from raw.actions
where plan_month = getvariable('plan_month')
