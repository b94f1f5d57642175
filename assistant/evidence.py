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

from assistant.acts import asked_act
from assistant.acts import reports as reports_act
from assistant.catalog import Catalog
from assistant.embedders import CachedEmbeddings
from assistant.furniture import never_quoted
from assistant.judge.answerability import AnswerJudge, Candidate, QuestionInfo, question_info
from assistant.judge.instructions import unquotable_sentences
from assistant.settings import AnswerSettings, VerifySettings
from assistant.text import (
    Span,
    TokenCounter,
    holds_answer,
    paragraph_numbers,
    proper_nouns,
    question_type,
    sentences,
    terms,
)
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
    instruction: bool = False  # may be planted (judge/instructions.unquotable): never quoted, cited or support
    vector: list[float] = field(default_factory=list, repr=False)
    # The judge's probability that this sentence answers the question (assistant/judge).
    p_answer: float = 0.0
    context_chars: int = VerifySettings().context_chars  # setting verify.context_chars

    @property
    def doc_id(self) -> str:
        return self.chunk.metadata["doc_id"]

    @property
    def context(self) -> str:
        """The article title and the text just before the sentence (who "he" is)."""
        m = self.chunk.metadata
        before = m.get("before", "") + self.chunk.page_content[: max(0, self.start - m["start"])]
        return passage_context(m.get("title", ""), before, self.context_chars)


