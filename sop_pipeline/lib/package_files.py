"""Files the package ships beside its code (SQL models, the data dictionary), found through
``importlib.resources``: in a checkout (editable install) and an installed wheel alike."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def package_folder(package: str) -> Path:
    """The folder of ``package`` on disk: where its data files are.

    Raises:
        RuntimeError: if the package is not a folder on disk (e.g. imported from a zip file).
    """
    folder = resources.files(package)
    if not isinstance(folder, Path):
        raise RuntimeError(f"{package} is not installed as a folder ({folder}): reinstall it")
    return folder
