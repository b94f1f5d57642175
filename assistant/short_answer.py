"""The short answer: the shortest span of an evidence sentence that answers the question.

"In which Chinese city were the talks held?" is answered "Tianjin", not by two sentences
about the talks. Given the question and a few candidate sentences (the evidence the answer
cites, with the pipeline's relevance score for each), `short_answer` returns a span copied
verbatim from one sentence, with its offsets in the sentence and in the document, and a score
that estimates P(span is the answer); or None when no span is likely enough (a "why" question
answered by a whole sentence, or a sentence that holds nothing of the expected kind).

How
0. A question about a speech act ("What did Wang Yi ask of the Taliban?", "What did the firm
   promise?") is answered by the act's content in a cited sentence that reports the same act
   under any verb of its kind (`act_answer`, assistant/acts.py): "crack down on the East
   Turkestan Islamic Movement", "no jobs would be lost". Every other question goes on:
1. `question.analyse` says what is asked: a person, place, organisation, time, number,
   percentage, money, name, thing, reason, manner or clause, and the noun naming it
   ("which Chinese *city*"); a measure noun says which number ("what *growth*": a percentage,
   "what was the median *price*": money, "what *speed*": a number).
2. Candidate spans from every sentence: capitalised runs and their sub-runs (names, places),
   numbers with currency, scale and unit, dates, quoted titles, runs of content words (noun
   phrases: "gas stoves", "dark chocolate"), and short clauses after "because", "to", "that",
   "over" ... Spans whose words all occur in the question are dropped ("Taliban" does not
   answer a question about the Taliban).
3. A logistic regression over about 170 features (answer-kind × span-shape crosses, a
   gazetteer place check, the question noun next to the span, distance to the question's
   words in the sentence, length, the sentence's relevance and rank, repetition across
   sentences) scores every span; the best one is returned when its score reaches
   `min_score`. The coefficients are in short_answer_model.json, fitted by
   bench/train_short_answer.py on the RealTime QA 2024 dev weeks only (even weeks): the
   spans equal to the quiz's right choice (SQuAD normalisation) are positives, all others
   negatives. Run time is numpy only (no scikit-learn).
4. With ``embed`` (the pipeline passes it when the bundled all-MiniLM-L6-v2 is the embedder:
   answer.span_embedder), the lexical model's best RESCORE_TOP spans are re-scored by a second
   logistic regression: the lexical score plus the span's cosine with the question's noun, with
   its kind of answer and with the question (the "embedding" entry of the model file).

Measured (bench/short_answer.py, oracle setting: candidate sentences are the quiz excerpt's
sentences ranked by question-term overlap; EM / token F1 against the right choice with SQuAD
normalisation; all questions that come with an excerpt):

| split | questions | EM | F1 | answered | EM where the choice is a candidate span | ceiling |
| --- | --- | --- | --- | --- | --- | --- |
| dev (5-fold CV by week), lexical, floor 0 | 500 | 0.272 | 0.351 | 100% | 0.471 | 0.578 |
| dev, lexical, floor 0.12 | 500 | 0.266 | 0.338 | 85% | 0.460 | 0.578 |
| dev, with embeddings, floor 0 | 500 | 0.334 | 0.425 | 100% | 0.578 | 0.578 |
| dev, with embeddings, floor 0.13 (shipped) | 500 | 0.318 | 0.395 | 86% | 0.550 | 0.578 |
| test (odd weeks, once), lexical, floor 0.12 | 491 | 0.297 | 0.354 | 81% | 0.488 | 0.609 |
| test, with embeddings, floor 0.13 (shipped) | 491 | 0.342 | 0.411 | 80% | 0.562 | 0.609 |

Dev rows re-score the best 15 spans (as fitted), test rows the best 10 (as shipped).
Median short answer: 1 word. "Ceiling": share of questions whose right choice is one of the
candidate spans at all (the quiz's wording is often not the article's: "Tigger" for "the
bouncy tiger"), so at most ~0.6 EM is reachable this way. The score is roughly calibrated,
optimistic at the top (test, with embeddings: spans scored 0.2-0.4 are right 27% of the time,
0.4-0.6: 38%, 0.6-0.8: 62%, 0.8-1: 70%; below 0.2: 13%). Each floor keeps 95% of the right dev
answers. Commands: `python bench/train_short_answer.py` (dev CV, writes the model file),
`python bench/short_answer.py --split test` (bench/results/short_answer_test.json).
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from assistant.acts import Act, asked_act, best_complement
from assistant.errors import ModelError
from assistant.facts import DATE, MONTH, gazetteer
from assistant.lexicon import BLOCS, DEMONYM, MONTHS, STARTERS, TITLES, WEEKDAYS
from assistant.question import Question, analyse
from assistant.text import NUMBER_WORDS, STOPWORDS, terms, token_counter

log = logging.getLogger(__name__)

MODEL_PATH = Path(__file__).with_name("short_answer_model.json")


@dataclass(frozen=True)
class Candidate:
    """An evidence sentence: ``text`` is ``document[start:start + len(text)]``."""

    text: str
    score: float = 0.0   # the pipeline's relevance score (any scale; only order and ratio to the best matter)
    start: int = 0       # offset of the sentence in its document
    doc_id: str = ""
    citation: int | None = None  # the caller's handle, passed through


@dataclass(frozen=True)
class Span:
    """The short answer: ``text == candidates[candidate].text[start:end]`` and
    ``document[doc_start:doc_end] == text``."""

    text: str
    candidate: int
    start: int
    end: int
    doc_start: int
    doc_end: int
    score: float
    kind: str           # the span's shape: name, number, time, quoted, phrase or clause
    doc_id: str = ""
    citation: int | None = None


# ---- tokens ------------------------------------------------------------------------------
_LETTER = "A-Za-zÀ-ÖØ-öø-ÿ"
_TOKEN = re.compile(
    rf"[$£€¥]?\d[\d,]*(?:\.\d+)?%?|[{_LETTER}0-9]+(?:[’'\-.&][{_LETTER}0-9]+)*|\S")
_CONNECTORS = {"of", "and", "&", "de", "du", "van", "von", "der", "la", "le", "al", "bin", "da", "del", "the"}
_SCALE = {"million", "billion", "trillion", "bn", "m", "k", "thousand", "hundred", "mn", "tn"}
_PERCENT_WORDS = {"percent", "per"}
_CURRENCY_WORDS = {"dollars", "dollar", "pounds", "pound", "euros", "euro", "yen", "yuan", "rupees", "cents",
                   "pence", "francs", "roubles", "rubles", "won", "pesos", "p"}
_CLAUSE_TRIGGERS = {"because", "to", "that", "over", "amid", "after", "by", "for", "as", "so", "since",
                    "following", "due", "saying", "including", "whether"}
_CLAUSE_STOP = set(",;:()[]\"“”—–")
_ROLE_NEXT = re.compile(r"^\s*(,\s*)?(said|says|told|added|wrote|warned|urged|announced|who|,\s*the|,\s*a)\b", re.I)
_LOCATIVE_BEFORE = {"in", "at", "near", "from", "outside", "across", "into", "to", "around", "throughout", "of"}
_TIME_BEFORE = {"on", "in", "since", "until", "by", "from", "during", "before", "after"}
_TRAILING = ",;:"
_MAX_CLAUSE_WORDS = 14
_MAX_SPAN_WORDS = 14


@dataclass
class _Token:
    text: str
    start: int
    end: int

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def is_word(self) -> bool:
        return self.text[0].isalnum() or self.text[0] in "$£€¥"

    @property
    def is_cap(self) -> bool:
        t = self.text
        return t[0].isupper() or (t[0].isdigit() and any(c.isupper() for c in t))

    @property
    def is_number(self) -> bool:
        t = self.text
        return any(c.isdigit() for c in t) or t.lower() in NUMBER_WORDS


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]


# ---- candidate spans ---------------------------------------------------------------------
@dataclass
class _Cand:
    sent: int
    i: int            # first token
    j: int            # one past the last token
    start: int        # character offsets in the sentence
    end: int
    shapes: set[str]
    flags: set[str]


def _add(found: dict, sent: int, toks: list[_Token], i: int, j: int, shape: str, *flags: str,
         start: int | None = None, end: int | None = None) -> None:
    if i >= j or j - i > _MAX_SPAN_WORDS:
        return
    s = toks[i].start if start is None else start
    e = toks[j - 1].end if end is None else end
    key = (sent, s, e)
    cand = found.get(key)
    if cand is None:
        cand = found[key] = _Cand(sent, i, j, s, e, set(), set())
    cand.shapes.add(shape)
    cand.flags.update(flags)


def _possessive_end(tok: _Token) -> int:
    """End offset without a trailing possessive ("Britain's" -> "Britain")."""
    if tok.low.endswith(("'s", "’s")):
        return tok.end - 2
    return tok.end


def _names(found: dict, sent: int, toks: list[_Token]) -> None:
    """Capitalised runs ("Wang Yi", "Bank of England", "Denmark's Queen Margrethe II") and
    every sub-run that starts and ends on a capitalised word."""
    n = len(toks)
    i = 0
    while i < n:
        if not (toks[i].is_word and toks[i].is_cap):
            i += 1
            continue
        j = i + 1
        while j < n:
            if toks[j].is_word and toks[j].is_cap:
                j += 1
            elif toks[j].low in _CONNECTORS and j + 1 < n and toks[j + 1].is_word and toks[j + 1].is_cap \
                    and not toks[j - 1].low.endswith(("'s", "’s")):
                j += 2
            else:
                break
        run = list(range(i, j))
        heads = [k for k in run if toks[k].is_cap and toks[k].low not in _CONNECTORS]
        for a_pos, a in enumerate(heads):
            for b in heads[a_pos:]:
                if b - a >= 8:
                    break
                flags = ["maximal"] if (a == heads[0] and b == heads[-1]) else ["subrun"]
                if a == 0:
                    flags.append("sentence_start")
                if toks[a].text in STARTERS or toks[a].text in TITLES:
                    flags.append("starts_with_title")
                if a > i and toks[a - 1].text in TITLES:
                    flags.append("after_title")
                end = _possessive_end(toks[b])
                # "April", "Monday": a date word is a time, not a name ("When ...?" is not
                # answered by "Andrew Marr" because months are capitalised too).
                shape = "time" if all(toks[k].text.rstrip(".,") in _DATE_WORDS for k in range(a, b + 1)) else "name"
                if end != toks[b].end:
                    _add(found, sent, toks, a, b + 1, shape, *flags, "keeps_possessive")
                    flags.append("possessive")
                _add(found, sent, toks, a, b + 1, shape, *flags, end=end)
        i = j


_DATE_WORDS = frozenset(MONTHS) | frozenset(WEEKDAYS)


def _continues_number(toks: list[_Token], i: int) -> bool:
    """The "million" of "2.4 million": a scale word after a number is part of it, never a span's start."""
    return toks[i].low in _SCALE and i > 0 and toks[i - 1].is_number


