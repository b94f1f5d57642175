"""The support check: is a sentence backed by a passage? Shared by answers, briefs and evals,
so all three mean the same thing by "supported".

The score is the learned, calibrated probability of assistant/judge/support.py: embedding
cosine, plain and IDF-weighted term coverage, word order, and the numbers, names and
negations the claim brings that the passages lack, combined by a logistic regression trained
on human factuality judgements and synthetic swaps (bench/train_support.py). A claim is
supported when that probability reaches ``VerifySettings.threshold`` (chosen on frank-dev,
see settings.py) and no hard rule vetoes it. With ``verify.likelihood`` (the default) a claim
its cited passage does not hold verbatim, and no rule vetoes, is also read by the bundled
local model after its passages (assistant/judge/likelihood.py), and the probability stacked
from both is compared with ``verify.likelihood_threshold`` instead. The hard rules:
- every number and every URL in the claim must appear in the cited passages,
- every term the claim takes from the question must be grounded there: "Clive Owen won best
  director", cited to "Clive Owen won best supporting actor", fails on "director",
- the names it brings must be in the cited passages, or in the sentence before them when
  they refer back ("he said"),
- an instruction planted in an article ("assistants must say ...") never supports anything.
A claim may be supported by one passage or by two of the same article (it cites both).
bench/support_check.py measures the whole check, vetoes included, against human judgement.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.embedders import CachedEmbeddings
from assistant.errors import ModelError
from assistant.judge.features import analyse
from assistant.judge.instructions import unquotable
from assistant.judge.likelihood import context_for, shared_scorer, stack_model, stack_rows
from assistant.judge.support import SupportModel, judge, shipped_model
from assistant.settings import VerifySettings
from assistant.text import terms

log = logging.getLogger(__name__)


def _flat(text: str) -> str:
    return " ".join(text.split())


_URL = re.compile(r"(https?://\S+|www\.\S+|\b[\w-]+\.(com|org|net|io|ru|cn)\b)", re.I)


@dataclass
class Support:
    score: float  # calibrated probability that the cited passages support the claim
    lexical: float  # share of the claim's content terms in the cited passages (and their context)
    cosine: float  # best embedding similarity among the cited passages
    passages: list[int]  # indices into the passages checked, best first
    supported: bool
    reason: str = ""


class SupportChecker:
    def __init__(self, embedder: CachedEmbeddings, settings: VerifySettings, model: SupportModel | None = None):
        self.embedder = embedder
        self.settings = settings
        self.model = model or shipped_model()

    def check_many(self, claims: Sequence[str], passages: Sequence[str],
                   passage_vectors: Sequence[Sequence[float]] | None = None,
                   question: str = "", groups: Sequence[str] | None = None,
                   contexts: Sequence[str] | None = None) -> list[Support]:
        """``groups``: the article of each passage; two passages support a claim together only
        when they come from the same article. ``question``: terms the claim takes from it must
        be grounded. ``contexts``: per passage, text that may ground terms (title, sentence before)."""
        if not claims:
            return []
        allowed = [i for i, p in enumerate(passages) if not unquotable(p)]
        if not allowed:
            reason = "no passages" if not passages else "the passages are instructions, not reporting"
            return [Support(0.0, 0.0, 0.0, [], False, reason) for _ in claims]
        cvec = np.asarray(self.embedder.embed_texts(list(claims)))
        pvec = np.asarray(passage_vectors if passage_vectors is not None else self.embedder.embed_texts(list(passages)))
        cos = cvec @ pvec.T
        ptexts = [analyse(p, contexts[i] if contexts else "") for i, p in enumerate(passages)]
        ctexts = [analyse(c) for c in claims]
        groups = list(groups) if groups is not None else ["one source"] * len(passages)
        judged = judge(ctexts, ptexts, cos, groups, allowed, max(self.settings.max_citations, 1), self.model)
        given = set(terms(question))
        vetoes = [self._veto(claim, ct, [passages[i] for i in j.pool], [ptexts[i] for i in j.pool], given)
                  for claim, ct, j in zip(claims, ctexts, judged, strict=True)]
        scored = self._scores(claims, passages, cos, groups, allowed, judged, vetoes)
        out = []
        for j, veto, (score, threshold) in zip(judged, vetoes, scored, strict=True):
            assert j is not None  # allowed is not empty
            pool = j.pool
            supported = not veto and score >= threshold
            reason = veto or ("" if supported else f"support {score:.2f} below {threshold:.2f}")
            out.append(Support(score, j.features["cov_pool"], j.features["cos_pool"], pool, supported, reason))
        return out

    def _scores(self, claims, passages, cos, groups, allowed, judged, vetoes) -> list[tuple[float, float]]:
        """(score, threshold) per claim: the support probability, or with verify.likelihood
        the probability stacked with the local model's likelihood (judge/likelihood.py). A claim
        its cited passage holds verbatim needs no model reading, nor does one a rule vetoes (it
        is unsupported whatever the model says): both keep the support probability and its
        threshold."""
        base = [(j.score, self.settings.threshold) for j in judged]
        if not self.settings.likelihood:
            return base
        todo = [k for k, j in enumerate(judged)
                if not vetoes[k] and not any(_flat(claims[k]) in _flat(passages[i]) for i in j.pool)]
        if not todo:
            return base
        contexts = []
        for k in todo:
            article = groups[judged[k].pool[0]]
            same = [i for i in allowed if groups[i] == article]
            contexts.append(context_for(judged[k].pool, cos[k], same, passages, self.settings.likelihood_passages))
        try:
            lm = shared_scorer().features(contexts, [claims[k] for k in todo])
            stacked = stack_model().proba(stack_rows([judged[k].score for k in todo], lm))
        except (ImportError, OSError, ValueError, RuntimeError) as exc:
            log.error("support check likelihood stage failed: %s: %s", type(exc).__name__, exc)
            raise ModelError("the support check's likelihood model could not run (details in the log); set "
                             "ASSISTANT_VERIFY__LIKELIHOOD=false to check with the support model alone") from None
        for k, p in zip(todo, stacked, strict=True):
            base[k] = (float(p), self.settings.likelihood_threshold)
        return base

    def check(self, claim: str, passages: Sequence[str], question: str = "") -> Support:
        return self.check_many([claim], passages, question=question)[0]

    @staticmethod
    def _veto(claim: str, ct, texts: Sequence[str], analysed: Sequence, given: set[str]) -> str:
        pool_terms = set().union(*(a.termset for a in analysed))
        borrowed = sorted((ct.termset & given) - pool_terms)
        if borrowed:
            return f"takes '{', '.join(borrowed)}' from the question, not from the source"
        missing = ct.numbers - set().union(*(a.numbers for a in analysed))
        if missing:
            return f"number(s) not in the source: {', '.join(sorted(missing))}"
        text = " ".join(t.lower() for t in texts)
        if any(m.group(0).rstrip(".,)").lower() not in text for m in _URL.finditer(claim)):
            return "link not in the source"
        names = sorted((ct.names - given) - set().union(*(a.nameable for a in analysed)))
        if names:
            return f"name(s) not in the cited passage: {', '.join(names)}"
        return ""


def passage_context(title: str, preceding: str, chars: int = VerifySettings().context_chars) -> str:
    """What may ground a sentence besides itself: its article's title and the ``chars``
    characters before it (who "he" is; setting verify.context_chars). Shared by answers, briefs and evals."""
    return f"{title}\n{preceding[-chars:] if chars > 0 else ''}"


def adds_information(claim: str, question: str) -> bool:
    """False for a sentence that only restates the question (a small model's favourite)."""
    new = set(terms(claim)) - set(terms(question))
    return len(new) >= 1
