"""The Superset starter for real: ``bi/setup_superset.py`` provisions a fresh Superset (its own
venv, ``make bi``) over a published warehouse, ``make bi-up`` serves it, headless Chromium shows
the newest plan month's KPIs from the warehouse, and a publication while Superset reads the
file neither fails the run nor shows Superset half a month.

Needs ``make bi`` (Superset in ``bi/.venv``) and Debian's chromium; run with ``-m bi``.
"""

import contextlib
import datetime as dt
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import requests
import yaml

from sop_pipeline.runner import run_pipeline
from sop_pipeline_tests.browser import chromium_missing_reason, open_page
from sop_pipeline_tests.conftest import copy_company, read_table
from sop_pipeline_tests.test_ui import free_port, group_members, http_get, stop_group

pytestmark = pytest.mark.bi

REPO = Path(__file__).resolve().parents[1]
BI = REPO / "bi"
BI_PYTHON = BI / ".venv" / "bin" / "python"
BUNDLE = BI / "superset" / "dashboard"
DASHBOARD = "/superset/dashboard/sop-meeting/?standalone=1"
OCT = dt.date(2025, 10, 1)
START_TIMEOUT_S = 180
# Superset 6.1's front end always renders a usage pixel from scarf.sh; the starter's content
# security policy blocks it, which the browser reports. Nothing else may fail.
BLOCKED_PIXEL = "apachesuperset.gateway.scarf.sh"


def superset_missing_reason() -> str | None:
    """Why the Superset test cannot run here (None when it can)."""
    if not (BI / ".venv" / "bin" / "superset").exists():
        return "Superset is not installed in bi/.venv: make bi (.ci/run does)"
    return chromium_missing_reason()


@pytest.fixture(autouse=True)
def _needs_superset() -> None:
    reason = superset_missing_reason()
    if reason:
        pytest.skip(reason)


@dataclass(frozen=True)
class KpiChart:
    """A big-number chart of the bundle: its title, the KPI it shows and its d3 format."""

    name: str
    kpi: str
    number_format: str

    def text(self, value: float) -> str:
        """What the chart shows for ``value`` (these d3 formats read the same in Python)."""
        assert self.number_format in {".1%", ",.0f", ".2f"}, self.number_format
        return format(value, self.number_format)


def kpi_charts() -> list[KpiChart]:
    """The bundle's big numbers, read from its YAML (so the test follows the bundle)."""
    charts = []
    for path in sorted((BUNDLE / "charts").glob("*.yaml")):
        chart = yaml.safe_load(path.read_text(encoding="utf-8"))
        if chart["viz_type"] != "big_number":
            continue
        params = chart["params"]
        kpi = next(f["comparator"] for f in params["adhoc_filters"] if f.get("subject") == "kpi")
        charts.append(KpiChart(chart["slice_name"], kpi, params["y_axis_format"]))
    return charts


def newest_kpis(db: Path) -> tuple[dt.date, dict[str, float | None]]:
    """The newest plan month in the warehouse and its KPI values (None: no value)."""
    frame = read_table(
        db,
        "select plan_month, kpi, value from sop_mart.kpis"
        " where plan_month = (select max(plan_month) from sop_mart.kpis)",
    )
    values = {
        k: None if pd.isna(v) else float(v)
        for k, v in zip(frame["kpi"], frame["value"], strict=True)
    }
    return frame["plan_month"].iloc[0].date(), values


