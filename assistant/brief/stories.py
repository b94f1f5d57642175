"""Sets and topics: which articles tell one story, a dated timeline, and where they disagree.

Works on the brief's ranked sentences; the text rules are in timeline.py (dates, single-link
grouping) and figures.py (counts, conflicting figures).
- Story: articles whose centroids (their sentences' embeddings weighted by the sentence
  model's probability) reach ``BriefSettings.story_min_cosine``.
- Timeline: each dated article's most summary-worthy standalone sentence, dated by the event
  date it gives (else the article's date), near-duplicates merged, in date order.
- Disagreements: conflicting figures between articles of the same story, the most similar
  sentence pairs first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from assistant.brief.figures import Conflict, conflicts
from assistant.brief.points import best_per_group
from assistant.brief.render import Story, display_title
from assistant.brief.select import near_duplicate
from assistant.brief.timeline import group_stories, resolve_dates
from assistant.settings import BriefSettings

if TYPE_CHECKING:
    from assistant.brief.reading import Article, BriefSentence

_DEFAULT = BriefSettings()


def stories(articles: Sequence[Article], min_cosine: float) -> tuple[list[Story], dict[str, int]]:
    """The stories, largest first, and each article's story number."""
    centroids = [_centroid(a.sentences) for a in articles]
    if any(c is None for c in centroids):
        zero = np.zeros_like(next(a.sentences[0].vector for a in articles if a.sentences))
        centroids = [zero if c is None else c for c in centroids]
    found, story_of = [], {}
    for g, members in enumerate(group_stories(np.asarray(centroids), min_cosine)):
        rows = [articles[i].doc for i in members]
        for r in rows:
            story_of[r.doc_id] = g
        found.append(Story(title=display_title(rows[0].title), doc_ids=[r.doc_id for r in rows],
                           dates=sorted({r.date for r in rows if r.date})))
    return found, story_of


def _centroid(sents: Sequence[BriefSentence]) -> np.ndarray | None:
    if not sents:
        return None
    weights = np.asarray([x.prob for x in sents]) + 1e-6
    c = (np.asarray([x.vector for x in sents]) * weights[:, None]).sum(axis=0)
    return c / (np.linalg.norm(c) or 1.0)


def timeline(sents: Sequence[BriefSentence], limit: int, containment: float = _DEFAULT.duplicate_containment,
             min_cosine: float = _DEFAULT.duplicate_cosine) -> list[tuple[str, BriefSentence]]:
    """(ISO date, sentence) entries, at most one per article, in date order; near-duplicates
    (select.near_duplicate with ``containment``, ``min_cosine``) merged."""
    picked = sorted(best_per_group(sents, lambda x: x.doc.doc_id, dated_only=True), key=lambda x: -x.score)
    entries: list[tuple[str, BriefSentence]] = []
    for x in picked:
        if any(near_duplicate(x.text, y.text, float(x.vector @ y.vector), containment, min_cosine)
               for _, y in entries):
            continue
        dated = [f for f in resolve_dates(x.text, x.doc.date) if len(f.date) == 10]
        entries.append((dated[0].date if dated else x.doc.date, x))
        if len(entries) >= limit:
            break
    return sorted(entries, key=lambda e: (e[0], e[1].doc_rank))


def disagreements(sents: Sequence[BriefSentence], story_of: dict[str, int], min_cosine: float, limit: int,
                  tolerance: float = _DEFAULT.disagree_hedge_tolerance
                  ) -> list[tuple[Conflict, BriefSentence, BriefSentence]]:
    """Conflicting figures within a story: (the conflict, one side's sentence, the other's);
    ``tolerance``: figures.conflicts.

    Counts move as a story goes on, so two sentences that each name a day ("170 flights on
    Sunday", "60 cancellations for Monday") disagree only when they share one; a sentence that
    names no day may be about any. (Any day the sentence names counts, not only the one beside
    the figure.)"""
    with_counts = [x for x in sents if any(ch.isdigit() for ch in x.text)]
    if len(with_counts) < 2:
        return []
    days = [{f.date for f in resolve_dates(x.text, x.doc.date) if len(f.date) == 10} for x in with_counts]

    def same_day(i: int, j: int) -> bool:
        return not days[i] or not days[j] or bool(days[i] & days[j])

    found = conflicts([x.text for x in with_counts], np.asarray([x.vector for x in with_counts]),
                      [x.doc.doc_id for x in with_counts], min_cosine, tolerance, same_day)
    found = [c for c in found
             if story_of.get(with_counts[c.a].doc.doc_id) == story_of.get(with_counts[c.b].doc.doc_id)]
    found.sort(key=lambda c: -float(with_counts[c.a].vector @ with_counts[c.b].vector))
    return [(c, with_counts[c.a], with_counts[c.b]) for c in found[:limit]]