@dataclass
class EvidenceSelector:
    embedder: CachedEmbeddings
    catalog: Catalog
    count: TokenCounter
    settings: AnswerSettings
    judge: AnswerJudge | None = None
    context_chars: int = VerifySettings().context_chars  # setting verify.context_chars
    _doc_terms: dict[str, set[str]] = field(default_factory=dict, init=False, repr=False)

    def judge_inputs(self, question: str, chunks: list[Document], query_vector: list[float] | None,
                     context: str = "", standalone: str | None = None
                     ) -> tuple[QuestionInfo, list[Candidate], list[Evidence]]:
        """The question and every candidate sentence as the judge sees them. A follow-up's
        sentences are found with its own words (``question``, helped by ``context``); the judge
        reads the ``standalone`` question ("How much will the closures save?", not "How much
        does he say it will save?")."""
        evidence = self.candidates(question, chunks, query_vector, context)
        question = standalone or question
        wanted = list(dict.fromkeys(terms(question)))
        idf = self.catalog.idf(wanted) if wanted else {}
        names = list(dict.fromkeys(proper_nouns(question)))
        name_idf = self.catalog.idf([t for n in names for t in terms(n)]) if names else {}
        known = {n: all(name_idf.get(t, 0.0) > 0 for t in terms(n)) for n in names if terms(n)}
        info = question_info(question, idf, known, acts=self.settings.speech_acts)
        docs = self._terms_of([e.doc_id for e in evidence])
        cands = [Candidate(text=e.text, context=e.context, cosine=e.cosine, chunk_dense=e.chunk.metadata.get("dense"),
                           chunk_rank=int(e.chunk.metadata.get("rank", 0)), start=e.start, relevance=e.relevance,
                           doc_terms=docs.get(e.doc_id, set()), instruction=e.instruction) for e in evidence]
        return info, cands, evidence

    def _terms_of(self, doc_ids: list[str]) -> dict[str, set[str]]:
        wanted = [d for d in dict.fromkeys(doc_ids) if d not in self._doc_terms]
        if wanted:
            for doc_id, text in self.catalog.document_text(wanted).items():
                if len(self._doc_terms) > 5000:
                    self._doc_terms.clear()
                self._doc_terms[doc_id] = set(terms(text))
        return {d: self._doc_terms.get(d, set()) for d in doc_ids}

    def candidates(self, question: str, chunks: list[Document], query_vector: list[float] | None,
                   context: str = "") -> list[Evidence]:
        """Every sentence of the retrieved chunks, scored, best first (unnumbered).

        ``context`` (the earlier question a follow-up refers to) counts for a little, so a
        follow-up's evidence answers the follow-up rather than the earlier question."""
        spans: list[tuple[Span, Document, str]] = []
        planted: list[bool] = []
        seen: set[tuple[str, int]] = set()
        for chunk in chunks:
            start = chunk.metadata["start"]
            sents = sentences(chunk.page_content, offset=start)
            flags = unquotable_sentences([x.text for x in sents],
                                         paragraph_numbers(chunk.page_content, [x.start - start for x in sents]))
            before = sentences(chunk.metadata.get("before", ""))
            lead = before[-1].text if before else ""
            for i, span in enumerate(sents):
                key = (chunk.metadata["doc_id"], span.start)
                if key in seen or len(span.text) < 12 or never_quoted(span.text):
                    continue
                seen.add(key)
                prev = sents[i - 1].text if i > 0 else lead
                spans.append((span, chunk, prev))
                planted.append(flags[i])
        if not spans:
            return []
        q_terms = list(dict.fromkeys(terms(question)))
        c_terms = [t for t in dict.fromkeys(terms(context)) if t not in q_terms]
        idf = self.catalog.idf(q_terms + c_terms) if q_terms or c_terms else {}
        idf = {t: w * (1.0 if t in q_terms else self.settings.context_term_weight) for t, w in idf.items()}
        total = sum(idf.values()) or 1.0
        vectors = self.embedder.embed_texts([s.text for s, _, _ in spans])
        if context or query_vector is None:
            query_vector = self.embedder.embed_query(question)
        q = np.asarray(query_vector)
        cos = np.asarray(vectors) @ q
        s = self.settings
        kind = question_type(question)
        act = asked_act(question) if s.speech_acts else None
        out = []
        for (span, chunk, prev), c, vec, flag in zip(spans, cos, vectors, planted, strict=True):
            own = set(terms(span.text))
            reported = bool(act) and reports_act(span.text, act)
            if reported:
                own |= set(terms(act.verb))  # "assured China that ..." holds the "promise" asked about
            context = set(terms(f"{chunk.metadata.get('title', '')} {prev}"))
            covered = sum(w for t, w in idf.items() if t in own) + s.context_coverage_weight * sum(
                w for t, w in idf.items() if t in context and t not in own)
            coverage = covered / total
            relevance = s.evidence_cosine_weight * float(c) + (1 - s.evidence_cosine_weight) * coverage
            relevance -= s.evidence_rank_penalty * chunk.metadata.get("rank", 0)
            if (kind and holds_answer(span.text, kind, question)) or reported:
                relevance += s.answer_type_bonus
            out.append(Evidence(0, span.text, span.start, span.end, chunk, relevance, float(c), coverage,
                                flag, vec, context_chars=self.context_chars))
        out.sort(key=lambda e: e.relevance, reverse=True)
        return out

    def select(self, question: str, chunks: list[Document], query_vector: list[float] | None,
               budget_tokens: int | None = None, max_sentences: int | None = None,
               context: str = "", standalone: str | None = None) -> Selection:
        """The numbered evidence list: the sentences most likely to answer (the judge's
        probability; the older relevance score without a judge), within the token budget, and
        the judge's probability that the library answers the question at all."""
        budget = self.settings.evidence_tokens if budget_tokens is None else budget_tokens
        limit = self.settings.evidence_sentences if max_sentences is None else max_sentences
        if self.judge is not None:
            info, cands, ranked = self.judge_inputs(question, chunks, query_vector, context, standalone)
            p, p_answerable = self.judge.score(info, cands)
            unknown = info.unknown
            for ev, pe in zip(ranked, p, strict=True):
                ev.p_answer = float(pe)
            ranked.sort(key=lambda e: e.p_answer, reverse=True)
        else:
            ranked, p_answerable, unknown = self.candidates(question, chunks, query_vector, context), None, []
        picked: list[Evidence] = []
        used = 0
        for ev in ranked:
            if len(picked) >= limit:
                break
            if any(_near_duplicate(ev, p, self.settings.evidence_duplicate_cosine) for p in picked):
                continue
            cost = self.count(ev.text)
            if picked and used + cost > budget:
                continue
            picked.append(ev)
            used += cost
        for n, ev in enumerate(picked, start=1):
            ev.n = n
        return Selection(picked, p_answerable, unknown)


@dataclass
class Selection:
    evidence: list[Evidence]
    # The judge's P(the library answers the question); None without a judge.
    p_answerable: float | None
    # Names in the question that no chunk of the library contains.
    unknown_names: list[str] = field(default_factory=list)


def _near_duplicate(a: Evidence, b: Evidence, max_cosine: float) -> bool:
    if a.doc_id == b.doc_id and a.start < b.end and b.start < a.end:
        return True
    if a.vector and b.vector:
        return float(np.dot(a.vector, b.vector)) > max_cosine
    return False
