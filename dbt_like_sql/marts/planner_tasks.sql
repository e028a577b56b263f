-- group: meeting
-- The planners' list: what the planning team settles before or after the meeting, kept off the
-- leadership agenda (sop_mart.top_issues) - a forecast that switched method, was cut or shifted
-- between months (checked with Sales: the plan already follows it), late purchase orders (confirm
-- dates), open orders due later than the item master's lead time (confirm the lead time the plan
-- counts on), sales lost in the first month before an item's orders arrive (bring one forward at
-- the close: the meeting sits too late for it), open production orders whose components are
-- short (find them or cut the order), lots that will expire or stay unused (work them down or
-- write them off), and overdue actions; each with the money it concerns and a concrete
-- task. Sorted by that money.
with earliest_open_order as (
    select item, arg_min(po, due_date) as po, arg_min(qty_open, due_date) as qty_open,
           min(due_date) as due_date
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
        max(greatest(margin_at_risk, plan_lost_margin)) as margin_at_risk,
        max(revenue_at_risk) as revenue_at_risk
    from sop_mart.late_purchase_orders
    where plan_month = getvariable('plan_month')
    group by item
),

late_order_tasks as (
    select
        'late_order' as category,
        format('{:,.0f} {} on {} open order(s) up to {} days late, assumed in {}', qty_open,
               item, orders, days_late, strftime(assumed_arrival_month, '%b %Y')) as topic,
        item,
        margin_at_risk as impact_value,
        revenue_at_risk as revenue_value,
        case
            -- an item made in-house (a parent in the bill of materials): its order is a run
            when item in (select parent from staging.bom where plan_month = getvariable('plan_month'))
                then format('Get a confirmed completion date for production order {} of {} '
                            || 'or re-plan the run', po, item)
            else format('Get a confirmed delivery date for order {} of {} or source it elsewhere',
                        po, item)
        end as suggested_decision
    from late_orders_by_item
),

lead_time_losses as (
    -- the sales each finished good's own lead time loses, and the last month it loses them in
    select
        "constraint" as item,
        max(month) filter (where lost_margin >= 0.5) as last_loss_month,
        exact_sum(lost_sales_qty) as lost_qty,
        exact_sum(lost_margin) as lost_margin
    from sop_mart.constraint_prices
    where plan_month = getvariable('plan_month')
      and constraint_type = 'lead_time'
    group by "constraint"
),

first_month_lead_times as (
    -- those losing in the first month alone (the agenda leaves them to the planners:
    -- _macros.sql), without a late order of their own (whose task carries the loss); their
    -- earliest open order is the first due after the close (no late one)
    select item, last_loss_month as month, lost_qty, lost_margin
    from lead_time_losses
    where is_first_month_lead_time('lead_time', last_loss_month)
      and item not in (select item from late_orders_by_item)
),

lead_time_tasks as (
    select
        'lead_time' as category,
        format('{} loses {:,.0f} units in {} before its first receipt ({:,.0f} of margin)',
               losses.item, losses.lost_qty, strftime(losses.month, '%b %Y'),
               losses.lost_margin) as topic,
        losses.item,
        losses.lost_margin as impact_value,
        null::double as revenue_value,
        coalesce(
            format('Bring {} ({:,.0f} of {}, due {}) forward now if the line or supplier can; '
                   || 'else tell Sales the loss is in the plan', due.po, due.qty_open,
                   losses.item, strftime(due.due_date, '%d %b %Y')),
            format('Nothing arrives sooner ({}''s lead time is {} days): tell Sales the loss is '
                   || 'in the plan', losses.item, items.lead_time_days),
            'Nothing arrives sooner: tell Sales the loss is in the plan') as suggested_decision
    from first_month_lead_times as losses
    left join earliest_open_order as due
        on due.item = losses.item
        and date_trunc('month', due.due_date) = losses.month
    left join staging.items as items
        on items.plan_month = getvariable('plan_month')
        and items.item = losses.item
    where losses.lost_margin >= 0.5
),

