"""The brief's citations: every cited sentence becomes a numbered Citation (as in answers),
numbered by first use, and every summary sentence and key point is checked against what it cites.

Numbering follows the order the brief is assembled in (summary, key points, quotes, what to
watch, timeline, disagreements), so ``[1]`` is the first thing a reader meets. A Citation
names the chunk that holds the sentence, so the web app can open the passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from assistant.brief.figures import Conflict
from assistant.brief.quotes import QuoteFound
from assistant.brief.reading import BriefSentence
from assistant.brief.render import (
    BriefPoint,
    BriefQuote,
    Disagreement,
    DisagreementSide,
    SourceGroup,
    TimelineEntry,
    display_title,
)
from assistant.citations import CitationRegistry as SharedRegistry
from assistant.types import Citation

if TYPE_CHECKING:
    from assistant.catalog import Catalog
    from assistant.verify import SupportChecker


class CitationRegistry(SharedRegistry):
    """The answers' numbering (assistant/citations.py), citing brief sentences: each
    Citation names the chunk that holds its sentence."""

    def __init__(self, catalog: Catalog):
        super().__init__()
        self.catalog = catalog
        self._chunks: dict[str, list] = {}

    def add(self, s: BriefSentence) -> int:  # type: ignore[override]
        """The citation id of ``s`` (a new one the first time it is cited)."""
        return super().add(s.doc.doc_id, s.start, lambda n: self._citation(s, n))

    def _citation(self, s: BriefSentence, n: int) -> Citation:
        if s.doc.doc_id not in self._chunks:  # one catalog read per article
            self._chunks[s.doc.doc_id] = self.catalog.chunks_of(s.doc.doc_id)
        chunks = self._chunks[s.doc.doc_id]
        chunk_id = next((c.chunk_id for c in chunks if c.start <= s.start and s.end <= c.end),
                        next((c.chunk_id for c in chunks if c.start <= s.start < c.end), ""))
        return Citation(id=n, doc_id=s.doc.doc_id, title=s.doc.title, date=s.doc.date, source=s.doc.source,
                        chunk_id=chunk_id, quote=s.text, start=s.start, end=s.end)

    def point(self, s: BriefSentence, alone: bool = False) -> BriefPoint:
        """The sentence quoted as a point, citing itself; ``alone``: as it reads on its own
        ("[Wang Yi] also said ..."), for points that stand apart from their article, citing the
        sentence the bracketed name comes from too."""
        return BriefPoint(text=s.alone if alone else s.text, citations=self._cite(s, alone), supported=True,
                          score=1.0)

    def _cite(self, s: BriefSentence, alone: bool) -> list[int]:
        if alone and s.resolved is not None and s.antecedent is not None:
            return [self.add(s), self.add(s.antecedent)]
        return [self.add(s)]

    def points(self, sents: Iterable[BriefSentence], alone: bool = False) -> list[BriefPoint]:
        return [self.point(x, alone) for x in sents]

    def quotes(self, found: Iterable[tuple[QuoteFound, BriefSentence]]) -> list[BriefQuote]:
        return [BriefQuote(text=q.text, speaker=q.speaker, citation=self.add(x), quoted=q.quoted) for q, x in found]

    def timeline(self, entries: Iterable[tuple[str, BriefSentence]]) -> list[TimelineEntry]:
        return [TimelineEntry(date=d, text=x.alone, citations=self._cite(x, True)) for d, x in entries]

    def disagreements(self, found: Iterable[tuple[Conflict, BriefSentence, BriefSentence]]) -> list[Disagreement]:
        return [Disagreement(fact=c.fact, sides=[
            DisagreementSide(value=c.value_a, text=a.text, citation=self.add(a)),
            DisagreementSide(value=c.value_b, text=b.text, citation=self.add(b))]) for c, a, b in found]

    def groups(self) -> list[SourceGroup]:
        """Cited passages grouped by article, articles in order of first citation."""
        out: dict[str, SourceGroup] = {}
        for c in self.citations:
            g = out.setdefault(c.doc_id, SourceGroup(doc_id=c.doc_id, title=display_title(c.title), date=c.date,
                                                     source=c.source, citations=[]))
            g.citations.append(c.id)
        return list(out.values())


def _resolved_from(text: str, passages: Sequence[str]) -> bool:
    """Is ``text`` a passage whose opening "He"/"She" became "[Name]" (quotes.resolve_opening)?
    The name comes from the sentence before it in the article, so it is grounded there."""
    m = re.match(r"^\[[^\]]+\]", text)
    return bool(m) and any(re.match(r"^(He|She)\b", p) and p.endswith(text[m.end():]) for p in passages)


def verify_points(points: Sequence[BriefPoint], citations: Sequence[Citation], checker: SupportChecker) -> None:
    """The shared support check on each point against the passages it cites (an extractive
    point cites itself; the check still runs). Sets ``supported`` and ``score`` in place."""
    quotes = {c.id: c.quote for c in citations}
    for p in points:
        passages = [quotes[i] for i in p.citations if i in quotes]
        if not passages:
            p.supported = False
            continue
        support = checker.check(p.text, passages)
        # A sentence that is its own cited passage is supported by identity. The check can
        # still fail one on tokenisation ("737-900ER": the name rule sees "ER", the term
        # index "900er"), a verify.py quirk that must not drop verbatim news.
        p.supported = support.supported or p.text in passages or _resolved_from(p.text, passages)
        p.score = round(float(support.score), 4)
