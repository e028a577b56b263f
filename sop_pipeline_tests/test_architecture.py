"""docs/ARCHITECTURE.md matches the tree, pure code stays pure, and the repository stands alone."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from sop_pipeline.definitions import defs

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "sop_pipeline"
DOC = (REPO / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
TOKENS = set(re.findall(r"`([^`\s]+)`", DOC))
ASSET_KEY_ROOTS = {"raw", "staging", "sop_mart", "publish"}
FILE_SUFFIXES = (".py", ".md", ".yaml", ".json", ".sql")


def _section(title: str) -> str:
    return DOC.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _is_path(token: str) -> bool:
    if any(c in token for c in "<>*()") or token.startswith(("-", "--")):
        return False
    has_suffix = token.endswith(FILE_SUFFIXES)
    if "/" in token and not has_suffix and not token.endswith("/"):
        return token.split("/")[0] not in ASSET_KEY_ROOTS  # e.g. staging/ingest_summary is a key
    return has_suffix or token.endswith("/")


def _exists(token: str) -> bool:
    if (REPO / token).exists() or (PACKAGE / token).exists():
        return True
    if "/" not in token.rstrip("/"):  # a bare file or folder name: in the package or its tests
        name = token.rstrip("/")
        return any(any(root.rglob(name)) for root in (PACKAGE, REPO / "sop_pipeline_tests"))
    return False


def test_every_path_the_document_names_exists() -> None:
    paths = sorted(t for t in TOKENS if _is_path(t))
    assert len(paths) > 40
    missing = [p for p in paths if not _exists(p)]
    assert not missing, f"docs/ARCHITECTURE.md names what is not in the tree: {missing}"


def test_every_package_folder_and_top_level_module_is_named() -> None:
    folders = {
        f"{init.parent.relative_to(REPO).as_posix()}/" for init in PACKAGE.glob("*/__init__.py")
    }
    folders |= {f"dbt_like_sql/{p.name}/" for p in (REPO / "dbt_like_sql").iterdir() if p.is_dir()}
    folders -= {"dbt_like_sql/__pycache__/"}
    assert not folders - TOKENS, f"name these folders in docs/ARCHITECTURE.md: {folders - TOKENS}"
    modules = {p.name for p in PACKAGE.glob("*.py")} - {"__init__.py"}
    unnamed = {m for m in modules if m not in TOKENS and f"sop_pipeline/{m}" not in TOKENS}
    assert not unnamed, f"name these modules in docs/ARCHITECTURE.md: {unnamed}"


def test_the_asset_groups_are_exactly_the_documented_ones() -> None:
    documented = set(re.findall(r"^\| `(\w+)` \|", _section("Asset groups"), flags=re.M))
    graph = defs.resolve_asset_graph()
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert documented == groups


PURE_FOLDERS = (
    "forecast",
    "supply",
    "balance",
    "kpis",
    "meeting",
    "decisions",
    "validate",
    "sample_data",
)
DEFINITION_MODULES = {"assets.py", "checks.py"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("folder", PURE_FOLDERS)
def test_planning_code_imports_neither_dagster_nor_duckdb(folder: str) -> None:
    """The rule docs/ARCHITECTURE.md states under "Pure code and Dagster code"."""
    assert f"`sop_pipeline/{folder}/`" in _section("Pure code and Dagster code")
    offending = {}
    for path in sorted((PACKAGE / folder).glob("*.py")):
        imported = _imported_roots(path) & {"dagster", "duckdb"}
        if path.name in DEFINITION_MODULES:
            imported -= {"dagster"}
        if imported:
            offending[path.name] = sorted(imported)
    assert not offending


OUTSIDE_REFERENCE = re.compile(r"\bSPEC\b|\bFACTS\b|\.\./shared")
TEXT_SUFFIXES = {".py", ".md", ".sql", ".yaml", ".yml", ".toml", ".txt", ".mjs", ".cfg"}


def _repository_text_files() -> list[Path]:
    """The text files git tracks (the sample company's data aside)."""
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    return [
        REPO / name
        for name in listed
        if not name.startswith("data/")
        and (Path(name).suffix in TEXT_SUFFIXES or name in {"Makefile", ".env"} or ".ci/" in name)
    ]


def test_the_repository_cites_no_file_outside_it() -> None:
    """Rules are stated where they apply, not cited from documents this repository lacks."""
    citing = {
        path.relative_to(REPO).as_posix()
        for path in _repository_text_files()
        if OUTSIDE_REFERENCE.search(path.read_text(encoding="utf-8", errors="replace"))
    }
    assert citing == set()