def _numbers(found: dict, sent: int, toks: list[_Token]) -> None:
    n = len(toks)
    for i, tok in enumerate(toks):
        if not tok.is_word or not tok.is_number:
            continue
        if tok.is_cap and not tok.text[0].isdigit() and i > 0:
            continue  # "One Direction" is a name, not a number
        if _continues_number(toks, i):
            continue
        a, b = i, i + 1
        _add(found, sent, toks, a, b, "number")
        # "four to eight hours", "5-4"
        if b + 1 < n and toks[b].low in {"to", "-", "–", "and", "or"} and toks[b + 1].is_number:
            b += 2
            _add(found, sent, toks, a, b, "number", "range")
        if b < n and toks[b].low in _SCALE:
            b += 1
            _add(found, sent, toks, a, b, "number", "scaled")
        if b < n and (toks[b].text == "%" or toks[b].low in _PERCENT_WORDS):
            extra = 2 if toks[b].low == "per" and b + 1 < n and toks[b + 1].low == "cent" else 1
            _add(found, sent, toks, a, b + extra, "percent")
        if toks[i].text.endswith("%"):
            found[(sent, toks[a].start, toks[b - 1].end)].shapes.add("percent")
        if toks[a].text[0] in "$£€¥" or (a > 0 and toks[a - 1].text in "$£€¥"):
            s = toks[a - 1].start if toks[a].text[0] not in "$£€¥" and a > 0 else toks[a].start
            _add(found, sent, toks, a, b, "money", start=s)
        if b < n and toks[b].low in _CURRENCY_WORDS:
            _add(found, sent, toks, a, b + 1, "money")
        # a unit noun after the number ("seven weeks", "112,000 vehicles")
        if b < n and toks[b].is_word and toks[b].low not in STOPWORDS and not toks[b].is_cap:
            _add(found, sent, toks, a, b + 1, "number", "with_unit")


