"""Provision the Superset starter: metadata database, admin user, the warehouse and the dashboard.

Run with the Python of Superset's own venv (``make bi`` does)::

    bi/.venv/bin/python bi/setup_superset.py --serving-file data/warehouse/sop.duckdb

It is safe to run again: the secret key and the admin password are kept, the schema migrations
are applied if new, and the asset bundle (``bi/superset/dashboard/``: the database, datasets,
charts and dashboard as Superset exports them) is imported over the previous import, as
Superset's ``/api/v1/assets/import/`` does. The bundle's database points at the serving file,
read-only; the zip built from it goes to ``<home>/build/`` (it imports into any Superset 6 through
that API). This script imports nothing from ``sop_pipeline``: Superset's venv and the pipeline's
never share a package.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
import zipfile
from pathlib import Path

BI_DIR = Path(__file__).resolve().parent
BUNDLE_DIR = BI_DIR / "superset" / "dashboard"
CONFIG = BI_DIR / "superset_config.py"
PLACEHOLDER = "${SERVING_FILE}"
ADMIN = "admin"


def superset_env(home: Path) -> dict[str, str]:
    """The environment every ``superset`` command of the starter runs with."""
    return {
        **os.environ,
        "SUPERSET_HOME": str(home),
        "SUPERSET_CONFIG_PATH": str(CONFIG),
        "FLASK_APP": "superset.app:create_app()",
        "PYTHONUNBUFFERED": "1",
    }


def superset(home: Path, *args: str, quiet: bool = True) -> None:
    """Run one ``superset`` command of this venv; stop with its output when it fails."""
    command = [str(Path(sys.executable).with_name("superset")), *args]
    started = time.perf_counter()
    done = subprocess.run(command, env=superset_env(home), capture_output=quiet, text=True)
    if done.returncode != 0:
        sys.exit(f"superset {' '.join(args)} failed:\n{done.stdout or ''}{done.stderr or ''}")
    print(f"  superset {args[0]} {args[1] if len(args) > 1 else ''}".rstrip(), end="")
    print(f"  ({time.perf_counter() - started:.0f} s)")


def private_file(path: Path, make: callable) -> str:
    """The text of ``path``, written first (owner-only) with ``make()`` if it does not exist."""
    if not path.exists():
        path.write_text(make() + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def bundle_contents(serving_file: Path) -> dict[str, str]:
    """The bundle's files by relative path, its database pointing at ``serving_file``."""
    return {
        str(path.relative_to(BUNDLE_DIR)): path.read_text(encoding="utf-8").replace(
            PLACEHOLDER, str(serving_file)
        )
        for path in sorted(BUNDLE_DIR.rglob("*.yaml"))
    }


def build_bundle(contents: dict[str, str], out: Path) -> Path:
    """Zip the bundle as Superset exports one (one root folder)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, text in contents.items():
            bundle.writestr(f"sop_dashboard/{name}", text)
    return out


def import_assets(home: Path, contents: dict[str, str]) -> None:
    """Import (and overwrite) the bundle's database, datasets, charts and dashboard as the
    admin, in this process (the ``import-dashboards`` command would keep stale charts)."""
    started = time.perf_counter()
    os.environ.update(superset_env(home))
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.commands.importers.v1.assets import ImportAssetsCommand
        from superset.utils.core import override_user

        with override_user(security_manager.find_user(username=ADMIN)):
            ImportAssetsCommand(contents).run()
    print(f"  import of {len(contents)} files  ({time.perf_counter() - started:.0f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serving-file", type=Path, required=True, help="the published sop.duckdb")
    parser.add_argument(
        "--home",
        type=Path,
        default=Path(os.environ.get("SUPERSET_HOME") or BI_DIR / ".superset_home"),
        help="Superset's metadata folder (default bi/.superset_home or $SUPERSET_HOME)",
    )
    args = parser.parse_args(argv)
    serving = args.serving_file.expanduser().resolve()
    if not serving.is_file():
        sys.exit(f"{serving} does not exist: run `make run` (or sop-pipeline run) first")
    home = args.home.expanduser().resolve()
    home.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    private_file(home / "secret_key", lambda: secrets.token_urlsafe(48))
    fresh = not (home / "superset.db").exists()
    print(f"Superset metadata in {home}")
    superset(home, "db", "upgrade")
    password_file = home / "admin_password"
    if fresh or not password_file.exists():
        password_file.unlink(missing_ok=True)
        password = private_file(password_file, lambda: secrets.token_urlsafe(12))
        superset(
            home,
            "fab",
            "create-admin",
            f"--username={ADMIN}",
            "--firstname=S&OP",
            "--lastname=Admin",
            "--email=admin@localhost",
            f"--password={password}",
        )
    superset(home, "init")
    contents = bundle_contents(serving)
    build_bundle(contents, home / "build" / "sop_dashboard.zip")
    import_assets(home, contents)
    print(
        f"\nSuperset is ready ({time.perf_counter() - started:.0f} s): `make bi-up`, then\n"
        f"  http://127.0.0.1:8088/superset/dashboard/sop-meeting/\n"
        f"  user {ADMIN}, password in {password_file}\n"
        f"  database 'S&OP warehouse' = {serving} (read-only)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
