-- group: meeting
-- The issues leadership should decide on, ranked by money at stake: supply gaps (revenue at
-- risk), lots that will expire or stay unused, large forecast changes, families below the
-- financial plan, and overdue actions; each with a concrete suggested decision.
with gaps_by_item as (
    select
        item,
        sum(revenue_at_risk) as revenue_at_risk,
        sum(shortage_qty) as shortage_qty,
        min(month) as first_month,
        arg_min(limiting_item, month) as limiting_item
    from sop_mart.supply_gaps
    where plan_month = getvariable('plan_month')
    group by item
),

earliest_open_order as (
    select item, arg_min(po, due_date) as po
    from staging.open_purchase_orders
    where plan_month = getvariable('plan_month')
    group by item
),

gap_issues as (
    select
        'supply_gap' as category,
        format('{} short by {:,.0f} units from {}', gaps.item, gaps.shortage_qty,
               strftime(gaps.first_month, '%b %Y')) as topic,
        gaps.item,
        gaps.revenue_at_risk as impact_value,
        case
            when gaps.limiting_item is null or gaps.limiting_item = gaps.item then
                format('Expedite {} supply{} before {} and allocate stock to the best customers',
                       gaps.item, coalesce(' (order ' || own_order.po || ')', ''),
                       strftime(gaps.first_month, '%b %Y'))
            else
                format('Expedite {}{} or approve a spot buy so {} ships from {}',
                       gaps.limiting_item, coalesce(' (order ' || component_order.po || ')', ''),
                       gaps.item, strftime(gaps.first_month, '%b %Y'))
        end as suggested_decision
    from gaps_by_item as gaps
    left join earliest_open_order as own_order on own_order.item = gaps.item
    left join earliest_open_order as component_order on component_order.item = gaps.limiting_item
),

shelf_life_issues as (
    select
        'shelf_life' as category,
        case reason
            when 'expired' then format('Lot {} of {} is already expired', lot, item)
            when 'expiry' then format('{:,.0f} units of lot {} of {} expire on {} unused',
                                      qty_at_risk, lot, item, strftime(expiry_date, '%d %b %Y'))
            when 'obsolete' then format('{:,.0f} units of {} will not sell (phase-out or no demand)',
                                        qty_at_risk, item)
            else format('{:,.0f} units of {} exceed the slow-mover horizon', qty_at_risk, item)
        end as topic,
        item,
        value_at_risk as impact_value,
        case reason
            when 'expired' then format('Write off lot {} of {} and find why it expired', lot, item)
            when 'expiry' then format('Promote, bundle or transfer lot {} of {}, or write it down',
                                      lot, item)
            when 'obsolete' then format('Liquidate or write down the remaining {} stock', item)
            else format('Stop replenishing {} and work the stock down', item)
        end as suggested_decision
    from sop_mart.shelf_life_risk
    where plan_month = getvariable('plan_month')
      and value_at_risk > 0
),

forecast_change_issues as (
    select
        'forecast_change' as category,
        format('{} forecast {} by {} ({:,.0f} units) against last month', item,
               case when change_qty >= 0 then 'up' else 'down' end,
               coalesce(printf('%.0f%%', abs(change_pct) * 100), 'new'), abs(change_qty)) as topic,
        item,
        abs(change_revenue) as impact_value,
        format('Confirm the change with Sales, then {} supply for {}',
               case when change_qty >= 0 then 'raise' else 'cut' end, item) as suggested_decision
    from sop_mart.forecast_changes
    where plan_month = getvariable('plan_month')
      and is_exception
),

plan_issues as (
    select
        'plan_shortfall' as category,
        format('{} forecast {:,.0f} below the financial plan over the horizon', family,
               -sum(gap)) as topic,
        family as item,
        -sum(gap) as impact_value,
        format('Agree demand actions for {} with Sales and Marketing, or re-base the plan',
               family) as suggested_decision
    from sop_mart.financial_reconciliation
    where plan_month = getvariable('plan_month')
      and family <> '__total__'
      and planned_revenue is not null
    group by family
    having sum(gap) < 0
),

action_issues as (
    select
        'overdue_action' as category,
        format('Action {} is {} days overdue: {}', action_id, days_overdue, topic) as topic,
        action_id as item,
        0.0 as impact_value,
        format('Escalate to {} and set a new due date, or close the action', owner)
            as suggested_decision
    from sop_mart.actions
    where plan_month = getvariable('plan_month')
      and is_overdue
),

candidates as (
    select * from gap_issues
    union all
    select * from shelf_life_issues
    union all
    select * from forecast_change_issues
    union all
    select * from plan_issues
    union all
    select * from action_issues
),

ranked as (
    select
        *,
        row_number() over (order by impact_value desc, category, item) as rank
    from candidates
)

select
    getvariable('plan_month') as plan_month,
    rank,
    category,
    topic,
    item,
    impact_value,
    suggested_decision
from ranked
where rank <= getvariable('meeting_top_issues')
order by rank
