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
import hashlib
import itertools
import json
import pickle
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
    measures_as,
    normalize_answer,
    similarity_features,
    spans,
    token_f1,
)
from assistant.text import sentences, terms  # noqa: E402

TOP_SENTENCES = 3
# The embedding model is fitted on the lexical model's best 15 spans per question (the shipped
# file's "embedding" entry was fitted so); at run time the best RESCORE_TOP (10) are re-scored,
# chosen on dev afterwards: same dev answers, less encoder time (assistant/short_answer.py).
FIT_TOP = 15
C_GRID = (0.1, 0.3, 1.0, 3.0)
EMBED_CACHE = corpus.CACHE / "short_answer_embeddings.pkl"


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


class CachedEmbedder:
    """all-MiniLM-L6-v2 as the pipeline loads it (bundled, offline), with a disk cache."""

    def __init__(self) -> None:
        self.vectors: dict[str, list[float]] = pickle.loads(EMBED_CACHE.read_bytes()) if EMBED_CACHE.exists() else {}
        self._embed = None
        self.dirty = False

    def __call__(self, texts: list[str]) -> list[list[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.vectors))
        if missing:
            if self._embed is None:
                from assistant.embedders import build_embeddings
                from assistant.settings import EmbeddingSettings

                self._embed = build_embeddings(EmbeddingSettings()).inner.embed_documents
            for text, vec in zip(missing, self._embed(missing), strict=True):
                self.vectors[text] = vec
            self.dirty = True
        return [self.vectors[t] for t in texts]

    def save(self) -> None:
        if self.dirty:
            EMBED_CACHE.parent.mkdir(parents=True, exist_ok=True)
            EMBED_CACHE.write_bytes(pickle.dumps(self.vectors))
            self.dirty = False


def _cache_path(split: str, limit: int | None) -> Path:
    """Spans and features depend only on the code that makes them: cache them per version."""
    code = b"".join((ROOT / "assistant" / name).read_bytes() for name in ("short_answer.py", "question.py", "text.py"))
    digest = hashlib.sha1(code).hexdigest()[:12]
    return corpus.CACHE / f"short_answer_{split}_{limit or 'all'}_{digest}.pkl"


def examples(split: str, limit: int | None = None) -> list[Example]:
    path = _cache_path(split, limit)
    if path.exists():
        return [Example(**fields) for fields in pickle.loads(path.read_bytes())]
    out = []
    qs = [q for q in corpus.split(corpus.questions(), split) if q.evidence]
    for q in qs[:limit]:
        cands = oracle_candidates(q.question, q.evidence)
        rows = spans(analyse(q.question), cands)
        gold = normalize_answer(q.answer)
        labels = np.array([normalize_answer(r.text) == gold for r in rows], dtype=bool)
        out.append(Example(q.qid, q.week, q.question, q.answer, cands, rows, labels))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps([vars(e) for e in out]))  # plain fields: loadable from any entry point
    return out


def rescored(lexical: Model, ex: Example, embed) -> Example:
    """The example cut to the lexical model's FIT_TOP spans, with the embedding features."""
    if not ex.rows:
        return ex
    probs = lexical.score([r.features for r in ex.rows])
    top = sorted(range(len(ex.rows)), key=lambda k: (-probs[k], len(ex.rows[k].text)))[:FIT_TOP]
    rows = similarity_features(ex.question, [ex.rows[k] for k in top], embed, [probs[k] for k in top])
    return Example(ex.qid, ex.week, ex.question, ex.gold, ex.candidates, rows, ex.labels[top])


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


def fit_pair(train: list[Example], c_lexical: float, c_embedding: float | None, embed) -> tuple[Model, Model | None]:
    """The lexical model, and the embedding model fitted on the lexical model's top spans."""
    lexical = fit(train, c_lexical)
    if c_embedding is None:
        return lexical, None
    return lexical, fit([rescored(lexical, e, embed) for e in train], c_embedding, "embedding")


def predict(models: tuple[Model, Model | None], ex: Example, embed=None) -> tuple[str, float]:
    """The top span's text and score ("" when there is no span), as short_answer.short_answer
    chooses it: ranked as short_answer.rank does, among the spans of the kind asked for."""
    lexical, embedding = models
    if not ex.rows:
        return "", 0.0
    if embedding is not None:
        ex = rescored(lexical, ex, embed)
    probs = (embedding or lexical).score([r.features for r in ex.rows])
    expected = analyse(ex.question).expected
    fitting = [k for k, r in enumerate(ex.rows) if measures_as(expected, r.text)]
    if not fitting:
        return "", 0.0
    best = min(fitting, key=lambda k: (-probs[k], len(ex.rows[k].text)))
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


