"""What the brief says: its summary, key points and what to watch, chosen from ranked sentences.

- Summary: the greedy choice of select.py within a word budget (one article: 65 words,
  ``BriefSettings.summary_words_*``, chosen on dev with bench/brief_train.py; sets and
  topics: ``set_summary_words``), in reading order.
- Key points: standalone sentences the summary does not already say; for sets and topics the
  best sentence of each story comes first, so the points span the events. A sentence opening
  with "He"/"She" right after one that opens with the person's name stands alone as
  "[Name] ..." (quotes.resolve_opening).
- What to watch: forward-looking sentences ("will", "is due to", "next week"), even one the
  summary quotes, because a reader scans that section on its own.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.brief.select import Candidate, choose, refers_back

if TYPE_CHECKING:
    from assistant.brief.reading import BriefSentence
    from assistant.settings import BriefSettings

_NO_BUDGET = 10**6  # key points and watch are limited by count, not words
_FUTURE = re.compile(
    r"\b(will|is expected to|are expected to|is due to|are due to|plans? to|is set to|are set to|"
    r"next (week|month|year)|later this (week|month|year)|scheduled|upcoming|is to|are to)\b", re.I)


def summary_budget(settings: BriefSettings, article_words: int) -> int:
    """Words for a one-article summary: ``summary_words_ratio`` of the article, kept within
    [summary_words_min, summary_words_max] (equal bounds make it fixed)."""
    budget = round(settings.summary_words_ratio * article_words)
    return int(min(settings.summary_words_max, max(settings.summary_words_min, budget)))


def looks_ahead(text: str) -> bool:
    """Does the sentence speak of what is to come?"""
    return bool(_FUTURE.search(text))


def _rules(s: BriefSettings) -> dict:
    """The choice's tuned numbers from the settings: budget overflow and what a near-duplicate is."""
    return {"overflow": s.budget_overflow, "containment": s.duplicate_containment, "min_cosine": s.duplicate_cosine}


def summary(sents: Sequence[BriefSentence], budget_words: int, s: BriefSettings) -> list[BriefSentence]:
    return _sentences(sents, choose([x.candidate for x in sents], budget_words, s.summary_sentences, s.redundancy,
                                    **_rules(s)))


def key_points(sents: Sequence[BriefSentence], said: Sequence[BriefSentence], story_of: dict[str, int],
               s: BriefSettings) -> list[BriefSentence]:
    """Standalone sentences not in ``said`` (the summary); with stories, the best of each story first."""
    exclude = [x.candidate for x in said]
    first: list[Candidate] = []
    if story_of:
        best = best_per_group(sents, lambda x: story_of[x.doc.doc_id])
        first = choose([x.standalone_candidate for x in best], _NO_BUDGET, s.key_points, 0.0, exclude=exclude,
                       reading_order=False, standalone=True, **_rules(s))
    rest = choose([x.standalone_candidate for x in sents], _NO_BUDGET, s.key_points - len(first), s.redundancy,
                  exclude=exclude + first, reading_order=False, standalone=True, **_rules(s))
    return _sentences(sents, first + rest)


def watch(sents: Sequence[BriefSentence], s: BriefSettings) -> list[BriefSentence]:
    future = [x.standalone_candidate for x in sents if looks_ahead(x.text)]
    if not future:
        return []
    return _sentences(sents, choose(future, _NO_BUDGET, s.watch_points, s.redundancy, standalone=True,
                                    **_rules(s)))


def best_per_group(sents: Sequence[BriefSentence], group, dated_only: bool = False) -> list[BriefSentence]:
    """The highest-scoring sentence of each group that reads on its own (the first one on a
    tie), groups in order of first appearance. ``dated_only``: only sentences of dated articles."""
    best: dict = {}
    for x in sents:
        if refers_back(x.alone) or (dated_only and not x.doc.date):
            continue
        g = group(x)
        if g not in best or x.score > best[g].score:
            best[g] = x
    return list(best.values())


def _sentences(sents: Sequence[BriefSentence], chosen: Sequence[Candidate]) -> list[BriefSentence]:
    by_key = {x.key: x for x in sents}
    return [by_key[c.key] for c in chosen]
