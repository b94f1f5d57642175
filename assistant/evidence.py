"""Ranked chunks -> numbered evidence sentences within a token budget.

A small model copes with one short passage, not five long chunks; even a large one answers
better from a few relevant sentences. Each sentence is scored against the question by
embedding similarity and IDF-weighted term coverage (names and numbers are rare terms, so
they weigh most), then the best ones are kept, without near-duplicates, until the budget
counted with tiktoken is spent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from langchain_core.documents import Document

from assistant.catalog import Catalog
from assistant.judge.instructions import looks_like_instruction
from assistant.models import CachedEmbeddings
from assistant.settings import AnswerSettings
from assistant.text import Span, TokenCounter, holds_answer, question_type, sentences, terms
from assistant.verify import passage_context

@dataclass
class Evidence:
    n: int
    text: str
    start: int  # offsets in the document text
    end: int
    chunk: Document
    relevance: float
    cosine: float
    coverage: float
    instruction: bool = False
    vector: list[float] = field(default_factory=list, repr=False)

    @property
    def doc_id(self) -> str:
        return self.chunk.metadata["doc_id"]

    @property
    def context(self) -> str:
        """The article title and the text just before the sentence (who "he" is)."""
        m = self.chunk.metadata
        before = m.get("before", "") + self.chunk.page_content[: max(0, self.start - m["start"])]
        return passage_context(m.get("title", ""), before)


class EvidenceSelector:
    def __init__(self, embedder: CachedEmbeddings, catalog: Catalog, counter: TokenCounter,
                 settings: AnswerSettings):
        self.embedder = embedder
        self.catalog = catalog
        self.count = counter
        self.settings = settings

    def candidates(self, question: str, chunks: list[Document], query_vector: list[float] | None,
                   context: str = "") -> list[Evidence]:
        """Every sentence of the retrieved chunks, scored, best first (unnumbered).

        ``context`` (the earlier question a follow-up refers to) counts for a little, so a
        follow-up's evidence answers the follow-up rather than the earlier question."""
        spans: list[tuple[Span, Document, str]] = []
        seen: set[tuple[str, int]] = set()
        for chunk in chunks:
            sents = sentences(chunk.page_content, offset=chunk.metadata["start"])
            before = sentences(chunk.metadata.get("before", ""))
            lead = before[-1].text if before else ""
            for i, span in enumerate(sents):
                key = (chunk.metadata["doc_id"], span.start)
                if key in seen or len(span.text) < 12:
                    continue
                seen.add(key)
                prev = sents[i - 1].text if i > 0 else lead
                spans.append((span, chunk, prev))
        if not spans:
            return []
        q_terms = list(dict.fromkeys(terms(question)))
        c_terms = [t for t in dict.fromkeys(terms(context)) if t not in q_terms]
        idf = self.catalog.idf(q_terms + c_terms) if q_terms or c_terms else {}
        idf = {t: w * (1.0 if t in q_terms else 0.3) for t, w in idf.items()}
        total = sum(idf.values()) or 1.0
        vectors = self.embedder.embed_texts([s.text for s, _, _ in spans])
        if context or query_vector is None:
            query_vector = self.embedder.embed_query(question)
        q = np.asarray(query_vector)
        cos = np.asarray(vectors) @ q
        s = self.settings
        kind = question_type(question)
        out = []
        for (span, chunk, prev), c, vec in zip(spans, cos, vectors, strict=True):
            own = set(terms(span.text))
            context = set(terms(f"{chunk.metadata.get('title', '')} {prev}"))
            covered = sum(w for t, w in idf.items() if t in own) + 0.5 * sum(
                w for t, w in idf.items() if t in context and t not in own)
            coverage = covered / total
            relevance = s.evidence_cosine_weight * float(c) + (1 - s.evidence_cosine_weight) * coverage
            relevance -= s.evidence_rank_penalty * chunk.metadata.get("rank", 0)
            if kind and holds_answer(span.text, kind, question):
                relevance += s.answer_type_bonus
            out.append(Evidence(0, span.text, span.start, span.end, chunk, relevance, float(c), coverage,
                                looks_like_instruction(span.text), vec))
        out.sort(key=lambda e: e.relevance, reverse=True)
        return out

    def select(self, question: str, chunks: list[Document], query_vector: list[float] | None,
               budget_tokens: int | None = None, max_sentences: int | None = None,
               context: str = "") -> list[Evidence]:
        """The numbered evidence list: best sentences within the token budget."""
        budget = self.settings.evidence_tokens if budget_tokens is None else budget_tokens
        limit = self.settings.evidence_sentences if max_sentences is None else max_sentences
        picked: list[Evidence] = []
        used = 0
        for ev in self.candidates(question, chunks, query_vector, context):
            if len(picked) >= limit:
                break
            if any(_near_duplicate(ev, p) for p in picked):
                continue
            cost = self.count(ev.text)
            if picked and used + cost > budget:
                continue
            picked.append(ev)
            used += cost
        for n, ev in enumerate(picked, start=1):
            ev.n = n
        return picked


def _near_duplicate(a: Evidence, b: Evidence) -> bool:
    if a.doc_id == b.doc_id and a.start < b.end and b.start < a.end:
        return True
    if a.vector and b.vector:
        return float(np.dot(a.vector, b.vector)) > 0.95
    return False
