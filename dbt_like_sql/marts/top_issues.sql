-- group: meeting
-- The decisions the meeting needs, one issue per root cause, ranked on one money basis: the
-- expected gross margin at stake over the horizon - what the plan still loses to the issue plus
-- what its suggested option protects against planning without it (sop_mart.scenario_options).
-- An issue is a binding constraint of the constrained plan (a component, a resource, a lead
-- time, a shelf life, the cash path: one issue however many items it limits; components the
-- same goods need in the same months one issue together, scenario_options.partners) or an upward
-- forecast exception the plan may not be stocked for. A lead time that loses sales only in
-- the first month is not: its lever (an order brought forward) is the planners' at the close. Each carries its items, its drivers (the
-- part of the shortage that overrides add, with the owner's scorecard verdict, that this
-- month's statistical forecast adds, and the safety stock the plan builds meanwhile), the open actions that concern it (matched by the code or
-- description of its subject, its items or their families) and its suggested option with the
-- stock it ties up; two options within meeting.materiality of each other are offered as
-- "either ... or". Planner tasks (method switches, cuts, late orders, expiring lots, overdue
-- actions) are sop_mart.planner_tasks; family shortfalls against the financial plan are
-- sop_mart.financial_reconciliation.
with meeting as (
    select
        plan_month_close() + getvariable('meeting_overdue_grace_days') as meeting_date
),

items as (
    select item, unit_cost, description, family
    from staging.items
    where plan_month = getvariable('plan_month')
),

cash_path_items as (
    -- every item the cash path holds down in some month (its rows list each month's)
    select string_agg(distinct item, ', ' order by item) as affected_items,
           count(distinct item) as affected_item_count
    from (
        select unnest(string_split(affected_items, ', ')) as item
        from sop_mart.constraint_prices
        where plan_month = getvariable('plan_month')
          and constraint_type = 'cash'
    )
    where item <> '' and item not like '% more'
),

component_partners as (
    -- components merged into another component's issue (scenario_options.partners): they
    -- bind in the same months for the same goods, which need both - one decision
    select distinct item as subject, trim(unnest(string_split(partners, ','))) as partner
    from sop_mart.scenario_options
    where plan_month = getvariable('plan_month')
      and category = 'component'
      and coalesce(partners, '') <> ''
),

issue_prices as (
    -- each binding row under its issue's subject: a partner's rows under the component whose
    -- issue it was merged into
    select prices.*,
           coalesce(partner.subject, prices."constraint") as subject
    from sop_mart.constraint_prices as prices
    left join component_partners as partner
        on prices.constraint_type = 'component'
        and partner.partner = prices."constraint"
    where prices.plan_month = getvariable('plan_month')
),

binding_constraints as (
    -- the constrained plan's binding constraints, one issue each (merged components one
    -- together): the lost sales put on it and the months, items and price of its rows
    -- (sop_mart.constraint_prices); the items of the month touching the most, or for the
    -- cash path those it holds down in any month
    select
        prices.constraint_type,
        prices.subject as "constraint",
        any_value(prices.description) filter (where prices."constraint" = prices.subject)
            as description,
        string_agg(distinct coalesce(nullif(prices.description, '') || ' (' || prices."constraint"
                                     || ')', prices."constraint"), ' and ')
            filter (where prices."constraint" <> prices.subject) as partner_names,
        exact_sum(prices.lost_margin) as lost_margin,
        exact_sum(prices.lost_sales_qty) as lost_sales_qty,
        max(prices.shadow_price) as shadow_price,
        any_value(prices.unit) as unit,
        case when prices.constraint_type = 'cash'
                 then coalesce(any_value(cash.affected_items), '')
             else arg_max(prices.affected_items, prices.affected_item_count)
        end as affected_items,
        case when prices.constraint_type = 'cash'
                 then coalesce(any_value(cash.affected_item_count), 0)
             else max(prices.affected_item_count)
        end as affected_item_count,
        min(prices.month) as first_month,
        max(prices.month) as last_month,
        max(prices.month) filter (where prices.lost_margin >= 0.5) as last_loss_month
    from issue_prices as prices
    cross join cash_path_items as cash
    group by prices.constraint_type, prices.subject
),

late_orders as (
    -- an item's latest order already past due at the close, where the plan loses margin to
    -- the item before the order is assumed to arrive: chasing it is the decision
    select item, arg_max(po, days_late) as po, exact_sum(qty_open) as qty_open,
           max(days_late) as days_late, min(assumed_arrival_month) as assumed_arrival_month,
           max(plan_lost_margin) as plan_lost_margin
    from sop_mart.late_purchase_orders
    where plan_month = getvariable('plan_month')
      and plan_lost_margin >= 0.5
    group by item
),

