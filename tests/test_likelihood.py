"""The support check's likelihood stage (assistant/judge/likelihood.py): the features from
token log-probabilities, what the model reads, the shipped stacked model, and (slow) the
bundled model on real claims."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.judge.likelihood import (
    LM_FEATURES,
    MODEL_FILE,
    STACK_FEATURES,
    context_for,
    stack_model,
    stack_rows,
    token_features,
)

# (conditional log-probs, unconditional log-probs, expected LM_FEATURES, why)
TOKEN_CASES = [
    ([-1.0, -3.0], [-4.0, -3.5], [-2.0, 1.75, 0.0, 0.5],
     "mean -2; the passages helped by 3 and 0.5 nats; no token below -5; one of two helped less than 1 nat"),
    ([-1.0, -3.0], [-4.0, -4.0], [-2.0, 2.0, 0.0, 0.0], "help of exactly 1 nat is not low"),
    ([-6.0, -0.5], [-6.5, -0.5], [-3.25, 0.25, 0.5, 1.0],
     "one surprising token; the passages barely helped either token"),
    ([], [], [0.0, 0.0, 0.0, 0.0], "an empty claim has no evidence either way"),
    ([-5.0], [-9.0], [-5.0, 4.0, 0.0, 0.0], "-5 itself is not below -5; 4 nats of help is not low"),
]


@pytest.mark.parametrize(("cond", "unc", "expected", "why"), TOKEN_CASES)
def test_token_features(cond, unc, expected, why):
    assert token_features(np.asarray(cond), np.asarray(unc)) == pytest.approx(expected), why


PASSAGES = ["A0 first.", "A1 second.", "A2 third.", "A3 fourth."]
# (pool, cosines, candidates, size, expected context, why)
CONTEXT_CASES = [
    ([2], [0.1, 0.9, 0.5, 0.2], [0, 1, 2, 3], 3, "A1 second. A2 third. A3 fourth.",
     "the pool, then the closest others, read in passage order"),
    ([2, 0], [0.1, 0.9, 0.5, 0.2], [0, 1, 2, 3], 2, "A0 first. A2 third.",
     "a pool as large as the budget takes it all"),
    ([0], [0.1, 0.9, 0.5, 0.2], [0, 3], 3, "A0 first. A3 fourth.",
     "only candidates (same article, not instructions) are added"),
    ([1], [0.5, 0.9, 0.5, 0.2], [0, 1, 2], 2, "A0 first. A1 second.", "a cosine tie goes to the earlier passage"),
]


@pytest.mark.parametrize(("pool", "cos", "candidates", "size", "expected", "why"), CONTEXT_CASES)
def test_context_for(pool, cos, candidates, size, expected, why):
    assert context_for(pool, cos, candidates, PASSAGES, size) == expected, why


def test_stack_rows_put_the_support_probability_as_a_logit_first():
    rows = stack_rows([0.5, 0.9, 1.0], np.ones((3, len(LM_FEATURES))))
    assert rows.shape == (3, len(STACK_FEATURES))
    assert rows[0, 0] == pytest.approx(0.0)
    assert rows[1, 0] == pytest.approx(np.log(9))
    assert np.isfinite(rows[2, 0]), "a probability of 1 is clipped, not infinite"


def test_shipped_stack_model_matches_the_code_and_says_how_it_was_made():
    model = stack_model()
    assert tuple(model.features) == STACK_FEATURES
    meta = model.meta or {}
    assert "support_check.py --write-likelihood" in meta["trained_by"]
    assert meta["sentences"] > 500
    # The support probability and the passages' help push towards "supported", surprise away.
    coef = dict(zip(model.features, model.coef, strict=True))
    assert coef["support_logit"] > 0
    assert coef["cond_mean"] > 0 or coef["pmi_mean"] > 0
    assert MODEL_FILE.name == "support_likelihood.json"


def test_stacked_probability_rises_with_the_support_probability():
    lm = np.tile([-2.0, 1.5, 0.1, 0.4], (3, 1))
    p = stack_model().proba(stack_rows([0.05, 0.5, 0.95], lm))
    assert p[0] < p[1] < p[2]


# ---- the bundled model (slow) --------------------------------------------------------------
ARTICLE = ("Chinese Foreign Minister Wang Yi met a Taliban delegation in Tianjin on Wednesday. "
           "Wang asked the Taliban to crack down on the East Turkestan Islamic Movement. "
           "The delegation assured China that they would not allow anyone to use Afghan land against China.")


@pytest.mark.slow
def test_the_passages_make_a_faithful_claim_more_likely_than_a_swapped_one():
    from assistant.judge.likelihood import ClaimLikelihood

    scorer = ClaimLikelihood(threads=2)
    faithful = "The Taliban delegation assured China that Afghan land would not be used against China."
    swapped = "China assured the Taliban that Chinese land would not be used against Afghanistan."
    rows = scorer.features([ARTICLE, ARTICLE], [faithful, swapped])
    assert rows.shape == (2, len(LM_FEATURES))
    assert rows[0, 0] > rows[1, 0], "faithful claim: higher mean log-probability after the passages"
    again = scorer.features([ARTICLE], [faithful])
    assert again[0] == pytest.approx(rows[0]), "the same input gives the same features (cache rewinds cleanly)"
    blank = scorer.features(["Unrelated text about football results."], [faithful])
    assert blank[0, 1] < rows[0, 1], "the article helps its own claim more than an unrelated passage does"


class _Embedder:
    """Fixed vectors: the test is about the likelihood stage, not the embedding model."""

    def embed_texts(self, texts):
        return [[1.0, 0.0] for _ in texts]


def test_a_scorer_that_cannot_load_names_the_setting_to_turn_it_off(monkeypatch):
    import assistant.verify as verify
    from assistant.errors import ModelError
    from assistant.settings import VerifySettings

    def broken():
        raise OSError("no such file: SmolLM2-135M-Instruct.Q4_1.gguf")

    monkeypatch.setattr(verify, "shared_scorer", broken)
    checker = verify.SupportChecker(_Embedder(), VerifySettings())
    with pytest.raises(ModelError, match="ASSISTANT_VERIFY__LIKELIHOOD=false"):
        checker.check("Wang Yi asked the Taliban to act.", [ARTICLE])
    # A claim its passage holds verbatim is never read by the model; with the stage off nothing is.
    assert checker.check("Wang asked the Taliban to crack down on the East Turkestan Islamic Movement.",
                         [ARTICLE]).score >= 0
    off = verify.SupportChecker(_Embedder(), VerifySettings(likelihood=False))
    result = off.check("Wang Yi asked the Taliban to act.", [ARTICLE])
    assert 0 <= result.score <= 1, "with verify.likelihood off the model is never asked"


@pytest.mark.slow
def test_the_setting_switches_the_stage_and_verbatim_claims_skip_it():
    from assistant.embedders import build_embeddings
    from assistant.settings import EmbeddingSettings, VerifySettings
    from assistant.verify import SupportChecker

    emb = build_embeddings(EmbeddingSettings())
    on, off = SupportChecker(emb, VerifySettings()), SupportChecker(emb, VerifySettings(likelihood=False))
    claim = "Wang Yi asked the Taliban to act against the East Turkestan Islamic Movement."
    a, b = on.check(claim, [ARTICLE]), off.check(claim, [ARTICLE])
    assert a.score != pytest.approx(b.score), "the stacked probability is not the support model's"
    verbatim = "The delegation assured China that they would not allow anyone to use Afghan land against China."
    assert on.check(verbatim, [ARTICLE]).score == pytest.approx(off.check(verbatim, [ARTICLE]).score)
    assert on.check(verbatim, [ARTICLE]).supported