# A choice or range of days around a date: "4 or 5 April", "April 4 or 5", "4-5 April".
_DAYS_BEFORE = re.compile(r"\b\d{1,2}(?:\s*(?:-|–|/)\s*|\s+(?:or|and|to)\s+)$")
_DAYS_AFTER = re.compile(r"^(?:\s*(?:-|–|/)\s*|\s+(?:or|and|to)\s+)\d{1,2}\b")
_MONTH = re.compile(rf"\b{MONTH}")


def _dates(found: dict, sent: int, text: str, toks: list[_Token]) -> None:
    starts = {t.start: k for k, t in enumerate(toks)}
    ends = {t.end: k for k, t in enumerate(toks)}
    for m in DATE.finditer(text):
        if m.start() in starts and m.end() in ends:
            _add(found, sent, toks, starts[m.start()], ends[m.end()] + 1, "time")
            if not _MONTH.search(m.group(0)):
                continue  # ranges of days only around a day and month, never around a bare year
            days_before = _DAYS_BEFORE.search(text[: m.start()]) if m.group(0)[:1].isdigit() else None
            days_after = _DAYS_AFTER.match(text[m.end():]) if m.group(0)[-1:].isdigit() else None
            s = days_before.start() if days_before else m.start()
            e = m.end() + days_after.end() if days_after else m.end()
            if (s, e) != (m.start(), m.end()) and s in starts and e in ends:
                _add(found, sent, toks, starts[s], ends[e] + 1, "time", "date_range")


_QUOTED = re.compile(r"[“\"‘']([^“”\"‘’']{2,80})[”\"’']")


def _quoted(found: dict, sent: int, text: str, toks: list[_Token]) -> None:
    starts = {t.start: k for k, t in enumerate(toks)}
    ends = {t.end: k for k, t in enumerate(toks)}
    for m in _QUOTED.finditer(text):
        inner_s, inner_e = m.start(1), m.end(1)
        while inner_e > inner_s and not text[inner_e - 1].isalnum():
            inner_e -= 1  # "Foo," -> Foo
        if inner_s in starts and inner_e in ends and len(m.group(1).split()) <= 10:
            _add(found, sent, toks, starts[inner_s], ends[inner_e] + 1, "quoted")


