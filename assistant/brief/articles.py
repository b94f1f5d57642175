"""Which articles a brief reads: named ones, the ones matching filters, or every article on a topic.

A topic brief wants every article on the topic, not the best one: it retrieves widely
(``BriefSettings.topic_k`` passages; retrieval caps passages per article, so many articles
come back), then a small logistic model (``topic_model.json``, trained by
``bench/topic_selection.py``) gives each article P(on the topic) from what retrieval already
knows (its passages' best and second-best dense cosine, how far the best is below the best
of all, its best keyword score as a share of the best, how many of its passages came back and
how early), its title's cosine to the topic, and the share of the topic's terms in its title
and opening words. Articles at ``topic_min_probability`` stay, at most ``max_documents``.

Why a model: the rule it replaced (a passage at cosine 0.3, or half the best keyword score)
kept nearly everything retrieval returned. Measured against on-topic judgements made by AI
annotators over the 2,225 BBC articles (bench/data/topics/README.md; the numbers are in the
README's brief table and bench/results/topic_selection.json).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.judge.linear import LinearModel, ModelFileError, load_model
from assistant.text import terms

if TYPE_CHECKING:
    from assistant.catalog import Catalog, DocumentRow, Filters
    from assistant.settings import BriefSettings

TOPIC_FEATURES = ("dense", "dense_2nd", "keyword_share", "log_passages", "log_first_rank", "title_cos",
                  "dense_below_best", "title_terms", "lead_terms")
LEAD_WORDS = 60  # the article's opening words that lead_terms reads
MODEL_PATH = Path(__file__).with_name("topic_model.json")


def topic_signals(passages: Sequence[Mapping]) -> dict[str, dict]:
    """Per article, in first-retrieved order, from the retrieved passages' metadata (``doc_id``,
    ``dense`` cosine, ``keyword`` BM25 score; a missing score counts as 0): its first rank, how
    many of its passages came back, its passages' dense cosines best first, and its best keyword
    score as a share of the best keyword score of all passages."""
    top_keyword = max((m.get("keyword") or 0.0 for m in passages), default=0.0) or 1.0
    out: dict[str, dict] = {}
    for rank, m in enumerate(passages):
        d = out.setdefault(m["doc_id"], {"first_rank": rank, "passages": 0, "dense": [], "keyword_share": 0.0})
        d["passages"] += 1
        d["dense"].append(m.get("dense") or 0.0)
        d["keyword_share"] = max(d["keyword_share"], (m.get("keyword") or 0.0) / top_keyword)
    for d in out.values():
        d["dense"].sort(reverse=True)
    return out


def topic_features(signals: Mapping[str, dict], topic: str, titles: Mapping[str, str], leads: Mapping[str, str],
                   title_cosine: Mapping[str, float]) -> np.ndarray:
    """One row of ``TOPIC_FEATURES`` per article of ``signals`` (in its order): the retrieval
    signals, the title's cosine to the topic, how far its best passage is below the best of all
    (topics differ in how close any passage gets), and the share of the topic's terms (stemmed,
    no stop words) in its title and in its first ``LEAD_WORDS`` words."""
    wanted = set(terms(topic))

    def share(text: str) -> float:
        return len(wanted & set(terms(text))) / len(wanted) if wanted else 0.0

    best = max((d["dense"][0] for d in signals.values()), default=0.0)
    return np.asarray([[d["dense"][0], d["dense"][1] if len(d["dense"]) > 1 else 0.0, d["keyword_share"],
                        np.log1p(d["passages"]), np.log1p(d["first_rank"]), title_cosine.get(doc_id, 0.0),
                        d["dense"][0] - best, share(titles.get(doc_id, "")),
                        share(" ".join(leads.get(doc_id, "").split()[:LEAD_WORDS]))]
                       for doc_id, d in signals.items()], dtype=float).reshape(-1, len(TOPIC_FEATURES))


def topic_model(path: Path = MODEL_PATH) -> LinearModel:
    try:
        model = load_model(path)
        model.check_features(TOPIC_FEATURES)
    except ModelFileError as exc:
        raise ModelFileError(f"the topic model cannot be used ({exc}); reinstall the package, or rebuild "
                             "it with python bench/topic_selection.py evaluate --write-model") from None
    return model


def on_topic(passages: Sequence[Mapping], topic: str, titles: Mapping[str, str], leads: Mapping[str, str],
             title_cosine: Mapping[str, float], min_probability: float, limit: int,
             model: LinearModel | None = None) -> list[str]:
    """Ids of the articles on the topic: at most ``limit``, those the topic model gives at least
    ``min_probability`` (the most probable when more pass), in first-retrieved order."""
    signals = topic_signals(passages)
    if not signals:
        return []
    model = model or topic_model()
    x = topic_features(signals, topic, titles, leads, title_cosine)
    p = model.proba(x[:, model.columns(TOPIC_FEATURES)])
    ids = list(signals)
    keep = sorted((i for i in range(len(ids)) if p[i] >= min_probability), key=lambda i: -p[i])[:limit]
    return [ids[i] for i in sorted(keep)]


def title_cosines(embedder, query_vector: Sequence[float] | None, topic: str, titles: Mapping[str, str]
                  ) -> dict[str, float]:
    """Cosine of the topic to each article's title (the embedding model the index uses)."""
    if not titles:
        return {}
    q = np.asarray(query_vector if query_vector is not None else embedder.embed_query(topic), dtype=float)
    ids = list(titles)
    t = np.asarray(embedder.embed_documents([titles[i] for i in ids]), dtype=float)
    cos = t @ q / (np.linalg.norm(t, axis=1) * np.linalg.norm(q) + 1e-9)
    return dict(zip(ids, cos.tolist(), strict=True))


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
        # Hybrid whatever retrieval.mode says: the topic model reads both scores (it was trained
        # on them), and the index always holds both.
        found = retriever.retrieve(topic, filters, k=s.topic_k, mode="hybrid")
        rows = {r.doc_id: r for r in catalog.list_documents(
            doc_ids=list(dict.fromkeys(c.metadata["doc_id"] for c in found.chunks)))}
        passages = [c.metadata for c in found.chunks if c.metadata["doc_id"] in rows]
        titles = {d: r.title or "" for d, r in rows.items()}
        leads = catalog.document_text(list(rows))
        cosines = title_cosines(retriever.index.embedder, found.query_vector, topic, titles)
        order = on_topic(passages, topic, titles, leads, cosines, s.topic_min_probability, s.max_documents)
        if not order:
            if not passages:
                raise ValueError(f"no articles in the library match the topic {topic!r}")
            raise ValueError(f"no article in the library is clearly about {topic!r}: {len(rows)} came close, "
                             f"none reached the topic model's {s.topic_min_probability} (setting "
                             "brief.topic_min_probability); try other words, or brief them by id")
        return [rows[d] for d in order]
    rows = catalog.list_documents(filters=filters)
    if not rows:
        raise ValueError("no documents match")
    return rows[: s.max_documents]