def cross_validate(dev: list[Example], c_lexical: float, c_embedding: float | None = None, embed=None,
                   folds: int = 5) -> list[tuple[Example, str, float]]:
    """Out-of-fold predictions, folds grouped by week (both stages refitted per fold)."""
    weeks = sorted({e.week for e in dev})
    fold_of = {w: k % folds for k, w in enumerate(weeks)}
    out = []
    for k in range(folds):
        train = [e for e in dev if fold_of[e.week] != k]
        models = fit_pair(train, c_lexical, c_embedding, embed)
        out.extend((e, *predict(models, e, embed)) for e in dev if fold_of[e.week] == k)
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


def choose_floor(predictions: list[tuple[Example, str, float]], keep: float = 0.95) -> float:
    """The highest score floor that keeps `keep` of the right short answers (out-of-fold dev):
    below it spans are nearly always wrong, so the answer is better shown without one."""
    right = sorted(s for e, t, s in predictions if t and exact_match(t, e.gold))
    if not right:
        return 0.0
    return round(float(right[int((1 - keep) * len(right))]) - 0.005, 2)


def summary(predictions, floor: float) -> dict:
    return {"at_floor_0": evaluate(predictions), f"at_floor_{floor}": evaluate(predictions, floor),
            "calibration": calibration(predictions)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--no-embedding", action="store_true", help="fit the lexical model only")
    args = parser.parse_args()
    dev = examples("dev", args.limit)
    print(f"dev: {len(dev)} questions with an excerpt, {sum(e.answerable for e in dev)} with the right choice "
          f"among the candidate spans, {sum(len(e.rows) for e in dev)} spans", flush=True)
    payload: dict = {
        "about": "Short-answer span ranker: logistic regression over assistant/short_answer.py features, "
                 "fitted by bench/train_short_answer.py on RealTime QA 2024 dev weeks (even weeks) only. "
                 "'embedding' re-scores the lexical model's top spans with all-MiniLM-L6-v2 similarities.",
        "embedding_fitted_on_top_spans": FIT_TOP,
        "trained_on": {"split": "dev", "questions": len(dev), "fitted_questions": sum(e.answerable for e in dev)},
    }
    lex = {c: cross_validate(dev, c) for c in C_GRID}
    for c, preds in lex.items():
        print(f"lexical C={c}: {evaluate(preds)}", flush=True)
    c_lex = max(C_GRID, key=lambda c: (evaluate(lex[c])["exact_match"], evaluate(lex[c])["f1"]))
    floor = choose_floor(lex[c_lex])
    lexical = fit(dev, c_lex)
    payload["lexical"] = {"C": c_lex, "min_score": floor, "cv_dev": summary(lex[c_lex], floor),
                          "features": lexical.names, "coef": [round(float(v), 6) for v in lexical.coef],
                          "intercept": round(lexical.intercept, 6)}
    if not args.no_embedding:
        embed = CachedEmbedder()
        emb = {}
        for c in C_GRID:
            emb[c] = cross_validate(dev, c_lex, c, embed)
            embed.save()
            print(f"embedding C={c}: {evaluate(emb[c])}", flush=True)
        c_emb = max(C_GRID, key=lambda c: (evaluate(emb[c])["exact_match"], evaluate(emb[c])["f1"]))
        floor = choose_floor(emb[c_emb])
        _, embedding = fit_pair(dev, c_lex, c_emb, embed)
        embed.save()
        payload["embedding"] = {"C": c_emb, "min_score": floor, "cv_dev": summary(emb[c_emb], floor),
                                "features": embedding.names, "coef": [round(float(v), 6) for v in embedding.coef],
                                "intercept": round(embedding.intercept, 6)}
    elif args.out.exists():
        previous = json.loads(args.out.read_text(encoding="utf-8"))
        if "embedding" in previous:
            payload["embedding"] = previous["embedding"]
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    for variant in ("lexical", "embedding"):
        if variant in payload:
            print(variant, json.dumps(payload[variant]["cv_dev"]))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
