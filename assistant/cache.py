"""The per-user cache folder: files derived offline from what is installed (the ONNX export of
the embedding model, the compact gazetteer), rebuilt whenever their key changes.

Everything here can be deleted at any time; it is rebuilt on next use. Writes are atomic (a
temporary file renamed into place), so two processes building the same file at once both
leave a whole file, and a crash leaves no half-written one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "news-assistant"


def write_json(path: Path, data: Any, indent: int | None = 2) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=indent), encoding="utf-8")
    os.replace(tmp, path)


def cached_json(name: str, key: dict, build: Callable[[], Any], cache_dir: Path | None = None) -> Any:
    """``build()``'s JSON-able result, kept in ``<cache>/<name>.json`` beside ``key``; built
    again when the key differs or the file is unreadable. An unwritable cache folder only
    costs the build on every call (a read-only HOME still works)."""
    path = (cache_dir or default_cache_dir()) / f"{name}.json"
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return stored["data"]
    except (OSError, ValueError, AttributeError, KeyError):
        pass
    data = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {"key": key, "data": data}, indent=None)
    except OSError:
        pass
    return data
