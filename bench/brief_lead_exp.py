"""Experiment (not shipped): can any sentence model trained on the dev articles beat the lead on
CNN/DailyMail, where the brief loses to Lead-3 (issue 16)?

Data: the 95 FRANK CNN/DM dev articles and 100 BBC dev articles, prepared as bench/brief_train.py
does (admissible sentences, all-MiniLM-L6-v2 vectors, greedy-oracle labels; its cache). Every
score is out-of-fold (the same 5 interleaved folds as brief_train.py), summaries chosen by the
brief's own chooser (``select.choose``) under a fixed word budget, ROUGE F with stemming against
the highlights, with Lead-3 and a length-matched Lead-N (N per article closest in words to the
summary) in the same run.

Systems: the shipped recipe (one logistic model over both styles); logistic and ridge models
trained on CNN/DM alone (ridge on soft labels: each sentence's ROUGE-1 + ROUGE-2 precision
against the highlights); the same with directional centrality (mean cosine to the sentences
after / before, PacSum-style); a per-style mixture (a style classifier on the article-level
features decides between a BBC-only and a CNN/DM-only model); and the lead itself (the first
admissible sentences under the budget).

Result (2026-11-30; CNN/DM dev, budget 80 words unless said; R2 / RL, the length-matched Lead-N
of the same summaries in brackets): Lead-3 19.0 / 26.7; the lead of admissible sentences 19.5 /
27.2 (19.5 / 26.9); shipped recipe 17.0 / 24.8 (19.7 / 27.1), at its budget of 65 16.9 / 25.6;
CNN/DM-only logistic (C 0.01) 19.3 / 27.0 (19.6 / 26.9); CNN/DM-only ridge (alpha 1000) 19.5 /
27.4 (19.6 / 26.9); with directional centrality 19.2 / 27.1 (19.6 / 26.9); the per-style mixture
16.9 / 25.2 (19.7 / 27.0), its style classifier right for 77% of articles out of fold. Nothing
beats the length-matched lead on ROUGE-2: what 95 articles teach a model about CNN/DM
highlights is the lead, and the lead loses BBC (BBC dev R2 42.1 for the lead vs 52.9 for the
shipped recipe at the same budget). Not shipped.

    python bench/brief_lead_exp.py
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import brief_data  # noqa: E402
import brief_train as bt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402

from assistant.brief.rank import FEATURES, STYLE  # noqa: E402
from assistant.brief.select import Candidate, choose  # noqa: E402
from assistant.embedders import build_embeddings  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.text import words  # noqa: E402

CNN, BBC = "frank-cnndm-dev", "bbc-dev"
FOLDS = 5


def rouge(ref: str, text: str) -> tuple[float, float]:
    s = bt.SCORER.score(ref, text)
    return 100 * s["rouge2"].fmeasure, 100 * s["rougeL"].fmeasure


def summary(p, scores, limit: int) -> str:
    cands = [Candidate(key=("a", i), text=t, vector=p.vectors[i], score=float(scores[i]), order=(0, i),
                       previous=("a", i - 1) if i else None) for i, t in enumerate(p.texts)]
    return " ".join(c.text for c in choose(cands, limit, 5, 0.0))


def table(items, scores_of, dataset: str, limit: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(R2, RL) of the summaries and of the length-matched Lead-N, averaged over the dataset."""
    mine, lead = [], []
    for p in (q for q in items if q.dataset == dataset):
        text = summary(p, scores_of[id(p)], limit)
        mine.append(rouge(p.art.reference, text))
        lead.append(rouge(p.art.reference, bt.lead_matched(p, len(words(text)))))

    def mean(rows):
        return tuple(round(statistics.mean(c), 1) for c in zip(*rows, strict=True))

    return mean(mine), mean(lead)


def model(c: float, soft: bool = False):
    def fit(train, x_of):
        x = np.vstack([x_of(p) for p in train])
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0
        if soft:
            soft_y = np.concatenate([p.soft for p in train])
            m = Ridge(alpha=c).fit((x - mean) / scale, soft_y, sample_weight=bt.dataset_weights(train))
            return lambda z: m.predict((z - mean) / scale)
        m = LogisticRegression(C=c, max_iter=3000).fit((x - mean) / scale, np.concatenate([p.y for p in train]),
                                                       sample_weight=bt.dataset_weights(train))
        return lambda z: m.predict_proba((z - mean) / scale)[:, 1]
    return fit


