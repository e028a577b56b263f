-- group: forecast
-- This plan month's forecast against the prior plan month's, per finished good, over the
-- months both cover; an exception when the change is large both in percent and in revenue -
-- either the net change over the months, or (a timing shift that nets to little) the sum of
-- the absolute monthly changes. Each row also says whether the statistical method changed
-- (model or source of seasonality), so an exception caused by a method switch says so, and
-- how much the forecast was revised: the mean absolute monthly change as a share of the
-- item's mean monthly demand over the last 12 months.
with current_forecast as (
    select item, month, forecast_qty, forecast_revenue
    from sop_mart.forecast
    where plan_month = getvariable('plan_month')
),

prior_forecast as (
    select item, month, forecast_qty, forecast_revenue
    from sop_mart.forecast
    where plan_month = getvariable('plan_month') - interval 1 month
),

overlap_months as (
    select distinct month
    from current_forecast
    where month in (select month from prior_forecast)
),

current_totals as (
    select item, exact_sum(forecast_qty) as current_qty, exact_sum(forecast_revenue) as current_revenue
    from current_forecast
    where month in (select month from overlap_months)
    group by item
),

prior_totals as (
    select item, exact_sum(forecast_qty) as prior_qty, exact_sum(forecast_revenue) as prior_revenue
    from prior_forecast
    where month in (select month from overlap_months)
    group by item
),

changes as (
    select
        coalesce(current_totals.item, prior_totals.item) as item,
        coalesce(prior_totals.prior_qty, 0) as prior_qty,
        coalesce(current_totals.current_qty, 0) as current_qty,
        coalesce(prior_totals.prior_revenue, 0) as prior_revenue,
        coalesce(current_totals.current_revenue, 0) as current_revenue
    from current_totals
    full outer join prior_totals on current_totals.item = prior_totals.item
),

items as (
    select item, family, description, unit_cost
    from staging.items
    where plan_month = getvariable('plan_month')
),

monthly_changes as (
    select
        coalesce(current_month.item, prior_month.item) as item,
        coalesce(current_month.forecast_qty, 0) - coalesce(prior_month.forecast_qty, 0)
            as change_qty,
        coalesce(current_month.forecast_revenue, 0) - coalesce(prior_month.forecast_revenue, 0)
            as change_revenue
    from (
        select * from current_forecast where month in (select month from overlap_months)
    ) as current_month
    full outer join (
        select * from prior_forecast where month in (select month from overlap_months)
    ) as prior_month
        on current_month.item = prior_month.item
        and current_month.month = prior_month.month
),

absolute_changes as (
    select
        monthly_changes.item,
        exact_sum(abs(monthly_changes.change_qty)) as abs_change_qty,
        exact_sum(abs(monthly_changes.change_revenue)) as abs_change_revenue,
        exact_sum(abs(
            monthly_changes.change_revenue
            - monthly_changes.change_qty * coalesce(items.unit_cost, 0)
        )) as abs_change_margin
    from monthly_changes
    left join items using (item)
    group by monthly_changes.item
),

recent_demand as (
    select item, exact_avg(demand_qty) as mean_demand
    from staging.demand_history
    where plan_month > getvariable('plan_month') - interval 12 month
      and plan_month <= getvariable('plan_month')
    group by item
),

current_method as (
    select item, model, seasonality_source
    from sop_mart.forecast_models
    where plan_month = getvariable('plan_month')
),

prior_method as (
    select item, model, seasonality_source
    from sop_mart.forecast_models
    where plan_month = getvariable('plan_month') - interval 1 month
),

method_changes as (
    select
        current_method.item,
        prior_method.model as prior_model,
        current_method.model as current_model,
        prior_method.model is not null and (
            prior_method.model <> current_method.model
            or prior_method.seasonality_source <> current_method.seasonality_source
        ) as is_method_switch,
        case
            when prior_method.model is null then null
            when prior_method.model <> current_method.model
                then 'model ' || prior_method.model || ' -> ' || current_method.model
            when prior_method.seasonality_source <> current_method.seasonality_source
                then 'seasonality from ' || prior_method.seasonality_source || ' -> '
                    || current_method.seasonality_source
        end as method_change
    from current_method
    left join prior_method using (item)
),

tests as (
    select
        changes.*,
        absolute_changes.abs_change_qty,
        absolute_changes.abs_change_revenue,
        absolute_changes.abs_change_margin,
        coalesce(
            abs(changes.current_revenue - changes.prior_revenue)
                >= getvariable('exceptions_change_revenue')
            and (
                changes.prior_qty = 0
                or abs(changes.current_qty - changes.prior_qty) / changes.prior_qty
                    >= getvariable('exceptions_change_pct')
            ),
            false
        ) as is_level_change,
        coalesce(
            absolute_changes.abs_change_revenue >= getvariable('exceptions_change_revenue')
            and (
                changes.prior_qty = 0
                or absolute_changes.abs_change_qty / changes.prior_qty
                    >= getvariable('exceptions_change_pct')
            ),
            false
        ) as is_large_monthly_change
    from changes
    left join absolute_changes using (item)
)

select
    getvariable('plan_month') as plan_month,
    tests.item,
    items.family,
    items.description,
    (select count(*) from overlap_months) as months_compared,
    tests.prior_qty,
    tests.current_qty,
    tests.current_qty - tests.prior_qty as change_qty,
    (tests.current_qty - tests.prior_qty) / nullif(tests.prior_qty, 0) as change_pct,
    tests.prior_revenue,
    tests.current_revenue,
    tests.current_revenue - tests.prior_revenue as change_revenue,
    tests.is_level_change or tests.is_large_monthly_change as is_exception,
    tests.abs_change_qty,
    tests.abs_change_revenue,
    tests.current_revenue - tests.prior_revenue
        - (tests.current_qty - tests.prior_qty) * coalesce(items.unit_cost, 0) as change_margin,
    tests.abs_change_margin,
    tests.is_large_monthly_change and not tests.is_level_change as is_timing_shift,
    tests.abs_change_qty
        / nullif((select count(*) from overlap_months) * recent_demand.mean_demand, 0)
        as revision_pct,
    method_changes.prior_model,
    method_changes.current_model,
    coalesce(method_changes.is_method_switch, false) as is_method_switch,
    case
        when method_changes.is_method_switch
            and (tests.is_level_change or tests.is_large_monthly_change)
            then 'method switch: ' || method_changes.method_change
        when tests.is_level_change or tests.is_large_monthly_change
            then 'new demand data (same method)'
    end as change_cause
from tests
left join items on tests.item = items.item
left join recent_demand on tests.item = recent_demand.item
left join method_changes on tests.item = method_changes.item
where (select count(*) from overlap_months) > 0
