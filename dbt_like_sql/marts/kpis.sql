-- group: kpis
-- The S&OP scorecard: every KPI of the plan month with its target (from the settings) and a
-- status - on_track, watch (within the watch band of the target) or off_track; no_target when
-- the settings give none (revenue and shelf-life value at risk by default); no_data.
with cash as (
    select
        max(inventory_value) filter (where month = getvariable('plan_month')) as inventory_value,
        max(target_inventory_value) filter (where month = getvariable('plan_month'))
            as target_inventory_value,
        max(cash_released) filter (where month = getvariable('plan_month')) as cash_released,
        max(target_cash_released) filter (where month = getvariable('plan_month'))
            as target_cash_released,
        arg_max(inventory_value, month) as projected_inventory_value,
        arg_max(target_inventory_value, month) as projected_target_inventory_value
    from sop_mart.cash_projection
    where plan_month = getvariable('plan_month')
),

unit_costs as (
    select item, unit_cost
    from staging.items
    where plan_month = getvariable('plan_month')
),

service as (
    select exact_sum(fill_rate * ordered_qty)
        / nullif(exact_sum(case when fill_rate is not null then ordered_qty end), 0) as fill_rate
    from staging.demand_history
    where plan_month = getvariable('plan_month')
),

accuracy as (
    select
        max(wape) filter (where lag = 1) as wape_lag1,
        max(bias) filter (where lag = 1) as bias_lag1,
        max(wape) filter (where lag = 3) as wape_lag3
    from sop_mart.forecast_accuracy
    where plan_month = getvariable('plan_month')
      and item = '__total__'
),

recent_demand as (
    select item, exact_avg(demand_qty) as mean_demand
    from staging.demand_history
    where plan_month > getvariable('plan_month') - interval 12 month
      and plan_month <= getvariable('plan_month')
    group by item
),

revision as (
    select
        exact_sum(changes.abs_change_qty)
            / nullif(exact_sum(changes.months_compared * recent_demand.mean_demand), 0)
            as forecast_revision
    from sop_mart.forecast_changes as changes
    join recent_demand using (item)
    where changes.plan_month = getvariable('plan_month')
),

forward_cogs as (
    select exact_sum(forecast.forecast_qty * unit_costs.unit_cost) / 3 as monthly_cogs
    from sop_mart.forecast as forecast
    join unit_costs using (item)
    where forecast.plan_month = getvariable('plan_month')
      and forecast.month <= getvariable('plan_month') + interval 3 month
),

trailing_months as (
    select distinct plan_month as month
    from staging.demand_history
    where plan_month > getvariable('plan_month') - interval 12 month
      and plan_month <= getvariable('plan_month')
),

trailing_cogs as (
    select exact_sum(history.shipped_qty * unit_costs.unit_cost) * 12
        / (select count(*) from trailing_months) as annual_cogs
    from staging.demand_history as history
    join unit_costs using (item)
    where history.plan_month in (select month from trailing_months)
),

month_end_inventory as (
    select
        stock.plan_month as month,
        exact_sum(stock.on_hand_qty * coalesce(stock.unit_cost, count_items.unit_cost))
            as inventory_value
    from staging.inventory as stock
    left join staging.items as count_items
        on count_items.plan_month = stock.plan_month
        and count_items.item = stock.item
    where stock.plan_month in (select month from trailing_months)
    group by stock.plan_month
),

average_inventory as (
    select exact_avg(inventory_value) as inventory_value
    from month_end_inventory
),

risks as (
    select
        (select coalesce(exact_sum(total_value), 0) from sop_mart.excess_obsolete
            where plan_month = getvariable('plan_month')) as excess_obsolete_value,
        (select coalesce(exact_sum(lost_sales_qty * net_price), 0) from sop_mart.constrained_plan
            where plan_month = getvariable('plan_month') and scenario = 'base')
            as revenue_at_risk,
        (select coalesce(exact_sum(value_at_risk), 0) from sop_mart.shelf_life_risk
            where plan_month = getvariable('plan_month') and reason in ('expired', 'expiry'))
            as shelf_life_value_at_risk,
        (select exact_sum(gap) / nullif(exact_sum(planned_revenue), 0) from sop_mart.financial_reconciliation
            where plan_month = getvariable('plan_month') and family = '__total__'
              and planned_revenue is not null) as forecast_vs_plan
),

cash_plan as (
    select
        min(cash_balance) as cash_low_point,
        max(runway_months) as runway_months,
        max(operating_burn) as operating_burn,
        bool_or(cash_balance is not null) as cash_known
    from sop_mart.cash_projection
    where plan_month = getvariable('plan_month')
      and not is_actual
),

working_capital as (
    select coalesce(service_level, 0) as service_level
    from sop_mart.plan_feasibility
    where plan_month = getvariable('plan_month')
      and "check" = 'working_capital'
      and target is not null
),

policy_service as (
    select service_level
    from sop_mart.service_cash_tradeoff
    where plan_month = getvariable('plan_month')
      and is_current
),