def _phrases(found: dict, sent: int, toks: list[_Token]) -> None:
    """Runs of content words and their sub-runs of up to four words ("dark chocolate")."""
    n = len(toks)
    i = 0
    while i < n:
        if not toks[i].is_word or toks[i].low in STOPWORDS:
            i += 1
            continue
        j = i
        while j < n and toks[j].is_word and toks[j].low not in STOPWORDS:
            j += 1
        for a in range(i, j):
            if _continues_number(toks, a):
                continue
            for b in range(a + 1, min(j, a + 4) + 1):
                _add(found, sent, toks, a, b, "phrase", "maximal_phrase" if (a == i and b == j) else "subphrase")
        i = j


def _clauses(found: dict, sent: int, toks: list[_Token]) -> None:
    """Short clauses after "because", "to", "that" ... up to the next comma or bracket."""
    n = len(toks)
    for k, tok in enumerate(toks):
        if tok.low not in _CLAUSE_TRIGGERS:
            continue
        a = k + 1
        if tok.low == "due" and a < n and toks[a].low == "to":
            a += 1
        if tok.low == "because" and a < n and toks[a].low == "of":
            a += 1
        b = a
        while b < n and toks[b].text not in _CLAUSE_STOP and b - a < _MAX_CLAUSE_WORDS:
            b += 1
        while b > a and not toks[b - 1].is_word:
            b -= 1
        if b - a >= 2:
            _add(found, sent, toks, a, b, "clause", f"after_{tok.low}")


def _candidates(texts: Sequence[str]) -> tuple[list[list[_Token]], list[_Cand]]:
    found: dict = {}
    all_tokens = []
    for s, text in enumerate(texts):
        toks = _tokens(text)
        all_tokens.append(toks)
        _names(found, s, toks)
        _numbers(found, s, toks)
        _dates(found, s, text, toks)
        _quoted(found, s, text, toks)
        _phrases(found, s, toks)
        _clauses(found, s, toks)
    return all_tokens, list(found.values())


# ---- features ----------------------------------------------------------------------------
SHAPES = ("name", "number", "percent", "money", "time", "quoted", "phrase", "clause")
EXPECTED = ("person", "place", "org", "time", "number", "percent", "money", "name", "thing", "reason", "manner",
            "clause")
_FITS = {  # the span shapes that can answer each kind
    "person": {"name"}, "place": {"name"}, "org": {"name"}, "time": {"time"}, "number": {"number"},
    "percent": {"percent"}, "money": {"money"}, "name": {"name", "quoted"}, "thing": {"name", "phrase", "quoted"},
    "reason": {"clause"}, "manner": {"clause"}, "clause": {"clause", "phrase"},
}


# Kinds of answer only a span of their own form gives: "What is the interest rate?" is not
# answered "$400m", nor "When was the ban imposed?" with a name. On the quiz's dev weeks every
# right choice of these kinds that is a candidate span has that form (percent 1, money 3, number
# 14, time 4 questions, relative clauses read as question.py now does), so the rule costs none.
_MEASURED = {
    "percent": re.compile(r"%|\bper ?cent\b|\bpercentage points?\b", re.I),
    "money": re.compile(r"[$£€¥]|\d\s?(m|bn|k|tn|p)\b|\b(million|billion|trillion|pounds?|dollars?|euros?|yen|yuan|"
                        r"rupees?|cents?|pence)\b", re.I),
    "number": re.compile(r"\d|\b(" + "|".join(sorted(NUMBER_WORDS)) + r")\b", re.I),
    "time": re.compile(r"\b(1[5-9]\d\d|20\d\d|\d{1,2}(st|nd|rd|th)?|\d+s|" + "|".join(MONTHS + WEEKDAYS) + r"|"
                       r"today|yesterday|tomorrow|tonight|morning|afternoon|evening|night|week|weeks|month|months|"
                       r"year|years|day|days|hours?|minutes?|decades?|centur(y|ies)|spring|summer|autumn|"
                       r"winter|season|noon|midnight|weekend|now|later|earlier|ago|since|until)\b", re.I),
}


def measures_as(expected: str, span: str) -> bool:
    """Can ``span`` answer a question whose answer is of kind ``expected``? A percentage, an
    amount of money, a number and a time must look like one; any span may answer the others."""
    pattern = _MEASURED.get(expected)
    return pattern is None or bool(pattern.search(span))


def _norm_words(text: str) -> list[str]:
    return normalize_answer(text).split()


def feature_names() -> list[str]:
    names = [f"shape_{s}" for s in SHAPES] + [f"exp_{e}" for e in EXPECTED]
    names += [f"x_{e}_{s}" for e in EXPECTED for s in SHAPES]
    names += [
        "fits", "place_region", "place_city", "place_fit", "place_misfit", "person_sign", "person_fit",
        "focus_in_span", "focus_adjacent", "q_overlap", "q_any", "q_name_overlap",
        "rel_ratio", "rank0", "rank1", "rank2plus", "sent_coverage", "near_q", "near_q_count", "dist_q",
        "len1", "len2", "len3", "len4_5", "len6plus", "log_chars", "position", "maximal", "subrun",
        "sentence_start", "starts_with_title", "after_title", "possessive", "maximal_phrase", "subphrase",
        "range", "scaled", "with_unit", "keeps_possessive", "repeated", "common_word", "common_name", "demonym",
        "in_parens", "after_locative", "after_time_word",
        "after_by", "before_said", "cap_ratio", "has_digit", "stop_inside", "clause_after_because",
        "clause_after_to", "clause_after_that", "clause_after_other", "ends_stop", "all_caps",
    ]
    return names