slow_orders as (
    -- a bought item's open orders due later after the close than the item master's lead time
    -- allows (by a quarter and two weeks at least), where the plan loses sales to the item:
    -- the plan counts on a new order arriving within that lead time, so either the supplier
    -- takes longer or the order was scheduled late on purpose (production orders released for
    -- later runs are usual and not listed); the lost margin put on the item is at stake
    select
        orders.item,
        count(*) as orders,
        arg_max(orders.po, orders.due_date) as po,
        max(orders.due_date) as due_date,
        max(date_diff('day', plan_month_close(), orders.due_date)) as days_after_close,
        any_value(items.lead_time_days)::double as lead_time_days
    from staging.open_purchase_orders as orders
    join staging.items as items
        on items.plan_month = orders.plan_month
        and items.item = orders.item
    where orders.plan_month = getvariable('plan_month')
      and date_diff('day', plan_month_close(), orders.due_date)
          > greatest(1.25 * items.lead_time_days, items.lead_time_days + 14)
      and orders.item not in (
          select parent from staging.bom where plan_month = getvariable('plan_month')
      )
    group by orders.item
),

slow_order_tasks as (
    select
        'order_lead_time' as category,
        format('{} open order(s) of {} due up to {} days after the close ({}), against a lead '
               || 'time of {:,.0f} days in the item master', slow.orders, slow.item,
               slow.days_after_close, strftime(slow.due_date, '%d %b %Y'), slow.lead_time_days)
            -- the money is the agenda's too when the item is an issue there: not to be added
            || coalesce(format('; the margin is also issue {}''s on the agenda', agenda.rank), '')
            as topic,
        slow.item,
        lost.lost_margin as impact_value,
        null::double as revenue_value,
        format('Confirm {}''s lead time with the supplier (order {}): the plan counts on a new '
               || 'order arriving {:,.0f} days after it is placed', slow.item, slow.po,
               slow.lead_time_days) as suggested_decision
    from slow_orders as slow
    join (
        select "constraint" as item, exact_sum(lost_margin) as lost_margin
        from sop_mart.constraint_prices
        where plan_month = getvariable('plan_month')
          and constraint_type in ('component', 'lead_time')
        group by "constraint"
        having exact_sum(lost_margin) >= 0.5
    ) as lost
        on lost.item = slow.item
    left join (
        -- the agenda's component issues by each of their components (subject and partners)
        select issues.rank, coalesce(trim(partner.partner), issues.item) as item
        from sop_mart.top_issues as issues
        left join sop_mart.scenario_options as options
            on options.plan_month = issues.plan_month
            and options.category = issues.category
            and options.item = issues.item
            and options.option = 'plan_to_base'
        left join unnest(string_split(
            issues.item || coalesce(',' || nullif(options.partners, ''), ''), ','
        )) as partner(partner) on true
        where issues.plan_month = getvariable('plan_month')
          and issues.category = 'component'
    ) as agenda
        on agenda.item = slow.item
),

