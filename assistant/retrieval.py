"""Question (+ filters) -> ranked chunks: dense, keyword (BM25) or both fused, with diversity.

Fusion is weighted reciprocal rank fusion (Cormack et al. 2009): it needs no score
calibration between cosine similarities and BM25 scores. Diversity: at most
``per_doc_cap`` chunks per article and no near-duplicate chunks, so one long article or a
story syndicated twice cannot crowd out the others.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from langchain_core.documents import Document

from assistant.catalog import Filters
from assistant.index import NewsIndex
from assistant.settings import RetrievalMode, RetrievalSettings
from assistant.text import terms


@dataclass
class Retrieved:
    chunks: list[Document]  # best first; metadata carries dense/keyword/score/rank
    query_vector: list[float] | None
    embed_ms: float
    search_ms: float


@dataclass
class HybridRetriever:
    """Not a LangChain ``BaseRetriever`` (its import costs a question 0.6 s):
    ``langchain_adapters.as_retriever`` makes it one."""

    index: NewsIndex
    settings: RetrievalSettings

    def retrieve(self, query: str, filters: Filters | None = None, k: int | None = None,
                 mode: RetrievalMode | None = None) -> Retrieved:
        s = self.settings
        k = s.k if k is None else k
        mode = mode or s.mode
        if k <= 0:
            return Retrieved([], None, 0.0, 0.0)
        fetch = max(s.fetch_k, k)
        t0 = time.perf_counter()
        vector = self.index.embedder.embed_query(query) if mode in ("dense", "hybrid") else None
        t1 = time.perf_counter()
        dense = self.index.dense_search(vector, fetch, filters) if vector is not None else []
        keyword = self.index.keyword_search(query, fetch, filters) if mode in ("keyword", "hybrid") else []
        fused = self._fuse(dense, keyword, mode)
        chunks = self.index.chunks([cid for cid, _ in fused[: fetch * 2]])
        dense_score, keyword_score, fused_score = dict(dense), dict(keyword), dict(fused)
        for rank, chunk in enumerate(chunks):
            cid = chunk.id
            chunk.metadata.update(dense=dense_score.get(cid), keyword=keyword_score.get(cid),
                                  score=fused_score[cid], rank=rank)
        picked = diversify(chunks, k, s.per_doc_cap, s.near_duplicate_jaccard)
        return Retrieved(picked, vector, (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000)

    def _fuse(self, dense: list[tuple[str, float]], keyword: list[tuple[str, float]], mode: str
              ) -> list[tuple[str, float]]:
        if mode == "dense":
            return dense
        if mode == "keyword":
            return keyword
        s = self.settings
        scores: dict[str, float] = {}
        for weight, ranking in ((s.dense_weight, dense), (s.keyword_weight, keyword)):
            for rank, (cid, _) in enumerate(ranking):
                scores[cid] = scores.get(cid, 0.0) + weight / (s.rrf_k + rank + 1)
        return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)


def interleave(first: Retrieved, second: Retrieved, k: int) -> Retrieved:
    """Alternate two rankings (first leads), dropping repeats, keeping k."""
    merged: list[Document] = []
    seen: set[str] = set()
    for pair in zip(first.chunks, second.chunks, strict=False):
        for chunk in pair:
            if chunk.id not in seen:
                seen.add(chunk.id)
                merged.append(chunk)
    for chunk in first.chunks + second.chunks:
        if chunk.id not in seen:
            seen.add(chunk.id)
            merged.append(chunk)
    for rank, chunk in enumerate(merged):
        chunk.metadata["rank"] = rank
    return Retrieved(merged[:k], second.query_vector, first.embed_ms + second.embed_ms,
                     first.search_ms + second.search_ms)


def diversify(chunks: list[Document], k: int, per_doc_cap: int,
              near_duplicate: float = RetrievalSettings().near_duplicate_jaccard) -> list[Document]:
    """Keep rank order, but at most ``per_doc_cap`` chunks per document and no chunk whose
    terms overlap an already kept chunk's by more than ``near_duplicate`` (Jaccard; settings
    retrieval.per_doc_cap, retrieval.near_duplicate_jaccard)."""
    kept: list[Document] = []
    kept_terms: list[set[str]] = []
    per_doc: dict[str, int] = {}
    for chunk in chunks:
        doc_id = chunk.metadata["doc_id"]
        if per_doc_cap > 0 and per_doc.get(doc_id, 0) >= per_doc_cap:
            continue
        these = _chunk_terms(chunk.id or "", chunk.page_content)
        if any(_jaccard(these, other) > near_duplicate for other in kept_terms):
            continue
        kept.append(chunk)
        kept_terms.append(these)
        per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
        if len(kept) >= k:
            break
    return kept


@lru_cache(maxsize=50_000)
def _chunk_terms(chunk_id: str, text: str) -> frozenset[str]:
    # A chunk id is a hash of its content, so its terms never change.
    return frozenset(terms(text))


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)
