-- group: forecast
-- Accuracy of the forecasts made 1 and 3 months ago for this plan month's actual demand, per
-- finished good, per family (item 'family:<name>') and for the company (item '__total__'):
-- the final (consensus) forecast, the statistical forecast and seasonal naive side by side, and
-- the value each step adds in WAPE points.
with actuals as (
    select item, demand_qty as actual_qty
    from staging.demand_history
    where plan_month = getvariable('plan_month')
),

lags as (
    select unnest(getvariable('forecast_accuracy_lags'))::bigint as lag
),

forecasts_for_month as (
    select
        lags.lag,
        forecast.item,
        forecast.family,
        forecast.forecast_qty,
        forecast.statistical_qty,
        forecast.naive_qty
    from lags
    join sop_mart.forecast as forecast
        on forecast.plan_month = getvariable('plan_month') - to_months(lags.lag)
        and forecast.month = getvariable('plan_month')
),

item_errors as (
    select
        forecasts_for_month.lag,
        forecasts_for_month.item,
        forecasts_for_month.family,
        coalesce(actuals.actual_qty, 0) as actual_qty,
        forecasts_for_month.forecast_qty,
        forecasts_for_month.statistical_qty,
        forecasts_for_month.naive_qty
    from forecasts_for_month
    left join actuals using (item)
),

item_level as (
    select 'item' as level, item, family, lag, actual_qty, forecast_qty, statistical_qty,
           naive_qty, 1 as items
    from item_errors
),

family_level as (
    select
        'family' as level, 'family:' || family as item, family, lag,
        exact_sum(actual_qty) as actual_qty, exact_sum(forecast_qty) as forecast_qty,
        exact_sum(statistical_qty) as statistical_qty, exact_sum(naive_qty) as naive_qty,
        count(*) as items
    from item_errors
    group by family, lag
),

all_levels as (
    select * from item_level
    union all
    select * from family_level
),

absolute_errors as (
    select
        level, item, family, lag, items, actual_qty, forecast_qty, statistical_qty, naive_qty,
        abs(forecast_qty - actual_qty) as abs_error,
        abs(statistical_qty - actual_qty) as statistical_abs_error,
        abs(naive_qty - actual_qty) as naive_abs_error,
        forecast_qty - actual_qty as error
    from all_levels
),

-- Aggregates sum the item errors (not the errors of the family sums), as WAPE is defined.
summed as (
    select
        level, item, family, lag, items, actual_qty, forecast_qty, statistical_qty, naive_qty,
        abs_error, statistical_abs_error, naive_abs_error, error,
        case when actual_qty > 0 then abs_error / actual_qty end as ape
    from absolute_errors
    where level = 'item'
    union all
    select
        family_rows.level, family_rows.item, family_rows.family, family_rows.lag,
        family_rows.items, family_rows.actual_qty, family_rows.forecast_qty,
        family_rows.statistical_qty, family_rows.naive_qty,
        member_errors.abs_error, member_errors.statistical_abs_error,
        member_errors.naive_abs_error, member_errors.error, member_errors.mape as ape
    from absolute_errors as family_rows
    join (
        select
            family, lag,
            exact_sum(abs_error) as abs_error,
            exact_sum(statistical_abs_error) as statistical_abs_error,
            exact_sum(naive_abs_error) as naive_abs_error,
            exact_sum(error) as error,
            exact_avg(case when actual_qty > 0 then abs_error / actual_qty end) as mape
        from absolute_errors
        where level = 'item'
        group by family, lag
    ) as member_errors using (family, lag)
    where family_rows.level = 'family'
    union all
    select
        'total', '__total__', null, lag, count(*),
        exact_sum(actual_qty), exact_sum(forecast_qty), exact_sum(statistical_qty), exact_sum(naive_qty),
        exact_sum(abs_error), exact_sum(statistical_abs_error), exact_sum(naive_abs_error), exact_sum(error),
        exact_avg(case when actual_qty > 0 then abs_error / actual_qty end)
    from absolute_errors
    where level = 'item'
    group by lag
)

select
    getvariable('plan_month') as plan_month,
    item,
    lag,
    level,
    family,
    items,
    actual_qty,
    forecast_qty,
    statistical_qty,
    naive_qty,
    abs_error,
    abs_error / nullif(actual_qty, 0) as wape,
    error / nullif(actual_qty, 0) as bias,
    ape as mape,
    statistical_abs_error / nullif(actual_qty, 0) as wape_statistical,
    naive_abs_error / nullif(actual_qty, 0) as wape_naive,
    (naive_abs_error - statistical_abs_error) / nullif(actual_qty, 0) as fva_statistical_vs_naive,
    (statistical_abs_error - abs_error) / nullif(actual_qty, 0) as fva_consensus_vs_statistical,
    (naive_abs_error - abs_error) / nullif(actual_qty, 0) as fva_consensus_vs_naive
from summed
