-- Parsing helpers shared by the staging models (run before every model).
create or replace temp macro to_number(x) as try_cast(trim(x) as double);
create or replace temp macro to_date(x) as try_strptime(trim(x), '%Y-%m-%d')::date;
create or replace temp macro to_month(x) as try_strptime(left(trim(x), 7) || '-01', '%Y-%m-%d')::date;
