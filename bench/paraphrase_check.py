"""Does the support check accept a correct paraphrase and reject the same sentence with a wrong
fact? Measured on RealTime QA 2024 quiz claims (bench/quiz_claims.py), dev (even) weeks only,
by week-wise cross-validation: the dev weeks are dealt into 4 folds, and a fold's claims are
scored by models that never saw that fold's weeks.

    PYTHONPATH=$PWD python bench/paraphrase_check.py    # writes bench/results/paraphrase_check.json

Rows, all on the same held-out claims:
- shipped: assistant/judge/support_model.json as committed (main's model when run before retraining);
- without_quiz: bench/train_support.py's recipe without quiz pairs (frank-dev + synthetic), the
  recipe on main;
- with_quiz: the same plus the quiz pairs of the other folds' weeks, weight QUIZ_WEIGHT;
- shipped_with_likelihood: the shipped model stacked with the local model's likelihood
  (verify.likelihood, trained on frank-dev only), at verify.likelihood_threshold.
Scores are the model's probability; product_*: the checker's decision, score >= threshold and
no veto (a number or name missing from the cited passages). AUC: right-choice vs wrong-choice claims;
accuracy at VerifySettings.threshold over all claims and per class; top1: share of questions
whose right-choice claim scores highest of its choices. Never the odd (test) weeks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from support_check import lm_features  # noqa: E402
from train_support import POOL_SIZE, QUIZ_WEIGHT, fit, matrix, prepare, quiz_examples, training_set  # noqa: E402

from assistant.judge.features import analyse  # noqa: E402
from assistant.judge.likelihood import context_for, stack_model, stack_rows  # noqa: E402
from assistant.judge.support import SupportModel, judge_features  # noqa: E402
from assistant.settings import VerifySettings  # noqa: E402
from assistant.verify import SupportChecker  # noqa: E402

FOLDS = 4
RESULTS = ROOT / "bench" / "results" / "paraphrase_check.json"


def vetoes(quiz: list, feat) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """The checker's rules (number, name not in the cited pool), as in bench/support_check.py,
    and what the local model reads before each claim (judge/likelihood.py context_for)."""
    out, contexts = [], []
    for q in quiz:
        texts = [analyse(s) for s in q.excerpt]
        cos = feat.embed(q.excerpt) @ feat.embed([q.claim])[0]
        ct = analyse(q.claim)
        pool, _ = judge_features(ct, texts, cos, ["a"] * len(texts), list(range(len(texts))), POOL_SIZE)
        out.append(bool(SupportChecker._veto(q.claim, ct, [q.excerpt[i] for i in pool], [texts[i] for i in pool],
                                             set())))
        contexts.append((context_for(pool, cos, range(len(texts)), q.excerpt, VerifySettings().likelihood_passages),
                         q.claim))
    return np.asarray(out), contexts


def metrics(p: np.ndarray, y: np.ndarray, qids: list[str], threshold: float, veto: np.ndarray) -> dict:
    by_q: dict[str, list[tuple[float, int]]] = {}
    for score, label, q in zip(p, y, qids, strict=True):
        by_q.setdefault(q, []).append((float(score), int(label)))
    top1 = np.mean([max(v)[1] == 1 for v in by_q.values()])
    ok = (p >= threshold) == (y == 1)
    return {"claims": len(y), "questions": len(by_q), "auc": round(float(roc_auc_score(y, p)), 3),
            "accuracy_at_threshold": round(float(ok.mean()), 3),
            "right_accepted": round(float((p[y == 1] >= threshold).mean()), 3),
            "wrong_rejected": round(float((p[y == 0] < threshold).mean()), 3),
            "balanced_accuracy_at_threshold": round(float(0.5 * ((p[y == 1] >= threshold).mean()
                                                               + (p[y == 0] < threshold).mean())), 3),
            "product_accuracy": round(float(((p >= threshold) & ~veto == (y == 1)).mean()), 3),
            "product_right_accepted": round(float(((p >= threshold) & ~veto)[y == 1].mean()), 3),
            "product_wrong_rejected": round(float((~((p >= threshold) & ~veto))[y == 0].mean()), 3),
            "top1": round(float(top1), 3), "mean_score_right": round(float(p[y == 1].mean()), 3),
            "mean_score_wrong": round(float(p[y == 0].mean()), 3)}


def main(weights: tuple[float, ...] = (QUIZ_WEIGHT,)) -> None:
    corpus, bbc, feat, quiz = prepare()
    base = training_set(corpus, bbc)
    xb, yb, wb = matrix(base, feat)
    qx, qy, _ = matrix(quiz_examples(quiz), feat)
    weeks = sorted({p.week for p in quiz})
    fold_of_week = {w: i % FOLDS for i, w in enumerate(weeks)}
    q_fold = np.asarray([fold_of_week[p.week] for p in quiz])
    qids = [p.qid for p in quiz]
    threshold = VerifySettings().threshold
    veto, contexts = vetoes(quiz, feat)

    scores = {"shipped": SupportModel.load().predict(qx)}
    # The shipped check with verify.likelihood: the support probability stacked with the local
    # model's likelihood (assistant/judge/likelihood.py, trained on frank-dev only, so every quiz
    # claim is unseen by both levels), at its own threshold.
    stacked = stack_model().proba(stack_rows(scores["shipped"], lm_features(contexts)))
    without = SupportModel.from_dict(fit(xb, yb, wb))
    scores["without_quiz"] = without.predict(qx)
    for weight in weights:
        p = np.zeros(len(quiz))
        for k in range(FOLDS):
            train = q_fold != k
            qw = np.asarray([e.weight for e in quiz_examples([q for q, t in zip(quiz, train, strict=True) if t],
                                                              weight)])
            model = SupportModel.from_dict(fit(np.vstack([xb, qx[train]]), np.concatenate([yb, qy[train]]),
                                               np.concatenate([wb, qw])))
            p[~train] = model.predict(qx[~train])
        scores[f"with_quiz_w{weight}"] = p
    report = {"data": f"RealTime QA 2024 dev (even) weeks, quiz claims of bench/quiz_claims.py, {FOLDS}-fold "
                      "cross-validation by week", "command": "PYTHONPATH=$PWD python bench/paraphrase_check.py",
              "threshold": threshold, "weeks": len(weeks),
              "rows": {name: metrics(p, qy, qids, threshold, veto) for name, p in scores.items()}}
    report["rows"]["shipped_with_likelihood"] = {
        **metrics(stacked, qy, qids, VerifySettings().likelihood_threshold, veto),
        "threshold": VerifySettings().likelihood_threshold}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main(tuple(float(a) for a in sys.argv[1:]) or (QUIZ_WEIGHT,))
