"""The seeded sample company: determinism, the input contract, and the stories it must tell.

A small company generated into ``tmp_path`` covers the generator; the committed ``data/`` is
checked for the S&OP stories the pipeline and the meeting rely on.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sop_pipeline.sample_data import CompanySummary, generate_company
from sop_pipeline.sample_data.__main__ import main
from sop_pipeline.settings import Settings, load_settings
from sop_pipeline.supply import PlanningInputs, find_supply_gaps
from sop_pipeline.supply.shelf_life import shelf_life_risk

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
MASTER_COLUMNS = {
    "items": [
        "item",
        "item_type",
        "description",
        "family",
        "uom",
        "unit_cost",
        "unit_price",
        "lead_time_days",
        "lead_time_std_days",
        "moq",
        "order_multiple",
        "shelf_life_days",
        "service_level",
        "launch_date",
        "status",
    ],
    "bom": ["parent", "component", "qty_per", "scrap_rate"],
    "financial_plan": ["month", "family", "planned_revenue"],
    "promotions": ["promo_id", "item", "start_month", "end_month", "uplift_pct", "description"],
    "actions": ["action_id", "opened_month", "topic", "owner", "due_date", "status", "decision"],
}
MONTH_COLUMNS = {
    "sales": [
        "date",
        "item",
        "ordered_qty",
        "shipped_qty",
        "net_revenue",
        "customer",
        "channel",
        "location",
    ],
    "inventory": ["item", "on_hand_qty", "location", "lot", "expiry_date", "unit_cost"],
    "open_purchase_orders": ["po", "item", "qty_open", "due_date"],
    "forecast_overrides": [
        "item",
        "month",
        "override_qty",
        "adjustment_pct",
        "reason",
        "owner",
    ],
}


class Company:
    """A generated data directory, read back the way a user would read it."""

    def __init__(self, root: Path, fmt: str = "csv") -> None:
        self.root, self.fmt = root, fmt
        self.months = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name[:2] == "20")
        self.items = self.master("items")
        self.bom = self.master("bom")
        self._monthly: dict[str, pd.DataFrame] = {}

    def read(self, path: Path) -> pd.DataFrame:
        if self.fmt == "parquet":
            return pd.read_parquet(path)
        return pd.read_csv(path, keep_default_na=False, na_values=[""])

    def master(self, name: str) -> pd.DataFrame:
        return self.read(self.root / "master" / f"{name}.{self.fmt}")

    def monthly(self, name: str) -> pd.DataFrame:
        """One monthly file over all months, with the folder in ``folder`` (a fresh copy)."""
        if name not in self._monthly:
            frames = [
                self.read(path).assign(folder=month)
                for month in self.months
                if (path := self.root / month / f"{name}.{self.fmt}").exists()
            ]
            self._monthly[name] = pd.concat(frames, ignore_index=True)
        return self._monthly[name].copy()

    def demand(self) -> pd.DataFrame:
        """Ordered quantity (returns excluded) per finished good and month, zeros filled."""
        sales = self.monthly("sales")
        sales = sales[sales["ordered_qty"] > 0]
        table = sales.pivot_table(
            index="item", columns="folder", values="ordered_qty", aggfunc="sum", fill_value=0
        )
        fg = self.items.loc[self.items["item_type"] == "finished_good", "item"]
        return table.reindex(index=fg, columns=self.months, fill_value=0)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[CompanySummary, Company]:
    root = tmp_path_factory.mktemp("small")
    summary = generate_company(root, n_items=12, n_months=14, seed=7)
    return summary, Company(root)


@pytest.fixture(scope="module")
def committed() -> Company:
    if not (DATA_DIR / "master").is_dir():
        pytest.fail(f"the committed sample company is missing under {DATA_DIR}")
    return Company(DATA_DIR)


@pytest.fixture(scope="module", params=["small", "committed"])
def company(request: pytest.FixtureRequest) -> Company:
    if request.param == "small":
        return request.getfixturevalue("small")[1]
    return request.getfixturevalue("committed")


def _flat_plan(company: Company, months_back: int = 3, horizon: int = 12) -> pd.DataFrame:
    """A simple demand plan: each finished good's mean demand of the last months, held flat."""
    mean = company.demand().iloc[:, -months_back:].mean(axis=1)
    future = pd.date_range(
        pd.Timestamp(company.months[-1]) + pd.offsets.MonthBegin(1), periods=horizon, freq="MS"
    )
    return pd.DataFrame(
        {
            "item": np.repeat(mean.index.to_numpy(), horizon),
            "month": np.tile(future, len(mean)),
            "qty": np.repeat(mean.to_numpy(), horizon),
        }
    )


