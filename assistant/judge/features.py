"""Features of (claim, passages) for the learned support check: pure functions, no models.

Each feature asks one question a reader asks when checking a claim against its source:
how close in meaning (embedding cosine, computed by the caller), how much of the claim's
wording the passage holds (content-term coverage, plain and IDF-weighted, in the best
sentence, the few best sentences together, and the whole source), whether it keeps their
order (term bigrams, longest common subsequence: "A beat B" vs "B beat A"), and whether
the claim brings numbers, names or a negation the source does not have. The learned model
(assistant/judge/support.py) weighs them; nothing here decides.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import pairwise

from assistant.text import numbers, proper_nouns, terms, words

# Feature order is the model file's column order; bench/train_support.py writes it there
# and support.py refuses a file whose list differs.
FEATURES: tuple[str, ...] = (
    "cos_best", "cos_second", "cos_pool",
    "cov_best", "cov_best_idf", "cov_pool", "cov_pool_idf", "cov_all", "cov_all_idf",
    "novel_all", "novel_pool_idf", "novel_all_idf_max",
    "bigram_pool", "lcs_best", "lcs_pool",
    "num_claim", "num_missing_pool", "num_missing_all",
    "name_claim", "name_missing_pool", "name_missing_all",
    "neg_mismatch", "claim_terms", "compression",
)

# Words that turn a statement around. "not", "no", "never" are stop words for retrieval,
# so negation is read from the raw words.
_NEGATIONS = frozenset("""not no never n't nobody none nothing neither nor without cannot didn't doesn't don't
isn't wasn't weren't aren't won't wouldn't hasn't haven't hadn't couldn't shouldn't can't""".split())  # noqa: SIM905
_NT = re.compile(r"n['’]t\b", re.I)
# A passage that refers back ("he said", "the firm") may take its names from the sentence
# before it; one that does not must name its subjects itself.
_REFERS_BACK = re.compile(r"\b(he|she|they|him|her|his|their|them|it|its|this|these|the (firm|company|group|"
                          r"minister|president|club|government|party|band|star|actor|singer|player|team|legend|"
                          r"champion|striker|boss|chief|spokesman|spokeswoman|official|leader|director))\b", re.I)

# Terms in fewer documents than this count as rare; unknown terms get the rarest IDF.
_IDF_FILE = "term_df.json.gz"


@cache
def idf_table() -> tuple[dict[str, float], float]:
    """Smoothed IDF of stemmed terms over the 2,225 BBC articles (bench/train_support.py
    writes the file). Returns (idf by term, IDF of an unseen term)."""
    with resources.files("assistant.judge").joinpath(_IDF_FILE).open("rb") as fh:
        data = json.loads(gzip.decompress(fh.read()))
    n = data["documents"]
    idf = {t: math.log((n + 1) / (df + 1)) + 1 for t, df in data["df"].items()}
    return idf, math.log((n + 1) / (data["min_df"])) + 1


def _idf(term: str) -> float:
    table, unseen = idf_table()
    return table.get(term, unseen)


@dataclass(frozen=True)
class Text:
    """What the features need of one text, computed once."""

    terms: tuple[str, ...]
    termset: frozenset[str]
    numbers: frozenset[str]
    names: frozenset[str]  # stemmed terms of capitalised words
    negations: int
    nameable: frozenset[str]  # terms that may ground a name: the extra text only if this one refers back


def analyse(text: str, extra: str = "") -> Text:
    """``extra`` (an article title, the sentence before) may ground terms, not names or numbers."""
    ts = tuple(terms(text))
    more = frozenset(terms(extra)) if extra else frozenset()
    neg = sum(1 for w in words(text) if w in _NEGATIONS) + len(_NT.findall(text))
    own = frozenset(ts)
    return Text(ts, own | more, frozenset(numbers(text)),
                frozenset(t for n in proper_nouns(text) for t in terms(n)), neg,
                own | more if _REFERS_BACK.search(text) else own)


def _coverage(claim: Sequence[str], pool: frozenset[str] | set[str], weighted: bool) -> float:
    if not claim:
        return 0.0
    if not weighted:
        return sum(1 for t in claim if t in pool) / len(claim)
    total = sum(_idf(t) for t in claim)
    return sum(_idf(t) for t in claim if t in pool) / total


def _lcs(a: Sequence[str], b: Sequence[str]) -> int:
    if not a or not b:
        return 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def features(claim: Text, passages: Sequence[Text], cosines: Sequence[float], pool: Sequence[int],
             group: Sequence[int]) -> dict[str, float]:
    """Features of one claim against passages.

    ``pool``: indices of the passages cited together (best first, the "best sentence" is
    pool[0]); ``group``: every passage of the same source (the whole article)."""
    ct = claim.terms
    cset = set(ct)
    best = passages[pool[0]]
    pool_terms = frozenset().union(*(passages[i].termset for i in pool))
    all_terms = frozenset().union(*(passages[i].termset for i in group))
    pool_nums = frozenset().union(*(passages[i].numbers for i in pool))
    all_nums = frozenset().union(*(passages[i].numbers for i in group))
    pool_names = frozenset().union(*(passages[i].nameable for i in pool))
    all_names = frozenset().union(*(passages[i].nameable for i in group))
    cos_sorted = sorted((cosines[i] for i in group), reverse=True)
    novel_all = [t for t in cset if t not in all_terms]
    novel_pool = [t for t in cset if t not in pool_terms]
    _, unseen = idf_table()
    bigrams = list(pairwise(ct))
    pool_bigrams = {bg for i in pool for bg in pairwise(passages[i].terms)}
    pool_seq = [t for i in sorted(pool) for t in passages[i].terms]
    n = max(len(ct), 1)
    return {
        "cos_best": float(cosines[pool[0]]),
        "cos_second": float(cos_sorted[1]) if len(cos_sorted) > 1 else 0.0,
        "cos_pool": float(max(cosines[i] for i in pool)),
        "cov_best": _coverage(ct, best.termset, False),
        "cov_best_idf": _coverage(ct, best.termset, True),
        "cov_pool": _coverage(ct, pool_terms, False),
        "cov_pool_idf": _coverage(ct, pool_terms, True),
        "cov_all": _coverage(ct, all_terms, False),
        "cov_all_idf": _coverage(ct, all_terms, True),
        "novel_all": math.log1p(len(novel_all)),
        "novel_pool_idf": sum(_idf(t) for t in novel_pool) / unseen,
        "novel_all_idf_max": max((_idf(t) for t in novel_all), default=0.0) / unseen,
        "bigram_pool": (sum(1 for b in bigrams if b in pool_bigrams) / len(bigrams)) if bigrams else 1.0,
        "lcs_best": _lcs(ct, best.terms) / n,
        "lcs_pool": _lcs(ct, pool_seq) / n,
        "num_claim": float(len(claim.numbers) > 0),
        "num_missing_pool": float(len(claim.numbers - pool_nums)),
        "num_missing_all": float(len(claim.numbers - all_nums)),
        "name_claim": float(len(claim.names) > 0),
        "name_missing_pool": float(len(claim.names - pool_names)),
        "name_missing_all": float(len(claim.names - all_names)),
        "neg_mismatch": float((claim.negations > 0) != (best.negations > 0)),
        "claim_terms": math.log1p(len(ct)),
        "compression": len(ct) / max(sum(len(passages[i].terms) for i in pool), 1),
    }


def choose_pool(claim: Text, passages: Sequence[Text], cosines: Sequence[float], candidates: Sequence[int],
                size: int = 3) -> list[int]:
    """The passages that best support the claim together, best first: the one with the best
    mix of meaning and wording, then up to ``size - 1`` that each add claim terms it lacks
    (a claim that fuses two sentences of an article cites both)."""
    if not candidates:
        return []
    cset = set(claim.terms)

    def single(i: int) -> float:
        return 0.5 * float(cosines[i]) + 0.5 * _coverage(claim.terms, passages[i].termset, True)

    ranked = sorted(candidates, key=single, reverse=True)
    pool = [ranked[0]]
    covered = set(passages[ranked[0]].termset) & cset
    for _ in range(size - 1):
        gains = [(len((passages[i].termset & cset) - covered), single(i), i) for i in ranked[:8] if i not in pool]
        gains = [g for g in gains if g[0] > 0]
        if not gains:
            break
        _, _, i = max(gains)
        pool.append(i)
        covered |= passages[i].termset & cset
    return pool
