"""Experiment: does a learned weighting of the embedding dimensions (the element-wise product of
the question's and the sentence's all-MiniLM-L6-v2 vectors, whose sum is the cosine the judge
already reads) help the judge pick the sentence that answers, and decline near misses?

Same dev rows, week-wise folds and operating-point rule as bench/train_judge.py (RealTime QA
2024 even weeks; needs bench/.cache/judge_data.pkl from bench/judge_data.py). Reports, out of
fold on dev only: sentence top-1 (the best-scored candidate holds the right choice) and, at the
highest threshold whose false abstention stays at or below 4%, the share of near misses and
of questions without their excerpt that are declined.

Result (2026-12-02, not shipped): shipped features top-1 0.376, near misses declined 0.122 at
false abstention 0.04; with the product, one regularisation C for all columns: C 0.1 top-1
0.328 (near misses 0.109), C 0.01 0.368 (0.129), C 0.002 0.390 (0.122). At best five more dev
questions of ~370 get the right sentence first, and near misses are declined no more often:
the bi-encoder's dimensions hold no answer-versus-topic signal a linear weighting can find.

    python bench/judge_vector_exp.py [--c 0.1] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import numpy as np  # noqa: E402
import train_judge as tj  # noqa: E402

from assistant.judge.answerability import SENTENCE_FEATURES, SENTENCE_MODEL_FEATURES  # noqa: E402

VECTORS = tj.DATA.parent / "judge_vectors.npz"


def vectors(rows: list[dict]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Question and sentence vectors, embedded as the product does, cached by text hash."""
    texts = sorted({t for r in rows for t in r["texts"]})
    questions = sorted({r["question"] for r in rows})
    key = hashlib.sha1(("\n".join(questions) + "\0" + "\n".join(texts)).encode()).hexdigest()
    if VECTORS.exists():
        data = np.load(VECTORS, allow_pickle=False)
        if str(data["key"]) == key:
            return (dict(zip(questions, data["q"], strict=True)), dict(zip(texts, data["s"], strict=True)))
    from assistant.embedders import build_embeddings
    from assistant.settings import Settings

    emb = build_embeddings(Settings().embeddings)
    q = np.asarray([emb.embed_query(t) for t in questions], dtype=np.float32)
    s = np.asarray(emb.embed_documents(texts), dtype=np.float32)
    np.savez(VECTORS, key=np.asarray(key), q=q, s=s)
    return dict(zip(questions, q, strict=True)), dict(zip(texts, s, strict=True))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--c", type=float, default=0.1)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    rows = tj.dev_rows()
    qv, sv = vectors(rows)
    cols = [SENTENCE_FEATURES.index(f) for f in SENTENCE_MODEL_FEATURES]
    for r in rows:
        r["xs"] = r["x"][:, cols]
        r["h"] = np.asarray([sv[t] for t in r["texts"]]) * qv[r["question"]] * args.scale * np.sqrt(384)
    clean = [r for r in rows if any(r["y"]) or not r["answerable"]]
    y = np.concatenate([np.asarray(r["y"], dtype=int) for r in clean])
    groups = np.concatenate([[r["week"]] * len(r["y"]) for r in clean])
    for name, feats in (("shipped features", lambda r: r["xs"]),
                        ("+ vector product", lambda r: np.hstack([r["xs"], r["h"]]))):
        c = 1.0 if name == "shipped features" else args.c
        x = np.vstack([feats(r) for r in clean])
        _, _, fold = tj.fit_linear(x, y, groups, "s", c)
        p_by_q = [fold[r["week"]].proba(feats(r)) for r in rows]
        # Question model on the out-of-fold sentence probabilities, near misses as train_judge makes them.
        def inputs(r, kept, sub, name=name):
            return sub[:, cols] if name == "shipped features" else np.hstack([sub[:, cols], r["h"][kept]])
        qx, qy, kinds, weeks = tj.question_rows(rows, p_by_q, fold.__getitem__, inputs)
        _, qoof, _ = tj.fit_linear(qx, qy, np.asarray(weeks), "q", 1.0)
        table = tj.abstention_table(qoof, kinds, np.round(np.arange(0.02, 0.8, 0.01), 3))
        ok = [t for t in table if t["false_abstention"] <= 0.04]
        point = max(ok, key=lambda t: t["threshold"]) if ok else table[0]
        print(f"{name:18} top-1 {tj.top1(rows, p_by_q):.3f}  operating point {point}")


if __name__ == "__main__":
    main()
