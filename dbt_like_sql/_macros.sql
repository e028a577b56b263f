-- Parsing helpers shared by the staging models (run before every model).
create or replace temp macro to_number(x) as try_cast(trim(x) as double);
create or replace temp macro to_date(x) as try_strptime(trim(x), '%Y-%m-%d')::date;
create or replace temp macro to_month(x) as try_strptime(left(trim(x), 7) || '-01', '%Y-%m-%d')::date;
-- Sums and means that do not depend on the order rows arrive in (DuckDB aggregates in parallel,
-- and a floating-point sum taken in another order differs in its last digits): each value is
-- rounded to 9 decimals and added exactly as a DECIMAL, so re-planning a month is byte-identical.
create or replace temp macro exact_sum(x) as sum(x::DECIMAL(38, 9))::DOUBLE;
create or replace temp macro exact_avg(x) as exact_sum(x) / count(x);
-- A lead time that loses sales in the first planned month alone is the planners' task at the
-- close (sop_mart.planner_tasks), not a meeting issue (sop_mart.top_issues): by the meeting
-- the demand before the order's arrival has mostly gone. The one rule both marts read.
create or replace temp macro is_first_month_lead_time(constraint_type, last_loss_month) as
    constraint_type = 'lead_time'
    and last_loss_month = getvariable('plan_month')::date + interval 1 month;
-- The plan month's close: its last day (the stock count, the orders' lateness, the meeting).
create or replace temp macro plan_month_close() as
    (getvariable('plan_month')::date + interval 1 month - interval 1 day)::date;
