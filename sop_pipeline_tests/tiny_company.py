"""A hand-sized company for tests: 3 finished goods, 3 components, a two-level BOM.

Small enough to check numbers by hand; every file of the input contract
(``sop_pipeline/ingest/contract.py``) is present and valid.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

ITEMS = """\
item,item_type,description,family,uom,unit_cost,unit_price,lead_time_days,lead_time_std_days,\
moq,order_multiple,shelf_life_days,service_level,launch_date,status
FG1,finished_good,Day cream,Face,ea,5,20,14,3,100,10,,0.95,,active
FG2,finished_good,Night serum,Face,ea,6,30,14,3,100,10,365,,,active
FG3,finished_good,Body lotion,Body,ea,4,15,14,3,50,10,,,,active
SA1,component,Cream base batch,,kg,3,,7,1,,,180,,,active
C1,component,Glass jar 50ml,,ea,0.5,,60,10,5000,500,,,,active
C2,component,Shea butter,,kg,8,,30,5,25,25,365,,,active
"""
BOM = """parent,component,qty_per,scrap_rate
FG1,SA1,0.05,0.02
FG1,C1,1,0.01
FG2,C1,1,0.01
FG3,SA1,0.2,0.02
SA1,C2,0.4,
"""
FINANCIAL_PLAN = """month,family,planned_revenue
{m1},Face,3000
{m1},Body,1000
{m1},,4000
"""
PROMOTIONS = """promo_id,item,start_month,end_month,uplift_pct,description
P1,FG1,{m2},{m2},30,Spring promo
"""
ACTIONS = """action_id,opened_month,topic,owner,due_date,status,decision
A1,{m0},Qualify second jar supplier,Ops,{due_past},open,Dual source jars
A2,{m0},Review safety stock of FG2,Planning,{due_past},done,Raised to 98%
"""


def _month(start: dt.date, k: int) -> dt.date:
    index = start.year * 12 + start.month - 1 + k
    return dt.date(index // 12, index % 12 + 1, 1)


def write_tiny_company(root: Path, first: str = "2025-07", months: int = 4) -> list[dt.date]:
    """Write ``months`` closed month folders starting at ``first`` under ``root``.

    Returns:
        The months written.
    """
    start = dt.date.fromisoformat(first + "-01")
    written = [_month(start, k) for k in range(months)]
    last = written[-1]
    fmt = {
        "m0": start.strftime("%Y-%m"),
        "m1": _month(last, 1).strftime("%Y-%m"),
        "m2": _month(last, 2).strftime("%Y-%m"),
        "due_past": _month(start, 1).isoformat(),
    }
    master = root / "master"
    master.mkdir(parents=True, exist_ok=True)
    (master / "items.csv").write_text(ITEMS)
    (master / "bom.csv").write_text(BOM)
    (master / "financial_plan.csv").write_text(FINANCIAL_PLAN.format(**fmt))
    (master / "promotions.csv").write_text(PROMOTIONS.format(**fmt))
    (master / "actions.csv").write_text(ACTIONS.format(**fmt))
    for k, month in enumerate(written):
        folder = root / month.strftime("%Y-%m")
        folder.mkdir(exist_ok=True)
        m = month.strftime("%Y-%m")
        (folder / "sales.csv").write_text(
            "date,item,ordered_qty,shipped_qty,net_revenue,customer,channel,location\n"
            f"{m}-03,FG1,{100 + 10 * k},{100 + 10 * k},{20 * (100 + 10 * k)},Shop A,retail,WH1\n"
            f"{m}-10,FG2,40,36,1080,Web,dtc,WH1\n"
            f"{m}-18,FG3,{25 + k},{25 + k},{15 * (25 + k)},Spa B,b2b,WH1\n"
            f"{m}-21,FG1,-2,-2,-40,Shop A,retail,WH1\n"
        )
        (folder / "inventory.csv").write_text(
            "item,on_hand_qty,location,lot,expiry_date,unit_cost\n"
            "FG1,120,WH1,,,\n"
            f"FG2,30,WH1,L-{m},{_month(month, 6).isoformat()},6.5\n"
            "FG3,60,WH1,,,\n"
            f"SA1,4,WH1,B-{m},{_month(month, 3).isoformat()},\n"
            "C1,2500,WH1,,,\n"
            f"C2,10,WH1,S-{m},{_month(month, 9).isoformat()},\n"
        )
        (folder / "open_purchase_orders.csv").write_text(
            "po,item,qty_open,due_date\n"
            f"PO-{m}-1,C1,5000,{_month(month, 2).isoformat()}\n"
            f"MO-{m}-1,FG1,100,{_month(month, 1).replace(day=10).isoformat()}\n"
        )
        (folder / "_CLOSED").touch()
    return written


RESOURCES = """\
resource,description,capacity_per_month,overtime_capacity_per_month,overtime_cost_per_unit
LINE,Filling line,{line},10,40
PACK,Packing line,300,,
"""
ROUTINGS = """item,resource,hours_per_unit
FG1,LINE,0.5
FG1,PACK,0.1
FG2,LINE,1
FG3,LINE,0.5
"""
CASH = """as_of_month,opening_cash,monthly_operating_burn
{m0},20000,4000
{last},15000,4000
"""


def write_capacity_files(root: Path, line_hours: float = 70.0) -> None:
    """Add production capacity and cash to a tiny company written by
    :func:`write_tiny_company`: a filling line LINE (``line_hours`` a month, 10 h of overtime
    at 40 an hour) that FG1 (0.5 h a unit), FG2 (1 h) and FG3 (0.5 h) load, a packing line
    PACK (300 h, FG1 0.1 h); cash 15,000 at the last month's close, burning 4,000 a month; and
    in the last month's folder a capacity.csv halving LINE two months ahead."""
    master = root / "master"
    months = sorted(p.name for p in root.iterdir() if p.is_dir() and p.name != "master")
    first, last = months[0], months[-1]
    (master / "resources.csv").write_text(RESOURCES.format(line=line_hours))
    (master / "routings.csv").write_text(ROUTINGS)
    (master / "cash.csv").write_text(CASH.format(m0=first, last=last))
    ahead = _month(dt.date.fromisoformat(last + "-01"), 2).strftime("%Y-%m")
    (root / last / "capacity.csv").write_text(
        f"month,resource,capacity_per_month,overtime_capacity_per_month\n{ahead},LINE,"
        f"{line_hours / 2:g},\n"
    )
