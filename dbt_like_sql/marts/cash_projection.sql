-- group: kpis
-- Cash tied in inventory: the value at the plan month's close, the month-by-month projection
-- of the base MRP, the purchase spend it implies, and the gap to the inventory value target.
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

current_inventory as (
    select sum(stock.on_hand_qty * coalesce(stock.unit_cost, items.unit_cost)) as inventory_value
    from staging.inventory as stock
    left join items using (item)
    where stock.plan_month = getvariable('plan_month')
),

projected_inventory as (
    select
        mrp.month,
        sum(mrp.projected_on_hand * items.unit_cost) as inventory_value,
        sum(
            case when mrp.item in (select item from purchased_items)
                then (mrp.scheduled_receipts + mrp.planned_receipt_qty) * items.unit_cost
                else 0
            end
        ) as purchase_spend
    from sop_mart.material_requirements as mrp
    join items using (item)
    where mrp.plan_month = getvariable('plan_month')
      and mrp.scenario = 'base'
    group by mrp.month
),

target as (
    select coalesce(
        getvariable('kpi_targets_inventory_value'),
        greatest(inventory_value - getvariable('kpi_targets_cash_reduction'), 0)
    ) as target_inventory_value
    from current_inventory
),

months as (
    select getvariable('plan_month') as month, inventory_value, 0.0 as purchase_spend
    from current_inventory
    union all
    select month, inventory_value, purchase_spend
    from projected_inventory
)

select
    getvariable('plan_month') as plan_month,
    months.month,
    months.inventory_value,
    months.purchase_spend,
    target.target_inventory_value,
    months.inventory_value - target.target_inventory_value as gap_to_target
from months, target
order by months.month
