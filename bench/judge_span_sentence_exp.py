"""Experiment: does the short-answer span ranker help the judge pick the sentence that answers?

Asked "Who is the Lib Dem leader?" over a BBC article whose lead reads "..., Lib Dem leader
Charles Kennedy has said.", the judge ranked that sentence seventh: it is long and about taxes,
so its cosine with the question is low (0.24), and the sentence model leans on the cosine. The
span ranker (assistant/short_answer.py) sees what the sentence model does not: a span of the
kind asked for (a person's name) right next to the question's words. This adds, per candidate
sentence, the best lexical span probability in it (as a logit) to the sentence model's columns.

Same dev rows, week-wise folds and metrics as bench/train_judge.py (RealTime QA 2024 even
weeks; needs bench/.cache/judge_data.pkl from bench/judge_data.py): sentence top-1 (the best-
scored candidate holds the right choice, over all answerable dev questions), out of fold; and
the question model refitted on each variant's out-of-fold sentence probabilities, at the
highest threshold whose false abstention stays at or below 4%. The span models are refitted
per fold of weeks (C 0.3, as shipped), so no dev question's span score comes from a model that
saw its week (``--in-sample-spans`` uses the shipped model instead).

Result (2026-12-02, dev, out of fold; question model at false abstention <= 4%):

| sentence model columns | top-1 | no excerpt declined | near misses declined |
| --- | --- | --- | --- |
| shipped | 0.380 | 0.646 | 0.140 |
| + best span logit | 0.406 | 0.667 | 0.174 |
| + best span logit, its span fits the kind | 0.406 | 0.662 | 0.174 |
| + best span logit among spans of the kind asked for (shipped since) | 0.410 | 0.671 | 0.171 |
| + span logit x fits | 0.390 | 0.646 | 0.157 |

With C 0.3 instead of 1 the same order (0.384 -> 0.406). Re-run after the short answer stopped
offering the country of a nationality the question names (4ad7110): the same order; shipped
variant 0.410 / 0.696 / 0.181, "+ best span logit" 0.408 / 0.667 / 0.174. The "of the kind" column agrees with
the short answer, which never shows a span of another kind for a measure question
(`short_answer.measures_as`); bench/train_judge.py computes it out of fold the same way.

    python bench/judge_span_sentence_exp.py [--in-sample-spans] [--c 1.0]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import numpy as np  # noqa: E402
import train_judge as tj  # noqa: E402

from assistant import short_answer as sa  # noqa: E402
from assistant.judge.answerability import SENTENCE_FEATURES, SENTENCE_MODEL_FEATURES  # noqa: E402

SPAN_MODEL: dict = {}  # week -> the lexical span model fitted without that week


def _logit(p: float) -> float:
    p = min(max(p, 1e-3), 1 - 1e-3)
    return math.log(p / (1 - p))


def span_column(question: str, texts: list[str], relevance: list[float], week) -> np.ndarray:
    """Per sentence: the logit of its best lexical span's probability, and whether that span
    fits the kind asked for; all sentences are ranked together, as the product would."""
    out = np.zeros((len(texts), 3))
    out[:, 0] = -7.0
    out[:, 2] = -7.0
    if not texts:
        return out
    cands = [sa.Candidate(t, float(r)) for t, r in zip(texts, relevance, strict=True)]
    expected = sa.analyse(question).expected
    for s in sa.rank(question, cands, model=SPAN_MODEL.get(week)):
        k = s.candidate
        v = _logit(s.score)
        if v > out[k, 0]:
            out[k, 0] = v
            out[k, 1] = float(s.features.get("fits", 0.0))
        if sa.measures_as(expected, s.text) and v > out[k, 2]:
            out[k, 2] = v
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--in-sample-spans", action="store_true")
    ap.add_argument("--c", type=float, default=1.0)
    args = ap.parse_args()
    if not args.in_sample_spans:
        SPAN_MODEL.update(tj.span_models_by_week())
    rows = tj.dev_rows()
    # The sentence model's columns as they were before it read the span (added below, or not at all).
    cols = [SENTENCE_FEATURES.index(f) for f in SENTENCE_MODEL_FEATURES if f != "span"]
    t0 = time.perf_counter()
    for r in rows:
        r["span"] = span_column(r["question"], r["texts"], r["relevance"], r["week"])
    print(f"span columns for {len(rows)} questions in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    variants = {  # the columns added to the shipped ones
        "shipped columns": lambda r: r["span"][:, :0],
        "+ span logit": lambda r: r["span"][:, :1],
        "+ span logit, fits": lambda r: r["span"][:, :2],
        "+ span logit of the kind": lambda r: r["span"][:, 2:3],
        "+ span logit x fits": lambda r: r["span"][:, :1] * r["span"][:, 1:2],
    }
    grid = np.round(np.arange(0.02, 0.8, 0.002), 4)
    for name, extra in variants.items():
        for r in rows:
            r["xs"] = np.hstack([r["x"][:, cols], extra(r)])
        p_by_q, fold = tj.oof_sentence_probs(rows, args.c)
        top1 = tj.top1(rows, p_by_q)
        # The question model on these sentence probabilities; near misses are scored by the
        # fold's sentence model on the candidates left.
        def inputs(r, kept, sub, extra=extra):
            return np.hstack([sub[:, cols], extra(r)[kept]])

        qx, qy, kinds, weeks = tj.question_rows(rows, p_by_q, fold.__getitem__, inputs=inputs)
        _, qoof, _ = tj.fit_linear(qx, qy, np.asarray(weeks), "q", args.c)
        table = tj.abstention_table(qoof, kinds, grid)
        at = max((t for t in table if t["false_abstention"] <= 0.04), key=lambda t: t["threshold"])
        print(f"{name:24} top-1 {top1:.3f}  FA<=0.04: no-excerpt {at['abstention_no_excerpt']:.3f} "
              f"near miss {at['abstention_near_miss']:.3f} (threshold {at['threshold']})")


if __name__ == "__main__":
    main()
