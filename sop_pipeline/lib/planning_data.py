"""Read the typed inputs of one plan month from the warehouse, as the planning functions take them.

Every reader returns plain pandas frames with the column names of ``docs/ARCHITECTURE.md``
(without ``plan_month``), dates as pandas Timestamps.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from sop_pipeline.lib.duckdb_io import table_exists


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    frame = con.execute(sql, params).df()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].astype("datetime64[ns]")
    return frame


def items(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """The item master in force for ``plan_month``."""
    return _frame(
        con,
        "select * exclude (plan_month) from staging.items where plan_month = ? order by item",
        [plan_month],
    )


def bom(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    return _frame(
        con,
        "select parent, component, qty_per, scrap_rate from staging.bom where plan_month = ?",
        [plan_month],
    )


def on_hand(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """The month-end stock count: item, location, lot, expiry_date, on_hand_qty, unit_cost."""
    return _frame(
        con,
        "select item, location, lot, expiry_date, on_hand_qty, unit_cost"
        " from staging.inventory where plan_month = ?",
        [plan_month],
    )


def open_orders(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    return _frame(
        con,
        "select po, item, qty_open, due_date from staging.open_purchase_orders"
        " where plan_month = ?",
        [plan_month],
    )


def promotions(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    return _frame(
        con,
        "select promo_id, item, start_month, end_month, uplift_pct, description"
        " from staging.promotions where plan_month = ?",
        [plan_month],
    )


def forecast_overrides(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    return _frame(
        con,
        "select item, month, override_qty, adjustment_pct, reason, owner"
        " from staging.forecast_overrides where plan_month = ?",
        [plan_month],
    )


def demand_history(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """Monthly demand of every finished good up to and including ``plan_month`` (as of then):
    item, month, demand_qty."""
    return _frame(
        con,
        "select item, plan_month as month, demand_qty from staging.demand_history"
        " where plan_month <= ? order by item, month",
        [plan_month],
    )


def sales_history(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """Monthly shipped quantity and net revenue of every finished good up to ``plan_month``:
    item, month, shipped_qty, net_revenue."""
    return _frame(
        con,
        "select item, plan_month as month, shipped_qty, net_revenue"
        " from staging.demand_history where plan_month <= ? order by item, month",
        [plan_month],
    )


def financial_plan(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """The financial plan in force for ``plan_month``: month, family (NULL: company),
    planned_revenue."""
    return _frame(
        con,
        "select month, family, planned_revenue from staging.financial_plan where plan_month = ?",
        [plan_month],
    )


def forecast(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """The plan month's final forecast (``sop_mart.forecast``)."""
    return _frame(
        con,
        "select * exclude (plan_month) from sop_mart.forecast where plan_month = ?"
        " order by item, month",
        [plan_month],
    )


def forecast_models(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """The model chosen per finished good and its cross-validation error, with its error by
    months ahead as columns ``rmse_h<k>`` and ``rmse_cum<k>`` (``sop_mart.forecast_errors``)."""
    models = _frame(
        con,
        "select * exclude (plan_month) from sop_mart.forecast_models where plan_month = ?",
        [plan_month],
    )
    errors = _frame(
        con,
        "select item, months_ahead, rmse, rmse_cumulative from sop_mart.forecast_errors"
        " where plan_month = ?",
        [plan_month],
    )
    if errors.empty:
        return models
    wide = errors.pivot(index="item", columns="months_ahead")
    wide.columns = [f"rmse_h{k}" if kind == "rmse" else f"rmse_cum{k}" for kind, k in wide.columns]
    return models.merge(wide.reset_index(), on="item", how="left")


def previous_models(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """``item, model, ets_form, ets_form_month, adjusted_ets_form`` and the ``cv_*`` errors
    chosen at ``plan_month`` (empty when that month was not forecast; the form columns empty
    when it was forecast before they existed)."""
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'sop_mart' and table_name = 'forecast_models'"
        ).fetchall()
    }
    if not columns:
        return pd.DataFrame(
            {
                "item": pd.Series(dtype=object),
                "model": pd.Series(dtype=object),
                "ets_form": pd.Series(dtype=object),
                "ets_form_month": pd.Series(dtype="datetime64[ns]"),
                "adjusted_ets_form": pd.Series(dtype=object),
            }
        )
    forms = (
        "ets_form, ets_form_month"
        if {"ets_form", "ets_form_month"} <= columns
        else "null::varchar as ets_form, null::date as ets_form_month"
    )
    adjusted = "adjusted_ets_form" if "adjusted_ets_form" in columns else "null::varchar"
    return _frame(
        con,
        f"select item, model, {forms}, {adjusted} as adjusted_ets_form,"
        " cv_mae, cv_rmse, cv_wape, cv_bias, cv_horizon"
        " from sop_mart.forecast_models where plan_month = ?",
        [plan_month],
    )