def _last_close(company: Company) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = company.root / company.months[-1]
    return company.read(folder / "inventory.csv"), company.read(folder / "open_purchase_orders.csv")


_GAPS: dict[Path, pd.DataFrame] = {}


def _flat_gaps(company: Company) -> pd.DataFrame:
    """``find_supply_gaps`` at the last close against the flat plan (computed once).

    Orders a few days late at the close arrive in month 1 here (``late_po_delay_months=0``):
    the story is the disrupted part's orders, pushed out by months, not the planning rule
    that a late order arrives a month late (the planned company uses that rule)."""
    if company.root not in _GAPS:
        on_hand, open_orders = _last_close(company)
        plan_month = pd.Timestamp(company.months[-1])
        _GAPS[company.root] = find_supply_gaps(
            PlanningInputs(
                plan_month,
                company.items,
                company.bom,
                _flat_plan(company).rename(columns={"qty": "forecast_qty"}),
                on_hand,
                open_orders,
                late_po_delay_months=0,
            )
        )
    return _GAPS[company.root].copy()


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# --- determinism and the command line ----------------------------------------------------------


def test_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    generate_company(tmp_path / "a", n_items=8, n_months=6, seed=3)
    generate_company(tmp_path / "b", n_items=8, n_months=6, seed=3)
    generate_company(tmp_path / "c", n_items=8, n_months=6, seed=4)
    a, b, c = (_files(tmp_path / name) for name in "abc")
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_rerun_replaces_the_company_and_keeps_other_folders(tmp_path: Path) -> None:
    generate_company(tmp_path, n_items=8, n_months=6, end_month="2025-10")
    (tmp_path / "warehouse").mkdir()
    (tmp_path / "warehouse" / "sop.duckdb").write_bytes(b"db")
    generate_company(tmp_path, n_items=8, n_months=4, end_month="2025-06")
    months = sorted(p.name for p in tmp_path.iterdir() if p.name[:2] == "20")
    assert months == ["2025-03", "2025-04", "2025-05", "2025-06"]
    assert (tmp_path / "warehouse" / "sop.duckdb").read_bytes() == b"db"


def test_cli_writes_a_company_and_rejects_bad_arguments(tmp_path: Path, capsys) -> None:
    assert main(["--out", str(tmp_path), "--items", "8", "--months", "3", "--end", "2024-02"]) == 0
    assert (tmp_path / "2024-02" / "_CLOSED").exists()
    assert "n_finished_goods" in capsys.readouterr().out
    assert main(["--out", str(tmp_path / "x"), "--end", "2024-13"]) == 2
    assert main(["--out", str(tmp_path / "y"), "--items", "10", "--components", "12"]) == 2


