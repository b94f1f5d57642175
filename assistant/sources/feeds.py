"""RSS and Atom feeds: parse with feedparser, ingest each new or changed entry.

An entry is ingested from its own content when that content holds the whole article (at
least ``fetch.feed_full_text_words`` words of text: many blogs and some news sites put the
full story in the feed); otherwise, the usual case for news sites whose feed carries a
teaser, its link is fetched and the page's article extracted. Entries already seen with the
same fingerprint (id, date or content) are skipped, so a check costs one request when
nothing changed (and none at all when the server honours ETag/Last-Modified).

The feed's title is the source of entries that come from the feed itself; a fetched page
keeps its own site name.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field

from assistant.catalog import SourceRegistry
from assistant.documents import DocumentError, LoadResult, doc_id_for, normalize_date, parse_html, visible_text
from assistant.ingest import Ingestor, IngestReport
from assistant.settings import FetchSettings
from assistant.sources.fetch import FEED_TYPES, Fetcher, FetchError, load_url, normalize_url


@dataclass
class FeedEntry:
    key: str  # the entry's id, or its link
    link: str | None
    title: str | None
    published: str | None
    author: str | None
    content_html: str | None
    fingerprint: str


@dataclass
class Feed:
    url: str
    title: str | None
    entries: list[FeedEntry]
    etag: str | None = None
    modified: str | None = None


@dataclass
class FeedCheck:
    url: str
    title: str | None = None
    unchanged: bool = False  # the server said 304, or every entry was already seen
    entries: int = 0
    pending: int = 0  # new or changed entries (and earlier failures) tried this time
    ingested: int = 0
    report: IngestReport = field(default_factory=IngestReport)
    error: str | None = None

    def summary(self) -> str:
        if self.error:
            return f"{self.url}: {self.error}"
        r = self.report
        return (f"{self.title or self.url}: {self.entries} entries, {self.pending} new or changed: "
                f"{self.ingested} ingested ({r.documents_added} added, {r.documents_unchanged} already in the "
                f"library, {r.documents_replaced} replaced), {len(r.errors)} failed")


def parse_feed(body: bytes, url: str, max_entries: int) -> Feed:
    import feedparser

    with warnings.catch_warnings():
        # feedparser warns when 'updated' falls back to 'published'; that fallback is wanted here.
        warnings.simplefilter("ignore", DeprecationWarning)
        parsed = feedparser.parse(body)
        return _feed(parsed, url, max_entries)


def _feed(parsed, url: str, max_entries: int) -> Feed:
    if not parsed.entries and (parsed.bozo or not parsed.feed):
        reason = getattr(parsed, "bozo_exception", None)
        detail = f" ({str(reason).splitlines()[0][:120]})" if reason else ""
        raise FetchError(url, f"not an RSS or Atom feed{detail}")
    entries = []
    for raw in parsed.entries[:max_entries]:
        link = raw.get("link")
        content = None
        if raw.get("content"):
            content = max((c.get("value") or "" for c in raw["content"]), key=len)
        content = content or raw.get("summary")
        published = raw.get("published") or raw.get("updated")
        key = raw.get("id") or link
        if not key:
            continue
        stamp = raw.get("updated") or published or ""
        digest = hashlib.sha256(f"{stamp}\n{raw.get('title', '')}\n{content or ''}".encode()).hexdigest()[:32]
        entries.append(FeedEntry(key=key, link=link, title=raw.get("title"), published=published,
                                 author=raw.get("author"), content_html=content, fingerprint=digest))
    return Feed(url, parsed.feed.get("title"), entries)


def holds_full_article(content_html: str | None, min_words: int) -> bool:
    return bool(content_html) and len(visible_text(content_html).split()) >= min_words


def entry_document(entry: FeedEntry, feed: Feed, fetcher: Fetcher, settings: FetchSettings) -> LoadResult:
    """One entry -> its article: the entry's own content when it is the full article, else the
    linked page."""
    if holds_full_article(entry.content_html, settings.feed_full_text_words):
        origin = normalize_url(entry.link) if entry.link else f"{feed.url}#{entry.key}"
        try:
            doc, _ = parse_html(entry.content_html or "", origin, url=entry.link)
        except DocumentError as exc:
            return LoadResult([], [exc])
        text = visible_text(entry.content_html or "")
        if len(doc.page_content.split()) < settings.feed_extract_min_share * len(text.split()):
            # trafilatura reads a bare fragment as a page and may keep too little of it
            doc.page_content = text
        doc.metadata.update(title=entry.title or doc.metadata["title"], source=feed.title or doc.metadata["source"])
        doc.metadata["date"] = normalize_date(entry.published) or doc.metadata.get("date")
        doc.metadata["author"] = entry.author or doc.metadata.get("author")
        doc.metadata["doc_id"] = doc_id_for(doc.metadata["title"], doc.page_content)
        return LoadResult([doc], [])
    if not entry.link:
        return LoadResult([], [FetchError(f"{feed.url} ({entry.key})", "entry has no link and no full text")])
    loaded = load_url(entry.link, fetcher)
    for doc in loaded.documents:
        if not doc.metadata.get("date"):
            doc.metadata["date"] = normalize_date(entry.published)
        if entry.author and not doc.metadata.get("author"):
            doc.metadata["author"] = entry.author
    return loaded


def check_feed(url: str, ingestor: Ingestor, fetcher: Fetcher, settings: FetchSettings,
               registry: SourceRegistry | None = None) -> FeedCheck:
    """Fetch a feed and ingest its new or changed entries. With a registry, remember what was
    seen (and the feed's ETag) so the next check only does new work."""
    url = normalize_url(url)
    check = FeedCheck(url)
    row = registry.get(url) if registry else None
    seen = registry.items(url) if registry else {}
    try:
        fetched = fetcher.get(url, FEED_TYPES | {"text/html"}, etag=row.etag if row else None,
                              modified=row.modified if row else None)
        if fetched is None:
            check.unchanged = True
            if registry:
                registry.record_check(url, None, etag=row.etag if row else None, modified=row.modified if row else None)
            return check
        feed = parse_feed(fetched.body, url, settings.feed_max_entries)
    except FetchError as exc:
        check.error = exc.reason
        if registry:
            registry.record_check(url, exc.reason)
        return check
    check.title, check.entries = feed.title, len(feed.entries)
    todo = [e for e in feed.entries if seen.get(e.key) != e.fingerprint]
    check.unchanged = not todo
    check.pending = len(todo)
    loaded = [entry_document(e, feed, fetcher, settings) for e in todo]
    check.report = ingestor.ingest_loaded(loaded) if loaded else IngestReport()
    check.ingested = sum(1 for r in loaded if r.documents)
    if registry:
        # Entries that failed are not marked seen: the next check tries them again.
        registry.set_items(url, {e.key: e.fingerprint for e, r in zip(todo, loaded, strict=True) if r.documents})
        registry.record_check(url, None, title=feed.title, etag=fetched.etag, modified=fetched.modified)
    return check
