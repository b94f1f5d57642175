"""The brief chain: select articles -> read every sentence -> rank -> choose summary and key
points -> quotes, timeline, disagreements -> verify -> render. Each stage is its own module:

| stage | module |
| --- | --- |
| which articles (ids, filters, a topic) | articles.py |
| sentences, furniture dropped, embeddings | reading.py, select.py |
| P(a summary would include the sentence), topic pull | rank.py |
| summary within a word budget, key points, what to watch | points.py, select.py |
| abstractive summary (map-reduce, verified) | abstractive.py |
| quotes and who said them | quotes.py |
| stories, timeline, disagreements (sets and topics) | stories.py, timeline.py, figures.py |
| numbered citations, the support check | citations.py |
| headline, JSON shape, Markdown | render.py |

Summary and key points are chosen extractively by default: each sentence gets the learned
probability that a summary would include it (rank.py: position, length, centrality, title
overlap and the article's style), then a greedy choice within a word budget with no
near-duplicates and no sentence that refers back without its antecedent (select.py).
Measured against Lead-3 and a length-matched Lead-N on BBC test and the CNN/DM dev articles:
bench/brief_rouge.py, tables in the README. bench/brief_golden.py keeps the whole output
byte-identical across refactors.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np

from assistant.brief import abstractive, points, stories
from assistant.brief.articles import select_documents
from assistant.brief.citations import CitationRegistry, verify_points
from assistant.brief.quotes import choose_quotes
from assistant.brief.rank import score_sentences
from assistant.brief.reading import embed, read_article
from assistant.brief.render import Brief, based_on, display_title, headline
from assistant.brief.timeline import resolve_dates, when_line
from assistant.facts import facts
from assistant.settings import BriefMode, BriefSettings, LLMSettings
from assistant.types import BriefDone, BriefEvent, BriefProgress

if TYPE_CHECKING:
    from assistant.catalog import Catalog, DocumentRow, Filters
    from assistant.embedders import CachedEmbeddings
    from assistant.text import TokenCounter
    from assistant.verify import SupportChecker

summary_budget = points.summary_budget
NO_MODEL = ("Abstractive mode needs a language model and none is configured; "
            "the summary quotes the source sentences instead.")


class BriefChain:
    def __init__(self, catalog: Catalog, embedder: CachedEmbeddings, checker: SupportChecker,
                 settings: BriefSettings, llm=None, counter: TokenCounter | None = None, retriever=None,
                 context_window: int = LLMSettings().context_window):
        self.catalog = catalog
        self.embedder = embedder
        self.checker = checker
        self.settings = settings
        self.llm = llm
        self.count = counter
        self.retriever = retriever
        self.configured_window = context_window  # the setting llm.context_window

    @property
    def context_window(self) -> int:
        """What the reduce step may fill: the model's own window, else the setting."""
        return abstractive.context_window(self.llm, self.configured_window)

    def select(self, doc_ids: list[str] | None = None, filters: Filters | None = None,
               topic: str | None = None) -> list[DocumentRow]:
        return select_documents(self.catalog, self.retriever, self.settings, doc_ids, filters, topic)

    def stream(self, docs: list[DocumentRow], topic: str | None = None, mode: BriefMode | None = None
               ) -> Iterator[BriefEvent]:
        """Yields BriefProgress events, then BriefDone with the Brief."""
        s, started = self.settings, time.perf_counter()
        if not docs:
            raise ValueError("nothing to brief: no documents selected")
        texts = self.catalog.document_text([d.doc_id for d in docs])
        articles = []
        for rank, doc in enumerate(docs):
            articles.append(read_article(doc, rank, texts[doc.doc_id], s.sentence_min_words))
            yield BriefProgress("reading", rank + 1, len(docs))
        sents = [x for a in articles for x in a.sentences]
        if not sents:
            raise ValueError("the selected documents have no sentences to brief (captions, bylines, and sentences "
                             "that speak to an AI reader and those right beside them are left out)")
        title_vectors = embed(articles, self.embedder)
        timings = {"read_ms": (time.perf_counter() - started) * 1000}
        topic_vector = np.asarray(self.embedder.embed_query(topic)) if topic else None
        score_sentences(articles, title_vectors, topic_vector, s.topic_weight)
        yield BriefProgress("ranking", 1, 1)

        single = len(docs) == 1
        summary = points.summary(sents, summary_budget(s, articles[0].words) if single else s.set_summary_words, s)
        found_stories, story_of = stories.stories(articles, s.story_min_cosine) if not single else ([], {})
        key_points = points.key_points(sents, summary, story_of, s)
        cite = CitationRegistry(self.catalog)
        used_mode, note = "extractive", None
        if (mode or s.mode) == "abstractive" and self.llm is not None:
            used_mode = "abstractive"
            summary_points, note = yield from abstractive.abstractive_summary(
                self.llm, self.context_window, self.count, self.catalog, self.checker,
                docs, texts, sents, cite, summary, s)
        else:
            summary_points = cite.points(summary)
            note = NO_MODEL if (mode or s.mode) == "abstractive" else None
        key_point_list = cite.points(key_points, alone=True)
        verify_points(summary_points + key_point_list, cite.citations, self.checker)
        shown_texts = {p.text for p in summary_points}  # an abstractive summary shows its own sentences
        shown = key_points + [x for x in summary if x.text in shown_texts]
        quotes = cite.quotes(choose_quotes(articles, s.quotes, s.attribution, s.duplicate_containment, shown=shown))
        watch = cite.points(points.watch(sents, s), alone=True)
        timeline = cite.timeline(stories.timeline(sents, s.timeline_entries, s.duplicate_containment,
                                                  s.duplicate_cosine)) if not single else []
        disagreements = cite.disagreements(stories.disagreements(
            sents, story_of, s.disagree_min_cosine, s.disagreements, s.disagree_hedge_tolerance)) if not single else []
        dates = [d.date for d in docs if d.date]
        who, _, where = facts([(x.text, x.position) for x in sents], dates, s.facts)
        when = when_line(dates, [f for x in sents for f in resolve_dates(x.text, x.doc.date)], s.when_dates)
        title = headline(docs, topic)
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        yield BriefDone(Brief(
            headline=title, summary=summary_points, key_points=key_point_list, who=who,
            what=display_title(docs[0].title) if single else (topic or title), when=when, where=where,
            quotes=quotes, watch=watch, citations=cite.citations,
            documents=[{"doc_id": d.doc_id, "title": d.title, "date": d.date, "source": d.source} for d in docs],
            mode=used_mode, note=note, timings=timings, based_on=based_on(docs), stories=found_stories,
            timeline=timeline, disagreements=disagreements, sources=cite.groups()))

    def run(self, docs: list[DocumentRow], topic: str | None = None, mode: BriefMode | None = None,
            progress: Callable[[BriefProgress], None] | None = None) -> Brief:
        for event in self.stream(docs, topic, mode):
            if isinstance(event, BriefDone):
                return event.brief
            if progress:
                progress(event)
        raise RuntimeError("brief chain ended without a brief")


__all__ = ["Brief", "BriefChain", "summary_budget"]
