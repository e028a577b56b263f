-- One row per ingested month: what arrived and passed validation. Written last of the staging
-- models, so a month listed here is completely staged.
with items as (
    select
        count(*) filter (where item_type = 'finished_good') as finished_goods,
        count(*) filter (where item_type = 'component') as components
    from staging.items
    where plan_month = getvariable('plan_month')
),

bom as (
    select count(*) as bom_lines
    from staging.bom
    where plan_month = getvariable('plan_month')
),

sales as (
    select
        count(*) as sales_lines,
        exact_sum(net_revenue) as net_revenue
    from staging.sales
    where plan_month = getvariable('plan_month')
),

demand as (
    select
        exact_sum(demand_qty) as demand_qty,
        exact_sum(shipped_qty) as shipped_qty
    from staging.demand_history
    where plan_month = getvariable('plan_month')
),

stock as (
    select
        count(*) as inventory_rows,
        exact_sum(on_hand_qty) as on_hand_qty
    from staging.inventory
    where plan_month = getvariable('plan_month')
),

open_orders as (
    select count(*) as open_order_lines
    from staging.open_purchase_orders
    where plan_month = getvariable('plan_month')
),

side_files as (
    select
        (select count(*) from staging.financial_plan where plan_month = getvariable('plan_month'))
            as financial_plan_rows,
        (select count(*) from staging.promotions where plan_month = getvariable('plan_month'))
            as promotion_rows,
        (select count(*) from staging.actions where plan_month = getvariable('plan_month'))
            as action_rows,
        (select count(*) from staging.forecast_overrides where plan_month = getvariable('plan_month'))
            as override_rows,
        (select count(*) from staging.resources where plan_month = getvariable('plan_month'))
            as resource_rows,
        (select count(*) from staging.routings where plan_month = getvariable('plan_month'))
            as routing_rows,
        (select count(*) from staging.capacity where plan_month = getvariable('plan_month'))
            as capacity_override_rows,
        (select count(*) from staging.cash where plan_month = getvariable('plan_month'))
            as cash_rows
)

select
    getvariable('plan_month') as plan_month,
    items.finished_goods,
    items.components,
    bom.bom_lines,
    sales.sales_lines,
    sales.net_revenue,
    demand.demand_qty,
    demand.shipped_qty,
    stock.inventory_rows,
    stock.on_hand_qty,
    open_orders.open_order_lines,
    side_files.financial_plan_rows,
    side_files.promotion_rows,
    side_files.action_rows,
    side_files.override_rows,
    side_files.resource_rows,
    side_files.routing_rows,
    side_files.capacity_override_rows,
    side_files.cash_rows,
    current_timestamp as staged_at
from items, bom, sales, demand, stock, open_orders, side_files
