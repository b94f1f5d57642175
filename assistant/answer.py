"""The question-answering chain:
condense follow-up -> retrieve -> evidence -> (abstain?) -> generate -> verify -> cite.

Whatever model answers, what reaches the user is either model sentences that passed the
support check, each citing the passages that back it, or, when none pass, the best
evidence sentences quoted verbatim (the extractive fallback), or an honest abstention.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel

from assistant.catalog import Filters
from assistant.conversation import History, standalone_question
from assistant.evidence import Evidence, EvidenceSelector
from assistant.prompts import load_prompt
from assistant.retrieval import HybridRetriever
from assistant.settings import Settings
from assistant.text import TokenCounter, sentences, words
from assistant.types import Answer, AnswerEvent, AnswerSentence, Citation
from assistant.verify import SupportChecker, adds_information

NOT_FOUND = "The articles in the library don't cover this."

_QUANTITY = re.compile(
    r"\bhow (much|many|old|long|far|big|large|tall|high)\b|\bwhat (percentage|percent|share|proportion|"
    r"number|amount|sum|price|cost|figure|total)\b", re.I)
_TIME = re.compile(r"^\W*(when|what (year|date|day|month|time)|in (what|which) (year|month))\b|\bwhat year\b", re.I)
_NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "dozen", "dozens", "hundred", "hundreds", "thousand", "thousands", "million", "millions",
    "billion", "billions", "trillion", "half", "third", "quarter", "double", "twice",
}
_TIME_WORDS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "yesterday", "today", "tomorrow", "ago", "since", "until", "week",
    "month", "year", "years", "decade", "century", "spring", "summer", "autumn", "winter",
}
_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")


@dataclass
class Generation:
    text: str
    usage: dict[str, int]
    error: str | None
    ttft_ms: float | None


class QAChain:
    def __init__(self, settings: Settings, retriever: HybridRetriever, selector: EvidenceSelector,
                 checker: SupportChecker, llm: BaseChatModel, counter: TokenCounter):
        self.settings = settings
        self.retriever = retriever
        self.selector = selector
        self.checker = checker
        self.llm = llm
        self.count = counter

    # ---- public -------------------------------------------------------------------------
    def invoke(self, question: str, history: History = None, filters: Filters | None = None) -> Answer:
        answer = None
        for event in self.stream(question, history, filters):
            if event.type == "answer":
                answer = event.answer
        assert answer is not None
        return answer

    def stream(self, question: str, history: History = None, filters: Filters | None = None
               ) -> Iterator[AnswerEvent]:
        started = time.perf_counter()
        question = question.strip()
        resolved, _retrieved, evidence, timings = self.prepare(question, history, filters)
        standalone = resolved.query
        yield AnswerEvent(type="sources", sources=[_citation(e, e.n) for e in evidence])

        def finish(answer: Answer) -> AnswerEvent:
            answer.timings = {**timings, **answer.timings, "total_ms": (time.perf_counter() - started) * 1000}
            answer.timings.setdefault("generate_ms", 0.0)
            answer.standalone_question = standalone if standalone != question else None
            return AnswerEvent(type="answer", answer=answer)

        reason = self.abstain_reason(resolved.focus, evidence)
        if reason:
            yield finish(self._abstain(question, evidence, reason))
            return

        usable = [e for e in evidence if not e.instruction]
        t = time.perf_counter()
        generation = Generation("", {}, "no usable evidence", None) if not usable else None
        if generation is None:
            for item in self._generate(question, usable):
                if isinstance(item, str):
                    yield AnswerEvent(type="token", text=item)
                else:
                    generation = item
        assert generation is not None
        timings["generate_ms"] = (time.perf_counter() - t) * 1000
        if generation.ttft_ms is not None:
            timings["ttft_ms"] = (t - started) * 1000 + generation.ttft_ms
        t = time.perf_counter()
        answer = self._verify(question, standalone, generation, evidence)
        answer.timings["verify_ms"] = (time.perf_counter() - t) * 1000
        answer.usage = generation.usage
        yield finish(answer)

    # ---- stages -------------------------------------------------------------------------
    def prepare(self, question: str, history: History = None, filters: Filters | None = None):
        """Condense, retrieve and select evidence: everything before the model runs."""
        s = self.settings.answer
        timings: dict[str, float] = {}
        resolved = standalone_question(question, history, s.condense, self.llm, s.history_turns)
        retrieved = self.retriever.retrieve(resolved.query, filters)
        timings["embed_ms"] = retrieved.embed_ms
        timings["retrieve_ms"] = retrieved.embed_ms + retrieved.search_ms
        t = time.perf_counter()
        evidence = self.selector.select(resolved.focus, retrieved.chunks, retrieved.query_vector,
                                        context=resolved.context)
        timings["evidence_ms"] = (time.perf_counter() - t) * 1000
        return resolved, retrieved, evidence, timings

    def abstain_reason(self, question: str, evidence: list[Evidence]) -> str | None:
        threshold = self.settings.answer.abstain_threshold
        relevant = [e for e in evidence if e.relevance >= threshold]
        if not evidence:
            return "nothing relevant was retrieved"
        if not relevant:
            return f"closest passage relevance {evidence[0].relevance:.2f} is below {threshold:.2f}"
        top = " ".join(e.text for e in relevant[:3])
        tokens = set(words(top))
        if _QUANTITY.search(question) and not (re.search(r"\d", top) or tokens & _NUMBER_WORDS):
            return "the question asks for a quantity and no relevant passage gives one"
        if _TIME.search(question) and not (re.search(r"\b(1[89]|20)\d\d\b", top) or tokens & _TIME_WORDS):
            return "the question asks when and no relevant passage gives a time"
        return None

    def prompt_messages(self, question: str, evidence: list[Evidence]) -> list:
        """The exact messages sent to the model (benchmarks replay them on the raw engine)."""
        style = self.settings.llm.resolved_prompt_style
        if style == "compact":
            # One article only: a small model fuses sentences from two stories into one claim.
            top = evidence[0]
            same = [e for e in evidence if e.doc_id == top.doc_id]
            chosen = sorted(same[: self.settings.answer.compact_sentences], key=lambda e: e.start)
            inputs = {"passage": " ".join(e.text for e in chosen), "question": question}
        else:
            inputs = {"evidence": "\n".join(f"[{e.n}] ({e.chunk.metadata.get('title', '')}, "
                                            f"{e.chunk.metadata.get('date') or 'undated'}) {e.text}" for e in evidence),
                      "question": question}
        return load_prompt(f"answer_{style}").invoke(inputs).to_messages()

    def _generate(self, question: str, evidence: list[Evidence]) -> Iterator[str | Generation]:
        messages = self.prompt_messages(question, evidence)
        text, usage, first = "", {}, None
        started = time.perf_counter()
        try:
            for chunk in self.llm.stream(messages):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if chunk.usage_metadata:
                    usage = {"prompt_tokens": chunk.usage_metadata.get("input_tokens", 0),
                             "completion_tokens": chunk.usage_metadata.get("output_tokens", 0)}
                if not piece:
                    continue
                if first is None:
                    first = (time.perf_counter() - started) * 1000
                text += piece
                yield piece
                if time.perf_counter() - started > self.settings.llm.max_seconds or _degenerate(text):
                    break
        except Exception as exc:  # any backend failure -> extractive answer with a note
            yield Generation(text, usage, f"{type(exc).__name__}: {exc}", first)
            return
        yield Generation(text, usage, None, first)

    def _verify(self, question: str, standalone: str, gen: Generation, evidence: list[Evidence]) -> Answer:
        style = self.settings.llm.resolved_prompt_style
        claims = _split_claims(gen.text)
        checked: list[tuple[str, list[Evidence], float, bool]] = []
        if claims:
            passages = [e.text for e in evidence]
            supports = self.checker.check_many([c for c, _ in claims], passages, [e.vector for e in evidence],
                                               question=standalone, groups=[e.doc_id for e in evidence])
            for (claim, marked), support in zip(claims, supports, strict=True):
                informative = adds_information(claim, standalone)
                cited = [evidence[i] for i in support.passages]
                if style == "cited" and marked:
                    # The model's own markers, when they point at real passages that back it.
                    own = [e for e in evidence if e.n in marked]
                    if own:
                        own_support = self.checker.check(claim, [e.text for e in own], question=standalone)
                        if own_support.supported:
                            cited, support = [own[i] for i in own_support.passages], own_support
                ok = support.supported and informative
                checked.append((claim, cited if ok else [], support.score, ok))
        supported = [c for c in checked if c[3]]
        note = None
        if gen.error:
            note = f"The model failed ({gen.error}); showing the best passages instead."
        elif not gen.text.strip():
            note = "The model returned nothing; showing the best passages instead."
        elif not supported:
            note = "The model's answer could not be verified against the articles; showing the best passages instead."
        if not supported:
            return self._extractive(question, evidence, note)
        return _assemble(question, [(text, cites, score, True) for text, cites, score, _ in supported],
                         mode="generated", note=None)

    def _extractive(self, question: str, evidence: list[Evidence], note: str | None) -> Answer:
        threshold = self.settings.answer.abstain_threshold
        best = [e for e in evidence if e.relevance >= threshold and not e.instruction]
        best = best[: self.settings.answer.extractive_sentences] or [e for e in evidence if not e.instruction][:1]
        if not best:
            return self._abstain(question, evidence, "no usable passage")
        # Quote in reading order so the sentences read as a paragraph.
        best.sort(key=lambda e: (e.doc_id, e.start))
        return _assemble(question, [(e.text, [e], 1.0, True) for e in best], mode="extractive", note=note)

    def _abstain(self, question: str, evidence: list[Evidence], reason: str) -> Answer:
        related = [_citation(e, i) for i, e in enumerate(evidence[:3], start=1)]
        return Answer(question=question, answer=NOT_FOUND, abstained=True, citations=[],
                      related=related, mode="abstained", note=f"Abstained: {reason}.")


def _assemble(question: str, items: list[tuple[str, list[Evidence], float, bool]], mode: str,
              note: str | None) -> Answer:
    """Number citations by first appearance and put markers at the end of each sentence."""
    ids: dict[tuple[str, int], int] = {}
    citations: list[Citation] = []
    parts: list[str] = []
    rows: list[AnswerSentence] = []
    for text, cites, score, ok in items:
        numbers = []
        for ev in cites:
            key = (ev.doc_id, ev.start)
            if key not in ids:
                ids[key] = len(ids) + 1
                citations.append(_citation(ev, ids[key]))
            numbers.append(ids[key])
        numbers = sorted(set(numbers))
        parts.append(_with_markers(text, numbers))
        rows.append(AnswerSentence(text=text, citations=numbers, supported=ok, score=round(score, 4)))
    return Answer(question=question, answer=" ".join(parts), abstained=False, citations=citations,
                  sentences=rows, mode=mode, note=note)


def _with_markers(text: str, numbers: list[int]) -> str:
    markers = "".join(f"[{n}]" for n in numbers)
    text = text.strip()
    if text and text[-1] in ".!?" and markers:
        return f"{text[:-1]} {markers}{text[-1]}"
    return f"{text} {markers}".strip()


def _citation(ev: Evidence, number: int) -> Citation:
    m = ev.chunk.metadata
    return Citation(id=number, doc_id=m["doc_id"], title=m.get("title") or "", date=m.get("date"),
                    source=m.get("source") or "", chunk_id=m.get("chunk_id") or ev.chunk.id or "",
                    quote=ev.text, start=ev.start, end=ev.end)


# Small models wrap answers in talk about the task; the wrapper is not a claim.
_META = [
    re.compile(r"^(the )?(passage|article|text|evidence) (is|was) (quoted|taken) from[^.]*\.\s*", re.I),
    re.compile(r"^(the )?(passage|article|text|evidence) (says|states|mentions|reports)( that)?,?\s*", re.I),
    re.compile(r"^(the )?answer( to the question)?( \"[^\"]*\"| '[^']*')? is:?\s*", re.I),
    re.compile(r"^(according to|based on) the (passage|article|text|evidence),?\s*", re.I),
]


def _clean_generation(text: str) -> str:
    text = text.strip()
    for _ in range(3):
        for pattern in _META:
            text = pattern.sub("", text).strip()
    # A whole answer in quotes: the quote is the answer.
    if len(text) > 2 and text[0] in "\"“" and text[-1] in "\"”":
        text = text[1:-1].strip()
    return text


def _split_claims(text: str) -> list[tuple[str, set[int]]]:
    """Generated text -> sentences with any [n] markers the model wrote removed (and kept)."""
    out = []
    for span in sentences(_clean_generation(text)):
        marked = {int(n) for group in _MARKER.findall(span.text) for n in re.split(r"[,;\s]+", group) if n}
        clean = _MARKER.sub("", span.text).strip()
        if len(words(clean)) >= 3:
            out.append((clean, marked))
    return out


def _degenerate(text: str) -> bool:
    """Endless repetition: the same 4-word run three times."""
    tokens = text.lower().split()
    if len(tokens) < 12:
        return False
    tail = " ".join(tokens[-4:])
    return " ".join(tokens).count(tail) >= 3
