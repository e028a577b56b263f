-- group: decisions
-- Whose decisions pay off: the meeting's decisions as scored this plan month, by issue type and
-- by owner - how many, how many are final (every month they covered has closed), how often a
-- final one added value, and the value added in margin and cash beside what was expected.
with scored as (
    select *
    from sop_mart.decision_outcomes
    where plan_month = getvariable('plan_month')
),

by_issue_type as (
    select
        'issue type' as dimension,
        category as value,
        *
    from scored
),

by_owner as (
    select
        'owner' as dimension,
        owner as value,
        *
    from scored
),

both_views as (
    select * from by_issue_type
    union all by name
    select * from by_owner
)

select
    getvariable('plan_month') as plan_month,
    dimension,
    value,
    count(*) as decisions,
    count(*) filter (where is_final) as final,
    count(*) filter (where is_final and value_added_margin > 0) as paid_off,
    count(*) filter (where is_final and value_added_margin > 0)
        / nullif(count(*) filter (where is_final), 0) as hit_rate,
    exact_sum(expected_value_added) as expected_value_added,
    exact_sum(value_added_margin) as value_added_margin,
    exact_sum(value_added_cash) as value_added_cash,
    exact_sum(extra_cost) as extra_cost
from both_views
group by dimension, value
