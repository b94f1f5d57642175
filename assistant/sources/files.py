"""Watched folders: what changed since the last scan.

A file's fingerprint is its modification time and size; a scan reports files that are new or
whose fingerprint changed, and files that are gone. Only those are read and ingested (the
ingest itself still skips unchanged chunks), so a scan of an unchanged folder of thousands
of articles costs a directory walk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assistant.documents import DocumentError, find_files


@dataclass
class FolderScan:
    folder: str
    changed: list[Path] = field(default_factory=list)  # new or modified
    gone: list[str] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)  # every file present now
    error: DocumentError | None = None


def fingerprint(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_mtime_ns}:{stat.st_size}"


def scan_folder(folder: str, previous: dict[str, str]) -> FolderScan:
    """Compare a folder with what it held last time (path -> fingerprint)."""
    scan = FolderScan(folder)
    root = Path(folder)
    if not root.is_dir():
        # Nothing is reported gone: an unmounted disk or a renamed folder must not empty the library.
        scan.error = DocumentError(folder, "watched folder is missing or not a folder")
        return scan
    files, _ = find_files([root])
    for path in files:
        try:
            scan.fingerprints[str(path)] = fingerprint(path)
        except OSError:
            continue
        if previous.get(str(path)) != scan.fingerprints[str(path)]:
            scan.changed.append(path)
    scan.gone = sorted(p for p, mark in previous.items() if p not in scan.fingerprints and mark != GONE)
    return scan


GONE = "gone"  # fingerprint of a file that disappeared but was kept in the library
