"""Abstractive summaries: LangChain map-reduce with the chat model, every sentence verified.

Map: one note per chunk of every article; reduce: a short summary from as many notes as fit
the model's context window (less ``BriefSettings.reduce_reserve_tokens`` for the prompt and the answer).
The window is the model's own when it reports one (llama.cpp: ``n_ctx``), else the setting
``llm.context_window`` (an OpenAI-compatible server reports none). Each generated sentence
goes through the shared support check against the articles' sentences; a failing one is
replaced by the source sentence closest to it, and the brief's note says how many were
replaced (or that none could be kept and the summary quotes the articles). A model that
errors out, or a support check that cannot run, also falls back to the extractive summary,
with a note saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Sequence
from typing import TYPE_CHECKING

from assistant.brief.render import BriefPoint
from assistant.brief.select import near_duplicate
from assistant.errors import ModelError
from assistant.judge.instructions import without_planted
from assistant.settings import BriefSettings
from assistant.text import sentences, words
from assistant.types import BriefProgress

if TYPE_CHECKING:
    from assistant.brief.citations import CitationRegistry
    from assistant.brief.reading import BriefSentence
    from assistant.catalog import DocumentRow
    from assistant.verify import SupportChecker

log = logging.getLogger(__name__)
_DEFAULT = BriefSettings()  # defaults of the parameters below; the chain passes its settings
Count = Callable[[str], int]
Written = tuple[list[BriefPoint], str | None]  # summary points, and the note the brief shows


def context_window(llm, configured: int) -> int:
    """Tokens the model reads: its own window when it reports one (llama.cpp's ``n_ctx``),
    else the configured ``llm.context_window``."""
    n_ctx = getattr(llm, "n_ctx", None)
    return n_ctx if isinstance(n_ctx, int) and n_ctx > 0 else configured


def fit_notes(notes: Sequence[str], window: int, count: Count | None = None,
              reserve: int = _DEFAULT.reduce_reserve_tokens, min_budget: int = _DEFAULT.reduce_min_tokens) -> str:
    """The reduce step's input: the notes, in order, as a bullet list, while they fit the window
    less ``reserve`` tokens, but ``min_budget`` tokens however small the window (``count``: the
    model's token counter; about four characters a token without one)."""
    budget = max(min_budget, window - reserve)
    joined, used = [], 0
    for note in notes:
        cost = count(note) if count else len(note) // 4
        if used + cost > budget:
            break
        joined.append(f"- {note}")
        used += cost
    return "\n".join(joined)


def abstractive_summary(llm, window: int, count: Count | None, catalog, checker: SupportChecker,
                        docs: Sequence[DocumentRow], texts: dict[str, str],
                        sents: Sequence[BriefSentence], registry: CitationRegistry,
                        extractive: Sequence[BriefSentence], s: BriefSettings = _DEFAULT
                        ) -> Generator[BriefProgress, None, Written]:
    """Yields progress, returns (summary points, note). ``extractive``: the sentences of the
    extractive summary, for the fallback; ``s``: at most ``summary_sentences``, the reduce
    budget and what a checkable sentence and a near-duplicate are."""
    from langchain_core.output_parsers import StrOutputParser

    from assistant.prompts import load_prompt

    try:
        map_chain = load_prompt("brief_map") | llm | StrOutputParser()
        reduce_chain = load_prompt("brief_reduce") | llm | StrOutputParser()
        pieces = [(d, c) for d in docs for c in catalog.chunks_of(d.doc_id)]
        notes: list[str] = []
        for n, (doc, chunk) in enumerate(pieces, start=1):
            # A sentence that may be planted for a machine reader is never put in front of the model.
            text = without_planted(texts[doc.doc_id][chunk.start: chunk.end])
            notes.append(map_chain.invoke({"title": doc.title, "text": text}).strip())
            yield BriefProgress("summarising", n, len(pieces))
        summary_text = reduce_chain.invoke({"notes": fit_notes(notes, window, count, s.reduce_reserve_tokens,
                                                               s.reduce_min_tokens)}).strip()
    except Exception as exc:  # any model failure falls back to the extractive summary, and says so
        log.warning("abstractive summary not written: %s: %s", type(exc).__name__, exc)
        return registry.points(extractive), ("The model could not write a summary (see the log); "
                                             "the summary quotes the source sentences instead.")
    yield BriefProgress("verifying", 1, 1)
    return verified(summary_text, checker, s.summary_sentences, sents, registry, extractive,
                    s.sentence_min_words, s.duplicate_containment)


def verified(summary_text: str, checker: SupportChecker, max_sentences: int, sents: Sequence[BriefSentence],
             registry: CitationRegistry, extractive: Sequence[BriefSentence],
             min_words: int = _DEFAULT.sentence_min_words,
             containment: float = _DEFAULT.duplicate_containment) -> Written:
    """The model's sentences (of ``min_words`` or more) that the articles support, each citing
    its passages; a failing one replaced by its closest source sentence; all replaced (or none
    left): the extractive summary. Near-duplicates (``containment``) are kept once."""
    out, replaced, kept = [], 0, []
    claims = [c.text for c in sentences(summary_text) if len(words(c.text)) >= min_words][:max_sentences]
    try:
        checks = checker.check_many(claims, [x.text for x in sents], [x.vector for x in sents])
    except ModelError as exc:  # the check could not run: nothing unchecked is shown, the quotes are
        log.warning("abstractive summary not checked: %s", exc)
        return registry.points(extractive), (
            "The model's summary could not be checked against the articles (a model the support "
            "check needs failed; see the log); the summary quotes the source sentences instead "
            "(extractive fallback).")
    for claim, support in zip(claims, checks, strict=True):
        best = sents[support.passages[0]] if support.passages else None
        if support.supported and best is not None:
            ids = sorted({registry.add(sents[i]) for i in support.passages})
            point = BriefPoint(text=claim, citations=ids, supported=True, score=round(support.score, 4))
        elif best is not None:
            replaced += 1
            point = registry.point(best)
        else:
            continue
        if any(near_duplicate(point.text, k, containment=containment) for k in kept):
            continue
        kept.append(point.text)
        out.append(point)
    if not out or replaced == len(out):
        return registry.points(extractive), (
            "No sentence the model wrote could be verified against the articles; "
            "the summary quotes the source sentences instead (extractive fallback).")
    note = None
    if replaced:
        note = (f"{replaced} of {len(out)} generated sentence(s) could not be verified and were replaced "
                "by the source sentence they were closest to.")
    return out, note
