"""A client none of our Python touches: DuckDB's Node client 1.x (``@duckdb/node-api``, what
Evidence uses) opens the published warehouse and reads every ``sop_mart`` table with the rows
Python's DuckDB reads, after a run and while a run replaces the file.

Needs ``node``, ``npm ci --prefix bi/node`` and ``npm install --prefix bi/node/duckdb-1.1``
(``.ci/run`` does them); run with ``-m node``.
"""

import datetime as dt
import json
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from sop_pipeline.runner import run_pipeline
from sop_pipeline_tests.conftest import copy_company, paths_for

pytestmark = pytest.mark.node

NODE_DIR = Path(__file__).resolve().parents[1] / "bi" / "node"
READER = NODE_DIR / "read_warehouse.mjs"
CLIENTS = {".": "v1.5.", "duckdb-1.1": "v1.1."}  # folder of bi/node: DuckDB version
OCT = dt.date(2025, 10, 1)


def node_missing_reason() -> str | None:
    """Why the Node client tests cannot run here (None when they can)."""
    if shutil.which("node") is None:
        return "node is not installed"
    for folder, install in ((".", "npm ci"), ("duckdb-1.1", "npm install")):
        if not (NODE_DIR / folder / "node_modules" / "@duckdb" / "node-api").is_dir():
            where = (NODE_DIR / folder).relative_to(NODE_DIR.parents[1])
            return f"the Node client is not installed: {install} --prefix {where} (.ci/run does)"
    return None


@pytest.fixture(autouse=True)
def _needs_node() -> None:
    reason = node_missing_reason()
    if reason:
        pytest.skip(reason)


def digest_sql(table: str, columns: list[str]) -> str:
    """The same query as ``digestSql`` of ``bi/node/read_warehouse.mjs``."""
    cells = ", ".join(f"""coalesce(cast("{c}" as varchar), '<null>')""" for c in columns)
    return (
        "select count(*)::varchar, md5(coalesce(string_agg(r, chr(10) order by r), '')) "
        f"from (select concat_ws(chr(31), {cells}) as r from {table})"
    )


def python_look(serving: Path) -> dict[str, object]:
    """What Python's DuckDB reads, in the shape the Node reader prints."""
    con = duckdb.connect(str(serving), read_only=True)
    try:
        published_at, plan_months = con.execute(
            "select published_at::varchar, plan_months::varchar from meta.publication"
        ).fetchall()[0]
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'sop_mart'"
            " order by table_name, column_index"
        ).fetchall():
            columns.setdefault(table, []).append(column)
        tables = {}
        for table, names in columns.items():
            count, digest = con.execute(digest_sql(f'sop_mart."{table}"', names)).fetchall()[0]
            tables[f"sop_mart.{table}"] = [int(count), digest]
        return {"published_at": published_at, "plan_months": plan_months, "tables": tables}
    finally:
        con.close()


def node_look(serving: Path, client: str) -> dict[str, object]:
    done = subprocess.run(
        ["node", str(READER), str(serving), "--client", client],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


class NodePoller:
    """A Node process reconnecting to the serving file again and again until stopped."""

    def __init__(self, serving: Path, workdir: Path, client: str) -> None:
        name = f"node-{client.strip('.') or 'default'}"
        self.out, self.stop_file = workdir / f"{name}.json", workdir / f"{name}.stop"
        self.process = subprocess.Popen(
            ["node", str(READER), str(serving), "--client", client]
            + ["--until", str(self.stop_file), "--out", str(self.out)]
        )
        deadline = time.monotonic() + 60
        while not Path(f"{self.out}.ready").exists():
            assert self.process.poll() is None, "the Node reader died"
            assert time.monotonic() < deadline, "the Node reader did not start"
            time.sleep(0.05)

    def stop(self) -> list[dict[str, object]]:
        self.stop_file.touch()
        assert self.process.wait(timeout=120) == 0
        return json.loads(self.out.read_text())

    def kill(self) -> None:
        """End the reader if it still runs (a test that failed before :meth:`stop`)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=60)


def without_client(look: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in look.items() if key != "client"}


@pytest.mark.parametrize("client", list(CLIENTS))
def test_node_client_reads_every_mart_table_as_python_does(
    planned_company: Path, client: str
) -> None:
    serving = paths_for(planned_company).db
    expected = python_look(serving)

    started = time.perf_counter()
    seen = node_look(serving, client)
    elapsed = time.perf_counter() - started

    assert str(seen["client"]).startswith(CLIENTS[client])
    assert len(expected["tables"]) >= 15
    assert {t: v[0] for t, v in seen["tables"].items()} == {
        t: v[0] for t, v in expected["tables"].items()
    }, "row counts differ"
    assert without_client(seen) == expected, "row contents differ"
    print(f"{client} ({seen['client']}) read {len(seen['tables'])} tables in {elapsed:.1f} s")


def test_node_readers_during_a_run_see_the_old_or_the_new_month_whole(
    planned_company: Path, tmp_path: Path
) -> None:
    company = copy_company(planned_company, tmp_path / "company")  # published up to September
    old = python_look(company.db)
    pollers = [NodePoller(company.db, tmp_path, client) for client in CLIENTS]
    try:
        summary = run_pipeline(company, OCT, echo=lambda _: None)  # raises if the run fails
        polled = [poller.stop() for poller in pollers]
    finally:
        for poller in pollers:
            poller.kill()
    new = python_look(company.db)
    assert OCT in summary.planned and new != old and "2025-10-01" in new["plan_months"]
    for client, looks in zip(CLIENTS, polled, strict=True):
        errors = [look["error"] for look in looks if "error" in look]
        assert errors == [], f"{client}: {errors[:3]}"
        seen = [without_client(look) for look in looks]
        assert seen[0] == old and seen[-1] == new, client
        torn = [look for look in seen if look not in (old, new)]
        assert torn == [], f"{client} saw a warehouse that was never published whole"
        print(f"{client}: {len(seen)} looks, {sum(s == old for s in seen)} of the old month")
