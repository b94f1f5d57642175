"""How well the passages predict a claim, read by the bundled local model (issue 14).

The support check's features (judge/features.py) see words, names, numbers and one sentence
embedding; they miss a claim that reuses the passage's words in a relation the passage does
not state. A language model reading the passages and then the claim is surprised by exactly
that (BARTScore's idea, with the bundled SmolLM2-135M-Instruct): per claim token, the
log-probability after "PASSAGES\n\nSummary:" (conditional) and after "Summary:" alone
(unconditional). Four numbers per claim (``LM_FEATURES``):

- cond_mean: mean conditional log-probability per token;
- pmi_mean: mean of conditional minus unconditional (how much the passages helped);
- cond_low: share of tokens below -5 conditionally (words the passages make surprising);
- low_pmi: share of tokens the passages made less than e times more likely.

``models/support_likelihood.json`` stacks them with the support model's probability (as a
logit) in a logistic regression, trained by ``python bench/support_check.py
--write-likelihood`` on the frank-dev CNN/DM sentences whose human label is fixed plus
synthetic pairs of the same articles (negation, role swap, splice, compression) at weight
0.05, with the support model's out-of-fold scores (5 folds by article) as input. Out of fold
on frank-dev CNN/DM (dev), with the vetoes, each at its threshold: balanced accuracy 0.692 ->
0.740, Spearman (share of sentences supported) 0.419 -> 0.540, unfactual summaries caught
0.611 -> 0.707 with the same 22.7% of fully factual ones flagged; calibration error 0.12 ->
0.04. On the quiz paraphrases (bench/paraphrase_check.py, unseen by both levels) the right
choice ranks first among its question's choices 0.747 -> 0.853 of the time (AUC 0.643 ->
0.697), and the check is stricter: right choices accepted 0.23 -> 0.11, wrong rejected
0.91 -> 0.99.

The passages read are the claim's cited pool plus the closest other passages of the same
article, up to ``verify.likelihood_passages`` and ``CONTEXT_TOKENS``: what the answer cites,
not the whole article (the experiment: 3 closest sentences 0.688 / 0.486, whole article
0.686 / 0.490, reading about 100 tokens before a claim instead of up to 1,800). The model is
the bundled GGUF whatever the answering backend is: the stacked coefficients are this
model's. It is loaded once per process (0.3 s; about 250 MB by arithmetic, the weights and
two 86 MB logit buffers, not measured) and scores a claim in about 0.6 s on 2 cores (4,286
frank-dev claims in 41 minutes in the bench); only the claim's tokens need logits, so the
passages are read without them.

Caveat: text the same small model wrote is predictable to it by construction, so the stacked
score rises on its own errors. With answer.generate=always, on 30 hand-labelled SmolLM2
drafts (bench/support_selfbias.py), the decisions were identical with and without this stage
(AUC 0.847 vs 0.856): the vetoes (numbers, names, links, question terms) catch most of them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import cache

import numpy as np

from assistant.judge.linear import MODELS_DIR, LinearModel, ModelFileError, load_model

LM_FEATURES = ("cond_mean", "pmi_mean", "cond_low", "low_pmi")
STACK_FEATURES = ("support_logit", *LM_FEATURES)
MODEL_FILE = MODELS_DIR / "support_likelihood.json"
HEAD = "\n\nSummary:"
BARE = "Summary:"
CONTEXT_TOKENS = 320  # passages are cut to this many tokens (3 news sentences are ~90)
CLAIM_TOKENS = 100  # a claim is cut to this many tokens
SURPRISING = -5.0  # cond_low: a token below this log-probability (about 1 in 150)
HELPED = 1.0  # low_pmi: a token the passages made less than e^1 times more likely


def token_features(cond: np.ndarray, unc: np.ndarray) -> list[float]:
    """LM_FEATURES from a claim's per-token log-probabilities with and without the passages."""
    cond, unc = np.asarray(cond, dtype=float), np.asarray(unc, dtype=float)
    if not len(cond):
        return [0.0, 0.0, 0.0, 0.0]
    pmi = cond - unc
    return [float(cond.mean()), float(pmi.mean()), float((cond < SURPRISING).mean()),
            float((pmi < HELPED).mean())]


