"""Keep the library current: re-scan watched folders and followed feeds, ingest what is new
or changed, and (if ASSISTANT_INGEST__WATCH_DELETE_MISSING) remove what left a watched folder.

Every action is one line in the log (printed, and appended to ``DATA_DIR/watch.log``).
Safe to interrupt: each write is one journaled index transaction, and a source's "seen"
state is recorded only after its documents are written, so an interrupted scan redoes the
rest next time. Safe beside the web app: index writes take the data dir's write lock
(``NewsIndex.writing``), so the two never write at once.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from assistant.catalog import SourceRegistry
from assistant.sources.feeds import check_feed
from assistant.sources.fetch import Fetcher, block_private_for
from assistant.sources.files import GONE, scan_folder

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_EVERY = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)", re.I)


def parse_every(text: str) -> float:
    """'15m', '30s', '2h', '1h30m', '90' (seconds) -> seconds."""
    cleaned = text.strip().lower().replace(" ", "")
    parts = _EVERY.findall(cleaned)
    if not cleaned or "".join(n + u for n, u in parts) != cleaned:
        raise ValueError(f"cannot read the interval '{text}': use forms like 30s, 15m, 2h or 1h30m")
    seconds = sum(float(n) * _UNITS[u or "s"] for n, u in parts)
    if seconds < 1:
        raise ValueError(f"interval '{text}' is under a second")
    return seconds


class Watcher:
    def __init__(self, bot, log: Callable[[str], None] | None = None):
        self.bot = bot
        self.settings = bot.settings
        self.registry = SourceRegistry(bot.index.catalog)
        self._print = log or print
        self.log_path = Path(self.settings.data_dir) / "watch.log"

    def log(self, line: str) -> None:
        stamped = f"{datetime.now().isoformat(timespec='seconds')} {line}"
        self._print(stamped)
        try:
            with open(self.log_path, "a", encoding="utf-8") as handle:
                handle.write(stamped + "\n")
        except OSError:
            pass

    # ---- one pass ---------------------------------------------------------------------------
    def run_once(self) -> int:
        """One scan of every watched folder and followed feed. Returns the number of errors."""
        errors = 0
        folders = self.registry.list("folder")
        feeds = self.registry.list("feed")
        if not folders and not feeds:
            self.log("nothing to watch: add folders with `assistant watch --add FOLDER`, feeds with "
                     "`assistant feeds add URL`")
        for row in folders:
            errors += self.scan_folder(row.location)
        if feeds:
            with Fetcher(self.settings.fetch, block_private_for(self.settings)) as fetcher:
                for row in feeds:
                    check = check_feed(row.location, self.bot.ingestor, fetcher, self.settings.fetch, self.registry)
                    if check.error:
                        errors += 1
                        self.log(f"feed {check.url}: failed: {check.error}")
                        continue
                    if check.unchanged:
                        self.log(f"feed {check.title or check.url}: nothing new")
                        continue
                    self.log(f"feed {check.summary()}")
                    for e in check.report.errors:
                        errors += 1
                        self.log(f"  skipped {e.path}: {e.reason}")
        return errors

    def scan_folder(self, folder: str) -> int:
        previous = self.registry.items(folder)
        scan = scan_folder(folder, previous)
        if scan.error:
            self.registry.record_check(folder, scan.error.reason)
            self.log(f"folder {folder}: {scan.error.reason}; nothing changed")
            return 1
        errors = 0
        if scan.changed:
            report = self.bot.ingestor.ingest_paths(scan.changed)
            self.log(f"folder {folder}: {len(scan.changed)} new or changed file(s): {report.documents_added} added, "
                     f"{report.documents_replaced} replaced, {report.documents_unchanged} unchanged, "
                     f"{len(report.errors)} skipped")
            for e in report.errors:
                errors += 1
                self.log(f"  skipped {e.path}: {e.reason}")
            for n in report.notes:
                self.log(f"  note {n.path}: {n.reason}")
            # Failed files are marked seen too: they are retried when they change, not every scan.
            self.registry.set_items(folder, {str(p): scan.fingerprints[str(p)] for p in scan.changed})
        if scan.gone:
            if self.settings.ingest.watch_delete_missing:
                catalog = self.bot.index.catalog
                ids = [doc_id for path in scan.gone for doc_id in catalog.doc_ids_for_path(path)]
                removed = self.bot.delete(ids) if ids else 0
                self.registry.drop_items(folder, scan.gone)
                for path in scan.gone:
                    self.log(f"folder {folder}: removed {path} (file is gone)")
                self.log(f"folder {folder}: {len(ids)} document(s), {removed} chunk(s) removed")
            else:
                self.registry.set_items(folder, dict.fromkeys(scan.gone, GONE))
                for path in scan.gone:
                    self.log(f"folder {folder}: {path} is gone; kept in the library "
                             "(ASSISTANT_INGEST__WATCH_DELETE_MISSING=true removes such files)")
        if not scan.changed and not scan.gone:
            self.log(f"folder {folder}: nothing new")
        self.registry.record_check(folder, None)
        return errors

    # ---- the loop -----------------------------------------------------------------------------
    def run(self, every_s: float, stop: threading.Event | None = None, passes: int | None = None) -> None:
        """Scan, sleep, repeat until ``stop`` is set (or ``passes`` scans are done)."""
        stop = stop or threading.Event()
        done = 0
        while not stop.is_set():
            started = time.monotonic()
            self.run_once()
            done += 1
            if passes is not None and done >= passes:
                return
            stop.wait(max(0.0, every_s - (time.monotonic() - started)))
