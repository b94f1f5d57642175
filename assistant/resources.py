"""Folders of the repository that also ship inside the package (prompts, eval sets, sample
articles). A source checkout or editable install reads the repository's folder, so edits take
effect at once; an installed wheel reads its copy (pyproject's package-dir maps each folder to
an ``assistant.*_data`` package)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def data_dir(repo_relative: str, package: str) -> Path:
    repo = REPO / repo_relative
    # pyproject.toml marks a checkout: an installed package's parent is site-packages, where
    # a folder of the same name may belong to another distribution.
    if (REPO / "pyproject.toml").is_file() and repo.is_dir():
        return repo
    # The data folders have no __init__.py (namespace packages): their spec lists the folder.
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"{repo_relative}/ is missing: neither a source checkout nor package {package}")
    return Path(next(iter(spec.submodule_search_locations)))