due_in_month as (
    -- an open order of the item due after the first day of a month its own lead time binds
    -- in: the demand before it is what the plan loses, and bringing it forward is the lever
    select orders.item, arg_min(orders.po, orders.due_date) as po,
           arg_min(orders.qty_open, orders.due_date) as qty_open,
           min(orders.due_date) as due_date
    from staging.open_purchase_orders as orders
    join binding_constraints as binding
        on binding.constraint_type = 'lead_time'
        and binding."constraint" = orders.item
    where orders.plan_month = getvariable('plan_month')
      and date_trunc('month', orders.due_date) between binding.first_month and binding.last_month
      and day(orders.due_date) > 1
    group by orders.item
),

ranked_options as (
    -- each issue's options that can help, the suggested one first (scenario_options), then
    -- by expected margin; plan to base only where it is the suggestion (no lever pays)
    select
        category,
        item,
        option,
        decision,
        greatest(margin_vs_base, 0) as protected_margin,
        margin_vs_base,
        extra_inventory_cash_peak,
        lost_sales_qty,
        is_suggested,
        row_number() over (
            partition by category, item
            order by is_suggested desc, margin_vs_base desc, option
        ) as place
    from sop_mart.scenario_options
    where plan_month = getvariable('plan_month')
      and is_feasible
      and (option <> 'plan_to_base' or is_suggested)
),

distinct_options as (
    -- the options that differ from the suggested one: "approve the constrained plan" is the
    -- suggested option itself when the plan uses that one lever (the same margin and stock)
    select others.*
    from ranked_options as others
    join ranked_options as suggested
        on suggested.category = others.category
        and suggested.item = others.item
        and suggested.place = 1
    where others.place > 1
      and not (abs(others.margin_vs_base - suggested.margin_vs_base) < 0.5
               and abs(coalesce(others.extra_inventory_cash_peak, 0)
                       - coalesce(suggested.extra_inventory_cash_peak, 0)) < 0.5)
),

runner_up as (
    -- compared on the options' own margins against plan to base: one that loses margin is
    -- not "within materiality" of one that gains a little
    select category, item, arg_max(decision, margin_vs_base) as decision,
           max(margin_vs_base) as margin_vs_base
    from distinct_options
    group by category, item
),

option_value as (
    -- the suggested option, the runner-up within materiality of it, and the shortage without
    -- a decision (plan to base)
    select
        suggested.category,
        suggested.item,
        suggested.decision,
        suggested.protected_margin,
        suggested.extra_inventory_cash_peak,
        case
            when runner_up.decision is not null
                and suggested.margin_vs_base - runner_up.margin_vs_base
                    < getvariable('meeting_materiality')
                then runner_up.decision
        end as equal_decision,
        suggested.margin_vs_base - runner_up.margin_vs_base as margin_over_runner_up,
        base.lost_sales_qty as base_lost_sales_qty
    from ranked_options as suggested
    left join runner_up
        on runner_up.category = suggested.category
        and runner_up.item = suggested.item
    left join sop_mart.scenario_options as base
        on base.plan_month = getvariable('plan_month')
        and base.category = suggested.category
        and base.item = suggested.item
        and base.option = 'plan_to_base'
    where suggested.place = 1
),

