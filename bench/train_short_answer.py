"""Fits the short-answer span ranker (assistant/short_answer.py) on the RealTime QA 2024 DEV weeks.

Every dev question that comes with an excerpt gives one example: the excerpt's sentences,
ranked by the share of the question's terms they hold (the "oracle" candidate sentences: the
right article, no retrieval), the top three passed to `short_answer.spans`. A span equal to
the quiz's right choice under SQuAD normalisation is a positive, every other span a negative.
Questions whose right choice is not in the excerpt word for word have no positive: they are
kept for evaluation but not for fitting (they only say "nothing here", which the ranker
cannot learn from).

scikit-learn's LogisticRegression (L2) is fitted on the dev weeks; C and the score floor are
chosen by 5-fold cross-validation grouped by week. The coefficients go to
assistant/short_answer_model.json, read with numpy at run time.

    python bench/train_short_answer.py            # fit, cross-validate, write the model file
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import corpus  # noqa: E402

from assistant.question import analyse  # noqa: E402
from assistant.short_answer import (  # noqa: E402
    EMBEDDING_FEATURES,
    FEATURES,
    MODEL_PATH,
    Candidate,
    Model,
    Scored,
    exact_match,
    normalize_answer,
    spans,
    token_f1,
)
from assistant.text import sentences, terms  # noqa: E402

TOP_SENTENCES = 3
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)


@dataclass
class Example:
    qid: str
    week: str
    question: str
    gold: str
    candidates: list[Candidate]
    rows: list[Scored]
    labels: np.ndarray

    @property
    def answerable(self) -> bool:
        return bool(self.labels.any())


def oracle_candidates(question: str, excerpt: str, top: int = TOP_SENTENCES) -> list[Candidate]:
    """The excerpt's sentences ranked by the share of the question's terms they hold."""
    wanted = set(terms(question))
    scored = []
    for k, s in enumerate(sentences(excerpt)):
        own = set(terms(s.text))
        overlap = len(own & wanted) / len(wanted) if wanted else 0.0
        scored.append((overlap, -k, s))
    scored.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [Candidate(s.text, score=ov, start=s.start, doc_id="excerpt") for ov, _, s in scored[:top]]


def embedder():
    """all-MiniLM-L6-v2 as the pipeline loads it (bundled, offline)."""
    from assistant.models import build_embeddings
    from assistant.settings import EmbeddingSettings

    return build_embeddings(EmbeddingSettings()).embed_texts


def examples(split: str, limit: int | None = None, embed=None) -> list[Example]:
    out = []
    qs = [q for q in corpus.split(corpus.questions(), split) if q.evidence]
    for q in qs[:limit]:
        cands = oracle_candidates(q.question, q.evidence)
        rows = spans(analyse(q.question), cands, embed)
        gold = normalize_answer(q.answer)
        labels = np.array([normalize_answer(r.text) == gold for r in rows], dtype=bool)
        out.append(Example(q.qid, q.week, q.question, q.answer, cands, rows, labels))
    return out


def variant_features(variant: str) -> list[str]:
    return FEATURES + EMBEDDING_FEATURES if variant == "embedding" else list(FEATURES)


def matrix(rows: list[Scored], names: list[str]) -> np.ndarray:
    index = {n: k for k, n in enumerate(names)}
    x = np.zeros((len(rows), len(names)))
    for r, row in enumerate(rows):
        for name, value in row.features.items():
            if name in index:
                x[r, index[name]] = value
    return x


def fit(train: list[Example], c: float, variant: str = "lexical") -> Model:
    from sklearn.linear_model import LogisticRegression

    names = variant_features(variant)
    used = [e for e in train if e.answerable and e.rows]
    x = np.vstack([matrix(e.rows, names) for e in used])
    y = np.concatenate([e.labels for e in used])
    clf = LogisticRegression(C=c, max_iter=5000)
    clf.fit(x, y)
    return Model(names, clf.coef_[0].copy(), float(clf.intercept_[0]), 0.0)


def predict(model: Model, ex: Example) -> tuple[str, float]:
    """The top span's text and score ("" when there is no span)."""
    if not ex.rows:
        return "", 0.0
    probs = model.score([r.features for r in ex.rows])
    order = sorted(range(len(ex.rows)), key=lambda k: (-probs[k], len(ex.rows[k].text)))
    best = order[0]
    return ex.rows[best].text, float(probs[best])


