"""The brief chain: select documents -> read every sentence -> rank -> compose -> verify -> render.

Two ways to write the summary and key points:
- "extractive" (default with the local model): the most central, non-redundant sentences,
  with a news lead bias, quoted verbatim. Every sentence of every selected article is read
  (embedded and scored), so coverage does not depend on retrieval's top k.
- "abstractive": LangChain map-reduce with the chat model (one note per chunk, then a
  combined summary), each sentence verified with the shared support check; a sentence that
  fails is replaced by the source sentence closest to it.
Measured on 200 BBC articles (bench/brief_rouge.py): see the README for why extractive is
the local default.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from langchain_core.output_parsers import StrOutputParser
from pydantic import BaseModel, Field

from assistant.catalog import Catalog, DocumentRow, Filters
from assistant.facts import facts, name_phrases
from assistant.models import CachedEmbeddings
from assistant.prompts import load_prompt
from assistant.settings import BriefSettings
from assistant.text import TokenCounter, sentences, words
from assistant.types import Citation
from assistant.verify import SupportChecker

Progress = Callable[[str, int, int], None]

_FUTURE = re.compile(
    r"\b(will|is expected to|are expected to|is due to|are due to|plans? to|is set to|are set to|"
    r"next (week|month|year)|later this (week|month|year)|scheduled|upcoming|is to|are to)\b", re.I)
_SAID = re.compile(r"\b(said|says|told|warned|added|stated|argued|insisted|explained|urged)\b", re.I)
_QUOTED = re.compile(r"[\"“]([^\"”]{20,})[\"”]")


class BriefPoint(BaseModel):
    text: str
    citations: list[int] = Field(default_factory=list)
    supported: bool = True
    score: float = 1.0


class BriefQuote(BaseModel):
    text: str
    speaker: str | None
    citation: int


class Brief(BaseModel):
    headline: str
    summary: list[BriefPoint]
    key_points: list[BriefPoint]
    who: list[str] = Field(default_factory=list)
    what: str = ""
    when: list[str] = Field(default_factory=list)
    where: list[str] = Field(default_factory=list)
    quotes: list[BriefQuote] = Field(default_factory=list)
    watch: list[BriefPoint] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    documents: list[dict] = Field(default_factory=list)
    mode: str = "extractive"
    note: str | None = None
    timings: dict[str, float] = Field(default_factory=dict)

    @property
    def supported_share(self) -> float:
        points = self.summary + self.key_points + self.watch
        return sum(p.supported for p in points) / len(points) if points else 0.0

    def to_json_dict(self) -> dict:
        return self.model_dump(mode="json")

    def to_markdown(self) -> str:
        def cites(ids: list[int]) -> str:
            return "".join(f"[{i}]" for i in ids)

        out = [f"# {self.headline}", ""]
        out.append(" ".join(f"{p.text} {cites(p.citations)}".strip() for p in self.summary))
        out += ["", "## Key points", ""] + [f"- {p.text} {cites(p.citations)}".rstrip() for p in self.key_points]
        facts = [("Who", ", ".join(self.who)), ("What", self.what), ("When", ", ".join(self.when)),
                 ("Where", ", ".join(self.where))]
        out += ["", "## Who, what, when, where", ""] + [f"- **{k}:** {v}" for k, v in facts if v]
        if self.quotes:
            out += ["", "## Quotes", ""] + [
                f"- “{q.text}” — {q.speaker or 'unattributed'} [{q.citation}]" for q in self.quotes]
        if self.watch:
            out += ["", "## What to watch", ""] + [f"- {p.text} {cites(p.citations)}" for p in self.watch]
        out += ["", "## Sources", ""]
        for c in self.citations:
            out.append(f"{c.id}. {c.title} ({c.date or 'undated'}, {c.source}): “{c.quote}”")
        if self.note:
            out += ["", f"_{self.note}_"]
        return "\n".join(out).rstrip() + "\n"


@dataclass
class _Sentence:
    doc: DocumentRow
    text: str
    start: int
    end: int
    position: float  # 0 = first sentence of its article, 1 = last
    index: int
    vector: np.ndarray | None = None
    score: float = 0.0


class BriefChain:
    def __init__(self, catalog: Catalog, embedder: CachedEmbeddings, checker: SupportChecker,
                 settings: BriefSettings, llm=None, counter: TokenCounter | None = None, retriever=None):
        self.catalog = catalog
        self.embedder = embedder
        self.checker = checker
        self.settings = settings
        self.llm = llm
        self.count = counter
        self.retriever = retriever

    # ---- selecting -------------------------------------------------------------------------
    def select(self, doc_ids: list[str] | None = None, filters: Filters | None = None,
               topic: str | None = None) -> list[DocumentRow]:
        limit = self.settings.max_documents
        if doc_ids:
            rows = {r.doc_id: r for r in self.catalog.list_documents(doc_ids=doc_ids)}
            missing = [d for d in doc_ids if d not in rows]
            if missing:
                raise ValueError(f"no such document: {', '.join(missing)}")
            return [rows[d] for d in doc_ids]
        if topic:
            # Retrieve widely, then keep the articles the top passages come from.
            found = self.retriever.retrieve(topic, filters, k=max(limit * 3, 10)).chunks
            threshold = self.settings.topic_min_similarity
            top_keyword = max((c.metadata.get("keyword") or 0.0 for c in found), default=0.0) or 1.0
            # An article belongs to the topic when a passage is close in meaning, or matches
            # the topic's words nearly as well as the best match does (one shared word is not enough).
            order = list(dict.fromkeys(
                c.metadata["doc_id"] for c in found
                if (c.metadata.get("dense") or 0.0) >= threshold
                or (c.metadata.get("keyword") or 0.0) >= 0.5 * top_keyword))
            if not order:
                raise ValueError(f"no articles in the library match the topic {topic!r}")
            rows = {r.doc_id: r for r in self.catalog.list_documents(doc_ids=order[:limit])}
            return [rows[d] for d in order[:limit] if d in rows]
        rows = self.catalog.list_documents(filters=filters)
        if not rows:
            raise ValueError("no documents match")
        return rows[:limit]

    # ---- the chain ---------------------------------------------------------------------------
    def stream(self, docs: list[DocumentRow], topic: str | None = None, mode: str | None = None
               ) -> Iterator[tuple[str, int, int] | Brief]:
        """Yields ("stage", done, total) progress tuples, then the Brief."""
        mode = mode or self.settings.mode
        timings: dict[str, float] = {}
        started = time.perf_counter()
        if not docs:
            raise ValueError("nothing to brief: no documents selected")
        texts = self.catalog.document_text([d.doc_id for d in docs])
        sents: list[_Sentence] = []
        for n, doc in enumerate(docs, start=1):
            spans = [s for s in sentences(texts[doc.doc_id]) if len(words(s.text)) >= 4]
            for i, span in enumerate(spans):
                sents.append(_Sentence(doc, span.text, span.start, span.end, i / max(1, len(spans) - 1), i))
            yield ("reading", n, len(docs))
        if not sents:
            raise ValueError("the selected documents have no sentences to brief")
        vectors = np.asarray(self.embedder.embed_texts([s.text for s in sents]))
        for s, v in zip(sents, vectors, strict=True):
            s.vector = v
        timings["read_ms"] = (time.perf_counter() - started) * 1000
        self._score(sents, docs, topic)
        yield ("ranking", 1, 1)
        summary_sents = self._pick(sents, self.settings.summary_sentences, exclude=set(),
                                   reading_order=len(docs) == 1)
        points_sents = self._pick(sents, self.settings.key_points, exclude={id(s) for s in summary_sents},
                                  reading_order=False)
        note = None
        registry = _Citations(self.catalog)
        if mode == "abstractive" and self.llm is not None:
            summary, points, note = yield from self._abstractive(docs, texts, sents, registry)
        else:
            summary = [registry.point(s) for s in summary_sents]
            points = [registry.point(s) for s in points_sents]
        quotes = self._quotes(sents, registry, used={id(s) for s in summary_sents + points_sents})
        # Forward-looking sentences, even if the summary already quotes one: a reader scans
        # this section on its own.
        watch = [registry.point(s) for s in self._watch(sents, exclude=set())]
        who, when, where = facts([(x.text, x.position) for x in sents], [d.date for d in docs if d.date])
        headline = self._headline(docs, topic, sents)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        yield Brief(
            headline=headline, summary=summary, key_points=points, who=who,
            what=_display_title(docs[0].title) if len(docs) == 1 else (topic or headline), when=when, where=where,
            quotes=quotes, watch=watch, citations=registry.citations,
            documents=[{"doc_id": d.doc_id, "title": d.title, "date": d.date, "source": d.source} for d in docs],
            mode="abstractive" if mode == "abstractive" and self.llm is not None else "extractive",
            note=note, timings=timings)

    def run(self, docs: list[DocumentRow], topic: str | None = None, mode: str | None = None,
            progress: Progress | None = None) -> Brief:
        for item in self.stream(docs, topic, mode):
            if isinstance(item, Brief):
                return item
            if progress:
                progress(*item)
        raise RuntimeError("brief chain ended without a brief")

    # ---- ranking -----------------------------------------------------------------------------
    def _score(self, sents: list[_Sentence], docs: list[DocumentRow], topic: str | None) -> None:
        """Centrality (cosine to the article's centroid, and to all articles' for sets), a
        lead bias (news puts what matters first), a length prior, topic relevance."""
        s = self.settings
        by_doc: dict[str, list[_Sentence]] = {}
        for x in sents:
            by_doc.setdefault(x.doc.doc_id, []).append(x)
        overall = np.mean([x.vector for x in sents], axis=0)
        overall /= np.linalg.norm(overall) or 1.0
        topic_vec = np.asarray(self.embedder.embed_query(topic)) if topic else None
        for group in by_doc.values():
            centroid = np.mean([x.vector for x in group], axis=0)
            centroid /= np.linalg.norm(centroid) or 1.0
            for x in group:
                n_words = len(words(x.text))
                length = min(1.0, n_words / 12) * (1.0 if n_words <= 45 else 45 / n_words)
                score = float(x.vector @ centroid) + s.lead_weight * (1 - x.position) ** 2 + 0.1 * length
                if x.index == 0:
                    score += s.first_sentence_bonus
                if len(by_doc) > 1:
                    score += 0.5 * float(x.vector @ overall)
                if topic_vec is not None:
                    score += s.topic_weight * float(x.vector @ topic_vec)
                if x.text.endswith("?") or _QUOTED.fullmatch(x.text.strip()):
                    score -= 0.2
                x.score = score

    def _pick(self, sents: list[_Sentence], n: int, exclude: set[int], reading_order: bool) -> list[_Sentence]:
        """Maximal marginal relevance: high score, low similarity to what is already picked."""
        lam = self.settings.mmr_lambda
        chosen: list[_Sentence] = []
        pool = [x for x in sents if id(x) not in exclude]
        while pool and len(chosen) < n:
            def mmr(x: _Sentence) -> float:
                redundancy = max((float(x.vector @ c.vector) for c in chosen), default=0.0)
                return lam * x.score - (1 - lam) * redundancy
            best = max(pool, key=mmr)
            chosen.append(best)
            pool.remove(best)
        if reading_order:
            chosen.sort(key=lambda x: (x.doc.doc_id, x.start))
        return chosen

    def _quotes(self, sents: list[_Sentence], registry: _Citations, used: set[int]) -> list[BriefQuote]:
        """Quoted words with their speaker; failing those, reported speech by a named person
        ("Blinken warned on Wednesday that ...") not already in the summary or key points."""
        ranked = sorted(sents, key=lambda s: -s.score)
        found: list[BriefQuote] = []
        for x in ranked:
            match = _QUOTED.search(x.text)
            if match and len(found) < self.settings.quotes:
                found.append(BriefQuote(text=match.group(1).strip(), speaker=self._speaker(x, sents, match),
                                        citation=registry.add(x)))
        for x in ranked:
            if len(found) >= self.settings.quotes:
                break
            if id(x) in used or _QUOTED.search(x.text) or not _SAID.search(x.text):
                continue
            speaker = self._speaker(x, sents, None)
            if speaker:
                found.append(BriefQuote(text=x.text, speaker=speaker, citation=registry.add(x)))
        return found

    @staticmethod
    def _speaker(x: _Sentence, sents: list[_Sentence], quote_match) -> str | None:
        """A name just before the verb of saying, or after it ("..., said Mr Brown"); for
        "He said", the person named in the sentence before."""
        text = x.text if quote_match is None else x.text[: quote_match.start()] + " " + x.text[quote_match.end():]
        said = _SAID.search(text)
        if not said:
            return None
        before = text[max(0, said.start() - 90) : said.start()]
        names = name_phrases(before)
        if names:
            return names[-1]
        if re.search(r"\b(he|she)\b\s*(also\s*)?$", before.strip(), re.I) or re.match(r"^\W*(he|she)\b", before, re.I):
            previous = [s for s in sents if s.doc is x.doc and s.index == x.index - 1]
            if previous:
                people = name_phrases(previous[0].text)
                return people[0] if people else None
            return None
        after = name_phrases(text[said.end() : said.end() + 50])
        return after[0] if after and quote_match is not None else None

    def _watch(self, sents: list[_Sentence], exclude: set[int]) -> list[_Sentence]:
        future = [x for x in sents if id(x) not in exclude and _FUTURE.search(x.text)]
        return self._pick(future, 2, set(), reading_order=True) if future else []

    @staticmethod
    def _headline(docs: list[DocumentRow], topic: str | None, sents: list[_Sentence]) -> str:
        if len(docs) == 1:
            return _display_title(docs[0].title)
        if topic:
            return f"Brief: {topic.strip().rstrip('?')} ({len(docs)} articles)"
        dates = sorted({d.date for d in docs if d.date})
        span = f", {dates[0]} to {dates[-1]}" if dates else ""
        return f"Brief: {len(docs)} articles{span}"

    # ---- abstractive (map-reduce with LangChain) ----------------------------------------------
    def _abstractive(self, docs, texts, sents, registry):
        """Map: one note per chunk of every article; reduce: a short summary from the notes.
        Every generated sentence is verified against the article's sentences; a failing one is
        replaced by the closest source sentence."""
        map_chain = load_prompt("brief_map") | self.llm | StrOutputParser()
        reduce_chain = load_prompt("brief_reduce") | self.llm | StrOutputParser()
        pieces = [(d, c) for d in docs for c in self.catalog.chunks_of(d.doc_id)]
        notes: list[str] = []
        for n, (doc, chunk) in enumerate(pieces, start=1):
            text = texts[doc.doc_id][chunk.start : chunk.end]
            notes.append(map_chain.invoke({"title": doc.title, "text": text}).strip())
            yield ("summarising", n, len(pieces))
        budget = max(200, (self.llm_context() - 400))
        joined, used = [], 0
        for note in notes:
            cost = self.count(note) if self.count else len(note) // 4
            if used + cost > budget:
                break
            joined.append(f"- {note}")
            used += cost
        summary_text = reduce_chain.invoke({"notes": "\n".join(joined)}).strip()
        yield ("verifying", 1, 1)
        passages = [s.text for s in sents]
        vectors = [s.vector for s in sents]
        out_summary, replaced = [], 0
        claims = [c.text for c in sentences(summary_text) if len(words(c.text)) >= 4][: self.settings.summary_sentences]
        for claim, support in zip(claims, self.checker.check_many(claims, passages, vectors), strict=True):
            best = sents[support.passages[0]] if support.passages else None
            if support.supported and best is not None:
                ids = [registry.add(sents[i]) for i in support.passages]
                out_summary.append(BriefPoint(text=claim, citations=sorted(set(ids)), supported=True,
                                              score=round(support.score, 4)))
            elif best is not None:
                replaced += 1
                out_summary.append(registry.point(best))
        if not out_summary:
            out_summary = [registry.point(s) for s in self._pick(sents, self.settings.summary_sentences, set(), True)]
            replaced = -1
        used_ids = {registry.key(s) for s in sents if registry.key(s) in registry.ids}
        points = [registry.point(s) for s in self._pick(sents, self.settings.key_points,
                                                        {id(s) for s in sents if registry.key(s) in used_ids}, False)]
        note = None
        if replaced == -1:
            note = "No generated sentence could be verified; the summary quotes the articles."
        elif replaced:
            note = f"{replaced} generated sentence(s) could not be verified and were replaced by the source sentence."
        return out_summary, points, note

    def llm_context(self) -> int:
        return getattr(self.llm, "n_ctx", 2048)


def _display_title(title: str) -> str:
    """A scraped title without its site or section tag ("... Warning Ties | Taliban News")."""
    head, sep, _ = title.rpartition(" | ")
    return head.strip() if sep and len(head.split()) >= 3 else title


class _Citations:
    """Numbers cited passages by first use; each passage becomes a Citation like in answers."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.ids: dict[tuple[str, int], int] = {}
        self.citations: list[Citation] = []
        self._chunks: dict[str, list] = {}

    @staticmethod
    def key(s: _Sentence) -> tuple[str, int]:
        return (s.doc.doc_id, s.start)

    def add(self, s: _Sentence) -> int:
        key = self.key(s)
        if key not in self.ids:
            self.ids[key] = len(self.ids) + 1
            chunks = self._chunks.setdefault(s.doc.doc_id, self.catalog.chunks_of(s.doc.doc_id))
            chunk_id = next((c.chunk_id for c in chunks if c.start <= s.start and s.end <= c.end),
                            next((c.chunk_id for c in chunks if c.start <= s.start < c.end), ""))
            self.citations.append(Citation(id=self.ids[key], doc_id=s.doc.doc_id, title=s.doc.title,
                                           date=s.doc.date, source=s.doc.source, chunk_id=chunk_id,
                                           quote=s.text, start=s.start, end=s.end))
        return self.ids[key]

    def point(self, s: _Sentence) -> BriefPoint:
        return BriefPoint(text=s.text, citations=[self.add(s)], supported=True, score=1.0)
