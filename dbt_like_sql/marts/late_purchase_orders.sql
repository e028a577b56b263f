-- group: supply
-- Open purchase and production orders already past due at the plan month's close: how many days
-- late, the month the plan assumes they arrive (supply.late_po_delay_months after the first planned
-- month, or the month an order placed at the close would arrive in, its lead time after the close,
-- when that is sooner), their value at cost, the gross margin and net revenue of the supply gaps
-- whose root cause (limiting item) is the ordered item (before decisions), and the margin the
-- constrained plan loses to the item before the order arrives: what chasing it can win.
with late_orders as (
    select po, item, qty_open, due_date
    from staging.open_purchase_orders
    where plan_month = getvariable('plan_month')
      and due_date < getvariable('plan_month') + interval 1 month
),

items as (
    select item, description, unit_cost, lead_time_days
    from staging.items
    where plan_month = getvariable('plan_month')
),

gaps_caused as (
    select
        limiting_item as item,
        count(distinct item) as items_short,
        exact_sum(coalesce(margin_at_risk, 0)) as margin_at_risk,
        exact_sum(coalesce(revenue_at_risk, 0)) as revenue_at_risk
    from sop_mart.supply_gaps
    where plan_month = getvariable('plan_month')
    group by limiting_item
),

plan_month_end as (
    select plan_month_close() as last_day
),

assumed_arrival as (
    -- the start of month 1 + supply.late_po_delay_months, or the day an order placed at the
    -- close would arrive when that is sooner (supply/network.py: arrival_month)
    select po, item, day, date_trunc('month', day)::date as month
    from (
        select
            late_orders.po,
            late_orders.item,
            greatest(
                getvariable('plan_month') + interval 1 month,
                least(
                    getvariable('plan_month')
                        + to_months(1 + getvariable('supply_late_po_delay_months')),
                    plan_month_end.last_day
                        + to_days(round(coalesce(items.lead_time_days, 1e6))::integer)
                )
            )::date as day
        from late_orders
        cross join plan_month_end
        left join items using (item)
    )
),

lost_before_arrival as (
    -- the margin the constrained plan loses to the ordered item - short as a component, or
    -- starting a month without the stock its first days need (its own lead time) - in the
    -- months that begin before its late orders are assumed to arrive, the month they arrive
    -- in too when that is after its first day (sop_mart.constraint_prices)
    select prices."constraint" as item, exact_sum(prices.lost_margin) as plan_lost_margin
    from sop_mart.constraint_prices as prices
    join (select item, max(day) as day from assumed_arrival group by item) as arrival
        on arrival.item = prices."constraint"
    where prices.plan_month = getvariable('plan_month')
      and prices.constraint_type in ('component', 'lead_time')
      and prices.month < arrival.day
    group by prices."constraint"
)

select
    getvariable('plan_month') as plan_month,
    late_orders.po,
    late_orders.item,
    items.description,
    late_orders.qty_open,
    late_orders.due_date,
    datediff('day', late_orders.due_date, plan_month_end.last_day) as days_late,
    assumed_arrival.month as assumed_arrival_month,
    late_orders.qty_open * items.unit_cost as order_value,
    coalesce(gaps_caused.items_short, 0) as items_short,
    coalesce(gaps_caused.margin_at_risk, 0) as margin_at_risk,
    coalesce(gaps_caused.revenue_at_risk, 0) as revenue_at_risk,
    coalesce(lost_before_arrival.plan_lost_margin, 0) as plan_lost_margin
from late_orders
cross join plan_month_end
join assumed_arrival using (po, item)
left join items using (item)
left join gaps_caused using (item)
left join lost_before_arrival using (item)
order by greatest(margin_at_risk, plan_lost_margin) desc, days_late desc, po
