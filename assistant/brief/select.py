"""Which sentences may enter a brief, and how a summary is chosen within its length budget.

Before any ranking, a sentence is dropped when it is page furniture (assistant/furniture.py:
photo captions, bylines, "Scroll down for video", "Click here", "Share this article", image
credits, sentences that are all bracketed aside, markup or code) or speaks to a machine reader
(``unquotable``, the lower quote threshold): neither is news, and the CNN/DailyMail dev articles
carry both inside their text.
While choosing, three rules hold for every summary:
- a sentence that opens by referring back ("He also said", "However, ...", "They") goes in
  only right after its antecedent (the sentence before it in its article);
- no near-duplicate of a chosen sentence (most of its content words already said, or an
  embedding cosine at the duplicate level: ``BriefSettings.duplicate_*``);
- the words stay within the budget (``BriefSettings.summary_words``; measured on dev in
  bench/brief_train.py), overshot by at most ``budget_overflow`` after the first sentence.
Each rule has a table-driven test in tests/test_brief.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.furniture import is_furniture
from assistant.judge.instructions import unquotable
from assistant.settings import BriefSettings
from assistant.text import sentences, terms, words

_DEFAULT = BriefSettings()  # defaults of the parameters below; the chain passes its settings

def admissible(text: str, min_words: int = _DEFAULT.sentence_min_words) -> bool:
    """May this sentence appear anywhere in a brief?"""
    return len(words(text)) >= min_words and not is_furniture(text) and not unquotable(text)


# ---- dangling openings --------------------------------------------------------------------------
# Openings that need the sentence before them to be understood: personal and demonstrative
# pronouns, and connectives that answer a previous sentence.
_REFERS_BACK = re.compile(
    r"^[\W_]*(he|she|they|it|his|her|their|its|him|them|this|these|that|those|such|"
    r"however|but|and|or|so|yet|also|still|meanwhile|moreover|furthermore|besides|instead|"
    r"nevertheless|nonetheless|then|thus|therefore|hence|otherwise|likewise|similarly|additionally|"
    r"consequently|indeed|in addition|as a result|by contrast|in contrast|on the other hand|even so|"
    r"despite (this|that|these|those|it)|after (this|that)|before (this|that)|at the same time|in turn|"
    r"for (his|her|their|its) part|the (latter|former)|another|others|the other)\b", re.I)
# Demonstratives that open a time phrase point at the calendar, not at the previous sentence.
_TIME_DEMONSTRATIVE = re.compile(
    r"^[\W_]*(this|that|these) (year|week|month|season|morning|afternoon|evening|night|weekend|summer|"
    r"winter|spring|autumn|fall|time|decade|century|january|february|march|april|may|june|july|"
    r"august|september|october|november|december|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday)s?\b", re.I)


def refers_back(text: str) -> bool:
    """Does the sentence open with a pronoun or connective that needs the sentence before it?"""
    return bool(_REFERS_BACK.match(text)) and not _TIME_DEMONSTRATIVE.match(text)


# ---- near-duplicates ----------------------------------------------------------------------------
def near_duplicate(a: str, b: str, cosine: float | None = None,
                   containment: float = _DEFAULT.duplicate_containment,
                   min_cosine: float = _DEFAULT.duplicate_cosine) -> bool:
    """Do ``a`` and ``b`` say the same thing? ``containment``: share of the shorter sentence's
    content terms found in the other; ``min_cosine``: the embedding cosine (when given) at which
    two news sentences say the same thing (settings brief.duplicate_containment, duplicate_cosine)."""
    ta, tb = set(terms(a)), set(terms(b))
    if not ta or not tb:
        return a.strip().lower() == b.strip().lower()
    shared = len(ta & tb) / min(len(ta), len(tb))
    return shared >= containment or (cosine is not None and cosine >= min_cosine)


# ---- choosing under a budget --------------------------------------------------------------------
@dataclass
class Candidate:
    key: tuple[str, int]          # (doc_id, sentence number in its article)
    text: str
    vector: np.ndarray
    score: float                  # the ranker's probability that a summary would include it
    n_words: int = 0
    order: tuple = ()             # reading order across the brief (article rank, position)
    previous: tuple[str, int] | None = None  # key of the sentence before it in its article
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.n_words = self.n_words or len(words(self.text))


def choose(cands: Sequence[Candidate], budget_words: int, max_sentences: int, redundancy: float,
           exclude: Sequence[Candidate] = (), reading_order: bool = True, standalone: bool = False,
           overflow: float = _DEFAULT.budget_overflow, containment: float = _DEFAULT.duplicate_containment,
           min_cosine: float = _DEFAULT.duplicate_cosine) -> list[Candidate]:
    """Greedy: the best-scoring admissible sentence, less ``redundancy`` times its similarity
    to what is chosen, until the budget is spent (a second or later sentence may take the words
    to ``overflow`` x the budget). ``standalone`` (key points): every sentence must read on its
    own, so none may refer back. ``exclude``: already used elsewhere (no sentence of theirs is
    repeated, nor a near-duplicate of one: ``containment``, ``min_cosine``)."""
    chosen: list[Candidate] = []
    used = 0
    blocked = list(exclude)
    pool = list(cands)
    while pool and len(chosen) < max_sentences:
        keys = {c.key for c in chosen}
        best, best_value = None, -np.inf
        for c in pool:
            if refers_back(c.text) and (standalone or c.previous not in keys):
                continue
            if chosen and used + c.n_words > budget_words * overflow:
                continue
            sims = [float(c.vector @ o.vector) for o in chosen + blocked]
            if any(near_duplicate(c.text, o.text, s, containment, min_cosine)
                   for o, s in zip(chosen + blocked, sims, strict=True)):
                continue
            value = c.score - redundancy * max((s for s in sims[: len(chosen)]), default=0.0)
            if value > best_value:
                best, best_value = c, value
        if best is None:
            break
        chosen.append(best)
        pool.remove(best)
        used += best.n_words
        if used >= budget_words:
            break
    if reading_order:
        chosen.sort(key=lambda c: c.order)
    return chosen


def dangling(summary: Sequence[Candidate]) -> list[Candidate]:
    """Sentences of a summary (in its order) that refer back without their antecedent just before."""
    out = []
    for i, c in enumerate(summary):
        if refers_back(c.text) and (i == 0 or summary[i - 1].key != c.previous):
            out.append(c)
    return out


def defects(brief, body: str) -> tuple[int, int]:
    """For a one-article brief of ``body``: summary sentences opening with a reference whose
    antecedent is not just before them (and key points opening with one at all), and pairs of
    near-duplicate sentences among summary and key points. The benchmark and tests count these."""
    index = {s.start: i for i, s in enumerate(x for x in sentences(body) if admissible(x.text))}
    by_id = {c.id: c for c in brief.citations}
    positions = [index.get(by_id[p.citations[0]].start) if p.citations else None for p in brief.summary]
    dangling = 0
    for k, p in enumerate(brief.summary):
        if refers_back(p.text) and (k == 0 or positions[k] is None or positions[k - 1] != positions[k] - 1):
            dangling += 1
    dangling += sum(refers_back(p.text) for p in brief.key_points)  # a key point stands alone
    texts = [p.text for p in brief.summary + brief.key_points]
    duplicates = sum(near_duplicate(a, b) for i, a in enumerate(texts) for b in texts[i + 1:])
    return dangling, duplicates
