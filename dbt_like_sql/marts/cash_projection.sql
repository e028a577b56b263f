-- group: kpis
-- Cash tied in inventory against a dated working-capital commitment: the inventory value at
-- every month-end stock count from the baseline month to the plan month (actual), then month by
-- month from the base MRP (projected), with purchase spend, against the target path - a straight
-- line from the baseline month's inventory value down by kpi_targets.cash_reduction (or to
-- kpi_targets.inventory_value) at the target month, flat after it.
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
    month,
    inventory_value,
    purchase_spend,
    baseline_value - committed_release * path_share as target_inventory_value,
    inventory_value - (baseline_value - committed_release * path_share) as gap_to_target,
    is_actual,
    baseline_month,
    target_month,
    baseline_value as baseline_inventory_value,
    baseline_value - inventory_value as cash_released,
    committed_release * path_share as target_cash_released
from path
order by month
