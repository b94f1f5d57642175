"""Experiment: does the library answer, judged by whether the article we would quote names what
the question names?

The question model reads "names missing in the articles found" as the best over all candidates:
one candidate's article naming the question's names is enough. Asked "How many seats did the
Green Party win in the 2026 Norwegian parliamentary election?", the answer quoted an article on
Japan's election: the sentence it would quote comes from an article that names none of them.
This adds question-level columns read from the best candidate (by the sentence model's
probability): the share of the question's names its article holds, and the same in the sentence
and its context.

Same dev rows, folds, metrics and operating-point rule as bench/train_judge.py (RealTime QA 2024
even weeks; bench/.cache/judge_data.pkl; span column out of fold as train_judge computes it).

Result (2026-12-02, not shipped): the columns tell the kinds apart (share of names in the best
candidate's article: answerable 0.70, near misses 0.65, no excerpt 0.19), but the shipped
columns already carry it. At false abstention <= 3 / 4 / 5%, questions without their news
declined / near misses: shipped 0.650 / 0.154, 0.696 / 0.181, 0.721 / 0.205; with all three
columns 0.654 / 0.164, 0.679 / 0.188, 0.717 / 0.208; with the best article's alone 0.662 /
0.157, 0.671 / 0.171, 0.721 / 0.201. Within noise.

    python bench/judge_best_article_exp.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import numpy as np  # noqa: E402
import train_judge as tj  # noqa: E402

from assistant.judge.answerability import (  # noqa: E402
    SENTENCE_FEATURES,
    SENTENCE_MODEL_FEATURES,
    question_features,
)

ARTICLE = SENTENCE_FEATURES.index("names_in_article")
SENTENCE = SENTENCE_FEATURES.index("names_in_sentence")
COLS = [SENTENCE_FEATURES.index(f) for f in SENTENCE_MODEL_FEATURES]


def extra(qinfo, x: np.ndarray, p: np.ndarray) -> list[float]:
    if not len(p) or not qinfo.name_terms:
        return [1.0, 1.0, 1.0]
    order = np.argsort(-p)
    best = x[order[0]]
    top3 = x[order[:3]]
    return [float(best[ARTICLE]), float(best[SENTENCE]), float(top3[:, ARTICLE].min())]


def main() -> None:
    rows = tj.dev_rows()
    tj.span_columns(rows)
    for r in rows:
        r["xs"] = r["x"][:, COLS]
    p_by_q, fold = tj.oof_sentence_probs(rows)
    base, more, qy, kinds, weeks = [], [], [], [], []
    for r, p in zip(rows, p_by_q, strict=True):
        yy = np.asarray(r["y"], dtype=bool)
        cases = []
        if r["answerable"]:
            cases.append((r["x"], p, int(r["gold"] in r["cand_docs"]),
                          "answerable" if r["gold"] in r["cand_docs"] else "unreachable"))
            if yy.any() and (~yy).any():
                sub = tj.with_gaps(r["x"][~yy])
                cases.append((sub, fold[r["week"]].proba(sub[:, COLS]), 0, "near_miss"))
        else:
            cases.append((r["x"], p, 0, "no_excerpt"))
        for xx, pp, label, kind in cases:
            base.append(question_features(r["qinfo"], xx, pp))
            more.append(extra(r["qinfo"], xx, pp))
            qy.append(label)
            kinds.append(kind)
            weeks.append(r["week"])
    base_a, more_a, qy_a, weeks_a = np.asarray(base), np.asarray(more), np.asarray(qy), np.asarray(weeks)
    k = np.asarray(kinds)
    for j, name in enumerate(("names_in_best_article", "names_in_best_sentence", "names_in_top3_articles_min")):
        print(f"  mean {name}: " + ", ".join(f"{kind} {more_a[k == kind, j].mean():.2f}"
                                             for kind in ("answerable", "unreachable", "near_miss", "no_excerpt")))
    grid = np.round(np.arange(0.02, 0.8, 0.002), 4)
    variants = {"shipped": base_a, "+ best article": np.hstack([base_a, more_a[:, :1]]),
                "+ best article, sentence": np.hstack([base_a, more_a[:, :2]]),
                "+ all three": np.hstack([base_a, more_a])}
    for name, qx in variants.items():
        _, qoof, _ = tj.fit_linear(qx, qy_a, weeks_a, "q", 1.0)
        table = tj.abstention_table(qoof, kinds, grid)
        out = []
        for fa in (0.03, 0.04, 0.05):
            t = max((t for t in table if t["false_abstention"] <= fa), key=lambda t: t["threshold"])
            out.append(f"FA<={fa:.2f}: no-excerpt {t['abstention_no_excerpt']:.3f} "
                       f"near {t['abstention_near_miss']:.3f}")
        print(f"{name:28} " + "  ".join(out))


if __name__ == "__main__":
    main()
