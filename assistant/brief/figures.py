"""Figures in sentences, and where two articles disagree on one (a brief's "Sources disagree").

Two sentences from different articles of one story that say nearly the same thing (embedding
cosine, ``BriefSettings.disagree_min_cosine``) disagree when they give figures for the same
thing counted ("171 passengers" vs "177 passengers") that cannot both be true: hedged figures
are ranges, numbers inside names are not counts, two named holders must be one body, a total
is not set against one of its parts. Each rule has table rows in tests/test_brief.py (HEDGED,
HOLDERS, COUNTS). No labelled set of disagreements exists, so its precision is not measured;
the golden briefs (bench/brief_golden.py) show what it finds in tests/data/topic.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.lexicon import MONTHS, QUOTE_VERBS, STARTERS, WEEKDAYS
from assistant.text import terms

_MONTHS = [m.lower() for m in MONTHS]
# A count and the thing it counts: "171 passengers", "$1.2 billion in damages", "12 per cent".
_COUNT = re.compile(
    r"(?<![\w.,$£€])(?P<cur>[$£€])?(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?P<mult>\s?(?:million|billion|"
    r"trillion|bn|m|k)\b)?(?P<pct>\s?(?:%|per ?cent|percent))?\s+(?:(?:more|other|of|in|the|about|new)\s+)?"
    r"(?P<unit>[a-z][a-z-]{2,})", re.I)
_VERBS = {v.lower() for v in QUOTE_VERBS}
# Words ending in s that are not plural nouns ("300 killed this week", "12 arrested was ...").
_NOT_PLURAL = {"this", "was", "has", "is", "as", "its", "his", "us", "yes", "thus", "plus", "does", "goes", "says",
               "whereas", "across", "less", "unless", "perhaps", "always", "sometimes", "towards", "afterwards"}
_NOT_UNIT = {"and", "or", "to", "in", "on", "at", "for", "by", "with", "from", "a", "an", "as", "years", "year",
             "after", "before", "than", "times"}


# Words before a figure that make it a range: "more than 170", "approximately 171", "up to 40",
# "no more than 30" (longest first, so "no more than" is not read as "more than").
_HEDGES_BEFORE = (
    "no more than", "not more than", "no fewer than", "not fewer than", "no less than", "not less than",
    "an estimated", "upwards of", "as many as", "more than", "fewer than", "less than", "at least", "at most",
    "close to", "up to", "about", "around", "approximately", "roughly", "nearly", "almost", "some", "estimated",
    "over", "under",
)
_HEDGE = re.compile(r"\b(?P<h>" + "|".join(h.replace(" ", r"\s+") for h in _HEDGES_BEFORE) + r")\s+$", re.I)
# ... or a phrase after it: "189 seats or more".
_HEDGE_AFTER = re.compile(r"^\s+(?P<h>or more|or above|or over|or fewer|or less|or under|or so)\b", re.I)
_AT_LEAST = {"more than", "over", "at least", "upwards of", "or more", "or above", "or over", "no fewer than",
             "not fewer than", "no less than", "not less than"}
_AT_MOST = {"less than", "fewer than", "under", "up to", "at most", "as many as", "nearly", "almost", "or fewer",
            "or less", "or under", "no more than", "not more than"}


# A capitalised run of words: a name ("Alaska Airlines", "Federal Aviation Administration").
_NAME_RUN = re.compile(r"[A-Z][\w&'’.-]*(?:\s+(?:of\s+|the\s+)?[A-Z][\w&'’.-]*)*")
# Where a clause begins: the figure's holder is named after it.
_CLAUSE = re.compile(r"[,;:(—]|\s-\s|\b(?:and|but|while|whereas)\b")
# Capitalised words that are not names: sentence openers, days, months, and the hedges
# ("Nearly 200 people ...").
_NOT_HOLDER = (STARTERS | set(WEEKDAYS) | set(MONTHS) | {h.split()[0].capitalize() for h in _HEDGES_BEFORE}
               | {"I", "We", "You", "He", "She", "It", "They", "There", "Here", "So"})
# A name followed by a verb of saying is a source, not the holder: "Police said 12 people died"
# and "Officials said 15 people died" disagree ... unless it speaks of itself: "Alaska Airlines
# said it had canceled 60 flights" is Alaska's count.
_SOURCE_AFTER = re.compile(rf"^\s+(?:{'|'.join(QUOTE_VERBS)}|reported|reports|estimated|estimates)\b"
                           r"(?!\s+(?:that\s+)?(?:it|its|they|their|we|our)\b)", re.I)
_SOURCE_BEFORE = re.compile(r"\baccording\s+to\s+(?:the\s+)?$", re.I)


def _holder(before: str) -> str:
    """The last name in the clause before a figure: whose count it is ("United had 191 canceled
    flights", "Alaska Airlines ... its fleet of 65"), or "" when the clause names nobody. A
    name that only reports the figure ("Police said", "according to Reuters") is not one."""
    clause = before[max((m.end() for m in _CLAUSE.finditer(before)), default=0):]
    names = []
    for m in _NAME_RUN.finditer(clause):
        if _SOURCE_AFTER.match(clause[m.end():]) or _SOURCE_BEFORE.search(clause[: m.start()]):
            continue
        words = m.group(0).split()
        while words and words[0] in _NOT_HOLDER:
            words.pop(0)
        if words:
            names.append(" ".join(words))
    return names[-1] if names else ""


# A quotation followed by its speaker: '"We have canceled 60 flights," Alaska Airlines said'.
# When the words before the figure speak in the first person, the count is the speaker's.
_SPEAKER_AFTER = re.compile(
    r"[”\"]\s*,?\s*(?:the\s+)?([A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*)*)\s+(?:said|says|added|told|wrote|stated)\b")
_FIRST_PERSON = re.compile(r"\b(?:[Ww]e|[Oo]ur|us)\b")  # case matters: "the US" is not "us"


def _in_quotation(before: str) -> bool:
    """Is the text after ``before`` inside a quotation it opens?"""
    return before.rfind("“") > before.rfind("”") or before.count('"') % 2 == 1


def _words(name: str) -> list[str]:
    return re.findall(r"[a-z0-9&]+", name.lower().replace(".", ""))


def same_holder(a: str, b: str) -> bool:
    """Could two holders be the same body? Unknown ("") matches anything; "Alaska" matches
    "Alaska Airlines" (whole words, so "Air" does not); "FAA" matches "Federal Aviation
    Administration" and "U.S." matches "US"."""
    if not a or not b:
        return True
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return True
    short, long_ = sorted((wa, wb), key=len)
    if any(long_[k: k + len(short)] == short for k in range(len(long_) - len(short) + 1)):
        return True
    initials = ["".join(w[0] for w in x if w not in {"of", "the", "and"}) for x in (wa, wb)]
    return (len(wb) == 1 and initials[0] == wb[0]) or (len(wa) == 1 and initials[1] == wa[0])


# A figure that adds up several things: "a total of 346 people", "346 people between them".
_TOTAL_BEFORE = re.compile(r"\b(a total of|in total|total of|combined|altogether|in all)\s+$", re.I)
_TOTAL_AFTER = re.compile(r"^[\s,]+(between them|in total|in all|altogether|combined|overall)\b", re.I)


@dataclass(frozen=True)
class Count:
    """A figure and what it counts, as one sentence gives it."""

    figure: str        # as written: "171", "$1.2 billion", "12%"
    unit: str          # what is counted, as written ("passengers", "canceled flights"; "its (per cent)")
    hedge: str = ""    # the words that make it a range ("more than", "about", "or more"), else ""
    holder: str = ""   # whose count it is (``_holder``), else ""
    total: bool = False  # adds up several things ("a total of", "between them")


def name_numbers(texts: Sequence[str]) -> set[str]:
    """Numbers of three or more digits the texts write right after a name ("Boeing 737",
    "Flight 1282"): a model or a title wherever they appear, so "its 737 MAX 9 jets" counts no
    jets. Shorter ones ("Radio 2", "Max 9") are names only where a name stands before them."""
    return {m.group(2) for t in texts for m in re.finditer(r"\b([A-Z][\w-]*)\s+(\d{3,}(?:\.\d+)?)\b", t)
            if m.group(1) not in _NOT_HOLDER}


def counts(sentence: str, names: set[str] = frozenset()) -> dict[str, Count]:
    """{stemmed unit: Count} for the counts in a sentence, years, clock times and numbers inside
    names ("Boeing 737", "Max 9") left out. A count of a capitalised word is a count of the
    first lower-case word after it: "171 Boeing 737 Max 9 jets" counts jets. ``names``: numbers
    known to be part of names (``name_numbers``)."""
    out: dict[str, Count] = {}
    for m in _COUNT.finditer(sentence):
        num = m.group("num")
        if re.fullmatch(r"(19|20)\d\d", num) and not m.group("cur"):
            continue
        word_before = re.search(r"([A-Z][\w-]*)\s+$", sentence[: m.start()])
        if num in names or (word_before and word_before.group(1) not in _NOT_HOLDER):
            continue  # part of a name: "Boeing 737", "Max 9", "Formula 1"
        unit, end = m.group("unit"), m.end()
        if unit[0].isupper() and not re.fullmatch(r"[A-Z]{2,}s", unit):  # "12 MPs" counts MPs
            later = re.match(r"(?:(?:[A-Z][a-z][\w-]*|[A-Z]+|\d[\w.]*)\s+){1,4}?([a-z][a-z-]{2,}|[A-Z]{2,}s)\b",
                             sentence[m.start("unit"):])
            if not later or later.group(1).lower() in _VERBS or later.group(1).endswith("ed"):
                continue  # "12 Labour MPs said" is 12 MPs; "12 Labour said" counts nothing
            unit, end = later.group(1), m.start("unit") + later.end()
        unit = unit.lower()
        label = unit
        participle = re.match(r"\s+([a-z][a-z-]{2,}s)\b", sentence[end:]) if unit.endswith("ed") else None
        if participle and participle.group(1) not in _NOT_PLURAL:
            label = f"{unit} {participle.group(1)}"  # "52 canceled flights": the label says flights
        if unit in _NOT_UNIT or unit in _MONTHS or unit in {"am", "pm", "gmt", "bst", "est"}:
            continue
        key = (terms(unit) or [unit])[0] + ("%" if m.group("pct") else "")
        value = (m.group("cur") or "") + num + (m.group("mult") or "") + (m.group("pct") or "")
        before, after = sentence[: m.start()], sentence[end:]
        hedge = _HEDGE.search(before) or _HEDGE_AFTER.match(after)
        holder = _holder(before)
        speaker = _SPEAKER_AFTER.search(after)
        if not holder and speaker and speaker.group(1) not in _NOT_HOLDER and _in_quotation(before) \
                and _FIRST_PERSON.search(before):
            holder = speaker.group(1)
        out.setdefault(key, Count(value.strip(), label + (" (per cent)" if m.group("pct") else ""),
                                  re.sub(r"\s+", " ", hedge.group("h").lower()) if hedge else "", holder,
                                  bool(_TOTAL_BEFORE.search(before) or _TOTAL_AFTER.match(after))))
    return out


def _value(figure: str) -> float | None:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", figure)
    if not m:
        return None
    v = float(m.group(0).replace(",", ""))
    scale = {"million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "trillion": 1e12, "k": 1e3}
    tail = figure[m.end():].strip().lower()
    return v * scale.get(tail.split()[0], 1.0) if tail and tail.split()[0] in scale else v


def _range(value: float, hedge: str, tolerance: float) -> tuple[float, float]:
    """The values a hedged figure allows: "more than 170" is [170, inf), "nearly 200" is
    [200 x (1 - tolerance), 200], "about 171" is 171 +- tolerance, a bare figure itself."""
    if hedge in _AT_LEAST:
        return value, math.inf
    if hedge in _AT_MOST:
        return (value * (1 - tolerance) if hedge in {"nearly", "almost"} else -math.inf), value
    if hedge:
        return value * (1 - tolerance), value * (1 + tolerance)
    return value, value


@dataclass
class Conflict:
    fact: str
    a: int       # sentence index (into the caller's list)
    b: int
    value_a: str
    value_b: str


def conflicts(texts: Sequence[str], vectors: np.ndarray, articles: Sequence[str], min_cosine: float,
              tolerance: float = 0.1, comparable: Callable[[int, int], bool] | None = None) -> list[Conflict]:
    """Pairs of similar sentences from different articles giving figures for the same unit that
    cannot both be true: "171 passengers" and "177 passengers" conflict, "approximately 171" and
    "more than 170" do not (hedged figures are ranges, ``tolerance`` either side of "about N").
    Two named holders must be the same body (``same_holder``), and a total ("346 people between
    them") is not set against one of its parts; ``comparable(i, j)``, when given, must hold
    (``stories.disagreements``: the same day). One conflict per unit and pair of
    articles, and per unit and pair of figures (the same two figures in a third article add
    nothing)."""
    found: list[Conflict] = []
    seen: set[tuple[str, str, frozenset]] = set()
    names = name_numbers(texts)
    per = [counts(t, names) for t in texts]
    sims = vectors @ vectors.T if len(texts) else np.zeros((0, 0))
    for i in range(len(texts)):
        if not per[i]:
            continue
        for j in range(i + 1, len(texts)):
            if articles[i] == articles[j] or not per[j] or sims[i, j] < min_cosine \
                    or (comparable is not None and not comparable(i, j)):
                continue
            for unit in per[i].keys() & per[j].keys():
                ci, cj = per[i][unit], per[j][unit]
                fi, fj = ci.figure, cj.figure
                vi, vj = _value(fi), _value(fj)
                if vi is None or vj is None or vi == vj or not same_holder(ci.holder, cj.holder) \
                        or ci.total != cj.total:
                    continue  # the same figure, two bodies' counts ("United had 191", "Alaska 52"), a total and a part
                (lo_i, up_i), (lo_j, up_j) = _range(vi, ci.hedge, tolerance), _range(vj, cj.hedge, tolerance)
                if lo_i <= up_j and lo_j <= up_i:
                    continue  # the ranges overlap: both can be true
                # A sentence holding both figures is a breakdown ("177 people, 171 passengers"), not a conflict.
                if re.search(rf"(?<![\d,.]){re.escape(fi)}(?![\d,])", texts[j]) or \
                        re.search(rf"(?<![\d,.]){re.escape(fj)}(?![\d,])", texts[i]):
                    continue
                keys = {("articles", unit, frozenset({articles[i], articles[j]})),
                        ("figures", unit, frozenset({fi, fj}))}
                if keys & seen:
                    continue
                seen |= keys
                found.append(Conflict(ci.unit, i, j, fi, fj))
    return found
