"""The brief chain: select articles -> read every sentence -> drop furniture -> rank -> choose
-> quotes, timeline, disagreements -> verify -> render.

Summary and key points are chosen extractively by default: each sentence gets the learned
probability that a summary would include it (rank.py: position, length, centrality, title
overlap and the article's style), then a greedy choice within a word budget with no
near-duplicates and no sentence that refers back without its antecedent (select.py).
Measured against Lead-3 and a length-matched Lead-N on BBC test and the CNN/DM dev articles:
bench/brief_rouge.py, tables in the README. "abstractive" mode writes with the model and
verifies (abstractive.py). Topic and set briefs group their articles into stories, give a
dated timeline and say where the articles disagree on a figure (timeline.py).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from assistant.brief.abstractive import abstractive_summary
from assistant.brief.quotes import find_quotes
from assistant.brief.rank import ArticleSentences, score_article
from assistant.brief.render import (
    Brief,
    BriefPoint,
    BriefQuote,
    Disagreement,
    DisagreementSide,
    SourceGroup,
    Story,
    TimelineEntry,
)
from assistant.brief.select import Candidate, admissible, choose, near_duplicate, refers_back
from assistant.brief.timeline import FoundDate, conflicts, group_stories, resolve_dates, when_line
from assistant.catalog import Catalog, DocumentRow, Filters
from assistant.facts import facts
from assistant.models import CachedEmbeddings
from assistant.settings import BriefSettings
from assistant.text import TokenCounter, sentences, words
from assistant.types import Citation
from assistant.verify import SupportChecker

Progress = Callable[[str, int, int], None]

_FUTURE = re.compile(
    r"\b(will|is expected to|are expected to|is due to|are due to|plans? to|is set to|are set to|"
    r"next (week|month|year)|later this (week|month|year)|scheduled|upcoming|is to|are to)\b", re.I)


@dataclass
class _Sentence:
    doc: DocumentRow
    doc_rank: int
    text: str
    start: int
    end: int
    index: int        # among the article's admissible sentences
    position: float   # 0 = first, 1 = last
    vector: np.ndarray | None = None
    prob: float = 0.0
    score: float = 0.0

    @property
    def key(self) -> tuple[str, int]:
        return (self.doc.doc_id, self.index)


def summary_budget(settings: BriefSettings, article_words: int) -> int:
    """Words for a one-article summary: ``summary_words_ratio`` of the article, kept within
    [summary_words_min, summary_words_max] (equal bounds make it fixed)."""
    budget = round(settings.summary_words_ratio * article_words)
    return int(min(settings.summary_words_max, max(settings.summary_words_min, budget)))


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

    # ---- selecting articles ----------------------------------------------------------------
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
            # Every article on the topic, not the best one: retrieve widely (the retriever caps
            # passages per article, so many articles come back), then cut on relevance.
            found = self.retriever.retrieve(topic, filters, k=self.settings.topic_k).chunks
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
        s = self.settings
        timings: dict[str, float] = {}
        started = time.perf_counter()
        if not docs:
            raise ValueError("nothing to brief: no documents selected")
        texts = self.catalog.document_text([d.doc_id for d in docs])
        every_by_doc: dict[str, list] = {}
        sents: list[_Sentence] = []
        all_texts: dict[str, list[str]] = {}
        article_words = 0
        for rank, doc in enumerate(docs):
            every = sentences(texts[doc.doc_id])
            spans = [x for x in every if admissible(x.text)]
            all_texts[doc.doc_id] = [x.text for x in every]  # context for quote attribution
            every_by_doc[doc.doc_id] = every
            article_words += sum(len(words(x.text)) for x in spans)
            for i, span in enumerate(spans):
                sents.append(_Sentence(doc, rank, span.text, span.start, span.end, i, i / max(1, len(spans) - 1)))
            yield ("reading", rank + 1, len(docs))
        if not sents:
            raise ValueError("the selected documents have no sentences to brief")
        titles = [_display_title(d.title) for d in docs]
        vectors = np.asarray(self.embedder.embed_texts([x.text for x in sents] + titles))
        for x, v in zip(sents, vectors[: len(sents)], strict=True):
            x.vector = v
        title_vecs = vectors[len(sents):]
        timings["read_ms"] = (time.perf_counter() - started) * 1000

        by_doc: dict[str, list[_Sentence]] = {}
        for x in sents:
            by_doc.setdefault(x.doc.doc_id, []).append(x)
        topic_vec = np.asarray(self.embedder.embed_query(topic)) if topic else None
        for rank, doc in enumerate(docs):
            group = by_doc.get(doc.doc_id, [])
            if not group:
                continue
            probs = score_article(ArticleSentences([x.text for x in group], np.asarray([x.vector for x in group]),
                                                   titles[rank], title_vecs[rank]))
            for x, p in zip(group, probs, strict=True):
                x.prob = float(p)
                x.score = x.prob + (s.topic_weight * float(x.vector @ topic_vec) if topic_vec is not None else 0.0)
        yield ("ranking", 1, 1)

        cands = {id(x): self._candidate(x) for x in sents}
        single = len(docs) == 1
        budget = summary_budget(s, article_words) if single else s.set_summary_words
        summary_c = choose([cands[id(x)] for x in sents], budget, s.summary_sentences, s.redundancy)
        # Stories (sets and topics): articles about one event, so key points and the timeline
        # span events instead of repeating the biggest one.
        stories, story_of = self._stories(docs, by_doc) if not single else ([], {})
        points_c = self._key_points(sents, cands, summary_c, story_of)
        registry = _Citations(self.catalog)
        by_key = {x.key: x for x in sents}
        note = None
        used_mode = "extractive"
        if mode == "abstractive":
            if self.llm is None:
                summary = [registry.point(by_key[c.key]) for c in summary_c]
                note = ("Abstractive mode needs a language model and none is configured; "
                        "the summary quotes the source sentences instead.")
            else:
                used_mode = "abstractive"
                summary, note = yield from abstractive_summary(self, docs, texts, sents, registry,
                                                               [by_key[c.key] for c in summary_c])
        else:
            summary = [registry.point(by_key[c.key]) for c in summary_c]
        points = [registry.point(by_key[c.key]) for c in points_c]
        self._verify(summary + points, registry)
        quotes = self._quotes(docs, by_doc, all_texts, every_by_doc, registry)
        watch = [registry.point(by_key[c.key]) for c in self._watch(sents, cands, summary_c + points_c)]
        timeline = self._timeline(sents, registry) if not single else []
        disagreements = self._disagreements(sents, story_of, registry) if not single else []
        who, _, where = facts([(x.text, x.position) for x in sents], [d.date for d in docs if d.date])
        found_dates = [f for x in sents for f in resolve_dates(x.text, x.doc.date)]
        when = when_line([d.date for d in docs if d.date], found_dates)
        headline = self._headline(docs, topic)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        yield Brief(
            headline=headline, summary=summary, key_points=points, who=who,
            what=_display_title(docs[0].title) if single else (topic or headline), when=when, where=where,
            quotes=quotes, watch=watch, citations=registry.citations,
            documents=[{"doc_id": d.doc_id, "title": d.title, "date": d.date, "source": d.source} for d in docs],
            mode=used_mode, note=note, timings=timings, based_on=_based_on(docs), stories=stories,
            timeline=timeline, disagreements=disagreements, sources=registry.groups())

    def run(self, docs: list[DocumentRow], topic: str | None = None, mode: str | None = None,
            progress: Progress | None = None) -> Brief:
        for item in self.stream(docs, topic, mode):
            if isinstance(item, Brief):
                return item
            if progress:
                progress(*item)
        raise RuntimeError("brief chain ended without a brief")

    # ---- parts -------------------------------------------------------------------------------
    @staticmethod
    def _candidate(x: _Sentence) -> Candidate:
        return Candidate(key=x.key, text=x.text, vector=x.vector, score=x.score, order=(x.doc_rank, x.index),
                         previous=(x.doc.doc_id, x.index - 1) if x.index > 0 else None)

    def _key_points(self, sents, cands, summary_c, story_of) -> list[Candidate]:
        """Standalone sentences not in the summary; for sets, the best of each story first."""
        s = self.settings
        pool = [cands[id(x)] for x in sents]
        first: list[Candidate] = []
        if story_of:
            best_per_story: dict[int, _Sentence] = {}
            for x in sents:
                g = story_of[x.doc.doc_id]
                if refers_back(x.text):
                    continue
                if g not in best_per_story or x.score > best_per_story[g].score:
                    best_per_story[g] = x
            first = choose([cands[id(x)] for x in best_per_story.values()], 10**6, s.key_points, 0.0,
                           exclude=summary_c, reading_order=False, standalone=True)
        rest = choose(pool, 10**6, s.key_points - len(first), s.redundancy, exclude=list(summary_c) + first,
                      reading_order=False, standalone=True)
        return first + rest

    def _stories(self, docs, by_doc) -> tuple[list[Story], dict[str, int]]:
        centroids = []
        for d in docs:
            group = by_doc.get(d.doc_id) or []
            if not group:
                centroids.append(np.zeros_like(next(iter(by_doc.values()))[0].vector))
                continue
            weights = np.asarray([x.prob for x in group]) + 1e-6
            c = (np.asarray([x.vector for x in group]) * weights[:, None]).sum(axis=0)
            centroids.append(c / (np.linalg.norm(c) or 1.0))
        groups = group_stories(np.asarray(centroids), self.settings.story_min_cosine)
        stories, story_of = [], {}
        for g, members in enumerate(groups):
            rows = [docs[i] for i in members]
            for r in rows:
                story_of[r.doc_id] = g
            stories.append(Story(title=_display_title(rows[0].title), doc_ids=[r.doc_id for r in rows],
                                 dates=sorted({r.date for r in rows if r.date})))
        return stories, story_of

    def _verify(self, points: list[BriefPoint], registry: _Citations) -> None:
        """The shared support check on every summary sentence and key point, against the
        passages each cites (an extractive point cites itself; the check still runs)."""
        if not points:
            return
        quotes = {c.id: c.quote for c in registry.citations}
        for p in points:
            passages = [quotes[i] for i in p.citations if i in quotes]
            if not passages:
                p.supported = False
                continue
            support = self.checker.check(p.text, passages)
            # A sentence that is its own cited passage is supported by identity. The check can
            # still fail one on tokenisation ("737-900ER": the name rule sees "ER", the term
            # index "900er"), a verify.py quirk that must not drop verbatim news.
            p.supported = support.supported or p.text in passages
            p.score = round(float(support.score), 4)

    def _quotes(self, docs, by_doc, all_texts, every_by_doc, registry) -> list[BriefQuote]:
        """Quoted words or reported speech with the speaker the sentence names (or the nearest
        named antecedent); attributed quotes first, the most summary-worthy sentences first."""
        found = []
        for d in docs:
            group = by_doc.get(d.doc_id, [])
            at = {x.start: x for x in group}
            every = every_by_doc[d.doc_id]
            quotable = {i for i, span in enumerate(every) if span.start in at}
            for q in find_quotes(all_texts[d.doc_id], only=quotable):
                x = at[every[q.index].start]
                found.append((q.speaker is None, not q.quoted, -x.score, q, x))
        found.sort(key=lambda t: t[:3])
        out: list[BriefQuote] = []
        texts: list[str] = []
        # Different voices first: one quote per speaker, then more from the same speakers.
        for per_speaker in (True, False):
            for *_, q, x in found:
                if len(out) >= self.settings.quotes:
                    break
                if any(near_duplicate(q.text, t) for t in texts):
                    continue
                if per_speaker and any(o.speaker == q.speaker for o in out):
                    continue
                texts.append(q.text)
                out.append(BriefQuote(text=q.text, speaker=q.speaker, citation=registry.add(x)))
        return out

    def _watch(self, sents, cands, used) -> list[Candidate]:
        future = [cands[id(x)] for x in sents if _FUTURE.search(x.text)]
        # Forward-looking sentences, even one the summary quotes: a reader scans this section alone.
        return choose(future, 10**6, 2, self.settings.redundancy, standalone=True) if future else []

    def _timeline(self, sents: list[_Sentence], registry: _Citations) -> list[TimelineEntry]:
        """One entry per article (its most summary-worthy standalone sentence), dated by the
        event date the sentence gives or else the article's date; near-duplicates merged."""
        best: dict[str, _Sentence] = {}
        for x in sents:
            if refers_back(x.text) or not x.doc.date:
                continue
            if x.doc.doc_id not in best or x.score > best[x.doc.doc_id].score:
                best[x.doc.doc_id] = x
        picked = sorted(best.values(), key=lambda x: -x.score)
        entries: list[tuple[str, _Sentence]] = []
        for x in picked:
            if any(near_duplicate(x.text, y.text, float(x.vector @ y.vector)) for _, y in entries):
                continue
            dated = [f for f in resolve_dates(x.text, x.doc.date) if len(f.date) == 10]
            entries.append((dated[0].date if dated else x.doc.date, x))
            if len(entries) >= self.settings.timeline_entries:
                break
        entries.sort(key=lambda e: (e[0], e[1].doc_rank))
        return [TimelineEntry(date=d, text=x.text, citations=[registry.add(x)]) for d, x in entries]

    def _disagreements(self, sents, story_of, registry) -> list[Disagreement]:
        with_counts = [x for x in sents if any(ch.isdigit() for ch in x.text)]
        if len(with_counts) < 2:
            return []
        found = conflicts([x.text for x in with_counts], np.asarray([x.vector for x in with_counts]),
                          [x.doc.doc_id for x in with_counts], self.settings.disagree_min_cosine)
        found = [c for c in found if story_of.get(with_counts[c.a].doc.doc_id) == story_of.get(
            with_counts[c.b].doc.doc_id)]
        found.sort(key=lambda c: -float(with_counts[c.a].vector @ with_counts[c.b].vector))
        out = []
        for c in found[: self.settings.disagreements]:
            a, b = with_counts[c.a], with_counts[c.b]
            out.append(Disagreement(fact=c.fact, sides=[
                DisagreementSide(value=c.value_a, text=a.text, citation=registry.add(a)),
                DisagreementSide(value=c.value_b, text=b.text, citation=registry.add(b))]))
        return out

    @staticmethod
    def _headline(docs: list[DocumentRow], topic: str | None) -> str:
        if len(docs) == 1:
            return _display_title(docs[0].title)
        if topic:
            text = topic.strip().rstrip("?.!")
            return text[:1].upper() + text[1:]
        dates = sorted({d.date for d in docs if d.date})
        span = f", {dates[0]} to {dates[-1]}" if dates else ""
        return f"Brief: {len(docs)} articles{span}"

    def llm_context(self) -> int:
        return getattr(self.llm, "n_ctx", 2048)


def _based_on(docs: list[DocumentRow]) -> str:
    dates = sorted({d.date for d in docs if d.date})
    n = f"{len(docs)} article{'s' if len(docs) != 1 else ''}"
    if not dates:
        return f"Based on {n}"
    if len(dates) == 1:
        return f"Based on {n} from {dates[0]}"
    return f"Based on {n} from {dates[0]} to {dates[-1]}"


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

    def groups(self) -> list[SourceGroup]:
        """Cited passages grouped by article, articles in order of first citation."""
        out: dict[str, SourceGroup] = {}
        for c in self.citations:
            g = out.setdefault(c.doc_id, SourceGroup(doc_id=c.doc_id, title=_display_title(c.title), date=c.date,
                                                     source=c.source, citations=[]))
            g.citations.append(c.id)
        return list(out.values())


__all__ = ["Brief", "BriefChain", "FoundDate", "summary_budget"]
