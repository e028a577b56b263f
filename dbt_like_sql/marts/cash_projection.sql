-- group: kpis
-- Cash tied in inventory against a dated working-capital commitment: the inventory value at
-- every month-end stock count from the baseline month to the plan month (actual), then month by
-- month from the base MRP (projected), with purchase spend, against the target path - a straight
-- line from the baseline month's inventory value down by kpi_targets.cash_reduction (or to
-- kpi_targets.inventory_value) at the target month, flat after it. With cash.csv, the cash
-- balance month by month under the base plan (the opening cash, plus the forecast net revenue
-- the supply gaps leave, less purchase spend, overtime and the operating burn) and the months of
-- runway it gives.
with items as (
    select item, unit_cost
    from staging.items
    where plan_month = getvariable('plan_month')
),

purchased_items as (
    select item
    from items
    where item not in (
        select parent from staging.bom where plan_month = getvariable('plan_month')
    )
),

stock_counts as (
    select
        stock.plan_month as month,
        exact_sum(stock.on_hand_qty * coalesce(stock.unit_cost, count_items.unit_cost))
            as inventory_value
    from staging.inventory as stock
    left join staging.items as count_items
        on count_items.plan_month = stock.plan_month
        and count_items.item = stock.item
    where stock.plan_month <= getvariable('plan_month')
    group by stock.plan_month
),

commitment_months as (
    select
        coalesce(
            getvariable('kpi_targets_cash_baseline_month'),
            (select min(plan_month) from sop_mart.material_requirements),
            getvariable('plan_month')
        )::date as baseline_month
),

commitment as (
    select
        commitment_months.baseline_month,
        coalesce(
            getvariable('kpi_targets_cash_target_month'),
            commitment_months.baseline_month + interval 12 month
        )::date as target_month,
        baseline.inventory_value as baseline_value,
        greatest(
            coalesce(
                getvariable('kpi_targets_inventory_value'),
                baseline.inventory_value - getvariable('kpi_targets_cash_reduction')
            ),
            0
        ) as target_value
    from commitment_months
    left join stock_counts as baseline
        on baseline.month = commitment_months.baseline_month
        and baseline.month <= getvariable('plan_month')
),

actual_inventory as (
    select month, inventory_value, null::double as purchase_spend, true as is_actual
    from stock_counts
    where month = getvariable('plan_month')
       or month >= (select baseline_month from commitment)
),

projected_inventory as (
    select
        mrp.month,
        exact_sum(mrp.projected_on_hand * items.unit_cost) as inventory_value,
        exact_sum(
            case when mrp.item in (select item from purchased_items)
                then (mrp.scheduled_receipts + mrp.planned_receipt_qty) * items.unit_cost
                else 0
            end
        ) as purchase_spend,
        false as is_actual
    from sop_mart.material_requirements as mrp
    join items using (item)
    where mrp.plan_month = getvariable('plan_month')
      and mrp.scenario = 'base'
    group by mrp.month
),

months as (
    select * from actual_inventory
    union all
    select * from projected_inventory
),

cash_position as (
    select as_of_month, opening_cash, monthly_operating_burn
    from staging.cash
    where plan_month = getvariable('plan_month')
      and as_of_month <= getvariable('plan_month')
    order by as_of_month desc
    limit 1
),

forecast_revenue as (
    select month, sum(forecast_revenue) as revenue
    from sop_mart.forecast
    where plan_month = getvariable('plan_month')
    group by month
),

lost_revenue as (
    select month, sum(coalesce(revenue_at_risk, 0)) as revenue
    from sop_mart.supply_gaps
    where plan_month = getvariable('plan_month')
    group by month
),

overtime as (
    select month, sum(overtime_cost) as overtime_cost
    from sop_mart.capacity_plan
    where plan_month = getvariable('plan_month')
      and scenario = 'base'
    group by month
),

cash_flows as (
    select
        projected.month,
        coalesce(forecast_revenue.revenue, 0) - coalesce(lost_revenue.revenue, 0)
            as cash_inflow,
        coalesce(overtime.overtime_cost, 0) as overtime_cost,
        cash_position.monthly_operating_burn as operating_burn,
        cash_position.opening_cash
            + sum(
                coalesce(forecast_revenue.revenue, 0) - coalesce(lost_revenue.revenue, 0)
                - projected.purchase_spend - coalesce(overtime.overtime_cost, 0)
                - cash_position.monthly_operating_burn
            ) over (order by projected.month) as cash_balance,
        row_number() over (order by projected.month) as months_ahead
    from projected_inventory as projected
    cross join cash_position
    left join forecast_revenue on forecast_revenue.month = projected.month
    left join lost_revenue on lost_revenue.month = projected.month
    left join overtime on overtime.month = projected.month
),

balances as (
    select
        *,
        lag(cash_balance, 1, (select opening_cash from cash_position))
            over (order by month) as previous_balance
    from cash_flows
),

first_negative as (
    select months_ahead, previous_balance, cash_balance
    from balances
    where cash_balance < 0
    order by month
    limit 1
),

last_balance as (
    select months_ahead, cash_balance
    from balances
    order by month desc
    limit 1
),

runway as (
    -- months until the balance first falls below zero, interpolated within the month; beyond
    -- the horizon, extrapolated at the horizon's average net outflow; empty when the plan
    -- does not consume cash over the horizon
    select
        case
            when cash_position.opening_cash < 0 then 0.0
            when first_negative.months_ahead is not null then
                first_negative.months_ahead - 1
                + first_negative.previous_balance
                    / (first_negative.previous_balance - first_negative.cash_balance)
            when last_balance.cash_balance < cash_position.opening_cash then
                last_balance.months_ahead
                + last_balance.cash_balance
                    / ((cash_position.opening_cash - last_balance.cash_balance)
                       / last_balance.months_ahead)
        end as runway_months
    from cash_position
    left join first_negative on true
    left join last_balance on true
),

path as (
    select
        months.*,
        commitment.baseline_month,
        commitment.target_month,
        commitment.baseline_value,
        commitment.baseline_value - commitment.target_value as committed_release,
        least(
            greatest(
                datediff('month', commitment.baseline_month, months.month)
                    / greatest(
                        datediff('month', commitment.baseline_month, commitment.target_month), 1
                    ),
                0
            ),
            1
        ) as path_share
    from months, commitment
)

select
    getvariable('plan_month') as plan_month,
    path.month,
    path.inventory_value,
    path.purchase_spend,
    path.baseline_value - path.committed_release * path.path_share as target_inventory_value,
    path.inventory_value - (path.baseline_value - path.committed_release * path.path_share)
        as gap_to_target,
    path.is_actual,
    path.baseline_month,
    path.target_month,
    path.baseline_value as baseline_inventory_value,
    path.baseline_value - path.inventory_value as cash_released,
    path.committed_release * path.path_share as target_cash_released,
    balances.cash_inflow,
    balances.overtime_cost,
    balances.operating_burn,
    balances.cash_balance,
    (select runway_months from runway) as runway_months,
    (select as_of_month from cash_position) as cash_as_of_month
from path
left join balances on balances.month = path.month and not path.is_actual
order by path.month