-- watch_scale: the distance from the target still reported as 'watch' is the watch band times
-- this amount (default: the target itself)
kpi_values as (
    select 'inventory_value' as kpi, cash.inventory_value as value,
           cash.target_inventory_value as target, 'currency' as unit, 'lower' as better,
           'value of stock on hand at the plan month''s close, against the dated cash path'
               as description,
           null::double as watch_scale
    from cash
    union all
    select 'cash_released', cash.cash_released, cash.target_cash_released, 'currency',
           'higher',
           'cash released from inventory since the baseline month (baseline inventory value - '
               || 'now), against the release the path asks by now',
           getvariable('kpi_targets_cash_reduction')
    from cash
    union all
    select 'cash_vs_target', cash.inventory_value - cash.target_inventory_value, 0, 'currency',
           'lower',
           'cash tied in inventory above the dated path (negative: ahead of the path)',
           getvariable('kpi_targets_cash_reduction')
    from cash
    union all
    select 'projected_inventory_value', cash.projected_inventory_value,
           cash.projected_target_inventory_value, 'currency', 'lower',
           'inventory value at the end of the horizon in the base plan, against the path then',
           null
    from cash
    union all
    select 'fill_rate', service.fill_rate, getvariable('kpi_targets_fill_rate'), 'ratio',
           'higher', 'share of ordered quantity shipped in the month', null
    from service
    union all
    select 'wape_lag1', accuracy.wape_lag1, getvariable('kpi_targets_wape_lag1'), 'ratio',
           'lower', 'weighted absolute percentage error of the forecast made one month before',
           null
    from accuracy
    union all
    select 'bias_lag1', accuracy.bias_lag1, getvariable('kpi_targets_bias_lag1'), 'ratio',
           'closer_to_zero', 'forecast bias one month before (positive: over-forecast)', null
    from accuracy
    union all
    select 'wape_lag3', accuracy.wape_lag3, getvariable('kpi_targets_wape_lag3'), 'ratio',
           'lower',
           'weighted absolute percentage error of the forecast made three months before',
           null
    from accuracy
    union all
    select 'forecast_revision', revision.forecast_revision,
           getvariable('kpi_targets_forecast_revision'), 'ratio', 'lower',
           'mean absolute monthly change of the forecast since the prior plan month, as a share '
               || 'of mean monthly demand (all items)',
           null
    from revision
    union all
    select 'months_of_supply', cash.inventory_value / nullif(forward_cogs.monthly_cogs, 0),
           getvariable('kpi_targets_months_of_supply'), 'months', 'target',
           'inventory value / forecast cost of goods sold per month (next 3 months)', null
    from cash, forward_cogs
    union all
    select 'inventory_turns',
           trailing_cogs.annual_cogs / nullif(average_inventory.inventory_value, 0),
           getvariable('kpi_targets_inventory_turns'), 'turns', 'higher',
           'cost of goods shipped over the last 12 months (annualised) / the average of the '
               || 'month-end inventory values of those months',
           null
    from trailing_cogs, average_inventory
    union all
    select 'excess_obsolete_value', risks.excess_obsolete_value,
           getvariable('kpi_targets_excess_obsolete_value'), 'currency', 'lower',
           'value of stock that will expire, is obsolete or exceeds the slow-mover horizon', null
    from risks
    union all
    select 'revenue_at_risk', risks.revenue_at_risk,
           getvariable('kpi_targets_revenue_at_risk')::double, 'currency', 'lower',
           'forecast net revenue the constrained plan cannot deliver over the horizon', null
    from risks
    union all
    select 'cash_low_point', cash_plan.cash_low_point, getvariable('finance_min_cash_balance'),
           'currency', 'higher',
           'lowest month-end cash balance of the constrained plan over the horizon',
           cash_plan.operating_burn
    from cash_plan
    where cash_plan.cash_known
    union all
    select 'cash_runway_months', coalesce(cash_plan.runway_months, 999),
           getvariable('finance_min_runway_months'), 'months', 'higher',
           'months until the cash runs out on the plan''s own flows, then its last 12 months '
               || 'repeated at level stock (999: not within 50 years)',
           null
    from cash_plan
    where cash_plan.cash_known
    union all
    select 'cash_path_service_level', working_capital.service_level,
           policy_service.service_level, 'ratio', 'higher',
           'highest service level whose inventory meets the working-capital target (0: no '
               || 'level of the curve does), against the policy''s',
           null
    from working_capital, policy_service
    union all
    select 'shelf_life_value_at_risk', risks.shelf_life_value_at_risk,
           getvariable('kpi_targets_shelf_life_value_at_risk')::double, 'currency', 'lower',
           'value of lots that expire before the forecast uses them', null
    from risks
    union all
    select 'forecast_vs_plan', risks.forecast_vs_plan, 0, 'ratio', 'higher',
           'forecast net revenue over the horizon against the financial plan', null
    from risks
),

band as (
    select getvariable('kpi_targets_watch_band') as width
),

scored as (
    select
        kpi_values.*,
        band.width * coalesce(kpi_values.watch_scale, abs(kpi_values.target)) as tolerance
    from kpi_values, band
)

select
    getvariable('plan_month') as plan_month,
    kpi,
    value,
    target,
    case
        when value is null then 'no_data'
        -- a KPI without a target a company can meet is shown, never counted off track
        when target is null then 'no_target'
        when better = 'higher' and value >= target then 'on_track'
        when better = 'higher' and value >= target - tolerance then 'watch'
        when better = 'lower' and value <= target then 'on_track'
        when better = 'lower' and value <= target + tolerance then 'watch'
        when better = 'closer_to_zero' and abs(value) <= target then 'on_track'
        when better = 'closer_to_zero' and abs(value) <= 2 * target then 'watch'
        when better = 'target' and abs(value - target) <= 2 * tolerance then 'on_track'
        when better = 'target' and abs(value - target) <= 4 * tolerance then 'watch'
        else 'off_track'
    end as status,
    unit,
    better,
    description
from scored
