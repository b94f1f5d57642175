"""Which articles a brief reads: named ones, the ones matching filters, or every article on a topic.

A topic brief wants every article on the topic, not the best one: it retrieves widely
(``BriefSettings.topic_k`` passages; retrieval caps passages per article, so many articles
come back), then keeps an article when one of its passages is close in meaning to the topic
(dense cosine >= ``topic_min_similarity``) or matches the topic's words at least half as well
as the best keyword match does (one shared word is not enough). At most ``max_documents``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.catalog import Catalog, DocumentRow, Filters
    from assistant.settings import BriefSettings

def on_topic(passages: Sequence[Mapping], min_similarity: float, keyword_share: float = 0.5) -> list[str]:
    """Ids of the articles on the topic, in retrieval order, from the retrieved passages'
    metadata (``doc_id``, ``dense`` cosine, ``keyword`` score; a missing score counts as 0):
    a passage is on the topic at ``min_similarity`` cosine or ``keyword_share`` of the best
    keyword score (settings: brief.topic_min_similarity, brief.topic_keyword_share)."""
    top_keyword = max((m.get("keyword") or 0.0 for m in passages), default=0.0) or 1.0
    return list(dict.fromkeys(
        m["doc_id"] for m in passages
        if (m.get("dense") or 0.0) >= min_similarity or (m.get("keyword") or 0.0) >= keyword_share * top_keyword))


def select_documents(catalog: Catalog, retriever, s: BriefSettings, doc_ids: Sequence[str] | None = None,
                     filters: Filters | None = None, topic: str | None = None) -> list[DocumentRow]:
    """The articles to brief, in the order the brief reads them. Raises ValueError (a message
    for the user) when an id is unknown or nothing matches."""
    if doc_ids:
        rows = {r.doc_id: r for r in catalog.list_documents(doc_ids=list(doc_ids))}
        missing = [d for d in doc_ids if d not in rows]
        if missing:
            raise ValueError(f"no such document: {', '.join(missing)}")
        return [rows[d] for d in dict.fromkeys(doc_ids)]
    if topic:
        found = retriever.retrieve(topic, filters, k=s.topic_k).chunks
        order = on_topic([c.metadata for c in found], s.topic_min_similarity,
                         s.topic_keyword_share)[: s.max_documents]
        if not order:
            raise ValueError(f"no articles in the library match the topic {topic!r}")
        rows = {r.doc_id: r for r in catalog.list_documents(doc_ids=order)}
        return [rows[d] for d in order if d in rows]
    rows = catalog.list_documents(filters=filters)
    if not rows:
        raise ValueError("no documents match")
    return rows[: s.max_documents]