constraint_issues as (
    select
        binding.constraint_type as category,
        format('{} {}: {} affected ({}), one more {} is worth {:,.2f}{}',
               coalesce(nullif(binding.description, '') || ' (' || binding."constraint" || ')',
                        binding."constraint")
                   || coalesce(' and ' || binding.partner_names || ' bind', ' binds'),
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
        binding.affected_items,
        binding.affected_item_count,
        binding.first_month,
        binding.last_month,
        binding.shadow_price,
        case binding.constraint_type when 'resource' then 'hour'
             when 'cash' then 'dollar of inventory' else 'unit' end as price_per,
        greatest(coalesce(option_value.base_lost_sales_qty, 0), binding.lost_sales_qty)
            as shortage_qty,
        case binding.constraint_type
            when 'lead_time' then coalesce(
                format('Chase {} ({:,.0f} of {}, {} days late, assumed in {}): the plan loses '
                       || '{:,.0f} of margin before it arrives', late.po, late.qty_open,
                       binding."constraint", late.days_late,
                       strftime(late.assumed_arrival_month, '%b %Y'), late.plan_lost_margin),
                format('Bring {} forward ({:,.0f} of {} due {}): the plan loses {:,.0f} units '
                       || 'before it arrives; or accept the loss', due.po, due.qty_open,
                       binding."constraint", strftime(due.due_date, '%d %b %Y'),
                       binding.lost_sales_qty),
                format('Accept the loss on {} or find stock elsewhere (nothing arrives sooner: '
                       || 'its lead time, its open orders'' due dates)', binding."constraint"))
            when 'shelf_life' then format('Keep {} within its shelf life: build closer to need',
                                          binding."constraint")
            when 'component' then format('Expedite {} or find a second source',
                                         binding."constraint")
            when 'resource' then format('Add capacity on {} (overtime, an extra shift) or '
                                        || 'build ahead', binding."constraint")
            else 'Decide whether to keep inventory within the dated cash path'
        end as fallback_decision
    from binding_constraints as binding
    left join option_value
        on option_value.category = binding.constraint_type
        and option_value.item = binding."constraint"
    left join late_orders as late
        on binding.constraint_type = 'lead_time'
        and late.item = binding."constraint"
    left join due_in_month as due
        on binding.constraint_type = 'lead_time'
        and due.item = binding."constraint"
    where binding.lost_margin + coalesce(option_value.protected_margin, 0) >= 0.5
      -- the planners' task at the close, not the meeting's (_macros.sql)
      and not is_first_month_lead_time(binding.constraint_type, binding.last_loss_month)
),

demand_issues as (
    -- an upward forecast exception whose upside the plan is not stocked for
    select
        'forecast_change' as category,
        format('{} forecast up by {} ({:,.0f} units) against last month: {:,.0f} of expected '
               || 'margin if the plan stays at the base forecast', changes.item,
               coalesce(printf('%.0f%%', abs(changes.change_pct) * 100), 'new'),
               abs(changes.change_qty), option_value.protected_margin) as topic,
        changes.item,
        option_value.protected_margin as impact_value,
        greatest(abs(changes.change_revenue), changes.abs_change_revenue / 2) as revenue_value,
        changes.item as affected_items,
        1 as affected_item_count,
        null::date as first_month,
        null::date as last_month,
        null::double as shadow_price,
        null::varchar as price_per,
        coalesce(option_value.base_lost_sales_qty, 0) as shortage_qty,
        format('Confirm the change with Sales: the plan already follows it for {}; decide '
               || 'whether to hold stock for demand above it', changes.item)
            as fallback_decision
    from sop_mart.forecast_changes as changes
    join option_value
        on option_value.category = 'forecast_change'
        and option_value.item = changes.item
    where changes.plan_month = getvariable('plan_month')
      and changes.is_exception
      and not changes.is_method_switch
      and changes.change_qty > 0
      and option_value.protected_margin >= 0.5
),

candidates as (
    select * from constraint_issues
    union all
    select * from demand_issues
),

issue_items as (
    -- every item an issue concerns, with the months it binds in (the horizon when open)
    select
        candidates.category,
        candidates.item as subject,
        trim(affected.item) as item,
        coalesce(candidates.first_month, getvariable('plan_month') + interval 1 month) as first_month,
        coalesce(candidates.last_month, getvariable('plan_month')
                 + to_months(getvariable('forecast_horizon_months'))) as last_month
    from candidates,
        unnest(string_split(candidates.affected_items, ',')) as affected(item)
),

override_added as (
    -- units the overrides add to the issue's items in its months, by owner
    select
        issue_items.category,
        issue_items.subject,
        forecast.override_owner as owner,
        exact_sum(greatest(forecast.forecast_qty - forecast.statistical_qty, 0)) as added_qty
    from issue_items
    join sop_mart.forecast as forecast
        on forecast.plan_month = getvariable('plan_month')
        and forecast.item = issue_items.item
        and forecast.month between issue_items.first_month and issue_items.last_month
    where forecast.override_owner is not null
    group by all
),

scorecard as (
    select owner, arg_max(verdict, overrides) as verdict
    from sop_mart.override_scorecard
    where plan_month = getvariable('plan_month')
    group by owner
),

override_drivers as (
    select
        override_added.category,
        override_added.subject,
        exact_sum(override_added.added_qty) as added_qty,
        arg_max(override_added.owner, override_added.added_qty) as owner,
        arg_max(scorecard.verdict, override_added.added_qty) as verdict
    from override_added
    left join scorecard using (owner)
    group by all
),

increase_drivers as (
    -- units this month's statistical forecast adds to the issue's items in its months against
    -- last month's for the same months (overrides apart; none without last month's plan)
    select issue_items.category, issue_items.subject,
           exact_sum(greatest(now.statistical_qty - prior.statistical_qty, 0)) as increase_qty
    from issue_items
    join sop_mart.forecast as now
        on now.plan_month = getvariable('plan_month')
        and now.item = issue_items.item
        and now.month between issue_items.first_month and issue_items.last_month
    join sop_mart.forecast as prior
        on prior.plan_month = getvariable('plan_month') - interval 1 month
        and prior.item = now.item
        and prior.month = now.month
    group by all
),

