-- group: meeting
-- The S&OP action log carried into the meeting: the hand-kept log (actions.csv) and the
-- actions the earlier meetings' recorded decisions created; an open action is overdue when it
-- was due before the meeting (plan month end + the configured grace days).
with meeting as (
    select
        plan_month_close() + getvariable('meeting_overdue_grace_days') as meeting_date
),

hand_kept as (
    select
        action_id,
        opened_month,
        topic,
        owner,
        due_date,
        status,
        decision,
        'action log' as source
    from staging.actions
    where plan_month = getvariable('plan_month')
),

from_decisions as (
    select
        action_id,
        decided_month as opened_month,
        'Carry out the ' || strftime(decided_month, '%Y-%m') || ' decision on ' || issue
            || ' (' || application || ')' as topic,
        owner,
        due_date,
        status,
        coalesce(nullif(decision, ''), option) as decision,
        'decision' as source
    from sop_mart.decisions
    where plan_month = getvariable('plan_month')
),

log as (
    select * from hand_kept
    union all
    select * from from_decisions
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
    log.source,
    meeting.meeting_date,
    log.status = 'open' and log.due_date < meeting.meeting_date as is_overdue,
    case
        when log.status = 'open' and log.due_date < meeting.meeting_date
            then datediff('day', log.due_date, meeting.meeting_date)
        else 0
    end as days_overdue
from log, meeting