FEATURES = feature_names()
EMBEDDING_FEATURES = ["sim_focus", "sim_kind", "sim_question", "sim_focus_named", "lexical_logit"]
# The embedding model re-scores only the lexical model's best spans (embedding every span of
# every sentence would cost ~40 encoder calls per sentence). The model was fitted on the best
# 15; scoring the best 10 gives the same dev answers (250 dev questions end to end, the stored
# inputs of `bench/qa_benchmark.py --split dev --limit 250`: exact match / F1 0.268 / 0.311 at
# 15 and 10, 0.264 / 0.307 at 8) for 44 instead of 62 ms per answer on 2 cores.
RESCORE_TOP = 10


def _features(q: Question, texts: Sequence[str], scores: Sequence[float], toks_all: list[list[_Token]],
              cand: _Cand, sent_cov: list[float], q_positions: list[list[int]], counts: dict[str, int],
              order: dict[int, int]) -> dict[str, float]:
    f: dict[str, float] = {}
    text = texts[cand.sent]
    toks = toks_all[cand.sent]
    span = text[cand.start:cand.end]
    shapes = cand.shapes
    for s in shapes:
        f[f"shape_{s}"] = 1.0
        f[f"x_{q.expected}_{s}"] = 1.0
    f[f"exp_{q.expected}"] = 1.0
    f["fits"] = float(bool(shapes & _FITS[q.expected]))
    place = gazetteer().kind(span) if "name" in shapes else None
    if place:
        f[f"place_{place}"] = 1.0
        f["place_fit" if q.expected in {"place", "thing", "name"} else "place_misfit"] = 1.0
    after = text[cand.end:cand.end + 40]
    before_tok = toks[cand.i - 1].low if cand.i > 0 else ""
    if "name" in shapes and (_ROLE_NEXT.match(after) or "after_title" in cand.flags):
        f["person_sign"] = 1.0
        if q.expected == "person":
            f["person_fit"] = 1.0
    span_words = [t.low for t in toks[cand.i:cand.j] if t.is_word]
    if q.focus_head:
        head = q.focus_head.rstrip("s")
        if any(w.rstrip("s") == head for w in span_words):
            f["focus_in_span"] = 1.0
        window = [t.low.rstrip("s") for t in toks[max(0, cand.i - 4):cand.i] + toks[cand.j:cand.j + 4]]
        if head in window:
            f["focus_adjacent"] = 1.0
    span_terms = _terms(span)
    if span_terms:
        f["q_overlap"] = len(span_terms & q.terms) / len(span_terms)
        f["q_any"] = float(bool(span_terms & q.terms))
    if "name" in shapes:
        f["q_name_overlap"] = float(any(w in q.words for w in span_words))
    best = max(scores) if scores else 0.0
    f["rel_ratio"] = scores[cand.sent] / best if best > 0 else 1.0
    rank = order[cand.sent]
    f["rank0" if rank == 0 else "rank1" if rank == 1 else "rank2plus"] = 1.0
    f["sent_coverage"] = sent_cov[cand.sent]
    positions = q_positions[cand.sent]
    if positions:
        dist = min(min(abs(p - cand.i), abs(p - (cand.j - 1))) for p in positions)
        f["dist_q"] = math.log1p(dist) / 3.0
        f["near_q"] = 1.0 / (1.0 + dist)
        f["near_q_count"] = sum(1 for p in positions if cand.i - 5 <= p < cand.j + 5) / 5.0
    else:
        f["dist_q"] = 1.0
    n_words = len(span_words)
    f["len1" if n_words <= 1 else "len2" if n_words == 2 else "len3" if n_words == 3 else
      "len4_5" if n_words <= 5 else "len6plus"] = 1.0
    f["log_chars"] = math.log1p(len(span)) / 5.0
    f["position"] = cand.start / max(1, len(text))
    for flag in ("maximal", "subrun", "sentence_start", "starts_with_title", "after_title", "possessive",
                 "maximal_phrase", "subphrase", "range", "scaled", "with_unit", "keeps_possessive"):
        if flag in cand.flags:
            f[flag] = 1.0
    key = normalize_answer(span)
    f["repeated"] = min(counts.get(key, 1) - 1, 3) / 3.0
    f["in_parens"] = float(cand.start > 0 and text[cand.start - 1] == "(")
    f["after_locative"] = float(before_tok in _LOCATIVE_BEFORE)
    f["after_time_word"] = float(before_tok in _TIME_BEFORE)
    f["after_by"] = float(before_tok == "by")
    f["before_said"] = float(bool(_BEFORE_SAID.match(after)))
    caps = [t for t in toks[cand.i:cand.j] if t.is_word]
    f["cap_ratio"] = sum(1 for t in caps if t.is_cap) / max(1, len(caps))
    f["all_caps"] = float(bool(caps) and all(t.text.isupper() and len(t.text) > 1 for t in caps))
    f["has_digit"] = float(any(c.isdigit() for c in span))
    if n_words == 1 and not f["has_digit"]:
        # One cl100k token for the lower-case word: an everyday word ("Marketed", "Doctors");
        # one only when capitalised: a well-known name ("Nokia", "Tesla").
        lower_one = _one_token(" " + span.lower())
        f["common_word"] = float(lower_one)
        f["common_name"] = float(not lower_one and _one_token(" " + span))
        f["demonym"] = float(bool(span in BLOCS or DEMONYM.match(span)) and not gazetteer().kind(span))
    f["stop_inside"] = sum(1 for w in span_words if w in STOPWORDS) / max(1, n_words)
    f["ends_stop"] = float(bool(span_words) and span_words[-1] in STOPWORDS)
    if "clause" in shapes:
        # The trigger in a fixed order: flags is a set, and "due to X" carries both after_due and
        # after_to, so iterating it gave a different feature per process (PYTHONHASHSEED).
        trigs = {fl[6:] for fl in cand.flags if fl.startswith("after_") and fl != "after_title"}
        trig = next((t for t in ("because", "due", "to", "that") if t in trigs), min(trigs, default=""))
        name = {"because": "because", "due": "because", "to": "to", "that": "that"}.get(trig, "other")
        f[f"clause_after_{name}"] = 1.0
    return f


