"""The UI path for real: ``dagster dev`` from ``workspace.yaml``, a one-asset one-month re-run
through the GraphQL API, the asset graph in headless Chromium, and nothing left running."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from sop_pipeline.lib.instance import open_instance
from sop_pipeline.paths import Paths
from sop_pipeline_tests.browser import chromium_missing_reason, open_page
from sop_pipeline_tests.conftest import command_environment, copy_company

pytestmark = pytest.mark.ui

REPO = Path(__file__).resolve().parents[1]
DAGSTER = Path(sys.executable).with_name("dagster")
RERUN_ASSET = dg.AssetKey(["staging", "demand_history"])
PARTITION = "2025-09-01"
START_TIMEOUT_S = 60
RUN_TIMEOUT_S = 90
STOP_TIMEOUT_S = 20
LOCATION_QUERY = (
    "{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus"
    " locationOrLoadError { __typename ... on PythonError { message } } } } } }"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def group_members(pgid: int) -> list[int]:
    """Live processes of the process group ``pgid`` (zombies excluded)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()  # after "pid (comm)"
        state, process_group = fields[0], int(fields[2])
        if process_group == pgid and state != "Z":
            members.append(int(entry.name))
    return members


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM the whole process group, SIGKILL what is left after a while."""
    pgid = process.pid  # start_new_session: the leader's pid is the group's id
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while group_members(pgid) and time.monotonic() < deadline:
        process.poll()
        time.sleep(0.2)
    if group_members(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    process.wait(timeout=STOP_TIMEOUT_S)
    # a killed member takes a moment to exit after the leader is reaped: wait for it to be
    # gone (or a zombie) before anyone counts what was left behind
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.2)


class DagsterDev:
    """``dagster dev -w workspace.yaml`` on a free loopback port, in its own process group.

    It runs in ``workdir``, which has no ``.env``: ``dagster dev`` loads the ``.env`` of its
    working directory over the environment, and the repository's points at ``data/``.
    """

    def __init__(self, paths: Paths, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        env = command_environment(
            DAGSTER_HOME=str(paths.dagster_home),
            SOP_DATA_DIR=str(paths.data_dir),
            SOP_DUCKDB_PATH=str(paths.db),
            SOP_WORK_DUCKDB_PATH=str(paths.work_db),
            SOP_SETTINGS_FILE=str(paths.settings_file),
        )
        command = [DAGSTER, "dev", "-w", str(REPO / "workspace.yaml")]
        command += ["-h", "127.0.0.1", "-p", str(self.port)]
        self.log = (workdir / "dagster-dev.log").open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.pgid = self.process.pid  # start_new_session: the leader's pid is the group id

    def wait_until_ready(self, timeout: float = START_TIMEOUT_S) -> None:
        """Wait for the webserver and for the code location to be loaded."""
        deadline = time.monotonic() + timeout
        while http_get(f"http://127.0.0.1:{self.port}/server_info") != 200:
            assert self.process.poll() is None, f"dagster dev exited: {self.log_tail()}"
            assert time.monotonic() < deadline, f"dagster dev did not start: {self.log_tail()}"
            time.sleep(0.5)
        while not location_loaded(self.port):
            assert time.monotonic() < deadline, f"code location not loaded: {self.log_tail()}"
            time.sleep(0.5)

    def stop(self) -> None:
        stop_group(self.process)
        self.log.close()

    def log_tail(self, lines: int = 30) -> str:
        text = (self.workdir / "dagster-dev.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def dagster_dev(paths: Paths, workdir: Path) -> Iterator[DagsterDev]:
    """A started ``dagster dev``, stopped with its whole process group on exit."""
    server = DagsterDev(paths, workdir)
    try:
        yield server
    finally:
        server.stop()


def location_loaded(port: int) -> bool:
    entries = graphql(port, LOCATION_QUERY)["data"]["workspaceOrError"]["locationEntries"]
    if any(
        e["locationOrLoadError"]["__typename"] == "PythonError"
        for e in entries
        if e.get("locationOrLoadError")
    ):
        raise AssertionError(f"the code location failed to load: {entries}")
    return bool(entries) and all(e["loadStatus"] == "LOADED" for e in entries)


def screenshot_page(url: str, path: Path, wait_for_texts: list[str]) -> None:
    """Open ``url`` in headless Chromium, wait until every text shows, save a screenshot."""
    with open_page(url, viewport=(1600, 1000), timeout_ms=45_000) as session:
        for text in wait_for_texts:
            session.page.get_by_text(text, exact=True).first.wait_for()
        session.page.wait_for_timeout(1_000)  # let the graph layout settle
        session.screenshot(path, full_page=False)
    assert session.page_errors == [], session.page_errors


@pytest.mark.skipif(chromium_missing_reason() is not None, reason=str(chromium_missing_reason()))
def test_rerun_one_asset_for_one_month_from_the_ui(planned_company: Path, tmp_path: Path) -> None:
    from dagster_graphql import DagsterGraphQLClient

    company = copy_company(planned_company, tmp_path / "company")  # planned up to 2025-09
    company.prepare()  # the Dagster home, with telemetry off
    open_instance(company.dagster_home).dispose()  # the storage exists before two processes use it
    workdir = tmp_path / "dev"
    workdir.mkdir()
    graph_png, lineage_png = tmp_path / "asset-graph.png", tmp_path / "rerun-asset-lineage.png"
    timings = {}
    started = time.monotonic()

    with dagster_dev(company, workdir) as server:
        server.wait_until_ready()
        timings["dagster dev up"] = time.monotonic() - started

        started = time.monotonic()
        client = DagsterGraphQLClient("127.0.0.1", port_number=server.port)
        run_id = client.submit_job_execution(
            "monthly_plan_job",
            tags={"dagster/partition": PARTITION},
            asset_selection=[RERUN_ASSET.path],
        )
        deadline = time.monotonic() + RUN_TIMEOUT_S
        status = client.get_run_status(run_id)
        while status not in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE):
            assert time.monotonic() < deadline, f"run {run_id} still {status}"
            time.sleep(1)
            status = client.get_run_status(run_id)
        assert status == dg.DagsterRunStatus.SUCCESS, server.log_tail()
        timings["re-run"] = time.monotonic() - started

        started = time.monotonic()
        url = f"http://127.0.0.1:{server.port}"
        graphql(server.port, "mutation { setNuxSeen }")  # no newsletter box over the graph
        groups = sorted({g for g in asset_groups() if g})
        screenshot_page(f"{url}/asset-groups", graph_png, groups)
        asset_url = f"{url}/assets/{'/'.join(RERUN_ASSET.path)}?view=lineage"
        screenshot_page(asset_url, lineage_png, [RERUN_ASSET.path[-1]])
        timings["screenshots"] = time.monotonic() - started
        started = time.monotonic()
    timings["stop"] = time.monotonic() - started

    assert group_members(server.pgid) == [], "dagster dev left processes behind"
    for png in (graph_png, lineage_png):
        assert png.stat().st_size > 10_000
    with open_instance(company.dagster_home) as instance:
        run = instance.get_run_by_id(run_id)
        materialized = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
    assert run.asset_selection == {RERUN_ASSET}
    assert run.tags["dagster/partition"] == PARTITION
    assert [(e.dagster_event.asset_key, e.dagster_event.partition) for e in materialized] == [
        (RERUN_ASSET, PARTITION)
    ]
    keep = os.environ.get("SOP_UI_SCREENSHOT_DIR")  # keep the screenshots (CI artifacts)
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for png in (graph_png, lineage_png):
            Path(keep, png.name).write_bytes(png.read_bytes())
    print("timings (s):", {k: round(v, 1) for k, v in timings.items()})


def asset_groups() -> set[str | None]:
    """The asset groups of the definitions ``dagster dev`` loads."""
    from sop_pipeline.definitions import defs

    graph = defs.resolve_asset_graph()
    return {
        graph.get(k).group_name
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable
    }
