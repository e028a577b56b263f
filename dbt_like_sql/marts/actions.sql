-- group: meeting
-- The S&OP action log carried into the meeting: an open action is overdue when it was due
-- before the meeting (plan month end + the configured grace days).
with meeting as (
    select
        (getvariable('plan_month') + interval 1 month - interval 1 day)::date
            + getvariable('meeting_overdue_grace_days') as meeting_date
),

log as (
    select *
    from staging.actions
    where plan_month = getvariable('plan_month')
)

select
    getvariable('plan_month') as plan_month,
    log.action_id,
    log.opened_month,
    log.topic,
    log.owner,
    log.due_date,
    log.status,
    log.decision,
    meeting.meeting_date,
    log.status = 'open' and log.due_date < meeting.meeting_date as is_overdue,
    case
        when log.status = 'open' and log.due_date < meeting.meeting_date
            then datediff('day', log.due_date, meeting.meeting_date)
        else 0
    end as days_overdue
from log, meeting