_BEFORE_SAID = re.compile(r"^\W{0,3}\s*(said|says|told|added)\b")


@lru_cache(maxsize=50_000)
def _one_token(text: str) -> bool:
    return token_counter()(text) == 1


# Countries whose adjective does not start like their name ("Chinese" -> "China" does).
_COUNTRY_OF = {
    "american": {"us", "usa", "america", "united states"}, "british": {"uk", "britain", "great britain"},
    "french": {"france"}, "dutch": {"netherlands", "holland"}, "welsh": {"wales"}, "irish": {"ireland"},
    "danish": {"denmark"}, "spanish": {"spain"}, "polish": {"poland"}, "swiss": {"switzerland"},
    "filipino": {"philippines"}, "emirati": {"uae", "united arab emirates"},
}


@lru_cache(maxsize=1024)
def _nationalities(question_words: frozenset[str]) -> tuple[str, ...]:
    return tuple(w for w in sorted(question_words) if DEMONYM.match(w.capitalize()))


def _names_asked_country(q: Question, span: str) -> bool:
    """Is the span the country of a nationality the question already names ("China" for "In
    which *Chinese* city ...?", "France" for "which French port")? Such a span repeats the
    question: it cannot be the city, port or person asked for."""
    low = span.lower()
    for word in _nationalities(q.words):
        if low in _COUNTRY_OF.get(word, ()):
            return True
        if " " not in low and len(low) >= 4 and low[:4] == word[:4] and gazetteer().kind(span) == "region":
            return True
    return False


def _keep(q: Question, span: str) -> bool:
    """Drops spans that only repeat the question (also as the country of a nationality it
    names), and spans with nothing in them."""
    own = _terms(span)
    if not own:
        return False
    return not own <= q.terms and not _names_asked_country(q, span)


@lru_cache(maxsize=100_000)
def _terms(span: str) -> frozenset[str]:
    """A span's terms (spans repeat across the candidates of one question and across questions)."""
    return frozenset(terms(span))


def _sentence_coverage(q: Question, toks: list[_Token]) -> tuple[float, list[int]]:
    from assistant.text import _stem  # the same stemmer as `terms`

    positions = []
    seen = set()
    for k, t in enumerate(toks):
        if not t.is_word or t.low in STOPWORDS:
            continue
        word = t.low.replace("’", "'")
        word = word[:-2] if word.endswith("'s") else word
        term = word if word[:1].isdigit() else _stem(word)
        if term in q.terms:
            positions.append(k)
            seen.add(term)
    return (len(seen) / len(q.terms) if q.terms else 0.0), positions


@dataclass(frozen=True)
class Scored:
    """A candidate span with its features and score (for training and inspection)."""

    text: str
    candidate: int
    start: int
    end: int
    shape: str
    features: dict[str, float]
    score: float = 0.0


Embed = Callable[[list[str]], Sequence[Sequence[float]]]
# What an answer of each kind is, for the embedding similarity when the question names no noun.
_PROTOTYPES = {
    "person": "a person", "place": "a place", "org": "a company or organisation", "time": "a date",
    "number": "a number", "percent": "a percentage", "money": "an amount of money", "name": "a name",
    "thing": "a thing", "reason": "a reason", "manner": "a way of doing something", "clause": "an action",
}


