-- group: meeting
-- The issues leadership should decide on, ranked on one money basis - the gross margin at
-- stake, with the net revenue beside it: the constrained plan's binding constraints, one issue
-- each whatever the number of items it limits (the margin the plan still loses to it plus what
-- its suggested option protects against planning without it), late purchase orders (margin of
-- the gaps they cause), lots that will expire or stay unused (their cost, written off), large
-- forecast changes and timing shifts (the margin changed or moved), families below the
-- financial plan (the shortfall at the family's margin), and overdue actions; each with a
-- concrete suggested decision - for a binding constraint or an upward forecast change, the
-- option scenario_options suggests.
with items as (
    select item, unit_cost
    from staging.items
    where plan_month = getvariable('plan_month')
),

binding_constraints as (
    -- the constrained plan's binding constraints, one issue each: the lost sales put on it
    -- and the months, items and price of its rows (sop_mart.constraint_prices)
    select
        constraint_type,
        "constraint",
        any_value(description) as description,
        exact_sum(lost_margin) as lost_margin,
        exact_sum(lost_sales_qty) as lost_sales_qty,
        max(shadow_price) as shadow_price,
        any_value(unit) as unit,
        arg_max(affected_items, affected_item_count) as affected_items,
        max(affected_item_count) as affected_item_count,
        min(month) as first_month,
        max(month) as last_month
    from sop_mart.constraint_prices
    where plan_month = getvariable('plan_month')
    group by constraint_type, "constraint"
),

option_value as (
    -- what the suggested option of an issue protects against plan to base
    select category, item, greatest(margin_vs_base, 0) as protected_margin, decision
    from sop_mart.scenario_options
    where plan_month = getvariable('plan_month')
      and is_suggested
),

constraint_issues as (
    select
        binding.constraint_type as category,
        format('{} binds {}: {} affected ({}), one more {} is worth {:,.2f}{}',
               coalesce(nullif(binding.description, '') || ' (' || binding."constraint" || ')',
                        binding."constraint"),
               case when binding.first_month = binding.last_month
                    then 'in ' || strftime(binding.first_month, '%b %Y')
                    else 'from ' || strftime(binding.first_month, '%b %Y') || ' to '
                         || strftime(binding.last_month, '%b %Y')
               end,
               binding.affected_item_count,
               binding.affected_items,
               case binding.constraint_type when 'resource' then 'hour'
                    when 'cash' then 'dollar of inventory' else 'unit' end,
               binding.shadow_price,
               case when binding.lost_sales_qty > 0
                    then format('; the plan still loses {:,.0f} units ({:,.0f} of margin)',
                                binding.lost_sales_qty, binding.lost_margin)
                    else '' end) as topic,
        binding."constraint" as item,
        binding.lost_margin + coalesce(option_value.protected_margin, 0) as impact_value,
        null::double as revenue_value,
        case binding.constraint_type
            when 'lead_time' then format('Accept the loss on {} or find stock elsewhere (its '
                                         || 'lead time cannot be met)', binding."constraint")
            when 'shelf_life' then format('Keep {} within its shelf life: build closer to need',
                                          binding."constraint")
            when 'component' then format('Expedite {} or find a second source',
                                         binding."constraint")
            when 'resource' then format('Add capacity on {} (overtime, an extra shift) or '
                                        || 'build ahead', binding."constraint")
            else 'Decide whether to keep inventory within the dated cash path'
        end as suggested_decision
    from binding_constraints as binding
    left join option_value
        on option_value.category = binding.constraint_type
        and option_value.item = binding."constraint"
    where binding.lost_margin + coalesce(option_value.protected_margin, 0) >= 0.5
),

earliest_open_order as (
    select item, arg_min(po, due_date) as po
    from staging.open_purchase_orders
    where plan_month = getvariable('plan_month')
    group by item
),

late_orders_by_item as (
    select
        item,
        count(*) as orders,
        exact_sum(qty_open) as qty_open,
        max(days_late) as days_late,
        arg_max(po, days_late) as po,
        min(assumed_arrival_month) as assumed_arrival_month,
        max(margin_at_risk) as margin_at_risk,
        max(revenue_at_risk) as revenue_at_risk
    from sop_mart.late_purchase_orders
    where plan_month = getvariable('plan_month')
    group by item
),

late_order_issues as (
    select
        'late_order' as category,
        format('{:,.0f} {} on {} open order(s) up to {} days late, assumed in {}', qty_open,
               item, orders, days_late, strftime(assumed_arrival_month, '%b %Y')) as topic,
        item,
        margin_at_risk as impact_value,
        revenue_at_risk as revenue_value,
        format('Get a confirmed delivery date for order {} of {} or source it elsewhere',
               po, item) as suggested_decision
    from late_orders_by_item
),

shelf_life_issues as (
    select
        'shelf_life' as category,
        case reason
            when 'expired' then format('Lot {} of {} at {} is already expired', lot, item,
                                       coalesce(location, 'the warehouse'))
            when 'expiry' then format('{:,.0f} units of lot {} of {} at {} expire on {} unused',
                                      qty_at_risk, lot, item, coalesce(location, 'the warehouse'),
                                      strftime(expiry_date, '%d %b %Y'))
            when 'obsolete' then format('{:,.0f} units of {} at {} will not sell (phase-out or '
                                        || 'no demand)', qty_at_risk, item,
                                        coalesce(location, 'the warehouse'))
            else format('{:,.0f} units of {} at {} exceed the slow-mover horizon', qty_at_risk,
                        item, coalesce(location, 'the warehouse'))
        end as topic,
        item,
        value_at_risk as impact_value,
        null::double as revenue_value,
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
        case
            when is_timing_shift then
                format('{} forecast shifted between months: {:,.0f} units moved, {}{:,.0f} net '
                       || 'against last month', item, abs_change_qty / 2,
                       case when change_qty < 0 then '-' else '+' end, abs(change_qty))
            else
                format('{} forecast {} by {} ({:,.0f} units) against last month', item,
                       case when change_qty >= 0 then 'up' else 'down' end,
                       coalesce(printf('%.0f%%', abs(change_pct) * 100), 'new'), abs(change_qty))
        end
        || case when is_method_switch then ' (' || change_cause || ')' else '' end as topic,
        item,
        greatest(abs(change_margin), abs_change_margin / 2) as impact_value,
        greatest(abs(change_revenue), abs_change_revenue / 2) as revenue_value,
        case
            when is_method_switch then
                format('Check the new method against last month''s before acting on {}', item)
            when is_timing_shift then
                format('Confirm the new timing with Sales, then re-phase supply for {}', item)
            else
                format('Confirm the change with Sales, then {} supply for {}',
                       case when change_qty >= 0 then 'raise' else 'cut' end, item)
        end as suggested_decision
    from sop_mart.forecast_changes
    where plan_month = getvariable('plan_month')
      and is_exception
),

family_margin as (
    select
        forecast.family,
        exact_sum(forecast.forecast_revenue - forecast.forecast_qty * coalesce(items.unit_cost, 0))
            / nullif(exact_sum(forecast.forecast_revenue), 0) as margin_ratio
    from sop_mart.forecast as forecast
    left join items using (item)
    where forecast.plan_month = getvariable('plan_month')
    group by forecast.family
),

plan_issues as (
    select
        'plan_shortfall' as category,
        format('{} forecast {:,.0f} below the financial plan (net revenue) over the horizon',
               reconciliation.family, -exact_sum(reconciliation.gap)) as topic,
        reconciliation.family as item,
        -exact_sum(reconciliation.gap) * coalesce(max(family_margin.margin_ratio), 0) as impact_value,
        -exact_sum(reconciliation.gap) as revenue_value,
        format('Agree demand actions for {} with Sales and Marketing, or re-base the plan',
               reconciliation.family) as suggested_decision
    from sop_mart.financial_reconciliation as reconciliation
    left join family_margin on family_margin.family = reconciliation.family
    where reconciliation.plan_month = getvariable('plan_month')
      and reconciliation.family <> '__total__'
      and reconciliation.planned_revenue is not null
    group by reconciliation.family
    having exact_sum(reconciliation.gap) < 0
),

action_issues as (
    select
        'overdue_action' as category,
        format('Action {} is {} days overdue: {}', action_id, days_overdue, topic) as topic,
        action_id as item,
        0.0 as impact_value,
        null::double as revenue_value,
        format('Escalate to {} and set a new due date, or close the action', owner)
            as suggested_decision
    from sop_mart.actions
    where plan_month = getvariable('plan_month')
      and is_overdue
),

candidates as (
    select * from constraint_issues
    union all
    select * from late_order_issues
    union all
    select * from shelf_life_issues
    union all
    select * from forecast_change_issues
    union all
    select * from plan_issues
    union all
    select * from action_issues
),

suggested_options as (
    -- the option table's suggestion, where the issue has one (sop_mart.scenario_options)
    select category, item, decision
    from sop_mart.scenario_options
    where plan_month = getvariable('plan_month')
      and is_suggested
),

ranked as (
    select
        candidates.* replace (
            case
                when suggested_options.decision is null then candidates.suggested_decision
                -- a method switch is checked before the forecast is acted on
                when candidates.suggested_decision like 'Check the new method%' then
                    candidates.suggested_decision || '; then: ' || suggested_options.decision
                else suggested_options.decision
            end as suggested_decision
        ),
        row_number() over (
            order by candidates.impact_value desc, candidates.revenue_value desc nulls last,
                candidates.category, candidates.item
        ) as rank
    from candidates
    left join suggested_options
        on suggested_options.category = candidates.category
        and suggested_options.item = candidates.item
)

select
    getvariable('plan_month') as plan_month,
    rank,
    category,
    topic,
    item,
    impact_value,
    suggested_decision,
    revenue_value
from ranked
where rank <= getvariable('meeting_top_issues')
order by rank
