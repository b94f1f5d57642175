"""Pages added by address, with one result per address asked for.

The web app's "Fetch and add" and ``POST /v1/documents/urls`` both show the user a row per
address (added, replaced, unchanged, or the reason it failed), which the ingest report alone
does not give: it counts documents, and a page's document is keyed by its normalised address
(``fetch.normalize_url``), not by what was typed. The CLI prints the report instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.catalog import Catalog
from assistant.ingest import Ingestor, IngestReport
from assistant.sources.fetch import Fetcher, is_url, load_url, normalize_url

NOT_WEB = "only http:// and https:// addresses can be fetched"


@dataclass
class PageResult:
    url: str  # as asked for
    status: str  # added | replaced | unchanged | error
    reason: str = ""  # why it failed, or a caveat (e.g. no article found: the visible text was kept)
    doc_ids: list[str] = field(default_factory=list)


def is_web_address(text: str) -> bool:
    return is_url(text) and text.strip().lower().startswith(("http://", "https://"))


def add_pages(urls: Sequence[str], ingestor: Ingestor, catalog: Catalog,
              fetcher: Fetcher) -> tuple[list[PageResult], IngestReport]:
    """Fetch and ingest each address; never raises for a bad address or page."""
    web = [u for u in dict.fromkeys(urls) if is_web_address(u)]
    before = {u: set(catalog.doc_ids_for_path(normalize_url(u))) for u in web}
    report = ingestor.ingest_loaded(load_url(u, fetcher) for u in web)
    failed = {e.path: e.reason for e in report.errors}
    notes = {n.path: n.reason for n in report.notes}
    results = []
    for u in urls:
        if u not in before:
            results.append(PageResult(u, "error", NOT_WEB))
            continue
        key = normalize_url(u)
        reason = failed.get(u) or failed.get(key)
        if reason:
            results.append(PageResult(u, "error", reason))
            continue
        after = set(catalog.doc_ids_for_path(key))
        status = "unchanged" if before[u] and after == before[u] else "replaced" if before[u] else "added"
        results.append(PageResult(u, status, notes.get(key, ""), sorted(after)))
    return results, report
