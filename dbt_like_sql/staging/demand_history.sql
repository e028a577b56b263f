-- Monthly demand per finished good: ordered quantity (shipped where no order quantity was
-- recorded), returns kept apart, and the month's fill rate (shipped / ordered on order lines).
with finished_goods as (
    select item
    from staging.items
    where plan_month = getvariable('plan_month')
      and item_type = 'finished_good'
),

order_lines as (
    select
        item,
        ordered_qty,
        shipped_qty,
        net_revenue,
        case
            when ordered_qty > 0 then ordered_qty
            when coalesce(ordered_qty, 0) = 0 then greatest(shipped_qty, 0)
            else 0
        end as demand_qty
    from staging.sales
    where plan_month = getvariable('plan_month')
),

demand_by_item as (
    select
        item,
        exact_sum(demand_qty) as demand_qty,
        exact_sum(greatest(ordered_qty, 0)) as ordered_qty,
        exact_sum(greatest(shipped_qty, 0)) as shipped_qty,
        exact_sum(greatest(-shipped_qty, 0)) as returned_qty,
        exact_sum(net_revenue) as net_revenue,
        exact_sum(case when ordered_qty > 0 then least(greatest(shipped_qty, 0), ordered_qty) end)
            as filled_qty
    from order_lines
    group by item
)

select
    getvariable('plan_month') as plan_month,
    finished_goods.item,
    coalesce(demand_by_item.demand_qty, 0) as demand_qty,
    coalesce(demand_by_item.ordered_qty, 0) as ordered_qty,
    coalesce(demand_by_item.shipped_qty, 0) as shipped_qty,
    coalesce(demand_by_item.returned_qty, 0) as returned_qty,
    coalesce(demand_by_item.net_revenue, 0) as net_revenue,
    demand_by_item.filled_qty / nullif(demand_by_item.ordered_qty, 0) as fill_rate
from finished_goods
left join demand_by_item using (item)
