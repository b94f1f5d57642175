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
from assistant.evidence import Evidence, EvidenceSelector, Selection
from assistant.models import describe_llm_error, prompt_token_counter
from assistant.prompts import load_prompt
from assistant.retrieval import HybridRetriever, interleave
from assistant.settings import Settings
from assistant.short_answer import Candidate as SpanCandidate
from assistant.short_answer import short_answer
from assistant.text import TokenCounter, holds_answer, proper_nouns, question_type, sentences, terms, words
from assistant.types import Answer, AnswerEvent, AnswerSentence, Citation, ShortAnswer
from assistant.verify import SupportChecker, adds_information

NOT_FOUND = "The articles in the library don't cover this."

_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")


@dataclass
class Generation:
    text: str
    usage: dict[str, int | str]
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
        yield AnswerEvent(type="status", text="Searching the library")
        resolved, _, selection, timings = self.prepare(question, history, filters)
        evidence = selection.evidence
        standalone = resolved.query
        yield AnswerEvent(type="sources", sources=[_citation(e, e.n) for e in evidence if not e.instruction])

        def finish(answer: Answer) -> Iterator[AnswerEvent]:
            answer.timings = {**timings, **answer.timings, "total_ms": (time.perf_counter() - started) * 1000}
            answer.timings.setdefault("generate_ms", 0.0)
            answer.standalone_question = standalone if standalone != question else None
            if selection.p_answerable is not None:
                answer.answerable_score = round(selection.p_answerable, 4)
            # Only verified text is ever shown: the sentences go out after the check.
            for row in answer.sentences:
                yield AnswerEvent(type="sentence", text=_with_markers(row.text, row.citations),
                                  citations=row.citations)
            yield AnswerEvent(type="answer", answer=answer)

        reason = self.abstain_reason(selection)
        if reason:
            yield from finish(self._abstain(question, evidence, reason))
            return

        usable = [e for e in evidence if not e.instruction]
        t = time.perf_counter()
        generation = Generation("", {}, "no usable evidence", None) if not usable else None
        if generation is None:
            yield AnswerEvent(type="status", text=f"Found {len(evidence)} passages; writing and checking the answer")
            for item in self._generate(question, usable):
                if not isinstance(item, str):  # the model's draft is never shown unverified
                    generation = item
        assert generation is not None
        timings["generate_ms"] = (time.perf_counter() - t) * 1000
        if generation.ttft_ms is not None:
            timings["ttft_ms"] = (t - started) * 1000 + generation.ttft_ms
        t = time.perf_counter()
        answer = self._verify(question, standalone, generation, evidence)
        answer.short_answer = self.short_answer(resolved.focus, answer, evidence)
        answer.timings["verify_ms"] = (time.perf_counter() - t) * 1000
        answer.usage = generation.usage
        yield from finish(answer)

    # ---- stages -------------------------------------------------------------------------
    def prepare(self, question: str, history: History = None, filters: Filters | None = None):
        """Condense, retrieve and select evidence: everything before the model runs."""
        s = self.settings.answer
        timings: dict[str, float] = {}
        resolved = standalone_question(question, history, s.condense, self.llm, s.history_turns)
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

    def abstain_reason(self, selection: Selection) -> str | None:
        """Why the library cannot answer, or None: the judge's probability that the best
        passages answer the question is below ``answer.abstain_below`` (an operating point
        chosen on the dev weeks, see settings)."""
        if not selection.evidence:
            return "nothing relevant was retrieved"
        p = selection.p_answerable
        s = self.settings.answer
        if p is not None and p < s.abstain_below:
            return f"the closest passages do not answer it (confidence {p:.0%}, below {s.abstain_below:.0%})"
        if p is not None and selection.unknown_names and p < s.abstain_unknown_name_below:
            return f"no article in the library mentions {', '.join(selection.unknown_names)}"
        return None

    def short_answer(self, question: str, answer: Answer, evidence: list[Evidence]) -> ShortAnswer | None:
        """The shortest span that answers, verbatim from a sentence the answer cites (so it is
        shown with its citation), or None when only the longer answer fits."""
        if answer.abstained or not answer.citations or not self.settings.answer.short_answers:
            return None
        span = short_answer(question, span_candidates(answer, evidence), embed=self.selector.embedder.embed_texts)
        if span is None or span.citation is None:
            return None
        return ShortAnswer(text=span.text, citation=span.citation, doc_id=span.doc_id, start=span.doc_start,
                           end=span.doc_end, score=span.score)

    def prompt_messages(self, question: str, evidence: list[Evidence]) -> list:
        """The exact messages sent to the model (benchmarks replay them on the raw engine)."""
        style = self.settings.llm.resolved_prompt_style
        if style == "compact":
            # One article only: a small model fuses sentences from two stories into one claim.
            top = evidence[0]
            floor = self.settings.answer.claim_relevance * top.relevance
            same = [e for e in evidence if e.doc_id == top.doc_id and e.relevance >= floor]
            chosen = sorted(same[: self.settings.answer.compact_sentences], key=lambda e: e.start)
            inputs = {"passage": " ".join(e.text for e in chosen), "question": question}
        else:
            inputs = {"evidence": "\n".join(f"[{e.n}] ({e.chunk.metadata.get('title', '')}, "
                                            f"{e.chunk.metadata.get('date') or 'undated'}) {e.text}" for e in evidence),
                      "question": question}
        return load_prompt(f"answer_{style}").invoke(inputs).to_messages()

    def fit_messages(self, question: str, evidence: list[Evidence]) -> tuple[list, int]:
        """The prompt, with the lowest-ranked evidence dropped until prompt + answer fit the
        model's context window. Returns (messages, prompt tokens)."""
        count, _ = prompt_token_counter(self.llm, self.count)
        window = self.settings.llm.context_window - self.settings.llm.max_tokens
        kept = list(evidence)
        while True:
            messages = self.prompt_messages(question, kept)
            # ~4 tokens of chat-template framing per message.
            tokens = sum(count(str(m.content)) + 4 for m in messages)
            if tokens <= window or len(kept) <= 1:
                return messages, tokens
            kept = kept[:-1]

    def _generate(self, question: str, evidence: list[Evidence]) -> Iterator[str | Generation]:
        messages, prompt_tokens = self.fit_messages(question, evidence)
        count, tokenizer = prompt_token_counter(self.llm, self.count)
        text, reported, first = "", {}, None
        started = time.perf_counter()

        def usage() -> dict:
            if reported.get("completion_tokens"):
                return {**reported, "tokenizer": "server"}
            return {"prompt_tokens": prompt_tokens, "completion_tokens": count(text) if text else 0,
                    "tokenizer": tokenizer}

        try:
            for chunk in self.llm.stream(messages):
                piece = chunk.content if isinstance(chunk.content, str) else ""
                if chunk.usage_metadata and chunk.usage_metadata.get("output_tokens"):
                    reported = {"prompt_tokens": chunk.usage_metadata.get("input_tokens", 0),
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
            yield Generation(text, usage(), describe_llm_error(exc, self.settings.llm), first)
            return
        yield Generation(text, usage(), None, first)

    def _verify(self, question: str, standalone: str, gen: Generation, evidence: list[Evidence]) -> Answer:
        # A planted instruction never supports a claim and is never cited.
        evidence = [e for e in evidence if not e.instruction]
        style = self.settings.llm.resolved_prompt_style
        claims = _split_claims(gen.text)
        kind = question_type(standalone)
        checked: list[tuple[str, list[Evidence], float, bool]] = []
        if claims:
            passages = [e.text for e in evidence]
            supports = self.checker.check_many([c for c, _ in claims], passages, [e.vector for e in evidence],
                                               question=standalone, groups=[e.doc_id for e in evidence],
                                               contexts=[e.context for e in evidence])
            for (claim, marked), support in zip(claims, supports, strict=True):
                informative = adds_information(claim, standalone)
                cited = [evidence[i] for i in support.passages]
                if style == "cited" and marked:
                    # The model's own markers, when they point at real passages that back it.
                    own = [e for e in evidence if e.n in marked]
                    if own:
                        own_support = self.checker.check_many([claim], [e.text for e in own], question=standalone,
                                                              contexts=[e.context for e in own])[0]
                        if own_support.supported:
                            cited, support = [own[i] for i in own_support.passages], own_support
                # Names the claim uses must appear in the cited articles: "The San Marino
                # parliament decided ..." cited to a passage about Westminster is not supported.
                grounded = bool(cited) and not _names_outside(proper_nouns(claim), cited)
                # Backed by a passage that bears on the question, not merely by some passage.
                relevant = bool(cited) and max(e.relevance for e in cited) >= (
                    self.settings.answer.claim_relevance * evidence[0].relevance)
                ok = (support.supported and informative and grounded and relevant
                      and holds_answer(claim, kind, standalone))
                checked.append((claim, cited if ok else [], support.score, ok))
        supported = [c for c in checked if c[3]]
        note = None
        if gen.error:
            note = f"The model failed: {gen.error}. Showing the best passages instead."
        elif not gen.text.strip():
            note = "The model returned nothing; showing the best passages instead."
        elif not supported:
            note = "The model's answer could not be verified against the articles; showing the best passages instead."
        if not supported:
            return self._extractive(question, evidence, note)
        return _assemble(question, [(text, cites, score, True) for text, cites, score, _ in supported],
                         mode="generated", note=None)

    def _extractive(self, question: str, evidence: list[Evidence], note: str | None) -> Answer:
        # The sentences most likely to answer (evidence is ranked by the judge), never an
        # instruction planted in an article.
        best = [e for e in evidence if not e.instruction][: self.settings.answer.extractive_sentences]
        if not best:
            return self._abstain(question, evidence, "no usable passage")
        # Quote in reading order so the sentences read as a paragraph.
        best.sort(key=lambda e: (e.doc_id, e.start))
        return _assemble(question, [(e.text, [e], 1.0, True) for e in best], mode="extractive", note=note)

    def _abstain(self, question: str, evidence: list[Evidence], reason: str) -> Answer:
        # The closest passages, never a planted instruction.
        related = [_citation(e, i) for i, e in enumerate([e for e in evidence if not e.instruction][:3], start=1)]
        return Answer(question=question, answer=NOT_FOUND, abstained=True, citations=[],
                      related=related, mode="abstained", note=f"Abstained: {reason}.")


def span_candidates(answer: Answer, evidence: list[Evidence]) -> list[SpanCandidate]:
    """The sentences a short answer may come from: the answer's cited quotes, each with the
    judge's probability that it answers (benchmarks replay this exact input)."""
    p = {(e.doc_id, e.start): e.p_answer or e.relevance for e in evidence}
    return [SpanCandidate(text=c.quote, score=p.get((c.doc_id, c.start), 0.0), start=c.start, doc_id=c.doc_id,
                          citation=c.id) for c in answer.citations]


def _names_outside(names: list[str], cited: list[Evidence]) -> list[str]:
    """Names absent from the cited sentences and what just precedes them (who "he" is) and
    their titles. "Trump selected Shanahan as his running mate", cited to a sentence about
    Kennedy selecting her, fails here even though the article mentions Trump elsewhere."""
    pool: set[str] = set()
    for ev in cited:
        pool.update(terms(f"{ev.context} {ev.text}"))
    return [n for n in names if terms(n) and not set(terms(n)) <= pool]


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
_META_PREFIX = re.compile(
    r"^((the )?answer( to (the|your) question)?( \"[^\"]*\"| '[^']*')? is:?|(according to|based on) the "
    r"(passage|article|text|evidence),?|(the )?(passage|article|text|evidence) (says|states|mentions|reports|"
    r"explains)( that)?,?|the main point is( that)?|in summary,?)\s*", re.I)
_META_SENTENCE = re.compile(r"^(the|this) (passage|article|text|evidence|question|answer)\b", re.I)


def _clean_claim(text: str) -> str:
    """One generated sentence without its task talk; "" when it is only task talk."""
    text = text.strip()
    for _ in range(3):
        text = _META_PREFIX.sub("", text).strip()
    if _META_SENTENCE.match(text):
        return ""
    # A whole answer in quotes: the quote is the answer.
    if len(text) > 2 and text[0] in "\"“" and text[-1] in "\"”":
        text = text[1:-1].strip()
    return text[:1].upper() + text[1:]


def _split_claims(text: str) -> list[tuple[str, set[int]]]:
    """Generated text -> sentences with any [n] markers the model wrote removed (and kept)."""
    out = []
    for span in sentences(text.strip()):
        marked = {int(n) for group in _MARKER.findall(span.text) for n in re.split(r"[,;\s]+", group) if n}
        clean = _clean_claim(_MARKER.sub("", span.text))
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
