"""Experiment (not shipped): do proximity and phrase features help the judge pick the sentence
that answers? Run on the judge's dev rows (bench/.cache/judge_data.pkl, RealTime QA 2024 even
weeks; week-wise 5-fold cross-validation as bench/train_judge.py), top-1 = the best-scored
candidate holds the right choice, over all answerable dev questions.

New features tried: distance in tokens between a question term and a token of the kind of
answer asked for (a number, a year or month, a new capitalised name), the same within 3 tokens,
the share of the question's bigrams found in the sentence, how spread out the matched question
terms are, and the count of names the question does not give.

Result (2026-11-30): shipped sentence model 0.384; with each feature 0.380-0.390, with all 0.380;
gradient boosting (same week folds, random_state 0) on the model's features 0.376, on every
computed feature 0.392 (that includes the chunk-level features the judge leaves out on purpose:
they learn the quiz's short excerpts, see assistant/judge/answerability.py), with the new ones
0.388. Within noise: the lexical signal is used up. Not shipped.

    python bench/judge_features_exp.py
"""

from __future__ import annotations

import math
import pickle
import re
import sys
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402
import train_judge as tj  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from assistant.judge.answerability import SENTENCE_FEATURES, SENTENCE_MODEL_FEATURES  # noqa: E402
from assistant.lexicon import MONTHS, STARTERS, WEEKDAYS  # noqa: E402
from assistant.text import proper_nouns, words  # noqa: E402

NEW = ["near", "near3", "bigram", "spread", "new_names"]
_NUM = re.compile(r"\d")
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
_TIME_WORDS = {w.lower() for w in (*MONTHS, *WEEKDAYS)}


def new_features(q, text: str) -> list[float]:
    toks = re.findall(r"[A-Za-z0-9$£€%][\w'’.,%-]*", text)
    low = [t.lower().strip(".,") for t in toks]
    asked = set(q.terms)
    qwords = {w.lower() for w in words(q.text)}
    qpos = [i for i, w in enumerate(low) if w in asked or any(w[:5] == x[:5] for x in asked if len(x) > 4)]

    def candidate(i: int, t: str) -> bool:
        if q.kind in ("quantity", "money"):
            return bool(_NUM.search(t))
        if q.kind == "time":
            return bool(_YEAR.search(t)) or t.lower() in _TIME_WORDS
        if q.kind == "entity":
            return t[:1].isupper() and i > 0 and low[i] not in qwords and t not in STARTERS
        return False

    cpos = [i for i, t in enumerate(toks) if candidate(i, t)]
    dist = min(abs(a - b) for a in qpos for b in cpos) if qpos and cpos else 30
    qseq = [w.lower() for w in words(q.text)]
    qbi = {(a, b) for a, b in pairwise(qseq) if a in asked or b in asked}
    sseq = [w.lower() for w in words(text)]
    bigram = len(qbi & set(pairwise(sseq))) / len(qbi) if qbi else 0.0
    spread = (max(qpos) - min(qpos)) / max(1, len(toks)) if len(qpos) > 1 else 1.0
    new_names = len([n for n in proper_nouns(text) if n.lower() not in qwords])
    return [1 / (1 + dist), float(dist <= 3), bigram, spread, math.log1p(new_names)]


def main() -> None:
    rows = [r for r in pickle.loads((ROOT / "bench/.cache/judge_data.pkl").read_bytes())["rows"] if len(r["y"])]
    dev = [r for r in rows if r["split"] == "dev"]
    clean = [r for r in dev if any(r["y"]) or not r["answerable"]]
    for r in dev:
        r["xn"] = np.asarray([new_features(r["qinfo"], t) for t in r["texts"]])
    model_cols = [SENTENCE_FEATURES.index(f) for f in SENTENCE_MODEL_FEATURES]

    def stack(cols, extra) -> None:
        for r in dev:
            r["xs"] = np.hstack([r["x"][:, cols]] + ([r["xn"][:, extra]] if extra else []))

    def linear(extra) -> float:
        stack(model_cols, extra)
        x = np.vstack([r["xs"] for r in clean])
        y = np.concatenate([np.asarray(r["y"], dtype=int) for r in clean])
        groups = np.concatenate([[r["week"]] * len(r["y"]) for r in clean])
        _, _, fold_models = tj.fit_linear(x, y, groups, "sentence", 1.0)
        return tj.top1(dev, [fold_models[r["week"]].proba(r["xs"]) for r in dev])

    def boosted(cols, extra) -> float:
        """The same week folds as train_judge.fit_linear (GroupKFold by week over the clean rows)."""
        stack(cols, extra)
        x = np.vstack([r["xs"] for r in clean])
        y = np.concatenate([np.asarray(r["y"], dtype=int) for r in clean])
        groups = np.concatenate([[r["week"]] * len(r["y"]) for r in clean])
        hits = []
        for train, held in GroupKFold(n_splits=5).split(x, y, groups):
            m = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0,
                                               min_samples_leaf=50).fit(x[train], y[train])
            held_weeks = set(groups[held])
            hits += [bool(r["y"][int(np.argmax(m.predict_proba(r["xs"])[:, 1]))])
                     for r in dev if r["week"] in held_weeks and r["answerable"]]
        return sum(hits) / sum(1 for r in dev if r["answerable"])

    print(f"shipped features (linear): {linear([]):.3f}")
    for i, name in enumerate(NEW):
        print(f"  + {name}: {linear([i]):.3f}")
    print(f"  + all: {linear(list(range(len(NEW)))):.3f}")
    every = list(range(len(SENTENCE_FEATURES)))
    print(f"boosted, model features {boosted(model_cols, []):.3f}; every feature {boosted(every, []):.3f}; "
          f"every + new {boosted(every, list(range(len(NEW)))):.3f}")


if __name__ == "__main__":
    main()
