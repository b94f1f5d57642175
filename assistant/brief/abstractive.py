"""Abstractive summaries: LangChain map-reduce with the chat model, every sentence verified.

Map: one note per chunk of every article; reduce: a short summary from the notes. Each
generated sentence goes through the shared support check against the articles' sentences; a
failing one is replaced by the source sentence closest to it, and the brief's note says how
many were replaced (or that none could be kept and the summary quotes the articles). A model
that errors out also falls back to the extractive summary, with a note saying so.
"""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser

from assistant.brief.render import BriefPoint
from assistant.brief.select import near_duplicate
from assistant.prompts import load_prompt
from assistant.text import sentences, words


def abstractive_summary(chain, docs, texts, sents, registry, extractive):
    """Generator: progress tuples, then returns (summary points, note). ``extractive``: the
    sentences the extractive summary would use, for the fallback."""
    s = chain.settings
    try:
        map_chain = load_prompt("brief_map") | chain.llm | StrOutputParser()
        reduce_chain = load_prompt("brief_reduce") | chain.llm | StrOutputParser()
        pieces = [(d, c) for d in docs for c in chain.catalog.chunks_of(d.doc_id)]
        notes: list[str] = []
        for n, (doc, chunk) in enumerate(pieces, start=1):
            text = texts[doc.doc_id][chunk.start: chunk.end]
            notes.append(map_chain.invoke({"title": doc.title, "text": text}).strip())
            yield ("summarising", n, len(pieces))
        budget = max(200, chain.llm_context() - 400)
        joined, used = [], 0
        for note in notes:
            cost = chain.count(note) if chain.count else len(note) // 4
            if used + cost > budget:
                break
            joined.append(f"- {note}")
            used += cost
        summary_text = reduce_chain.invoke({"notes": "\n".join(joined)}).strip()
    except Exception as exc:  # any model failure falls back to the extractive summary, and says so
        note = (f"The model could not write a summary ({type(exc).__name__}); "
                "the summary quotes the source sentences instead.")
        return [registry.point(x) for x in extractive], note
    yield ("verifying", 1, 1)
    passages = [x.text for x in sents]
    vectors = [x.vector for x in sents]
    out, replaced, kept = [], 0, []
    claims = [c.text for c in sentences(summary_text) if len(words(c.text)) >= 4][: s.summary_sentences]
    for claim, support in zip(claims, chain.checker.check_many(claims, passages, vectors), strict=True):
        best = sents[support.passages[0]] if support.passages else None
        if support.supported and best is not None:
            ids = sorted({registry.add(sents[i]) for i in support.passages})
            point = BriefPoint(text=claim, citations=ids, supported=True, score=round(support.score, 4))
        elif best is not None:
            replaced += 1
            point = registry.point(best)
        else:
            continue
        if any(near_duplicate(point.text, k) for k in kept):
            continue
        kept.append(point.text)
        out.append(point)
    if not out or replaced == len(out):
        return [registry.point(x) for x in extractive], (
            "No sentence the model wrote could be verified against the articles; "
            "the summary quotes the source sentences instead (extractive fallback).")
    note = None
    if replaced:
        note = (f"{replaced} of {len(out)} generated sentence(s) could not be verified and were replaced "
                "by the source sentence they were closest to.")
    return out, note
