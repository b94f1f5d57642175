"""The support check: is a sentence backed by a passage? Shared by answers, briefs and evals,
so all three mean the same thing by "supported".

support(claim, passage) = w * lexical + (1 - w) * cosine, where
  lexical = share of the claim's content terms (stemmed, stop words removed) found in the
            passage or its context (the article title and the sentence before it, which
            says who "he" is),
  cosine  = similarity of their sentence embeddings.
Supported when the score reaches ``threshold`` and lexical reaches ``min_lexical``: a claim
that shares the passage's topic but adds words the passage never says ("promised aid")
fails the second test, which is the failure a small model produces most.
Hard rules on top: every number and every URL in the claim must appear in the passage, and
every term the claim takes from the question must be grounded too: "Clive Owen won best
director", cited to "Clive Owen won best supporting actor", fails on "director".
A claim may be supported by one passage or by two of the same article (it cites both).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.models import CachedEmbeddings
from assistant.settings import VerifySettings
from assistant.text import numbers, proper_nouns, terms

# A passage that refers back ("he said", "the firm") may take its names from the sentence
# before it; one that does not must name its subjects itself.
_REFERS_BACK = re.compile(r"\b(he|she|they|him|her|his|their|them|it|its|this|these|the (firm|company|group|"
                          r"minister|president|club|government|party|band|star|actor|singer|player|team|legend|champion|"
                          r"striker|boss|chief|spokesman|spokeswoman|official|leader|director|singer))\b", re.I)
_URL = re.compile(r"(https?://\S+|www\.\S+|\b[\w-]+\.(com|org|net|io|ru|cn)\b)", re.I)


@dataclass
class Support:
    score: float
    lexical: float
    cosine: float
    passages: list[int]  # indices into the passages checked, best first
    supported: bool
    reason: str = ""


class SupportChecker:
    def __init__(self, embedder: CachedEmbeddings, settings: VerifySettings):
        self.embedder = embedder
        self.settings = settings

    def check_many(self, claims: Sequence[str], passages: Sequence[str],
                   passage_vectors: Sequence[Sequence[float]] | None = None,
                   question: str = "", groups: Sequence[str] | None = None,
                   contexts: Sequence[str] | None = None) -> list[Support]:
        """``groups``: the article of each passage; two passages support a claim together only
        when they come from the same article. ``question``: terms the claim takes from it must
        be grounded. ``contexts``: per passage, text that may ground terms (title, sentence before)."""
        if not claims:
            return []
        if not passages:
            return [Support(0.0, 0.0, 0.0, [], False, "no passages") for _ in claims]
        cvec = np.asarray(self.embedder.embed_texts(list(claims)))
        pvec = np.asarray(passage_vectors if passage_vectors is not None else self.embedder.embed_texts(list(passages)))
        cos = cvec @ pvec.T
        raw = [set(terms(p)) for p in passages]
        pterms = [raw[i] | (set(terms(contexts[i])) if contexts else set()) for i in range(len(passages))]
        # Names may come from the context only where the passage refers back to it.
        named = [pterms[i] if _REFERS_BACK.search(p) else raw[i] for i, p in enumerate(passages)]
        pnums = [numbers(p) for p in passages]
        given = set(terms(question))
        groups = list(groups) if groups is not None else [str(i) for i in range(len(passages))]
        return [self._one(c, cos[i], passages, pterms, named, pnums, given, groups) for i, c in enumerate(claims)]

    def check(self, claim: str, passages: Sequence[str], question: str = "") -> Support:
        return self.check_many([claim], passages, question=question)[0]

    def _one(self, claim: str, cos_row: np.ndarray, passages: Sequence[str], pterms: list[set[str]],
             named: list[set[str]], pnums: list[set[str]], given: set[str], groups: list[str]) -> Support:
        w = self.settings.lexical_weight
        cterms = set(terms(claim))
        # Names the claim brings that the question did not, and what it says about them.
        names = {t for n in proper_nouns(claim) for t in terms(n)} - given
        predicate = (cterms & given) - {t for n in proper_nouns(claim) for t in terms(n)}
        cnums = numbers(claim)
        curls = {m.group(0).rstrip(".,)").lower() for m in _URL.finditer(claim)}

        def lexical(idx: Sequence[int]) -> float:
            if not cterms:
                return 0.0
            pool = set().union(*(pterms[i] for i in idx))
            return len(cterms & pool) / len(cterms)

        def hard_fail(idx: Sequence[int]) -> str:
            pool = set().union(*(pterms[i] for i in idx))
            borrowed = sorted((cterms & given) - pool)
            if borrowed:
                return f"takes '{', '.join(borrowed)}' from the question, not from the source"
            nums = set().union(*(pnums[i] for i in idx))
            if cnums - nums:
                return f"number(s) not in the source: {', '.join(sorted(cnums - nums))}"
            text = " ".join(passages[i].lower() for i in idx)
            if any(u not in text for u in curls):
                return "link not in the source"
            # "The festival was founded by Sean McAllister", from "founded by Robert Redford" and a
            # neighbouring "by director Sean McAllister": each name is in the sources, but no
            # source says it did what the claim says.
            if names:
                missing = sorted(names - set().union(*(named[i] for i in idx)))
                if missing:
                    return f"name(s) not in the cited passage: {', '.join(missing)}"
                if predicate and not any(names <= named[i] and predicate <= pterms[i] for i in idx):
                    return "joins names from one passage to a statement from another"
            return ""

        order = list(np.argsort(-cos_row))
        singles = [(w * lexical([i]) + (1 - w) * float(cos_row[i]), [i]) for i in order[:5]]
        best_score, best_idx = max(singles, key=lambda s: s[0])
        # Two passages together (a claim that fuses two sentences) must beat one clearly.
        if self.settings.max_citations > 1 and len(order) > 1:
            anchor = best_idx[0]
            partners = [int(i) for i in order[:5] if i != anchor and groups[i] == groups[anchor]]
            for b in partners[:2]:
                pair = [int(anchor), b]
                pair_score = w * lexical(pair) + (1 - w) * float(max(cos_row[anchor], cos_row[b]))
                if pair_score > best_score + 0.05:
                    best_score, best_idx = pair_score, pair
        lex = lexical(best_idx)
        cosine = float(max(cos_row[i] for i in best_idx))
        reason = hard_fail(best_idx)
        supported = not reason and best_score >= self.settings.threshold and lex >= self.settings.min_lexical
        if not reason and not supported:
            reason = (f"support {best_score:.2f} (lexical {lex:.2f}) below {self.settings.threshold:.2f} "
                      f"(lexical {self.settings.min_lexical:.2f})")
        return Support(best_score, lex, cosine, [int(i) for i in best_idx], supported, reason)


def passage_context(title: str, preceding: str) -> str:
    """What may ground a sentence besides itself: its article's title and the ~300 characters
    before it (who "he" is). Shared by answers, briefs and evals."""
    return f"{title}\n{preceding[-300:]}"


def adds_information(claim: str, question: str) -> bool:
    """False for a sentence that only restates the question (a small model's favourite)."""
    new = set(terms(claim)) - set(terms(question))
    return len(new) >= 1
