"""The question-answering chain:
condense follow-up -> retrieve -> evidence -> (abstain?) -> generate -> verify -> cite.

Whatever model answers, what reaches the user is either model sentences that passed the
support check, each citing the passages that back it, or, when none pass, the best
evidence sentences quoted verbatim (the extractive fallback), or an honest abstention.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from assistant.abstention import NOT_FOUND, abstain_reason, abstained
from assistant.citations import assemble, citation, with_markers
from assistant.claims import split_claims
from assistant.conversation import History, standalone_question
from assistant.evidence import Evidence, EvidenceSelector, Selection
from assistant.generation import Generation, Writer
from assistant.grounding import check_claims
from assistant.retrieval import HybridRetriever, interleave
from assistant.settings import AnswerSettings, Settings
from assistant.short_answer import Candidate as SpanCandidate
from assistant.short_answer import short_answer
from assistant.text import TokenCounter, is_question
from assistant.types import Answer, AnswerEvent, Filters, ShortAnswer
from assistant.verify import SupportChecker

if TYPE_CHECKING:  # importing it costs a question 0.7 s (LangChain's runnables); see generation.py
    from langchain_core.language_models.chat_models import BaseChatModel

    from assistant.generation import ChatModelOrFactory

__all__ = ["NOT_FOUND", "QAChain", "quoted", "span_candidates"]


class QAChain:
    def __init__(self, settings: Settings, retriever: HybridRetriever, selector: EvidenceSelector,
                 checker: SupportChecker, llm: ChatModelOrFactory, counter: TokenCounter):
        self.settings = settings
        self.retriever = retriever
        self.selector = selector
        self.checker = checker
        self.writer = Writer(settings, llm, counter)

    @property
    def llm(self) -> BaseChatModel:
        """The chat model the writer uses (replaceable: evals and tests swap it)."""
        return self.writer.llm

    @llm.setter
    def llm(self, model: BaseChatModel) -> None:
        self.writer.llm = model

    # ---- public -------------------------------------------------------------------------
    def invoke(self, question: str, history: History = None, filters: Filters | None = None) -> Answer:
        answer = None
        for event in self.stream(question, history, filters):
            if event.type == "answer":
                answer = event.answer
        assert answer is not None
        return answer

    def stream(self, question: str, history: History = None, filters: Filters | None = None,
               cancel: threading.Event | None = None) -> Iterator[AnswerEvent]:
        started = time.perf_counter()
        question = question.strip()
        yield AnswerEvent(type="status", text="Searching the library")
        resolved, _, selection, timings = self.prepare(question, history, filters)
        evidence = selection.evidence
        standalone = resolved.query
        yield AnswerEvent(type="sources", sources=[citation(e, e.n) for e in evidence if not e.instruction])

        def finish(answer: Answer) -> Iterator[AnswerEvent]:
            answer.timings = {**timings, **answer.timings, "total_ms": (time.perf_counter() - started) * 1000}
            answer.timings.setdefault("generate_ms", 0.0)
            answer.standalone_question = standalone if standalone != question else None
            if selection.p_answerable is not None:
                answer.answerable_score = round(selection.p_answerable, 4)
            # Only verified text is ever shown: the sentences go out after the check.
            for row in answer.sentences:
                yield AnswerEvent(type="sentence", text=with_markers(row.text, row.citations),
                                  citations=row.citations)
            yield AnswerEvent(type="answer", answer=answer)

        reason = self.abstain_reason(selection, followup=resolved.followup)
        if reason:
            yield from finish(abstained(question, evidence, reason, self.settings.answer.related_passages))
            return

        usable = [e for e in evidence if not e.instruction]
        t = time.perf_counter()
        if usable and not self.settings.model_writes_answers:
            # The judge's best sentences, quoted: the bundled model's drafts did not beat them
            # on dev (settings answer.generate); no model runs.
            yield AnswerEvent(type="status", text=f"Found {len(evidence)} passages; choosing the sentences that answer")
            answer = self._extractive(question, evidence, None)
        else:
            generation = Generation("", {}, "no usable evidence", None) if not usable else None
            if generation is None:
                yield AnswerEvent(type="status",
                                  text=f"Found {len(evidence)} passages; writing and checking the answer")
                for item in self.writer.draft(question, usable, cancel):
                    if not isinstance(item, str):  # the model's draft is never shown unverified
                        generation = item
            assert generation is not None
            timings["generate_ms"] = (time.perf_counter() - t) * 1000
            if generation.ttft_ms is not None:
                timings["ttft_ms"] = (t - started) * 1000 + generation.ttft_ms
            t = time.perf_counter()
            answer = self._verify(question, standalone, generation, evidence)
            answer.usage = generation.usage
        answer.timings["verify_ms"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        answer.short_answer = self.short_answer(resolved.focus, answer, evidence)
        answer.timings["short_answer_ms"] = (time.perf_counter() - t) * 1000
        yield from finish(answer)

    # ---- stages -------------------------------------------------------------------------
    def prepare(self, question: str, history: History = None, filters: Filters | None = None):
        """Condense, retrieve and select evidence: everything before the model runs."""
        s = self.settings.answer
        timings: dict[str, float] = {}
        resolved = standalone_question(question, history, self.llm if s.condense == "llm" and history else None, s)
        retrieved = self.retriever.retrieve(resolved.query, filters)
        if resolved.context:
            # A follow-up is retrieved twice, with and without the earlier question, and the
            # two rankings interleaved: context finds the story, the follow-up its detail.
            focused = self.retriever.retrieve(resolved.focus, filters)
            retrieved = interleave(focused, retrieved, self.retriever.settings.k)
        timings["embed_ms"] = retrieved.embed_ms
        timings["retrieve_ms"] = retrieved.embed_ms + retrieved.search_ms
        t = time.perf_counter()
        selection = self.selector.select(resolved.focus, retrieved.chunks, retrieved.query_vector,
                                         context=resolved.context, standalone=resolved.query)
        timings["evidence_ms"] = (time.perf_counter() - t) * 1000
        return resolved, retrieved, selection, timings

    def abstain_reason(self, selection: Selection, followup: bool = False) -> str | None:
        return abstain_reason(selection, self.settings.answer, followup)

    def short_answer(self, question: str, answer: Answer, evidence: list[Evidence]) -> ShortAnswer | None:
        """The shortest span that answers, verbatim from a sentence the answer cites (so it is
        shown with its citation), or None when only the longer answer fits."""
        if answer.abstained or not answer.citations or not self.settings.answer.short_answers:
            return None
        span = short_answer(question, span_candidates(answer, evidence),
                            embed=span_embedder(self.settings, self.selector.embedder.embed_texts),
                            min_score=self.settings.short_answer.min_score, acts=self.settings.answer.speech_acts)
        if span is None or span.citation is None:
            return None
        return ShortAnswer(text=span.text, citation=span.citation, doc_id=span.doc_id, start=span.doc_start,
                           end=span.doc_end, score=span.score)

    def prompt_messages(self, question: str, evidence: list[Evidence]) -> list:
        return self.writer.prompt_messages(question, evidence)

    def _verify(self, question: str, standalone: str, gen: Generation, evidence: list[Evidence]) -> Answer:
        # A planted instruction never supports a claim and is never cited.
        evidence = [e for e in evidence if not e.instruction]
        s = self.settings
        checked = check_claims(split_claims(gen.text, s.answer.claim_min_words), evidence, self.checker, standalone,
                               own_markers=s.llm.resolved_prompt_style == "cited",
                               claim_relevance=s.answer.claim_relevance)
        supported = [c for c in checked if c.ok]
        if supported:
            return assemble(question, [(c.text, c.cited, c.score, True) for c in supported], mode="generated",
                            note=None)
        if gen.error:
            note = f"The model failed: {gen.error}. Showing the best passages instead."
        elif not gen.text.strip():
            note = "The model returned nothing; showing the best passages instead."
        else:
            note = "The model's answer could not be verified against the articles; showing the best passages instead."
        return self._extractive(question, evidence, note)

    def _extractive(self, question: str, evidence: list[Evidence], note: str | None) -> Answer:
        # The sentences most likely to answer (evidence is ranked by the judge), never an
        # instruction planted in an article, never a question.
        best = quoted(evidence, self.settings.answer)
        if not best:
            return abstained(question, evidence, "no usable passage", self.settings.answer.related_passages)
        # The best sentence's article first, each article in reading order (a paragraph).
        first = best[0].doc_id
        best.sort(key=lambda e: (e.doc_id != first, e.doc_id, e.start))
        return assemble(question, [(e.text, [e], 1.0, True) for e in best], mode="extractive", note=note)


def quoted(evidence: list[Evidence], s: AnswerSettings) -> list[Evidence]:
    """The sentences an extractive answer quotes: the judge's best (evidence comes ranked),
    then the next ones nearly as relevant (settings quote_*_article_relevance); never a
    planted instruction, never a question."""
    usable = [e for e in evidence if not e.instruction and not is_question(e.text)]
    if not usable:
        return []
    top = usable[0]

    def floor(share: float) -> float:
        if share == 0:
            return -math.inf
        # A best relevance of 0 or below gives no scale to be "nearly as relevant" on.
        return top.relevance * share if top.relevance > 0 else math.inf

    same, other = floor(s.quote_same_article_relevance), floor(s.quote_other_article_relevance)
    more = [e for e in usable[1:] if e.relevance >= (same if e.doc_id == top.doc_id else other)]
    return [top, *more][: s.extractive_sentences]


def span_embedder(settings: Settings, embed_texts: Callable[[list[str]], list[list[float]]]
                  ) -> Callable[[list[str]], list[list[float]]] | None:
    """The embedder the short-answer model re-scores spans with, or None for the lexical model:
    its embedding features were fitted on fp32 all-MiniLM-L6-v2 vectors, so only the bundled
    local embeddings qualify, and not their int8 variant (its vectors are its own space and the
    span model was not measured on them). Settings ``short_answer.use_embeddings``."""
    e = settings.embeddings
    fitted_space = e.bundled and e.runtime != "onnx-int8"
    return embed_texts if settings.short_answer.use_embeddings and fitted_space else None


def span_candidates(answer: Answer, evidence: list[Evidence]) -> list[SpanCandidate]:
    """The sentences a short answer may come from: the answer's cited quotes, each with the
    judge's probability that it answers (benchmarks replay this exact input)."""
    p = {(e.doc_id, e.start): e.p_answer or e.relevance for e in evidence}
    return [SpanCandidate(text=c.quote, score=p.get((c.doc_id, c.start), 0.0), start=c.start, doc_id=c.doc_id,
                          citation=c.id) for c in answer.citations]
