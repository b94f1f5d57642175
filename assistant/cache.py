"""The per-user cache folder: files derived offline from what is installed (the ONNX export of
the embedding model, the compact gazetteer), rebuilt whenever their key changes.

Everything here can be deleted at any time; it is rebuilt on next use. Writes go through a
private temporary file renamed into place, so two processes building the same file at once
each publish a whole file and a process that dies mid-write leaves none half-written (there is
no fsync: after a power cut a damaged file is unreadable JSON, and it is rebuilt).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "news-assistant"


def write_json(path: Path, data: Any, indent: int | None = 2) -> None:
    """Write ``data`` as JSON to ``path`` through a private temporary file in the same folder
    (renamed into place; removed if the write fails), so readers never see a partial file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=indent)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cached_json(name: str, key: dict, build: Callable[[], Any], cache_dir: Path | None = None,
                valid: Callable[[Any], bool] = lambda data: True) -> Any:
    """``build()``'s JSON-able result, kept in ``<cache>/<name>.json`` beside ``key``; built
    again when the key differs, the file is unreadable, or ``valid(data)`` is false. A cache
    folder that cannot be found or written only costs the build on every call (a read-only
    HOME still works; XDG_CACHE_HOME moves the folder)."""
    try:
        path = (cache_dir or default_cache_dir()) / f"{name}.json"
    except RuntimeError:  # no home folder to be found
        return build()
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") == key and valid(stored["data"]):
            return stored["data"]
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        pass
    data = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {"key": key, "data": data}, indent=None)
    except OSError as exc:
        log.debug("cache %s not written: %s", path, exc)
    return data