def previous_errors(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """``item, months_ahead, rmse, rmse_cumulative, error_level`` of ``plan_month``'s forecast
    (empty when that month was not forecast)."""
    if not table_exists(con, "sop_mart.forecast_errors"):
        return pd.DataFrame(
            columns=["item", "months_ahead", "rmse", "rmse_cumulative", "error_level"]
        )
    return _frame(
        con,
        "select item, months_ahead, rmse, rmse_cumulative, error_level"
        " from sop_mart.forecast_errors where plan_month = ?",
        [plan_month],
    )


def table(con: duckdb.DuckDBPyConnection, name: str, plan_month: dt.date) -> pd.DataFrame:
    """Any ``sop_mart`` table's rows of ``plan_month`` (``name`` comes from code, not users)."""
    return _frame(
        con,
        f"select * exclude (plan_month) from sop_mart.{name} where plan_month = ?",
        [plan_month],
    )


def _optional(con: duckdb.DuckDBPyConnection, table: str, columns: str, plan_month: dt.date):
    """The plan month's rows of an optional input's staging table (none: no rows, the columns
    still named, when a warehouse predates the table)."""
    schema, name = table.split(".")
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchall()[0][0]
    if not exists:
        return pd.DataFrame(columns=[c.strip() for c in columns.split(",")])
    return _frame(con, f"select {columns} from {table} where plan_month = ?", [plan_month])


def resources(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """The production resources: resource, description, capacity_per_month,
    overtime_capacity_per_month, overtime_cost_per_unit (empty: capacity is not planned)."""
    return _optional(
        con,
        "staging.resources",
        "resource, description, capacity_per_month, overtime_capacity_per_month,"
        " overtime_cost_per_unit",
        plan_month,
    )


def routings(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """item, resource, hours_per_unit."""
    return _optional(con, "staging.routings", "item, resource, hours_per_unit", plan_month)


def capacity_overrides(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """The plan month folder's capacity overrides: month, resource, capacity_per_month,
    overtime_capacity_per_month (NULL: the resource's own)."""
    return _optional(
        con,
        "staging.capacity",
        "month, resource, capacity_per_month, overtime_capacity_per_month",
        plan_month,
    )


def cash(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """as_of_month, opening_cash, monthly_operating_burn (empty without cash.csv)."""
    return _optional(
        con, "staging.cash", "as_of_month, opening_cash, monthly_operating_burn", plan_month
    )


def stock_values(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.Series:
    """Inventory value of every month-end stock count up to ``plan_month`` (index: month), each
    lot at its own ``unit_cost`` where the count gives one, else the item master's."""
    frame = _frame(
        con,
        "select stock.plan_month as month,"
        " sum(stock.on_hand_qty * coalesce(stock.unit_cost, items.unit_cost)) as value"
        " from staging.inventory as stock left join staging.items as items"
        " on items.plan_month = stock.plan_month and items.item = stock.item"
        " where stock.plan_month <= ? group by stock.plan_month order by month",
        [plan_month],
    )
    return pd.Series(frame["value"].to_numpy(float), index=pd.DatetimeIndex(frame["month"]))


def booked_revenue(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.Series:
    """Net revenue booked in every closed month up to ``plan_month`` (index: month)."""
    frame = _frame(
        con,
        "select plan_month as month, sum(net_revenue) as revenue from staging.demand_history"
        " where plan_month <= ? group by plan_month order by month",
        [plan_month],
    )
    return pd.Series(frame["revenue"].to_numpy(float), index=pd.DatetimeIndex(frame["month"]))


def first_supply_plan_month(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The first plan month the warehouse holds a supply plan for (None: none yet)."""
    return con.execute("select min(plan_month) from sop_mart.material_requirements").fetchall()[0][
        0
    ]


def decisions_applied(con: duckdb.DuckDBPyConnection, plan_month: dt.date) -> pd.DataFrame:
    """What the plan month's plan does with the earlier meetings' decisions (none when no
    decision was ever recorded)."""
    if not table_exists(con, "sop_mart.decisions_applied"):
        return pd.DataFrame()
    return table(con, "decisions_applied", plan_month)
