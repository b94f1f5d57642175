"""Which generated claims may be shown: the answer policy on top of the support check.

A claim is shown, with its citations, only when all of these hold:
- supported: the support check (verify.py) finds passages that back it;
- informative: it says more than the question (adds_information);
- grounded: every name in it appears in the cited sentences or just before them;
- relevant: a cited passage bears on the question (relevance at least
  ``answer.claim_relevance`` times the best evidence's), not merely on something;
- it holds the kind of answer asked for (a date for "when", a number for "how many").
When the model wrote its own [n] markers and those passages back the claim, they are cited.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.claims import names_outside
from assistant.evidence import Evidence
from assistant.text import holds_answer, proper_nouns, question_type
from assistant.verify import SupportChecker, adds_information


@dataclass
class CheckedClaim:
    text: str
    cited: list[Evidence]  # empty unless ok
    score: float
    ok: bool


def check_claims(claims: list[tuple[str, set[int]]], evidence: list[Evidence], checker: SupportChecker,
                 standalone: str, own_markers: bool, claim_relevance: float) -> list[CheckedClaim]:
    """``claims``: (sentence, [n] markers the model wrote); ``evidence`` holds no planted
    instruction (the caller removed them: an instruction never supports a claim)."""
    if not claims or not evidence:
        return []
    kind = question_type(standalone)
    supports = checker.check_many([c for c, _ in claims], [e.text for e in evidence], [e.vector for e in evidence],
                                  question=standalone, groups=[e.doc_id for e in evidence],
                                  contexts=[e.context for e in evidence])
    floor = claim_relevance * evidence[0].relevance
    out = []
    for (claim, marked), support in zip(claims, supports, strict=True):
        cited = [evidence[i] for i in support.passages]
        own = [e for e in evidence if e.n in marked] if own_markers else []
        if own:
            own_support = checker.check_many([claim], [e.text for e in own], question=standalone,
                                             contexts=[e.context for e in own])[0]
            if own_support.supported:
                cited, support = [own[i] for i in own_support.passages], own_support
        grounded = bool(cited) and not names_outside(proper_nouns(claim), [f"{e.context} {e.text}" for e in cited])
        relevant = bool(cited) and max(e.relevance for e in cited) >= floor
        ok = (support.supported and adds_information(claim, standalone) and grounded and relevant
              and holds_answer(claim, kind, standalone))
        out.append(CheckedClaim(claim, cited if ok else [], support.score, ok))
    return out