def out_of_fold(items, fit, x_of, only: str | None = None) -> dict[int, np.ndarray]:
    folds = [items[i::FOLDS] for i in range(FOLDS)]
    out = {}
    for k, fold in enumerate(folds):
        train = [p for j, f in enumerate(folds) if j != k for p in f if only is None or p.dataset == only]
        predict = fit(train, x_of)
        for p in fold:
            out[id(p)] = predict(x_of(p))
    return out


def directional(p) -> np.ndarray:
    v = p.vectors / np.linalg.norm(p.vectors, axis=1, keepdims=True)
    sim, n = v @ v.T, len(p.texts)
    after = np.array([sim[i, i + 1:].mean() if i < n - 1 else 0.0 for i in range(n)])
    before = np.array([sim[i, :i].mean() if i else 0.0 for i in range(n)])
    return np.c_[after, before, after - before]


def main() -> None:
    embedder = build_embeddings(Settings().embeddings)
    cache = dict(np.load(bt.CACHE_PATH, allow_pickle=False)) if bt.CACHE_PATH.exists() else {}
    items = bt.prepare(brief_data.frank_dev(), CNN, embedder, cache)
    items += bt.prepare(brief_data.bbc("dev", 100), BBC, embedder, cache)
    for p in items:
        p.soft = np.array([sum(v.precision for k, v in bt.SCORER.score(p.art.reference, t).items() if k != "rougeL")
                           for t in p.texts])
        p.x_dir = np.hstack([p.x, directional(p)])
    base, with_dir = (lambda p: p.x), (lambda p: p.x_dir)
    systems = {
        "lead of admissible sentences": {id(p): -np.arange(len(p.texts), dtype=float) for p in items},
        "shipped recipe (both styles)": out_of_fold(items, model(1.0), base),
        "CNN/DM-only logistic C 0.01": out_of_fold(items, model(0.01), base, CNN),
        "CNN/DM-only ridge alpha 1000": out_of_fold(items, model(1000, soft=True), base, CNN),
        "CNN/DM-only logistic + directional": out_of_fold(items, model(0.01), with_dir, CNN),
    }
    # Per-style mixture: P(CNN/DM style) from the article-level features, out of fold.
    cols = [FEATURES.index(f) for f in STYLE]
    folds = [items[i::FOLDS] for i in range(FOLDS)]
    style = {}
    for k, fold in enumerate(folds):
        train = [p for j, f in enumerate(folds) if j != k for p in f]
        x = np.array([p.x[0, cols] for p in train])
        mean, scale = x.mean(axis=0), x.std(axis=0)
        clf = LogisticRegression().fit((x - mean) / scale, [p.dataset == CNN for p in train])
        for p in fold:
            style[id(p)] = clf.predict_proba(((p.x[0, cols] - mean) / scale)[None])[0, 1]
    right = float(np.mean([(style[id(p)] > 0.5) == (p.dataset == CNN) for p in items]))
    cnn_only, bbc_only = systems["CNN/DM-only logistic C 0.01"], out_of_fold(items, model(1.0), base, BBC)
    systems["per-style mixture"] = {id(p): style[id(p)] * cnn_only[id(p)] + (1 - style[id(p)]) * bbc_only[id(p)]
                                    for p in items}
    lead3 = tuple(round(statistics.mean(c), 1) for c in zip(
        *[rouge(p.art.reference, " ".join(p.raw[:3])) for p in items if p.dataset == CNN], strict=True))
    print(f"CNN/DM dev, {sum(p.dataset == CNN for p in items)} articles; Lead-3 R2/RL {lead3}; "
          f"style classifier right for {right:.2f} of articles")
    for name, scores in systems.items():
        for limit in (65, 80):
            (r2, rl), (l2, ll) = table(items, scores, CNN, limit)
            bbc = table(items, scores, BBC, limit)[0] if limit == 80 else None
            print(f"  {name:38} budget {limit}: R2/RL {r2} / {rl}  (length-matched Lead-N {l2} / {ll})"
                  + (f"  BBC dev {bbc[0]} / {bbc[1]}" if bbc else ""), flush=True)


if __name__ == "__main__":
    main()
