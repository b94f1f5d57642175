"""Reading: every sentence of each article, the ones a brief may use, and their embeddings.

Every sentence is kept as context (who "he" is in a quote may be named in a caption-like
line the brief never shows); only admissible ones (select.py: no furniture, no instructions,
``BriefSettings.sentence_min_words`` words or more) are ranked and cited. A sentence's ``position`` runs from 0 (first
admissible sentence) to 1 (last), the input the facts finder weighs names by.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from assistant.brief.quotes import resolve_opening
from assistant.brief.render import display_title
from assistant.brief.select import Candidate, admissible
from assistant.judge.instructions import unquotable_sentences
from assistant.settings import BriefSettings
from assistant.text import Span, paragraph_numbers, sentences, words

if TYPE_CHECKING:
    from assistant.catalog import DocumentRow

_DEFAULT = BriefSettings()


@dataclass
class BriefSentence:
    doc: DocumentRow
    doc_rank: int
    text: str
    start: int
    end: int
    index: int        # among the article's admissible sentences
    position: float   # 0 = first, 1 = last
    vector: np.ndarray | None = None
    prob: float = 0.0   # the sentence model's P(a summary would include it)
    score: float = 0.0  # prob, plus the topic's pull for topic briefs
    # Read on its own: an opening "He"/"She" as "[Name]" (quotes.resolve_opening), else None.
    resolved: str | None = None
    antecedent: BriefSentence | None = field(default=None, repr=False)  # the sentence the name comes from
    _candidate: Candidate | None = field(default=None, repr=False)
    _standalone: Candidate | None = field(default=None, repr=False)

    @property
    def alone(self) -> str:
        """The text as a point that stands on its own (key points, what to watch)."""
        return self.resolved or self.text

    @property
    def key(self) -> tuple[str, int]:
        return (self.doc.doc_id, self.index)

    @property
    def candidate(self) -> Candidate:
        """This sentence as a choice for the summary (one object for the whole brief; built once it is scored)."""
        if self._candidate is None:
            self._candidate = Candidate(
                key=self.key, text=self.text, vector=self.vector, score=self.score, order=(self.doc_rank, self.index),
                previous=(self.doc.doc_id, self.index - 1) if self.index > 0 else None)
        return self._candidate

    @property
    def standalone_candidate(self) -> Candidate:
        """This sentence as a standalone point: its resolved text, when it has one."""
        if self.resolved is None:
            return self.candidate
        if self._standalone is None:
            c = self.candidate
            self._standalone = Candidate(key=c.key, text=self.resolved, vector=c.vector, score=c.score,
                                         order=c.order, previous=c.previous)
        return self._standalone


@dataclass
class Article:
    doc: DocumentRow
    rank: int                        # order among the brief's articles
    spans: list[Span]                # every sentence, for quote attribution
    sentences: list[BriefSentence]   # the admissible ones, in order

    @property
    def words(self) -> int:
        return sum(len(words(x.text)) for x in self.sentences)


def read_article(doc: DocumentRow, rank: int, text: str, min_words: int = _DEFAULT.sentence_min_words) -> Article:
    """The article's sentences; those of at least ``min_words`` words that are admissible are ranked."""
    every = sentences(text)
    texts = [x.text for x in every]
    planted = unquotable_sentences(texts, paragraph_numbers(text, [x.start for x in every]))
    kept = [j for j, (x, flag) in enumerate(zip(every, planted, strict=True))
            if not flag and admissible(x.text, min_words)]
    last = max(1, len(kept) - 1)
    out = [BriefSentence(doc, rank, every[j].text, every[j].start, every[j].end, i, i / last)
           for i, j in enumerate(kept)]
    # "He also said ..." stands alone as "[Name] also said ..." when the sentence right before it
    # is one of these (a name is never read from a caption, furniture or a planted sentence).
    readable = set(kept)
    quotable = [t if j in readable else "" for j, t in enumerate(texts)]
    for i, j in enumerate(kept):
        if i and kept[i - 1] == j - 1:
            out[i].resolved = resolve_opening(j, quotable)
            out[i].antecedent = out[i - 1] if out[i].resolved else None
    return Article(doc, rank, every, out)


def embed(articles: list[Article], embedder) -> np.ndarray:
    """Embeds every admissible sentence (set on the sentence) and each article's title, in
    one batch; returns the title vectors, one per article."""
    sents = [x for a in articles for x in a.sentences]
    titles = [display_title(a.doc.title) for a in articles]
    vectors = np.asarray(embedder.embed_texts([x.text for x in sents] + titles))
    for x, v in zip(sents, vectors[: len(sents)], strict=True):
        x.vector = v
    return vectors[len(sents):]