def evaluate(predictions: list[tuple[Example, str, float]], min_score: float = 0.0) -> dict:
    """EM / F1 over all questions (no span, or a span below min_score, scores 0)."""
    em, f1, lengths, shown, correct_shown = [], [], [], 0, 0
    for ex, text, score in predictions:
        answer = text if text and score >= min_score else ""
        em.append(exact_match(answer, ex.gold) if answer else 0.0)
        f1.append(token_f1(answer, ex.gold) if answer else 0.0)
        if answer:
            shown += 1
            correct_shown += int(em[-1])
            lengths.append(len(answer.split()))
    n = len(predictions)
    reachable = [ex.answerable for ex, _, _ in predictions]
    return {
        "questions": n,
        "exact_match": round(float(np.mean(em)), 3) if n else 0.0,
        "f1": round(float(np.mean(f1)), 3) if n else 0.0,
        "answered": round(shown / n, 3) if n else 0.0,
        "precision_em": round(correct_shown / shown, 3) if shown else 0.0,
        "median_words": statistics.median(lengths) if lengths else 0,
        "gold_span_reachable": round(float(np.mean(reachable)), 3) if n else 0.0,
        "exact_match_when_reachable": round(float(np.mean([e for e, r in zip(em, reachable, strict=True) if r])), 3)
        if any(reachable) else 0.0,
    }


def cross_validate(dev: list[Example], c: float, variant: str = "lexical",
                   folds: int = 5) -> list[tuple[Example, str, float]]:
    """Out-of-fold predictions, folds grouped by week."""
    weeks = sorted({e.week for e in dev})
    fold_of = {w: k % folds for k, w in enumerate(weeks)}
    out = []
    for k in range(folds):
        train = [e for e in dev if fold_of[e.week] != k]
        model = fit(train, c, variant)
        out.extend((e, *predict(model, e)) for e in dev if fold_of[e.week] == k)
    return out


def calibration(predictions: list[tuple[Example, str, float]], bins: int = 5) -> list[dict]:
    """Mean predicted score vs. share exactly right, in score bins (is the score a probability?)."""
    rows = [(score, exact_match(text, ex.gold)) for ex, text, score in predictions if text]
    edges = np.linspace(0, 1, bins + 1)
    out = []
    for lo, hi in itertools.pairwise(edges):
        inside = [(s, y) for s, y in rows if lo <= s < hi or (hi == 1 and s == 1)]
        if inside:
            out.append({"bin": f"{lo:.1f}-{hi:.1f}", "n": len(inside),
                        "mean_score": round(float(np.mean([s for s, _ in inside])), 3),
                        "share_right": round(float(np.mean([y for _, y in inside])), 3)})
    return out


def choose_floor(predictions: list[tuple[Example, str, float]]) -> float:
    """The lowest score floor at which the spans shown are right at least as often as not
    (on out-of-fold dev predictions): below it a short answer is more often wrong than right."""
    for floor in np.arange(0.0, 0.9, 0.01):
        shown = [exact_match(t, e.gold) for e, t, s in predictions if t and s >= floor]
        if shown and np.mean(shown) >= 0.5:
            return round(float(floor), 2)
    return 0.5


def train_variant(dev: list[Example], variant: str) -> dict:
    results = {}
    for c in C_GRID:
        preds = cross_validate(dev, c, variant)
        results[c] = (evaluate(preds), preds)
        print(f"{variant} C={c}: {results[c][0]}", flush=True)
    best_c = max(C_GRID, key=lambda c: (results[c][0]["exact_match"], results[c][0]["f1"]))
    preds = results[best_c][1]
    floor = choose_floor(preds)
    model = fit(dev, best_c, variant)
    return {
        "C": best_c,
        "min_score": floor,
        "cv_dev": {"at_floor_0": results[best_c][0], f"at_floor_{floor}": evaluate(preds, floor),
                   "calibration": calibration(preds)},
        "features": model.names,
        "coef": [round(float(v), 6) for v in model.coef],
        "intercept": round(model.intercept, 6),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--no-embedding", action="store_true", help="fit the lexical model only")
    args = parser.parse_args()
    payload: dict = {
        "about": "Short-answer span ranker: logistic regression over assistant/short_answer.py features, "
                 "fitted by bench/train_short_answer.py on RealTime QA 2024 dev weeks (even weeks) only. "
                 "'embedding' adds all-MiniLM-L6-v2 similarities.",
    }
    variants = ["lexical"] if args.no_embedding else ["lexical", "embedding"]
    embed = None if args.no_embedding else embedder()
    dev = examples("dev", args.limit, embed)
    print(f"dev: {len(dev)} questions with an excerpt, {sum(e.answerable for e in dev)} with the right choice "
          f"among the candidate spans, {sum(len(e.rows) for e in dev)} spans", flush=True)
    payload["trained_on"] = {"split": "dev", "questions": len(dev),
                             "fitted_questions": sum(e.answerable for e in dev)}
    for variant in variants:
        payload[variant] = train_variant(dev, variant)
        print(variant, json.dumps(payload[variant]["cv_dev"]), flush=True)
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