def similarity_features(question: str | Question, rows: Sequence[Scored], embed: Embed,
                        lexical: Sequence[float]) -> list[Scored]:
    """``rows`` with the embedding features added: the span's cosine with the noun the question
    names (or, without one, with its kind: "a person"), with its kind, and with the question;
    and the lexical model's logit, so the embedding model re-ranks rather than starts over."""
    q = analyse(question) if isinstance(question, str) else question
    if not rows:
        return []
    proto = _PROTOTYPES[q.expected]
    texts = [r.text for r in rows]
    unique = list(dict.fromkeys(texts))
    vectors = np.asarray(embed([q.focus or proto, proto, q.clause, *unique]), dtype=float)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    at = {t: k for k, t in enumerate(unique, start=3)}
    span_vecs = vectors[[at[t] for t in texts]]
    focus, kind, clause = span_vecs @ vectors[0], span_vecs @ vectors[1], span_vecs @ vectors[2]
    out = []
    for k, (r, p) in enumerate(zip(rows, lexical, strict=True)):
        p = min(max(float(p), 1e-6), 1 - 1e-6)
        feats = dict(r.features, sim_focus=float(focus[k]), sim_kind=float(kind[k]), sim_question=float(clause[k]),
                     sim_focus_named=float(focus[k]) if q.focus else 0.0, lexical_logit=math.log(p / (1 - p)) / 5.0)
        out.append(Scored(r.text, r.candidate, r.start, r.end, r.shape, feats, r.score))
    return out


def spans(question: str | Question, candidates: Sequence[Candidate]) -> list[Scored]:
    """Every candidate span with its lexical features (unscored), in a stable order."""
    q = analyse(question) if isinstance(question, str) else question
    texts = [c.text for c in candidates]
    scores = [float(c.score) for c in candidates]
    toks_all, cands = _candidates(texts)
    cov_pos = [_sentence_coverage(q, toks) for toks in toks_all]
    sent_cov = [c for c, _ in cov_pos]
    q_positions = [p for _, p in cov_pos]
    order = {s: r for r, s in enumerate(sorted(range(len(texts)), key=lambda s: -scores[s]))}
    kept = [c for c in cands if _keep(q, texts[c.sent][c.start:c.end])]
    # In how many sentences each span's text stands as a candidate of its own.
    keys: dict[int, set[str]] = {}
    for c in kept:
        keys.setdefault(c.sent, set()).add(normalize_answer(texts[c.sent][c.start:c.end]))
    counts: dict[str, int] = {}
    for s, own in keys.items():
        norm_text = f" {normalize_answer(texts[s])} "
        for key in own:
            if key and f" {key} " in norm_text:
                counts[key] = counts.get(key, 0) + 1
    out = []
    for c in kept:
        shape = next(s for s in SHAPES[::-1] if s in c.shapes) if c.shapes else "phrase"
        for preferred in ("money", "percent", "time", "number", "quoted", "name"):
            if preferred in c.shapes:
                shape = preferred
                break
        feats = _features(q, texts, scores, toks_all, c, sent_cov, q_positions, counts, order)
        out.append(Scored(texts[c.sent][c.start:c.end], c.sent, c.start, c.end, shape, feats))
    return out


# ---- the model ---------------------------------------------------------------------------
VARIANTS = ("lexical", "embedding")


@dataclass(frozen=True)
class Model:
    names: list[str]
    coef: np.ndarray
    intercept: float
    min_score: float

    @cached_property
    def index(self) -> dict[str, int]:
        return {n: k for k, n in enumerate(self.names)}

    def score(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        if not rows:
            return np.zeros(0)
        index = self.index
        at, cols, values = [], [], []  # filled as lists, set in one go: numpy item writes are slow
        for r, feats in enumerate(rows):
            for name, value in feats.items():
                k = index.get(name)
                if k is not None:
                    at.append(r)
                    cols.append(k)
                    values.append(value)
        x = np.zeros((len(rows), len(self.names)))
        x[at, cols] = values
        z = x @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))


@lru_cache(maxsize=4)
def _model_file(path: Path) -> dict:
    """The model file, read and parsed once per process (both variants and the check share it)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def has_variant(variant: str, path: Path = MODEL_PATH) -> bool:
    try:
        return variant in _model_file(path)
    except (OSError, ValueError):
        return False


@lru_cache(maxsize=8)
def load_model(variant: str = "lexical", path: Path = MODEL_PATH) -> Model:
    """``variant``: "lexical" (no embeddings) or "embedding" (two similarity features more)."""
    try:
        data = _model_file(path)[variant]
        return Model(list(data["features"]), np.asarray(data["coef"], dtype=float), float(data["intercept"]),
                     float(data.get("min_score", 0.0)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.error("short-answer model %s (%s) cannot be read: %s: %s", path, variant, type(exc).__name__, exc)
        raise ModelError("the short-answer model shipped with the package cannot be read (details in the log): "
                         "reinstall the package, or set ASSISTANT_ANSWER__SHORT_ANSWERS=false") from None


def rank(question: str, candidates: Sequence[Candidate], embed: Embed | None = None,
         model: Model | None = None) -> list[Scored]:
    """Candidate spans scored, best first (ties: the shorter span). With ``embed``, the lexical
    model's best RESCORE_TOP spans re-scored by the embedding model (the others are dropped)."""
    q = analyse(question)
    rows = spans(q, candidates)
    if embed is not None and model is None and not has_variant("embedding"):
        embed = None  # a model file fitted without embeddings
    if embed is None:
        probs = (model or load_model("lexical")).score([r.features for r in rows])
    else:
        probs = load_model("lexical").score([r.features for r in rows])
        if rows:
            top = sorted(range(len(rows)), key=lambda k: (-probs[k], len(rows[k].text)))[:RESCORE_TOP]
            rows = similarity_features(q, [rows[k] for k in top], embed, [probs[k] for k in top])
            probs = (model or load_model("embedding")).score([r.features for r in rows])
    scored = [Scored(r.text, r.candidate, r.start, r.end, r.shape, r.features, float(p))
              for r, p in zip(rows, probs, strict=True)]
    scored.sort(key=lambda r: (-r.score, len(r.text)))
    return scored