open_receipts as (
    -- the open orders the constrained plan receives against the MRP's, by item and month (base)
    select
        plan.item,
        plan.month,
        mrp.scheduled_receipts as open_qty,
        mrp.scheduled_receipts - plan.scheduled_receipts as short_qty,
        -- a finished good's margin; an intermediate's cost (its margin is its parents')
        case when coalesce(plan.net_price, 0) > 0
             then greatest(plan.net_price - plan.unit_cost, 0)
             else plan.unit_cost end as unit_money
    from sop_mart.constrained_plan as plan
    join sop_mart.material_requirements as mrp
        on mrp.plan_month = plan.plan_month
        and mrp.scenario = plan.scenario
        and mrp.item = plan.item
        and mrp.month = plan.month
    where plan.plan_month = getvariable('plan_month')
      and plan.scenario = 'base'
),

unfinished_runs as (
    -- open production orders the plan cannot complete: the count still holds their
    -- components (supply.open_production_components: at_receipt) and too few are in stock,
    -- on order or expeditable by then; the plan does not complete the rest
    select
        item,
        month,
        open_qty,
        short_qty as unfinished_qty,
        short_qty * unit_money as money
    from open_receipts
    where short_qty >= 0.5
),

unfinished_orders as (
    -- the open orders received in each such month: due in it, or late and assumed in it
    select run.item, run.month, string_agg(orders.po, ', ' order by orders.due_date) as pos
    from unfinished_runs as run
    join staging.open_purchase_orders as orders
        on orders.plan_month = getvariable('plan_month')
        and orders.item = run.item
    left join sop_mart.late_purchase_orders as late
        on late.plan_month = orders.plan_month
        and late.po = orders.po
        and late.item = orders.item
    where coalesce(late.assumed_arrival_month, date_trunc('month', orders.due_date)) = run.month
    group by run.item, run.month
),

unfinished_run_tasks as (
    select
        'unfinished_run' as category,
        format('the plan completes {:,.0f} of the {:,.0f} {} its open production orders bring in '
               || '{}: their components are short', run.open_qty - run.unfinished_qty,
               run.open_qty, run.item, strftime(run.month, '%b %Y')) as topic,
        run.item,
        run.money as impact_value,
        null::double as revenue_value,
        format('Find the components for {}''s open production {} ({}) by the due date, or '
               || 'cut {:,.0f} from it', run.item,
               case when orders.pos like '%,%' then 'orders' else 'order' end,
               coalesce(orders.pos, 'due ' || strftime(run.month, '%b %Y')), run.unfinished_qty)
            as suggested_decision
    from unfinished_runs as run
    left join unfinished_orders as orders
        on orders.item = run.item
        and orders.month = run.month
),

forecast_change_tasks as (
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
                format('Check the new method against last month''s: the plan already follows '
                       || 'it for {}', item)
            -- the plan is already built on the new forecast: confirming it is the task, not
            -- moving supply a second time
            when is_timing_shift then
                format('Confirm the new timing with Sales: the plan already re-phases {} to it',
                       item)
            else
                format('Confirm the change with Sales: the plan already {} supply for {} to it',
                       case when change_qty >= 0 then 'raises' else 'cuts' end, item)
        end as suggested_decision
    from sop_mart.forecast_changes
    where plan_month = getvariable('plan_month')
      and is_exception
      -- an increase the agenda prices as a decision is not also a task
      and item not in (
          select item from sop_mart.top_issues
          where plan_month = getvariable('plan_month') and category = 'forecast_change'
      )
),

shelf_life_tasks as (
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

action_tasks as (
    select
        'overdue_action' as category,
        format('Action {} is {} days overdue: {}', action_id, days_overdue, topic) as topic,
        action_id as item,
        0.0 as impact_value,
        null::double as revenue_value,
        format('Escalate to {} and set a new due date, or close the action', owner)
            as suggested_decision
    from sop_mart.actions as actions
    where plan_month = getvariable('plan_month')
      and is_overdue
      -- an action the agenda shows with its issue is not also a task
      and not exists (
          select 1 from sop_mart.top_issues as issues
          where issues.plan_month = getvariable('plan_month')
            and contains(coalesce(issues.open_actions, ''), actions.action_id || ' ')
      )
),

candidates as (
    select * from late_order_tasks
    union all
    select * from lead_time_tasks
    union all
    select * from slow_order_tasks
    union all
    select * from unfinished_run_tasks
    union all
    select * from shelf_life_tasks
    union all
    -- upward changes without a method switch are the agenda's (top_issues) when they matter
    select * from forecast_change_tasks
    union all
    select * from action_tasks
)

select
    getvariable('plan_month') as plan_month,
    row_number() over (
        order by impact_value desc, revenue_value desc nulls last, category, item
    ) as rank,
    category,
    topic as task_topic,
    item,
    impact_value,
    suggested_decision as task,
    revenue_value
from candidates
order by rank
