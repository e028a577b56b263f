-- group: forecast
-- Whose judgment to trust: every override evaluated up to this plan month, by owner and reason,
-- with how often it helped and the forecast error it removed (negative: added).
with evaluated as (
    select *
    from sop_mart.override_value
    where plan_month <= getvariable('plan_month')
)

select
    getvariable('plan_month') as plan_month,
    owner,
    reason,
    count(*) as overrides,
    count(*) filter (where outcome = 'helped') as helped,
    count(*) filter (where outcome = 'hurt') as hurt,
    count(*) filter (where outcome = 'helped') / count(*) as hit_rate,
    exact_sum(statistical_abs_error) as statistical_abs_error,
    exact_sum(final_abs_error) as final_abs_error,
    exact_sum(error_reduction) as error_reduction,
    exact_sum(error_reduction) / nullif(exact_sum(actual_qty), 0) as wape_points_added,
    case
        when exact_sum(error_reduction) > 0 then 'trust'
        when exact_sum(error_reduction) < 0 then 'challenge'
        else 'neutral'
    end as verdict
from evaluated
group by owner, reason