NO_SPAN_LOGIT = -7.0  # a sentence with no span of the kind asked for (P ~ 0.001)


def sentence_span_logits(question: str, texts: Sequence[str], relevance: Sequence[float],
                         model: Model | None = None) -> list[float]:
    """Per sentence, the logit of its best span of the kind asked for (`measures_as`), the
    lexical model ranking all sentences together as the short answer does: the answer judge's
    evidence that a sentence holds what is asked ("Who is the Lib Dem leader?" -> "..., Lib Dem
    leader Charles Kennedy has said." holds a person's name next to the question's words).
    ``model``: another lexical model (the judge's training script passes out-of-fold ones)."""
    out = [NO_SPAN_LOGIT] * len(texts)
    if not question.strip() or not texts:
        return out
    expected = analyse(question).expected
    cands = [Candidate(t, float(r)) for t, r in zip(texts, relevance, strict=True)]
    for s in rank(question, cands, model=model or load_model("lexical")):
        if measures_as(expected, s.text):
            p = min(max(s.score, 1e-3), 1 - 1e-3)
            out[s.candidate] = max(out[s.candidate], math.log(p / (1 - p)))
    return out


def short_answer(question: str, candidates: Sequence[Candidate], embed: Embed | None = None,
                 min_score: float | None = None, model: Model | None = None, acts: bool = True) -> Span | None:
    """The shortest span that answers ``question``, verbatim from one of ``candidates``, or None
    when no span scores at least ``min_score`` (default: the model file's, chosen on dev).

    ``embed`` maps texts to vectors with all-MiniLM-L6-v2 (the embedder the model was fitted
    with, e.g. ``CachedEmbeddings.embed_texts``); without it the lexical model is used.
    ``acts``: answer "What did X ask/promise ...?" with the act's content (`act_answer`)."""
    if not question.strip() or not candidates:
        return None
    act = asked_act(analyse(question).clause) if acts else None
    if act is not None:
        return act_answer(act, candidates)
    if embed is not None and model is None and not has_variant("embedding"):
        embed = None
    model = model or load_model("embedding" if embed is not None else "lexical")
    ranked = rank(question, candidates, embed, model)
    expected = analyse(question).expected
    ranked = [r for r in ranked if measures_as(expected, r.text)]
    if not ranked:
        return None
    best = ranked[0]
    floor = model.min_score if min_score is None else min_score
    if best.score < floor:
        return None
    c = candidates[best.candidate]
    # A number token keeps a comma that follows it ("in 2005, the ..."): the ranker was fitted
    # on those tokens, so they stay for scoring, and only the answer shown loses the comma
    # (the short answer read "2005,").
    text = best.text.rstrip(_TRAILING)
    end = best.start + len(text)
    return Span(text, best.candidate, best.start, end, c.start + best.start, c.start + end,
                round(best.score, 4), best.shape, c.doc_id, c.citation)


def act_answer(act: Act, candidates: Sequence[Candidate]) -> Span | None:
    """What was asked, promised or warned ... (assistant/acts.py), verbatim from the best
    candidate sentence that reports that act ("crack down on the East Turkestan Islamic
    Movement"), or None when no candidate reports it. The span model is not asked instead: on
    the speech-act dev set (bench/acts.py, evals/sets/acts_dev.yaml) its spans for these
    questions held the key fact for 1 of 36 questions while it answered 16. ``score`` is the
    sentence's (the judge's P(it answers)): no span-level probability exists for these."""
    order = sorted(range(len(candidates)), key=lambda k: -candidates[k].score)
    found = best_complement([candidates[k].text for k in order], act)
    if found is None:
        return None
    n, part = found
    c = candidates[order[n]]
    return Span(part.text, order[n], part.start, part.end, c.start + part.start, c.start + part.end,
                round(float(c.score), 4), "clause", c.doc_id, c.citation)


# ---- SQuAD scoring -----------------------------------------------------------------------
_ARTICLES = re.compile(r"\b(a|an|the)\b")


@lru_cache(maxsize=100_000)
def normalize_answer(text: str) -> str:
    """SQuAD v1.1 normalisation: lower case, no punctuation, no articles, single spaces."""
    text = text.lower().replace("’", "'")
    text = "".join(ch for ch in text if ch.isalnum() or ch.isspace())
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 over normalised words."""
    pred, ref = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred or not ref:
        return float(pred == ref)
    overlap = sum((Counter(pred) & Counter(ref)).values())
    if overlap == 0:
        return 0.0
    precision, recall = overlap / len(pred), overlap / len(ref)
    return 2 * precision * recall / (precision + recall)
