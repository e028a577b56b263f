"""The package installs anywhere: every package and data file is declared for the wheel, found
through importlib.resources, and every installed dependency is pinned by the lock.

The real thing (build the wheel, install it non-editable into a fresh venv, plan the sample
company) is ``.ci/wheel_check``, run by ``.ci/run``.
"""

from __future__ import annotations

import fnmatch
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from sop_pipeline import data_dictionary
from sop_pipeline.lib import sql_models

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
PROJECT = "sop-pipeline"


def _source_folder(package: str) -> Path:
    mapped = SETUPTOOLS.get("package-dir", {})
    if package in mapped:
        return REPO / mapped[package]
    return REPO / package.replace(".", "/")


def test_every_python_package_of_the_tree_is_in_the_wheel() -> None:
    in_tree = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "sop_pipeline").rglob("__init__.py")
    }
    declared = set(SETUPTOOLS["packages"])
    assert declared == in_tree | {"sop_pipeline.dbt_like_sql"}
    for package in declared:
        assert (_source_folder(package) / "__init__.py").is_file(), package


def test_every_file_the_package_reads_is_package_data() -> None:
    patterns = SETUPTOOLS["package-data"]
    shipped = {
        "sop_pipeline.dbt_like_sql": sorted((REPO / "dbt_like_sql").rglob("*.sql")),
        "sop_pipeline": [data_dictionary.DICTIONARY_FILE],
    }
    for package, files in shipped.items():
        root = _source_folder(package)
        for path in files:
            relative = path.relative_to(root).as_posix()
            assert any(fnmatch.fnmatch(relative, p) for p in patterns[package]), relative
    assert len(shipped["sop_pipeline.dbt_like_sql"]) > 20


def test_sql_models_and_the_dictionary_are_found_through_the_package() -> None:
    assert sql_models.SQL_DIR.samefile(REPO / "dbt_like_sql")  # an editable install maps it
    assert data_dictionary.DICTIONARY_FILE.is_file()


def _pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line!r} is not pinned with =="
            pins[canonicalize_name(name)] = version
    return pins


def _requirements(name: str, extras: frozenset[str]) -> set[str]:
    """``name`` with ``extras`` and everything it requires, transitively, on this platform."""
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(canonicalize_name(name), extras)]
    while todo:
        current, wanted = todo.pop()
        if (current, wanted) in seen:
            continue
        seen.add((current, wanted))
        for text in metadata.requires(current) or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": e}) for e in wanted | {""}):
                todo.append((canonicalize_name(requirement.name), frozenset(requirement.extras)))
    return {name for name, _ in seen}


def test_the_lock_pins_everything_the_project_installs_at_the_installed_version() -> None:
    pins = _pins()
    needed = _requirements(PROJECT, frozenset({"dev", "dask"})) - {PROJECT}
    unpinned = sorted(needed - set(pins))
    assert not unpinned, f"add to constraints.txt: {unpinned}"
    for name in needed:
        assert metadata.version(name) == pins[name], name
    assert "uv" in pins  # the installer the Makefile uses