class Superset:
    """``make bi-up`` on a free port with its own Superset home, in its own process group."""

    def __init__(self, home: Path, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = (home / "admin_password").read_text(encoding="utf-8").strip()
        self.log_path = workdir / "superset.log"
        self.log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            ["make", "-s", "bi-up", f"SUPERSET_HOME={home}", f"SUPERSET_PORT={self.port}"],
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.pgid = self.process.pid

    def wait_until_healthy(self) -> float:
        started = time.monotonic()
        while http_get(f"{self.url}/health") != 200:
            assert self.process.poll() is None, f"Superset exited: {self.log_tail()}"
            assert time.monotonic() - started < START_TIMEOUT_S, self.log_tail()
            time.sleep(0.25)
        return time.monotonic() - started

    def rss_mb(self) -> float:
        """Resident memory of the server's processes."""
        total = 0
        for pid in group_members(self.pgid):
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                if "superset" in Path(f"/proc/{pid}/cmdline").read_text():
                    total += int(status.split("VmRSS:")[1].split()[0])
        return total / 1024

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        stop_group(self.process)
        self.log.close()


@contextlib.contextmanager
def superset_server(home: Path, workdir: Path) -> Iterator[Superset]:
    server = Superset(home, workdir)
    try:
        yield server
    finally:
        server.stop()


class SupersetApi:
    """Superset's REST API as the admin: the KPIs of the newest month, as a chart reads them."""

    def __init__(self, server: Superset) -> None:
        self.url = server.url
        self.session = requests.Session()
        token = self.session.post(
            f"{self.url}/api/v1/security/login",
            json={"username": "admin", "password": server.password, "provider": "db"},
            timeout=60,
        ).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"
        datasets = self.get("/api/v1/dataset/", q="(page_size:100)")["result"]
        self.datasets = {d["table_name"]: d["id"] for d in datasets}

    def get(self, path: str, **params: str) -> dict:
        response = self.session.get(f"{self.url}{path}", params=params, timeout=60)
        response.raise_for_status()
        return response.json()

    def newest_kpis(self) -> dict[str, float]:
        """``kpi -> value`` of the dataset behind the dashboard's KPI table."""
        query = {"columns": ["kpi", "value"], "metrics": [], "row_limit": 1000, "orderby": []}
        response = self.session.post(
            f"{self.url}/api/v1/chart/data",
            json={
                "datasource": {"id": self.datasets["kpis_latest"], "type": "table"},
                "queries": [query],
                "result_format": "json",
                "result_type": "full",
            },
            timeout=60,
        )
        response.raise_for_status()
        return {row["kpi"]: row["value"] for row in response.json()["result"][0]["data"]}


class ApiPoller(threading.Thread):
    """Ask Superset for the newest KPIs again and again until stopped, once more after."""

    def __init__(self, api: SupersetApi) -> None:
        super().__init__(daemon=True)
        self.api, self.seen, self.errors = api, [], []
        self.stopping = threading.Event()

    def run(self) -> None:
        while True:
            stopping = self.stopping.is_set()  # the last ask starts after stop() was called
            try:
                self.seen.append(self.api.newest_kpis())
            except (requests.RequestException, KeyError, ValueError) as exc:
                self.errors.append(repr(exc))
            if stopping:
                return
            time.sleep(0.2)

    def stop(self) -> tuple[list[dict[str, float]], list[str]]:
        self.stopping.set()
        self.join(timeout=120)
        return self.seen, self.errors


def log_in(page: object, server: Superset) -> None:
    """Log in through Superset's login page (open in ``page``) as the admin."""
    page.fill("#username", "admin")
    page.fill("#password", server.password)
    page.keyboard.press("Enter")
    page.wait_for_url("**/superset/welcome/**")


def shown_numbers(page: object, charts: list[KpiChart]) -> dict[str, str]:
    """The big number each KPI chart of the dashboard shows, once all have drawn."""
    shown = {}
    for chart in charts:
        line = page.locator(f'[data-test-chart-name="{chart.name}"] .header-line')
        line.wait_for(timeout=120_000)
        shown[chart.kpi] = line.inner_text().strip()
    return shown


def chart_text(page: object, name: str) -> str:
    holder = page.locator(f'[data-test-chart-name="{name}"]')
    holder.locator("table tbody tr").first.wait_for(timeout=120_000)
    return holder.inner_text()


BRIEF_TABLES = (
    "Last meeting's decisions",
    "Decisions needed",
    "Cash balance by month",
    "Capacity load against capacity",
    "Decision options",
    "KPIs of the plan month",
)


def brief_table_values(db: Path) -> dict[str, list[str]]:
    """What the dashboard's cash, capacity and option tables must show, read from the
    warehouse with the datasets' own SQL: each table's first row (numbers as d3 ',.0f'), or
    Superset's "No results" when the warehouse has none (the tiny company plans no line)."""

    def dataset_rows(name: str) -> pd.DataFrame:
        spec = yaml.safe_load((BUNDLE / "datasets" / "sop_warehouse" / f"{name}.yaml").read_text())
        return read_table(db, spec["sql"])

    def first(name: str, order: list[str], ascending: list[bool], shown) -> list[str]:
        rows = dataset_rows(name)
        if rows.empty:
            return ["No results"]
        return shown(rows.sort_values(order, ascending=ascending).iloc[0])

    return {
        "Last meeting's decisions": first(
            "decisions_latest", ["decided_month", "issue"], [False, True], lambda r: [r["issue"]]
        ),
        "Decisions needed": first(
            "top_issues_latest", ["rank"], [True], lambda r: [r["topic"][:40]]
        ),
        "Cash balance by month": first(
            "cash_latest", ["month"], [True], lambda r: [f"{r['inventory_value']:,.0f}"]
        ),
        "Capacity load against capacity": first(
            "capacity_latest",
            ["resource", "month"],
            [True, True],
            lambda r: [r["resource"], f"{r['capacity']:,.0f}"],
        ),
        "Decision options": first(
            "options_latest",
            ["issue", "margin_vs_base"],
            [True, False],
            lambda r: [r["issue"], r["option"]],
        ),
        "KPIs of the plan month": [],
    }


def chart_text_or_empty(page: object, name: str) -> str:
    """A table chart's text once it has drawn its rows, or its empty state."""
    holder = page.locator(f'[data-test-chart-name="{name}"]')
    holder.locator("table tbody tr, :text('No results')").first.wait_for(timeout=120_000)
    return holder.inner_text()


def unexpected_problems(problems: list[str]) -> list[str]:
    return [
        p
        for p in problems
        if BLOCKED_PIXEL not in p and "net::ERR_ABORTED" not in p  # left pages cancel requests
    ]


def test_superset_shows_the_newest_month_and_a_publication_does_not_disturb_it(
    planned_company: Path, tmp_path: Path
) -> None:
    company = copy_company(planned_company, tmp_path / "company")  # published up to September
    home = tmp_path / "superset_home"
    charts = kpi_charts()
    assert len(charts) >= 6
    timings = {}

    started = time.monotonic()
    setup = subprocess.run(
        [str(BI_PYTHON), str(BI / "setup_superset.py"), "--serving-file", str(company.db)]
        + ["--home", str(home)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    timings["setup"] = time.monotonic() - started
    sep, sep_values = newest_kpis(company.db)
    assert sep == dt.date(2025, 9, 1)

    with superset_server(home, tmp_path) as server:
        timings["start to healthy"] = server.wait_until_healthy()
        api = SupersetApi(server)
        connection = api.get("/api/v1/database/1/connection")["result"]
        assert connection["sqlalchemy_uri"] == f"duckdb:///{company.db}"
        assert '"read_only": true' in connection["extra"]
        with open_page(server.url + "/login/", viewport=(1400, 1000), timeout_ms=120_000) as s:
            log_in(s.page, server)
            s.page.goto(server.url + DASHBOARD)
            before = shown_numbers(s.page, charts)
            assert "September 2025" in chart_text(s.page, "Plan month")
            kpi_table = chart_text(s.page, "KPIs of the plan month")
            s.screenshot(tmp_path / "superset-september.png")
            timings["server RSS MB"] = server.rss_mb()

            poller = ApiPoller(api)
            poller.start()
            started = time.monotonic()
            try:
                summary = run_pipeline(company, OCT, echo=lambda _: None)  # raises if it fails
                timings["run while connected"] = time.monotonic() - started
            finally:
                polled, errors = poller.stop()

            s.page.reload()
            after = shown_numbers(s.page, charts)
            assert "October 2025" in chart_text(s.page, "Plan month")
            tables = {name: chart_text_or_empty(s.page, name) for name in BRIEF_TABLES}
            s.screenshot(tmp_path / "superset-october.png")
        problems = unexpected_problems(s.problems)

    assert group_members(server.pgid) == [], "make bi-up left processes behind"
    oct_, oct_values = newest_kpis(company.db)
    assert OCT in summary.planned and oct_ == OCT and oct_values != sep_values
    assert before == {c.kpi: c.text(sep_values[c.kpi]) for c in charts}
    assert after == {c.kpi: c.text(oct_values[c.kpi]) for c in charts}
    assert all(kpi in kpi_table for kpi in sep_values)
    for name, expected in brief_table_values(company.db).items():
        assert all(value in tables[name] for value in expected), (name, expected)
    assert " pt" in tables["KPIs of the plan month"]  # ratio changes in points
    assert errors == [] and polled, errors[:3]
    assert polled[0] == sep_values and polled[-1] == oct_values
    assert all(seen in (sep_values, oct_values) for seen in polled), "Superset saw half a month"
    assert problems == [], problems
    keep = os.environ.get("SOP_UI_SCREENSHOT_DIR")  # keep the screenshots (CI artifacts)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in tmp_path.glob("superset-*.png"):
            Path(keep, png.name).write_bytes(png.read_bytes())
    print(f"{len(polled)} polls;", {k: round(v, 1) for k, v in timings.items()})