@pytest.mark.parametrize(
    "kwargs",
    [{"n_items": 3}, {"n_months": 0}, {"end_month": "2025/10"}, {"fmt": "xlsx"}],
)
def test_bad_arguments_raise_value_error(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        generate_company(tmp_path, **kwargs)


def test_parquet_output_is_readable_and_matches_csv(tmp_path: Path) -> None:
    generate_company(tmp_path / "csv", n_items=10, n_months=8, seed=5)
    generate_company(tmp_path / "pq", n_items=10, n_months=8, seed=5, fmt="parquet")
    csv, pq = Company(tmp_path / "csv"), Company(tmp_path / "pq", fmt="parquet")
    assert pq.months == csv.months
    for name in MASTER_COLUMNS:
        a, b = csv.master(name), pq.master(name)
        assert list(b.columns) == MASTER_COLUMNS[name] and len(a) == len(b)
    for name in ("sales", "inventory", "open_purchase_orders", "forecast_overrides"):
        a, b = csv.monthly(name), pq.monthly(name)
        assert list(b.columns) == [*MONTH_COLUMNS[name], "folder"] and len(a) == len(b)
    sales_a, sales_b = csv.monthly("sales"), pq.monthly("sales")
    np.testing.assert_allclose(sales_a["net_revenue"], sales_b["net_revenue"])
    assert (sales_a["date"].astype(str) == sales_b["date"].astype(str)).all()


def test_settings_file_holds_only_valid_changed_values(company: Company) -> None:
    path = company.root / "settings.yaml"
    settings = load_settings(path)
    written = yaml.safe_load(path.read_text(encoding="utf-8"))
    defaults = Settings().model_dump()
    for section, values in written.items():
        for key, value in values.items():
            assert value != defaults[section][key], f"{section}.{key} repeats the default"
    on_hand, _ = _last_close(company)
    cost = on_hand["unit_cost"].fillna(
        on_hand["item"].map(company.items.set_index("item")["unit_cost"])
    )
    stock = float((on_hand["on_hand_qty"] * cost).sum())
    targets = settings.kpi_targets
    assert 0.1 * stock <= targets.cash_reduction <= 0.25 * stock
    assert 0 < targets.excess_obsolete_value < targets.cash_reduction
    assert settings.exceptions.change_revenue > 0


def test_summary_counts_match_the_files(small) -> None:
    summary, company = small
    assert summary.n_finished_goods == 12
    assert summary.n_components == 2 * 12 + 20
    assert (summary.first_month, summary.last_month) == ("2024-09", "2025-10")
    assert summary.n_sales_lines == len(company.monthly("sales"))
    assert summary.n_inventory_rows == len(company.monthly("inventory"))
    assert summary.n_open_order_rows == len(company.monthly("open_purchase_orders"))
    assert summary.n_bom_lines == len(company.bom)
    assert summary.bom_depth >= 3


# --- the input contract (ingest/contract.py), on the small and the committed company ---------


def test_layout_and_columns(company: Company) -> None:
    for name, columns in MASTER_COLUMNS.items():
        assert list(company.master(name).columns) == columns, name
    for month in company.months:
        folder = company.root / month
        assert (folder / "_CLOSED").is_file() and (folder / "_CLOSED").stat().st_size == 0
        for name, columns in MONTH_COLUMNS.items():
            path = folder / f"{name}.csv"
            if name == "forecast_overrides" and not path.exists():
                continue
            assert list(company.read(path).columns) == columns, f"{month}/{name}"


def test_keys_are_unique(company: Company) -> None:
    assert company.items["item"].is_unique
    assert not company.bom.duplicated(["parent", "component"]).any()
    assert not company.master("promotions").duplicated(["promo_id", "item"]).any()
    assert company.master("actions")["action_id"].is_unique
    assert not company.master("financial_plan").duplicated(["month", "family"]).any()
    inventory = company.monthly("inventory").fillna({"location": "", "lot": ""})
    assert not inventory.duplicated(["folder", "item", "location", "lot"]).any()
    orders = company.monthly("open_purchase_orders")
    assert not orders.duplicated(["folder", "po", "item"]).any()
    overrides = company.monthly("forecast_overrides")
    assert not overrides.duplicated(["folder", "item", "month"]).any()


def test_every_item_is_known(company: Company) -> None:
    known = set(company.items["item"])
    for frame, columns in [
        (company.bom, ["parent", "component"]),
        (company.master("promotions"), ["item"]),
        (company.monthly("sales"), ["item"]),
        (company.monthly("inventory"), ["item"]),
        (company.monthly("open_purchase_orders"), ["item"]),
        (company.monthly("forecast_overrides"), ["item"]),
    ]:
        for column in columns:
            assert set(frame[column]) <= known, column


def test_required_master_fields_and_value_domains(company: Company) -> None:
    items = company.items
    active = items[items["status"] == "active"]
    assert active[["item", "item_type", "unit_cost", "lead_time_days"]].notna().all().all()
    assert set(items["item_type"]) == {"finished_good", "component"}
    assert set(items["status"]) == {"active", "phase_out"}
    fg = items[items["item_type"] == "finished_good"]
    assert fg[["family", "unit_price", "launch_date", "service_level"]].notna().all().all()
    assert (items["service_level"].between(0.5, 0.9999)).all()
    assert (items["unit_price"].dropna() > items.loc[fg.index, "unit_cost"]).all()
    scrap = company.bom["scrap_rate"].dropna()
    assert len(scrap) and scrap.between(0, 0.1).all()
    assert (company.bom["qty_per"] > 0).all()


def test_no_meaningless_negatives(company: Company) -> None:
    inventory = company.monthly("inventory")
    assert (inventory["on_hand_qty"] > 0).all()
    assert (inventory["unit_cost"].dropna() > 0).all()
    assert (company.monthly("open_purchase_orders")["qty_open"] > 0).all()
    assert (company.items["unit_cost"] > 0).all()


def test_bom_is_acyclic_and_multi_level(company: Company) -> None:
    children = company.bom.groupby("parent")["component"].apply(list).to_dict()
    depth: dict[str, int] = {}

    def levels(item: str, path: tuple[str, ...] = ()) -> int:
        assert item not in path, f"BOM cycle through {item}"
        if item not in depth:
            depth[item] = 1 + max(
                (levels(c, (*path, item)) for c in children.get(item, [])), default=0
            )
        return depth[item]

    fg = company.items.loc[company.items["item_type"] == "finished_good", "item"]
    assert max(levels(item) for item in fg) >= 4  # good -> bulk -> base -> raw material
    types = company.items.set_index("item")["item_type"]
    made = [p for p in children if types[p] == "component"]
    assert made, "no in-house sub-assembly"
    assert all(any(c in made for c in children[item]) for item in fg)
    users = company.bom.groupby("component")["parent"].nunique()
    assert users.max() >= 5 and (users == 1).sum() >= len(fg) // 2  # shared and dedicated


def test_sales_dates_are_inside_their_month(company: Company) -> None:
    sales = company.monthly("sales")
    assert sales["date"].str.match(r"^\d{4}-\d{2}-\d{2}$").all()
    assert (sales["date"].str[:7] == sales["folder"]).all()
    assert pd.to_datetime(sales["date"], format="%Y-%m-%d").notna().all()


def test_returns_are_negative_lines_and_shipments_never_exceed_orders(company: Company) -> None:
    sales = company.monthly("sales")
    returns = sales[sales["ordered_qty"] < 0]
    assert len(returns) > 0
    assert (returns["shipped_qty"] == returns["ordered_qty"]).all()
    assert (returns["net_revenue"] < 0).all()
    orders = sales[sales["ordered_qty"] > 0]
    assert (orders["shipped_qty"].between(0, orders["ordered_qty"])).all()
    assert (orders["net_revenue"] >= 0).all()


def test_stock_outs_happen(company: Company) -> None:
    sales = company.monthly("sales")
    sales = sales[sales["ordered_qty"] > 0]
    per_month = sales.groupby(["item", "folder"])[["ordered_qty", "shipped_qty"]].sum()
    short = per_month[per_month["shipped_qty"] < per_month["ordered_qty"]]
    assert len(short) >= 2
    assert per_month["shipped_qty"].sum() / per_month["ordered_qty"].sum() > 0.9


def test_lots_and_expiry_follow_shelf_life(company: Company) -> None:
    inventory = company.monthly("inventory").merge(
        company.items[["item", "shelf_life_days"]], on="item"
    )
    perishable = inventory["shelf_life_days"].notna()
    assert inventory.loc[perishable, ["lot", "expiry_date"]].notna().all().all()
    assert inventory.loc[~perishable, ["lot", "expiry_date"]].isna().all().all()
    assert inventory.loc[perishable, "unit_cost"].notna().any()
    assert inventory["unit_cost"].isna().any()
    expiry = pd.to_datetime(inventory["expiry_date"], format="%Y-%m-%d")
    month_end = pd.to_datetime(inventory["folder"]) + pd.offsets.MonthEnd(0)
    assert (expiry[perishable] > month_end[perishable]).all()  # expired lots are written off
    last = inventory["folder"] == company.months[-1]
    soon = expiry < month_end + pd.DateOffset(months=12)
    assert (last & soon).sum() >= 3
    assert set(inventory["location"]) <= {"MAIN", "3PL"}


def test_open_orders_are_mostly_due_ahead(company: Company) -> None:
    orders = company.monthly("open_purchase_orders")
    due = pd.to_datetime(orders["due_date"], format="%Y-%m-%d")
    past_due = due <= pd.to_datetime(orders["folder"]) + pd.offsets.MonthEnd(0)
    assert 0 < past_due.mean() < 0.2
    assert orders["po"].str.match(r"^(PO|MO)-\d{4}-\d+$").all()
    types = company.items.set_index("item")["item_type"]
    production = orders["po"].str.startswith("MO")
    assert set(types[orders.loc[~production, "item"]]) == {"component"}
    assert "finished_good" in set(types[orders.loc[production, "item"]])


def test_finished_good_stock_follows_receipts_and_shipments(small) -> None:
    """Stock(t) = stock(t-1) + orders received in t - shipped in t - expired lots written off."""
    _, company = small
    stock = company.monthly("inventory").groupby(["item", "folder"])["on_hand_qty"].sum()
    sales = company.monthly("sales")
    shipped = sales[sales["ordered_qty"] > 0].groupby(["item", "folder"])["shipped_qty"].sum()
    orders = company.monthly("open_purchase_orders").set_index(["folder", "po", "item"])
    fg = company.items[company.items["item_type"] == "finished_good"]
    lotted = set(fg.loc[fg["shelf_life_days"].notna(), "item"])
    gaps = []
    for prev, month in zip(company.months, company.months[1:], strict=False):
        before, after = orders.loc[prev]["qty_open"], orders.loc[month]["qty_open"]
        received = before[~before.index.isin(after.index)].groupby(level="item").sum()
        for item in fg["item"]:
            flow = (
                stock.get((item, prev), 0) + received.get(item, 0) - shipped.get((item, month), 0)
            )
            gap = flow - stock.get((item, month), 0)
            assert gap == pytest.approx(0) or (item in lotted and gap > 0), (item, month, gap)
            gaps.append(gap)
    assert len(gaps) > 100 and np.mean(np.isclose(gaps, 0)) > 0.9


# --- the S&OP stories of the committed company ------------------------------------------------


def test_supplier_disruption_limits_supply_after_the_last_close(
    company: Company, request: pytest.FixtureRequest
) -> None:
    """One purchased component is on allocation: its open orders were cut and come too late,
    so several finished goods are short in the next months and it is their limiting item, with
    most of the revenue at risk that purchased items limit (others due late in a month may
    hold up a parent's run for a few days, and the count's components that open production
    orders draw when received are not free for new runs)."""
    flat_gaps = _flat_gaps(company)
    items = company.items.set_index("item")
    purchased = items.index[(items["item_type"] == "component")].difference(company.bom["parent"])
    by_part = (
        flat_gaps[flat_gaps["limiting_item"].isin(purchased)]
        .groupby("limiting_item")["revenue_at_risk"]
        .sum()
        .sort_values()
    )
    assert len(by_part) >= 1 and by_part.iloc[-1] > 0.5 * by_part.sum(), by_part
    assert len(by_part) == 1 or by_part.iloc[-1] >= 2 * by_part.iloc[-2], by_part
    part = by_part.index[-1]
    summary, small = request.getfixturevalue("small")
    if company is small:
        assert part == summary.disrupted_item
    assert items.loc[part, "lead_time_days"] >= 45
    hit = flat_gaps[flat_gaps["limiting_item"] == part]
    close = pd.Timestamp(company.months[-1])
    soon = hit[hit["month"] <= close + pd.DateOffset(months=3)]
    assert soon["item"].nunique() >= 2
    assert set(hit["item"]) <= set(company.bom.loc[company.bom["component"] == part, "parent"])

    # its cover: stock plus what is due in the next two months against the two months' need
    uses = company.bom[company.bom["component"] == part].set_index("parent")
    per_unit = uses["qty_per"] * (1 + uses["scrap_rate"].fillna(0))
    need = float(
        (company.demand().iloc[:, -3:].mean(axis=1).reindex(per_unit.index) * per_unit).sum()
    )
    on_hand, open_orders = _last_close(company)
    stock = on_hand.loc[on_hand["item"] == part, "on_hand_qty"].sum()
    orders = open_orders[open_orders["item"] == part]
    due = pd.to_datetime(orders["due_date"], format="%Y-%m-%d")
    assert len(orders) and (due >= close + pd.DateOffset(months=2)).all()  # pushed out
    assert stock + orders.loc[due < close + pd.DateOffset(months=3), "qty_open"].sum() < 2 * need
    assert stock + orders["qty_open"].sum() < 3 * need

    # the supplier cut orders that were already open
    book = company.monthly("open_purchase_orders")
    book = book[book["item"] == part].pivot_table(index="po", columns="folder", values="qty_open")
    recent = book[company.months[-4:]]
    assert (recent.diff(axis=1) < 0).any().any()


def test_disruption_hits_a_handful_of_items_and_shelf_life_risk_stays(
    committed: Company,
) -> None:
    """The disruption puts tens to a few hundred thousand of revenue at risk in a few items
    and shows as lower fill in the last closed month; finished goods that will expire before
    they sell are still in stock."""
    gaps = _flat_gaps(committed)
    disrupted = gaps[gaps["limiting_item"] == "PK-010"]  # Amber glass dropper bottle 50 ml
    assert disrupted["revenue_at_risk"].sum() >= 0.6 * gaps["revenue_at_risk"].sum()
    gaps = disrupted
    assert 2 <= gaps["item"].nunique() <= 6
    assert 50_000 <= gaps["revenue_at_risk"].sum() <= 400_000
    sales = committed.monthly("sales")
    sales = sales[(sales["ordered_qty"] > 0) & sales["item"].isin(gaps["item"])]
    last = sales[sales["folder"] == committed.months[-1]]
    assert last["shipped_qty"].sum() < 0.97 * last["ordered_qty"].sum()

    on_hand, _ = _last_close(committed)
    fg = committed.items.loc[committed.items["item_type"] == "finished_good", "item"]
    risk = shelf_life_risk(
        committed.items,
        on_hand[on_hand["item"].isin(fg)],
        _flat_plan(committed),
        pd.Timestamp(committed.months[-1]),
    )
    assert (risk.loc[risk["reason"] == "expiry", "qty_at_risk"] > 0).any()


def test_committed_company_shape(committed: Company) -> None:
    assert len(committed.months) == 36
    assert (committed.months[0], committed.months[-1]) == ("2022-11", "2025-10")
    fg = committed.items[committed.items["item_type"] == "finished_good"]
    assert 30 <= len(fg) <= 60 and 4 <= fg["family"].nunique() <= 6
    assert 60 <= (committed.items["item_type"] == "component").sum() <= 150


def test_launches_have_two_to_six_months_of_history(committed: Company) -> None:
    items = committed.items.set_index("item")
    launch = pd.to_datetime(items["launch_date"], format="%Y-%m-%d")
    new = launch[launch >= pd.Timestamp(committed.months[0])]
    assert 2 <= len(new) <= 3
    demand = committed.demand()
    for item in new.index:
        history = (demand.loc[item] > 0).sum()
        assert 2 <= history <= 6, item
        assert demand.loc[item, : new[item].strftime("%Y-%m")].iloc[:-1].sum() == 0


def test_one_phase_out_item_declines_and_leaves_stock(committed: Company) -> None:
    items = committed.items.set_index("item")
    phase_out = items.index[items["status"] == "phase_out"]
    assert len(phase_out) == 1
    demand = committed.demand().loc[phase_out[0]]
    assert demand.iloc[-6:].mean() < 0.6 * demand.iloc[:12].mean()
    last = committed.read(DATA_DIR / committed.months[-1] / "inventory.csv")
    assert last.loc[last["item"] == phase_out[0], "on_hand_qty"].sum() > 3 * demand.iloc[-3:].mean()


def test_demand_shapes(committed: Company) -> None:
    items = committed.items.set_index("item")
    demand = committed.demand()
    month = pd.to_datetime(pd.Series(demand.columns)).dt.month.to_numpy()
    family = items.loc[demand.index, "family"]
    sun = demand[family == "Sun Care"].sum()
    assert sun[np.isin(month, [6, 7])].mean() > 3 * sun[np.isin(month, [12, 1])].mean()
    gifts = demand[family == "Gift Sets"].sum()
    assert gifts[np.isin(month, [11, 12])].mean() > 3 * gifts[np.isin(month, [6, 7, 8])].mean()
    b2b = demand[family == "Professional"]
    assert len(b2b) >= 2 and ((b2b == 0).mean(axis=1) > 0.3).all()  # intermittent
    old = demand.loc[:, demand.columns[:12]].sum(axis=1)
    new = demand.loc[:, demand.columns[-12:]].sum(axis=1)
    growth = (new / old.where(old > 0))[family.isin(["Face Care", "Body Care", "Hair Care"])]
    assert (growth > 1.5).sum() >= 2 and (growth < 0.8).sum() >= 2  # trending up and down


def test_promotions_cover_past_spikes_and_the_year_ahead(committed: Company) -> None:
    promos = committed.master("promotions")
    last = committed.months[-1]
    past, ahead = promos[promos["end_month"] <= last], promos[promos["start_month"] > last]
    assert len(past) >= 5 and len(ahead) >= 3
    assert (ahead["start_month"] <= "2026-10").all()
    assert promos["uplift_pct"].between(5, 100).all()
    demand = committed.demand()
    lifts = [
        demand.loc[row.item, row.start_month] / demand.loc[row.item].median()
        for row in past.itertuples()
        if row.start_month >= committed.months[0] and demand.loc[row.item].median() > 0
    ]
    assert np.median(lifts) > 1.1


def test_month_folder_overrides_the_item_master(committed: Company) -> None:
    overrides = [m for m in committed.months if (DATA_DIR / m / "items.csv").exists()]
    assert overrides == ["2025-07"]
    month = committed.read(DATA_DIR / "2025-07" / "items.csv")
    assert list(month.columns) == list(committed.items.columns)
    assert (month["item"] == committed.items["item"]).all()
    changed = month["unit_cost"] != committed.items["unit_cost"]
    assert 1 <= changed.sum() <= 10


def test_financial_plan_covers_history_and_the_year_ahead(committed: Company) -> None:
    plan = committed.master("financial_plan")
    months = sorted(plan["month"].unique())
    assert months[0] == committed.months[0] and months[-1] == "2026-10" and len(months) == 48
    total = plan[plan["family"].isna()].set_index("month")["planned_revenue"]
    by_family = plan[plan["family"].notna()].groupby("month")["planned_revenue"].sum()
    np.testing.assert_allclose(total.loc[by_family.index], by_family, rtol=1e-9)
    sales = committed.monthly("sales").merge(committed.items[["item", "family"]], on="item")
    actual = sales.groupby("family")["net_revenue"].sum()
    history = plan[plan["month"] <= committed.months[-1]].groupby("family")["planned_revenue"].sum()
    ratio = history / actual
    assert (ratio > 1.1).sum() >= 1 and (ratio < 1.1).sum() >= 1  # some families planned high


def test_overrides_come_in_both_kinds_and_help_or_hurt(committed: Company) -> None:
    overrides = committed.monthly("forecast_overrides")
    folders = sorted(overrides["folder"].unique())
    assert len(folders) >= 4 and folders[-1] == committed.months[-1]
    qty, pct = overrides["override_qty"].notna(), overrides["adjustment_pct"].notna()
    assert (qty ^ pct).all() and qty.any() and pct.any()
    assert (overrides["month"] > overrides["folder"]).all()
    assert (overrides["month"] > committed.months[-1]).any()
    horizon = pd.to_datetime(overrides["folder"]) + pd.DateOffset(months=12)
    assert (pd.to_datetime(overrides["month"]) <= horizon).all()

    demand = committed.demand()
    position = {m: k for k, m in enumerate(committed.months)}
    rows = overrides[overrides["month"] <= committed.months[-1]].copy()
    naive = [
        demand.loc[r.item].iloc[position[r.folder] - 2 : position[r.folder] + 1].mean()
        for r in rows.itertuples()
    ]
    rows["naive"] = naive
    rows["actual"] = [demand.loc[r.item, r.month] for r in rows.itertuples()]
    rows["final"] = rows["override_qty"].fillna(rows["naive"] * (1 + rows["adjustment_pct"] / 100))
    rows["gain"] = (rows["naive"] - rows["actual"]).abs() - (rows["final"] - rows["actual"]).abs()
    by_owner = rows.groupby("owner")["gain"].sum()
    assert (by_owner > 0).sum() >= 2 and (by_owner < 0).sum() >= 2, by_owner


def test_action_log_has_done_open_and_overdue_actions(committed: Company) -> None:
    actions = committed.master("actions")
    assert set(actions["status"]) == {"open", "done"}
    review = pd.Timestamp("2025-11-15")
    due = pd.to_datetime(actions["due_date"], format="%Y-%m-%d")
    open_ = actions["status"] == "open"
    assert (open_ & (due < review)).sum() >= 2
    assert (open_ & (due >= review)).sum() >= 2
    assert actions.loc[actions["status"] == "done", "decision"].notna().all()
    assert actions["opened_month"].str.match(r"^\d{4}-\d{2}$").all()


# --- scale --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_ten_thousand_items_in_a_couple_of_minutes(tmp_path: Path) -> None:
    started = time.perf_counter()
    summary = generate_company(tmp_path, n_items=10_000, n_months=48)
    assert time.perf_counter() - started < 240
    assert summary.n_components == 20_020 and summary.bom_depth == 3
    assert 1 <= summary.n_sales_lines / (10_000 * 48) <= 4
    assert len(summary.launches) > 100 and len(summary.phase_out) > 100


def test_the_cash_history_moves_with_the_months_flows() -> None:
    """Burn 50 (thousands); October's close holds 100. October booked 80 of net revenue and
    received 20 of purchases (+10 after the burn), so September closed at 90; September 60
    and 10 (0): August closed at 90 too. The last close's cash is kept."""
    from sop_pipeline.sample_data.capacity import cash_history

    cash = pd.DataFrame(
        {
            "as_of_month": ["2025-08", "2025-09", "2025-10"],
            "opening_cash": [0.0, 0.0, 100_000.0],
            "monthly_operating_burn": 50_000.0,
        }
    )
    out = cash_history(cash, np.array([0, 60, 80]) * 1e3, np.array([0, 10, 20]) * 1e3)
    assert out["opening_cash"].tolist() == [90_000.0, 90_000.0, 100_000.0]