def stack_rows(support: Sequence[float], lm: np.ndarray) -> np.ndarray:
    """STACK_FEATURES rows: the support model's probability as a logit, then LM_FEATURES."""
    p = np.clip(np.asarray(support, dtype=float), 1e-4, 1 - 1e-4)
    lm = np.asarray(lm, dtype=float).reshape(len(p), len(LM_FEATURES))
    return np.column_stack([np.log(p / (1 - p)), lm])


@cache
def stack_model() -> LinearModel:
    model = load_model(MODEL_FILE)
    if tuple(model.features) != STACK_FEATURES:
        raise ModelFileError(f"{MODEL_FILE} was trained on {list(model.features)}, the code computes "
                             f"{list(STACK_FEATURES)}: retrain with python bench/support_check.py --write-likelihood")
    return model


class ClaimLikelihood:
    """Per-token log-probabilities of claims after passages, from the bundled GGUF model.
    Thread-safe (one llama.cpp context behind a lock)."""

    def __init__(self, model_path: str | None = None, threads: int | None = None):
        from llama_cpp import Llama

        from assistant.resources import bundled_gguf

        n_ctx = CONTEXT_TOKENS + CLAIM_TOKENS + 16
        self.llm = Llama(model_path=str(model_path or bundled_gguf()), n_ctx=n_ctx, n_batch=n_ctx,
                         logits_all=True, n_threads=threads or os.cpu_count(), verbose=False)
        self._lock = threading.Lock()
        self._head = self.tokens(HEAD)
        self._bare = self.tokens(BARE, bos=True)
        self._loaded: list[int] = []  # the prefix in the model's cache

    def tokens(self, text: str, bos: bool = False) -> list[int]:
        return self.llm.tokenize(text.encode("utf-8", "replace"), add_bos=bos)

    def _logprobs(self, prefix: list[int], claim: list[int]) -> np.ndarray:
        llm = self.llm
        if self._loaded != prefix:
            self._loaded = []  # until the new prefix is read in full (a failure leaves no stale cache)
            llm.reset()
            llm._logits_all = False  # the passages need no logits; only their last token's row
            try:
                llm.eval(prefix[:-1])
            finally:
                llm._logits_all = True
            self._loaded = list(prefix)
        start = len(prefix) - 1
        llm.n_tokens = start  # rewind to before the prefix's last token; eval drops the rest
        llm.eval(prefix[-1:] + claim)
        rows = np.asarray(llm.scores[start:start + len(claim)], dtype=np.float64)
        top = rows.max(axis=1, keepdims=True)
        norm = top[:, 0] + np.log(np.exp(rows - top).sum(axis=1))
        return rows[np.arange(len(claim)), claim] - norm

    def features(self, contexts: Sequence[str], claims: Sequence[str]) -> np.ndarray:
        """One LM_FEATURES row per claim, each read after its own context. Consecutive claims
        with the same context share its evaluation."""
        toks = [self.tokens(" " + c.strip())[:CLAIM_TOKENS] for c in claims]
        out = np.zeros((len(claims), len(LM_FEATURES)))
        with self._lock:
            cond = [self._logprobs(self.tokens(ctx, bos=True)[:CONTEXT_TOKENS] + self._head, t) if t else None
                    for ctx, t in zip(contexts, toks, strict=True)]
            for i, (t, c) in enumerate(zip(toks, cond, strict=True)):
                if t:
                    out[i] = token_features(c, self._logprobs(self._bare, t))
        return out


_shared: ClaimLikelihood | None = None
_shared_lock = threading.Lock()


def shared_scorer(threads: int | None = None) -> ClaimLikelihood:
    """The process's one scorer, loaded on first use (``threads``: llama.cpp threads; None: one per core)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ClaimLikelihood(threads=threads)
        return _shared


def context_for(pool: Sequence[int], cosines: Sequence[float], candidates: Sequence[int],
                passages: Sequence[str], size: int) -> str:
    """What the model reads before a claim: the cited pool, then the candidates (passages of the
    same article that may support it) closest by cosine, ``size`` in all, in passage order."""
    chosen = list(dict.fromkeys(pool))[:size]
    for i in sorted(candidates, key=lambda j: (-float(cosines[j]), j)):
        if len(chosen) >= size:
            break
        if i not in chosen:
            chosen.append(i)
    return " ".join(passages[i] for i in sorted(chosen))