buffer_drivers as (
    -- units of safety stock the plan builds in the issue's months (the buffer's increases),
    -- none in a month that loses sales: the plan keeps no buffer while short, so the stock
    -- such a month ends with arrived after the demand it missed, it was not kept back
    select issue_items.category, issue_items.subject,
           exact_sum(case when plan.lost_sales_qty > 0 then 0.0
                          else greatest(plan.planned_buffer - coalesce(before.planned_buffer, 0),
                                        0) end)
               as buffer_build_qty
    from issue_items
    join sop_mart.constrained_plan as plan
        on plan.plan_month = getvariable('plan_month')
        and plan.scenario = 'base'
        and plan.item = issue_items.item
        and plan.month between issue_items.first_month and issue_items.last_month
    left join sop_mart.constrained_plan as before
        on before.plan_month = plan.plan_month
        and before.scenario = plan.scenario
        and before.item = plan.item
        and before.month = plan.month - interval 1 month
    group by all
),

drivers as (
    -- shares of a shortage the issue causes: the cash path causes none (the plan's lost sales
    -- are the other issues'), its driver is the stock the plan builds
    select
        candidates.category,
        candidates.item,
        case when candidates.category <> 'cash' and candidates.shortage_qty > 0
                  and override_drivers.added_qty > 0
             then least(override_drivers.added_qty / candidates.shortage_qty, 1) end
            as override_share,
        case when candidates.category <> 'cash' then override_drivers.owner end
            as override_owner,
        case when candidates.category <> 'cash' then override_drivers.verdict end
            as override_verdict,
        case when candidates.category <> 'cash' and candidates.shortage_qty > 0
                  and increase_drivers.increase_qty > 0
             then least(increase_drivers.increase_qty / candidates.shortage_qty, 1) end
            as forecast_increase_share,
        override_drivers.added_qty as override_qty,
        increase_drivers.increase_qty,
        candidates.shortage_qty,
        buffer_drivers.buffer_build_qty
    from candidates
    left join override_drivers
        on override_drivers.category = candidates.category
        and override_drivers.subject = candidates.item
    left join increase_drivers
        on increase_drivers.category = candidates.category
        and increase_drivers.subject = candidates.item
    left join buffer_drivers
        on buffer_drivers.category = candidates.category
        and buffer_drivers.subject = candidates.item
),

issue_terms as (
    -- what an action about the issue would name: the subject, its items, their families
    select candidates.category, candidates.item as subject, candidates.item as term
    from candidates
    union
    -- a component merged into the issue, by its code and description
    select 'component', partner.subject, term
    from component_partners as partner
    left join items on items.item = partner.partner,
        unnest([partner.partner, items.description]) as names(term)
    union
    select candidates.category, candidates.item, coalesce(items.description, resources.description)
    from candidates
    left join items on items.item = candidates.item
    left join staging.resources as resources
        on resources.plan_month = getvariable('plan_month')
        and resources.resource = candidates.item
    union
    -- a resource as people name it, without the detail in brackets: 'Filling line' of
    -- 'Filling line (bottles, jars, droppers)'
    select candidates.category, candidates.item, trim(split_part(resources.description, '(', 1))
    from candidates
    join staging.resources as resources
        on resources.plan_month = getvariable('plan_month')
        and resources.resource = candidates.item
    union
    select issue_items.category, issue_items.subject, term
    from issue_items
    left join items using (item),
        unnest([issue_items.item, items.description]) as names(term)
    union
    -- a family, when every item of the issue is in it
    select issue_items.category, issue_items.subject, any_value(items.family)
    from issue_items
    left join items using (item)
    group by issue_items.category, issue_items.subject
    having count(distinct items.family) = 1 and count(items.family) = count(*)
),

action_lines as (
    -- each open action as the agenda shows it
    select
        action_id,
        lower(topic || ' ' || coalesce(decision, '')) as words,
        format('{} {} ({}{})', action_id, topic, owner,
               case when is_overdue then format(', {} days overdue', days_overdue)
                    else format(', due {}', strftime(due_date, '%d %b %Y')) end) as line,
        days_overdue
    from sop_mart.actions
    where plan_month = getvariable('plan_month')
      and status = 'open'
),

open_actions as (
    select
        issue_terms.category,
        issue_terms.subject,
        string_agg(distinct action_lines.line, '; ' order by action_lines.line) as open_actions,
        max(action_lines.days_overdue) as action_days_overdue
    from issue_terms
    join action_lines
        on length(issue_terms.term) >= 4
        and contains(action_lines.words, lower(issue_terms.term))
    group by all
),

ranked as (
    select
        candidates.*,
        case
            when option_value.decision is null then candidates.fallback_decision
            when option_value.equal_decision is not null then
                format('Either: {}; or: {} (within {:,.0f} of expected margin of each other)',
                       option_value.decision, option_value.equal_decision,
                       option_value.margin_over_runner_up)
            else option_value.decision
        end as suggested_decision,
        option_value.extra_inventory_cash_peak as option_cash,
        drivers.override_share,
        drivers.override_owner,
        drivers.override_verdict,
        drivers.forecast_increase_share,
        drivers.buffer_build_qty,
        concat_ws('; ',
            -- a share is capped at the whole shortage: one that reaches it says so in units, as
            -- overrides and the forecast's increase can each add more than the shortage
            case when drivers.override_share >= 1
                 then format('overrides alone add more than the shortage ({:,.0f} units against '
                             '{:,.0f}; {}: {})',
                             drivers.override_qty, drivers.shortage_qty, drivers.override_owner,
                             coalesce(drivers.override_verdict, 'no scorecard yet'))
                 when drivers.override_share > 0
                 then format('overrides add {:.0f}% of the shortage ({}: {})',
                             drivers.override_share * 100, drivers.override_owner,
                             coalesce(drivers.override_verdict, 'no scorecard yet')) end,
            case when drivers.forecast_increase_share >= 1
                 then format('this month''s statistical forecast alone adds more than the '
                             'shortage ({:,.0f} units)', drivers.increase_qty)
                 when drivers.forecast_increase_share > 0
                 then format('this month''s statistical forecast adds {:.0f}%',
                             drivers.forecast_increase_share * 100) end,
            case when drivers.buffer_build_qty >= 0.5
                 then format('the plan builds {:,.0f} units of safety stock in these months',
                             drivers.buffer_build_qty) end) as drivers,
        open_actions.open_actions,
        open_actions.action_days_overdue,
        row_number() over (
            order by candidates.impact_value desc, candidates.revenue_value desc nulls last,
                candidates.category, candidates.item
        ) as rank
    from candidates
    left join option_value
        on option_value.category = candidates.category
        and option_value.item = candidates.item
    left join drivers
        on drivers.category = candidates.category
        and drivers.item = candidates.item
    left join open_actions
        on open_actions.category = candidates.category
        and open_actions.subject = candidates.item
),

agenda_links as (
    -- an item's own issue (its lead time, its forecast) whose item an issue above it on the
    -- agenda also concerns says so: the meeting reads one story, not two unrelated lines
    select
        later.rank,
        string_agg(format('issue {} ({})', earlier.rank, earlier.item), ' and '
                   order by earlier.rank) as also_in
    from ranked as later
    join ranked as earlier
        on earlier.rank < later.rank
        and contains(', ' || earlier.affected_items || ',', ', ' || later.item || ',')
    where later.rank <= getvariable('meeting_top_issues')
    group by later.rank
)

select
    getvariable('plan_month') as plan_month,
    ranked.rank,
    category || ':' || item as issue,
    category,
    topic || coalesce(format('; {} is also among the items of {}', item, agenda_links.also_in), '')
        as topic,
    item,
    impact_value,
    suggested_decision,
    revenue_value,
    affected_items,
    affected_item_count,
    nullif(drivers, '') as drivers,
    override_share,
    override_owner,
    override_verdict,
    forecast_increase_share,
    buffer_build_qty,
    open_actions,
    action_days_overdue,
    option_cash,
    first_month,
    last_month,
    shadow_price,
    price_per,
    -- at the meeting when the issue already binds, else before its first month, within 30 days
    greatest(meeting.meeting_date,
             least(meeting.meeting_date + 30,
                   coalesce(first_month::date - 1, meeting.meeting_date + 30)))::date
        as decide_by
from ranked
cross join meeting
left join agenda_links
    on agenda_links.rank = ranked.rank
where ranked.rank <= getvariable('meeting_top_issues')
order by ranked.rank
