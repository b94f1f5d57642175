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
from assistant.ingest import Ingestor, IngestReport, change_status
from assistant.sources.fetch import Fetcher, load_url, normalize_url


@dataclass
class PageResult:
    url: str  # as asked for
    status: str  # added | replaced | unchanged | error
    reason: str = ""  # why it failed, or a caveat (e.g. no article found: the visible text was kept)
    doc_ids: list[str] = field(default_factory=list)


def add_pages(urls: Sequence[str], ingestor: Ingestor, catalog: Catalog,
              fetcher: Fetcher) -> tuple[list[PageResult], IngestReport]:
    """Fetch and ingest each address; never raises for a bad address or page (the fetcher
    reports a scheme other than http(s) like any other failure)."""
    asked = list(dict.fromkeys(urls))
    before = {u: set(catalog.doc_ids_for_path(normalize_url(u))) for u in asked}
    report = ingestor.ingest_loaded(load_url(u, fetcher) for u in asked)
    failed = {e.path: e.reason for e in report.errors}
    notes = {n.path: n.reason for n in report.notes}
    results = []
    for u in urls:
        key = normalize_url(u)
        reason = failed.get(u) or failed.get(key)
        if reason:
            results.append(PageResult(u, "error", reason))
            continue
        after = set(catalog.doc_ids_for_path(key))
        results.append(PageResult(u, change_status(before[u], after), notes.get(key, ""), sorted(after)))
    return results, report
