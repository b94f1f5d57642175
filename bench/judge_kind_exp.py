"""Experiment: should the answer judge read the question's kind as the short answer does?

The judge's "holds the kind of answer asked for" columns and its question model's kind columns
come from `text.question_type` (money / quantity / time / entity), a few regexes: "In which
Chinese city did Wang Yi meet the Taliban delegation?" has no kind there ("which" does not open
the question, "city" does not follow it), so a sentence naming Tianjin gets no credit for
holding a place. `question.analyse` reads it as a place. This maps the finer kinds onto the
judge's four (person / place / organisation / name -> entity, number / percentage -> quantity,
time, money) and keeps the coarse kind where the finer one has no counterpart.

Same dev rows, week-wise folds, metrics and operating-point rule as bench/train_judge.py
(RealTime QA 2024 even weeks; bench/.cache/judge_data.pkl from bench/judge_data.py; the span
column out of fold as train_judge computes it). Reported out of fold on dev: sentence top-1, and
at false abstention <= 4% the share of questions without their news and of near misses declined.

Result (2026-12-02, with the span column of 833e9e5; not shipped): 131 of 740 dev questions change
kind. Coarse kinds (shipped): top-1 0.410, no-excerpt declined 0.671, near misses 0.171; finer
kinds mapped: 0.408, 0.696, 0.160. More questions without their news declined, fewer near
misses, the sentence ranking no better: no clear gain for a change of the judge's input.

    python bench/judge_kind_exp.py
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import numpy as np  # noqa: E402
import train_judge as tj  # noqa: E402

from assistant.judge.answerability import SENTENCE_FEATURES, SENTENCE_MODEL_FEATURES  # noqa: E402
from assistant.question import analyse  # noqa: E402
from assistant.text import holds_answer  # noqa: E402

FINE_TO_JUDGE = {"person": "entity", "place": "entity", "org": "entity", "name": "entity", "time": "time",
                 "number": "quantity", "percent": "quantity", "money": "money"}
HELD, NOT_HELD = SENTENCE_FEATURES.index("type_asked_and_held"), SENTENCE_FEATURES.index("type_asked_not_held")


def judge_kind(question: str, coarse: str | None) -> str | None:
    return FINE_TO_JUDGE.get(analyse(question).expected, coarse)


def with_kind(r: dict, kind: str | None) -> dict:
    """The row with its question's kind replaced and the two kind columns recomputed."""
    q = dataclasses.replace(r["qinfo"], kind=kind)
    x = r["x"].copy()
    for k, text in enumerate(r["texts"]):
        asked = bool(kind or q.act)
        held = holds_answer(text, kind, q.text) if kind else bool(x[k, HELD])  # an act's column stays
        x[k, HELD], x[k, NOT_HELD] = float(asked and held), float(asked and not held)
    return {**r, "qinfo": q, "x": x}


def evaluate(rows: list[dict]) -> str:
    cols = [SENTENCE_FEATURES.index(f) for f in SENTENCE_MODEL_FEATURES]
    for r in rows:
        r["xs"] = r["x"][:, cols]
    p_by_q, fold = tj.oof_sentence_probs(rows)
    qx, qy, kinds, weeks = tj.question_rows(rows, p_by_q, fold.__getitem__)
    _, qoof, _ = tj.fit_linear(qx, qy, np.asarray(weeks), "q", 1.0)
    table = tj.abstention_table(qoof, kinds, np.round(np.arange(0.02, 0.8, 0.002), 4))
    at = max((t for t in table if t["false_abstention"] <= 0.04), key=lambda t: t["threshold"])
    return (f"top-1 {tj.top1(rows, p_by_q):.3f}  FA<=0.04: no-excerpt {at['abstention_no_excerpt']:.3f} "
            f"near miss {at['abstention_near_miss']:.3f} (threshold {at['threshold']})")


def main() -> None:
    rows = tj.dev_rows()
    tj.span_columns(rows)
    changed = sum(judge_kind(r["question"], r["qinfo"].kind) != r["qinfo"].kind for r in rows)
    print(f"{changed} of {len(rows)} dev questions change kind", file=sys.stderr)
    print("coarse kinds (shipped)", evaluate(rows))
    print("finer kinds, mapped   ", evaluate([with_kind(r, judge_kind(r["question"], r["qinfo"].kind)) for r in rows]))


if __name__ == "__main__":
    main()
